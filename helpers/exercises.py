"""Self-check questions with instant feedback.

A lesson computes every answer with the helpers and passes the number in; the
learner types what they worked out by hand. Typed text is read by a tiny parser
(sign, decimal or scientific number, optional "/ denominator"); nothing typed is
ever evaluated as code.

    q = NumericQuestion("What is z1?", answer=trace.z[0][0], hint="...", solution="...")
    q                      # displays the question (a widget in a kernel, HTML elsewhere)
    q.answer_box.value = "0.57"; q.check()   # -> (False, "Not quite ...")

``check_numeric(text, answer, rel_tol, abs_tol)`` is the pure function behind it.
"""

from __future__ import annotations

import html
import math
import numbers
import re
import unicodedata

import ipywidgets as widgets

__all__ = [
    "AnswerFormatError",
    "ChoiceQuestion",
    "NumericQuestion",
    "Quiz",
    "check_numeric",
    "parse_number",
]

#: Longer input than this is not a number anybody typed on purpose.
MAX_ANSWER_LENGTH = 60

EXAMPLES = "a decimal like 0.57 or -.045, a fraction like 1/3, or scientific notation like 3e-2"

# Dashes people paste or type for a minus sign, and slashes for a fraction.
_MINUS_SIGNS = "\u2212\u2012\u2013\u2014\ufe63\uff0d"
_SLASHES = "\u2044\u2215\u00f7"

_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_ANSWER = re.compile(
    rf"\s*(?P<num_sign>[+-]?)\s*(?P<num>{_NUMBER})\s*(?:/\s*(?P<den_sign>[+-]?)\s*(?P<den>{_NUMBER})\s*)?",
    re.ASCII,
)


class AnswerFormatError(ValueError):
    """Typed text that is not a number we can read; the message is meant for the learner."""


def _normalise(text):
    """Unify look-alike characters (full-width digits, unicode minus, fraction slash)."""
    text = unicodedata.normalize("NFKC", text)
    for dash in _MINUS_SIGNS:
        text = text.replace(dash, "-")
    for slash in _SLASHES:
        text = text.replace(slash, "/")
    return text.strip()


def parse_number(text):
    """Read a typed answer as a float, or raise AnswerFormatError with a friendly message.

    Accepted: optional sign, a decimal or scientific number, optionally "/" and a
    second such number ("1/3", "-.045", "3e-2", "−0.5" with a unicode minus).
    """
    if text is None:
        raise AnswerFormatError(f"Type a number first: {EXAMPLES}.")
    if isinstance(text, numbers.Real) and not isinstance(text, bool):
        text = repr(float(text))
    if not isinstance(text, str):
        raise AnswerFormatError(f"Type the answer as text: {EXAMPLES}.")
    if len(text) > MAX_ANSWER_LENGTH:
        raise AnswerFormatError(f"That is too long to be an answer here; type just the number: {EXAMPLES}.")
    cleaned = _normalise(text)
    if not cleaned:
        raise AnswerFormatError(f"Type a number first: {EXAMPLES}.")

    match = _ANSWER.fullmatch(cleaned)
    if match is None:
        bare = cleaned.lstrip("+-").strip().lower()
        if bare in ("nan", "inf", "infinity", "∞"):
            raise AnswerFormatError("The answer is an ordinary finite number, not inf or nan.")
        if "," in cleaned and _ANSWER.fullmatch(cleaned.replace(",", ".")):
            raise AnswerFormatError(f"Use a dot as the decimal point: {cleaned.replace(',', '.')}.")
        if cleaned.endswith("%"):
            raise AnswerFormatError("Type the value itself, not a percentage: 0.25 rather than 25%.")
        shown = cleaned if len(cleaned) <= 20 else cleaned[:20] + "…"
        raise AnswerFormatError(f"I can't read “{shown}” as a number. Type {EXAMPLES}.")

    value = float(match["num"])
    if match["num_sign"] == "-":
        value = -value
    if match["den"] is not None:
        denominator = float(match["den"])
        if match["den_sign"] == "-":
            denominator = -denominator
        if denominator == 0:
            raise AnswerFormatError("That divides by zero, which gives no number; check the denominator.")
        value = value / denominator
    if not math.isfinite(value):
        raise AnswerFormatError("That number is far too large to be the answer here.")
    return value


