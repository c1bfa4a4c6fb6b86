"""The live explorer: sliders for every weight, input, target and the learning rate, wired to the
views of draw.py on ipympl canvases (the playground: on helpers.live.bitmap's canvases).

    from helpers.widgets import Explorer
    explorer = Explorer(net, x, y, lr)            # last line of a cell: shows it
    explorer.controls["w3"].value = 0.5           # what a person does with the slider, synchronously
    explorer.take_step(); explorer.reset()

No global ``%matplotlib widget`` is needed: each figure gets its own ipympl canvas directly, and is
never registered with pyplot, so it is shown once, inside the explorer. A control change computes one
State (forward, gradients, cost, step) and every view mutates its artists and blits; no figure is
rebuilt. Where no kernel runs (GitHub, nbviewer, nbconvert HTML) the explorer's display bundle also
carries a PNG of its views and a plain-text summary.
"""

from __future__ import annotations

import base64
import contextlib
import html
import math
import weakref

import ipywidgets as widgets
import numpy as np

from . import style as _style
from .backward_walk import fmt_significant
from .draw import VIEW_KINDS, NetworkView, StepsView, SurfaceView, fmt
from .live.bitmap import BitmapCanvas, FrameTokens
from .live.canvas import FastCanvas, FrameLedger, attach_canvas, encode_png  # noqa: F401 (re-exported)
from .live.figure import compose_png
from .network import Network, _check_learning_rate, parameter_names, set_parameter
from .state import compute_state

__all__ = ["Explorer", "FastCanvas", "close_all", "encode_png", "live_explorers"]


# ---------------------------------------------------------------------------
# Lifecycle: explorers made by a cell are closed when that cell runs again
# ---------------------------------------------------------------------------

_LIVE = weakref.WeakSet()  # every explorer not yet closed
_BY_CELL = {}  # cell id -> (id of the execute request that ran it, [weak refs to its explorers])


def _current_request():
    """(cell id, request id) of the execute request the kernel is running, or (None, None).

    JupyterLab and Notebook 7 put the cell's id in the request's metadata ("cellId"); other clients
    (nbval, nbconvert, a console) send none, and then nothing is closed automatically.
    """
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        parent = kernel.get_parent("shell") if kernel is not None else None
    except Exception:  # no IPython, or a kernel without get_parent: no automatic closing
        return None, None
    if not isinstance(parent, dict):
        return None, None
    cell_id = (parent.get("metadata") or {}).get("cellId")
    request_id = (parent.get("header") or {}).get("msg_id")
    return (cell_id, request_id) if cell_id and request_id else (None, None)


def _register(explorer):
    _LIVE.add(explorer)
    cell_id, request_id = _current_request()
    if cell_id is None:
        return
    previous_request, refs = _BY_CELL.get(cell_id, (None, []))
    if previous_request != request_id:  # the cell runs again: what its last run made goes
        for ref in refs:
            old = ref()
            if old is not None:
                old.close()
        refs = []
    refs.append(weakref.ref(explorer))
    _BY_CELL[cell_id] = (request_id, refs)


def live_explorers():
    """The explorers not yet closed (for tests and for memory checks)."""
    return [explorer for explorer in list(_LIVE) if not explorer.closed]


def close_all():
    """Close every explorer of this kernel (frees their widgets and figures)."""
    for explorer in live_explorers():
        explorer.close()


def _close_widget_tree(widget, seen):
    """Close a widget, its children and the widgets it holds (layout, style, an ipympl toolbar)."""
    if id(widget) in seen:
        return
    seen.add(id(widget))
    for key in widget.keys:
        value = getattr(widget, key, None)
        items = value if isinstance(value, (list, tuple)) else (value,)
        for item in items:
            if isinstance(item, widgets.Widget):
                _close_widget_tree(item, seen)
    widget.close()


# ---------------------------------------------------------------------------
# The explorer
# ---------------------------------------------------------------------------

WEIGHT_STEP = 0.1  # one arrow key press: -2..2 (the default range) in 40 presses
INPUT_STEP = 0.1
TARGET_STEP = 0.05  # a target in [0, 1]: 20 presses
LR_STEP = 0.1  # in powers of ten: 1e-3..10 in 40 presses


def _slider_limits(value, low=-2.0, high=2.0):
    """The slider range: [low, high], widened to one unit beyond a value outside it."""
    return min(low, math.floor(value) - 1.0), max(high, math.ceil(value) + 1.0)



class _LiveWidget:
    """What every live widget here shares: freeing its widgets and figures, and how it displays.

    A subclass has ``widget`` (its outer box), ``controls``, ``canvases``, ``figures``, ``views``, ``closed``,
    ``summary()`` and ``to_png()``.
    """

    def _free(self, *parts):
        """Close the widget tree and ``parts`` (widgets outside it, e.g. controls not shown), clear the
        figures, and forget them all, so the kernel can reclaim the memory."""
        seen = set()
        if self.widget is not None:
            _close_widget_tree(self.widget, seen)
        for widget in [*self.controls.values(), *self.canvases.values(), *parts]:
            _close_widget_tree(widget, seen)
        for figure in self.figures.values():
            figure.clear()
        self.views, self.figures, self.canvases, self.controls = {}, {}, {}, {}
        self.widget = None
        self._frames = None
        _LIVE.discard(self)

    def __repr__(self):
        return self.summary()

    def _repr_mimebundle_(self, **kwargs):
        # The widget view for a live kernel, a PNG for pages without one, and plain text for nbval.
        if self.closed:
            return {"text/plain": self.summary()}
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.summary()
        bundle["image/png"] = base64.b64encode(self.to_png()).decode("ascii")
        return bundle


