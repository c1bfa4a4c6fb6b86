"""The explorer's three views, drawn with matplotlib: built once, then updated in place.

    state = compute_state(net, x, y, lr)            # forward, gradients, cost and one step, once per change
    view = NetworkView(state)                       # or SurfaceView(state, ("w5", "w6")), StepsView(state)
    view.render(view.update(new_state))             # mutate artists, then blit (a full draw only when the
                                                    # axes themselves change)

Every value-dependent artist is *animated*: a full draw paints the static parts (frames, axes, the
colour bar's gradient) and keeps them as a background; later changes restore that background and
paint only the animated artists on top (blitting). Between the two, a view may keep a middle layer
(the cost surface's colours) that is repainted only when it changes. Changing labels are GlyphText
artists, which stamp cached glyph bitmaps instead of laying out text anew. Together that keeps a
slider move to a few milliseconds of drawing. Views read sizes and colours from ``helpers.style``
and never import ipywidgets.
"""

from __future__ import annotations

import io
import itertools
import math
import weakref
from dataclasses import dataclass, field

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Polygon
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import ScaledTranslation

from . import style as _style
from .network import Gradients, Network, Trace, cost_surface, get_parameter, parameter_names

__all__ = [
    "NetworkView",
    "State",
    "StepsView",
    "SurfaceView",
    "VIEW_KINDS",
    "compose_png",
    "compute_state",
    "fmt",
    "node_labels",
]

VIEW_KINDS = ("network", "surface", "steps")
MINUS = "\u2212"  # a real minus sign: same width as a digit, unlike the hyphen


