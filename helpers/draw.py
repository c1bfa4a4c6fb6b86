"""The explorer's three views, drawn with matplotlib: built once, then updated in place.

    state = compute_state(net, x, y, lr)            # forward, gradients, cost and one step, once per change
    view = NetworkView(state)                       # or SurfaceView(state, ("w5", "w6")), StepsView(state)
    view.render(view.update(new_state))             # mutate artists, then blit (a full draw only when the
                                                    # axes themselves change)

This module says what each view means; how a view redraws fast (blitting over a kept background, a
middle layer, glyph-stamped text, the colour-map image) is ``helpers.live``, and the numbers a view
shows come from one ``helpers.state.State`` per change. Views read sizes and colours from
``helpers.style`` and never import ipywidgets.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Polygon
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import ScaledTranslation

from . import style as _style
from .backward_walk import fmt_significant
from .descent import leaves_frame
from .live.figure import GlyphText, LiveFigure, SurfaceImage, compose_png  # noqa: F401 (compose_png re-exported)
from .network import cost_surface
from .state import State, compute_state  # noqa: F401 (re-exported: the views read a State)

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




def _sign_color(style, value):
    if value == 0:
        return style.muted
    return style.positive if value > 0 else style.negative


def _values_key(state):
    return (tuple(state.values.values()), tuple(state.x.ravel()), tuple(state.y.ravel()))


# ---------------------------------------------------------------------------
# View 1: the network diagram
# ---------------------------------------------------------------------------


class NetworkView(LiveFigure):
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




class SurfaceView(LiveFigure):
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


class StepsView(LiveFigure):
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


# ===========================================================================
# Lesson 06: the path of gradient descent over the cost surface, and its loss curve
# (DescentView; the numbers come from helpers.descent, one PairPath and Regime per change)
# ===========================================================================

REGIME_COLOUR = _style.OKABE_ITO["orange"]  # on this view orange means only "where the regime shows"


def descent_grid(net, x, y, pair, limits, resolution=81, numbering="by_sender"):
    """(grid_u, grid_v, E) over ``limits`` = ((u0, u1), (v0, v1)) for the two named weights."""
    from .network import parameter_names

    names = parameter_names(net, numbering)
    (u0, u1), (v0, v1) = limits
    grid_u, grid_v = np.linspace(u0, u1, resolution), np.linspace(v0, v1, resolution)
    first, second = (names[name][1:] for name in pair)
    return grid_u, grid_v, cost_surface(net, x, y, first, second, grid_u, grid_v)


def _short_cost(value):
    value = float(value)
    if value == 0:
        return "0"
    if math.isfinite(value) and (abs(value) < 1e-3 or abs(value) >= 1e4):
        return f"{value:.2e}".replace("-", MINUS)
    return fmt(value, 4)


class DescentView(LiveFigure):
    """Gradient descent on two weights: the path of N steps over the true cost surface (left) and the
    cost after each step (right, log scale), with the regime (``helpers.descent.classify_path``)
    named at the top and marked in orange where it shows, on the path and on the curve.

    Only the two weights on the axes learn (see ``helpers.descent``), so the colour map, computed
    once per surface, is the surface the path moves on. Colours follow log10 E, so that the valley
    floor shows. A change of lr or of the start only moves animated artists (path, markers, curve,
    labels) and blits; a new surface or a new number of steps is a full draw.
    """

    kind = "descent"

    def __init__(self, net, x, y, pair, limits, path, regime, lowest, labels=None, resolution=81,
                 numbering="by_sender", style=None):
        base = style or _style.current()
        width, height = base.surface_size
        super().__init__((width * 2.4, height * 1.25), style)
        s = self.style
        self.labels = dict(labels or {})
        fig = self.figure
        self.axes = fig.add_axes((0.065, 0.17, 0.33, 0.56))  # room above for a headline of two lines
        self.colorbar_axes = fig.add_axes((0.405, 0.17, 0.014, 0.56))
        self.loss_axes = fig.add_axes((0.55, 0.17, 0.43, 0.56))
        ax, lx = self.axes, self.loss_axes
        self.image = SurfaceImage(ax, s.cmap, Normalize(0, 1))
        self.image.set_zorder(0)
        ax.add_artist(self.image)
        self._in_layer(self.image)
        ax.tick_params(labelsize=s.tick_size)
        lx.tick_params(labelsize=s.tick_size)
        lx.set_yscale("log")
        lx.set_xlabel("step", fontsize=s.font_size)
        lx.set_ylabel("E (log scale)", fontsize=s.font_size)
        lx.grid(True, which="major", alpha=0.3)
        lx.set_title("cost after each step", fontsize=s.font_size)
        self.colorbar_axes.set_xticks([])
        self.colorbar_axes.yaxis.tick_right()
        self.colorbar_axes.tick_params(labelsize=s.tick_size * 0.9)
        self.colorbar_image = None

        ring = dict(marker="o", markersize=s.marker_size * 1.5, markerfacecolor="none",
                    markeredgecolor=REGIME_COLOUR, markeredgewidth=s.line_width * 1.3, linestyle="none")
        self.path_line = self._animate(Line2D([], [], color=s.path, linewidth=s.line_width * 0.7, marker="o",
                                              markersize=s.marker_size * 0.3, markerfacecolor=s.path,
                                              markeredgecolor=s.marker_edge, markeredgewidth=0.5, zorder=2))
        ax.add_line(self.path_line)
        self.start_marker = self._animate(Line2D([], [], marker="o", markersize=s.marker_size * 0.8,
                                                 markerfacecolor=s.marker_face, markeredgecolor=s.marker_edge,
                                                 markeredgewidth=1.5, linestyle="none", zorder=4))
        self.end_marker = self._animate(Line2D([], [], marker="s", markersize=s.marker_size * 0.7,
                                               markerfacecolor="black", markeredgecolor=s.marker_face,
                                               markeredgewidth=1.5, linestyle="none", zorder=4))
        self.regime_marker = self._animate(Line2D([], [], zorder=5, **ring))
        for artist in (self.start_marker, self.end_marker, self.regime_marker):
            ax.add_line(artist)
        self.loss_line = self._animate(Line2D([], [], color=s.positive, linewidth=s.line_width * 0.8, marker="o",
                                              markersize=s.marker_size * 0.25, zorder=2))
        self.loss_regime_marker = self._animate(Line2D([], [], zorder=5, **ring))
        lx.add_line(self.loss_line)
        lx.add_line(self.loss_regime_marker)
        # costs off the log axis (0, or beyond the decades shown) sit on its edge as triangles, never as data
        self.clipped_low = self._animate(Line2D([], [], marker="v", linestyle="none", color=s.negative,
                                                markersize=s.marker_size * 0.45, zorder=4, clip_on=False))
        self.clipped_high = self._animate(Line2D([], [], marker="^", linestyle="none", color=s.negative,
                                                 markersize=s.marker_size * 0.45, zorder=4, clip_on=False))
        lx.add_line(self.clipped_low)
        lx.add_line(self.clipped_high)
        self.lowest_line = self._animate(Line2D([0, 1], [1.0, 1.0], transform=lx.get_yaxis_transform(), color=s.muted,
                                                linestyle="--", linewidth=1.0, zorder=1))
        lx.add_line(self.lowest_line)
        self.leave_marker = self._animate(Line2D([], [], marker="X", linestyle="none", color=REGIME_COLOUR,
                                                 markeredgecolor="black", markersize=s.marker_size * 0.7, zorder=6,
                                                 clip_on=False))
        ax.add_line(self.leave_marker)
        self.loss_label = self._glyph_text(lx, 0, 0, fontsize=s.font_size, color=s.text, ha="left", zorder=6)
        self.headline = self._glyph_text(ax, 0.012, 0.975, transform=fig.transFigure, ha="left", va="top",
                                         fontsize=s.title_size, fontweight="bold", linespacing=1.2)
        self.detail = self._glyph_text(ax, 0.012, 0.905, transform=fig.transFigure, ha="left", va="top",
                                       fontsize=s.font_size, color=s.muted)
        self.legend = self._glyph_text(ax, 0.5, 0.012, transform=fig.transFigure, ha="center", va="bottom",
                                       fontsize=s.tick_size, color=s.muted)
        self.path = self.regime = None
        self._loss_steps = None
        self.loss_limits = None
        self._sizes = {}
        self.resolution = int(resolution)
        self.numbering = numbering
        self.set_surface(net, x, y, pair, limits, lowest)
        self.update(path, regime)

    def label(self, name):
        return self.labels.get(name, name)

    def set_surface(self, net, x, y, pair, limits, lowest):
        """Compute and colour E over ``limits`` for ``pair`` (the other parameters as in ``net``). "full"."""
        s = self.style
        self.pair, self.limits, self.lowest = tuple(pair), tuple(map(tuple, limits)), float(lowest)
        self.grid_u, self.grid_v, self.surface = descent_grid(net, x, y, pair, limits, self.resolution, self.numbering)
        # Colour by log10 E: on a linear scale the valley floor (E near its lowest) is one flat colour.
        high = float(self.surface.max())
        floor = max(float(self.surface.min()), high * 1e-4, 1e-300)
        low, top = math.log10(floor), math.log10(max(high, 1e-300))
        if top - low < 1e-6:
            low, top = low - 0.01, top + 0.01
        self.image.set_data(np.log10(np.maximum(self.surface, floor)), self.grid_u, self.grid_v)
        self.image.set_clim(low, top)
        (u0, u1), (v0, v1) = self.limits
        self.axes.set_xlim(u0, u1)
        self.axes.set_ylim(v0, v1)
        self.axes.set_xlabel(self.label(pair[0]), fontsize=s.font_size)
        self.axes.set_ylabel(self.label(pair[1]), fontsize=s.font_size, labelpad=1)
        self.axes.set_title(f"E({self.label(pair[0])}, {self.label(pair[1])}), only these two learn",
                            fontsize=s.font_size)
        cax = self.colorbar_axes
        if self.colorbar_image is None:
            self.colorbar_image = cax.imshow(np.linspace(0, 1, 256)[:, None], origin="lower", aspect="auto",
                                             cmap=s.cmap)
        self.colorbar_image.set_extent((0, 1, low, top))
        cax.set_xlim(0, 1)
        cax.set_ylim(low, top)
        ticks = [t for t in MaxNLocator(nbins=5, steps=[1, 2, 5, 10]).tick_values(low, top) if low <= t <= top]
        if len(ticks) < 2:
            ticks = [low, top]
        cax.set_yticks(ticks)
        cax.set_yticklabels([f"{10.0 ** t:.3g}" for t in ticks])
        cax.set_title("E", fontsize=s.font_size)
        self.lowest_line.set_ydata([self.lowest, self.lowest])
        self.loss_limits = None  # the loss axis follows the path (``_loss_range``)
        self._layer_dirty = True
        self._loss_steps = None
        return "full"

    #: the loss axis shows at most this many decades (a cost reaching 1e-33 and 1e209 cannot both show)
    LOSS_DECADES = 36

    def _loss_range(self, costs):
        """(bottom, top) exponents of the loss axis for ``costs``: whole decades around the positive
        costs (and the lowest cost, when above 0), at least one decade; at most ``LOSS_DECADES`` below
        the top, unless the starting cost needs more (a diverging cost far above it: the start shows).
        The current range is kept while it still fits and is at most a decade too wide each way, so that
        moving the slider mostly blits."""
        positive = costs[np.isfinite(costs) & (costs > 0)]
        if self.lowest > 0:
            positive = np.append(positive, self.lowest)
        if positive.size == 0:
            positive = np.array([1.0])
        low, high = math.log10(float(positive.min())), math.log10(float(positive.max()))
        top = min(math.ceil(high + 1e-9), 240)  # matplotlib's log ticks overflow far beyond 1e240: above shows as ▲
        bottom = min(math.floor(low - 1e-9), top - 1)
        if self.loss_limits is not None:
            old_bottom, old_top = (round(math.log10(v)) for v in self.loss_limits)
            if old_bottom <= bottom and top <= old_top and bottom - old_bottom <= 1 and old_top - top <= 1:
                return old_bottom, old_top
        start = costs[0] if math.isfinite(costs[0]) and costs[0] > 0 else float(positive.min())
        span = max(self.LOSS_DECADES, top - math.floor(math.log10(start)) + 2)  # the start shows, and 2 decades under
        return max(bottom, top - span), top

    def _wrapped(self, text, fontsize, width, weight="normal"):
        """``text`` broken at spaces into lines of at most ``width`` inches."""
        def size(piece):
            key = (piece, fontsize, weight)
            if key not in self._sizes:
                if len(self._sizes) > 2000:
                    self._sizes.clear()
                self._sizes[key] = self._text_size(piece, fontsize, weight)[0]
            return self._sizes[key]

        lines, line = [], ""
        for word in text.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and size(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
        return "\n".join(lines)

    def update(self, path, regime):
        """Show ``path`` (a PairPath) and its ``regime``. Returns "blit", or "full" when the axes changed."""
        s = self.style
        self.path, self.regime = path, regime
        u, v = path.values[:, 0], path.values[:, 1]
        self.path_line.set_data(u, v)
        self.start_marker.set_data(u[:1], v[:1])
        self.end_marker.set_data(u[-1:], v[-1:])
        k = min(regime.step, path.steps_taken)
        self.regime_marker.set_data([u[k]], [v[k]])
        steps = np.arange(path.steps_taken + 1)
        how = "blit"
        exponents = self._loss_range(path.costs)
        limits = (10.0 ** exponents[0], 10.0 ** exponents[1])
        if limits != self.loss_limits:
            self.loss_limits = limits
            self.loss_axes.set_ylim(*limits)
            how = "full"
        bottom, top = self.loss_limits
        shown = np.clip(path.costs, bottom, top)  # 0 has no place on a log axis: it sits on the edge, marked
        below, above = path.costs < bottom, path.costs > top
        self.loss_line.set_data(steps, shown)
        self.clipped_low.set_data(steps[below], shown[below])
        self.clipped_high.set_data(steps[above], shown[above])
        self.loss_regime_marker.set_data([k], [shown[k]])
        lowest_shown = bottom <= self.lowest <= top and self.lowest > 0
        self.lowest_line.set_visible(lowest_shown)
        x_max = max(path.n_steps, 1)
        if x_max != self._loss_steps:
            self._loss_steps = x_max
            self.loss_axes.set_xlim(-0.02 * x_max, x_max * 1.02)
            how = "full"
        # the label sits beside the ring, on the side with more room
        low, high = math.log10(bottom), math.log10(top)
        up = (math.log10(shown[k]) - low) / (high - low) < 0.85  # above the ring, unless at the top
        left_side = k > 0.6 * x_max
        self.loss_label.ha = "right" if left_side else "left"
        self.loss_label.va = "bottom" if up else "top"
        factor = 10 ** ((high - low) * (0.07 if up else -0.07))
        self.loss_label.set_position((k + (-1 if left_side else 1) * 0.05 * x_max, shown[k] * factor))
        self.loss_label.set_text(f"{regime.name} (step {k})")
        width = self.figure.get_size_inches()[0] * (1 - 2 * 0.012)
        headline = self._wrapped(regime.text, s.title_size, width, weight="bold")
        self.headline.set_text(headline)
        line = self._text_size("Ag", s.title_size, "bold")[1] * 1.2 / self.figure.get_size_inches()[1]
        self.detail.set_position((0.012, 0.975 - line * (headline.count("\n") + 1) - 0.01))
        exit_point = leaves_frame(path.values, self.limits)
        leaves = "" if exit_point is None else f"; leaves the map at step {exit_point[0]}"
        if exit_point is None:
            self.leave_marker.set_data([], [])
        else:  # where the segment into the first point outside crosses the frame
            self.leave_marker.set_data([exit_point[1][0]], [exit_point[1][1]])
        end = ", ".join(fmt(value, 2) if abs(value) < 1e4 else f"{value:.2e}".replace("-", MINUS)
                        for value in path.values[-1])
        self.detail.set_text(self._wrapped(
            f"lr = {path.lr:.3g}, {path.steps_taken} steps: E {_short_cost(path.costs[0])} \u2192 "
            f"{_short_cost(path.costs[-1])}; ({self.label(self.pair[0])}, {self.label(self.pair[1])}) "
            f"ends at ({end}){leaves}" + ("; the next step overflowed" if path.stopped_because else ""),
            s.font_size, width))
        parts = ["\u25cb start", "\u25a0 end", "white: the path, a dot per step", "orange ring: where the regime shows"]
        if exit_point is not None:
            parts.append("\u2716 leaves the map")
        if below.any() or above.any():
            parts.append("\u25bc\u25b2 E off the log axis" + (" (E = 0 too)" if (path.costs <= 0).any() else ""))
        if lowest_shown:
            parts.append("dashed: the lowest E")
        self.legend.set_text("   ".join(parts))
        return how


# ---------------------------------------------------------------------------
# The backward step-through (issue 10): the diagram walked from E back to every weight, one
# chain-rule factor at a time, and the cost along one weight with its tangent and its step.
# Views only: ``widgets.BackwardStepThrough`` wires them to controls; the steps come from
# ``helpers.backward_walk`` (duck-typed here: kind, quantity, value, expression, highlight, parameter).
# ---------------------------------------------------------------------------

#: the one colour of the step-through that means "being computed now" (a highlighter pen: it sits
#: behind the blue/vermillion of the weights' signs and the black of the numbers, never on them)
HIGHLIGHT = _style.OKABE_ITO["yellow"]




def walk_caption(step):
    """The whole of one walk step on one line: "∂E/∂w5 = δ3 · z1 = −0.3438 × 0.5744 = −0.1975"."""
    name = step.quantity.split(" = ")[0]
    if step.expression.startswith(name + " = "):  # the cost: "E = −[y ln ŷ + ...] = 0.4213"
        return step.expression
    return f"{step.quantity} = {step.expression}"


def walk_product(step):
    """(the product built so far in symbols, its number) of one walk step: ("δ3 · z1", "−0.1975")."""
    parts = step.expression.split(" = ")
    name = step.quantity.split(" = ")[0]
    symbols = parts[1] if parts[0] == name and len(parts) > 2 else parts[0]
    return f"{name} = {symbols}", parts[-1]


class WalkNetworkView(NetworkView):
    """The network diagram of the backward step-through.

    ``highlight(step, computed)`` lights up, in yellow (``HIGHLIGHT``: only ever "being computed now"),
    what one step of ``backward_walk`` computes: the cost (E in the title), a node, an edge or the bias
    line of a node; puts the product built so far with its number in a box beside it; and writes the
    whole step (quantity = product = numbers) as a caption under the diagram. The gradients in
    ``computed`` (the walk has passed them) show in grey on their edges, the others are not shown yet.
    The diagram is drawn roomier than the explorer's (the numbers of a 2-2-2 net with biases need it),
    but never wider than ``MAX_WIDTH`` times the style's network width, so the slice view fits beside it.
    """

    kind = "walk"
    WIDTH_SCALE, HEIGHT_SCALE = 1.25, 1.1
    #: inches of output width a style is made for (JupyterLab at 1366x768 leaves ~1200 CSS pixels; at
    #: 1920x1080 ~1760): the diagram takes what the slice view beside it leaves
    SCREEN_WIDTH = {"default": 12.0, "projector": 17.6}

    def __init__(self, state, style=None):
        from dataclasses import replace  # local: this section is added at the end of a shared module

        base = style or _style.current()
        sizes = state.net.layer_sizes
        biased = any(b is not None for b in state.net.biases)
        natural = base.network_size[0] * max(1.0, (len(sizes) - 1) / 2) * (1.08 if biased else 1.0)
        # the node boxes grow with the font, the figure with network_size: keep the room between them
        roominess = max(1.0, (base.font_size / base.network_size[0]) / (_style.STYLES["default"].font_size
                                                                          / _style.STYLES["default"].network_size[0]))
        room = self.SCREEN_WIDTH.get(base.name, 12.0) * base.dpi / 100 - SliceView.width(base) - 0.1
        scale = min(self.WIDTH_SCALE * roominess, room / natural)
        tall = self.HEIGHT_SCALE * (1.35 if max(sizes) == 1 else 1.0)  # a chain: room above and below its row
        roomy = replace(base, network_size=(base.network_size[0] * scale, base.network_size[1] * tall))
        super().__init__(state, show_gradients=True, show_cost=True, style=roomy)
        s, ax = self.style, self.axes
        for label in self.gradient_labels.values():  # a gradient shows once the walk has computed it
            label.set_visible(False)

        # Room under the diagram for a caption of two lines, above the legend; inches per data unit stay,
        # so the boxes and edges placed in inches by NetworkView stay where they are.
        width, height = self.figure.get_size_inches()
        y0, y1 = ax.get_ylim()
        self._line_height = self._text_size("lp", s.font_size)[1]
        self._legend_top = 0.06 + self._text_size("lp", s.tick_size * 0.9)[1] + 0.06
        extra = self._line_height * 2.4 + 0.12
        self.figure.set_size_inches(width, height + extra)
        ax.set_ylim(y0 - extra * (y1 - y0) / height, y1)
        inches = self.figure.dpi_scale_trans
        self.caption = self._glyph_text(ax, width / 2, self._legend_top + 0.04, transform=inches, va="bottom",
                                        fontsize=s.font_size, linespacing=1.3, zorder=7)

        # What lights up: one band under an edge, a box over each node and over each bias line, a box
        # around E in the title; then the product box, over everything.
        self.edge_band = self._animate(ax.add_line(Line2D([], [], color=HIGHLIGHT, solid_capstyle="round",
                                                          zorder=0.9, visible=False)))
        self.node_highlights, self.bias_highlights = [], {}
        pad = 2.5 / 72
        bias_of = {(where[1] + 1, where[2]) for where in state.names.values() if where[0] == "bias"}
        for l, boxes in enumerate(self.node_boxes):
            row = []
            for j, box in enumerate(boxes):
                x, y, w, h = box.get_x(), box.get_y(), box.get_width(), box.get_height()
                row.append(self._patch(ax, (x - pad, y - pad), w + 2 * pad, h + 2 * pad, box.get_transform(),
                                       facecolor=HIGHLIGHT, edgecolor=s.node_edge, linewidth=s.line_width, zorder=4.5))
                if (l, j) in bias_of:  # the third line of the node: "b1_1 = 0.350"
                    middle = -1.3 * self._line_height  # GlyphText lines are 1.3 line heights apart, centred
                    self.bias_highlights[(l, j)] = self._patch(
                        ax, (x + pad, middle - 0.62 * self._line_height), w - 2 * pad, 1.24 * self._line_height,
                        box.get_transform(), facecolor=HIGHLIGHT, edgecolor=s.node_edge, linewidth=s.line_width * 0.6,
                        zorder=4.6)
            self.node_highlights.append(row)
        self.title_highlight = self._patch(ax, (0, 0), 1, 1, inches, facecolor=HIGHLIGHT, edgecolor="none",
                                           zorder=2.5)
        self.product_box = self._patch(ax, (0, 0), 1, 1, inches, facecolor="white", edgecolor=s.text,
                                       linewidth=s.line_width * 0.6, zorder=6)
        self.product = self._glyph_text(ax, 0, 0, transform=inches, fontsize=s.font_size, linespacing=1.3, zorder=7)
        self.highlighted = None
        self._sizes = {}
        self._two_line = set()
        self._place_gradient_labels()

    def update(self, state):
        """NetworkView's update; then the grey labels placed again for the new numbers' widths."""
        result = super().update(state)
        if result and hasattr(self, "_two_line"):  # not in NetworkView.__init__: placed at the end of ours
            self._place_gradient_labels()
        return result

    # -- where the grey gradient labels go -------------------------------------------

    def _label_rect(self, label):
        """(centre x, centre y, width, height, angle in radians) in inches of a label's text."""
        lines = label.get_text().split("\n")
        size = label.get_fontsize()
        text_w = max(self._measure(line, size)[0] for line in lines)
        text_h = self._measure("lp", size)[1] * (1 + label.linespacing * (len(lines) - 1))
        x, y = self._inches(*label.get_position())
        angle = math.radians(label.rotation)
        shift = {"bottom": text_h / 2, "top": -text_h / 2}.get(label.va, 0.0)  # the text's middle
        return x - math.sin(angle) * shift, y + math.cos(angle) * shift, text_w, text_h, angle

    @staticmethod
    def _rect_points(rect, across=3, along=11):
        """Points spread over a label's rotated rectangle (x array, y array)."""
        cx, cy, w, h, angle = rect
        middles = (np.arange(across) + 0.5) / across - 0.5  # the middle of each of ``across`` strips
        u, v = np.meshgrid(np.linspace(-w / 2, w / 2, along), middles * h)
        u, v = u.ravel(), v.ravel()
        return cx + u * math.cos(angle) - v * math.sin(angle), cy + u * math.sin(angle) + v * math.cos(angle)

    @staticmethod
    def _inside(xs, ys, rect, pad):
        """Which points lie inside a rotated rectangle grown by ``pad`` inches."""
        cx, cy, w, h, angle = rect
        dx, dy = xs - cx, ys - cy
        u = dx * math.cos(angle) + dy * math.sin(angle)
        v = -dx * math.sin(angle) + dy * math.cos(angle)
        return (np.abs(u) <= w / 2 + pad) & (np.abs(v) <= h / 2 + pad)

    def _place_gradient_labels(self):
        """Put each grey ∂E/∂w label where it collides with nothing: along its own edge, clear of the node
        boxes, of every weight label, of the grey labels placed before it and of the other edges; on the
        other side of the edge from the weight label where that is free; on two lines ("∂E/∂w3" over
        "= −0.0420") where the edge is too short for one. A weight label that NetworkView put over a node
        box or past its edge's end (a chain's short edges) is placed the same way, above its edge first.
        Placed once per network's numbers: the layout does not move from step to step."""
        s = self.style
        width, height = self.figure.get_size_inches()
        low, high = self._legend_top + self._line_height * 2.4, height - 0.1 - self._measure("lp", s.title_size)[1]
        gap = (s.edge_width_max / 2 + 2) / 72
        nodes = []
        for layer, boxes in zip(self.positions, self.node_boxes):
            for (x, y), box in zip(layer, boxes):
                cx, cy = self._inches(x, y)
                nodes.append((cx, cy, box.get_width(), box.get_height(), 0.0))
        segments, dotted = {}, {}  # each edge's ends, and points along it 0.02 inches apart
        for name, line in self.edges.items():
            (xa, xb), (ya, yb) = line.get_data()
            segments[name] = (*self._inches(xa, ya), *self._inches(xb, yb))
            ia, ja, ib, jb = segments[name]
            k = np.linspace(0, 1, max(2, int(math.hypot(ib - ia, jb - ja) / 0.02)))
            dotted[name] = (ia + k * (ib - ia), ja + k * (jb - ja))
        weight_rects = {name: self._label_rect(label) for name, label in self.edge_labels.items()}
        placed = []

        def off_edge(name, xs, ys):
            ia, ja, ib, jb = segments[name]
            angle = math.atan2(jb - ja, ib - ia)
            along = (xs - ia) * math.cos(angle) + (ys - ja) * math.sin(angle)
            return (along < -0.02) | (along > math.hypot(ib - ia, jb - ja) + 0.02)

        def search(name, label, prefer):
            """The best (rect, text, lines) for ``label`` along edge ``name``, on side ``prefer`` if free."""
            one_line = label.get_text().replace("\n= ", " = ")
            ia, ja, ib, jb = segments[name]
            angle = math.atan2(jb - ja, ib - ia)
            up = (-math.sin(angle), math.cos(angle))
            others = [points for other, points in dotted.items() if other != name]
            itself = name if label is self.edge_labels[name] else None  # a weight label is no obstacle to itself
            obstacles = [*nodes, *(rect for other, rect in weight_rects.items() if other != itself), *placed]
            best, best_score = None, math.inf
            for lines, text in ((1, one_line), (2, one_line.replace(" = ", "\n= ", 1))):
                parts = text.split("\n")
                text_w = max(self._measure(part, label.get_fontsize())[0] for part in parts)
                text_h = self._measure("lp", label.get_fontsize())[1] * (1 + label.linespacing * (lines - 1))
                for t in np.linspace(0.15, 0.85, 15):
                    px, py = ia + t * (ib - ia), ja + t * (jb - ja)
                    for side in (prefer, -prefer):
                        reach = side * (gap + text_h / 2)
                        rect = (px + up[0] * reach, py + up[1] * reach, text_w, text_h, angle)
                        xs, ys = self._rect_points(rect)
                        hit = np.zeros(xs.shape, dtype=bool)
                        for other in obstacles:
                            hit |= self._inside(xs, ys, other, 0.03)
                        crossed = sum(bool(np.any(self._inside(ex, ey, rect, 0.02))) for ex, ey in others)
                        # along its own edge only: past an end, it would seem to label the next one
                        outside = (xs < 0.03) | (xs > width - 0.03) | (ys < low) | (ys > high)
                        score = (10 * np.mean(hit | outside) + 0.6 * crossed + 4 * np.mean(off_edge(name, xs, ys))
                                 + 0.15 * (lines - 1) + 0.08 * (side != prefer) + 0.1 * abs(t - 0.5))
                        if score < best_score:
                            best, best_score = (rect, text, lines), score
            return best

        def put(label, rect, text):
            label.set_text(text)
            label.va = "center"
            label.set_position(tuple(self.axes.transData.inverted().transform(
                (rect[0] * self.figure.dpi, rect[1] * self.figure.dpi))))

        for name, label in self.edge_labels.items():
            xs, ys = self._rect_points(weight_rects[name])
            if any(np.any(self._inside(xs, ys, node, 0.0)) for node in nodes) or np.any(off_edge(name, xs, ys)):
                rect, text, _ = search(name, label, 1)
                put(label, rect, text)
                weight_rects[name] = rect
        self._two_line = set()
        for name, label in self.gradient_labels.items():
            rect, text, lines = search(name, label, -1)
            placed.append(rect)
            if lines == 2:
                self._two_line.add(name)
            put(label, rect, text)

    def _patch(self, ax, xy, width, height, transform, **kwargs):
        """An animated rounded box, hidden until a step lights it up."""
        from matplotlib.patches import FancyBboxPatch

        box = FancyBboxPatch(xy, width, height, boxstyle="round,pad=0,rounding_size=0.05", transform=transform,
                             visible=False, **kwargs)
        box.set_clip_on(False)
        ax.add_patch(box)
        return self._animate(box)

    def _draw_legend(self, ax):
        """The explorer's key (sign colours, width, grey gradients) and the highlight's meaning."""
        s = self.style
        size = s.tick_size * 0.9
        inches = self.figure.dpi_scale_trans
        parts = [(s.positive, "w > 0", 1.5), (s.negative, "w < 0", 1.5), (None, "edge width = |w|", 0),
                 (None, "grey: \u2202E/\u2202w found so far", 0), (HIGHLIGHT, "being computed now", 5.0)]
        sample = 0.3
        widths = [(sample if colour else 0) + self._text_size(label, size)[0] + 0.22 for colour, label, _ in parts]
        left = (self.figure.get_size_inches()[0] - sum(widths)) / 2
        middle = 0.06 + self._text_size("lp", size)[1] / 2
        for (colour, label, thickness), width in zip(parts, widths):
            text_left = left
            if colour:
                line = Line2D([left, left + sample - 0.06], [middle, middle], color=colour,
                              linewidth=s.line_width * thickness, transform=inches, solid_capstyle="butt")
                line.set_clip_on(False)
                ax.add_line(line)
                text_left += sample
            ax.text(text_left, middle, label, transform=inches, ha="left", va="center", fontsize=size, color=s.muted)
            left += width

    # -- one step ------------------------------------------------------------------

    def _measure(self, text, size):
        """``_text_size``, remembered: the labels and products of one walk are measured once."""
        key = (text, size)
        if key not in self._sizes:
            if len(self._sizes) > 2000:
                self._sizes.clear()
            self._sizes[key] = self._text_size(text, size)
        return self._sizes[key]

    def _inches(self, x, y):
        """A data point of the diagram in inches from the figure's lower-left corner."""
        px, py = self.axes.transData.transform((x, y))
        return px / self.figure.dpi, py / self.figure.dpi

    def _wrap(self, text, size, width):
        """``text`` in as few lines as fit ``width`` inches, broken before " = " where it can."""
        if self._measure(text, size)[0] <= width:
            return text
        parts = text.split(" = ")
        lines, line = [], parts[0]
        for part in parts[1:]:
            candidate = f"{line} = {part}"
            if self._measure(candidate, size)[0] <= width:
                line = candidate
            else:
                lines.append(line)
                line = "= " + part
        lines.append(line)
        return "\n".join(lines)

    def _best_place(self, anchors, box_w, box_h, keep_visible=None):
        """The centre (inches) among ``anchors`` where a box_w x box_h box covers the least: no node box,
        no label, not the title, caption or legend strips, not off the figure; earlier anchors win ties."""
        width, height = self.figure.get_size_inches()
        nodes = []
        for layer, boxes in zip(self.positions, self.node_boxes):
            for (x, y), box in zip(layer, boxes):
                cx, cy = self._inches(x, y)
                nodes.append((cx - box.get_width() / 2, cy - box.get_height() / 2, cx + box.get_width() / 2,
                              cy + box.get_height() / 2))
        labels = []  # the visible edge labels: points over each rotated text, its area and its line height
        for label in (*self.edge_labels.values(), *self.gradient_labels.values()):
            if not label.get_visible() or not label.get_text():
                continue
            rect = self._label_rect(label)
            lines = label.get_text().count("\n") + 1
            xs, ys = self._rect_points(rect, across=lines, along=9)
            labels.append((xs, ys, rect[2] * rect[3], rect[3] / lines))
        bottom = self._legend_top + self._line_height * 2.4  # the caption and the legend
        top = height - 0.1 - self._measure("lp", self.style.title_size)[1]  # the title

        def overlap(a, b):
            return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))

        best, best_score = anchors[0], math.inf
        for rank, (cx, cy) in enumerate(anchors):
            box = (cx - box_w / 2, cy - box_h / 2, cx + box_w / 2, cy + box_h / 2)
            area = box_w * box_h
            score = 20 * sum(overlap(box, node) for node in nodes)
            for xs, ys, label_area, text_h in labels:  # the covered part of each label's text
                inside = ((box[0] - text_h / 2 < xs) & (xs < box[2] + text_h / 2)
                          & (box[1] - text_h / 2 < ys) & (ys < box[3] + text_h / 2))
                score += 40 * label_area * np.mean(inside)  # worse than covering a node
            score += 20 * (overlap(box, (-9, -9, width + 9, bottom)) + overlap(box, (-9, top, width + 9, height + 9)))
            score += 50 * (area - overlap(box, (0.03, 0.03, width - 0.03, height - 0.03)))
            if keep_visible is not None:  # the lit edge: a box over more than its middle hides the highlight
                inside = np.mean((box[0] < keep_visible[0]) & (keep_visible[0] < box[2])
                                 & (box[1] < keep_visible[1]) & (keep_visible[1] < box[3]))
                score += 3 * max(0.0, inside - 0.4)
            score += 0.01 * rank
            if score < best_score:
                best, best_score = (cx, cy), score
        return best

    def highlight(self, step, computed=()):
        """Show one walk step: light up ``step.highlight``, the product box beside it, the caption; the
        gradients of the parameters in ``computed`` in grey on their edges. Returns "blit"."""
        s = self.style
        for name, label in self.gradient_labels.items():
            label.set_visible(name in computed)
            self.edge_labels[name].set_visible(True)
        for artist in (self.edge_band, self.title_highlight, *self.bias_highlights.values(),
                       *(box for row in self.node_highlights for box in row)):
            artist.set_visible(False)
        width, height = self.figure.get_size_inches()
        symbols, number = walk_product(step)
        lines = [symbols, f"= {number}"]
        if self._measure(symbols, s.font_size)[0] > 1.35 * s.font_size / 10.5 and " = " in symbols:
            lines[:1] = [symbols.split(" = ")[0], "= " + symbols.split(" = ", 1)[1]]  # narrower, one line more
        self.product.set_text("\n".join(lines))
        line_w = max(self._measure(line, s.font_size)[0] for line in lines)
        pad = s.font_size / 72 * 0.55
        box_w, box_h = line_w + 2 * pad, self._line_height * (1 + 1.3 * (len(lines) - 1)) + 1.4 * pad
        where = step.highlight
        keep_visible = None
        anchors = []  # where the product box may go, in inches, best first; none: no box
        if where[0] == "cost":  # E is in the title, which the box would only repeat
            title = self.title.get_text()
            title_w = self._measure(title, s.title_size)[0] + 2 * pad
            title_h = self._measure("lp", s.title_size)[1] + 1.2 * pad
            top = 0.985 * height + 0.6 * pad
            self.title_highlight.set_bounds(width / 2 - title_w / 2, top - title_h, title_w, title_h)
            self.title_highlight.set_visible(True)
        elif where[0] in ("node", "bias"):
            layer, index = (where[1], where[2]) if where[0] == "node" else (where[1] + 1, where[2])
            (self.bias_highlights[(layer, index)] if where[0] == "bias" else
             self.node_highlights[layer][index]).set_visible(True)
            box = self.node_boxes[layer][index]
            x, y = self._inches(*self.positions[layer][index])
            dy = box.get_height() / 2 + 0.1 + box_h / 2
            dx = box.get_width() / 2 + 0.1 + box_w / 2
            for more in (0.0, 0.3, 0.6, 0.9):
                anchors += [(x, y - dy - more), (x, y + dy + more), (x - dx - more, y), (x + dx + more, y),
                            (x - dx, y - dy - more), (x - dx, y + dy + more), (x + dx, y - dy - more),
                            (x + dx, y + dy + more)]
                for shift in (-0.5, 0.5):  # half off to one side, above and below
                    anchors += [(x + shift * dx, y - dy - more), (x + shift * dx, y + dy + more)]
        elif where[0] == "edge":
            _, l, row, col = where
            name = self._names_by_index[("weight", l, row, col)]
            line = self.edges[name]
            self.edge_band.set_data(*line.get_data())
            self.edge_band.set_linewidth(line.get_linewidth() + 9)
            self.edge_band.set_visible(True)
            # the box takes the place of this edge's labels (its number is the product's), or sits beside it
            self.edge_labels[name].set_visible(False)
            self.gradient_labels[name].set_visible(False)
            (xa, xb), (ya, yb) = line.get_data()
            (ia, ja), (ib, jb) = self._inches(xa, ya), self._inches(xb, yb)
            length = np.hypot(ib - ia, jb - ja)
            nx, ny = -(jb - ja) / length, (ib - ia) / length
            along = np.linspace(0, 1, 21)
            keep_visible = (ia + along * (ib - ia), ja + along * (jb - ja))
            for t in (0.5, 0.4, 0.6, 0.3, 0.7):
                px, py = ia + t * (ib - ia), ja + t * (jb - ja)
                anchors.append((px, py))
                for side in (1, -1):
                    for more in (0.0, 0.25, 0.5):
                        reach = abs(nx) * box_w / 2 + abs(ny) * box_h / 2 + 0.06 + more  # clear of the edge
                        anchors.append((px + side * nx * reach, py + side * ny * reach))
        if not anchors:
            self.product_box.set_visible(False)
            self.product.set_visible(False)
        else:
            cx, cy = self._best_place(anchors, box_w, box_h, keep_visible)
            self.product_box.set_bounds(cx - box_w / 2, cy - box_h / 2, box_w, box_h)
            self.product.set_position((cx, cy))
            self.product_box.set_visible(True)
            self.product.set_visible(True)
        self.caption.set_text(self._wrap(walk_caption(step), s.font_size, width - 0.3))
        self.highlighted = tuple(where)
        return "blit"


