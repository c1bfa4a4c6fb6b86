"""Self-check questions: the answer parser, its tolerance, hostile input, and the widgets' feedback."""

import math
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from helpers.exercises import (
    MAX_ANSWER_LENGTH,
    AnswerFormatError,
    ChoiceQuestion,
    NumericQuestion,
    Quiz,
    check_numeric,
    parse_number,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0.57", 0.57),
        ("-.045", -0.045),
        ("1/3", 1 / 3),
        ("3e-2", 0.03),
        ("  0.5 ", 0.5),
        ("\u22120.5", -0.5),  # unicode minus sign
        ("\u20130.5", -0.5),  # en dash typed as a minus
        ("+2", 2.0),
        ("5.", 5.0),
        ("1E3", 1000.0),
        ("-1 / 4", -0.25),
        ("2/-4", -0.5),
        ("1.5e-1/3", 0.05),
        ("\uff11/\uff13", 1 / 3),  # full-width digits
        ("\u00bd", 0.5),  # the one-half character
        ("7", 7.0),
    ],
)
def test_parse_accepts_the_forms_people_type(text, expected):
    assert parse_number(text) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "Type a number first"),
        ("   ", "Type a number first"),
        (None, "Type a number first"),
        ("abc", "can't read"),
        ("__import__('os')", "can't read"),
        ("__import__('os').system('echo hi')", "can't read"),
        ("1/0", "divides by zero"),
        ("0/0", "divides by zero"),
        ("nan", "not inf or nan"),
        ("-inf", "not inf or nan"),
        ("Infinity", "not inf or nan"),
        ("1e999", "far too large"),
        ("0,57", "Use a dot"),
        ("57%", "not a percentage"),
        ("1/3/4", "can't read"),
        ("2**10", "can't read"),
        ("0x10", "can't read"),
        ("1_000", "can't read"),
        ("\u0661", "can't read"),  # an Arabic-Indic digit: float() would accept it, we don't
        ("x" * 10_000, "too long"),
        ("1" * (MAX_ANSWER_LENGTH + 1), "too long"),
        ([0.5], "as text"),
        (float("nan"), "not inf or nan"),
        (float("-inf"), "not inf or nan"),
        (b"0.5", "as text"),
        (True, "as text"),
    ],
)
def test_parse_rejects_with_a_friendly_message(text, words):
    with pytest.raises(AnswerFormatError) as caught:
        parse_number(text)
    assert words in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_numbers_passed_directly_are_accepted():
    assert parse_number(0.25) == 0.25
    assert parse_number(3) == 3.0


def test_parser_never_evaluates_code(monkeypatch):
    import builtins

    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert check_numeric("__import__('os')", 1.0)[0] is False
    assert check_numeric("1/4", 0.25)[0] is True


@pytest.mark.parametrize(
    "text",
    ["", "abc", "__import__('os')", "x" * 10_000, "1/0", "nan", "inf", "-", ".", "e5", "1e", "/3", "1/", "\x00", "🙂"],
)
def test_check_numeric_never_raises_and_explains(text):
    ok, message = check_numeric(text, 0.5)
    assert ok is False
    assert isinstance(message, str) and len(message) > 10


def test_tolerance_edges_relative():
    # rel_tol 1% of 2.0 is 0.02 (abs_tol smaller, so relative wins)
    assert check_numeric("2.0199", 2.0, rel_tol=0.01, abs_tol=1e-6)[0]
    assert check_numeric("1.9801", 2.0, rel_tol=0.01, abs_tol=1e-6)[0]
    assert not check_numeric("2.0201", 2.0, rel_tol=0.01, abs_tol=1e-6)[0]
    assert not check_numeric("1.9799", 2.0, rel_tol=0.01, abs_tol=1e-6)[0]


def test_tolerance_edges_absolute_near_zero():
    assert check_numeric("0.0009", 0.0, rel_tol=0.01, abs_tol=1e-3)[0]
    assert check_numeric("-0.0009", 0.0, rel_tol=0.01, abs_tol=1e-3)[0]
    assert not check_numeric("0.0011", 0.0, rel_tol=0.01, abs_tol=1e-3)[0]