def fmt(value, digits=3, sign=False):
    """A number rounded for display, with a typographic minus (and a + when ``sign``).

    Non-finite values are written out ("NaN", "inf", "\u2212inf"), so a view never shows garbage."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return (("+" if sign else "") + "inf") if value > 0 else MINUS + "inf"
    if abs(value) >= 1e5:  # hundreds of digits help nobody: 7.429e+155
        return (f"{value:+.{digits}e}" if sign else f"{value:.{digits}e}").replace("-", MINUS)
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    if float(text.replace("+", "")) == 0:  # never show -0.000
        text = text.replace("-", "+" if sign else "")
    return text.replace("-", MINUS)


# ---------------------------------------------------------------------------
# The state every view reads
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """Everything the views show, computed once per change (full precision; views round)."""

    net: Network
    x: np.ndarray
    y: np.ndarray
    lr: float | None  # None: the lesson has not taught steps yet, so there are no next_* values
    names: dict  # {name: where} from parameter_names, in slider order
    trace: Trace
    gradients: Gradients
    cost: float
    next_net: Network | None  # after one gradient-descent step (None: no lr, or no step possible)
    next_trace: Trace | None
    next_cost: float | None
    values: dict = field(default_factory=dict)  # {name: value}
    grads: dict = field(default_factory=dict)  # {name: dE/dname}
    changes: dict = field(default_factory=dict)  # {name: -lr dE/dname}
    new_values: dict = field(default_factory=dict)  # {name: value after the step}
    step_problem: str | None = None  # why no step could be taken here (e.g. it would overflow)

    @property
    def y_hat(self):
        return self.trace.output

    @property
    def next_y_hat(self):
        return None if self.next_trace is None else self.next_trace.output

    @property
    def has_step(self):
        return self.next_net is not None


def compute_state(net, x, y, lr, names=None, numbering="by_sender"):
    """Forward pass, gradients, cost and (when ``lr`` is given) one step of ``net`` on (x, y).

    Raises ValueError (naming the argument) for input the network refuses. A step that the network
    refuses (say, one that would overflow at a huge lr) is no error here: the state then has no
    next_* values and ``step_problem`` says why, so the views can say so and the explorer goes on.
    """
    if names is None:
        names = parameter_names(net, numbering)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    gradients = net.gradients(x, y)
    values = {name: get_parameter(net, where) for name, where in names.items()}
    grads = {}
    for name, (kind, layer, row, col) in names.items():
        grads[name] = float(gradients.weights[layer][row, col] if kind == "weight" else gradients.biases[layer][row])
    next_net = next_trace = next_cost = None
    new_values, changes, step_problem = {}, {}, None
    if lr is not None:
        try:
            next_net = net.step(x, y, lr)
            next_trace, next_cost = next_net.forward(x), next_net.cost(x, y)
        except ValueError as error:
            next_net = next_trace = next_cost = None
            step_problem = str(error)
        else:
            new_values = {name: get_parameter(next_net, where) for name, where in names.items()}
            changes = {name: new_values[name] - values[name] for name in names}
    return State(
        net=net,
        x=x,
        y=y,
        lr=None if lr is None else float(lr),
        names=dict(names),
        trace=net.forward(x),
        gradients=gradients,
        cost=net.cost(x, y),
        next_net=next_net,
        next_trace=next_trace,
        next_cost=next_cost,
        values=values,
        grads=grads,
        changes=changes,
        new_values=new_values,
        step_problem=step_problem,
    )


def node_labels(layer_sizes):
    """Names of every neuron: inputs x1.., then (a_k, z_k) numbered across the network as in the
    office-hours diagram (a1, z1, a2, z2 hidden; a3, y_hat out for a 2-2-1 net). Outputs are y_hat
    (or y_hat1, y_hat2, ... for several)."""
    inputs = [f"x{i + 1}" for i in range(layer_sizes[0])]
    layers = []
    count = 0
    for l, size in enumerate(layer_sizes[1:]):
        is_output = l == len(layer_sizes) - 2
        names = []
        for j in range(size):
            count += 1
            z_name = ("\u0177" if size == 1 else f"\u0177{j + 1}") if is_output else f"z{count}"
            names.append((f"a{count}", z_name))
        layers.append(names)
    return inputs, layers


# ---------------------------------------------------------------------------
# Fast text: glyph bitmaps rendered once, then stamped
# ---------------------------------------------------------------------------

# matplotlib lays out and rasterises every glyph of every Text on every draw (about 1 ms for a
# 16-character label here); the views repaint ~45 numbers per slider move. GlyphText keeps each
# glyph's bitmap (per font, size, dpi, angle and quarter-pixel offset) and stamps it into the Agg
# buffer, which is ~10x faster. Kerning is ignored (the labels are digits and short names).
_GLYPHS = {}  # (font id, size, dpi, glyph index, angle, fx, fy) -> (alpha bitmap, left, top)
_CHARS = {}  # (font key, char) -> (ft font, glyph index, advance in pixels)
_METRICS = {}  # font key -> (line height, descent) in pixels
_GCS = weakref.WeakKeyDictionary()  # renderer -> a graphics context for stamping text


def _glyph_api_available():
    # The per-glyph calls below are matplotlib's own (backend_agg draws text with them since 3.11);
    # they are private, so any other matplotlib falls back to ordinary Text.
    from matplotlib import ft2font
    from matplotlib.backends.backend_agg import RendererAgg

    return (all(hasattr(ft2font.FT2Font, name) for name in ("_layout", "_set_transform", "_render_glyph"))
            and hasattr(ft2font, "RenderMode") and hasattr(RendererAgg, "_prepare_font"))


FAST_TEXT = _glyph_api_available()


def _agg_fast_path(renderer):
    from matplotlib.backends.backend_agg import RendererAgg

    return FAST_TEXT and isinstance(renderer, RendererAgg)


class GlyphText(Artist):
    """A text label that is cheap to redraw: ``set_text``, ``get_text``, ``set_color`` like a Text.

    Supports ``ha`` (left, center, right), ``va`` (top, center, bottom, baseline), several lines,
    and a rotation about the anchor (in display degrees). Other renderers (PDF, SVG) get an
    ordinary matplotlib Text with the same properties.
    """

    def __init__(self, x, y, text="", *, fontsize, color, ha="center", va="center", rotation=0.0, linespacing=1.25,
                 fontweight="normal", transform=None, zorder=3, visible=True):
        super().__init__()
        self._x, self._y, self._text, self._color = x, y, text, color
        self.ha, self.va, self.rotation, self.linespacing = ha, va, float(rotation), linespacing
        self.font = FontProperties(size=fontsize, weight=fontweight)
        if transform is not None:
            self.set_transform(transform)
        self.set_zorder(zorder)
        self.set_visible(visible)
        self._last_signature = None
        self._last_mask = None

    def get_text(self):
        return self._text

    def set_text(self, text):
        self._text = str(text)
        self.stale = True

    def get_color(self):
        return self._color

    def set_color(self, color):
        self._color = color
        self.stale = True

    def get_position(self):
        return self._x, self._y

    def set_position(self, xy):
        self._x, self._y = xy
        self.stale = True

    def get_fontsize(self):
        return self.font.get_size_in_points()

    def _as_text(self):
        return Text(self._x, self._y, self._text, fontproperties=self.font, color=self._color, ha=self.ha,
                    va=self.va, rotation=self.rotation, rotation_mode="anchor", linespacing=self.linespacing,
                    transform=self.get_transform(), figure=self.get_figure(root=False))

    def _font_key(self, renderer):
        return (self.font.get_file() or self.font.get_weight(), self.font.get_size_in_points(), renderer.dpi)

    def _char(self, renderer, key, char):
        info = _CHARS.get((key, char))
        if info is None:
            from matplotlib.backends.backend_agg import get_hinting_flag

            font = renderer._prepare_font(self.font)
            # One character alone: laid out in pairs, "ff" or "fi" (as in "inf") became one ligature glyph.
            items = font._layout(char, flags=get_hinting_flag())
            if not items:  # nothing to draw (a control character)
                info = (None, 0, 0.0)
            else:
                item = items[0]
                glyph = item.ft_object.load_glyph(item.glyph_index, get_hinting_flag())
                info = (item.ft_object, item.glyph_index, glyph.horiAdvance / 64)  # 26.6 fixed point
            _CHARS[(key, char)] = info
        return info

    def _metrics(self, renderer, key):
        metrics = _METRICS.get(key)
        if metrics is None:
            _, height, descent = renderer.get_text_width_height_descent("lp", self.font, False)
            metrics = _METRICS[key] = (height, descent)
        return metrics

    def _compose(self, renderer, anchor_x, anchor_y):
        """One alpha mask for the whole label: (mask, left, top) in whole pixels, y upwards."""
        from matplotlib.backends.backend_agg import get_hinting_flag
        from matplotlib.ft2font import RenderMode

        key = self._font_key(renderer)
        size = self.font.get_size_in_points()
        height, descent = self._metrics(renderer, key)
        lines = self._text.split("\n")
        pitch = self.linespacing * height
        block = height + (len(lines) - 1) * pitch
        top = {"top": 0.0, "center": block / 2, "bottom": block, "baseline": height - descent}[self.va]
        cos, sin = math.cos(math.radians(self.rotation)), math.sin(math.radians(self.rotation))
        flags = get_hinting_flag()
        angle = round(self.rotation, 2)
        matrix = None
        dpi = renderer.dpi
        placed = []  # (bitmap, left, top)
        for i, line in enumerate(lines):
            glyphs = [_CHARS.get((key, c)) or self._char(renderer, key, c) for c in line]
            width = sum(g[2] for g in glyphs)
            dx = {"left": 0.0, "center": -width / 2, "right": -width}[self.ha]
            dy = top - (height - descent) - i * pitch  # this line's baseline, upwards from the anchor
            for font, index, advance in glyphs:
                if font is None:
                    continue
                ox = anchor_x + dx * cos - dy * sin
                oy = anchor_y + dx * sin + dy * cos
                ix, iy = math.floor(ox), math.floor(oy)
                fx, fy = int((ox - ix) * 4 + 0.5), int((oy - iy) * 4 + 0.5)  # quarter pixels
                glyph_key = (id(font), size, dpi, index, angle, fx, fy)
                glyph = _GLYPHS.get(glyph_key)
                if glyph is None:
                    if matrix is None:
                        matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
                    font.set_size(size, dpi)
                    font._set_transform(matrix, [16 * fx, 16 * fy])  # 26.6 fixed point
                    bitmap = font._render_glyph(index, flags, RenderMode.NORMAL)
                    glyph = _GLYPHS[glyph_key] = (np.array(bitmap.buffer), bitmap.left, bitmap.top)
                if glyph[0].size:
                    placed.append((glyph[0], ix + glyph[1], iy + glyph[2]))
                dx += advance
        if not placed:
            return None
        left = min(p[1] for p in placed)
        right = max(p[1] + p[0].shape[1] for p in placed)
        top_edge = max(p[2] for p in placed)
        bottom = min(p[2] - p[0].shape[0] for p in placed)
        mask = np.zeros((top_edge - bottom, right - left), dtype=np.uint8)
        for bitmap, x0, y0 in placed:
            rows, cols = bitmap.shape
            region = mask[top_edge - y0 : top_edge - y0 + rows, x0 - left : x0 - left + cols]
            np.maximum(region, bitmap, out=region)
        return mask, left, top_edge

    def draw(self, renderer):
        if not self.get_visible() or not self._text:
            return
        if not _agg_fast_path(renderer):
            self._as_text().draw(renderer)
            return

        anchor_x, anchor_y = self.get_transform().transform((self._x, self._y))
        canvas_height = int(renderer.height)
        signature = (self._text, anchor_x, anchor_y, renderer.dpi, canvas_height)
        if signature != self._last_signature:  # unchanged labels reuse their mask
            self._last_mask = self._compose(renderer, anchor_x, anchor_y)
            self._last_signature = signature
        if self._last_mask is not None:
            gc = _GCS.get(renderer)
            if gc is None:  # one graphics context per renderer, reused: making one costs as much as a label
                gc = _GCS[renderer] = renderer.new_gc()
                gc.set_antialiased(True)
            gc.set_foreground(self._color)
            gc.set_alpha(self.get_alpha())
            mask, left, top_edge = self._last_mask
            renderer._renderer.draw_text_image(mask, left, canvas_height - top_edge + mask.shape[0], 0, gc)
        self.stale = False


# ---------------------------------------------------------------------------
# Blitting: shared by the three views
# ---------------------------------------------------------------------------


class _View:
    """A figure whose value-dependent artists are animated and repainted by blitting."""

    kind = ""

    def __init__(self, figsize, style):
        self.style = style or _style.current()
        self.figure = Figure(figsize=figsize, dpi=self.style.dpi, facecolor="white")
        FigureCanvasAgg(self.figure)  # headless default; widgets.py swaps in an ipympl canvas
        self._animated = []  # repainted on every change, on top of ...
        self._layer = []  # ... a middle layer, repainted only when marked dirty, on top of ...
        self._layer_dirty = True
        self._layer_background = None
        self._background = None  # ... the static picture of the last full draw
        self.figure.canvas.mpl_connect("draw_event", self._on_draw)

    def _animate(self, artist):
        artist.set_animated(True)
        self._animated.append(artist)
        self._animated.sort(key=lambda a: a.get_zorder())  # painted in zorder, as a full draw would
        return artist

    def _glyph_text(self, ax, x, y, **kwargs):
        """An animated GlyphText in data coordinates (or ``transform=``) of ``ax``."""
        kwargs.setdefault("transform", ax.transData)
        kwargs.setdefault("color", self.style.text)
        text = GlyphText(x, y, **kwargs)
        ax.add_artist(text)
        return self._animate(text)

    def _text_size(self, text, fontsize, weight="normal"):
        """(width, height) in inches of ``text`` as matplotlib lays it out."""
        renderer = self.figure.canvas.get_renderer()
        width, height, _ = renderer.get_text_width_height_descent(
            text, FontProperties(size=fontsize, weight=weight), False
        )
        return width / self.figure.dpi, height / self.figure.dpi

    def _box(self, ax, anchor_transform, x, y, width, height, animated=True, **kwargs):
        """A rounded box, ``width`` x ``height`` inches, its lower-left corner (x, y) inches from the
        point that ``anchor_transform`` puts at the origin."""
        box = FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0,rounding_size=0.07",
                             transform=self.figure.dpi_scale_trans + anchor_transform, **kwargs)
        ax.add_patch(box)
        box.set_clip_on(False)
        return self._animate(box) if animated else box

    def _in_layer(self, artist):
        """Register an artist of the middle layer (slow to paint, changes less often)."""
        artist.set_animated(True)
        self._layer.append(artist)
        return artist

    def _on_draw(self, event):
        # After a full draw: keep the static picture, then paint the animated artists on it.
        if event.canvas.is_saving():  # savefig draws animated artists itself
            return
        self._background = event.canvas.copy_from_bbox(self.figure.bbox)
        self._layer_dirty = True
        self._paint_layer_and_animated()

    def _paint_layer_and_animated(self):
        canvas = self.figure.canvas
        renderer = canvas.get_renderer()  # once: Figure.draw_artist would look it up per artist
        if self._layer:
            if self._layer_dirty or self._layer_background is None:
                for artist in self._layer:
                    artist.draw(renderer)
                self._layer_background = canvas.copy_from_bbox(self.figure.bbox)
                self._layer_dirty = False
        self._paint_animated(renderer)

    def _paint_animated(self, renderer=None):
        renderer = renderer or self.figure.canvas.get_renderer()
        for artist in self._animated:
            if artist.get_visible():
                artist.draw(renderer)

    def render(self, how="blit"):
        """Show the current artists: "full" redraws everything, "blit" repaints the animated
        artists on the kept background, None does nothing. Returns what was done."""
        canvas = self.figure.canvas
        if how is None:
            return None
        if how == "full" or self._background is None:
            canvas.draw()
            return "full"
        if self._layer and not self._layer_dirty and self._layer_background is not None:
            canvas.restore_region(self._layer_background)
        else:
            canvas.restore_region(self._background)
        self._paint_layer_and_animated()
        canvas.blit(self.figure.bbox)
        return "blit"

    def rgba(self):
        """The current frame as an (h, w, 4) uint8 array."""
        if self._background is None:
            self.figure.canvas.draw()
        return np.asarray(self.figure.canvas.buffer_rgba()).copy()

    def to_png(self):
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.figure.dpi)
        return buffer.getvalue()


def compose_png(views, gap=12):
    """One PNG of the views' current frames: side by side, or ``views`` as a list of rows (lists)."""
    from PIL import Image

    rows = views if views and isinstance(views[0], (list, tuple)) else [views]
    row_images = []
    for row in rows:
        frames = [view.rgba() for view in row]
        height = max(frame.shape[0] for frame in frames)
        width = sum(frame.shape[1] for frame in frames) + gap * (len(frames) - 1)
        image = np.full((height, width, 4), 255, dtype=np.uint8)
        left = 0
        for frame in frames:
            image[: frame.shape[0], left : left + frame.shape[1]] = frame
            left += frame.shape[1] + gap
        row_images.append(image)
    width = max(image.shape[1] for image in row_images)
    height = sum(image.shape[0] for image in row_images) + gap * (len(row_images) - 1)
    picture = np.full((height, width, 4), 255, dtype=np.uint8)
    top = 0
    for image in row_images:
        picture[top : top + image.shape[0], : image.shape[1]] = image
        top += image.shape[0] + gap
    buffer = io.BytesIO()
    Image.fromarray(picture[:, :, :3]).save(buffer, format="png")
    return buffer.getvalue()


