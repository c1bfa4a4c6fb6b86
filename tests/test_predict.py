"""Predict, then reveal: nothing of the answer shows (or is even in a widget) before the learner commits."""

import base64
import json
import re
import subprocess
import sys

import ipywidgets as widgets
import pytest
from IPython.display import HTML, Image
from matplotlib.figure import Figure

from helpers.exercises import Predict, Printed

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)"')


def small_figure(title="ŷ against w5"):
    fig = Figure(figsize=(2, 1.5), dpi=50)
    ax = fig.subplots()
    ax.plot([0, 1], [0.6, 0.7])
    ax.set_title(title)
    return fig


def widget_states(widget):
    """Every synced state in the widget tree: what the browser (and a saved widget state) would get."""
    states = [widget.get_state()]
    for child in getattr(widget, "children", ()):
        states += widget_states(child)
    return states


def numeric(**kwargs):
    with Printed() as table:
        print("x = (1, 1): y_hat = 0.66524")
    options = {"reveal": [table, small_figure()], "rel_tol": 0.01, "abs_tol": 1e-3,
               "mistakes": [(0.6562, "That is ŷ of the original example, x = (0, 1).")]}
    options.update(kwargs)
    return Predict("Predict ŷ for x = (1, 1).", 0.66524, **options)


def test_hidden_until_commit_and_not_in_any_widget_state():
    p = numeric()
    assert not p.revealed and p.prediction is None and p.last_result is None
    assert p.answer_view.value == "" and p.reveal_view.value == ""
    synced = json.dumps(widget_states(p.widget), ensure_ascii=False)
    assert "0.6652" not in synced and "y_hat" not in synced and "base64" not in synced
    assert "Predict ŷ for x = (1, 1)." in synced


def test_unreadable_prediction_does_not_commit():
    p = numeric()
    for junk in ("", "abc", "nan", "1/0", "x" * 1000):
        p.answer_box.value = junk  # leaving the box does not commit either
        assert not p.revealed
        ok, message = p.commit()
        assert ok is False and message
        assert not p.revealed and p.prediction is None and p.answer_view.value == "" and p.reveal_view.value == ""
    assert "(try 5)" in p.feedback.value  # each try visibly answered
    p.answer_box.value = "0,66"
    assert p.commit() == (False, "Use a dot as the decimal point: 0.66.")


def test_right_prediction_reveals_answer_text_and_figure():
    p = numeric(explanation="Both inputs now count, so `a1` grows.")
    p.answer_box.value = "0.665"
    assert not p.revealed  # only Enter or the button commits
    assert p.commit() == (True, "Your prediction 0.665 was right: the answer is 0.6652.")
    assert p.revealed and p.prediction == 0.665
    assert "✔" in p.feedback.value
    assert p.answer_view.value.startswith("<p><b>Answer:</b> 0.6652</p>")
    assert "<code>a1</code>" in p.answer_view.value
    assert "<pre>x = (1, 1): y_hat = 0.66524</pre>" in p.reveal_view.value
    png = base64.b64decode(IMG.search(p.reveal_view.value).group(1))
    assert png.startswith(PNG_SIGNATURE)
    assert IMG.search(p.reveal_view.value).group(2) == "Figure: ŷ against w5"
    assert p.answer_box.disabled and p.commit_button.disabled and p.show_button.disabled
    p.answer_box.value = "0.1"
    assert p.commit() == (True, "Your prediction 0.665 was right: the answer is 0.6652.")  # locked in


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("0.6562", "You predicted 0.6562. That is ŷ of the original example, x = (0, 1). The answer is 0.6652."),
        ("-0.6652", "You predicted −0.6652: the size is right but the sign is wrong. The answer is 0.6652."),
        ("0.5", "You predicted 0.5; the answer is 0.6652, higher than your prediction by 33%."),
        ("0.9", "You predicted 0.9; the answer is 0.6652, lower than your prediction by 26%."),
    ],
)
def test_wrong_predictions_are_compared(typed, expected):
    p = numeric()
    p.answer_box.value = typed
    assert p.commit() == (False, expected)
    assert p.revealed and "✘" in p.feedback.value and p.reveal_view.value