def test_rounded_answers_pass_with_the_default_tolerance():
    z1 = 1 / (1 + math.exp(-0.3))  # 0.5744...
    assert check_numeric("0.57", z1)[0]
    assert check_numeric("0.574", z1)[0]
    assert check_numeric("0.5744", z1)[0]
    assert not check_numeric("0.6", z1)[0]


def test_feedback_messages():
    assert check_numeric("0.5", 0.5) == (True, "Correct: 0.5.")
    assert "sign is wrong" in check_numeric("-0.5", 0.5)[1]
    assert check_numeric("0.52", 0.5)[1] == "Not quite. Try again, or open the hint."  # no rounding of 0.5 gives 0.52
    assert "Not quite" in check_numeric("0.9", 0.5)[1]
    # 0.64 is 0.64118 rounded to 2 digits, outside a 0.1 % tolerance: Close, and how many digits are needed
    assert check_numeric("0.64", 0.64118, rel_tol=0.001, abs_tol=1e-5) == (
        False, "Close, but 0.64 (the answer rounded to 2 significant digits) is rounded too far: this answer must be "
               "within ±0.0006412, so give it rounded to at least 3 significant digits.")
    # cut off instead of rounded: said so (0.5987 cut to 0.59; rounded it would be 0.60, which is right)
    assert check_numeric("0.59", 0.598688)[1] == (
        "Close, but 0.59 looks cut off rather than rounded: round the last digit up when the next one is 5 or more "
        "(2 significant digits are enough).")


def test_known_mistakes_get_their_own_explanation():
    mistakes = [(0.18, "That is the log10 cost; use the natural log.")]
    assert check_numeric("0.18", 0.416, mistakes=mistakes) == (False, "That is the log10 cost; use the natural log.")
    assert check_numeric("0.416", 0.416, mistakes=mistakes)[0]


def test_numeric_question_widget_feedback():
    q = NumericQuestion("What is `z1`?", 0.5744, hint="Apply the sigmoid.", solution="z1 = σ(0.3) = 0.5744")
    assert q.feedback.value == ""
    q.answer_box.value = "0.57"  # Enter in the box checks at once
    assert q.last_result == (True, "Correct: 0.5744.")
    assert "✔" in q.feedback.value and "Correct" in q.feedback.value
    q.answer_box.value = "abc"
    ok, message = q.check()
    assert not ok and "can't read" in message
    assert "✘" in q.feedback.value


def test_widget_escapes_what_was_typed():
    q = NumericQuestion("Q?", 1.0)
    q.answer_box.value = "<script>alert(1)</script>"
    assert "<script>" not in q.feedback.value
    assert "&lt;script&gt;" in q.feedback.value


def test_hostile_input_in_the_widget_gives_a_message():
    q = NumericQuestion("Q?", 1.0)
    for text in ["__import__('os')", "x" * 10_000, "1/0", "nan", "inf", ""]:
        q.answer_box.value = text
        ok, message = q.check()
        assert not ok and message
        assert "Traceback" not in q.feedback.value


def test_hint_and_solution_revealed_on_request():
    q = NumericQuestion("Q?", 1.0, hint="Think of σ.", solution="It is 1.")
    assert q.hint_view.value == "" and q.solution_view.value == ""
    q.hint_button.click()
    assert "Think of σ." in q.hint_view.value
    assert q.solution_view.value == ""
    q.solution_button.click()
    assert "It is 1." in q.solution_view.value


def test_buttons_disabled_without_hint_or_solution():
    q = NumericQuestion("Q?", 1.0)
    assert q.hint_button.disabled and q.solution_button.disabled
    assert q.show_hint() is None


def test_check_button_checks():
    q = NumericQuestion("Q?", 0.25)
    q.answer_box.value = "1/4"
    q.feedback.value = ""
    q.check_button.click()
    assert "Correct" in q.feedback.value