def _format(value):
    """A number as a learner would write it: 4 significant digits, no trailing noise."""
    return f"{value:.4g}".replace("-", "−")


def _within(value, target, rel_tol, abs_tol):
    """|value - target| <= max(rel_tol |target|, abs_tol): the tolerance is relative to the answer."""
    return abs(value - target) <= max(rel_tol * abs(target), abs_tol)


def check_numeric(text, answer, rel_tol=0.01, abs_tol=1e-3, mistakes=()):
    """Compare a typed answer with the computed one. Returns ``(ok, message)``.

    ``ok`` when |typed - answer| <= max(rel_tol |answer|, abs_tol).
    ``mistakes`` is a sequence of ``(value, message)``: known wrong answers (e.g. the
    log10 version of a cost) that earn a specific explanation instead of "not quite".
    Never raises for anything typed.
    """
    answer = float(answer)
    try:
        value = parse_number(text)
    except AnswerFormatError as error:
        return False, str(error)

    if _within(value, answer, rel_tol, abs_tol):
        return True, f"Correct: {_format(answer)}."
    for wrong_value, explanation in mistakes:
        if _within(value, float(wrong_value), rel_tol, abs_tol):
            return False, explanation
    if answer != 0 and _within(-value, answer, rel_tol, abs_tol):
        return False, "The size is right but the sign is wrong."
    if _within(value, answer, 10 * rel_tol, 10 * abs_tol):
        return False, (
            f"Close, but not within the tolerance (±{_format(max(rel_tol * abs(answer), abs_tol))}). "
            "Keep at least three significant digits in the intermediate steps."
        )
    return False, "Not quite. Try again, or open the hint."


# ---------------------------------------------------------------------------
# Widgets
# ---------------------------------------------------------------------------

_INLINE_CODE = re.compile(r"`([^`]+)`")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _to_html(text):
    """Plain prose with `code` spans and $maths$ as HTML (escaped; maths left for MathJax)."""
    return _INLINE_CODE.sub(r"<code>\1</code>", html.escape(text, quote=False)).replace("\n\n", "<br><br>")


def _to_plain(text):
    return _INLINE_CODE.sub(r"\1", text)


_FEEDBACK_STYLE = {
    True: "color: #006d2c; font-weight: bold",  # green, with a mark so colour is not the only cue
    False: "color: #a63603",
}