def _sign_color(style, value):
    if value == 0:
        return style.muted
    return style.positive if value > 0 else style.negative


def _values_key(state):
    return (tuple(state.values.values()), tuple(state.x.ravel()), tuple(state.y.ravel()))


# ---------------------------------------------------------------------------
# View 1: the network diagram
# ---------------------------------------------------------------------------


class NetworkView(_View):
    """Nodes show x, or a (before) and z (after the activation); an edge's width shows |w| and its
    colour the sign of w (the only meaning of blue and vermillion here). With ``show_gradients``
    each edge also carries dE/dw in grey; with ``show_cost`` the title shows E."""

    kind = "network"

    def __init__(self, state, show_gradients=True, show_cost=True, style=None):
        sizes = state.net.layer_sizes
        base_style = style or _style.current()
        width, height = base_style.network_size
        width *= max(1.0, (len(sizes) - 1) / 2)
        biased = any(b is not None for b in state.net.biases)  # a third line in the nodes: more room
        width *= 1.08 if biased else 1.0
        rows = 0.55 if max(sizes) == 1 else max(1.0, max(sizes) / 2.5)  # a chain needs one row only
        height *= rows * (1.12 if biased else 1.0)
        super().__init__((width, height), style)
        self.show_gradients = show_gradients
        self.show_cost = show_cost
        self._names_by_index = {where: name for name, where in state.names.items()}
        s = self.style

        ax = self.figure.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        self.axes = ax
        self.positions = []  # per layer (input first), per neuron: (x, y) in data units
        for size in sizes:
            ys = (np.arange(size)[::-1] - (size - 1) / 2) * (2.0 if size == 2 else 1.25)
            self.positions.append([(float(l), float(v)) for l, v in zip([len(self.positions)] * size, ys)])
        top = max(p[1] for layer in self.positions for p in layer)
        x_limits, y_limits = (-0.4, len(sizes) - 1 + 0.4), (-top - 0.55, top + 0.8)
        ax.set_xlim(*x_limits)
        ax.set_ylim(*y_limits)
        # inches per data unit; the figure size is fixed, so offsets computed here stay right at any dpi
        inch_x = width / (x_limits[1] - x_limits[0])
        inch_y = height / (y_limits[1] - y_limits[0])
        gap = (s.edge_width_max / 2 + 2) / 72  # clear of the thickest edge, in inches

        input_names, layer_names = node_labels(sizes)
        self.node_names = [input_names] + layer_names
        has_bias = {(where[1], where[2]) for where in state.names.values() if where[0] == "bias"}
        self.nodes = []  # per layer, per neuron: a GlyphText ...
        self.node_boxes = []  # ... in a static rounded box sized for the widest value it may show
        half_sizes = []  # per layer, per neuron: (half width, half height) of the box in inches
        pad = s.font_size / 72 * 0.55
        for l, layer in enumerate(self.positions):
            texts, boxes, halves = [], [], []
            for j, (px, py) in enumerate(layer):
                if l == 0:
                    template = [f"{self.node_names[0][j]} = {MINUS}0.00"]
                else:
                    template = [f"{name} = {MINUS}0.000" for name in self.node_names[l][j]]
                    if (l - 1, j) in has_bias:
                        template.append(f"b{l}_{j + 1} = {MINUS}0.000")
                box_w = max(self._text_size(line, s.font_size)[0] for line in template) + 2 * pad
                line_h = self._text_size("lp", s.font_size)[1]
                box_h = line_h * (1 + 1.3 * (len(template) - 1)) + 1.4 * pad
                centre = ScaledTranslation(px, py, ax.transData)
                boxes.append(self._box(ax, centre, -box_w / 2, -box_h / 2, box_w, box_h, facecolor=s.node_face,
                                       edgecolor=s.node_edge, linewidth=s.line_width * 0.6, zorder=4,
                                       animated=False))
                halves.append((box_w / 2, box_h / 2))
                texts.append(self._glyph_text(ax, px, py, fontsize=s.font_size, linespacing=1.3, zorder=5))
            self.nodes.append(texts)
            self.node_boxes.append(boxes)
            half_sizes.append(halves)
        self.edges = {}  # name -> Line2D
        self.edge_labels = {}  # name -> Text "w1 = 0.100", above the edge
        self.gradient_labels = {}  # name -> Text "dE/dw1 = ...", below the edge
        for l, w in enumerate(state.net.weights):
            n_out, n_in = w.shape
            for col in range(n_in):
                for row in range(n_out):
                    name = self._names_by_index[("weight", l, row, col)]
                    (x0, y0), (x1, y1) = self.positions[l][col], self.positions[l + 1][row]
                    # Edges stop at the boxes' borders, so the boxes can stay in the static background.
                    (a0, b0), (a1, b1) = self._clip_to_box((x0, y0), (x1, y1), half_sizes[l][col], inch_x, inch_y), \
                        self._clip_to_box((x1, y1), (x0, y0), half_sizes[l + 1][row], inch_x, inch_y)
                    line = Line2D([a0, a1], [b0, b1], solid_capstyle="butt", zorder=1)
                    self.edges[name] = self._animate(ax.add_line(line))
                    # Labels run along the edge, the weight above it and its gradient below; crossing
                    # edges get their labels at different points so that they never share a spot.
                    t = self._label_fraction(col, row, n_in, n_out)
                    dx, dy = (x1 - x0) * inch_x, (y1 - y0) * inch_y
                    length = np.hypot(dx, dy)
                    normal = (-dy / length * gap / inch_x, dx / length * gap / inch_y)
                    angle = float(np.degrees(np.arctan2(dy, dx)))
                    px, py = a0 + t * (a1 - a0), b0 + t * (b1 - b0)  # along the visible part
                    common = dict(ha="center", rotation=angle, zorder=3)
                    self.edge_labels[name] = self._glyph_text(
                        ax, px + normal[0], py + normal[1], va="bottom", fontsize=s.font_size * 0.95, **common
                    )
                    self.gradient_labels[name] = self._glyph_text(
                        ax, px - normal[0], py - normal[1], va="top", fontsize=s.font_size * 0.82, color=s.muted,
                        visible=show_gradients, **common
                    )

        self.title = self._glyph_text(ax, 0.5, 0.985, transform=ax.transAxes, va="top", fontsize=s.title_size)
        self._draw_legend(ax)
        self._key = None
        self.update(state)

    def _draw_legend(self, ax):
        """A key along the bottom: a blue and a vermillion edge sample and what they mean."""
        s = self.style
        size = s.tick_size * 0.9
        inches = self.figure.dpi_scale_trans  # positions below are in inches from the lower-left corner
        parts = [(s.positive, "w > 0"), (s.negative, "w < 0"), (None, "edge width = |w|")]
        if self.show_gradients:
            parts.append((None, "grey numbers: \u2202E/\u2202w"))
        sample = 0.3  # inches of line before a label
        widths = [(sample if colour else 0) + self._text_size(label, size)[0] + 0.25 for colour, label in parts]
        left = (self.figure.get_size_inches()[0] - sum(widths)) / 2
        middle = 0.06 + self._text_size("lp", size)[1] / 2
        for (colour, label), width in zip(parts, widths):
            text_left = left
            if colour:
                line = Line2D([left, left + sample - 0.06], [middle, middle], color=colour,
                              linewidth=s.line_width * 1.5, transform=inches, solid_capstyle="butt")
                line.set_clip_on(False)
                ax.add_line(line)
                text_left += sample
            ax.text(text_left, middle, label, transform=inches, ha="left", va="center", fontsize=size, color=s.muted)
            left += width

    @staticmethod
    def _clip_to_box(start, end, half_size, inch_x, inch_y):
        """Where the segment from ``start`` (a box centre) to ``end`` leaves that box, plus 1 pt."""
        dx, dy = (end[0] - start[0]) * inch_x, (end[1] - start[1]) * inch_y
        fractions = [h / abs(d) for h, d in zip(half_size, (dx, dy)) if d]
        fraction = min(fractions) + (1 / 72) / np.hypot(dx, dy)
        return start[0] + fraction * (end[0] - start[0]), start[1] + fraction * (end[1] - start[1])

    @staticmethod
    def _label_fraction(col, row, n_in, n_out):
        if col == row or n_in == 1 or n_out == 1:
            return 0.5
        if n_in == 2 and n_out == 2:  # the two diagonals cross mid-way: one label near each end
            return 0.25  # both near their sender: one label high, one low, never at the crossing
        return 0.3 + 0.4 * col / (n_in - 1)

    def edge_width(self, weight):
        s = self.style
        return min(s.edge_width_max, s.edge_width_min + s.edge_width_per_unit * abs(weight))

    def sign_color(self, value):
        return _sign_color(self.style, value)

    def update(self, state):
        """Set every label, width and colour from ``state``. Returns "blit", or None when nothing
        this view shows has changed."""
        key = _values_key(state)
        if key == self._key:
            return None
        self._key = key
        for name, line in self.edges.items():
            w = state.values[name]
            line.set_linewidth(self.edge_width(w))
            line.set_color(self.sign_color(w))
            self.edge_labels[name].set_text(f"{name} = {fmt(w)}")
            g = state.grads[name]
            gradient = self.gradient_labels[name]
            gradient.set_text(f"\u2202E/\u2202{name} = {fmt(g, 4)}")

        for j, text in enumerate(self.nodes[0]):
            text.set_text(f"{self.node_names[0][j]} = {fmt(state.x[j], 2)}")
        bias_names = {(where[1], where[2]): name for name, where in state.names.items() if where[0] == "bias"}
        for l in range(1, len(self.nodes)):
            for j, text in enumerate(self.nodes[l]):
                a_name, z_name = self.node_names[l][j]
                lines = [f"{a_name} = {fmt(state.trace.a[l - 1][j])}", f"{z_name} = {fmt(state.trace.z[l - 1][j])}"]
                if (l - 1, j) in bias_names:
                    bias = bias_names[(l - 1, j)]
                    lines.append(f"{bias} = {fmt(state.values[bias])}")
                text.set_text("\n".join(lines))
        targets = ", ".join(fmt(v, 2) for v in state.y.ravel())
        if self.show_cost:
            self.title.set_text(f"y = {targets}     E = {fmt(state.cost, 4)}")
        else:
            self.title.set_text(f"target y = {targets}")
        return "blit"