@pytest.mark.parametrize("answer", [float("nan"), float("inf"), "0.5", None, True])
def test_numeric_question_needs_a_computed_finite_answer(answer):
    with pytest.raises(ValueError, match="answer"):
        NumericQuestion("Q?", answer)


def test_choice_question_right_and_wrong():
    q = ChoiceQuestion(
        "Which function is z1?",
        ["log10(a1)", "σ(a1)", "tanh(a1)"],
        correct=1,
        explanations={0: "That is the slip in the notes.", 1: "z is the activation."},
        hint="z is after the activation.",
        solution="σ(a1).",
    )
    assert q.check() == (False, "Pick one of the options first.")
    q.answer_box.value = "log10(a1)"
    assert q.last_result == (False, "That is the slip in the notes.")
    q.answer_box.value = "tanh(a1)"
    assert q.last_result[0] is False and "Not this one" in q.last_result[1]
    q.answer_box.value = "σ(a1)"
    assert q.last_result == (True, "Correct. z is the activation.")
    assert "✔" in q.feedback.value
    q.solution_button.click()
    assert "σ(a1)." in q.solution_view.value


@pytest.mark.parametrize(
    "options, correct", [(["a"], 0), (["a", "a"], 0), (["a", "b"], 2), (["a", "b"], -1), (["a", "b"], True)]
)
def test_choice_question_checks_its_arguments(options, correct):
    with pytest.raises(ValueError, match=r"^(options|correct):"):
        ChoiceQuestion("Q?", options, correct)


def test_quiz_numbers_questions_and_keeps_score():
    q1 = NumericQuestion("One?", 1.0)
    q2 = ChoiceQuestion("Two?", ["x", "y"], correct=0)
    quiz = Quiz([q1, q2], title="Check yourself")
    assert quiz.score == 0 and "0 of 2" in quiz.score_view.value
    assert q2.prompt_view.value.startswith("<b>Question 2.</b>")
    q1.answer_box.value = "1"
    assert quiz.score == 1 and "1 of 2" in quiz.score_view.value
    q2.answer_box.value = "y"
    assert quiz.score == 1
    q2.answer_box.value = "x"
    assert quiz.score == 2 and "2 of 2" in quiz.score_view.value
    q1.answer_box.value = "3"
    assert quiz.score == 2  # a right answer stays counted (see test_score_is_sticky)


def test_reprs_are_deterministic_and_static_html_shows_the_question():
    def build():
        return Quiz(
            [
                NumericQuestion("What is `a1`?", 0.3, hint="x1 w1 + x2 w3", solution="0.3"),
                ChoiceQuestion("Pick <one>", ["A & B", "C"], correct=0),
            ]
        )

    first, second = build()._repr_mimebundle_(), build()._repr_mimebundle_()
    for key in ("text/plain", "text/html", "text/markdown"):
        assert first[key] == second[key]
    assert "application/vnd.jupyter.widget-view+json" in first
    assert "0x" not in first["text/plain"] and "model_id" not in first["text/plain"]
    assert first["text/plain"].splitlines()[1] == "Question 1: What is a1?"
    html_text = first["text/html"]
    assert "<code>a1</code>" in html_text
    assert "Pick &lt;one&gt;" in html_text and "A &amp; B" in html_text
    assert "<details><summary>Hint</summary>" in html_text
    assert "<details><summary>Worked answer</summary>" in html_text


def test_single_question_bundle():
    q = NumericQuestion("What is y_hat?", 0.6)
    bundle = q._repr_mimebundle_()
    assert bundle["text/plain"] == "Numeric question: What is y_hat?"
    assert "What is y_hat?" in bundle["text/html"]
    assert repr(q) == bundle["text/plain"]


def test_quiz_without_title():
    quiz = Quiz([NumericQuestion("One?", 1.0)], title=None)
    bundle = quiz._repr_mimebundle_()
    assert "<h3>" not in bundle["text/html"]
    assert bundle["text/plain"].startswith("Quiz (1 question)\n")
    assert len(quiz.widget.children) == 2  # the question and the score