class _Question:
    """What numeric and multiple-choice questions share: prompt, check, hint, worked answer."""

    kind = "Question"

    def __init__(self, prompt, answer_box, hint=None, solution=None):
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError("prompt: expected the question text")
        self.prompt = prompt
        self.hint = hint
        self.solution = solution
        self.number = None  # set by a Quiz: "Question 2"
        self.last_result = None  # (ok, message) of the latest check
        self._listeners = []

        self.prompt_view = widgets.HTMLMath(value=_to_html(prompt))
        self.answer_box = answer_box
        self.check_button = widgets.Button(description="Check", button_style="primary", tooltip="Check my answer")
        self.feedback = widgets.HTML(value="")
        self.hint_button = widgets.Button(description="Hint", disabled=hint is None)
        self.hint_view = widgets.HTMLMath(value="")
        self.solution_button = widgets.Button(
            description="Show worked answer", disabled=solution is None, layout=widgets.Layout(width="auto")
        )
        self.solution_view = widgets.HTMLMath(value="")

        self.check_button.on_click(lambda _: self.check())
        self.hint_button.on_click(lambda _: self.show_hint())
        self.solution_button.on_click(lambda _: self.show_solution())
        buttons = widgets.HBox([self.answer_box, self.check_button, self.hint_button, self.solution_button])
        self.widget = widgets.VBox(
            [self.prompt_view, buttons, self.feedback, self.hint_view, self.solution_view],
            layout=widgets.Layout(margin="0 0 1em 0"),
        )

    # -- actions (buttons call these; tests call them directly) ---------------

    def _judge(self):
        raise NotImplementedError

    def check(self):
        """Judge the current answer, show the feedback, return ``(ok, message)``."""
        ok, message = self._judge()
        mark = "✔ " if ok else "✘ "
        self.feedback.value = f'<span style="{_FEEDBACK_STYLE[ok]}">{mark}{html.escape(message)}</span>'
        self.last_result = (ok, message)
        for listener in self._listeners:
            listener(self)
        return ok, message

    def show_hint(self):
        if self.hint is not None:
            self.hint_view.value = f"<b>Hint.</b> {_to_html(self.hint)}"
        return self.hint

    def show_solution(self):
        if self.solution is not None:
            self.solution_view.value = f"<b>Worked answer.</b> {_to_html(self.solution)}"
        return self.solution

    # -- display ---------------------------------------------------------------

    def _title(self):
        return self.number or self.kind

    def _static_answer_html(self):
        return ""

    def _static_html(self):
        parts = [f"<p><b>{html.escape(self._title())}.</b> {_to_html(self.prompt)}</p>", self._static_answer_html()]
        if self.hint is not None:
            parts.append(f"<details><summary>Hint</summary><p>{_to_html(self.hint)}</p></details>")
        if self.solution is not None:
            parts.append(f"<details><summary>Worked answer</summary><p>{_to_html(self.solution)}</p></details>")
        return "".join(parts)

    def _plain_text(self):
        return f"{self._title()}: {_to_plain(self.prompt)}"

    def __repr__(self):
        return self._plain_text()

    def _repr_mimebundle_(self, include=None, exclude=None):
        # The widget view where a kernel runs; the question as HTML/Markdown where none does
        # (GitHub, nbviewer, nbconvert); a text/plain without ids so nbval can compare it.
        bundle = self.widget._repr_mimebundle_()
        bundle["text/plain"] = self._plain_text()
        bundle["text/html"] = f'<div class="self-check">{self._static_html()}</div>'
        bundle["text/markdown"] = f"**{self._title()}.** {self.prompt}"
        return bundle


class NumericQuestion(_Question):
    """A question whose answer is a number, typed as text and read without eval.

    ``answer`` is computed by the lesson (never typed); ``rel_tol``/``abs_tol`` as in
    ``check_numeric``; ``mistakes`` maps known wrong values to explanations.
    Pressing Enter in the box checks the answer, as does the Check button.
    """

    kind = "Numeric question"

    def __init__(self, prompt, answer, *, rel_tol=0.01, abs_tol=1e-3, hint=None, solution=None, mistakes=()):
        if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not math.isfinite(answer):
            raise ValueError(f"answer: expected a finite number computed by the lesson, got {answer!r}")
        self.answer = float(answer)
        self.rel_tol = float(rel_tol)
        self.abs_tol = float(abs_tol)
        self.mistakes = tuple((float(value), str(message)) for value, message in mistakes)
        box = widgets.Text(
            value="",
            placeholder="e.g. 0.57, -.045, 1/3, 3e-2",
            continuous_update=False,  # the value arrives on Enter (or leaving the box)
            layout=widgets.Layout(width="16em"),
        )
        super().__init__(prompt, box, hint=hint, solution=solution)
        box.observe(self._on_enter, names="value")

    def _on_enter(self, change):
        if change["new"].strip():
            self.check()

    def _judge(self):
        return check_numeric(self.answer_box.value, self.answer, self.rel_tol, self.abs_tol, self.mistakes)

    def _static_answer_html(self):
        return "<p><i>Run the notebook to type an answer and check it.</i></p>"