# ---------------------------------------------------------------------------
# View 2: the cost surface over two weights
# ---------------------------------------------------------------------------


def _interpolation_weights(grid, targets):
    """For each target: the index i of the grid interval it falls in and its fraction t in it, so that
    f(target) = (1 - t) f[i] + t f[i + 1] (clamped at the ends)."""
    index = np.clip(np.searchsorted(grid, targets) - 1, 0, len(grid) - 2)
    t = np.clip((targets - grid[index]) / (grid[index + 1] - grid[index]), 0.0, 1.0)
    return index, t


class SurfaceImage(Artist):
    """Values on a grid, painted in colour over the whole of ``axes``.

    Bilinear between the grid points (which sit exactly at the sampled weights), computed at the
    axes' pixel size with two small matrix products and a colour lookup table: a few times cheaper
    than AxesImage's general resampler, which matters because hidden-weight sliders change it on
    every move.
    """

    def __init__(self, axes, cmap, norm):
        super().__init__()
        self.axes = axes
        self.mappable = ScalarMappable(norm=norm, cmap=cmap)  # what the colour bar shows
        self.norm = norm
        self._lut = (self.mappable.get_cmap()(np.linspace(0, 1, 256)) * 255).round().astype(np.uint8)
        self._data = None
        self._pixels = None  # (key, rgba)

    def set_data(self, data, grid_u, grid_v):
        self._data, self.grid_u, self.grid_v = np.asarray(data, dtype=float), grid_u, grid_v
        self._pixels = None
        self.stale = True

    def get_array(self):
        return self._data

    def set_clim(self, low, high):
        self.mappable.set_clim(low, high)
        self._pixels = None
        self.stale = True

    def draw(self, renderer):
        if self._data is None or not self.get_visible():
            return
        box = self.axes.bbox
        x0, y0 = round(box.x0), round(box.y0)
        width, height = round(box.x1) - x0, round(box.y1) - y0
        key = (x0, y0, width, height, self.norm.vmin, self.norm.vmax)
        if self._pixels is None or self._pixels[0] != key:
            to_data = self.axes.transData.inverted()
            us = to_data.transform(np.column_stack([x0 + 0.5 + np.arange(width), np.full(width, y0 + 0.5)]))[:, 0]
            vs = to_data.transform(np.column_stack([np.full(height, x0 + 0.5), y0 + 0.5 + np.arange(height)]))[:, 1]
            # bilinear: first along v (rows), then along u (columns); gathers, no matrix products
            row, t = _interpolation_weights(self.grid_v, vs)
            rows = self._data.take(row, axis=0) * (1 - t)[:, None] + self._data.take(row + 1, axis=0) * t[:, None]
            col, t = _interpolation_weights(self.grid_u, us)
            values = rows.take(col, axis=1) * (1 - t) + rows.take(col + 1, axis=1) * t
            span = (self.norm.vmax - self.norm.vmin) or 1.0
            values -= self.norm.vmin
            values *= 255 / span
            values += 0.5
            np.clip(values, 0, 255, out=values)
            rgba = self._lut.take(values.astype(np.intp), axis=0)  # Agg takes the bottom row first
            self._pixels = (key, rgba)
        gc = renderer.new_gc()
        gc.set_clip_rectangle(box)
        renderer.draw_image(gc, x0, y0, self._pixels[1])
        gc.restore()
        self.stale = False


