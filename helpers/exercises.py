"""Self-check questions with instant feedback, and predict-then-reveal.

A lesson computes every answer with the helpers and passes the number in; the
learner types what they worked out by hand. Typed text is read by a tiny parser
(sign, decimal or scientific number, optional "/ denominator"); nothing typed is
ever evaluated as code.

    q = NumericQuestion("What is z1?", answer=trace.z[0][0], hint="...", solution="...")
    q                      # displays the question (a widget in a kernel, HTML elsewhere)
    q.answer_box.value = "0.57"; q.check()   # -> (True, "Correct: 0.5744.")

    p = Predict("Predict ŷ for x = (1, 1).", answer=y_other, reveal=[table, fig])
    p.answer_box.value = "0.6"; p.commit()   # locks the prediction in, then shows the answer

``check_numeric(text, answer, rel_tol, abs_tol, mistakes)`` is the pure function behind both.

Grading rules (``check_numeric``; a window is max(rel_tol |value|, abs_tol) either side of a value):

1. Known mistakes first: the nearest mistake whose window holds the typed value, when the
   value is nearer to it than to the answer, gives that mistake's message; unless the value
   is just the answer rounded (then "Close ... give at least N significant digits").
2. Otherwise within the answer's window: correct.
3. The size right but the sign flipped: said so.
4. "Close" only when rounding (or chopping) the answer to 2 or 3 significant digits or
   decimals gives exactly the typed value; the message says how many digits are needed.
5. Anything else: "Not quite".

A tolerance that would swallow a documented mistake (the mistake inside the answer's
window, or the answer inside the mistake's) is refused with ValueError when the question
is built, so every mistake's message can actually appear.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import html
import io
import math
import numbers
import re
import unicodedata
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import ipywidgets as widgets

__all__ = [
    "AnswerFormatError",
    "ChoiceQuestion",
    "NumericQuestion",
    "Predict",
    "Printed",
    "Quiz",
    "check_numeric",
    "parse_number",
]

#: Longer input than this is not a number anybody typed on purpose.
MAX_ANSWER_LENGTH = 60

#: No lesson asks for a number this large; a computed answer beyond it is a bug in the lesson.
MAX_ANSWER_MAGNITUDE = 1e15

#: Seconds to wait after Enter before checking unchanged text. The browser sends the Enter event
#: before the box's new value, so an Enter that changed the text is checked by the value change instead.
SUBMIT_DELAY = 0.25

EXAMPLES = "a decimal like 0.57 or -.045, a fraction like 1/3, or scientific notation like 3e-2"

# Dashes people paste or type for a minus sign, and slashes for a fraction.
_MINUS_SIGNS = "\u2212\u2012\u2013\u2014\ufe63\uff0d"
_SLASHES = "\u2044\u2215\u00f7"

_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_ANSWER = re.compile(
    rf"\s*(?P<num_sign>[+-]?)\s*(?P<num>{_NUMBER})\s*(?:/\s*(?P<den_sign>[+-]?)\s*(?P<den>{_NUMBER})\s*)?",
    re.ASCII,
)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class AnswerFormatError(ValueError):
    """Typed text that is not a number we can read; the message is meant for the learner."""


def _normalise(text):
    """Unify look-alike characters (full-width digits, unicode minus, fraction slash), drop invisible ones."""
    text = unicodedata.normalize("NFKC", text)
    # Format characters (zero-width space/joiners, word joiner, BOM, direction marks) are invisible
    # in the box but would make the number unreadable; pasted text often carries them.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    for dash in _MINUS_SIGNS:
        text = text.replace(dash, "-")
    for slash in _SLASHES:
        text = text.replace(slash, "/")
    return text.strip()


def parse_number(text):
    """Read a typed answer as a float, or raise AnswerFormatError with a friendly message.

    Accepted: optional sign, a decimal or scientific number, optionally "/" and a
    second such number ("1/3", "-.045", "3e-2", "−0.5" with a unicode minus).
    A real number passed directly (not typed) is accepted too.
    """
    if text is None:
        raise AnswerFormatError(f"Type a number first: {EXAMPLES}.")
    if isinstance(text, numbers.Real) and not isinstance(text, bool):
        try:
            text = repr(float(text))
        except Exception:  # an int like 10**400 overflows; an odd Real may fail any way it likes
            raise AnswerFormatError("That number is far too large to be the answer here.") from None
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


def _format_typed(value):
    """A typed value shown back: enough digits that the learner recognises it."""
    return f"{value:.6g}".replace("-", "−")


# ---------------------------------------------------------------------------
# Checking what a lesson passes in (its bugs should fail loudly, at once)
# ---------------------------------------------------------------------------


def _finite_number(value, name, what):
    """``value`` as a float, or ValueError naming ``name``: bools, strings, arrays, NaN, inf are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: expected {what}, got {value!r}")
    try:
        number = float(value)
    except Exception:  # an int like 10**400
        raise ValueError(f"{name}: expected {what}, got a number too large for a float") from None
    if not math.isfinite(number):
        raise ValueError(f"{name}: expected {what}, got {value!r}")
    return number