class Explorer(_LiveWidget):
    """Sliders for a small network, and live views of what they change.

    Parameters
    ----------
    net : Network
    x, y : one example (``x`` of shape (n_in,), ``y`` of shape (n_out,))
    lr : learning rate for "take a step"; None (the default) for a lesson that has not taught steps yet:
        no learning-rate slider, no step button, no "after one step" marks
    views : any of "network", "surface", "steps", in the order given ("steps" needs an lr)
    surface_weights : the two weights on the cost surface's axes (default: the last two weights,
        w5 and w6 for the office-hours net)
    numbering : "by_sender" (office-hours) or "by_receiver", see ``parameter_names``
    show_gradients : write dE/dw on the network's edges and the downhill arrow on the surface
    show_cost : show E (False for a lesson before the cost is taught; then no surface or steps view)
    style : a name from ``helpers.style.STYLES``; default: the style in use. "projector" also
        enlarges the controls' text.

    Attributes
    ----------
    controls : {name: widget}: w1.., b1_1.., x1.., y (single output only), "reset", and with an lr
        "lr" and "step"; with a surface "surface_x", "surface_y"
    readouts : {slider name: HTML widget} the exact value of each slider, rounded as in the views
    message : HTML widget saying why a value was refused (empty when all is well)
    state : the current ``draw.State``
    figures, views, canvases : {view kind: ...}
    widget : the ipywidgets box that is displayed

    An explorer refuses what it cannot show (NaN, a value the network rejects, a step that would
    overflow): the control returns to its last good value, ``message`` says why, and the next move
    works. ``close()`` frees its widgets and figures; running the cell that made it again closes it.
    """

    canvas_class = FastCanvas  # the benchmarks swap in ipympl's stock canvas to compare

    def __init__(self, net, x, y, lr=None, views=VIEW_KINDS, surface_weights=None, numbering="by_sender",
                 show_gradients=True, show_cost=True, style=None):
        if not isinstance(net, Network):
            raise ValueError(f"net: expected a helpers.Network, got {type(net).__name__}")
        if isinstance(views, str):
            views = (views,)
        views = tuple(views)
        unknown = [v for v in views if v not in VIEW_KINDS]
        if unknown or not views:
            raise ValueError(f"views: expected a non-empty selection of {VIEW_KINDS}, got {views!r}")
        if len(set(views)) != len(views):
            raise ValueError(f"views: each view at most once, got {views!r}")
        if lr is not None:
            lr = _check_learning_rate(lr)
        elif "steps" in views:
            raise ValueError("lr: the steps view shows a gradient-descent step and needs a learning rate")
        if not show_cost and ("surface" in views or "steps" in views):
            raise ValueError("show_cost: the surface and steps views show the cost; keep show_cost=True for them")
        if style is not None:
            if style not in _style.STYLES:
                raise ValueError(f"style: expected one of {sorted(_style.STYLES)}, got {style!r}")
            style = _style.STYLES[style]
        self.style = style or _style.current()
        self.closed = False
        self.show_gradients = show_gradients
        self.show_cost = show_cost

        self.names = parameter_names(net, numbering)
        weight_names = [name for name, where in self.names.items() if where[0] == "weight"]
        if surface_weights is None:
            surface_weights = tuple(weight_names[-2:])
        if isinstance(surface_weights, str) or not isinstance(surface_weights, (list, tuple)):
            raise ValueError(f"surface_weights: expected two weight names, got {surface_weights!r}")
        surface_weights = tuple(surface_weights)
        if len(surface_weights) != 2:
            raise ValueError(f"surface_weights: expected two weight names, got {surface_weights!r}")
        for name in surface_weights:
            if name not in weight_names:
                raise ValueError(
                    f"surface_weights: {name!r} is not a weight of this network; choose from {weight_names}"
                )
        if surface_weights[0] == surface_weights[1]:
            raise ValueError(f"surface_weights: expected two different weights, got {surface_weights[0]!r} twice")
        if len(weight_names) < 2 and "surface" in views:
            raise ValueError("views: a cost surface needs a network with at least two weights")

        n_in, n_out = net.layer_sizes[0], net.layer_sizes[-1]
        x, y = self._example(x, "x", n_in), self._example(y, "y", n_out)
        self.state = compute_state(net, x, y, lr, self.names)  # raises ValueError on what the network refuses
        self._initial = (net, x.copy(), y.copy(), lr, surface_weights)
        self._net, self._x, self._y, self._lr = net, x.copy(), y.copy(), lr
        self._holding = False
        self._exact = {}  # slider name -> the exact value the explorer last gave it (see _is_browser_rounding)

        self.views = {}
        for kind in views:
            if kind == "network":
                self.views[kind] = NetworkView(self.state, show_gradients=show_gradients, show_cost=show_cost,
                                               style=style)
            elif kind == "surface":
                self.views[kind] = SurfaceView(self.state, surface_weights, show_gradients=show_gradients,
                                               style=style)
            else:
                self.views[kind] = StepsView(self.state, style=style)
        self.figures = {kind: view.figure for kind, view in self.views.items()}
        self.canvases = {kind: attach_canvas(figure, self.canvas_class) for kind, figure in self.figures.items()}
        self._frames = FrameLedger()  # one browser round trip per change for all views, not one per view
        for canvas in self.canvases.values():
            canvas.ledger = self._frames
        self._frames.lead = self.canvases[views[0]]  # the first view is shown first
        for view in self.views.values():
            view.render("full")

        self.readouts = {}
        self.message = widgets.HTML(value="", layout=widgets.Layout(width="100%"))
        self.controls = self._build_controls(surface_weights, weight_names)
        self._ranges = {name: (c.min, c.max) for name, c in self.controls.items() if self._is_slider(c)}
        self._exact = {name: c.value for name, c in self.controls.items() if self._is_slider(c)}
        self._good = dict(self._exact)  # the last value of each slider that the explorer accepted
        self._show_readouts()
        self.widget = self._layout()
        _register(self)

    @staticmethod
    def _example(value, name, size):
        # The views show one example: a batch has no single a, z or y_hat to draw.
        if value is None or isinstance(value, (str, bytes)):
            raise ValueError(f"{name}: expected one example of {size} number(s), got {value!r}")
        try:
            array = np.array(value, dtype=float)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{name}: expected one example of {size} number(s), got {value!r}") from None
        if name == "x" and array.shape != (size,):
            raise ValueError(f"x: expected one example of shape ({size},), got shape {array.shape}")
        if name == "y" and (array.size != size or array.ndim > 1):
            raise ValueError(f"y: expected one target of shape ({size},), got shape {array.shape}")
        return array.reshape(size)

    @staticmethod
    def _is_slider(control):
        return isinstance(control, (widgets.FloatSlider, widgets.FloatLogSlider))

    # -- controls ---------------------------------------------------------------

    def _slider(self, name, value, low, high, step, digits):
        slider = widgets.FloatSlider(
            value=value, min=low, max=high, step=step, description=name, readout=False, continuous_update=True,
            style={"description_width": "2.6em"}, layout=widgets.Layout(width=self._slider_width),
        )
        self._readout(name, digits)
        return slider

    def _readout(self, name, digits):
        # The slider's own readout would show its value snapped to the step (0.5 for 0.509 after a step);
        # this one shows the exact value, rounded like the views.
        width = "4.2em" if self.style.name != "projector" else "6.5em"  # em of the box, not of the larger text
        self.readouts[name] = widgets.HTML(layout=widgets.Layout(width=width))
        self._digits[name] = digits

    def _build_controls(self, surface_weights, weight_names):
        controls = {}
        self._digits = {}
        self._slider_width = "180px" if self.style.name != "projector" else "300px"
        for name in self.names:
            value = self.state.values[name]
            controls[name] = self._slider(name, value, *_slider_limits(value), WEIGHT_STEP, 3)
        for i, value in enumerate(self._x):
            controls[f"x{i + 1}"] = self._slider(f"x{i + 1}", value, *_slider_limits(value), INPUT_STEP, 2)
        if self._y.size == 1:  # several targets would need several sliders; single-output nets only
            target = float(self._y[0])
            if self._net.activations[-1] == "sigmoid":
                low, high, step = 0.0, 1.0, TARGET_STEP  # a sigmoid output (and the logistic cost) reach only [0, 1]
            else:
                (low, high), step = _slider_limits(target), INPUT_STEP
            controls["y"] = self._slider("y", target, low, high, step, 2)
        if self._lr is not None:
            exponent = math.log10(self._lr)
            controls["lr"] = widgets.FloatLogSlider(
                value=self._lr, base=10, min=min(-3.0, math.floor(exponent)), max=max(1.0, math.ceil(exponent)),
                step=LR_STEP, description="lr", readout=False, style={"description_width": "2.6em"},
                layout=widgets.Layout(width=self._slider_width),
            )
            self._readout("lr", None)
            controls["step"] = widgets.Button(
                description="take a step", button_style="primary", icon="arrow-down",
                tooltip="w \u2190 w \u2212 lr \u00b7 \u2202E/\u2202w for every weight",
                layout=widgets.Layout(width="auto", padding="0 10px"),
            )
            controls["step"].on_click(lambda _button: self.take_step())
        controls["reset"] = widgets.Button(description="reset", icon="undo", tooltip="back to the starting values",
                                           layout=widgets.Layout(width="auto", padding="0 10px"))
        controls["reset"].on_click(lambda _button: self.reset())
        if "surface" in self.views:
            axis_layout = widgets.Layout(width="5.5em")
            controls["surface_x"] = widgets.Dropdown(options=weight_names, value=surface_weights[0],
                                                     layout=axis_layout)
            controls["surface_y"] = widgets.Dropdown(options=weight_names, value=surface_weights[1],
                                                     layout=axis_layout)
        for name, control in controls.items():
            if not isinstance(control, widgets.Button):
                control.observe(self._on_change(name), names="value")
        return controls

    def _on_change(self, name):
        def handler(change):
            if self._holding or self.closed:
                return
            control = self.controls[name]
            new = change["new"]
            if self._is_slider(control) and self._is_browser_rounding(control, new, self._exact.get(name)):
                return  # the state keeps the exact value; the slider shows it rounded to its step
            if self._is_slider(control):
                self._exact[name] = new
            try:
                with self._frames.batch():
                    self._apply(name, change["old"], new)
            except ValueError as error:
                self._refuse(name, str(error))
            else:
                self._say("")

        return handler

    @staticmethod
    def _is_browser_rounding(control, new, exact):
        """True when the browser sent back a value the kernel set, only rounded to the slider's step.

        ipywidgets' slider snaps a value the kernel sets (0.5089 after a step) to its step (0.5) and,
        with continuous_update, sends the snapped value back. A person's move is a whole step or
        more; the echo is at most half a step from the value the kernel set.
        """
        if exact is None or "value" not in getattr(control, "_property_lock", {}):
            return False  # set from Python (a test, a lesson, the explorer itself): always real
        if not (isinstance(new, float) and math.isfinite(new)):
            return False
        if isinstance(control, widgets.FloatLogSlider):
            distance = abs(math.log10(new) - math.log10(exact)) if new > 0 and exact > 0 else math.inf
        else:
            distance = abs(new - exact)
        return distance <= control.step / 2 + 1e-12

    def _apply(self, name, old, new):
        """A control moved: compute the new state first, and only if the network accepts it, keep it.

        Raises ValueError (nothing changed) for a value that cannot be shown."""
        if name in ("surface_x", "surface_y"):
            other = self.controls["surface_y" if name == "surface_x" else "surface_x"]
            if other.value == new:  # picking the other axis' weight swaps the two
                with self._hold():
                    other.value = old
            pair = (self.controls["surface_x"].value, self.controls["surface_y"].value)
            view = self.views["surface"]
            view.render(view.set_pair(self.state, pair))
            return
        if not (isinstance(new, (int, float)) and math.isfinite(new)):
            raise ValueError(f"{new!r} is not a finite number")
        net, x, y, lr = self._net, self._x, self._y, self._lr
        if name in self.names:
            net = set_parameter(net, self.names[name], new)
        elif name.startswith("x") and name[1:].isdigit():
            x = x.copy()
            x[int(name[1:]) - 1] = new
        elif name == "y":
            y = np.full_like(y, new)
        elif name == "lr":
            lr = _check_learning_rate(new)
        state = compute_state(net, x, y, lr, self.names)  # a refusal raises here, before anything changed
        self._net, self._x, self._y, self._lr = net, x, y, lr
        self._good[name] = new
        if name != "lr":
            self._clear_path()
        self._show(state)

    def _refuse(self, name, reason):
        """Put a control back to its last accepted value and say why."""
        good = self._good.get(name)
        if good is not None:
            with self._hold():
                self.controls[name].value = good
            self._exact[name] = good
        kept = f"; kept {name} = {fmt(good, self._digits.get(name) or 3)}" if good is not None else ""
        self._say(f"\u26a0 {name}: {reason}{kept}", warning=True)

    def _say(self, text, warning=False):
        if not text:
            self.message.value = ""
            return
        colour = "#a63603" if warning else "#333333"
        self.message.value = f'<span style="color: {colour}">{html.escape(text)}</span>'

    @contextlib.contextmanager
    def _hold(self):
        """Move several controls without a recompute for each; the caller refreshes once after."""
        holding, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = holding

    def _clear_path(self):
        if "surface" in self.views:
            self.views["surface"].clear_path()

    def _set_slider(self, name, value):
        slider = self.controls[name]
        if not slider.min <= value <= slider.max:  # a step left the range: widen it, never clip the value
            low, high = _slider_limits(value, slider.min, slider.max)
            if low < slider.min:
                slider.min = low
            if high > slider.max:
                slider.max = high
        slider.value = value
        self._exact[name] = value
        self._good[name] = value

    def _show(self, state, full=False):
        self.state = state
        for view in self.views.values():
            how = view.update(state)
            view.render("full" if full else how)
        self._show_readouts()

    def _show_readouts(self):
        values = dict(self.state.values)
        values.update({f"x{i + 1}": v for i, v in enumerate(self._x)})
        values["y"] = float(self._y[0])
        for name, readout in self.readouts.items():
            if name == "lr":
                readout.value = f"{self._lr:.3g}"
            else:
                readout.value = fmt(values[name], self._digits[name])

    # -- actions ----------------------------------------------------------------

    def take_step(self):
        """One gradient-descent step: every weight moves by -lr dE/dw; the sliders follow."""
        if self.closed:
            return
        if self._lr is None:
            raise ValueError("lr: this explorer was made without a learning rate, so it takes no steps")
        with self._frames.batch():
            self._take_step()

    def _take_step(self):
        if not self.state.has_step:
            self._say(f"\u26a0 no step taken: {self.state.step_problem}", warning=True)
            return
        next_net = self.state.next_net
        try:
            after = compute_state(next_net, self._x, self._y, self._lr, self.names)
        except ValueError as error:
            self._say(f"\u26a0 no step taken: {error}", warning=True)
            return
        if "surface" in self.views:
            self.views["surface"].record_step(self.state)
        with self._hold():
            for name, value in self.state.new_values.items():
                self._set_slider(name, value)
        self._net = next_net  # exactly the stepped network, whatever the sliders rounded
        self._say("")
        self._show(after)

    def reset(self):
        """Back to the network, example, learning rate, slider ranges and surface axes the explorer started with."""
        if self.closed:
            return
        with self._frames.batch():
            self._reset()

    def _reset(self):
        net, x, y, lr, pair = self._initial
        self._net, self._x, self._y, self._lr = net, x.copy(), y.copy(), lr
        start = compute_state(net, x, y, lr, self.names)
        with self._hold():
            for name, (low, high) in self._ranges.items():
                slider = self.controls[name]
                # widen first so the value never clips, then narrow back to the starting range
                slider.min, slider.max = min(low, slider.min), max(high, slider.max)
            for name, value in start.values.items():
                self._set_slider(name, value)
            for i, value in enumerate(x):
                self._set_slider(f"x{i + 1}", float(value))
            if "y" in self.controls:
                self._set_slider("y", float(y[0]))
            if "lr" in self.controls:
                self.controls["lr"].value = lr
                self._exact["lr"] = self._good["lr"] = lr
            for name, (low, high) in self._ranges.items():
                slider = self.controls[name]
                slider.min, slider.max = low, high
            if "surface" in self.views:
                self.controls["surface_x"].value, self.controls["surface_y"].value = pair
        if "surface" in self.views:  # back to the starting axes, colour scale and an empty path
            self.views["surface"].set_pair(start, pair)
        self._say("")
        self._show(start, full=True)

    def close(self):
        """Free the widgets and figures (the explorer can no longer be shown or moved)."""
        if self.closed:
            return
        self._summary_when_closed = self.summary()
        self.closed = True
        self._free(*self.readouts.values(), self.message)
        self.readouts = {}

    # -- display ----------------------------------------------------------------

    def _layout(self):
        heading = widgets.HTML

        def row(name):
            return widgets.HBox([self.controls[name], self.readouts[name]], layout=widgets.Layout(height="28px"))

        column = [heading("<b>weights</b>"), *[row(name) for name in self.names], heading("<b>example</b>")]
        column += [row(f"x{i + 1}") for i in range(self._x.size)]
        column += [row("y")] if "y" in self.controls else []
        buttons = [self.controls["reset"]]
        if "lr" in self.controls:
            column += [heading("<b>learning</b>"), row("lr")]
            buttons.insert(0, self.controls["step"])
        column.append(widgets.HBox(buttons))
        if "surface" in self.views:
            column += [heading("<b>cost surface over</b>"),
                       widgets.HBox([self.controls["surface_x"], widgets.HTML("&nbsp;and&nbsp;"),
                                     self.controls["surface_y"]])]
        column.append(self.message)
        controls = widgets.VBox(column, layout=widgets.Layout(margin="0 10px 0 0", flex="0 0 auto",
                                                               width="max-content"))
        views = widgets.HBox([self.canvases[k] for k in self.views],
                             layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))
        box = widgets.HBox([controls, views], layout=widgets.Layout(align_items="flex-start"))
        box.add_class("backprop-explorer")
        if self.style.name == "projector":
            # ipywidgets has no font size for sliders; a scoped style sheet makes the controls as
            # readable from the back row as the views
            box.add_class("backprop-projector")
            size = round(self.style.font_size * 96 / 72)  # points to CSS pixels
            style_sheet = widgets.HTML(
                f"<style>.backprop-projector .widget-label, .backprop-projector .widget-html-content, "
                f".backprop-projector button, .backprop-projector select "
                f"{{font-size: {size}px !important; line-height: 1.4 !important;}} "
                f".backprop-projector .widget-inline-hbox, .backprop-projector .widget-button, "
                f".backprop-projector .widget-dropdown {{min-height: {round(size * 1.6)}px !important;}}</style>"
            )
            controls.children = (*controls.children, style_sheet)
            for child in controls.children:
                if isinstance(child, widgets.HBox) and child.layout.height == "28px":
                    child.layout.height = f"{round(size * 1.7)}px"
        return box

    def summary(self):
        """A plain-text account of the current state (deterministic: no ids, no addresses)."""
        if self.closed:
            return self._summary_when_closed.replace("Explorer of", "Closed explorer of", 1)
        s = self.state
        sizes = "-".join(map(str, self._net.layer_sizes))
        parameters = ", ".join(f"{name} = {fmt(value)}" for name, value in s.values.items())
        inputs = ", ".join(fmt(v, 2) for v in s.x.ravel())
        targets = ", ".join(fmt(v, 2) for v in s.y.ravel())
        outputs = ", ".join(fmt(v, 4) for v in np.ravel(s.y_hat))
        example = f"  x = ({inputs}), y = ({targets})"
        if s.lr is not None:
            example += f", lr = {s.lr:.4g}"
        lines = [f"Explorer of a {sizes} network; views: {', '.join(self.views)}", f"  {parameters}", example]
        result = f"  y_hat = ({outputs})"
        if self.show_cost:
            result += f", E = {fmt(s.cost, 4)}"
            if s.lr is not None:
                result += f"; after one step E = {fmt(s.next_cost, 4)}" if s.has_step else "; no step possible"
        lines.append(result)
        if "surface" in self.views:
            lines.append("  cost surface over ({}, {})".format(*self.views["surface"].pair))
        return "\n".join(lines)

    def to_png(self):
        """The views' current frames as one PNG (bytes), side by side as in the widget."""
        if self.closed:
            raise ValueError("self: this explorer is closed; make a new one")
        return compose_png([self.views[k] for k in self.views])