class SurfaceView(_View):
    """E over a grid of two weights (all other parameters fixed at their current values) as a colour
    map, the current point and, with ``show_gradients``, the direction of steepest descent; where one
    step lands and the recent path of steps when the state has a step."""

    kind = "surface"

    def __init__(self, state, pair=("w5", "w6"), limits=None, resolution=61, show_gradients=True, style=None):
        super().__init__((style or _style.current()).surface_size, style)
        self.show_gradients = show_gradients
        s = self.style
        self.resolution = int(resolution)
        self.axes = self.figure.add_axes((0.15, 0.2, 0.62, 0.7))
        self.colorbar_axes = self.figure.add_axes((0.82, 0.2, 0.04, 0.7))
        self.image = SurfaceImage(self.axes, s.cmap, Normalize(0, 1))
        self.image.set_zorder(0)
        self.axes.add_artist(self.image)
        self._in_layer(self.image)  # repainted only when the surface or its colours change
        self._build_colorbar()
        self.axes.tick_params(labelsize=s.tick_size)
        ax = self.axes
        self.path = self._animate(
            ax.plot([], [], "-", color=s.path, linewidth=s.line_width * 0.8, marker="o",
                    markersize=s.marker_size * 0.35, markerfacecolor=s.path, markeredgecolor=s.marker_edge,
                    zorder=2)[0]
        )
        self.arrow = self._animate(  # white with a black rim: visible on both ends of the colour map
            ax.add_patch(FancyArrowPatch((0, 0), (0, 0),
                                         arrowstyle="simple,head_width=1.1,head_length=1.0,tail_width=0.35",
                                         mutation_scale=s.marker_size * 1.3, facecolor=s.marker_face,
                                         edgecolor=s.marker_edge, linewidth=s.line_width * 0.45, zorder=3,
                                         shrinkA=0, shrinkB=0))
        )
        self.next_marker = self._animate(
            ax.plot([], [], "o", markersize=s.marker_size * 0.7, markerfacecolor="none", markeredgecolor=s.path,
                    markeredgewidth=s.line_width * 0.8, zorder=3)[0]
        )
        self.marker = self._animate(
            ax.plot([], [], "o", markersize=s.marker_size, markerfacecolor=s.marker_face,
                    markeredgecolor=s.marker_edge, markeredgewidth=s.line_width * 0.7, zorder=4)[0]
        )
        readout_size = s.font_size * 0.9
        width = self._text_size(f"\u2202E/\u2202w00 = {MINUS}0.0000", readout_size)[0] + 0.14
        line_h = self._text_size("lp", readout_size)[1]
        height = line_h * (1 + 1.25 * (2 if show_gradients else 0)) + 0.12
        corner = ScaledTranslation(0.02, 0.98, ax.transAxes)  # the axes' top-left corner
        self.readout_box = self._in_layer(  # over the colours, under the numbers: part of the middle layer
            self._box(ax, corner, 0, -height, width, height, facecolor="white", edgecolor="none", alpha=0.85,
                      zorder=5, animated=False)
        )
        self.readout = self._glyph_text(ax, 0.07, -0.06, transform=self.figure.dpi_scale_trans + corner, ha="left",
                                        va="top", fontsize=readout_size, zorder=6)
        self.title = ax.set_title("", fontsize=s.title_size)
        self._draw_legend(with_step=state.lr is not None)
        self._surface_key = None
        self.surface = None
        self.set_pair(state, pair, limits)

    def _draw_legend(self, with_step):
        """What the marks mean, in one line under the axes (colour = E, as the bar says)."""
        s = self.style
        entries = ["\u25cf now"]
        if self.show_gradients:
            entries.append("\u27a4 downhill (\u2212\u2207E)")
        if with_step:  # the step marks appear only where a learning rate is given
            entries.append("\u25cb after one step")
        self.legend_text = self.figure.text(0.46, 0.01, "     ".join(entries), ha="center", va="bottom",
                                            fontsize=s.tick_size * 0.9, color=s.muted)

    # -- the grid ------------------------------------------------------------

    def set_pair(self, state, pair, limits=None):
        """Show E over another pair of weights (names as in ``state.names``). Returns "full"."""
        first, second = pair
        for name in pair:
            if name not in state.names or state.names[name][0] != "weight":
                weights = [n for n, where in state.names.items() if where[0] == "weight"]
                raise ValueError(f"surface_weights: {name!r} is not a weight of this network; choose from {weights}")
        if first == second:
            raise ValueError(f"surface_weights: expected two different weights, got {first!r} twice")
        self.pair = (first, second)
        limits = dict(limits or {})
        self.limits = {name: tuple(limits.get(name, self._default_limits(state.values[name]))) for name in pair}
        (u0, u1), (v0, v1) = self.limits[first], self.limits[second]
        self.grid_u = np.linspace(u0, u1, self.resolution)
        self.grid_v = np.linspace(v0, v1, self.resolution)
        self.axes.set_xlim(u0, u1)
        self.axes.set_ylim(v0, v1)
        self.axes.set_xlabel(first, fontsize=self.style.font_size)
        self.axes.set_ylabel(second, fontsize=self.style.font_size)
        self.title.set_text(f"E({first}, {second}), the rest fixed")
        self._surface_key = None
        self._norm_fitted = False
        self.history = []
        self.update(state)
        return "full"

    @staticmethod
    def _default_limits(value):
        # a window of 8 around 0 shows the sigmoid's saturation; widen it when w sits outside
        return (min(-4.0, np.floor(value) - 1.0), max(4.0, np.ceil(value) + 1.0))

    def _build_colorbar(self):
        """A colour bar whose gradient is static and whose ticks and labels are animated, so that a
        new colour scale costs no full redraw (matplotlib's Colorbar rebuilds itself on set_clim)."""
        s, cax = self.style, self.colorbar_axes
        cax.imshow(np.linspace(0, 1, 256)[:, None], origin="lower", aspect="auto", cmap=s.cmap, extent=(0, 1, 0, 1))
        cax.set_xticks([])
        cax.set_yticks([])
        cax.set_xlim(0, 1)
        cax.set_ylim(0, 1)
        cmap = self.image.mappable.get_cmap()
        for y0, tip, value in ((1.0, 1.07, 1.0), (0.0, -0.07, 0.0)):  # "beyond the scale" ends, as extend="both"
            cax.add_patch(Polygon([(0, y0), (1, y0), (0.5, tip)], closed=True, facecolor=cmap(value),
                                  edgecolor="none", clip_on=False, transform=cax.transAxes))
        cax.set_title("E", fontsize=s.font_size, pad=s.font_size * 1.2)
        self.colorbar_ticks = self._animate(
            Line2D([], [], color=s.text, linewidth=1.0, transform=cax.transAxes, clip_on=False)
        )
        cax.add_line(self.colorbar_ticks)
        offset = ScaledTranslation(4 / 72, 0, self.figure.dpi_scale_trans)
        self.colorbar_labels = [
            self._glyph_text(cax, 1.25, 0.5, transform=cax.transAxes + offset, ha="left", fontsize=s.tick_size,
                             visible=False)
            for _ in range(8)
        ]

    def _set_colorbar_ticks(self):
        low, high = self.image.norm.vmin, self.image.norm.vmax
        ticks = [t for t in MaxNLocator(nbins=5).tick_values(low, high) if low <= t <= high]
        ticks = ticks[: len(self.colorbar_labels)]
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        decimals = max(0, -math.floor(math.log10(step))) if step > 0 else 0
        xs, ys = [], []
        for label, value in itertools.zip_longest(self.colorbar_labels, ticks):
            if value is None:
                label.set_visible(False)
                continue
            y = (value - low) / (high - low)
            label.set_position((1.25, y))
            label.set_text(fmt(value, decimals))
            label.set_visible(True)
            xs += [1.0, 1.25, np.nan]
            ys += [y, y, np.nan]
        self.colorbar_ticks.set_data(xs, ys)

    def _recompute(self, state):
        first, second = (state.names[name][1:] for name in self.pair)
        self.surface = cost_surface(state.net, state.x, state.y, first, second, self.grid_u, self.grid_v)
        self.image.set_data(self.surface, self.grid_u, self.grid_v)
        self._layer_dirty = True
        finite = self.surface[np.isfinite(self.surface)]
        if finite.size == 0:  # nothing to colour: keep the old scale, the readout says what E is
            return
        low, high = float(finite.min()), float(finite.max())
        norm = self.image.norm
        span = norm.vmax - norm.vmin
        # The colour scale stays put while hidden weights move (same colour = same E); it is refitted
        # only when the surface leaves it far behind (the bar's tick labels are animated, so that is cheap).
        if high - low < 1e-6 * max(1.0, abs(low)):  # a flat surface (e.g. weights that x = 0 switches off)
            half = 1e-3 * max(1.0, abs(low))  # a scale around it, so the bar's ticks read as distinct numbers
            low, high = low - half, high + half
        if not self._norm_fitted or low < norm.vmin - 0.5 * span or high > norm.vmax + 0.5 * span \
                or high - low < 0.25 * span:
            self.image.set_clim(low, high)
            self._norm_fitted = True
            self._set_colorbar_ticks()

    # -- per change ------------------------------------------------------------

    def record_step(self, state):
        """Remember the current point before a step so the path of recent steps can be drawn."""
        self.history.append(tuple(state.values[name] for name in self.pair))
        del self.history[:-12]

    def clear_path(self):
        self.history = []

    def update(self, state):
        """Move the marker and arrow; recompute the surface only when a weight off the axes, x or y
        changed. Returns "full" (the axes changed) or "blit"."""
        first, second = self.pair
        others = tuple(v for name, v in state.values.items() if name not in self.pair)
        surface_key = (others, tuple(state.x.ravel()), tuple(state.y.ravel()))
        how = "blit"
        if surface_key != self._surface_key:
            if self._surface_key is not None and surface_key[1:] != self._surface_key[1:]:
                # a new example (x or y) is a new question: fit the colours to its surface. While only
                # weights move, the scale stays, so the same colour keeps meaning the same E.
                self._norm_fitted = False
            self._surface_key = surface_key
            self._recompute(state)
        u, v = state.values[first], state.values[second]
        (u0, u1), (v0, v1) = self.limits[first], self.limits[second]
        if not (u0 <= u <= u1 and v0 <= v <= v1):  # walked off the grid: widen it around the point
            wider = {first: self._wider(self.limits[first], u), second: self._wider(self.limits[second], v)}
            history = self.history
            self.set_pair(state, self.pair, wider)
            self.history = history
            how = "full"
        self.marker.set_data([u], [v])
        self.path.set_data([p[0] for p in self.history] + [u], [p[1] for p in self.history] + [v])
        gu, gv = state.grads[first], state.grads[second]
        span_u, span_v = u1 - u0, v1 - v0
        size = np.hypot(gu / span_u, gv / span_v)
        if self.show_gradients and np.isfinite(size) and size > 1e-12:
            scale = 0.16 / size  # a fixed on-screen length: the arrow shows the direction of -grad E
            self.arrow.set_positions((u, v), (u - scale * gu, v - scale * gv))
            self.arrow.set_visible(True)
        else:
            self.arrow.set_visible(False)
        if state.has_step:
            self.next_marker.set_data([state.new_values[first]], [state.new_values[second]])
        else:
            self.next_marker.set_data([], [])
        lines = [f"E = {fmt(state.cost, 4)}"]
        if self.show_gradients:
            lines += [f"\u2202E/\u2202{first} = {fmt(gu, 4)}", f"\u2202E/\u2202{second} = {fmt(gv, 4)}"]
        self.readout.set_text("\n".join(lines))
        return how

    @staticmethod
    def _wider(limits, value):
        low, high = limits
        return (min(low, np.floor(value) - 1.0), max(high, np.ceil(value) + 1.0))