def _checked_answer(answer):
    number = _finite_number(answer, "answer", "a finite number computed by the lesson")
    if abs(number) > MAX_ANSWER_MAGNITUDE:
        raise ValueError(f"answer: {number!r} is beyond ±{MAX_ANSWER_MAGNITUDE:g}; no question here needs that")
    return number


def _checked_tolerances(rel_tol, abs_tol):
    rel = _finite_number(rel_tol, "rel_tol", "a finite fraction such as 0.01 (1 %)")
    absolute = _finite_number(abs_tol, "abs_tol", "a finite non-negative number such as 1e-3")
    if rel < 0:
        raise ValueError(f"rel_tol: expected a non-negative fraction such as 0.01, got {rel_tol!r}")
    if rel >= 1:
        raise ValueError(f"rel_tol: expected a fraction below 1 (0.01 is 1 %), got {rel_tol!r}")
    if absolute < 0:
        raise ValueError(f"abs_tol: expected a non-negative number such as 1e-3, got {abs_tol!r}")
    if rel == 0 and absolute == 0:
        raise ValueError("rel_tol/abs_tol: both are 0, so no typed decimal could ever be right; allow some rounding")
    return rel, absolute


def _tolerance(target, rel_tol, abs_tol):
    """Half-width of the window around ``target``: relative to it, with an absolute floor near zero."""
    return max(rel_tol * abs(target), abs_tol)


def _shorten(text, limit=48):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _checked_mistakes(mistakes, answer, rel_tol, abs_tol):
    """Known mistakes as ``((value, message), ...)``, each far enough from the answer to be told apart."""
    if mistakes is None:
        return ()
    if isinstance(mistakes, (str, bytes)) or not hasattr(mistakes, "__iter__"):
        raise ValueError(f"mistakes: expected (value, message) pairs, got {mistakes!r}")
    checked = []
    for pair in mistakes:
        try:
            value, message = pair
        except (TypeError, ValueError):
            raise ValueError(f"mistakes: expected (value, message) pairs, got {pair!r}") from None
        value = _finite_number(value, "mistakes", "a finite value for each mistake")
        if not isinstance(message, str) or not message.strip():
            raise ValueError(f"mistakes: expected a message explaining the mistake {value!r}, got {message!r}")
        # Both directions: the mistake outside the answer's window, and the answer outside the mistake's,
        # otherwise one of the two messages could never appear for its own value.
        window = max(_tolerance(answer, rel_tol, abs_tol), _tolerance(value, rel_tol, abs_tol))
        if abs(value - answer) <= window:
            raise ValueError(
                f"mistakes: the value {value:.6g} ({_shorten(message)}) is within the tolerance ±{window:.3g} of the "
                f"answer {answer:.6g}; tighten rel_tol/abs_tol or drop it"
            )
        checked.append((value, message))
    return tuple(checked)


# ---------------------------------------------------------------------------
# Judging a typed value
# ---------------------------------------------------------------------------


def _rounded(answer, quantum, mode):
    return float(Decimal(repr(float(answer))).quantize(quantum, rounding=mode))


def _leading_exponent(answer):
    """Decimal exponent of the first significant digit of ``answer`` as written (0.064 -> -2)."""
    return Decimal(repr(float(answer))).adjusted()