# ---------------------------------------------------------------------------
# The backward step-through (issue 10): from the cost back to every weight, one chain-rule factor
# at a time, on the network diagram; beside it the cost along one weight, its tangent and its step
# ---------------------------------------------------------------------------


class BackwardStepThrough(_LiveWidget):
    """Walk the network diagram from E back to every weight and bias, one chain-rule step at a time.

        step_through = BackwardStepThrough(net, x, y, lr)     # last line of a cell: shows it
        step_through.controls["step"].value = 5               # what a person does, synchronously
        step_through.next(); step_through.previous(); step_through.go(0)

    The steps are ``helpers.backward_walk.backward_walk(net, x, y, numbering)``; the last gradient steps
    land exactly on ``net.gradients(x, y)``. The diagram lights up (yellow: "being computed now") what the
    current step computes, with the product so far and its number beside it and the whole step as a
    caption; gradients already found show in grey. Beside it, ``SliceView``: E along one weight, the
    tangent whose slope is ∂E/∂w and, with an ``lr``, the step −lr·∂E/∂w to scale; the slope, the tangent
    and the step appear once the walk has found ∂E/∂w (before that the panel says which step finds it).

    Which weight the slice shows at step i (``slice_parameter(i)``): a gradient step shows its own
    parameter; any other step shows the parameter whose gradient was found most recently at or before
    step i (the first one the walk finds, before any) -- unless the learner chose one in the weight
    chooser, which stays until the walk next shows a gradient step (that step selects its own again).
    So moving with the buttons, the slider or ``go(i)`` gives the same slice at the same step.

    Parameters: ``net``, one example ``x``, ``y`` (a batch is refused: the walk shows one example's
    arithmetic), ``lr`` (None: no step on the slice), ``numbering`` as in ``parameter_names``, ``style``
    a name of ``helpers.style.STYLES``.

    Attributes: ``walk`` (the Walk), ``steps`` [(quantity, value)] in walk order, ``controls`` {"play",
    "step", "first", "previous", "next", "last", "weight"}, ``index`` and ``current`` (the step shown),
    ``text`` (the HTML panel of the step), ``state``, ``views``/``figures``/``canvases`` {"network",
    "slice"}, ``widget``. ``close()`` frees it; re-running its cell closes it (as an Explorer).
    """

    canvas_class = FastCanvas
    PLAY_INTERVAL_MS = 1800  # long enough to read a step aloud

    def __init__(self, net, x, y, lr=None, numbering="by_sender", style=None):
        from .backward_walk import STEP_KINDS, backward_walk  # here: draw/widgets import without it
        from .draw import SliceView, WalkNetworkView

        if not isinstance(net, Network):
            raise ValueError(f"net: expected a helpers.Network, got {type(net).__name__}")
        if lr is not None:
            lr = _check_learning_rate(lr)
        if style is not None:
            if style not in _style.STYLES:
                raise ValueError(f"style: expected one of {sorted(_style.STYLES)}, got {style!r}")
            style = _style.STYLES[style]
        self.style = style or _style.current()
        self.closed = False
        self._kinds = STEP_KINDS
        self.walk = backward_walk(net, x, y, numbering)  # refuses a batch, bad shapes, NaN: names the argument
        self.names = parameter_names(net, numbering)
        x = np.asarray(x, dtype=float).reshape(net.layer_sizes[0])
        y = np.asarray(y, dtype=float).reshape(net.layer_sizes[-1])
        self.state = compute_state(net, x, y, lr, self.names)
        self.steps = self.walk.pairs()
        self._found_at = {step.parameter: i for i, step in enumerate(self.walk) if step.parameter is not None}
        first = next((step.parameter for step in self.walk if step.parameter is not None), list(self.names)[0])
        self._chosen = None  # the learner's choice in the weight chooser, until the next gradient step

        self.views = {"network": WalkNetworkView(self.state, style=style),
                      "slice": SliceView(self.state, first, pending=self._pending(first, 0), style=style)}
        self.figures = {kind: view.figure for kind, view in self.views.items()}
        self.canvases = {kind: attach_canvas(figure, self.canvas_class) for kind, figure in self.figures.items()}
        self._frames = FrameLedger()
        for canvas in self.canvases.values():
            canvas.ledger = self._frames
        self._frames.lead = self.canvases["network"]
        self._holding = False
        self._index = 0
        side_width = self.figures["slice"].get_size_inches()[0] * self.style.dpi
        self.text = widgets.HTML(layout=widgets.Layout(width=f"{side_width:.0f}px"))
        self.position = widgets.HTML()
        self.controls = self._build_controls(first)
        self._show(0)
        for view in self.views.values():
            view.render("full")
        self.widget = self._layout()
        _register(self)

    # -- controls -----------------------------------------------------------------

    def _build_controls(self, first):
        last = len(self.walk) - 1
        def button(icon, tooltip):
            return widgets.Button(icon=icon, tooltip=tooltip, layout=widgets.Layout(width="3em"))

        controls = {
            "first": button("fast-backward", "the first step: E"),
            "previous": button("step-backward", "one step back"),
            "play": widgets.Play(value=0, min=0, max=last, step=1, interval=self.PLAY_INTERVAL_MS,
                                 show_repeat=False, tooltip="play the walk, one step at a time"),
            "next": button("step-forward", "one step on"),
            "last": button("fast-forward", "the last step"),
            "step": widgets.IntSlider(value=0, min=0, max=last, step=1, description="step", readout=False,
                                      continuous_update=True, style={"description_width": "2.6em"},
                                      layout=widgets.Layout(width="220px" if self.style.name != "projector"
                                                            else "340px")),
            "weight": widgets.Dropdown(options=list(self.names), value=first, description="E along",
                                       style={"description_width": "4em"}, layout=widgets.Layout(width="10em")),
        }
        controls["first"].on_click(lambda _button: self.go(0))
        controls["previous"].on_click(lambda _button: self.previous())
        controls["next"].on_click(lambda _button: self.next())
        controls["last"].on_click(lambda _button: self.go(len(self.walk) - 1))
        self._link = widgets.link((controls["play"], "value"), (controls["step"], "value"))
        controls["step"].observe(self._on_step, names="value")
        controls["weight"].observe(self._on_weight, names="value")
        return controls

    def _on_step(self, change):
        if self.closed:
            return
        with self._frames.batch():
            self._show(change["new"])

    def _on_weight(self, change):
        if self._holding or self.closed:
            return
        self._chosen = change["new"]
        with self._frames.batch():
            view = self.views["slice"]
            view.render(view.set_parameter(self.state, change["new"], self._pending(change["new"], self._index)))

    def _pending(self, name, index):
        """None when the walk has found ∂E/∂name at or before step ``index``, else the step (from 1) that finds it."""
        at = self._found_at.get(name)
        return None if at is not None and at <= index else (None if at is None else at + 1)

    def slice_parameter(self, index):
        """The parameter the slice shows at step ``index`` (the rule in the class's docstring)."""
        step = self.walk[index]
        if step.parameter is not None:
            return step.parameter
        if self._chosen is not None:
            return self._chosen
        found = [(at, name) for name, at in self._found_at.items() if at <= index]
        return max(found)[1] if found else min((at, name) for name, at in self._found_at.items())[1]

    # -- moving -----------------------------------------------------------------

    @property
    def index(self):
        """The number of the step shown, from 0."""
        return self._index

    @property
    def current(self):
        """The WalkStep shown."""
        return self.walk[self._index]

    def go(self, index):
        """Show step ``index`` (0 is E, ``len(steps) - 1`` the last gradient)."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < len(self.walk):
            raise ValueError(f"index: expected a step number from 0 to {len(self.walk) - 1}, got {index!r}")
        if self.closed:
            return
        self.controls["step"].value = int(index)  # the slider's observer redraws (the Play follows it)

    def next(self):
        """One step on (stays on the last)."""
        if not self.closed:
            self.go(min(self._index + 1, len(self.walk) - 1))

    def previous(self):
        """One step back (stays on the first)."""
        if not self.closed:
            self.go(max(self._index - 1, 0))

    def _show(self, index):
        self._index = index
        step = self.walk[index]
        computed = {name for name, at in self._found_at.items() if at <= index}
        network = self.views["network"]
        network.render(network.highlight(step, computed))
        if step.parameter is not None:
            self._chosen = None  # a gradient step selects its own parameter
        name, view = self.slice_parameter(index), self.views["slice"]
        pending = self._pending(name, index)
        if name != self.controls["weight"].value or name != view.name:
            with self._hold():
                self.controls["weight"].value = name
            view.render(view.set_parameter(self.state, name, pending))
        else:
            view.render(view.set_pending(pending))
        self.position.value = f"{index + 1} of {len(self.walk)}"
        self.text.value = self._step_html(index)

    @contextlib.contextmanager
    def _hold(self):
        holding, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = holding

    def _step_html(self, index):

        step = self.walk[index]
        escape = html.escape
        lines = [f'<span style="color: #555555">step {index + 1} of {len(self.walk)}: '
                 f'{escape(self._kinds.get(step.kind, step.kind))}</span>',
                 f'<span style="font-size: 1.15em"><b>{escape(step.quantity)}</b> = '
                 f'{escape(fmt_significant(step.value))}</span>']
        if step.factor:
            factor = escape(step.factor)
            if step.factor_value is not None:
                number, last = fmt_significant(step.factor_value), step.factor.split(" = ")[-1]
                if not (last == number or last.startswith(number + ",") or last.startswith(number + " (")):
                    factor += f" = {escape(number)}"  # the factor as a number too, unless it already says it
            lines.append(f"factor: {factor}")
        lines.append(escape(step.expression))
        if step.note:
            lines.append(f"<i>{escape(step.note)}</i>")
        size = round(self.style.font_size * 96 / 72)
        return f'<div style="font-size: {size}px; line-height: 1.4">' + "<br>".join(lines) + "</div>"

    # -- lifecycle and display ----------------------------------------------------

    def close(self):
        """Free the widgets and figures (the step-through can no longer be shown or moved)."""
        if self.closed:
            return
        self._summary_when_closed = self.summary()
        self.closed = True
        self._link.unlink()
        self._free(self.text, self.position)

    def _layout(self):
        c = self.controls
        gap = widgets.HTML(layout=widgets.Layout(width="1.5em"))
        buttons = widgets.HBox([c["first"], c["previous"], c["play"], c["next"], c["last"], c["step"], self.position,
                                gap, c["weight"]], layout=widgets.Layout(align_items="center", flex_flow="row wrap"))
        side = widgets.VBox([self.canvases["slice"], self.text],
                            layout=widgets.Layout(flex="0 0 auto", margin="0 0 0 10px"))
        views = widgets.HBox([self.canvases["network"], side],
                             layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))
        box = widgets.VBox([buttons, views])
        box.add_class("backprop-step-through")
        if self.style.name == "projector":
            box.add_class("backprop-projector")
            size = round(self.style.font_size * 96 / 72)
            box.children = (*box.children, widgets.HTML(
                f"<style>.backprop-projector .widget-label, .backprop-projector .widget-html-content, "
                f".backprop-projector button, .backprop-projector select "
                f"{{font-size: {size}px !important; line-height: 1.4 !important;}}</style>"))
        return box

    def summary(self):
        """A plain-text account of the step shown (deterministic: no ids, no addresses)."""
        if self.closed:
            return self._summary_when_closed.replace("Backward step-through", "Closed backward step-through", 1)
        from .draw import walk_caption

        sizes = "-".join(map(str, self.state.net.layer_sizes))
        step = self.current
        found = self.walk.gradient_steps()
        gradients = ", ".join(f"{name} = {fmt_significant(value)}" for name, value in found.items())
        return "\n".join([
            f"Backward step-through of a {sizes} network: {len(self.walk)} steps from E = "
            f"{fmt_significant(self.walk.cost)} back to every weight",
            f"  step {self._index + 1}: {walk_caption(step)}",
            f"  gradients at the end: {gradients}",
            f"  E along {self.controls['weight'].value}",
        ])

    def to_png(self):
        """The diagram and the slice as they are now, side by side, as one PNG (bytes)."""
        if self.closed:
            raise ValueError("self: this step-through is closed; make a new one")
        return compose_png([self.views["network"], self.views["slice"]])



# ===========================================================================
# Lesson 06: the learning rate, live (DescentExplorer; view in draw.DescentView, numbers in helpers.descent)
# ===========================================================================

DESCENT_LR_RANGE = (-3.0, 3.0)  # powers of ten: 0.001 .. 1000
DESCENT_LR_STEP = 0.05  # in powers of ten: 120 key presses end to end, fine enough to find the edges
DESCENT_MAX_STEPS = 200


class DescentExplorer(_LiveWidget):
    """A learning-rate slider (log scale) that redraws the whole path of N descent steps on the cost
    surface, with the loss curve and the regime named where it shows.

    Only the two weights of ``pair`` learn (``helpers.descent.pair_descent``), so the colour map is the
    true surface the path moves on.

    Parameters
    ----------
    net, x, y : the network and its (batch of) example(s)
    pair : two parameter names (``parameter_names(net, numbering)``) on the axes, the ones that learn
    lr, steps : starting learning rate and number of steps N
    starts : optional {label: (value, value)} start points for a "start" dropdown; the first is used
        first. Default: the pair's values in ``net``.
    limits : ((u0, u1), (v0, v1)) of the map; default: -4..4 around the starts
    lowest : the lowest cost the pair can reach (for naming "good" and "slow"); default: the lowest
        value on the map
    labels : {parameter name: name shown} (e.g. the slides' w0, w1, w2 for the chain's w1, w2, w3)
    pairs : optional {label: {"pair": (name, name), "starts": {...}, "limits": ...}}: several choices of
        the two weights that learn, each with its own starts and map; a "weights" dropdown switches
        between them (the first is shown first; ``pair``, ``starts`` and ``limits`` are then not used)

    ``controls``: "lr" (FloatLogSlider), "steps" (IntSlider), "start" (Dropdown) when ``starts``
    has more than one entry (or ``pairs`` is given), "weights" (Dropdown) when ``pairs`` is given.
    Setting a value redraws synchronously: ``ex.controls["lr"].value = 3.0``.
    ``path`` and ``regime`` are the current PairPath and Regime; ``message`` says why a value was refused.
    """

    def __init__(self, net, x, y, pair=("w1", "w2"), lr=0.5, steps=40, starts=None, limits=None, lowest=None,
                 labels=None, numbering="by_sender", style=None, pairs=None):
        from .descent import pair_descent  # checks net, pair, lr, steps

        self._choices = None
        if pairs is not None:
            if not isinstance(pairs, dict) or not pairs or not all(
                    isinstance(choice, dict) and "pair" in choice for choice in pairs.values()):
                raise ValueError("pairs: expected {label: {'pair': (name, name), 'starts': {...}, 'limits': ...}}")
            self._choices = {str(label): dict(choice) for label, choice in pairs.items()}
            for choice in self._choices.values():  # each pair checked before anything is built
                pair_descent(net, x, y, choice["pair"], lr, 0, numbering=numbering)
            self._choice = next(iter(self._choices))
            first_choice = self._choices[self._choice]
            pair, starts, limits = first_choice["pair"], first_choice.get("starts"), first_choice.get("limits")
        self._lowest_given = lowest

        if style is not None:
            if style not in _style.STYLES:
                raise ValueError(f"style: expected one of {sorted(_style.STYLES)}, got {style!r}")
            style = _style.STYLES[style]
        self.style = style or _style.current()
        self.closed = False
        self._net, self._x, self._y = net, x, y
        self._numbering = numbering
        self.pair, self.starts, self.limits = self._pair_setup(pair, lr, starts, limits)
        self._start_label = next(iter(self.starts))
        self._lr, self._steps = float(lr), int(steps)
        self.path, self.regime = self._compute(self._lr, self._steps, self._start_label)
        from .draw import DescentView, descent_grid

        if lowest is None:
            lowest = float(descent_grid(net, x, y, self.pair, self.limits, 81, numbering)[2].min())
        self.lowest = float(lowest)
        self.path, self.regime = self._compute(self._lr, self._steps, self._start_label)
        self.view = DescentView(net, x, y, self.pair, self.limits, self.path, self.regime, self.lowest,
                                labels=labels, numbering=numbering, style=style)
        self.views = {"descent": self.view}
        self.figures = {"descent": self.view.figure}
        self.canvas = attach_canvas(self.view.figure, FastCanvas)
        self.canvases = {"descent": self.canvas}
        self.view.render("full")
        self.message = widgets.HTML(value="", layout=widgets.Layout(width="100%"))
        self.controls = self._build_controls()
        self.readouts = {"lr": widgets.HTML(layout=widgets.Layout(width="4.5em")),
                         "steps": widgets.HTML(layout=widgets.Layout(width="4.5em"))}
        self._show_readouts()
        self.widget = self._layout()
        _register(self)

    # -- numbers ----------------------------------------------------------------

    def _pair_setup(self, pair, lr, starts, limits):
        """(pair, starts, limits) checked and filled in for one choice of the two weights."""
        from .descent import pair_descent

        first = pair_descent(self._net, self._x, self._y, pair, lr, 0, numbering=self._numbering)
        if starts is None:
            starts = {"as given": tuple(first.values[0])}
        starts = {str(label): tuple(float(v) for v in point) for label, point in dict(starts).items()}
        if not starts or any(len(point) != 2 for point in starts.values()):
            raise ValueError("starts: expected {label: (value, value)} with at least one start point")
        if limits is None:
            points = np.array(list(starts.values()))
            limits = tuple((min(-4.0, math.floor(points[:, i].min()) - 1), max(4.0, math.ceil(points[:, i].max()) + 1))
                           for i in range(2))
        return first.names, starts, tuple(tuple(float(v) for v in pair_limits) for pair_limits in limits)

    def _compute(self, lr, steps, start_label, pair=None, starts=None):
        from .descent import classify_path, pair_descent

        pair, starts = pair or self.pair, starts or self.starts
        path = pair_descent(self._net, self._x, self._y, pair, lr, steps, start=starts[start_label],
                            numbering=self._numbering)
        lowest = getattr(self, "lowest", None)
        regime = classify_path(path, 0.0 if lowest is None else lowest)
        return path, regime

    # -- controls ---------------------------------------------------------------

    def _build_controls(self):
        width = "210px" if self.style.name != "projector" else "330px"
        low, high = DESCENT_LR_RANGE
        exponent = math.log10(self._lr)
        controls = {
            "lr": widgets.FloatLogSlider(value=self._lr, base=10, min=min(low, math.floor(exponent)),
                                         max=max(high, math.ceil(exponent)), step=DESCENT_LR_STEP,
                                         description="lr", readout=False, continuous_update=True,
                                         style={"description_width": "3em"}, layout=widgets.Layout(width=width)),
            "steps": widgets.IntSlider(value=self._steps, min=1, max=max(DESCENT_MAX_STEPS, self._steps),
                                       description="steps", readout=False, continuous_update=True,
                                       style={"description_width": "3em"}, layout=widgets.Layout(width=width)),
        }
        if len(self.starts) > 1 or self._choices:
            controls["start"] = widgets.Dropdown(options=list(self.starts), value=self._start_label,
                                                 description="start", style={"description_width": "3em"},
                                                 layout=widgets.Layout(width=width))
        if self._choices:
            controls["weights"] = widgets.Dropdown(options=list(self._choices), value=self._choice,
                                                   description="learn", style={"description_width": "3em"},
                                                   layout=widgets.Layout(width=width))
        for name, control in controls.items():
            control.observe(self._on_change(name), names="value")
        return controls

    def _on_change(self, name):
        def handler(change):
            if self.closed or getattr(self, "_holding", False):
                return
            try:
                self._apply(name, change["new"])
            except ValueError as error:
                self._holding = True
                try:
                    self.controls[name].value = change["old"]
                finally:
                    self._holding = False
                self.message.value = f'<span style="color: #a63603">{html.escape(f"⚠ {name}: {error}")}</span>'
            else:
                self.message.value = ""

        return handler

    def _apply(self, name, new):
        lr, steps, start = self._lr, self._steps, self._start_label
        if name == "weights":
            self._switch_pair(new)
            return
        if name == "lr":
            if not (isinstance(new, (int, float)) and math.isfinite(new) and new > 0):
                raise ValueError(f"expected a learning rate > 0, got {new!r}")
            lr = float(new)
        elif name == "steps":
            steps = int(new)
        else:
            start = new
        path, regime = self._compute(lr, steps, start)  # a refusal raises here, before anything changed
        self._lr, self._steps, self._start_label = lr, steps, start
        self.path, self.regime = path, regime
        self.view.render(self.view.update(path, regime))
        self._show_readouts()

    def _switch_pair(self, label):
        """Another pair of weights learns: its surface, its starts (the first one), the same lr and steps."""
        from .draw import descent_grid

        choice = self._choices[label]
        pair, starts, limits = self._pair_setup(choice["pair"], self._lr, choice.get("starts"), choice.get("limits"))
        start = next(iter(starts))
        lowest = self._lowest_given
        if lowest is None:
            lowest = float(descent_grid(self._net, self._x, self._y, pair, limits, 81, self._numbering)[2].min())
        previous = self.lowest
        self.lowest = float(lowest)
        try:
            path, regime = self._compute(self._lr, self._steps, start, pair, starts)
        except ValueError:
            self.lowest = previous
            raise
        self._choice, self.pair, self.starts, self.limits, self._start_label = label, pair, starts, limits, start
        self.path, self.regime = path, regime
        if "start" in self.controls:
            self._holding = True
            try:
                self.controls["start"].options = list(starts)
                self.controls["start"].value = start
            finally:
                self._holding = False
        self.view.set_surface(self._net, self._x, self._y, pair, limits, self.lowest)
        self.view.update(path, regime)
        self.view.render("full")
        self._show_readouts()

    def _show_readouts(self):
        self.readouts["lr"].value = f"{self._lr:.3g}"
        self.readouts["steps"].value = str(self._steps)

    # -- lifecycle and display -------------------------------------------------

    def close(self):
        """Free the widgets and the figure."""
        if self.closed:
            return
        self._summary_when_closed = self.summary()
        self.closed = True
        self._free(*self.readouts.values(), self.message)
        self.readouts = {}
        self.canvas = self.view = None

    def _layout(self):
        def row(name):
            return widgets.HBox([self.controls[name], self.readouts[name]])

        column = [widgets.HTML("<b>learning rate</b> (log scale)"), row("lr"), widgets.HTML("<b>number of steps</b>"),
                  row("steps")]
        if "weights" in self.controls:
            column += [widgets.HTML("<b>weights that learn</b>"), self.controls["weights"]]
        if "start" in self.controls:
            column += [widgets.HTML("<b>start point</b>"), self.controls["start"]]
        column.append(self.message)
        controls = widgets.VBox(column, layout=widgets.Layout(margin="0 10px 0 0", flex="0 0 auto",
                                                               width="max-content"))
        box = widgets.HBox([controls, self.canvas], layout=widgets.Layout(align_items="flex-start"))
        box.add_class("backprop-explorer")  # controls beside the view, as every explorer
        return box

    def summary(self):
        """Plain text of the current path and regime (deterministic)."""
        if self.closed:
            return "Closed " + self._summary_when_closed[0].lower() + self._summary_when_closed[1:]
        labels = self.view.labels
        names = ", ".join(labels.get(n, n) for n in self.pair)
        start = ", ".join(f"{v:g}" for v in self.starts[self._start_label])
        return (f"Descent explorer over ({names}) from ({start}), lr = {self._lr:.3g}, {self._steps} steps\n"
                f"  E {fmt(self.path.costs[0], 4)} -> {self.path.costs[-1]:.3g}; {self.regime.text}")

    def to_png(self):
        if self.closed:
            raise ValueError("self: this explorer is closed; make a new one")
        return compose_png([self.view])



# ---------------------------------------------------------------------------
# The training playground (notebooks/playground.ipynb): data, network and training controls wired to
# the views of helpers.playground_views; one example's step shown on demand
# ---------------------------------------------------------------------------

PLAYGROUND_DATA_SETS = ("xor", "circles", "moons", "spiral", "clusters")
PLAYGROUND_NOISE = {"xor": 0.1, "circles": 0.1, "moons": 0.1, "spiral": 0.05, "clusters": 0.3}  # each set's default
PLAYGROUND_ACTIVATIONS = ("tanh", "sigmoid", "relu")
PLAYGROUND_BATCH_SIZES = (1, 4, 8, 16, 32, 64, None)  # None: the whole training set
PLAYGROUND_L2 = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1)
PLAYGROUND_SPEEDS = {"slow": 10, "normal": 100, "fast": 400}  # training steps per second while playing
PROJECTOR_SCALE = 1.4  # the playground's views and controls in the projector style, against the default
CLICK_ADD_REMOVE, CLICK_PICK = "add / remove", "pick example"
PANEL_TRAINING, PANEL_STEP = "training", "example's step"
# The lessons' diagram (BackwardStepThrough) labels every edge with its weight and gradient. Rendered for
# every size the playground offers: up to 4 units a layer and 2 hidden layers it reads; beyond that, or with
# more than 6 edges between two layers after the inputs (3x3, 4x2, 4x3), the labels pile up in the middle.
WALK_MAX_UNITS, WALK_MAX_HIDDEN_LAYERS, WALK_MAX_EDGES = 4, 2, 6


def _walk_problem(sizes):
    """What makes the lessons' diagram of a network of these layer sizes unreadable, or None."""
    if len(sizes) - 2 > WALK_MAX_HIDDEN_LAYERS:
        return f"more than {WALK_MAX_HIDDEN_LAYERS} hidden layers"
    if max(sizes) > WALK_MAX_UNITS:
        return f"more than {WALK_MAX_UNITS} units in a layer"
    for a, b in zip(sizes[1:], sizes[2:]):
        if a * b > WALK_MAX_EDGES:
            return f"{a * b} edges cross between two layers (more than {WALK_MAX_EDGES})"
    return None