# ---------------------------------------------------------------------------
# Findings of a student and a hostile tester, each reproduced
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def office_hours():
    """The values lesson 03 asks about: w6 after one step, the notes' w6 (updated with dE/dw5), z1, z2, y_hat."""
    from helpers import get_parameter, office_hours_example, parameter_names

    net, x, y, lr = office_hours_example()
    trace = net.forward(x)
    g = net.gradients(x, y)
    dE_dw5, dE_dw6 = g.weights[1][0]
    w6 = get_parameter(net, parameter_names(net)["w6"])
    return {
        "new_w6": float(w6 - lr * dE_dw6),
        "notes_w6": float(w6 - lr * dE_dw5),
        "sign_w6": float(w6 + lr * dE_dw6),
        "z1": float(trace.z[0][0]),
        "z2": float(trace.z[0][1]),
        "y_hat": float(trace.output[0]),
        "y_hat_11": float(net.forward(np.array([1.0, 1.0])).output[0]),
    }


NOTES_W6 = "That uses ∂E/∂w5, the notes' mistake 5: w6 needs its own gradient."


def test_lesson3_mistake_inside_the_tolerance_is_refused(office_hours):
    new_w6, notes_w6 = office_hours["new_w6"], office_hours["notes_w6"]
    assert f"{new_w6:.4f}" == "0.6412" and f"{notes_w6:.4f}" == "0.6395"  # the reported case
    with pytest.raises(ValueError) as caught:
        NumericQuestion("w6 after one step?", new_w6, mistakes=[(notes_w6, NOTES_W6)])  # rel_tol 0.01
    message = str(caught.value)
    assert message.startswith("mistakes: the value 0.639498 (That uses ∂E/∂w5")
    assert "within the tolerance ±0.00641 of the answer 0.641165" in message
    assert message.endswith("tighten rel_tol/abs_tol or drop it")
    with pytest.raises(ValueError, match="^mistakes: the value 0.639498"):
        check_numeric("0.6412", new_w6, mistakes=[(notes_w6, NOTES_W6)])


def test_lesson3_mistake_message_appears_with_a_tight_tolerance(office_hours):
    mistakes = [(office_hours["notes_w6"], NOTES_W6), (office_hours["sign_w6"], "Check the sign of the step.")]
    q = NumericQuestion("w6 after one step?", office_hours["new_w6"], rel_tol=0.002, abs_tol=1e-4, mistakes=mistakes)
    q.answer_box.value = "0.6395"
    assert q.last_result == (False, NOTES_W6)
    q.answer_box.value = "0.6412"
    assert q.last_result == (True, "Correct: 0.6412.")
    q.answer_box.value = "0.641"
    assert q.last_result[0] is True
    q.answer_box.value = "0.5588"
    assert q.last_result == (False, "Check the sign of the step.")
    assert q.mistakes == tuple(mistakes)  # readable, as (value, message) pairs


def test_both_windows_must_exclude_the_other_value():
    # 1.0101 is outside 1.0's window (±0.01) but 1.0 is inside 1.0101's (±0.010101): refused
    assert not check_numeric("1.0101", 1.0, rel_tol=0.01, abs_tol=0.0)[0]
    with pytest.raises(ValueError, match=r"^mistakes: the value 1\.0101 \(slip\) is within the tolerance ±0\.0101"):
        NumericQuestion("Q?", 1.0, rel_tol=0.01, abs_tol=0.0, mistakes=[(1.0101, "slip")])
    # and the other way round: the mistake inside the answer's window
    with pytest.raises(ValueError, match="^mistakes: the value 1 "):
        NumericQuestion("Q?", 1.0101, rel_tol=0.01, abs_tol=0.0, mistakes=[(1.0, "slip")])
    # the absolute floor counts too, near zero
    with pytest.raises(ValueError, match="^mistakes: the value 0.0005 "):
        NumericQuestion("Q?", 0.0, mistakes=[(0.0005, "slip")])
    assert NumericQuestion("Q?", 1.0, rel_tol=0.01, abs_tol=0.0, mistakes=[(1.0202, "slip")]).mistakes