def _roundings(answer):
    """What the answer becomes rounded or chopped to 2 or 3 significant digits or decimals (never 0)."""
    if answer == 0:
        return set()
    quanta = [Decimal(1).scaleb(_leading_exponent(answer) - digits + 1) for digits in (2, 3)]
    quanta += [Decimal(1).scaleb(-digits) for digits in (2, 3)]
    values = {_rounded(answer, q, mode) for q in quanta for mode in (ROUND_HALF_UP, ROUND_DOWN)}
    return {v for v in values if v != 0}


def _explained_by_rounding(value, answer):
    return any(math.isclose(value, candidate, rel_tol=1e-12, abs_tol=0.0) for candidate in _roundings(answer))


def _how_rounded(value, answer):
    """How ``value`` comes from the answer: ("rounded" or "cut off", significant digits), or None."""
    for digits in (1, 2, 3, 4):
        quantum = Decimal(1).scaleb(_leading_exponent(answer) - digits + 1)
        for mode, how in ((ROUND_HALF_UP, "rounded"), (ROUND_DOWN, "cut off")):
            if math.isclose(value, _rounded(answer, quantum, mode), rel_tol=1e-12, abs_tol=0.0):
                return how, digits
    return None


def _digits_words(digits):
    return f"{digits} significant digit{'' if digits == 1 else 's'}"


def _nearest_mistake(value, answer, rel_tol, abs_tol, mistakes):
    """The message of the nearest mistake whose own window holds ``value``, if it is nearer than the answer."""
    error = abs(value - answer)
    nearest = None
    for wrong, message in mistakes:
        distance = abs(value - wrong)
        if distance <= _tolerance(wrong, rel_tol, abs_tol) and distance < error:
            if nearest is None or distance < nearest[0]:
                nearest = (distance, message)
    return None if nearest is None else nearest[1]


def _digits_needed(answer, rel_tol, abs_tol, mistakes):
    """The fewest significant digits whose rounding of the answer is judged right (in its window, no mistake's)."""
    tolerance = _tolerance(answer, rel_tol, abs_tol)
    for digits in range(1, 18):
        rounded = _rounded(answer, Decimal(1).scaleb(_leading_exponent(answer) - digits + 1), ROUND_HALF_UP)
        if abs(rounded - answer) <= tolerance and _nearest_mistake(rounded, answer, rel_tol, abs_tol, mistakes) is None:
            return digits
    return 17


def _verdict(value, answer, rel_tol, abs_tol, mistakes):
    """How a readable value compares: (kind, detail), kind one of right, mistake, sign, close, off.

    ``close`` carries (tolerance, digits needed, ambiguous): ambiguous when the value is both the
    answer rounded and nearer a known mistake, so only more digits can tell them apart.
    """
    tolerance = _tolerance(answer, rel_tol, abs_tol)
    rounded = _explained_by_rounding(value, answer)

    # Known mistakes first: the nearest one whose own window holds the value, unless the value is at least
    # as near the answer (where the windows overlap).
    mistake = _nearest_mistake(value, answer, rel_tol, abs_tol, mistakes)
    if mistake is not None:
        if rounded:
            return "close", (tolerance, _digits_needed(answer, rel_tol, abs_tol, mistakes), True)
        return "mistake", mistake
    if abs(value - answer) <= tolerance:
        return "right", None
    if answer != 0 and (abs(-value - answer) <= tolerance or _explained_by_rounding(-value, answer)):
        return "sign", None
    if rounded:
        return "close", (tolerance, _digits_needed(answer, rel_tol, abs_tol, mistakes), False)
    return "off", None