def walk_refusal(layer_sizes):
    """Why the lessons' network diagram would be unreadable for a network of ``layer_sizes``, with a smaller
    network to try (as the playground builds them: the same units in every hidden layer); None when it reads."""
    sizes = tuple(layer_sizes)
    problem = _walk_problem(sizes)
    if problem is None:
        return None
    hidden = sizes[1:-1]
    suggestion = ""
    for layers in range(min(len(hidden), WALK_MAX_HIDDEN_LAYERS), 0, -1):
        units = next((u for u in range(max(hidden), 0, -1)
                      if _walk_problem((sizes[0], *[u] * layers, sizes[-1])) is None), None)
        if units is not None:
            plural = "s" if layers > 1 else ""
            suggestion = f"; try {layers} hidden layer{plural} of {units} unit{'s' if units > 1 else ''}"
            break
    name = "-".join(map(str, sizes))
    return f"the lessons' diagram of a {name} network would be unreadable: {problem}{suggestion}"


class Playground(_LiveWidget):
    """A training playground: pick a data set and a network, press play, watch the decision boundary,
    each neuron and the loss curves change; pause and open one example's step, number by number.

    Parameters (each is also a control, see ``controls``)
    ----------
    data : "xor", "circles", "moons", "spiral" (3 classes) or "clusters"
    noise : the data set's noise (default: the set's own); test_fraction : share of points held out
    hidden_layers : 0..3; units : 1..8 per hidden layer; activation : "tanh", "sigmoid" or "relu"
    lr : learning rate; batch_size : 1..64 or None (the whole training set); l2 : L2 strength
    speed : "slow", "normal" or "fast" (training steps per second while playing: 10, 100, 400)
    n_points, seed : size of the data set and the seed of data, weights and shuffling

    Driving it from code (what the buttons do, synchronously): ``step(n=1)``, ``run(steps)``,
    ``pick(i)`` (show training example i's step), ``add_point(x1, x2, label)``, ``remove_point(x1, x2)``,
    ``play()`` / ``pause()`` (playing runs on the kernel's event loop), ``reset()``, ``close()``.
    Read ``history`` (a training.History, logged every ``log_every`` steps: 5, doubled whenever the curves
    outgrow ``MAX_LOG_POINTS``, so logging costs a bounded share of the time), ``batch_losses`` (beside each
    logged step, the loss of the mini-batch that step trained on, before its update: the faint curve that shows
    how noisy small batches are), ``net``, ``data``, ``step_count``, ``epoch`` (training examples seen / the
    training set's size), ``picked``, ``state`` (the picked example's helpers.state.State), ``play_stats``.

    ``walk_back()`` (the "walk it back" button) shows the picked example's step once more, in the lessons'
    network diagram: a ``BackwardStepThrough`` of the same network, example and learning rate (so the same
    numbers as the step panel), in ``walk_slot`` below the playground; it is ``walk``. It follows the
    example's step after a training step or a new learning rate, closes when training plays or the example
    is unpicked, and is refused (the button disabled, saying why) for a network too big for that diagram
    (``walk_refusal()``). The rule: at most ``WALK_MAX_UNITS`` = 3 units a layer (at 4, the diagram's weight
    labels pile up near the inputs), at most 2 hidden layers, and at most 6 edges between two layers after the
    inputs (so two hidden layers of at most 2 units, and with 3 classes at most 2 units in the last hidden layer).
    """

    # Its own canvas, not ipympl's: while playing, frames are painted in order, decoded off the page's main
    # thread, and answered once painted, so one can be in flight while the kernel renders the next.
    # (benchmarks/training.py sets FastCanvas here to measure ipympl's canvas as the baseline.)
    canvas_class = BitmapCanvas
    FRAMES_AHEAD = 2  # while playing, a new frame goes when fewer than this many tokens are unanswered
    TOKEN_EVERY = 2  # while playing, a token (and its answer) for every second change: each message from the
    # page makes the kernel say busy and idle, and JupyterLab redraws its status (and favicon) for each
    FRAME_INTERVAL = 1 / 30  # at most 30 frames per second while playing
    NO_PAGE_PAUSE_S = 10.0  # playing pauses itself when no page has painted a frame for this long
    BURST_SECONDS = 0.02  # training between two looks at the event loop, at most
    CLICK_RADIUS = 0.07  # a click this close (data units) to a point is a click on it
    LOG_EVERY = 5  # the loss curves get a point every 5 steps, whatever the batch size ...
    MAX_LOG_POINTS = 800  # ... until they hold this many: then every other point goes and the interval doubles

    def __init__(self, data="moons", noise=None, test_fraction=0.25, hidden_layers=1, units=6, activation="tanh",
                 lr=1.0, batch_size=16, l2=0.0, speed="normal", n_points=200, seed=0, style=None):
        from . import training
        from .playground_views import BoundaryGrid, DataView, StepView, TrainingView

        if data not in PLAYGROUND_DATA_SETS:
            raise ValueError(f"data: expected one of {PLAYGROUND_DATA_SETS}, got {data!r}")
        if activation not in PLAYGROUND_ACTIVATIONS:
            raise ValueError(f"activation: expected one of {PLAYGROUND_ACTIVATIONS}, got {activation!r}")
        if not (isinstance(hidden_layers, int) and 0 <= hidden_layers <= 3):
            raise ValueError(f"hidden_layers: expected an int from 0 to 3, got {hidden_layers!r}")
        if not (isinstance(units, int) and 1 <= units <= 8):
            raise ValueError(f"units: expected an int from 1 to 8, got {units!r}")
        if batch_size not in PLAYGROUND_BATCH_SIZES:
            raise ValueError(f"batch_size: expected one of {PLAYGROUND_BATCH_SIZES}, got {batch_size!r}")
        if l2 not in PLAYGROUND_L2:
            raise ValueError(f"l2: expected one of {PLAYGROUND_L2}, got {l2!r}")
        if speed not in PLAYGROUND_SPEEDS:
            raise ValueError(f"speed: expected one of {tuple(PLAYGROUND_SPEEDS)}, got {speed!r}")
        # the sliders would clip a value outside their range without a word: refuse it here instead
        if noise is not None and not (isinstance(noise, (int, float)) and 0 <= noise <= 0.5):
            raise ValueError(f"noise: expected a number from 0 to 0.5, got {noise!r}")
        if not (isinstance(test_fraction, (int, float)) and 0.1 <= test_fraction <= 0.5):
            raise ValueError(f"test_fraction: expected a number from 0.1 to 0.5, got {test_fraction!r}")
        lr = _check_learning_rate(lr)
        if not 1e-3 <= lr <= 10:
            raise ValueError(f"lr: expected a learning rate from 0.001 to 10, got {lr!r}")
        if style is not None:
            if style not in _style.STYLES:
                raise ValueError(f"style: expected one of {sorted(_style.STYLES)}, got {style!r}")
            style = _style.STYLES[style]
        self.style = style or _style.current()
        self._training = training
        self.closed = False
        self.playing = False
        self._task = None
        self._holding = False
        self.n_points, self.seed = n_points, seed
        self.stopped_because = None
        self._last_trace = None
        self.picked = None  # index of the picked training example
        self.state = None  # its State (forward, gradients, step) under the current network
        self.focus = None  # (layer, unit) of the neuron the step view explains
        self.play_stats = {"steps": 0, "frames": 0, "seconds": 0.0, "steps_per_second": 0.0,
                           "frames_per_second": 0.0}
        self.frames_drawn = 0  # frames rendered by the play loop (each is sent to the browser)
        self.walk = None  # the BackwardStepThrough of the picked example, shown in walk_slot
        self._walk_key = None  # (net, data, picked, lr) it was made for

        noise = PLAYGROUND_NOISE[data] if noise is None else noise
        self.controls = self._build_controls(data, noise, test_fraction, hidden_layers, units, activation, lr,
                                             batch_size, l2, speed)
        self._good = {name: c.value for name, c in self.controls.items() if hasattr(c, "value")}
        self.message = widgets.HTML(value="", layout=widgets.Layout(width="auto"))
        self.grid = BoundaryGrid()
        try:
            self._make_data()  # raises ValueError (naming the argument) for n_points or seed out of range
        except ValueError:
            seen = set()
            for widget in [*self.controls.values(), self.message]:
                _close_widget_tree(widget, seen)
            raise
        self._make_network()
        # The playground's views are dense; in the projector style they keep their layout and grow as a
        # whole (a higher dpi: every text, line and picture 1.4 times as large)
        view_style = self.style
        if self.style.name == "projector":
            import dataclasses

            view_style = dataclasses.replace(_style.STYLES["default"], name="projector",
                                             dpi=_style.STYLES["default"].dpi * PROJECTOR_SCALE)
        self.views = {"data": DataView(self.grid, style=view_style),
                      "training": TrainingView(self.net.layer_sizes, self.net.activations, style=view_style),
                      "step": StepView(self.net.layer_sizes, self.net.activations, style=view_style)}
        self.figures = {kind: view.figure for kind, view in self.views.items()}
        if issubclass(self.canvas_class, BitmapCanvas):
            self.canvases = {kind: self.canvas_class(figure) for kind, figure in self.figures.items()}
            self._frames = FrameTokens()  # one token per change for all views
            for canvas in self.canvases.values():
                canvas.tokens = self._frames
        else:  # ipympl's canvas, the benchmark's baseline: one change in flight, as before BitmapCanvas
            self.canvases = {kind: attach_canvas(figure, self.canvas_class) for kind, figure in self.figures.items()}
            self._frames = FrameLedger()
            for canvas in self.canvases.values():
                canvas.ledger = self._frames
        self._untokened = 0  # changes sent since the last token
        self.canvases["data"].mpl_connect("button_press_event", self._on_click)
        self.canvases["step"].mpl_connect("button_press_event", self._on_step_click)
        self.canvases["data"].cursor = "crosshair"  # a click adds, removes or picks a point
        self.canvases["step"].cursor = "pointer"  # a click on a neuron explains it
        self.walk_slot = widgets.Box(layout=widgets.Layout(margin="6px 0 0 0"))  # its one child is replaced
        self.walk_slot.add_class("playground-walk-slot")
        self.panel = PANEL_TRAINING
        self._show_points()
        self._refresh(full=True)
        self.widget = self._layout()
        self._show_panel(PANEL_TRAINING)
        _register(self)

    # -- controls ---------------------------------------------------------------

    def _build_controls(self, data, noise, test_fraction, hidden_layers, units, activation, lr, batch_size, l2,
                        speed):
        def layout(width):
            return widgets.Layout(width=width)

        label = {"description_width": "initial"}
        c = {}
        c["data"] = widgets.Dropdown(options=PLAYGROUND_DATA_SETS, value=data, description="data", style=label,
                                     layout=layout("150px"))
        c["noise"] = widgets.FloatSlider(value=noise, min=0.0, max=0.5, step=0.01, description="noise",
                                         readout_format=".2f", continuous_update=False, style=label,
                                         layout=layout("210px"))
        c["test_fraction"] = widgets.FloatSlider(value=test_fraction, min=0.1, max=0.5, step=0.05,
                                                 description="test share", readout_format=".2f",
                                                 continuous_update=False, style=label, layout=layout("230px"))
        c["click_mode"] = widgets.ToggleButtons(options=(CLICK_ADD_REMOVE, CLICK_PICK), value=CLICK_ADD_REMOVE,
                                                style={"button_width": "112px"},
                                                tooltips=("a click adds a point of the chosen class; a click on a "
                                                          "point removes it", "a click on a training point shows "
                                                          "its step"))
        c["point_class"] = widgets.Dropdown(options=self._class_options(2), value=0, description="new points:",
                                            style=label, layout=layout("155px"))
        c["hidden_layers"] = widgets.IntSlider(value=hidden_layers, min=0, max=3, description="hidden layers",
                                               continuous_update=False, style=label, layout=layout("220px"))
        c["units"] = widgets.IntSlider(value=units, min=1, max=8, description="units per layer",
                                       continuous_update=False, style=label, layout=layout("230px"))
        c["activation"] = widgets.Dropdown(options=PLAYGROUND_ACTIVATIONS, value=activation, description="activation",
                                           style=label, layout=layout("160px"))
        c["lr"] = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=1, step=0.1, description="learning rate",
                                         readout_format=".3g", continuous_update=False, style=label,
                                         layout=layout("250px"))
        batch_options = [("all" if b is None else str(b), b) for b in PLAYGROUND_BATCH_SIZES]
        c["batch_size"] = widgets.Dropdown(options=batch_options, value=batch_size, description="batch", style=label,
                                           layout=layout("110px"))
        c["l2"] = widgets.Dropdown(options=[(f"{v:g}", v) for v in PLAYGROUND_L2], value=l2, description="L2",
                                   style=label, layout=layout("105px"))
        c["speed"] = widgets.Dropdown(options=tuple(PLAYGROUND_SPEEDS), value=speed, description="speed",
                                      style=label, layout=layout("125px"))
        button = widgets.Layout(width="auto", padding="0 8px")
        c["play"] = widgets.Button(description="play", icon="play", button_style="success", layout=button,
                                   tooltip="train continuously")
        c["pause"] = widgets.Button(description="pause", icon="pause", layout=button, disabled=True,
                                    tooltip="stop training (then pick an example to see its step)")
        c["step"] = widgets.Button(description="one step", icon="step-forward", layout=button,
                                   tooltip="one mini-batch gradient step")
        c["reset"] = widgets.Button(description="reset", icon="undo", layout=button,
                                    tooltip="the starting weights again (same seed), history cleared")
        c["example"] = widgets.BoundedIntText(value=0, min=0, max=10**6, description="example #", style=label,
                                              layout=layout("140px"))
        c["show_step"] = widgets.Button(description="show its step", icon="search", layout=button,
                                        tooltip="pause and show this training example's forward and backward pass")
        c["walk"] = widgets.Button(description="walk it back", icon="project-diagram", layout=button, disabled=True,
                                   tooltip="pick a training example first")
        c["panel"] = widgets.ToggleButtons(options=(PANEL_TRAINING, PANEL_STEP), value=PANEL_TRAINING,
                                           style={"button_width": "125px"},
                                           tooltips=("the network, its neurons and the loss curves",
                                                     "the picked example's forward and backward pass"))
        for name, css in (("play", "playground-play"), ("pause", "playground-pause"), ("step", "playground-step"),
                          ("reset", "playground-reset"), ("show_step", "playground-show-step"),
                          ("walk", "playground-walk")):
            c[name].add_class(css)
        c["play"].on_click(lambda _b: self.play())
        c["pause"].on_click(lambda _b: self.pause())
        c["step"].on_click(lambda _b: self._guarded(self.step))
        c["reset"].on_click(lambda _b: self._guarded(self.reset))
        c["show_step"].on_click(lambda _b: self._guarded(lambda: self.pick(self.controls["example"].value)))
        c["walk"].on_click(lambda _b: self._guarded(self.walk_back))
        for name in ("data", "noise", "test_fraction", "hidden_layers", "units", "activation", "lr", "batch_size",
                     "l2", "speed", "panel"):
            c[name].observe(self._on_change(name), names="value")
        return c

    @staticmethod
    def _class_options(n_classes):
        return [(f"class {k} " + "\u25cf\u25a0\u25b2"[k], k) for k in range(n_classes)]

    def _guarded(self, action):
        """Run a button's action; a refusal becomes the message, never an exception in the front end."""
        if self.closed:
            return
        try:
            action()
        except ValueError as error:
            self._say(f"\u26a0 {error}", warning=True)

    def _on_change(self, name):
        def handler(change):
            if self._holding or self.closed:
                return
            try:
                self._say("")  # an earlier message is out of date
                self._apply(name, change["new"])
            except ValueError as error:
                good = self._good.get(name)
                with self._hold():
                    self.controls[name].value = good
                self._say(f"\u26a0 {name}: {error}; kept {good!r}", warning=True)
            else:
                self._good[name] = change["new"]

        return handler

    def _apply(self, name, value):
        if name == "panel":
            if value == PANEL_STEP and self.picked is None:
                self.pick(self.controls["example"].value)
            else:
                self._show_panel(value)
            return
        if name == "speed":
            return  # the play loop reads it
        if name == "lr":
            self.trainer.lr = value
            if self.trainer.stopped_because:  # a diverged run goes on from its last finite weights
                self._make_trainer()
            self._after_edit()
            return
        if name == "l2":
            self.trainer.l2 = value
            self._after_edit()
            return
        if name == "batch_size":
            self._make_trainer()
            return
        if name == "data":
            with self._hold():
                self.controls["noise"].value = PLAYGROUND_NOISE[value]
            self._good["noise"] = PLAYGROUND_NOISE[value]
        if name in ("data", "noise", "test_fraction"):
            self._make_data()
            self._show_points()
        self._make_network()
        self._rebuild_views()
        self._say("")

    @contextlib.contextmanager
    def _hold(self):
        holding, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = holding

    def _say(self, text, warning=False):
        if not text:
            self.message.value = ""
            return
        colour = "#a63603" if warning else "#333333"
        self.message.value = f'<span style="color: {colour}">{html.escape(text)}</span>'

    # -- data, network, trainer -------------------------------------------------

    def _make_data(self):
        make = getattr(self._training, self.controls["data"].value)
        self.data = make(n_points=self.n_points, noise=self.controls["noise"].value,
                         test_fraction=self.controls["test_fraction"].value, seed=self.seed)
        self._unpick()
        options = self._class_options(self.data.n_classes)
        if list(self.controls["point_class"].options) != options:
            with self._hold():
                self.controls["point_class"].options = options
                self.controls["point_class"].value = 0

    @property
    def layer_sizes(self):
        hidden = [self.controls["units"].value] * self.controls["hidden_layers"].value
        return (2, *hidden, self.data.n_outputs)

    def _make_network(self):
        """A fresh network (seeded: the same settings give the same start), trainer and history."""
        self.net = self._training.initial_network(self.layer_sizes, activation=self.controls["activation"].value,
                                                  output=self.data.output, seed=self.seed)
        self.names = parameter_names(self.net)
        self.step_count = 0
        self._epochs = 0.0  # training examples seen / n_train, summed step by step (a new batch size does not jump it)
        self._log_every = self.LOG_EVERY
        self._last_step = None  # (network before the last step, the rows it used): its batch loss, when logged
        self.history = self._training.History()
        self.batch_losses = []
        self._trainers = 0
        self._make_trainer()
        self._log()
        self.focus = (len(self.net.weights), 0)
        self._unpick()

    def _make_trainer(self):
        """A trainer from the current network (after a new batch size, new points or a divergence)."""
        self._trainers += 1
        self.trainer = self._training.Trainer(self.net, self.data, lr=self.controls["lr"].value,
                                              batch_size=self.controls["batch_size"].value,
                                              l2=self.controls["l2"].value, seed=self.seed + self._trainers,
                                              log_every=10**9)
        self.stopped_because = None

    @property
    def log_every(self):
        """Steps between two points of the loss curves: ``LOG_EVERY``, doubled each time the curves were thinned."""
        return self._log_every

    @property
    def epoch(self):
        """Training examples seen so far / the number of training points (each step adds its batch)."""
        return self._epochs

    def _log(self):
        """A point of the loss curves at the current step (the one logged at this step is replaced)."""
        d, net, h = self.data, self.net, self.history
        accuracy = self._training.accuracy
        try:
            train_loss = net.cost(d.x_train, d.y_train)
            test_loss = net.cost(d.x_test, d.y_test) if d.n_test else math.nan
        except ValueError:
            return
        batch_loss = math.nan
        if self._last_step is not None and self._last_step[0] == self.step_count:
            _, before, rows = self._last_step
            try:
                batch_loss = before.cost(d.x_train[rows], d.y_train[rows])
            except (ValueError, IndexError):  # overflowed, or the points changed since
                pass
        values = (self.step_count, self.epoch, train_loss, test_loss, accuracy(net, d.x_train, d.labels_train),
                  accuracy(net, d.x_test, d.labels_test) if d.n_test else math.nan)
        names = ("step", "epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")
        if h.step and h.step[-1] == self.step_count:  # the same step again (new points): the newest numbers
            for name, value in zip(names, values):
                getattr(h, name)[-1] = value
            self.batch_losses[-1] = batch_loss if math.isnan(self.batch_losses[-1]) else self.batch_losses[-1]
            return
        for name, value in zip(names, values):
            getattr(h, name).append(value)
        self.batch_losses.append(batch_loss)
        if len(h.step) > self.MAX_LOG_POINTS:  # thin: keep the multiples of the doubled interval (and the last)
            self._log_every *= 2
            keep = [i for i, s in enumerate(h.step) if s % self._log_every == 0 or i == len(h.step) - 1]
            for name in names:
                setattr(h, name, [getattr(h, name)[i] for i in keep])
            self.batch_losses = [self.batch_losses[i] for i in keep]

    def _advance(self, n, deadline=None):
        """Up to ``n`` training steps (fewer when ``deadline`` passes or training diverges). Returns how
        many were taken."""
        import time

        taken = 0
        while taken < n and not self.stopped_because:
            before = self.net
            if not self.trainer.step():
                self.stopped_because = self.trainer.stopped_because
                self.history.stopped_because = self.stopped_because
                break
            self.net = self.trainer.net
            self.step_count += 1
            rows = self.trainer.last_batch
            self._epochs += len(rows) / self.data.n_train
            self._last_step = (self.step_count, before, rows)
            taken += 1
            if self.step_count % self.log_every == 0:
                self._log()
            if deadline is not None and time.perf_counter() > deadline:
                break
        return taken

    # -- what a person does ---------------------------------------------------

    def step(self, n=1):
        """``n`` mini-batch gradient steps (synchronously), then one redraw. Returns the steps taken."""
        if self.closed:
            raise ValueError("self: this playground is closed; make a new one (Playground(...))")
        n = self._training._as_int(n, "n", minimum=0)
        taken = self._advance(n)
        if taken or not self.stopped_because:
            self._say("")  # an earlier message is out of date
        if taken < n and self.stopped_because:
            self._say(f"\u26a0 stopped, diverged ({self.stopped_because}); lower the learning rate or reset",
                      warning=True)
        if self.step_count % self.log_every:
            self._log()  # the curves end at the current step
        self._refresh()
        return taken

    def run(self, steps):
        """``steps`` mini-batch steps without drawing in between (synchronous, deterministic); returns
        the History."""
        self.step(steps)
        return self.history

    def reset(self):
        """The starting weights again (same seed) with the current settings; history cleared."""
        if self.closed:
            return
        self._make_network()
        self._rebuild_views()
        self._say("")

    def add_point(self, x1, x2, label, split="train"):
        """Add a point (in the plotted coordinates) of class ``label`` to the training (or test) set.
        Returns its index in that set. Training goes on from the current network."""
        if self.closed:
            return None
        if split not in ("train", "test"):
            raise ValueError(f"split: expected 'train' or 'test', got {split!r}")
        point = self._point(x1, x2)
        from .playground_views import LIMITS

        if not np.all((LIMITS[0] <= point) & (point <= LIMITS[1])):
            raise ValueError(f"x1, x2: ({x1!r}, {x2!r}) is outside the plotted square; expected numbers from "
                             f"{LIMITS[0]} to {LIMITS[1]} (the data are scaled into [-1, 1])")
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < self.data.n_classes:
            raise ValueError(f"label: expected a class 0..{self.data.n_classes - 1}, got {label!r}")
        x = getattr(self.data, f"x_{split}")
        labels = getattr(self.data, f"labels_{split}")
        self._set_points(split, np.vstack([x, point]), np.append(labels, int(label)))
        return len(labels)

    def remove_point(self, x1=None, x2=None, index=None, split="train"):
        """Remove the point nearest (x1, x2) (training or test, within ``CLICK_RADIUS``), or the point
        ``index`` of ``split``. Returns (split, index) of the removed point, or None."""
        if self.closed:
            return None
        if index is None:
            x1, x2 = self._point(x1, x2)
            found = self._nearest(x1, x2)
            if found is None:
                return None
            split, index = found
        if split not in ("train", "test"):
            raise ValueError(f"split: expected 'train' or 'test', got {split!r}")
        x = getattr(self.data, f"x_{split}")
        labels = getattr(self.data, f"labels_{split}")
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < len(labels):
            raise ValueError(f"index: expected 0..{len(labels) - 1}, got {index!r}")
        if split == "train" and len(labels) <= 2:
            raise ValueError("index: the last two training points stay (a network needs something to learn)")
        self._set_points(split, np.delete(x, index, axis=0), np.delete(labels, index))
        return split, index

    @staticmethod
    def _point(x1, x2):
        """(x1, x2) as two finite floats, or a ValueError naming them."""
        from .training import _is_real

        if not (_is_real(x1) and _is_real(x2)):
            raise ValueError(f"x1, x2: expected two numbers (a point in the plotted coordinates), got "
                             f"({x1!r}, {x2!r})")
        point = np.array([x1, x2], dtype=float)
        if not np.all(np.isfinite(point)):
            raise ValueError(f"x1, x2: expected finite numbers, got ({x1!r}, {x2!r})")
        return point

    def _nearest(self, x1, x2, splits=("train", "test")):
        best = None
        for split in splits:
            x = getattr(self.data, f"x_{split}")
            if len(x):
                distances = np.hypot(x[:, 0] - x1, x[:, 1] - x2)
                i = int(np.argmin(distances))
                if distances[i] <= self.CLICK_RADIUS and (best is None or distances[i] < best[0]):
                    best = (distances[i], split, i)
        return None if best is None else best[1:]

    def _set_points(self, split, x, labels):
        import dataclasses

        k = self.data.n_classes
        y = labels.astype(float)[:, None] if k == 2 else np.eye(k)[labels]
        for array in (x, y, labels):
            array.flags.writeable = False
        self.data = dataclasses.replace(self.data, **{f"x_{split}": x, f"y_{split}": y, f"labels_{split}": labels})
        self._unpick()
        self._make_trainer()
        self._log()  # the train and test numbers of the new points (replacing this step's, if logged)
        self._show_points()
        self._after_edit()

    def _after_edit(self):
        """Redraw after a change that keeps the network (points, lr, L2)."""
        if not self.playing:
            self._refresh()

    def pick(self, index):
        """Pause and show training example ``index``'s step: its forward values, deltas and every
        gradient and change of the neuron in focus (default: the output). ``None`` unpicks."""
        if self.closed:
            return
        if index is None:
            self._unpick()
            self._show_panel(PANEL_TRAINING)
            self._refresh()
            return
        n = self.data.n_train
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
            raise ValueError(f"index: expected a training example 0..{n - 1}, got {index!r}")
        self.pause()
        self.picked = int(index)
        with self._hold():
            self.controls["example"].value = self.picked
        self._update_state()
        if self.state is not None:  # else _update_state said why there is no step
            self._say(f"picked example #{self.picked}")
        self._show_panel(PANEL_STEP if self.state is not None else PANEL_TRAINING)
        self._refresh()

    def _unpick(self):
        self.picked = None
        self.state = None
        if "example" in self.controls and hasattr(self, "data"):  # the example box offers the training points
            with self._hold():
                self.controls["example"].max = max(0, self.data.n_train - 1)

    def _update_state(self):
        if self.picked is None:
            return
        i = self.picked
        try:
            self.state = compute_state(self.net, self.data.x_train[i], self.data.y_train[i],
                                       self.controls["lr"].value, self.names)
        except ValueError as error:  # a diverged network: nothing sensible to show for this example
            self._unpick()
            self._say(f"\u26a0 no step to show: {error}", warning=True)

    def focus_neuron(self, layer, unit):
        """Explain neuron ``unit`` of ``layer`` (1 = first hidden layer, the last = output) in the step view."""
        L = len(self.net.weights)
        if not (isinstance(layer, int) and 1 <= layer <= L):
            raise ValueError(f"layer: expected 1..{L} (inputs have no step), got {layer!r}")
        if not (isinstance(unit, int) and 0 <= unit < self.net.layer_sizes[layer]):
            raise ValueError(f"unit: expected 0..{self.net.layer_sizes[layer] - 1}, got {unit!r}")
        self.focus = (layer, unit)
        if self.state is not None:
            self._render_step(how="blit")

    # -- the picked example's step in the lessons' diagram ----------------------------

    def walk_back(self):
        """Pause and show the picked example's backward pass in the lessons' network diagram, below the
        playground: ``BackwardStepThrough(net, x_i, y_i, lr)`` of the current network (the step panel's
        numbers). A walk shown before is closed; the new one opens at the same step number. Returns it."""
        if self.closed:
            return None
        self.pause()
        if self.picked is None or self.state is None:
            raise ValueError("walk it back: pick a training example first (show its step)")
        refusal = self.walk_refusal()
        if refusal:
            raise ValueError(refusal)
        i = self.picked
        at = self.walk.index if self.walk is not None and not self.walk.closed else 0
        style = self.style.name if self.style.name in _style.STYLES else None
        walk = BackwardStepThrough(self.net, self.data.x_train[i], self.data.y_train[i], self.controls["lr"].value,
                                   style=style)
        if at:
            walk.go(min(at, len(walk.walk) - 1))
        self._close_walk()
        self.walk, self._walk_key = walk, self._walk_now()
        self.walk_slot.children = (walk.widget,)
        self._walk_note = None  # the slot shows the walk, no note
        return walk

    def _walk_now(self):
        return self.net, self.data, self.picked, self.controls["lr"].value

    def _walk_is_current(self):
        net, data, picked, lr = self._walk_key or (None,) * 4
        return net is self.net and data is self.data and picked == self.picked and lr == self.controls["lr"].value

    def _close_walk(self, note=""):
        """Close the walk shown (if any); the slot then shows ``note`` (HTML-escaped) or nothing."""
        walk, self.walk, self._walk_key = self.walk, None, None
        if walk is not None:
            walk.close()
        self._set_walk_note(note)

    def _set_walk_note(self, note):
        slot = getattr(self, "walk_slot", None)
        if slot is None or (self.walk is not None and not self.walk.closed):
            return
        if getattr(self, "_walk_note", None) == note and (bool(note) == bool(slot.children)):
            return
        old = slot.children
        slot.children = (widgets.HTML(f'<span style="color: #555555">{html.escape(note)}</span>'),) if note else ()
        self._walk_note = note
        seen = set()
        for child in old:
            _close_widget_tree(child, seen)

    def _sync_walk(self):
        """The walk button says whether the picked example can be walked back (and why not); a walk shown
        follows that example's step (made again after a training step or a new learning rate) or closes
        (playing, unpicked, a new network too big for the diagram)."""
        if self.closed or "walk" not in self.controls:
            return
        picked = self.picked is not None and self.state is not None
        refusal = self.walk_refusal()
        button = self.controls["walk"]
        button.disabled = not picked or refusal is not None
        if not picked:
            button.tooltip = "pick a training example first (show its step, or click a point in pick mode)"
        else:
            button.tooltip = refusal or "this example's backward pass in the lessons' network diagram, step by step"
        if self.walk is not None and self.walk.closed:  # closed from outside (the cell that made it ran again)
            self._close_walk()
        if self.walk is not None and (self.playing or not self._walk_is_current()):
            if picked and refusal is None and not self.playing:
                self.walk_back()
            else:
                self._close_walk("training went on: pause, pick an example and walk it back again"
                                 if self.playing else "")
        if self.walk is None:
            if picked and refusal:
                self._set_walk_note(f"walk it back: {refusal}")
            elif not self.playing or getattr(self, "_walk_note", "").startswith("walk it back:"):
                self._set_walk_note("")

    # -- mouse -----------------------------------------------------------------

    def _on_click(self, event):
        """A click on the data: add or remove a point, or pick a training example (see click_mode)."""
        if self.closed:
            return
        try:
            point = self.views["data"].data_point(event)
            if point is None:
                return
            if self.controls["click_mode"].value == CLICK_PICK:
                found = self._nearest(*point)
                if found is None:
                    self._say("no training point there: click on a filled marker")
                elif found[0] == "test":
                    self._say(f"that is test point #{found[1]} (hollow): test points are never trained on, so it "
                              "has no step; click a filled marker")
                else:
                    self.pick(found[1])  # says "picked example #i"
                return
            found = self._nearest(*point)
            if found is not None:
                self.remove_point(index=found[1], split=found[0])
                self._say(f"removed {found[0]} point {found[1]}")
            else:
                label = self.controls["point_class"].value
                self.add_point(*point, label)
                self._say(f"added a training point of class {label} at ({fmt(point[0], 2)}, {fmt(point[1], 2)})")
        except ValueError as error:
            self._say(f"\u26a0 {error}", warning=True)

    def _on_step_click(self, event):
        if self.closed or self.state is None:
            return
        where = self.views["step"].node_at(event)
        if where is None:
            return
        if where[0] == 0:
            self._say("an input has no step: click a hidden or output neuron")
            return
        self.focus_neuron(*where)

    # -- playing ------------------------------------------------------------------

    def play(self):
        """Train continuously on the kernel's event loop until ``pause()``. Returns False where no event
        loop runs (a plain script: use ``run(steps)`` there)."""
        import asyncio

        if self.closed or self.playing:
            return self.playing
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._say("no event loop runs here: use run(steps)", warning=True)
            return False
        import threading

        self.playing = True
        self.controls["play"].disabled, self.controls["pause"].disabled = True, False
        self._show_panel(PANEL_TRAINING)
        self._sync_walk()  # training moves on: the walk of the last step closes
        self._loop_stopped = threading.Event()  # set when the play loop has ended (see pause)
        self._task = loop.create_task(self._play_loop())
        return True

    def pause(self):
        """Stop playing (the current frame stays)."""
        if not self.playing:
            return
        import asyncio

        self.playing = False  # the loop checks this before every step and redraw
        task, self._task = self._task, None
        if task is not None and not task.done():
            try:
                here = asyncio.get_running_loop() is task.get_loop()
            except RuntimeError:
                here = False
            if here:
                task.cancel()
            else:
                # JupyterLab runs widget callbacks (this Pause) on a kernel subshell thread, while the loop may
                # run on the main thread: let it end its step, so the two never train or draw at once
                task.get_loop().call_soon_threadsafe(task.cancel)
                self._loop_stopped.wait(timeout=2.0)
        if not self.closed:
            if self.step_count % self.log_every:
                self._log()
            self._refresh()
            # last: JupyterLab runs widget callbacks on a thread of their own (a kernel subshell), so code in a
            # cell may run meanwhile; once Play is offered again, the history and the picture are final
            self.controls["play"].disabled, self.controls["pause"].disabled = False, True

    def _browser_ready(self):
        """True when a new frame may go: fewer than ``FRAMES_AHEAD`` tokens are unanswered. A token covers
        the ``TOKEN_EVERY`` changes before it, so at most ``FRAMES_AHEAD * TOKEN_EVERY`` changes (4, about a
        sixth of a second) are ever unpainted. Tokens count as lost only once the page has answered nothing
        for a second (a page reloaded or closed); a slow page that still answers holds the kernel back.

        With one frame at a time, the kernel rendered and the page painted in turn (~90 ms a frame here);
        with one more in flight the kernel renders the next frame while the page decodes and paints this
        one. The canvas' browser side paints frames in the order sent and never drops one, so a frame
        sent early is never lost or half shown."""
        ahead = self.FRAMES_AHEAD if isinstance(self._frames, FrameTokens) else 1  # ipympl may drop a frame sent early
        return self._frames.in_flight() < ahead

    async def _play_loop(self):
        """Training steps at the chosen speed; a frame whenever the browser has shown the last one (at
        most 30 a second); the event loop gets a look-in every ~20 ms, so pause and clicks get through."""
        import asyncio
        import time

        started = last = time.perf_counter()
        steps = frames = 0
        credit = 1.0  # steps due: grows with time at the chosen speed, spent by training
        last_frame = -1.0
        try:
            while self.playing and not self.closed:
                now = time.perf_counter()
                rate = PLAYGROUND_SPEEDS[self.controls["speed"].value]
                # at most a tenth of a second's worth waits: a slow moment is not made up for by a burst later
                credit = min(credit + (now - last) * rate, 1.0 + 0.1 * rate)
                last = now
                if credit >= 1:
                    taken = self._advance(int(credit), deadline=now + self.BURST_SECONDS)
                    credit -= taken
                    steps += taken
                    if self.stopped_because:
                        self._say(f"\u26a0 stopped, diverged ({self.stopped_because}); lower the learning rate "
                                  "or reset", warning=True)
                        self._refresh()
                        break
                now = time.perf_counter()
                playing_for = time.perf_counter() - started
                # (counted from Play at the earliest: a token left unanswered before it must not stop it at once)
                unanswered = min(getattr(self._frames, "unanswered_for", lambda: 0.0)(), playing_for)
                if not any(getattr(canvas, "connected", True) for canvas in self.canvases.values()):
                    unanswered = playing_for  # no page has ever shown it
                if unanswered > self.NO_PAGE_PAUSE_S:  # training for nobody: a closed tab must not keep a core busy
                    self._say(f"paused: no page has shown the playground for {unanswered:.0f} s (a closed or hidden "
                              "tab, or not displayed?); press play to go on (or use run(steps))", warning=True)
                    self._task = None  # this task ends here; pause() must not cancel it
                    self.pause()
                    break
                if now - last_frame >= self.FRAME_INTERVAL and self._browser_ready():
                    last_frame = now
                    self._refresh()
                    frames += 1
                    self.frames_drawn += 1
                elapsed = time.perf_counter() - started
                self.play_stats = {"steps": steps, "frames": frames, "seconds": elapsed,
                                   "steps_per_second": steps / elapsed if elapsed else 0.0,
                                   "frames_per_second": frames / elapsed if elapsed else 0.0}
                await asyncio.sleep(0.002)
        except asyncio.CancelledError:
            pass
        except Exception as error:  # never a silent dead task: say why playing stopped
            if not self.closed:
                self._say(f"\u26a0 playing stopped: {type(error).__name__}: {error}", warning=True)
        finally:
            if self.playing and not self.closed:  # stopped by itself (diverged, or an error)
                self.playing = False
                self.controls["play"].disabled, self.controls["pause"].disabled = False, True
            self._loop_stopped.set()

    # -- drawing ------------------------------------------------------------------

    def _show_points(self):
        d = self.data
        how = self.views["data"].set_points(d.x_train, d.labels_train, d.x_test, d.labels_test, d.n_classes,
                                            d.name) if hasattr(self, "views") else None
        return how

    def _rebuild_views(self):
        for kind in ("training", "step"):
            self.views[kind].build(self.net.layer_sizes, self.net.activations)
        self._show_panel(PANEL_TRAINING)
        self._refresh(full=True)

    def _refresh(self, full=False):
        """Every visible view shows the current network: one forward pass over the grid feeds the
        boundary and every neuron's picture."""
        from .playground_views import class_probabilities

        if self.closed:
            return
        try:
            trace = self.grid.forward(self.net)
        except ValueError as error:  # weights so large that the grid's sums overflow: a divergence too
            self.stopped_because = self.stopped_because or f"step {self.step_count}: {error}"
            self.history.stopped_because = self.stopped_because
            self._say(f"\u26a0 stopped, diverged ({self.stopped_because}); lower the learning rate or reset",
                      warning=True)
            if self._last_trace is None:
                raise
            trace = self._last_trace  # the last picture that could be drawn stays
        self._last_trace = trace
        probabilities = class_probabilities(trace.output)
        data_view, training_view = self.views["data"], self.views["training"]
        token = not self.playing or self._untokened + 1 >= self.TOKEN_EVERY
        self._untokened = 0 if token else self._untokened + 1
        with self._frames.batch(token=token):  # at most one token after both views' frames
            data_view.update(probabilities)
            data_view.set_pick(None if self.picked is None else self.data.x_train[self.picked])
            data_view.render("full" if full else "blit")
            how = training_view.update(self.net, self.grid, trace, probabilities, self.history, self.step_count,
                                       self.epoch, stopped=self.stopped_because, batch_losses=self.batch_losses,
                                       note=self.training_note())
            if self.panel == PANEL_TRAINING:
                training_view.render("full" if full else how)
            if self.picked is not None:
                self._update_state()
                self._render_step(how="full" if full else "blit")
        if self.picked is None and self.panel == PANEL_STEP:
            self._show_panel(PANEL_TRAINING)
        self._sync_walk()

    STUCK_STEPS = 100  # the loss at or above chance level this many steps: say so
    WALK_MAX_UNITS = 3  # the lessons' diagram of a 2-4-1 network piles its weight labels up near the inputs

    def walk_refusal(self):
        """Why the current network is too big for "walk it back" (with a smaller one to try), or None."""
        sizes = self.net.layer_sizes
        hidden = sizes[1:-1]
        if hidden and max(hidden) > self.WALK_MAX_UNITS:
            for layers in range(min(len(hidden), WALK_MAX_HIDDEN_LAYERS), 0, -1):
                units = next((u for u in range(self.WALK_MAX_UNITS, 0, -1)
                              if walk_refusal((sizes[0], *[u] * layers, sizes[-1])) is None), None)
                if units is not None:
                    break
            name = "-".join(map(str, sizes))
            plural = "s" if layers > 1 else ""
            return (f"the lessons' diagram of a {name} network would be unreadable: more than "
                    f"{self.WALK_MAX_UNITS} units in a layer; try {layers} hidden layer{plural} of {units} "
                    f"unit{'s' if units > 1 else ''}")
        return walk_refusal(sizes)

    def training_note(self):
        """A gentle word when training fails without diverging ("" when all is well): every hidden ReLU
        outputs 0 on every training point (dead: no gradient reaches them again), or the train loss has stayed
        at or above chance level ln K (the same prediction everywhere) for ``STUCK_STEPS`` steps."""
        net, d = self.net, self.data
        relu = [l for l, act in enumerate(net.activations[:-1]) if act == "relu"]
        if relu and len(relu) == len(net.activations) - 1:
            try:
                trace = net.forward(d.x_train)
            except ValueError:
                trace = None
            if trace is not None:
                dead = [(l, j) for l in relu for j in range(net.layer_sizes[l + 1])
                        if not np.any(trace.z[l][:, j] > 0)]
                if len(dead) == sum(net.layer_sizes[l + 1] for l in relu):
                    return ("dead ReLUs: every hidden unit gives 0\non every training point, so no gradient"
                            "\nreaches them; lower the learning rate\nand reset")
        h = self.history
        chance = math.log(max(2, d.n_classes))
        if h.step and h.step[-1] >= self.STUCK_STEPS:
            recent = [loss for s, loss in zip(h.step, h.train_loss) if s >= h.step[-1] - self.STUCK_STEPS]
            if all(loss >= chance - 0.005 for loss in recent):
                return (f"the train loss has stayed at or above\nchance level ln {max(2, d.n_classes)} = "
                        f"{chance:.3f} for {self.STUCK_STEPS}+ steps;\ntry a smaller learning rate")
        return ""

    def _render_step(self, how="blit"):
        state, i = self.state, self.picked
        if state is None:
            return
        label = int(self.data.labels_train[i])
        x = ", ".join(fmt(v, 2) for v in state.x)
        y_hat = ", ".join(fmt(v, 3) for v in np.ravel(state.y_hat))
        y_hat = y_hat if np.size(state.y_hat) == 1 else f"({y_hat})"
        title = (f"training example #{i}: x = ({x}), class {label}\n"
                 f"forward: \u0177 = {y_hat}, E = {fmt(state.cost, 4)}")
        l2 = self.controls["l2"].value
        batch = self.trainer.batch_size
        note = f"training averages \u2202E/\u2202w over a batch of {batch}"
        note += f" and adds \u2212lr\u00b7{l2:g}\u00b7w (L2)" if l2 else ""
        view = self.views["step"]
        view.update(state, self.focus, title=title, lr_note=note)
        if self.panel == PANEL_STEP:
            view.render(how)

    def _show_panel(self, panel):
        """Show the training view or the step view beside the data."""
        if self.closed:
            return
        self.panel = panel
        if self.controls["panel"].value != panel:
            with self._hold():
                self.controls["panel"].value = panel
        if getattr(self, "widget", None) is None:
            return
        self.canvases["training"].layout.display = "" if panel == PANEL_TRAINING else "none"
        self.canvases["step"].layout.display = "" if panel == PANEL_STEP else "none"
        view = self.views["training" if panel == PANEL_TRAINING else "step"]
        if panel == PANEL_STEP and self.state is not None:
            self._render_step(how="full")
        elif panel == PANEL_TRAINING:
            view.render("full")

    # -- lifecycle and display ----------------------------------------------------

    def close(self):
        """Stop playing and free the widgets and figures."""
        if self.closed:
            return
        self._summary_when_closed = self.summary()
        self.pause()
        self._close_walk()
        self.closed = True
        self._free(self.message, self.walk_slot)

    def _layout(self):
        c = self.controls

        def row(*children):
            return widgets.HBox(list(children), layout=widgets.Layout(flex_flow="row wrap", align_items="center",
                                                                      margin="0 0 2px 0"))

        rows = [
            row(c["data"], c["noise"], c["test_fraction"], widgets.HTML("click on the data:"), c["click_mode"],
                c["point_class"]),
            row(c["hidden_layers"], c["units"], c["activation"], c["lr"], c["batch_size"], c["l2"]),
            row(c["play"], c["pause"], c["step"], c["reset"], c["speed"], widgets.HTML("&nbsp;&nbsp;"),
                c["example"], c["show_step"], c["walk"], widgets.HTML("&nbsp;beside the data:"), c["panel"]),
            self.message,
        ]
        views = widgets.HBox([self.canvases["data"], self.canvases["training"], self.canvases["step"]],
                             layout=widgets.Layout(align_items="flex-start"))
        box = widgets.VBox([*rows, views, self.walk_slot])
        box.add_class("backprop-playground")
        if self.style.name == "projector":
            box.add_class("backprop-projector")
            size = round(self.style.font_size * 96 / 72 * 0.8)  # points to CSS pixels; the controls are many
            style_sheet = widgets.HTML(
                f"<style>.backprop-projector .widget-label, .backprop-projector .widget-html-content, "
                f".backprop-projector button, .backprop-projector select, .backprop-projector input, "
                f".backprop-projector .widget-readout {{font-size: {size}px !important;}} "
                f".backprop-projector .widget-inline-hbox, .backprop-projector .widget-button, "
                f".backprop-projector .widget-dropdown, .backprop-projector .widget-toggle-button "
                f"{{min-height: {round(size * 1.6)}px !important;}}</style>"
            )
            box.children = (*box.children, style_sheet)
            for control in self.controls.values():
                if control.layout.width and control.layout.width.endswith("px"):
                    control.layout.width = f"{round(int(control.layout.width[:-2]) * PROJECTOR_SCALE)}px"
        return box

    def summary(self):
        """A plain-text account (deterministic: no timing, no ids)."""
        if self.closed:
            return "Closed p" + self._summary_when_closed[1:]
        d = self.data
        sizes = "-".join(map(str, self.net.layer_sizes))
        batch = self.controls["batch_size"].value
        lines = [
            f"Playground: {d.name} ({d.n_train} training, {d.n_test} test points, noise "
            f"{self.controls['noise'].value:.2f}); network {sizes}, {self.controls['activation'].value}; "
            f"lr {self.controls['lr'].value:.3g}, batch {'all' if batch is None else batch}, "
            f"L2 {self.controls['l2'].value:g}",
        ]
        last = self.history.last() if len(self.history) else None
        if last is not None:
            lines.append(f"  step {self.step_count} (epoch {self.epoch:.1f}): train loss {fmt(last['train_loss'], 4)}, "
                         f"accuracy {last['train_accuracy']:.1%}; test loss {fmt(last['test_loss'], 4)}, "
                         f"accuracy {last['test_accuracy']:.1%}")
        if self.stopped_because:
            lines.append(f"  stopped: {self.stopped_because}")
        elif self.training_note():
            lines.append("  note: " + self.training_note().replace("\n", " "))
        if self.picked is not None:
            lines.append(f"  picked training example #{self.picked}")
        return "\n".join(lines)

    def to_png(self):
        """The data view and the panel in view, side by side, as one PNG (bytes); the walk below them when
        one is shown."""
        if self.closed:
            raise ValueError("self: this playground is closed; make a new one")
        panel = self.views["training" if self.panel == PANEL_TRAINING else "step"]
        if self.walk is not None and not self.walk.closed:
            return compose_png([[self.views["data"], panel], [self.walk.views["network"], self.walk.views["slice"]]])
        return compose_png([self.views["data"], panel])