def cost_slice(net, x, y, where, values):
    """E at each of ``values`` of one parameter (``where`` as in ``parameter_names``), all others fixed;
    NaN where the network refuses the point (an overflow). Evaluated by ``set_parameter`` and
    ``Network.cost``: no arithmetic of its own."""
    from .network import set_parameter

    costs = []
    for value in np.asarray(values, dtype=float):
        try:
            costs.append(set_parameter(net, where, float(value)).cost(x, y))
        except ValueError:
            costs.append(np.nan)
    return np.array(costs)


class SliceView(LiveFigure):
    """E as a function of one weight (or bias), every other parameter fixed: the curve, the current
    point, the tangent there (slope exactly ∂E/∂w; dashed grey, the grey of the gradients in the
    diagram) and, with a learning rate, the step −lr·∂E/∂w drawn to scale as an arrow along the weight
    axis (blue: w goes up, vermillion: down, as in the explorer), landing on the new weight and E there.
    The numbers are written above the axes, each line marked like what it labels.

    ``pending``: None, or the number (from 1) of the walk step that finds ∂E/∂w. While it is set the
    gradient is not known yet, so only the curve and the point are drawn, with a line saying which
    step finds it; the slope, the tangent, the step and the landing appear together once it is None.
    A step too short to see at the curve's scale (``TINY_STEP`` inches) is also drawn magnified in a
    small inset, ``zoom``, which says how much it magnifies and writes both ends' values.

    ``set_parameter(state, name, pending)`` shows another parameter, ``set_pending(pending)`` the same
    one with its gradient known or not; ``slope``, ``step`` and ``landing`` are the numbers drawn (None
    while pending), ``tangent``, ``step_arrow``, ``point``, ``next_point``, ``zoom`` the artists."""

    kind = "slice"
    POINTS = 121
    TINY_STEP = 0.1  # inches: an arrow shorter than this also gets the magnified inset

    @staticmethod
    def width(style):
        """The figure's width in inches in ``style``."""
        return style.surface_size[0] * 1.1

    def __init__(self, state, name, style=None, pending=None):
        base = style or _style.current()
        super().__init__((self.width(base), base.surface_size[1] * 0.95), style)
        s = self.style
        width, height = self.figure.get_size_inches()
        readout_size = s.tick_size
        line_h = self._text_size("lp", readout_size)[1] * 1.3
        title_h = self._text_size("lp", s.title_size)[1]
        top = (0.08 + title_h + 0.08 + 4 * line_h + 0.08) / height  # the title and four readout lines
        bottom = (0.12 + 2 * self._text_size("0", s.tick_size)[1] + 0.22) / height
        # the E, its pad, the widest y tick label, the ticks and their pads, a margin
        left = (0.3 + self._text_size("E", s.font_size)[0] + self._text_size("0.0000", s.tick_size)[0]) / width
        # the last x tick label is centred on the right spine: half of the widest one, and a margin
        right = (0.2 + self._text_size(f"{MINUS}0.000", s.tick_size)[0] / 2) / width
        ax = self.axes = self.figure.add_axes((left, bottom, 1 - left - right, 1 - top - bottom))
        ax.tick_params(labelsize=s.tick_size)
        ax.set_ylabel("E", fontsize=s.font_size, rotation=0, ha="right", va="center", labelpad=6)
        self.title = self.figure.text(0.5, 1 - 0.08 / height, "", ha="center", va="top", fontsize=s.title_size)
        self.curve = ax.plot([], [], "-", color=s.text, linewidth=s.line_width, zorder=2)[0]
        self.tangent = self._animate(ax.plot([], [], "--", color=s.muted, linewidth=s.line_width * 0.8,
                                             zorder=3)[0])
        self.guides = self._animate(ax.plot([], [], ":", color=s.muted, linewidth=s.line_width * 0.6, zorder=3)[0])
        self.step_arrow = self._animate(ax.add_patch(FancyArrowPatch(
            (0, 0), (0, 0), arrowstyle="-|>,head_length=0.5,head_width=0.25", mutation_scale=s.marker_size * 1.2,
            linewidth=s.line_width * 1.3, color=s.positive, shrinkA=0, shrinkB=0, zorder=5)))
        self.next_point = self._animate(ax.plot([], [], "o", markersize=s.marker_size * 0.6, markerfacecolor="white",
                                                markeredgecolor=s.text, markeredgewidth=s.line_width * 0.7,
                                                zorder=6)[0])
        self.point = self._animate(ax.plot([], [], "o", markersize=s.marker_size * 0.7, markerfacecolor=s.text,
                                           markeredgecolor=s.text, zorder=7)[0])
        inches = self.figure.dpi_scale_trans
        first_line = height - 0.16 - title_h
        self.readout = [self._glyph_text(ax, 0.12, first_line - i * line_h, transform=inches, ha="left", va="top",
                                         fontsize=readout_size, color=colour)
                        for i, colour in enumerate((s.text, s.muted, s.positive, s.text))]
        # the magnified step: a small axes of its own (static: shown and hidden by full redraws)
        zoom = self.zoom = self.figure.add_axes((0, 0, 0.1, 0.1), zorder=8)
        zoom.set_visible(False)
        zoom.set_yticks([])
        zoom.tick_params(labelsize=s.tick_size * 0.8, length=3, pad=1)
        for side in ("left", "right", "top"):
            zoom.spines[side].set_color(s.muted)
        self._zoom_arrow = zoom.add_patch(FancyArrowPatch(
            (0, 0), (0, 0), arrowstyle="-|>,head_length=0.5,head_width=0.25", mutation_scale=s.marker_size * 1.2,
            linewidth=s.line_width * 1.3, color=s.positive, shrinkA=0, shrinkB=0, zorder=5))
        self._zoom_start = zoom.plot([], [], "o", markersize=s.marker_size * 0.45, color=s.text, zorder=6)[0]
        self._zoom_title = zoom.text(0.5, 0.94, "", transform=zoom.transAxes, ha="center", va="top",
                                     fontsize=s.tick_size * 0.8, color=s.muted)
        self.name = None
        self.pending = None
        self._key = None
        self._curves = {}
        self.set_parameter(state, name, pending)

    def set_parameter(self, state, name, pending=None):
        """Show E along another parameter (a name of ``state.names``); ``pending`` as ``set_pending``.
        Returns "full"."""
        if name not in state.names:
            raise ValueError(f"weight: {name!r} is not a parameter of this network; choose from {list(state.names)}")
        self.name = name
        self.pending = pending
        self._key = None
        self.update(state)
        return "full"

    def set_pending(self, pending):
        """``pending``: the number (from 1) of the walk step that finds this parameter's gradient, which
        is not computed yet (the curve and the point only), or None (the gradient is known: the tangent,
        the step and the landing too). Returns "full", or None when nothing changed."""
        if pending == self.pending:
            return None
        self.pending = pending
        if self._key is not None:
            self._show_gradient()
        return "full"

    def update(self, state):
        """Recompute the curve when the network, the example or the parameter changed. Returns "full"
        (the axes changed) or None (nothing to do)."""
        s, name = self.style, self.name
        key = (name, _values_key(state), state.lr)
        if key == self._key:
            return None
        self._key = key
        w, g, cost = state.values[name], state.grads[name], state.cost
        change = state.changes.get(name) if state.has_step else None
        reach = abs(change) if change is not None and np.isfinite(change) else 0.0
        half = max(0.5, 3 * reach)  # the curve's shape around w, and the whole step
        if key not in self._curves:  # the step-through comes back to the same weights: each curve once
            if len(self._curves) > 64:
                self._curves.clear()
            grid = np.linspace(w - half, w + half, self.POINTS)
            self._curves[key] = (grid, cost_slice(state.net, state.x, state.y, state.names[name], grid), {})
        self.grid, self.costs, landings = self._curves[key]
        ax = self.axes
        ax.set_xlim(w - half, w + half)
        finite = self.costs[np.isfinite(self.costs)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (cost - 1, cost + 1)
        margin = max(0.08 * (high - low), 1e-3 * max(1.0, abs(cost)))
        low -= 2.2 * margin  # room under the curve for the step's arrow
        ax.set_ylim(low, high + margin)  # the tangent may shoot off: it is clipped to the axes
        ax.set_xlabel(name, fontsize=s.font_size, labelpad=2)
        self.title.set_text(f"E along {name} alone, the rest fixed")
        self.curve.set_data(self.grid, self.costs)
        self.point.set_data([w], [cost])
        ends = np.array([w - half, w + half])
        self.tangent.set_data(ends, cost + g * (ends - w))
        self._slope = g
        lines = [f"\u25cf  {name} = {fmt(w)},  E = {fmt(cost, 4)}",
                 f"\u2504  tangent: slope \u2202E/\u2202{name} = {fmt_significant(g)}"]
        if change is not None:
            new = state.new_values[name]
            # this parameter's step alone lands on the curve: E there, the others fixed
            if new not in landings:
                landings[new] = float(cost_slice(state.net, state.x, state.y, state.names[name], [new])[0])
            landing = landings[new]
            colour = s.muted if change == 0 else (s.positive if change > 0 else s.negative)
            level = low + 1.1 * margin  # along the weight axis, under the curve
            self.step_arrow.set_positions((w, level), (new, level))
            self.step_arrow.set_color(colour)
            # on screen: shorter than its own head, the arrow would be all head, longer than the step
            inches = abs(change) / (2 * half) * ax.get_position().width * self.figure.get_size_inches()[0]
            tiny = 0 < inches < self.TINY_STEP
            self.step_arrow.set_arrowstyle("-" if tiny else "-|>,head_length=0.5,head_width=0.25")
            self.guides.set_data([w, w, np.nan, new, new], [cost, level, np.nan, level, landing])
            self.next_point.set_data([new], [landing])
            self._colour = colour
            sign = "+" if change > 0 else ""
            lines += [f"\u2192  step \u2212lr\u00b7\u2202E/\u2202{name} = {sign}{fmt_significant(change)}",
                      f"\u25cb  lands at {name} = {fmt(new, 4)},  E = {fmt(landing, 4)}"]
            self._step, self._landing = change, (new, landing)
            self._tiny = (w, new, colour, inches) if tiny else None
        else:
            self.guides.set_data([], [])
            self.next_point.set_data([], [])
            lines += ["", ""]
            self._step = self._landing = self._tiny = None
        self._lines = lines
        self._show_gradient()
        return "full"

    def _show_gradient(self):
        """Draw, or hide while ``pending``, what needs the gradient: the tangent, the step, the landing."""
        s, name, known = self.style, self.name, self.pending is None
        self.slope, self.step, self.landing = (self._slope, self._step, self._landing) if known else (None,) * 3
        self.tangent.set_visible(known)
        self.step_arrow.set_visible(known and bool(self._step))
        self.guides.set_visible(known)
        self.next_point.set_visible(known)
        lines = list(self._lines)
        self.readout[1].set_color(s.muted)
        if not known:
            lines[1:] = [f"\u2202E/\u2202{name} not computed yet: step {self.pending} finds it",
                         "then the tangent and the step appear" if self._lines[2] else "then the tangent appears", ""]
            self.readout[2].set_color(s.muted)
        elif self._step is not None:
            self.readout[2].set_color(self._colour)
        for text, line in zip(self.readout, lines):
            text.set_text(line)
        self._show_zoom(known and self._tiny is not None)

    def _show_zoom(self, show):
        """The step magnified in a small inset, in the lower corner the curve leaves free."""
        zoom = self.zoom
        zoom.set_visible(show)
        if not show:
            return
        w, new, colour, inches = self._tiny
        ax = self.axes
        box = ax.get_position()
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        fraction_x = (self.grid - x0) / (x1 - x0)
        fraction_y = (self.costs - y0) / (y1 - y0)
        zoom_w, zoom_h = 0.46, 0.3
        free = {}
        for corner, (a, b) in (("right", (1 - zoom_w - 0.03, 0.97)), ("left", (0.03, 0.03 + zoom_w))):
            under = (fraction_x >= a - 0.02) & (fraction_x <= b + 0.02)
            free[corner] = np.nanmin(fraction_y[under]) if np.any(under & np.isfinite(fraction_y)) else 1.0
        left = 1 - zoom_w - 0.03 if free["right"] >= free["left"] else 0.03
        zoom.set_position((box.x0 + left * box.width, box.y0 + 0.16 * box.height, zoom_w * box.width,
                           zoom_h * box.height))
        span = abs(new - w)
        middle = (w + new) / 2
        zoom.set_xlim(middle - 0.75 * span, middle + 0.75 * span)
        zoom.set_ylim(0, 1)
        zoom.set_xticks([min(w, new), max(w, new)])
        decimals = max(2, 1 - math.floor(math.log10(span)))  # both ends to the step's second digit
        zoom.set_xticklabels([fmt(v, decimals) for v in (min(w, new), max(w, new))])
        self._zoom_arrow.set_positions((w, 0.35), (new, 0.35))
        self._zoom_arrow.set_color(colour)
        self._zoom_start.set_data([w], [0.35])
        magnified = (zoom_w * box.width) / (1.5 * span) / (box.width / (x1 - x0))
        self._zoom_title.set_text(f"step, magnified \u00d7{magnified:.0f}")