def check_numeric(text, answer, rel_tol=0.01, abs_tol=1e-3, mistakes=()):
    """Compare a typed answer with the computed one. Returns ``(ok, message)``.

    ``ok`` when |typed - answer| <= max(rel_tol |answer|, abs_tol) and the value is not
    nearer a known mistake. ``mistakes`` is a sequence of ``(value, message)``: known wrong
    answers (e.g. the log10 version of a cost) that earn their own explanation; each must lie
    outside the answer's window and the answer outside its window, else ValueError.
    Never raises for anything typed; a bad ``answer``, tolerance or mistake (the lesson's
    bug) raises ValueError naming it.
    """
    answer = _checked_answer(answer)
    rel_tol, abs_tol = _checked_tolerances(rel_tol, abs_tol)
    mistakes = _checked_mistakes(mistakes, answer, rel_tol, abs_tol)
    try:
        value = parse_number(text)
    except AnswerFormatError as error:
        return False, str(error)

    kind, detail = _verdict(value, answer, rel_tol, abs_tol, mistakes)
    if kind == "right":
        return True, f"Correct: {_format(answer)}."
    if kind == "mistake":
        return False, detail
    if kind == "sign":
        return False, "The size is right but the sign is wrong."
    if kind == "close":
        tolerance, digits, ambiguous = detail
        how = _how_rounded(value, answer)
        if how is not None and how[0] == "cut off":
            return False, (f"Close, but {_format_typed(value)} looks cut off rather than rounded: round the last "
                           f"digit up when the next one is 5 or more ({_digits_words(max(digits, how[1]))} "
                           f"are enough).")
        shown = f"{_format_typed(value)} (the answer rounded to {_digits_words(how[1])})" if how else \
            _format_typed(value)
        if ambiguous:
            return False, (f"Close, but {shown} is also where a known mistake rounds to, so it cannot tell them "
                           f"apart: give the answer rounded to at least {_digits_words(digits)}.")
        return False, (f"Close, but {shown} is rounded too far: this answer must be within ±{_format(tolerance)}, "
                       f"so give it rounded to at least {_digits_words(digits)}.")
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
    None: "color: #333333",  # no prediction made: neither right nor wrong
}
_NOTE_STYLE = "color: #555555"


def _when_enter_pressed(box, action, count):
    """Call ``action()`` when Enter is pressed in the Text ``box``, also when its text is unchanged.

    ipywidgets 8.1 front ends still send a custom ``{"event": "submit"}`` message on Enter
    (``Text.on_submit`` wraps it but is deprecated, so the message is handled directly). That message
    overtakes the box's new value, so the action runs a moment later in the kernel's event loop, and
    only if ``count()`` (checks made so far) shows that the value change did not trigger one meanwhile.
    """

    def on_message(_widget, content, _buffers):
        if not (isinstance(content, dict) and content.get("event") == "submit"):
            return
        seen = count()

        def act():
            if count() == seen:
                action()

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (plain Python, tests): nothing can overtake
            act()
        else:
            loop.call_later(SUBMIT_DELAY, act)

    box.on_msg(on_message)


class _Question:
    """What numeric and multiple-choice questions share: prompt, check, hint, worked answer, attempts."""

    kind = "Question"

    def __init__(self, prompt, answer_box, hint=None, solution=None):
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError("prompt: expected the question text")
        self.prompt = prompt
        self.hint = hint
        self.solution = solution
        self.number = None  # set by a Quiz: "Question 2"
        self.last_result = None  # (ok, message) of the latest check
        self.attempts = 0  # checks so far, shown so that every check visibly does something
        self.solved = False  # right at least once: stays counted in a Quiz's score
        self._last_key = None  # what the latest check judged, to say "same answer as before"
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

    def _answer_key(self):
        """What is being judged, comparable between checks."""
        raise NotImplementedError

    def check(self):
        """Judge the current answer, show the feedback, return ``(ok, message)``."""
        ok, message = self._judge()
        key = self._answer_key()
        self.attempts += 1
        repeated = self.attempts > 1 and key == self._last_key
        self._last_key = key
        had_it = self.solved
        self.solved = self.solved or ok

        mark = "✔ " if ok else "✘ "
        parts = [f'<span style="{_FEEDBACK_STYLE[ok]}">{mark}{html.escape(message)}</span>']
        if self.attempts > 1:
            # The counter changes on every check, so pressing Check on unchanged text still visibly answers.
            again = ", the same answer as before" if repeated else ""
            parts.append(f' <span style="{_NOTE_STYLE}">(check {self.attempts}{again})</span>')
        if had_it and not ok:
            parts.append(f'<br><span style="{_NOTE_STYLE}">You already had this right; it still counts in your '
                         "score.</span>")
        self.feedback.value = "".join(parts)
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


def _numeric_box():
    return widgets.Text(
        value="",
        placeholder="e.g. 0.57, -.045, 1/3, 3e-2",
        continuous_update=False,  # the value arrives on Enter (or leaving the box)
        layout=widgets.Layout(width="16em"),
    )