def test_long_mistake_messages_are_shortened_in_the_error():
    with pytest.raises(ValueError) as caught:
        NumericQuestion("Q?", 1.0, mistakes=[(1.001, "x" * 200)])
    assert "x" * 47 + "…" in str(caught.value) and "x" * 60 not in str(caught.value)


def test_typed_value_in_overlapping_windows_goes_to_the_nearer_one():
    # windows of 1.0 (±0.015) and 1.02 (±0.0153) overlap between 1.0047 and 1.015
    mistakes = [(1.02, "slip")]
    assert check_numeric("1.006", 1.0, rel_tol=0.015, abs_tol=0.0, mistakes=mistakes)[0] is True
    assert check_numeric("1.014", 1.0, rel_tol=0.015, abs_tol=0.0, mistakes=mistakes) == (False, "slip")
    # two mistakes: the nearer one speaks
    mistakes = [(2.0, "two"), (2.1, "two point one")]
    assert check_numeric("2.07", 1.0, rel_tol=0.05, mistakes=mistakes) == (False, "two point one")


def test_a_rounded_answer_near_a_mistake_asks_for_digits(office_hours):
    # 0.64 is the answer 0.6412 rounded, but nearer the notes' 0.6395: only more digits can tell
    mistakes = [(office_hours["notes_w6"], NOTES_W6)]
    ok, message = check_numeric("0.64", office_hours["new_w6"], rel_tol=0.002, abs_tol=1e-4, mistakes=mistakes)
    assert not ok
    assert message == ("Close, but 0.64 (the answer rounded to 2 significant digits) is also where a known mistake "
                       "rounds to, so it cannot tell them apart: give the answer rounded to at least 3 significant "
                       "digits.")


def test_conceptual_slips_are_not_called_close(office_hours):
    z1, z2 = office_hours["z1"], office_hours["z2"]
    for rel_tol in (0.01, 0.002, 0.0005):
        message = check_numeric(f"{z1:.4f}", z2, rel_tol=rel_tol, abs_tol=1e-5)[1]
        assert message == "Not quite. Try again, or open the hint."
    mistakes = [(z1, "That is z1; z2 comes from a2.")]
    assert check_numeric(f"{z1:.4f}", z2, mistakes=mistakes) == (False, "That is z1; z2 comes from a2.")
    # the old y_hat typed for the question about x = (1, 1)
    old, new = office_hours["y_hat"], office_hours["y_hat_11"]
    for rel_tol in (0.01, 0.001):
        assert check_numeric(f"{old:.4f}", new, rel_tol=rel_tol, abs_tol=1e-4)[1].startswith("Not quite")


@pytest.mark.parametrize(
    "typed, close",
    [
        ("0.68", True),  # 2 significant digits, rounded
        ("0.67", True),  # 2 digits, chopped
        ("0.679", True),  # 3 digits, rounded
        ("0.678", True),  # 3 digits, chopped
        ("0.677", False),  # neither: an arithmetic slip, not rounding
        ("0.69", False),
        ("0.7", False),  # one digit is not "close"
    ],
)
def test_close_only_when_rounding_explains_it(typed, close):
    ok, message = check_numeric(typed, 0.67891, rel_tol=1e-4, abs_tol=1e-6)
    assert not ok
    assert message.startswith("Close") is close
    if close:
        assert "4 significant digits" in message
        assert ("cut off" in message) is (typed in ("0.67", "0.678"))
    else:
        assert message == "Not quite. Try again, or open the hint."


def test_close_counts_decimals_for_large_answers_and_keeps_the_sign_message():
    assert check_numeric("12.35", 12.3456, rel_tol=1e-4, abs_tol=1e-6)[1].startswith("Close")  # 2 decimals
    assert check_numeric("-12.3456", 12.3456)[1] == "The size is right but the sign is wrong."
    assert check_numeric("-12.3", 12.3456, rel_tol=1e-4)[1] == "The size is right but the sign is wrong."
    assert check_numeric("0", 0.0012, rel_tol=0.01, abs_tol=1e-5)[1].startswith("Not quite")  # rounding to 0