# ---------------------------------------------------------------------------
# View 3: the update step, as a table
# ---------------------------------------------------------------------------


class StepsView(_View):
    """For each parameter: its value, dE/dw, the change -lr dE/dw and the new value; then y_hat and
    E before and after the step."""

    kind = "steps"
    COLUMNS = ("", "w", "\u2202E/\u2202w", f"{MINUS}lr\u00b7\u2202E/\u2202w", "new w")

    def __init__(self, state, style=None):
        s = style or _style.current()
        self.names = list(state.names)
        n_outputs = state.net.layer_sizes[-1]
        n_rows = len(self.names) + 2 + n_outputs + 2  # header, parameters, gap, a y_hat row per output, E, lr
        super().__init__((s.steps_width, s.steps_row_height * (n_rows + 1.4)), style)
        s = self.style
        ax = self.figure.add_axes((0.02, 0.01, 0.96, 0.98))
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(-(n_rows - 0.3), 1.0)
        self.axes = ax
        self.column_x = (0.02, 0.30, 0.52, 0.76, 0.98)  # right edges of the number columns
        aligns = ("left", "right", "right", "right", "right")
        for x, text, ha in zip(self.column_x, self.COLUMNS, aligns):
            ax.text(x, 0, text, ha=ha, va="center", fontsize=s.font_size, color=s.muted, fontweight="bold")
        ax.plot([0.01, 0.99], [-0.55, -0.55], color=s.muted, linewidth=1.0)
        self.cells = {}  # (name, column) -> Text
        for i, name in enumerate(self.names):
            y = -(i + 1)
            ax.text(self.column_x[0], y, name, ha="left", va="center", fontsize=s.font_size, color=s.text)
            for c, column in enumerate(("value", "grad", "change", "new"), start=1):
                self.cells[(name, column)] = self._glyph_text(ax, self.column_x[c], y, ha="right", fontsize=s.font_size)
        y = -(len(self.names) + 1) + 0.45
        ax.plot([0.01, 0.99], [y, y], color=s.muted, linewidth=1.0)
        self.summary = []  # Text per line below the table
        for k in range(n_outputs + 2):
            row_y = -(len(self.names) + 2 + k) + 0.3
            self.summary.append(self._glyph_text(ax, self.column_x[0], row_y, ha="left", fontsize=s.font_size))
        # the key to the change column's colours, under it: the same two colours as a weight's sign
        key_y = -(len(self.names) + 2) + 0.3
        for text, colour, dy in (("blue: w goes up", s.positive, 0.0), ("vermillion: w goes down", s.negative, -0.8)):
            ax.text(self.column_x[4], key_y + dy, text, ha="right", va="center", fontsize=s.tick_size, color=colour)
        self._key = None
        self.update(state)

    def update(self, state):
        key = (_values_key(state), state.lr)
        if key == self._key:
            return None
        self._key = key
        dash = "\u2014"  # no step: its columns show a dash, and the last line says why
        for name in self.names:
            self.cells[(name, "value")].set_text(fmt(state.values[name], 4))
            self.cells[(name, "grad")].set_text(fmt(state.grads[name], 4))
            cell = self.cells[(name, "change")]
            if state.has_step:
                change = state.changes[name]
                shown = fmt(change, 4, sign=True)
                cell.set_text(shown)
                # coloured by the sign it shows: a change that rounds to +0.0000 is grey, not vermillion
                shows_zero = float(shown.replace(MINUS, "-")) == 0
                cell.set_color(self.style.muted if shows_zero else _sign_color(self.style, change))
                self.cells[(name, "new")].set_text(fmt(state.new_values[name], 4))
            else:
                cell.set_text(dash)
                cell.set_color(self.style.muted)
                self.cells[(name, "new")].set_text(dash)
        lines = []
        y_hat = np.ravel(state.y_hat)
        next_y_hat = np.ravel(state.next_y_hat) if state.has_step else [np.nan] * len(y_hat)
        for j, (before, after) in enumerate(zip(y_hat, next_y_hat)):
            label = "\u0177" if len(y_hat) == 1 else f"\u0177{j + 1}"
            after_text = fmt(after, 4) if state.has_step else dash
            lines.append(f"{label}:  {fmt(before, 4)}  \u2192  {after_text}   (y = {fmt(state.y.ravel()[j], 2)})")
        lines.append(f"E:  {fmt(state.cost, 4)}  \u2192  {fmt(state.next_cost, 4) if state.has_step else dash}")
        if state.has_step:
            line = f"learning rate lr = {state.lr:.4g}"
            if max(abs(g) for g in state.grads.values()) < 5e-5:  # every gradient prints as 0.0000
                line += "; every \u2202E/\u2202w \u2248 0: saturated neurons, a step barely moves"
            lines.append(line)
        else:
            lines.append(f"lr = {state.lr:.4g}: no step (it would overflow); lower lr")
        for text, line in zip(self.summary, lines):
            text.set_text(line)
        for text in self.summary[len(lines):]:
            text.set_text("")
        return "blit"