class NumericQuestion(_Question):
    """A question whose answer is a number, typed as text and read without eval.

    ``answer`` is computed by the lesson (never typed); ``rel_tol``/``abs_tol`` and
    ``mistakes`` (known wrong values with their explanations) as in ``check_numeric``,
    checked here at once, so a tolerance that would swallow a mistake fails when the
    lesson builds the question. Pressing Enter in the box checks the answer (also when
    the text is unchanged), as does the Check button.
    """

    kind = "Numeric question"

    def __init__(self, prompt, answer, *, rel_tol=0.01, abs_tol=1e-3, hint=None, solution=None, mistakes=()):
        self.answer = _checked_answer(answer)
        self.rel_tol, self.abs_tol = _checked_tolerances(rel_tol, abs_tol)
        self.mistakes = _checked_mistakes(mistakes, self.answer, self.rel_tol, self.abs_tol)
        box = _numeric_box()
        super().__init__(prompt, box, hint=hint, solution=solution)
        box.observe(self._on_enter, names="value")
        _when_enter_pressed(box, self.check, lambda: self.attempts)

    def _on_enter(self, change):
        if change["new"].strip():
            self.check()

    def _answer_key(self):
        return self.answer_box.value

    def _judge(self):
        return check_numeric(self.answer_box.value, self.answer, self.rel_tol, self.abs_tol, self.mistakes)

    def _static_answer_html(self):
        return "<p><i>Run the notebook to type an answer and check it.</i></p>"


def _checked_options(options):
    if isinstance(options, (str, bytes)) or not hasattr(options, "__iter__"):
        raise ValueError(f"options: expected a list of 2 to {len(_LETTERS)} different options, got {options!r}")
    options = [str(option) for option in options]
    if not 2 <= len(options) <= len(_LETTERS) or len(set(options)) != len(options):
        raise ValueError(f"options: expected 2 to {len(_LETTERS)} different options")
    return options


def _checked_index(index, options, name):
    if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= index < len(options):
        raise ValueError(f"{name}: expected an option index 0..{len(options) - 1}, got {index!r}")
    return int(index)


def _options_html(options):
    # Letters written out: list styles are often reset by notebook themes.
    items = "<br>".join(f"{_LETTERS[i]}. {_to_html(option)}" for i, option in enumerate(options))
    return f"<p>{items}</p>"


def _options_plain(options):
    return [f"  {_LETTERS[i]}. {_to_plain(option)}" for i, option in enumerate(options)]


class ChoiceQuestion(_Question):
    """A multiple-choice question with one right option.

    ``correct`` is the index of the right option; ``explanations`` optionally maps
    an option index to what is wrong (or right) about it, shown after a check.
    """

    kind = "Multiple choice"

    def __init__(self, prompt, options, correct, *, hint=None, solution=None, explanations=None):
        options = _checked_options(options)
        self.options = options
        self.correct = _checked_index(correct, options, "correct")
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

    def _answer_key(self):
        return self.answer_box.index

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
        return _options_html(self.options)

    def _plain_text(self):
        return "\n".join([super()._plain_text()] + _options_plain(self.options))


class Quiz:
    """Several questions under one title (None: no heading, e.g. below a Markdown one), with a running score.

    The score counts the questions answered right at least once: a later wrong or
    unreadable check does not take a right answer back.
    """

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
        """Number of questions answered right at least once."""
        return sum(1 for q in self.questions if q.solved)

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


# ---------------------------------------------------------------------------
# Predict, then reveal
# ---------------------------------------------------------------------------


class Printed:
    """Text printed inside ``with Printed() as table:``, held back (not shown) for a ``Predict`` reveal.

        with Printed() as table:
            print(f"y_hat = {y_hat:.4f}")
        Predict("Predict y_hat.", answer=y_hat, reveal=table)
    """

    def __init__(self):
        self.text = None  # set when the with block ends
        self._buffer = None
        self._redirect = None

    def __enter__(self):
        self._buffer = io.StringIO()
        self._redirect = contextlib.redirect_stdout(self._buffer)
        self._redirect.__enter__()
        return self

    def __exit__(self, error_type, error, traceback):
        self._redirect.__exit__(error_type, error, traceback)
        self.text = self._buffer.getvalue()
        if error_type is not None:  # the cell failed: show what it printed, it helps to find out why
            print(self.text, end="")
        return False

    def __repr__(self):
        return f"Printed({self.text!r})"