def test_score_is_sticky_and_says_so():
    q1 = NumericQuestion("One?", 1.0)
    q2 = ChoiceQuestion("Two?", ["x", "y"], correct=0)
    quiz = Quiz([q1, q2])
    q1.answer_box.value = "1"
    assert quiz.score == 1
    for junk in ("abc", "7", ""):
        q1.answer_box.value = junk
        q1.check()
        assert q1.last_result[0] is False
        assert quiz.score == 1 and "1 of 2 right so far" in quiz.score_view.value
        assert "You already had this right; it still counts in your score." in q1.feedback.value
    q2.answer_box.value = "x"
    q2.answer_box.value = "y"
    assert quiz.score == 2 and q2.solved and q2.last_result[0] is False
    assert "already had this right" in q2.feedback.value
    # a question never answered right does not get the note
    q3 = NumericQuestion("Three?", 3.0)
    q3.answer_box.value = "2"
    assert "already" not in q3.feedback.value and not q3.solved


def test_every_check_changes_the_feedback():
    q = NumericQuestion("Q?", 0.5)
    q.answer_box.value = "0.9"
    seen = [q.feedback.value]
    for _ in range(3):
        q.check_button.click()  # same text again
        assert q.feedback.value not in seen
        seen.append(q.feedback.value)
    assert q.attempts == 4
    assert "(check 4, the same answer as before)" in q.feedback.value
    q.answer_box.value = "0.8"  # a different wrong answer with the same message
    assert q.last_result == (False, "Not quite. Try again, or open the hint.")
    assert "(check 5)" in q.feedback.value and "same answer" not in q.feedback.value
    c = ChoiceQuestion("Q?", ["a", "b"], correct=1)
    c.answer_box.value = "a"
    first = c.feedback.value
    c.check_button.click()
    assert c.feedback.value != first and "same answer as before" in c.feedback.value


def _press_enter(box):
    """What the browser sends on Enter (ipywidgets 8.1): a custom message, before any new value."""
    box._handle_custom_msg({"event": "submit"}, [])


def test_enter_on_unchanged_text_checks_again():
    q = NumericQuestion("Q?", 0.5)
    q.answer_box.value = "0.5"
    assert q.attempts == 1
    _press_enter(q.answer_box)  # no event loop here: checked at once
    assert q.attempts == 2 and "(check 2, the same answer as before)" in q.feedback.value
    _press_enter(NumericQuestion("Q?", 0.5).answer_box)  # empty box: a message, no error


def test_enter_waits_for_the_new_value_in_an_event_loop():
    import asyncio

    from helpers.exercises import SUBMIT_DELAY

    async def scenario():
        q = NumericQuestion("Q?", 0.5)
        _press_enter(q.answer_box)  # Enter arrives first ...
        q.answer_box.value = "0.5"  # ... then the typed value, which checks it
        await asyncio.sleep(SUBMIT_DELAY + 0.1)
        assert q.attempts == 1 and q.last_result == (True, "Correct: 0.5.")  # not checked twice
        _press_enter(q.answer_box)  # Enter on unchanged text: checked after the delay
        assert q.attempts == 1
        await asyncio.sleep(SUBMIT_DELAY + 0.1)
        assert q.attempts == 2

    asyncio.run(scenario())


def test_enter_in_a_real_kernel():
    """The browser's message order, sent to a real ipykernel: the submit overtakes the value."""
    import time

    manager = pytest.importorskip("jupyter_client.manager")
    kernel, client = manager.start_new_kernel(kernel_name="python3", cwd=str(Path(__file__).parents[1]))
    try:
        def run(code):
            reply = client.execute_interactive(code, timeout=60, output_hook=lambda msg: outputs.append(msg))
            assert reply["content"]["status"] == "ok", reply["content"]
            return "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")

        def send(comm_id, data):
            client.shell_channel.send(client.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))

        outputs = []
        qid, pid = run("from helpers.exercises import NumericQuestion, Predict\n"
                       "q = NumericQuestion('Q?', 0.5); p = Predict('P?', answer=0.5)\n"
                       "print(q.answer_box.comm.comm_id, p.answer_box.comm.comm_id)").split()
        submit = {"method": "custom", "content": {"event": "submit"}}
        typed = {"method": "update", "state": {"value": "0.5"}, "buffer_paths": []}
        send(qid, submit)
        send(qid, typed)
        send(pid, submit)
        send(pid, typed)
        time.sleep(1.0)
        outputs = []
        assert run("print(q.attempts, q.last_result[0], p.revealed, p.prediction)").split() == ["1", "True", "True",
                                                                                              "0.5"]
        send(qid, submit)  # Enter again, text unchanged
        time.sleep(1.0)
        outputs = []
        assert run("print(q.attempts, 'same answer' in q.feedback.value)").split() == ["2", "True"]
    finally:
        client.stop_channels()
        kernel.shutdown_kernel(now=True)