def test_close_prediction_uses_the_rounding_rule():
    p = Predict("Predict it.", 0.66524, rel_tol=0.001, abs_tol=1e-5)
    p.answer_box.value = "0.67"
    assert p.commit() == (False, "Close: you predicted 0.67, and the answer is 0.6652.")


def test_just_show_me_counts_as_no_prediction():
    p = numeric()
    assert p.show_button.description == "Just show me"
    p.show_button.click()
    assert p.revealed and p.prediction is None
    assert p.last_result == (None, "No prediction this time; here is the answer.")
    assert "✔" not in p.feedback.value and "✘" not in p.feedback.value
    assert "0.6652" in p.answer_view.value
    p.answer_box.value = "0.6652"
    assert p.commit() == p.last_result and p.prediction is None  # no prediction after the fact


def test_enter_commits_a_prediction():
    p = numeric()
    p.answer_box.value = "0.7"
    p.answer_box._handle_custom_msg({"event": "submit"}, [])  # what the browser sends on Enter
    assert p.revealed and p.prediction == 0.7


def test_choice_prediction():
    p = Predict("Increase w5: which way does ŷ move?", options=["up", "down", "it stays"], correct=0,
                reveal=small_figure(), explanations={1: "w5 multiplies z1 > 0."})
    assert p.commit() == (False, "Pick one of the options first.") and not p.revealed
    assert p.choose(1) == (False, "You predicted B. down. w5 multiplies z1 > 0. The answer is A. up.")
    assert p.revealed and p.prediction == 1
    assert p.answer_view.value.startswith("<p><b>Answer:</b> A. up</p>")
    assert IMG.search(p.reveal_view.value)
    right = Predict("Q?", options=["a", "b"], correct=1)
    right.answer_box.value = "b"
    assert not right.revealed  # picking is not yet committing
    right.commit_button.click()
    assert right.last_result == (True, "Your prediction B. b was right.")


def test_text_plain_holds_only_the_question():
    p = numeric(answer_text="about 0.665")
    bundle = p._repr_mimebundle_()
    assert bundle["text/plain"] == "Prediction: Predict ŷ for x = (1, 1)." == repr(p)
    assert "application/vnd.jupyter.widget-view+json" in bundle
    c = Predict("Which way?", options=["up", "down"], correct=1, reveal="down, because w5 > 0")
    assert c._repr_mimebundle_()["text/plain"] == "Prediction: Which way?\n  A. up\n  B. down"
    assert "because" not in repr(c)


def test_static_html_folds_answer_and_reveal_in_details():
    p = numeric(answer_text="about 0.665")
    page = p._repr_mimebundle_()["text/html"]
    before, folded = page.split("<details>", 1)
    assert "Predict ŷ for x = (1, 1)." in before
    assert "0.665" not in before and "<img" not in before and "<pre>" not in before
    assert folded.startswith("<summary>Answer (predict first)</summary><p><b>Answer:</b> about 0.665</p>")
    assert "<pre>x = (1, 1): y_hat = 0.66524</pre>" in folded and folded.endswith("</details></div>")
    png = base64.b64decode(IMG.search(folded).group(1))
    assert png.startswith(PNG_SIGNATURE)
    assert page == numeric(answer_text="about 0.665")._repr_mimebundle_()["text/html"]  # deterministic
    c = Predict("Which way?", options=["up", "down"], correct=1)
    assert "A. up<br>B. down" in c._repr_mimebundle_()["text/html"].split("<details>")[0]


def test_reveal_kinds():
    html_reveal = HTML("<table><tr><td>w5</td></tr></table>")
    png = Image(data=_png_of(small_figure()), format="png")
    p = Predict("Q?", 1.0, reveal=["a < b & c", html_reveal, _png_of(small_figure()), png])
    p.show_answer()
    view = p.reveal_view.value
    assert view.startswith("<pre>a &lt; b &amp; c</pre><table><tr><td>w5</td></tr></table>")
    assert len(IMG.findall(view)) == 2
    assert Predict("Q?", 1.0, reveal="just text")._static_html().count("<pre>just text</pre>") == 1
    bare = Predict("Q?", 1.0, reveal=None)
    bare.show_answer()
    assert bare.reveal_view.value == "" and "1" in bare.answer_view.value


