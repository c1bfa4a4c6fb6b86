"""The live explorer: sliders for every weight, input, target and the learning rate, wired to the
views of draw.py on ipympl canvases.

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
import itertools
import struct
import sys
import time
import zlib

import ipywidgets as widgets
import numpy as np
from ipympl.backend_nbagg import Canvas, FigureManager
from matplotlib.backends.backend_agg import FigureCanvasAgg

from . import style as _style
from .draw import VIEW_KINDS, NetworkView, StepsView, SurfaceView, compose_png, compute_state, fmt
from .network import Network, parameter_names, set_parameter

__all__ = ["Explorer", "FastCanvas", "encode_png"]

_figure_numbers = itertools.count(1)


_ZERO_BLOCKS = {}  # length -> raw deflate bytes of that many zero bytes, ending at a full flush


def _zero_block(length):
    block = _ZERO_BLOCKS.get(length)
    if block is None:
        compressor = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
        block = compressor.compress(bytes(length)) + compressor.flush(zlib.Z_FULL_FLUSH)
        if len(_ZERO_BLOCKS) > 512:
            _ZERO_BLOCKS.clear()
        _ZERO_BLOCKS[length] = block
    return block


def encode_png(rgba, changed_rows=None):
    """PNG bytes of an (h, w, 4) uint8 array, quickly.

    ipympl sends "diff" frames: the changed pixels, every other pixel transparent black. Runs of
    rows with no change (``changed_rows`` False) are all zeros, and their compressed form is
    cached; only the other rows go through zlib (level 1, run-length strategy, "Sub" row filter).
    The result is an ordinary PNG that any decoder reads.
    """
    height, width, _ = rgba.shape
    if changed_rows is None:
        changed_rows = np.ones(height, dtype=bool)
    # PNG row filter "Sub" (each byte minus the same byte of the pixel to its left): smooth colours
    # and runs become runs of small numbers, which compress 2-3x better; an all-zero row stays all
    # zero and is marked filter "None", so the cached zero blocks still fit it.
    flat = rgba.reshape(height, width * 4)
    rows = np.empty((height, width * 4 + 1), dtype=np.uint8)
    rows[:, 0] = changed_rows
    rows[:, 1:5] = flat[:, :4]
    np.subtract(flat[:, 4:], flat[:, :-4], out=rows[:, 5:])
    edges = np.flatnonzero(np.diff(changed_rows.astype(np.int8))) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [height]])

    compressor = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_RLE)  # raw deflate: we add the zlib frame
    parts = [b"\x78\x01"]
    adler = 1
    for start, stop in zip(starts, stops):
        chunk = rows[start:stop]
        if changed_rows[start]:
            parts.append(compressor.compress(chunk))
            parts.append(compressor.flush(zlib.Z_FULL_FLUSH))  # later blocks never refer back past here
            adler = zlib.adler32(chunk, adler)
        else:
            parts.append(_zero_block(chunk.size))
            a, b = adler & 0xFFFF, adler >> 16  # Adler-32 over zeros: a stays, b grows by a per byte
            adler = (((b + chunk.size * a) % 65521) << 16) | a
    parts.append(compressor.flush(zlib.Z_FINISH))
    parts.append(struct.pack(">I", adler))

    def chunk_bytes(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk_bytes(b"IHDR", header) + chunk_bytes(b"IDAT", b"".join(parts))
            + chunk_bytes(b"IEND", b""))


class _FrameLedger:
    """Which frames the browser of one explorer may not have shown yet.

    ipympl's browser side shows a frame by loading it into an image, and a frame that arrives while
    the previous one of the same canvas is still loading replaces it. So frames go out at once, and
    each is a diff that covers every pixel changed since the last frame known to be shown: a skipped
    frame then loses nothing (no ghost digits). What is known to be shown comes from one "draw"
    event (a token) sent after a burst of frames (one control change moves all views): the browser
    answers it once it has processed every frame sent before it. A frame counts as shown only after
    the *next* answer too, which leaves its image a whole round trip to load. One token at a time.

    The lead canvas (the explorer's first view) goes first: in a change, the other canvases' frames
    wait for the answer to the lead's token. The browser decodes a frame only when it is done with the
    messages in front of it, and handling a frame there costs ~10 ms (ipympl re-encodes the previous
    picture), so the lead is shown sooner when the others come after it. Under fast moves the others
    are thereby sent at the pace of the browser's answers.
    """

    LOST_AFTER_S = 5.0  # a token unanswered this long went to a page that is gone (reload, no browser)

    def __init__(self):
        self.count = 0  # frames and tokens, numbered in the order they were sent
        self.token = None  # (number, canvas, time sent) of the draw event awaiting its answer
        self.answered_numbers = (0, 0)  # the last two answered tokens, older first
        self.unannounced = None  # the canvas of the last frame that no token follows yet
        self.batching = 0
        self.lead = None  # a canvas whose frames never wait (None: no canvas waits)
        self.held = {}  # canvases with a rendered frame waiting for the lead's answer (an ordered set)

    @property
    def shown(self):
        """Frames numbered up to this are on screen for sure."""
        return self.answered_numbers[0]

    def number(self):
        self.count += 1
        return self.count

    def may_send(self, canvas):
        """False: hold the frame until the next answer (a lead frame of this change, or a token, is out)."""
        self._forget_lost_token()
        if self.lead is None or canvas is self.lead or canvas.syncing_data_url:
            return True
        if self.token is None and self.unannounced is not self.lead:
            return True
        self.held[canvas] = True
        return False

    def frame_sent(self, canvas):
        self.unannounced = canvas
        if not self.batching:
            self.announce()

    def _forget_lost_token(self):
        if self.token is not None and time.monotonic() - self.token[2] > self.LOST_AFTER_S:
            self.token = None  # frames stay unconfirmed; the next token confirms them

    def announce(self):
        self._forget_lost_token()
        canvas = self.unannounced
        if self.token is None and canvas is not None and not canvas.syncing_data_url:
            self.unannounced = None
            # right after the canvas' own frame, so its browser side answers (it stays silent to a
            # draw event that comes after its own answer and before a new frame)
            self.token = (self.number(), canvas, time.monotonic())
            canvas.send_event("draw")

    def answer(self, canvas):
        if self.token is None or self.token[1] is not canvas:
            return  # not an answer to our token (another page on the same kernel): ignore
        self.answered_numbers = (self.answered_numbers[1], self.token[0])
        self.token = None
        held, self.held = list(self.held), {}
        with self.batch():
            for waiting in held:
                waiting.send_frame()

    @contextlib.contextmanager
    def batch(self):
        """Frames sent inside go out at once; the token follows the last of them."""
        self.batching += 1
        try:
            yield
        finally:
            self.batching -= 1
            if not self.batching:
                self.announce()


class FastCanvas(Canvas):
    """ipympl's canvas, sending frames at once, as diffs that survive skipped frames, with a faster
    encoder.

    A rendered frame (``draw`` or ``blit``) is encoded and sent immediately; a frame with no change
    is not sent. See ``_FrameLedger`` for why that is safe and how frames are confirmed. matplotlib's
    ``draw_idle`` (after the browser's refresh, a resize, a new pixel ratio) renders and sends a full
    frame at once, instead of asking the browser to ask back. Canvases of one explorer share a ledger
    (``canvas.ledger``); a lone canvas has its own.

    ``get_diff_image`` follows matplotlib's WebAgg implementation (full frame first and after any
    transparency or resize, otherwise only changed pixels, the rest transparent), encoded by
    ``encode_png``. The data URL kept for pages without a kernel gets its "data:" prefix, which
    ipympl 0.10 leaves off when it updates it after a draw.
    """

    _ledger = None
    _unshown = ()  # (number, changed pixels or None for a full frame) of frames perhaps not shown yet

    @property
    def ledger(self):
        if self._ledger is None:
            self._ledger = _FrameLedger()
        return self._ledger

    @ledger.setter
    def ledger(self, ledger):
        self._ledger = ledger

    def draw(self):
        FigureCanvasAgg.draw(self)  # fires draw_event: the views keep their backgrounds, paint the rest
        self._frame_ready()

    def draw_idle(self):
        # matplotlib's "draw when you can" comes after the browser's refresh (first show, page reload,
        # resize) or a new pixel ratio: the browser waits for this frame, so it never waits for a token
        FigureCanvasAgg.draw(self)
        self.send_frame()

    def blit(self, bbox=None):
        self._frame_ready()

    def _frame_ready(self):
        self._png_is_old = True
        if self.ledger.may_send(self):
            self.manager.refresh_all()

    def send_frame(self):
        """Send what the buffer holds now (a frame held back by the ledger)."""
        self._png_is_old = True
        self.manager.refresh_all()

    def _handle_message(self, object, content, buffers):
        super()._handle_message(object, content, buffers)
        if content["type"] == "initialized":  # a browser is there: confirm the frames it got meanwhile
            self.ledger.unannounced = self
            self.ledger.announce()

    def handle_draw(self, event):
        # Only ever the browser's answer to a token: this canvas never asks the browser to ask back.
        self.ledger.answer(self)

    def get_diff_image(self):
        if not self._png_is_old:
            return None
        self._png_is_old = False
        pixels = np.asarray(self.get_renderer().buffer_rgba())
        buffer = pixels.view(np.uint32).squeeze(2)
        if sys.byteorder == "little":  # RGBA bytes read as one uint32: alpha is the top byte
            transparent = bool((buffer < 0xFF000000).any())
        else:
            transparent = bool((pixels[:, :, 3] != 255).any())
        shown = self.ledger.shown
        unshown = [(number, mask) for number, mask in self._unshown if number > shown]
        # What this frame changes, or None when a diff cannot say it (new size, transparency)
        expressible = buffer.shape == self._last_buff.shape and not transparent
        changed = buffer != self._last_buff if expressible else None
        if self._force_full or changed is None or any(mask is None for _, mask in unshown):
            self.set_image_mode("full")
            output, covered_rows = buffer, None
        else:
            if not changed.any():
                # Nothing new: the last frame sent shows this already, and no later frame can replace it.
                self._unshown = unshown
                return None
            self.set_image_mode("diff")
            covered = changed
            for _, mask in unshown:
                covered = covered | mask  # the pixels of frames the browser may have skipped
            output = buffer * covered  # other pixels become 0: transparent, "keep what is there"
            covered_rows = covered.any(axis=1)
        unshown.append((self.ledger.number(), changed))
        if len(unshown) > 8:  # a long burst before an answer: keep one union, numbered as its newest
            masks = [mask for _, mask in unshown]
            union = None if any(m is None for m in masks) else np.logical_or.reduce(masks)
            unshown = [(unshown[-1][0], union)]
        self._unshown = unshown
        self._last_buff = buffer.copy()
        self._force_full = False
        return encode_png(output.view(np.uint8).reshape((*output.shape, 4)), covered_rows)

    def send_binary(self, data):
        if self.syncing_data_url:  # no browser has connected yet: keep the picture for static pages
            frame = self._last_buff.view(np.uint8).reshape((*self._last_buff.shape, 4))
            self._data_url = "data:image/png;base64," + base64.b64encode(encode_png(frame)).decode("ascii")
        self.send({"data": '{"type": "binary"}'}, buffers=[data])
        self.ledger.frame_sent(self)


def _attach_canvas(figure, canvas_class=None):
    """Give ``figure`` an ipympl canvas (a widget) without going through pyplot."""
    canvas = (canvas_class or FastCanvas)(figure)
    FigureManager(canvas, next(_figure_numbers))  # the manager sends each rendered frame to the browser
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.toolbar_visible = False
    canvas.resizable = False
    return canvas


def _slider_limits(value, low=-4.0, high=4.0):
    return min(low, np.floor(value) - 1.0), max(high, np.ceil(value) + 1.0)


class Explorer:
    """Sliders for a small network, and live views of what they change.

    Parameters
    ----------
    net : Network
    x, y : one example (``x`` of shape (n_in,), ``y`` of shape (n_out,))
    lr : learning rate for "take a step"
    views : any of "network", "surface", "steps", in the order given
    surface_weights : the two weights on the cost surface's axes (default: the last two weights,
        w5 and w6 for the office-hours net)
    numbering : "by_sender" (office-hours) or "by_receiver", see ``parameter_names``
    show_gradients : write dE/dw on the network's edges
    style : a name from ``helpers.style.STYLES``; default: the style in use. "projector" also
        enlarges the controls' text.

    Attributes
    ----------
    controls : {name: widget}: w1.., b1_1.., x1.., y (single output only), lr, "step", "reset",
        "surface_x", "surface_y"
    state : the current ``draw.State``
    figures : {view kind: matplotlib Figure}
    views : {view kind: the draw.py view}
    widget : the ipywidgets box that is displayed
    """

    def __init__(self, net, x, y, lr, views=VIEW_KINDS, surface_weights=None, numbering="by_sender",
                 show_gradients=True, style=None):
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
        if style is not None:
            if style not in _style.STYLES:
                raise ValueError(f"style: expected one of {sorted(_style.STYLES)}, got {style!r}")
            style = _style.STYLES[style]
        self.style = style or _style.current()

        self.names = parameter_names(net, numbering)
        weight_names = [name for name, where in self.names.items() if where[0] == "weight"]
        if surface_weights is None:
            surface_weights = tuple(weight_names[-2:])
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

        x = np.array(x, dtype=float)
        y = np.array(y, dtype=float)
        n_in, n_out = net.layer_sizes[0], net.layer_sizes[-1]
        if x.shape != (n_in,):  # the views show one example: a batch has no single a, z or y_hat to draw
            raise ValueError(f"x: expected one example of shape ({n_in},), got shape {x.shape}")
        if y.size != n_out or y.ndim > 1:
            raise ValueError(f"y: expected one target of shape ({n_out},), got shape {y.shape}")
        y = y.reshape(n_out)
        self._initial = (net, x.copy(), y.copy(), float(lr), surface_weights)
        self._net, self._x, self._y, self._lr = net, x.copy(), y.copy(), float(lr)
        self._holding = False
        self._exact = {}  # slider name -> the exact value the explorer last gave it (see _is_browser_rounding)
        self.state = compute_state(net, x, y, lr, self.names)  # raises ValueError on bad x, y, lr

        self.views = {}
        for kind in views:
            if kind == "network":
                self.views[kind] = NetworkView(self.state, show_gradients=show_gradients, style=style)
            elif kind == "surface":
                limits = {name: _slider_limits(self.state.values[name]) for name in surface_weights}
                self.views[kind] = SurfaceView(self.state, surface_weights, limits=limits, style=style)
            else:
                self.views[kind] = StepsView(self.state, style=style)
        self.figures = {kind: view.figure for kind, view in self.views.items()}
        self.canvases = {kind: _attach_canvas(figure) for kind, figure in self.figures.items()}
        self._frames = _FrameLedger()  # one browser round trip per change for all views, not one per view
        for canvas in self.canvases.values():
            canvas.ledger = self._frames
        self._frames.lead = self.canvases[views[0]]  # the first view is shown first
        for view in self.views.values():
            view.render("full")

        self.controls = self._build_controls(surface_weights, weight_names)
        self._exact = {name: control.value for name, control in self.controls.items()
                       if isinstance(control, (widgets.FloatSlider, widgets.FloatLogSlider))}
        self.widget = self._layout()

    # -- controls ---------------------------------------------------------------

    def _build_controls(self, surface_weights, weight_names):
        controls = {}
        slider_style = {"description_width": "3.2em"}
        slider_layout = widgets.Layout(width="330px")
        # Readouts show two decimals: the browser shows a value rounded to the slider's 0.01 grid (an
        # arrow key moves one step); the views show the exact values.
        for name in self.names:
            low, high = _slider_limits(self.state.values[name])
            controls[name] = widgets.FloatSlider(
                value=self.state.values[name], min=low, max=high, step=0.01, description=name,
                readout_format=".2f", continuous_update=True, style=slider_style, layout=slider_layout,
            )
        for i, value in enumerate(self._x):
            low, high = _slider_limits(value, -2.0, 2.0)
            controls[f"x{i + 1}"] = widgets.FloatSlider(
                value=value, min=low, max=high, step=0.01, description=f"x{i + 1}", readout_format=".2f",
                style=slider_style, layout=slider_layout,
            )
        if self._y.size == 1:  # several targets would need several sliders; single-output nets only
            if self._net.activations[-1] == "sigmoid":
                low, high = 0.0, 1.0  # a sigmoid output (and the logistic cost) can only reach [0, 1]
            else:
                low, high = _slider_limits(float(self._y.ravel()[0]), -2.0, 2.0)
            controls["y"] = widgets.FloatSlider(
                value=float(self._y.ravel()[0]), min=low, max=high, step=0.01, description="y",
                readout_format=".2f", style=slider_style, layout=slider_layout,
            )
        exponent = np.log10(self._lr)
        controls["lr"] = widgets.FloatLogSlider(
            value=self._lr, base=10, min=min(-3.0, np.floor(exponent)), max=max(1.0, np.ceil(exponent)), step=0.05,
            description="lr", readout_format=".3g", style=slider_style, layout=slider_layout,
        )
        button_layout = widgets.Layout(width="auto", padding="0 14px")  # as wide as the (possibly large) text
        controls["step"] = widgets.Button(description="take a step", button_style="primary", icon="arrow-down",
                                          tooltip="w \u2190 w \u2212 lr \u00b7 \u2202E/\u2202w for every weight",
                                          layout=button_layout)
        controls["reset"] = widgets.Button(description="reset", icon="undo", tooltip="back to the starting values",
                                           layout=button_layout)
        dropdown_layout = widgets.Layout(width="auto")
        controls["surface_x"] = widgets.Dropdown(options=weight_names, value=surface_weights[0],
                                                 description="across", layout=dropdown_layout,
                                                 style={"description_width": "3.6em"})
        controls["surface_y"] = widgets.Dropdown(options=weight_names, value=surface_weights[1], description="up",
                                                 layout=dropdown_layout, style={"description_width": "3.6em"})

        for name, control in controls.items():
            if isinstance(control, widgets.Button):
                continue
            control.observe(self._on_change(name), names="value")
        controls["step"].on_click(lambda _button: self.take_step())
        controls["reset"].on_click(lambda _button: self.reset())
        return controls

    def _on_change(self, name):
        def handler(change):
            if self._holding:
                return
            control = self.controls[name]
            if self._is_browser_rounding(control, change["new"], self._exact.get(name)):
                return  # the state keeps the exact value; the slider shows it rounded to its step
            if name in self._exact:
                self._exact[name] = change["new"]
            with self._frames.batch():
                self._apply(name, change["old"], change["new"])

        return handler

    @staticmethod
    def _is_browser_rounding(control, new, exact):
        """True when the browser sent back a value the kernel set, only rounded to the slider's step.

        ipywidgets' slider snaps a value the kernel sets (0.1087 after a step) to its step (0.11) and,
        with continuous_update, sends the snapped value back. A person's move is a whole step or
        more; the echo is less than half a step from the value the kernel set.
        """
        if exact is None or "value" not in getattr(control, "_property_lock", {}):
            return False  # set from Python (a test, a lesson, the explorer itself): always real
        if isinstance(control, widgets.FloatLogSlider):
            distance = abs(np.log10(new) - np.log10(exact)) if new > 0 and exact > 0 else np.inf
        else:
            distance = abs(new - exact)
        return distance <= control.step / 2 + 1e-12

    def _apply(self, name, old, new):
        """A person moved one control: update the model, then every view once."""
        if name in self.names:
            self._net = set_parameter(self._net, self.names[name], new)
            self._clear_path()
        elif name.startswith("x") and name[1:].isdigit():
            self._x = self._x.copy()
            self._x[int(name[1:]) - 1] = new
            self._clear_path()
        elif name == "y":
            self._y = np.full_like(self._y, new)
            self._clear_path()
        elif name == "lr":
            self._lr = float(new)
        elif name in ("surface_x", "surface_y"):
            other = self.controls["surface_y" if name == "surface_x" else "surface_x"]
            if other.value == new:  # picking the other axis' weight swaps the two
                with self._hold():
                    other.value = old
            pair = (self.controls["surface_x"].value, self.controls["surface_y"].value)
            if "surface" in self.views:
                limits = {w: (self.controls[w].min, self.controls[w].max) for w in pair}
                self.views["surface"].render(self.views["surface"].set_pair(self.state, pair, limits))
            return
        self._refresh()

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

    def _refresh(self, full=False):
        self.state = compute_state(self._net, self._x, self._y, self._lr, self.names)
        for view in self.views.values():
            how = view.update(self.state)
            view.render("full" if full else how)

    # -- actions ----------------------------------------------------------------

    def take_step(self):
        """One gradient-descent step: every weight moves by -lr dE/dw; the sliders follow."""
        with self._frames.batch():
            self._take_step()

    def _take_step(self):
        if "surface" in self.views:
            self.views["surface"].record_step(self.state)
        next_net = self.state.next_net
        with self._hold():
            for name, value in self.state.new_values.items():
                self._set_slider(name, value)
        self._net = next_net  # exactly the stepped network, whatever the sliders rounded
        self._refresh()

    def reset(self):
        """Back to the network, example, learning rate and surface axes the explorer started with."""
        with self._frames.batch():
            self._reset()

    def _reset(self):
        net, x, y, lr, pair = self._initial
        self._net, self._x, self._y, self._lr = net, x.copy(), y.copy(), lr
        start = compute_state(net, x, y, lr, self.names)
        with self._hold():
            for name, value in start.values.items():
                self._set_slider(name, value)
            for i, value in enumerate(x):
                self._set_slider(f"x{i + 1}", float(value))
            if "y" in self.controls:
                self._set_slider("y", float(y.ravel()[0]))
            self.controls["lr"].value = lr
            self._exact["lr"] = lr
            self.controls["surface_x"].value, self.controls["surface_y"].value = pair
        if "surface" in self.views:  # back to the starting axes, colour scale and an empty path
            limits = {w: (self.controls[w].min, self.controls[w].max) for w in pair}
            self.views["surface"].set_pair(start, pair, limits)
        self._refresh(full=True)

    # -- display ----------------------------------------------------------------

    def _layout(self):
        heading = widgets.HTML
        weights = [self.controls[name] for name in self.names]
        inputs = [self.controls[f"x{i + 1}"] for i in range(self._x.size)]
        inputs += [self.controls["y"]] if "y" in self.controls else []
        column = [heading("<b>weights</b>"), *weights, heading("<b>example</b>"), *inputs,
                  heading("<b>learning</b>"), self.controls["lr"],
                  widgets.HBox([self.controls["step"], self.controls["reset"]])]
        if "surface" in self.views:
            column += [heading("<b>cost surface axes</b>"),
                       widgets.HBox([self.controls["surface_x"], self.controls["surface_y"]])]
        controls = widgets.VBox(column, layout=widgets.Layout(margin="0 12px 0 0"))
        wrap = widgets.Layout(flex_flow="row wrap", align_items="flex-start")
        top = [self.canvases[k] for k in ("network", "surface") if k in self.canvases]
        bottom = [controls] + [self.canvases[k] for k in ("steps",) if k in self.canvases]
        rows = ([widgets.HBox(top, layout=wrap)] if top else []) + [widgets.HBox(bottom, layout=wrap)]
        box = widgets.VBox(rows)
        if self.style.name == "projector":
            # ipywidgets has no font size for sliders; a scoped style sheet makes the controls as
            # readable from the back row as the views
            box.add_class("backprop-projector")
            size = round(self.style.font_size * 96 / 72)  # points to CSS pixels
            rows.append(widgets.HTML(
                f"<style>.backprop-projector .widget-label, .backprop-projector .widget-readout, "
                f".backprop-projector .widget-html-content, .backprop-projector button, "
                f".backprop-projector select {{font-size: {size}px !important; line-height: 1.4 !important;}} "
                f".backprop-projector .widget-inline-hbox, .backprop-projector .widget-button, "
                f".backprop-projector .widget-dropdown {{min-height: {round(size * 1.8)}px !important;}}</style>"
            ))
            box.children = rows
        return box

    def summary(self):
        """A plain-text account of the current state (deterministic: no ids, no addresses)."""
        s = self.state
        sizes = "-".join(map(str, self._net.layer_sizes))
        parameters = ", ".join(f"{name} = {fmt(value)}" for name, value in s.values.items())
        inputs = ", ".join(fmt(v, 2) for v in s.x.ravel())
        targets = ", ".join(fmt(v, 2) for v in s.y.ravel())
        outputs = ", ".join(fmt(v, 4) for v in np.ravel(s.y_hat))
        lines = [
            f"Explorer of a {sizes} network; views: {', '.join(self.views)}",
            f"  {parameters}",
            f"  x = ({inputs}), y = ({targets}), lr = {s.lr:.4g}",
            f"  y_hat = ({outputs}), E = {fmt(s.cost, 4)}; after one step E = {fmt(s.next_cost, 4)}",
        ]
        if "surface" in self.views:
            lines.append("  cost surface over ({}, {})".format(*self.views["surface"].pair))
        return "\n".join(lines)

    def __repr__(self):
        return self.summary()

    def to_png(self):
        """The views' current frames as one PNG (bytes), arranged as in the widget."""
        rows = [[self.views[k] for k in ("network", "surface") if k in self.views],
                [self.views[k] for k in ("steps",) if k in self.views]]
        return compose_png([row for row in rows if row])  # laid out like the widget

    def _repr_mimebundle_(self, **kwargs):
        # The widget view for a live kernel, a PNG for pages without one, and plain text for nbval.
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.summary()
        bundle["image/png"] = base64.b64encode(self.to_png()).decode("ascii")
        return bundle