class ChoiceQuestion(_Question):
    """A multiple-choice question with one right option.

    ``correct`` is the index of the right option; ``explanations`` optionally maps
    an option index to what is wrong (or right) about it, shown after a check.
    """

    kind = "Multiple choice"

    def __init__(self, prompt, options, correct, *, hint=None, solution=None, explanations=None):
        options = [str(option) for option in options]
        if not 2 <= len(options) <= len(_LETTERS) or len(set(options)) != len(options):
            raise ValueError(f"options: expected 2 to {len(_LETTERS)} different options")
        if isinstance(correct, bool) or not isinstance(correct, int) or not 0 <= correct < len(options):
            raise ValueError(f"correct: expected an option index 0..{len(options) - 1}, got {correct!r}")
        self.options = options
        self.correct = correct
        self.explanations = dict(explanations or {})
        box = widgets.RadioButtons(options=options, value=None, layout=widgets.Layout(width="auto"))
        super().__init__(prompt, box, hint=hint, solution=solution)
        # Answer first, buttons below: long options need the width.
        self.widget.children = (
            self.prompt_view,
            self.answer_box,
            widgets.HBox([self.check_button, self.hint_button, self.solution_button]),
            self.feedback,
            self.hint_view,
            self.solution_view,
        )
        box.observe(lambda change: self.check() if change["new"] is not None else None, names="value")

    def _judge(self):
        index = self.answer_box.index
        if index is None:
            return False, "Pick one of the options first."
        ok = index == self.correct
        explanation = self.explanations.get(index)
        if ok:
            return True, "Correct." + (f" {explanation}" if explanation else "")
        return False, explanation or "Not this one. Try another, or open the hint."

    def _static_answer_html(self):
        # Letters written out: list styles are often reset by notebook themes.
        items = "<br>".join(f"{_LETTERS[i]}. {_to_html(option)}" for i, option in enumerate(self.options))
        return f"<p>{items}</p>"

    def _plain_text(self):
        lines = [super()._plain_text()] + [f"  {_LETTERS[i]}. {_to_plain(o)}" for i, o in enumerate(self.options)]
        return "\n".join(lines)


class Quiz:
    """Several questions under one title (None: no heading, e.g. below a Markdown one), with a running score."""

    def __init__(self, questions, title="Check yourself"):
        questions = list(questions)
        if not questions or not all(isinstance(q, _Question) for q in questions):
            raise ValueError("questions: expected a non-empty list of NumericQuestion/ChoiceQuestion")
        self.title = title
        self.questions = questions
        for number, question in enumerate(questions, start=1):
            question.number = f"Question {number}"
            question.prompt_view.value = f"<b>{question.number}.</b> {_to_html(question.prompt)}"
            question._listeners.append(lambda _: self._update_score())
        self.score_view = widgets.HTML(value=self._score_text())
        self.widget = widgets.VBox(
            ([widgets.HTML(value=self._heading_html())] if title else []) + [q.widget for q in questions]
            + [self.score_view]
        )

    def _heading_html(self):
        return f"<h3>{html.escape(self.title)}</h3>" if self.title else ""

    @property
    def score(self):
        """Number of questions whose latest check was right."""
        return sum(1 for q in self.questions if q.last_result and q.last_result[0])

    def _score_text(self):
        return f"<b>{self.score} of {len(self.questions)} right so far.</b>"

    def _update_score(self):
        self.score_view.value = self._score_text()

    def __repr__(self):
        count = len(self.questions)
        header = f"{self.title or 'Quiz'} ({count} question{'' if count == 1 else 's'})"
        return "\n".join([header] + [q._plain_text() for q in self.questions])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_()
        bundle["text/plain"] = repr(self)
        body = "".join(f'<div class="self-check" style="margin-bottom: 1em">{q._static_html()}</div>'
                       for q in self.questions)
        bundle["text/html"] = self._heading_html() + body
        bundle["text/markdown"] = "\n\n".join(
            ([f"### {self.title}"] if self.title else []) + [f"**{q.number}.** {q.prompt}" for q in self.questions]
        )
        return bundle