def _png_of(fig):
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def test_figure_is_rendered_with_agg_when_built():
    fig = small_figure()
    p = Predict("Q?", 1.0, reveal=fig)
    fig.axes[0].set_title("changed later")  # the reveal shows the figure as it was when the cell ran
    p.show_answer()
    alt = IMG.search(p.reveal_view.value).group(2)
    assert alt == "Figure: ŷ against w5"


def test_no_pyplot_and_no_magic():
    code = ("import sys\nfrom matplotlib.figure import Figure\nfrom helpers.exercises import Predict\n"
            "fig = Figure(); fig.subplots().plot([0, 1])\n"
            "p = Predict('Q?', 1.0, reveal=fig); p.show_answer()\n"
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
            "import matplotlib; assert matplotlib.get_backend() is not None\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "reveal, words",
    [
        (b"GIF89a...", "PNG"),
        (42, "expected text"),
        (object(), "expected text"),
        ([small_figure(), None], "expected text"),
    ],
)
def test_bad_reveal_is_refused(reveal, words):
    with pytest.raises(ValueError, match="^reveal: .*" + words):
        Predict("Q?", 1.0, reveal=reveal)


def test_open_printed_block_is_refused():
    block = Printed()
    with pytest.raises(ValueError, match="^reveal: a Printed block is still open"):
        Predict("Q?", 1.0, reveal=block)


def test_printed_holds_the_text_back(capsys):
    with Printed() as table:
        print("row 1")
        print("row 2")
    assert table.text == "row 1\nrow 2\n"
    assert capsys.readouterr().out == ""
    with pytest.raises(ZeroDivisionError):
        with Printed():
            print("before the error")
            raise ZeroDivisionError
    assert capsys.readouterr().out == "before the error\n"  # a failing cell still shows what it printed


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"answer": float("nan")}, "answer"),
        ({"answer": 10**400}, "answer"),
        ({"answer": None}, "answer"),
        ({"answer": 1.0, "rel_tol": float("nan")}, "rel_tol"),
        ({"answer": 1.0, "rel_tol": -0.1}, "rel_tol"),
        ({"answer": 1.0, "abs_tol": -1e-3}, "abs_tol"),
        ({"answer": 1.0, "abs_tol": float("inf")}, "abs_tol"),
        ({"answer": 1.0, "mistakes": [(1.005, "too close")]}, "mistakes"),
        ({"answer": 1.0, "correct": 1}, "options"),
        ({"answer": 1.0, "options": ["a", "b"], "correct": 0}, "answer"),
        ({"options": ["a", "b"]}, "correct"),
        ({"options": ["a", "b"], "correct": 2}, "correct"),
        ({"options": ["a"], "correct": 0}, "options"),
        ({"options": ["a", "b"], "correct": 0, "explanations": {5: "no such option"}}, "explanations"),
        ({"options": ["a", "b"], "correct": 0, "mistakes": [(1.0, "x")]}, "mistakes"),
        ({"answer": 1.0, "explanation": 3}, "explanation"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, name):
    with pytest.raises(ValueError, match=f"^{re.escape(name)}: "):
        Predict("Q?", **kwargs)


def test_choose_checks_its_index():
    with pytest.raises(ValueError, match="^index: "):
        Predict("Q?", options=["a", "b"], correct=0).choose(2)
    with pytest.raises(ValueError, match="^index: "):
        Predict("Q?", 1.0).choose(0)


def test_layout_has_the_controls_a_learner_needs():
    p = numeric()
    assert isinstance(p.widget, widgets.VBox)
    row = p.widget.children[1]
    assert list(row.children) == [p.answer_box, p.commit_button, p.show_button]
    assert p.widget.children[-2:] == (p.answer_view, p.reveal_view)
