"""Self-check questions: the answer parser, its tolerance, hostile input, and the widgets' feedback."""

import math

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
    assert "Close" in check_numeric("0.52", 0.5)[1]
    assert "Not quite" in check_numeric("0.9", 0.5)[1]


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
    assert quiz.score == 1


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