# -- hostile input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [10**400, -(10**400), Fraction(10**400, 3), b"0.5", bytearray(b"1"), None, float("nan"), float("inf"), object(),
     [0.5], {"a": 1}, np.array([0.5]), np.float64("nan"), complex(1, 2), Decimal("0.5"), "\x00" * 5, "1e400/1e-400"],
)
def test_check_numeric_never_raises_for_anything_typed(typed):
    ok, message = check_numeric(typed, 0.5)
    assert ok is False and isinstance(message, str) and message


def test_huge_int_typed_gets_a_message():
    assert check_numeric(10**400, 1.0) == (False, "That number is far too large to be the answer here.")
    with pytest.raises(AnswerFormatError, match="far too large"):
        parse_number(10**400)


@pytest.mark.parametrize("space", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e"])
def test_zero_width_characters_are_stripped(space):
    assert parse_number(f"{space}0.{space}57{space}") == 0.57
    assert parse_number(f"-{space}1/{space}4") == -0.25
    assert check_numeric(f"0.5{space}", 0.5)[0] is True


@pytest.mark.parametrize("answer", [10**400, float("nan"), float("-inf"), 1e16, "0.5", None, True, np.array([0.5]),
                                    complex(1, 0)])
def test_absurd_answers_are_refused_naming_answer(answer):
    with pytest.raises(ValueError, match="^answer: "):
        check_numeric("1", answer)
    with pytest.raises(ValueError, match="^answer: "):
        NumericQuestion("Q?", answer)


@pytest.mark.parametrize(
    "tolerances, name",
    [
        ({"rel_tol": float("nan")}, "rel_tol"),
        ({"rel_tol": float("inf")}, "rel_tol"),
        ({"rel_tol": -0.01}, "rel_tol"),
        ({"rel_tol": 1.0}, "rel_tol"),
        ({"rel_tol": "0.01"}, "rel_tol"),
        ({"abs_tol": float("nan")}, "abs_tol"),
        ({"abs_tol": float("inf")}, "abs_tol"),
        ({"abs_tol": -1e-3}, "abs_tol"),
        ({"rel_tol": 0, "abs_tol": 0}, "rel_tol/abs_tol"),
    ],
)
def test_bad_tolerances_are_refused(tolerances, name):
    pattern = "^" + re.escape(name) + ": "
    with pytest.raises(ValueError, match=pattern):
        check_numeric("1", 1.0, **tolerances)
    with pytest.raises(ValueError, match=pattern):
        NumericQuestion("Q?", 1.0, **tolerances)


def test_the_exact_answer_is_right_with_any_accepted_tolerance():
    for rel_tol, abs_tol in ((0.0, 1e-12), (1e-12, 0.0), (0.5, 0.0), (0.01, 10.0)):
        assert check_numeric(repr(0.123456789), 0.123456789, rel_tol=rel_tol, abs_tol=abs_tol)[0]


@pytest.mark.parametrize("mistakes", [[1.5], [(1.5,)], [(float("nan"), "x")], [(1.5, "")], [(1.5, None)], "1.5", 3])
def test_malformed_mistakes_are_refused(mistakes):
    with pytest.raises(ValueError, match="^mistakes: "):
        NumericQuestion("Q?", 1.0, mistakes=mistakes)