def _figure_png(fig):
    """A matplotlib Figure as PNG, always through the Agg renderer (whatever canvas it has); no timestamp."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", backend="agg", dpi="figure", metadata={"Software": None})
    return buffer.getvalue()


def _figure_description(fig):
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    return "Figure: " + "; ".join(titles) if titles else "Figure"


def _img_html(png, description):
    data = base64.b64encode(png).decode("ascii")
    return (f'<img src="data:image/png;base64,{data}" alt="{html.escape(description)}" '
            'style="max-width: 100%; height: auto">')


def _is_figure(item):
    import sys

    module = sys.modules.get("matplotlib.figure")  # not loaded: item cannot be a Figure, no import needed
    return module is not None and isinstance(item, module.Figure)


def _png_from_repr(data):
    """PNG bytes from a ``_repr_png_`` result (raw bytes, or base64 text as IPython's Image gives), else None."""
    if isinstance(data, str):
        try:
            data = base64.b64decode(data, validate=True)
        except ValueError:
            return None
    if isinstance(data, (bytes, bytearray)) and bytes(data).startswith(_PNG_SIGNATURE):
        return bytes(data)
    return None


def _reveal_html(item):
    """One reveal item as HTML: text in <pre>, a Figure or PNG bytes as an inline image, HTML as is."""
    if isinstance(item, Printed):
        if item.text is None:
            raise ValueError("reveal: a Printed block is still open; build the Predict after the with block")
        item = item.text
    if isinstance(item, str):
        return f"<pre>{html.escape(item.rstrip())}</pre>"
    if isinstance(item, (bytes, bytearray, memoryview)):
        png = bytes(item)
        if not png.startswith(_PNG_SIGNATURE):
            raise ValueError("reveal: bytes must be a PNG image (they do not start with the PNG signature)")
        return _img_html(png, "Figure")
    if _is_figure(item):
        return _img_html(_figure_png(item), _figure_description(item))
    for method in ("_repr_png_", "_repr_html_"):  # IPython.display.Image / HTML, pandas tables, ...
        shown = getattr(item, method, None)
        data = shown() if callable(shown) else None
        if isinstance(data, tuple):  # (data, metadata)
            data = data[0]
        if method == "_repr_png_":
            png = _png_from_repr(data)
            if png is not None:
                return _img_html(png, "Figure")
        elif isinstance(data, str):
            return data
    raise ValueError(
        "reveal: expected text (str or Printed), a matplotlib Figure, PNG bytes, or HTML such as "
        f"IPython.display.HTML(...), got {type(item).__name__}"
    )


class Predict:
    """Predict, then reveal: the answer (and the cell's figure or printed text) shows only after a prediction.

    Numeric: ``Predict(prompt, answer=0.6584, reveal=[table, fig], rel_tol=..., abs_tol=..., mistakes=...)``;
    the prediction is typed (same parser and messages as the questions) and locked in with Enter or the
    button. Choice: ``Predict(prompt, options=[...], correct=1, reveal=..., explanations={0: "..."})``.
    "Just show me" reveals without a prediction.

    ``reveal`` is one item or a list: text (str or a ``Printed`` block, shown in <pre>), a matplotlib
    Figure (rendered now with Agg), PNG bytes, or HTML (``IPython.display.HTML``). ``explanation``
    is prose shown with the answer; ``answer_text`` replaces the formatted number.

    Run All shows only the question: the reveal is not even sent to the browser until the learner
    commits. Saved without a kernel, the answer and the reveal sit folded in a <details> block; the
    text/plain (which nbval compares) holds only the question and its options.

    State for code and tests: ``revealed``, ``prediction`` (the number or option index; None for
    "just show me"), ``last_result`` ((ok, message); ok is None without a prediction).
    Actions: ``commit()``, ``choose(index)``, ``show_answer()``.
    """

    kind = "Prediction"

    def __init__(self, prompt, answer=None, *, options=None, correct=None, reveal=(), explanation=None,
                 answer_text=None, rel_tol=0.01, abs_tol=1e-3, mistakes=(), explanations=None):
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError("prompt: expected the question text")
        self.prompt = prompt
        self.revealed = False
        self.prediction = None
        self.last_result = None
        self._tries = 0  # commits attempted, readable or not

        if options is None:
            if correct is not None or explanations is not None:
                raise ValueError("options: correct/explanations need options; a numeric prediction takes answer=")
            self.answer = _checked_answer(answer)
            self.rel_tol, self.abs_tol = _checked_tolerances(rel_tol, abs_tol)
            self.mistakes = _checked_mistakes(mistakes, self.answer, self.rel_tol, self.abs_tol)
            self.options = None
            self.correct = None
            self.explanations = {}
            self.answer_box = _numeric_box()
            shown_answer = answer_text if answer_text is not None else _format(self.answer)
        else:
            if answer is not None:
                raise ValueError("answer: a choice prediction takes options= and correct=, not answer=")
            if mistakes:
                raise ValueError("mistakes: a choice prediction explains options with explanations=")
            self.answer = None
            self.rel_tol = self.abs_tol = None
            self.mistakes = ()
            self.options = _checked_options(options)
            if correct is None:
                raise ValueError("correct: expected the index of the right option")
            self.correct = _checked_index(correct, self.options, "correct")
            self.explanations = {}
            for index, text in dict(explanations or {}).items():
                self.explanations[_checked_index(index, self.options, "explanations")] = str(text)
            self.answer_box = widgets.RadioButtons(options=self.options, value=None,
                                                   layout=widgets.Layout(width="auto"))
            shown_answer = answer_text if answer_text is not None else self._option_text(self.correct)
        if explanation is not None and not isinstance(explanation, str):
            raise ValueError(f"explanation: expected text, got {type(explanation).__name__}")
        self.explanation = explanation

        # Rendered now (the figure as it is at this moment), but kept in Python until the reveal:
        # nothing of the answer is in any widget's state before the learner commits.
        items = [] if reveal is None else list(reveal) if isinstance(reveal, (list, tuple)) else [reveal]
        self._reveal_items_html = "".join(_reveal_html(item) for item in items)
        self._answer_html = f"<p><b>Answer:</b> {_to_html(str(shown_answer))}</p>" + (
            f"<p>{_to_html(explanation)}</p>" if explanation else "")

        self.prompt_view = widgets.HTMLMath(value=f"<b>{self.kind}.</b> {_to_html(prompt)}")
        self.commit_button = widgets.Button(description="Lock in my prediction", button_style="primary",
                                            tooltip="Commit to this prediction, then see the answer",
                                            layout=widgets.Layout(width="auto"))
        self.show_button = widgets.Button(description="Just show me", tooltip="See the answer without predicting")
        self.feedback = widgets.HTML(value="")
        self.answer_view = widgets.HTMLMath(value="")
        self.reveal_view = widgets.HTML(value="")
        self.commit_button.on_click(lambda _: self.commit())
        self.show_button.on_click(lambda _: self.show_answer())
        if self.options is None:
            # Enter locks in; leaving the box does not (a half-typed number must not become the prediction).
            _when_enter_pressed(self.answer_box, self.commit, lambda: self._tries)
            controls = [widgets.HBox([self.answer_box, self.commit_button, self.show_button])]
        else:
            controls = [self.answer_box, widgets.HBox([self.commit_button, self.show_button])]
        self.widget = widgets.VBox(
            [self.prompt_view, *controls, self.feedback, self.answer_view, self.reveal_view],
            layout=widgets.Layout(margin="0 0 1em 0"),
        )

    def _option_text(self, index):
        return f"{_LETTERS[index]}. {self.options[index].rstrip('.')}"  # no ".." when a sentence follows

    # -- actions ------------------------------------------------------------------

    def commit(self):
        """Lock in the prediction in the box, compare it, reveal the answer. Returns ``(ok, message)``.

        Unreadable text or no option picked: a message, nothing locked in, the answer stays hidden.
        After the reveal the prediction is fixed: this returns the earlier result.
        """
        if self.revealed:
            return self.last_result
        self._tries += 1
        if self.options is None:
            try:
                value = parse_number(self.answer_box.value)
            except AnswerFormatError as error:
                return self._not_yet(str(error))
            ok, message = self._compare_number(value)
        else:
            value = self.answer_box.index
            if value is None:
                return self._not_yet("Pick one of the options first.")
            ok, message = self._compare_option(value)
        self.prediction = value
        self._reveal(ok, message)
        return ok, message

    def choose(self, index):
        """Pick option ``index`` and lock it in (what clicking the option and the button does)."""
        if self.options is None:
            raise ValueError("index: this prediction is a number; type it in answer_box and commit()")
        index = _checked_index(index, self.options, "index")
        if not self.revealed:
            self.answer_box.index = index
        return self.commit()

    def show_answer(self):
        """Reveal without a prediction ("just show me"); counts as no prediction."""
        if not self.revealed:
            self._reveal(None, "No prediction this time; here is the answer.")
        return self.last_result

    # -- judging ------------------------------------------------------------------

    def _compare_number(self, value):
        typed, answer = _format_typed(value), _format(self.answer)
        kind, detail = _verdict(value, self.answer, self.rel_tol, self.abs_tol, self.mistakes)
        if kind == "right":
            return True, f"Your prediction {typed} was right: the answer is {answer}."
        if kind == "mistake":
            return False, f"You predicted {typed}. {detail} The answer is {answer}."
        if kind == "sign":
            return False, f"You predicted {typed}: the size is right but the sign is wrong. The answer is {answer}."
        if kind == "close":
            return False, f"Close: you predicted {typed}, and the answer is {answer}."
        direction = "higher" if self.answer > value else "lower"
        # measured against the prediction, as the sentence reads: 0.079 is 80 % lower than 0.4
        how_far = f" by {abs(self.answer - value) / abs(value):.0%}" if value else ""
        return False, f"You predicted {typed}; the answer is {answer}, {direction} than your prediction{how_far}."

    def _compare_option(self, index):
        explanation = self.explanations.get(index)
        note = f" {explanation}" if explanation else ""
        if index == self.correct:
            return True, f"Your prediction {self._option_text(index)} was right.{note}"
        right = self._option_text(self.correct)
        return False, f"You predicted {self._option_text(index)}.{note} The answer is {right}."

    # -- showing ------------------------------------------------------------------

    def _not_yet(self, message):
        again = f' <span style="{_NOTE_STYLE}">(try {self._tries})</span>' if self._tries > 1 else ""
        self.feedback.value = f'<span style="{_FEEDBACK_STYLE[False]}">✘ {html.escape(message)}</span>{again}'
        self.last_result = (False, message)
        return self.last_result

    def _reveal(self, ok, message):
        mark = {True: "✔ ", False: "✘ ", None: ""}[ok]
        self.feedback.value = f'<span style="{_FEEDBACK_STYLE[ok]}">{mark}{html.escape(message)}</span>'
        self.answer_view.value = self._answer_html
        self.reveal_view.value = self._reveal_items_html
        for control in (self.answer_box, self.commit_button, self.show_button):
            control.disabled = True
        self.revealed = True
        self.last_result = (ok, message)

    def _static_html(self):
        parts = [f"<p><b>{self.kind}.</b> {_to_html(self.prompt)}</p>"]
        if self.options is not None:
            parts.append(_options_html(self.options))
        parts.append("<p><i>Run the notebook to lock in a prediction; then the answer appears.</i></p>")
        parts.append(f"<details><summary>Answer (predict first)</summary>{self._answer_html}"
                     f"{self._reveal_items_html}</details>")
        return "".join(parts)

    def _plain_text(self):
        lines = [f"{self.kind}: {_to_plain(self.prompt)}"]
        if self.options is not None:
            lines += _options_plain(self.options)
        return "\n".join(lines)

    def __repr__(self):
        return self._plain_text()

    def _repr_mimebundle_(self, include=None, exclude=None):
        # Live widget in a kernel; elsewhere the question with the answer folded away; text/plain
        # (what nbval compares) without the answer, so stored outputs spoil nothing.
        bundle = self.widget._repr_mimebundle_()
        bundle["text/plain"] = self._plain_text()
        bundle["text/html"] = f'<div class="predict">{self._static_html()}</div>'
        return bundle
