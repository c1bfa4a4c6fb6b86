"""The training playground's views (drawing only; ``helpers.widgets.Playground`` wires them).

    grid = BoundaryGrid()                        # a coarse grid over the data plane (60 x 60)
    trace = grid.forward(net)                    # one forward pass gives the boundary and every neuron's picture
    data_view = DataView(); data_view.set_points(data); data_view.update(grid, trace)
    training_view = TrainingView(net.layer_sizes, "tanh"); training_view.update(net, grid, trace, history, ...)
    step_view = StepView(state.net.layer_sizes); step_view.update(state, focus=(layer, unit), ...)

Each is a ``helpers.live.LiveFigure``: axes, ticks, frames and labels are painted once as a background;
what moves while training (the boundary image, the points, the edges, the neuron pictures, the loss
curves, the numbers) is animated and repainted by blitting. A full draw happens only when the axes
change (the loss curve outgrows its axes, a new data set or architecture).

Colours: the classes are Okabe-Ito orange, sky blue and bluish green with a marker shape each (o, s, ^),
so they read without colour too; the background blends the class colours by the predicted
probabilities and fades to white where the network is unsure (the decision boundary is the white
band). Edges are blue (w > 0) or vermillion (w < 0), width |w|, as in the lessons' diagram; neuron
pictures use cividis (low dark blue, high yellow), the course's colour map for values.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Rectangle

from . import style as _style
from .draw import MINUS, fmt, node_labels
from .live.figure import LiveFigure, _interpolation_weights
from .network import ACTIVATIONS

__all__ = ["BoundaryGrid", "CLASS_COLOURS", "CLASS_MARKERS", "DataView", "StepView", "TrainingView",
           "boundary_colours", "class_probabilities"]

GRID = 60  # points per side of the boundary grid: coarse, so a frame costs one small forward pass
LIMITS = (-1.3, 1.3)  # the data are scaled into [-1, 1]^2 (test points may lie just outside)
CLASS_COLOURS = (_style.OKABE_ITO["orange"], _style.OKABE_ITO["sky_blue"], _style.OKABE_ITO["bluish_green"])
CLASS_MARKERS = ("o", "s", "^")
TRAIN_COLOUR = "#111111"  # loss curves: train solid black, test dashed grey (not the sign colours)
TEST_COLOUR = "#777777"
BATCH_COLOUR = "#c9c9c9"  # faint: the loss of each logged step's own mini-batch (how noisy the steps are)


def _cividis_lut():
    return (colormaps["cividis"](np.linspace(0, 1, 256)) * 255).round().astype(np.uint8)


class BoundaryGrid:
    """A square grid over the data plane: ``u`` (x1) and ``v`` (x2) values, and the points in row order
    (row i is x2 = v[i], from the bottom)."""

    def __init__(self, resolution=GRID, limits=LIMITS):
        self.resolution = int(resolution)
        self.limits = tuple(limits)
        self.u = np.linspace(*limits, self.resolution)
        self.v = np.linspace(*limits, self.resolution)
        uu, vv = np.meshgrid(self.u, self.v)
        self.points = np.column_stack([uu.ravel(), vv.ravel()])

    def forward(self, net):
        """The network's forward pass over every grid point (a Trace of (n*n, ...) arrays)."""
        return net.forward(self.points)

    def image(self, values):
        """A column of n*n values as an (n, n) picture, row 0 at the bottom."""
        return np.asarray(values).reshape(self.resolution, self.resolution)


def class_probabilities(output):
    """(m, K) probabilities of each class from the output layer: [1 - p, p] for one sigmoid unit."""
    output = np.atleast_2d(output)
    if output.shape[1] == 1:
        return np.column_stack([1.0 - output[:, 0], output[:, 0]])
    return output


def boundary_colours(probabilities, colours=CLASS_COLOURS):
    """RGB in [0, 1] per point: the class colours mixed by probability, faded towards white where the
    network is unsure (the largest probability near 1/K), so the decision boundary is a white band."""
    p = np.asarray(probabilities, dtype=float)
    k = p.shape[-1]
    palette = np.array([to_rgb(c) for c in colours[:k]])
    mixed = p @ palette
    confidence = (p.max(axis=-1) - 1.0 / k) / (1.0 - 1.0 / k)
    strength = 0.8 * np.clip(confidence, 0.0, 1.0)[..., None]
    return 1.0 - (1.0 - mixed) * strength


# ---------------------------------------------------------------------------
# Two artists: a colour picture over an axes, and small pictures at given spots
# ---------------------------------------------------------------------------


class RGBGridImage(Artist):
    """RGB values on a grid, painted bilinearly over the whole of ``axes`` (like helpers.live's
    SurfaceImage, with colours instead of a colour map: a mix of class colours has no single value)."""

    def __init__(self, axes, grid_u, grid_v):
        super().__init__()
        self.axes = axes
        self.grid_u, self.grid_v = grid_u, grid_v
        self._data = None
        self._weights = None  # (key, (row, t_row, col, t_col)) for the axes' pixel size
        # overlay(renderer, (x0, y0, width, height)) -> (flat pixel index, rgb, alpha) of what lies on top
        # (the data points, rendered once): mixed in here, it costs no draw per frame
        self.overlay = None

    def set_data(self, rgb):
        self._data = np.asarray(rgb, dtype=np.float32)
        self.stale = True

    def get_array(self):
        return self._data

    def draw(self, renderer):
        if self._data is None or not self.get_visible():
            return
        box = self.axes.bbox
        x0, y0 = round(box.x0), round(box.y0)
        width, height = round(box.x1) - x0, round(box.y1) - y0
        key = (x0, y0, width, height, tuple(self.axes.get_xlim()), tuple(self.axes.get_ylim()))
        if self._weights is None or self._weights[0] != key:
            # bilinear at every other pixel, then each value fills its 2 x 2 block: the colours vary
            # smoothly over many pixels, so this looks the same and costs a quarter
            to_data = self.axes.transData.inverted()
            half_w, half_h = (width + 1) // 2, (height + 1) // 2
            us = to_data.transform(np.column_stack([x0 + 1.0 + 2 * np.arange(half_w), np.full(half_w, y0 + 1.0)]))[:, 0]
            vs = to_data.transform(np.column_stack([np.full(half_h, x0 + 1.0), y0 + 1.0 + 2 * np.arange(half_h)]))[:, 1]
            row, t_row = _interpolation_weights(self.grid_v, vs)
            col, t_col = _interpolation_weights(self.grid_u, us)
            blocks = (np.arange(height) // 2, np.arange(width) // 2)
            self._weights = (key, (row, t_row.astype(np.float32)[:, None, None], col,
                                   t_col.astype(np.float32)[None, :, None], blocks))
        row, t_row, col, t_col, (block_rows, block_cols) = self._weights[1]
        data = self._data
        rows = data.take(row, axis=0) * (1 - t_row) + data.take(row + 1, axis=0) * t_row
        rgb = rows.take(col, axis=1) * (1 - t_col) + rows.take(col + 1, axis=1) * t_col
        np.multiply(rgb, 255.0, out=rgb)
        rgb += 0.5
        small = np.empty((*rgb.shape[:2], 4), dtype=np.uint8)
        small[..., :3] = rgb
        small[..., 3] = 255
        rgba = small.take(block_rows, axis=0).take(block_cols, axis=1)  # Agg takes the bottom row first, as ours
        if self.overlay is not None:
            index, colours, alpha = self.overlay(renderer, (x0, y0, width, height))
            if len(index):
                flat = rgba.reshape(-1, 4)
                under = flat[index, :3].astype(np.float32)
                flat[index, :3] = under * (1 - alpha) + colours * (255 * alpha) + 0.5
        gc = renderer.new_gc()
        gc.set_clip_rectangle(box)
        renderer.draw_image(gc, x0, y0, rgba)
        gc.restore()
        self.stale = False


class Thumbnails(Artist):
    """Small square pictures, ``size`` inches wide, centred on points of ``axes`` (data coordinates):
    one per neuron. Each picture is an (n, n, 4) uint8 array, row 0 at the bottom, shown by nearest
    neighbour (a neuron's picture is small; its pixels may show)."""

    def __init__(self, axes, centres, size):
        super().__init__()
        self.axes = axes
        self.centres = list(centres)
        self.size = float(size)
        self.pictures = [None] * len(self.centres)
        self._index = {}

    def set_pictures(self, pictures):
        self.pictures = list(pictures)
        self.stale = True

    def draw(self, renderer):
        if not self.get_visible():
            return
        side = max(2, round(self.size * renderer.dpi))
        gc = renderer.new_gc()
        to_pixels = self.axes.transData
        for (cx, cy), picture in zip(self.centres, self.pictures):
            if picture is None:
                continue
            n = picture.shape[0]
            index = self._index.get((side, n))
            if index is None:
                index = self._index[(side, n)] = (np.arange(side) * n) // side
            px, py = to_pixels.transform((cx, cy))
            renderer.draw_image(gc, round(px - side / 2), round(py - side / 2), picture[index][:, index])
        gc.restore()
        self.stale = False


# ---------------------------------------------------------------------------
# The data and the decision boundary
# ---------------------------------------------------------------------------


class DataView(LiveFigure):
    """The data plane: the decision boundary as a picture behind the points (filled markers: training
    points, hollow: test points), and a ring around the picked example."""

    kind = "data"

    def __init__(self, grid=None, figsize=(4.3, 4.55), style=None):
        super().__init__(figsize, style)
        s = self.style
        self.grid = grid or BoundaryGrid()
        width, height = figsize
        side = 3.55  # a square axes, inches
        left, bottom = 0.52 / width, 0.45 / height
        ax = self.axes = self.figure.add_axes((left, bottom, side / width, side / height))
        ax.set_xlim(*self.grid.limits)
        ax.set_ylim(*self.grid.limits)
        ax.set_xlabel("x1", fontsize=s.tick_size, labelpad=1)
        ax.set_ylabel("x2", fontsize=s.tick_size, labelpad=1)
        ax.tick_params(labelsize=s.tick_size * 0.85, length=3, pad=2)
        self.image = self._animate(RGBGridImage(ax, self.grid.u, self.grid.v))
        self.image.set_zorder(0)
        ax.add_artist(self.image)
        self.train_points, self.test_points = [], []  # one scatter per class
        for colour, marker in zip(CLASS_COLOURS, CLASS_MARKERS):
            size = 30 if marker != "^" else 38
            # animated (so a full draw leaves them out) but never blitted: the image mixes in their pixels
            self.train_points.append(ax.scatter([], [], s=size, marker=marker, facecolor=colour, edgecolor="#222222",
                                                linewidth=0.7, zorder=3, animated=True))
            self.test_points.append(ax.scatter([], [], s=size, marker=marker, facecolor="white", edgecolor=colour,
                                               linewidth=1.6, zorder=2, animated=True))
        self._sprite = None  # (key, (index, rgb, alpha)) of the points' pixels over the axes
        self.image.overlay = self._points_overlay
        self.pick_ring = self._animate(ax.plot([], [], "o", markersize=17, markerfacecolor="none",
                                               markeredgecolor="#000000", markeredgewidth=2.2, zorder=4)[0])
        self.title = self._glyph_text(ax, 0.0, 1.0, transform=self.figure.transFigure, ha="left", va="top",
                                      fontsize=s.font_size)
        self.title.set_position((0.12 / width, 1 - 0.06 / height))
        self._legend_artists = []
        self.n_classes = None
        self.rgb = None  # the boundary colours on the grid, (n, n, 3)
        self.probabilities = None  # the class probabilities on the grid, (n, n, K)

    def set_points(self, x_train, labels_train, x_test, labels_test, n_classes, name=""):
        """Show these points. Returns "full" when the legend changed (a new number of classes), else "blit"."""
        for c in range(len(CLASS_COLOURS)):
            for scatter, x, labels in ((self.train_points[c], x_train, labels_train),
                                       (self.test_points[c], x_test, labels_test)):
                offsets = np.asarray(x, dtype=float).reshape(-1, 2)[np.asarray(labels) == c]
                scatter.set_offsets(offsets)
                scatter.set_visible(len(offsets) > 0)  # an empty scatter still costs a draw
        self._sprite = None
        self.title.set_text(f"{name}: {len(labels_train)} training points (filled), {len(labels_test)} test (hollow)")
        if n_classes != self.n_classes:
            self.n_classes = n_classes
            self._draw_legend(n_classes)
            return "full"
        return "blit"

    def _points_overlay(self, renderer, box):
        """The points as pixels over the axes box: rendered once per change of points or size, then mixed
        into the boundary image on every frame."""
        from matplotlib.backends.backend_agg import RendererAgg

        key = (box, renderer.dpi, renderer.width, renderer.height)
        if self._sprite is None or self._sprite[0] != key:
            sprite = RendererAgg(int(renderer.width), int(renderer.height), renderer.dpi)
            for scatter in sorted(self.test_points + self.train_points, key=lambda a: a.get_zorder()):
                if scatter.get_visible():
                    scatter.draw(sprite)
            x0, y0, width, height = box
            top = int(renderer.height) - (y0 + height)
            pixels = np.asarray(sprite.buffer_rgba())[top : top + height, x0 : x0 + width][::-1]  # bottom row first
            alpha = pixels[..., 3].reshape(-1)
            index = np.flatnonzero(alpha)
            colours = pixels[..., :3].reshape(-1, 3)[index].astype(np.float32) / 255
            self._sprite = (key, (index, colours, (alpha[index].astype(np.float32) / 255)[:, None]))
        return self._sprite[1]

    def _draw_legend(self, n_classes):
        for artist in self._legend_artists:
            artist.remove()
        s = self.style
        handles = [Line2D([], [], linestyle="none", marker=CLASS_MARKERS[c], markersize=7,
                          markerfacecolor=CLASS_COLOURS[c], markeredgecolor="#222222", label=f"class {c}")
                   for c in range(n_classes)]
        handles.append(Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="#999999", label="white: unsure"))
        legend = self.figure.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.1, 0.955),
                                    ncol=len(handles), fontsize=s.tick_size * 0.85, frameon=False,
                                    handlelength=1.0, handletextpad=0.3, columnspacing=0.8, borderaxespad=0)
        self._legend_artists = [legend]

    def update(self, probabilities):
        """New class probabilities on the grid ((n*n, K) or (n, n, K)): repaint the boundary."""
        n = self.grid.resolution
        p = np.asarray(probabilities, dtype=float).reshape(n, n, -1)
        self.probabilities = p
        self.rgb = boundary_colours(p)
        self.image.set_data(self.rgb)
        return "blit"

    def set_pick(self, point):
        """Ring the picked example (a point (x1, x2)), or nothing (None)."""
        if point is None:
            self.pick_ring.set_data([], [])
        else:
            self.pick_ring.set_data([point[0]], [point[1]])
        return "blit"

    def data_point(self, event):
        """(x1, x2) of a mouse event on the data axes, or None."""
        if event.inaxes is not self.axes or event.xdata is None:
            return None
        return float(event.xdata), float(event.ydata)


# ---------------------------------------------------------------------------
# Training: the network with a picture per neuron, the loss curves, the numbers
# ---------------------------------------------------------------------------


def _edge_width(w):
    # in quarter points: a weight that moves a little leaves its edge's pixels alone, so a frame while
    # training carries only the edges that visibly changed
    return round(4 * min(6.0, 0.4 + 2.2 * abs(w))) / 4


class _Diagram:
    """Where each neuron of a layered network sits in an axes whose y unit is one inch."""

    def __init__(self, layer_sizes, width, height, box_width, spacing_max=0.62):
        self.sizes = list(layer_sizes)
        n_max = max(self.sizes)
        self.spacing = min(spacing_max, (height - 0.75) / max(n_max, 2))
        self.x_limits = (-0.45, len(self.sizes) - 1 + 0.45)
        self.y_limits = (-height / 2, height / 2)
        self.inch_x = width / (self.x_limits[1] - self.x_limits[0])  # inches per layer step
        self.box_width = box_width
        self.positions = []
        for l, n in enumerate(self.sizes):
            ys = ((n - 1) / 2 - np.arange(n)) * self.spacing - 0.05
            self.positions.append([(float(l), float(y)) for y in ys])

    def edge_segments(self, half_height=0.0):
        """One segment per weight, in the order of ``weight_order``: right side of the sender's box to
        the left side of the receiver's."""
        segments = []
        half = self.box_width / 2 / self.inch_x
        for l in range(len(self.sizes) - 1):
            for x1, y1 in self.positions[l + 1]:
                for x0, y0 in self.positions[l]:
                    segments.append([(x0 + half, y0), (x1 - half, y1)])
        return segments

    def weight_order(self):
        """(layer, row, col) of each segment: receivers outer, senders inner."""
        return [(l, j, i) for l in range(len(self.sizes) - 1) for j in range(self.sizes[l + 1])
                for i in range(self.sizes[l])]


def _layer_titles(layer_sizes, activations):
    titles = ["input"]
    for l, act in enumerate(activations):
        titles.append(f"output\n{act}" if l == len(activations) - 1 else f"hidden {l + 1}\n{act}")
    return titles


class TrainingView(LiveFigure):
    """The network as a diagram whose neurons are pictures of their output over the data plane (the
    same grid as the boundary), edges blue/vermillion by sign and wide by |w|; beside it the train and
    test loss against the step, and the latest numbers."""

    kind = "training"

    def __init__(self, layer_sizes, activations, figsize=(7.5, 4.55), style=None):
        super().__init__(figsize, style)
        self._lut = _cividis_lut()
        self.build(layer_sizes, activations)

    def build(self, layer_sizes, activations):
        """Lay the figure out for a network of these sizes (clears what was there). Returns "full"."""
        fig = self.figure
        self.clear()
        s = self.style
        self.layer_sizes = tuple(layer_sizes)
        self.activations = tuple(activations)
        width, height = fig.get_size_inches()
        diagram_width = 4.35
        ax = self.diagram_axes = fig.add_axes((0, 0.06, diagram_width / width, 0.94 - 0.06))
        ax.set_axis_off()
        axes_height = height * 0.88
        self.thumb = min(0.5, 0.8 * min(0.62, (axes_height - 0.75) / max(max(layer_sizes), 2)))
        self.layout = _Diagram(layer_sizes, diagram_width, axes_height, self.thumb)
        ax.set_xlim(*self.layout.x_limits)
        ax.set_ylim(*self.layout.y_limits)
        segments = self.layout.edge_segments()
        self.edges = self._animate(LineCollection(segments, linewidths=1.0, colors=s.muted, zorder=1,
                                                  capstyle="butt"))
        ax.add_collection(self.edges)
        centres = [p for layer in self.layout.positions for p in layer]
        pad = 1.5 / 72
        for cx, cy in centres:  # a frame just outside each picture (static)
            ax.add_patch(Rectangle((cx - (self.thumb / 2 + pad) / self.layout.inch_x, cy - self.thumb / 2 - pad),
                                   (self.thumb + 2 * pad) / self.layout.inch_x, self.thumb + 2 * pad,
                                   facecolor="none", edgecolor="#444444", linewidth=0.8, zorder=3))
        self.thumbnails = self._animate(Thumbnails(ax, centres, self.thumb))
        self.thumbnails.set_zorder(2)
        ax.add_artist(self.thumbnails)
        top = self.layout.y_limits[1]
        for l, title in enumerate(_layer_titles(layer_sizes, activations)):
            ax.text(l, top - 0.04, title, ha="center", va="top", fontsize=s.tick_size * 0.9, color=s.muted,
                    linespacing=1.1)
        label_size = s.tick_size * 0.85
        for i, (cx, cy) in enumerate(self.layout.positions[0]):
            ax.text(cx - (self.thumb / 2 + 0.05) / self.layout.inch_x, cy, f"x{i + 1}", ha="right", va="center",
                    fontsize=label_size)
        n_out = layer_sizes[-1]
        for j, (cx, cy) in enumerate(self.layout.positions[-1]):
            label = "\u0177" if n_out == 1 else f"p{j}"
            ax.text(cx + (self.thumb / 2 + 0.05) / self.layout.inch_x, cy, label, ha="left", va="center",
                    fontsize=label_size)
        fig.text(0.01, 0.012, "each square: that neuron's output over the data plane (dark low, yellow high);"
                 "\noutput squares in the class colours, as the data's background"
                 "\nedges: blue w > 0, vermillion w < 0, width |w| (no wider beyond |w| \u2248 2.5)",
                 ha="left", va="bottom", fontsize=s.tick_size * 0.8, color=s.muted, linespacing=1.15)

        left = (diagram_width + 0.55) / width
        loss = self.loss_axes = fig.add_axes((left, 0.45, 0.975 - left, 0.47))
        loss.set_title("loss (cost, mean over the set)", fontsize=s.tick_size, pad=4)
        loss.tick_params(labelsize=s.tick_size * 0.8, length=3, pad=2)
        loss.set_xlabel("step", fontsize=s.tick_size * 0.85, labelpad=1)
        self.batch_curve = self._animate(loss.plot([], [], "-", color=BATCH_COLOUR, linewidth=0.8)[0])
        self.train_curve = self._animate(loss.plot([], [], "-", color=TRAIN_COLOUR, linewidth=1.6)[0])
        self.test_curve = self._animate(loss.plot([], [], "--", color=TEST_COLOUR, linewidth=1.6)[0])
        loss.legend([Line2D([], [], color=TRAIN_COLOUR, linewidth=1.6),
                     Line2D([], [], color=TEST_COLOUR, linestyle="--", linewidth=1.6),
                     Line2D([], [], color=BATCH_COLOUR, linewidth=0.8)], ["train", "test", "that step's batch"],
                    fontsize=s.tick_size * 0.8, frameon=False, loc="upper right", handlelength=1.6)
        self._x_max, self._y_max = 50.0, 1.0
        loss.set_xlim(0, self._x_max)
        loss.set_ylim(0, self._y_max)
        self.readout = self._glyph_text(loss, left, 0.30, transform=fig.transFigure, ha="left", va="top",
                                        fontsize=s.tick_size * 0.95, linespacing=1.35)
        self._input_pictures = None
        return "full"

    def _picture(self, values, low, high):
        span = (high - low) or 1.0
        index = np.clip((np.asarray(values) - low) * (255.0 / span) + 0.5, 0, 255).astype(np.intp)
        return self._lut.take(index, axis=0)

    def neuron_pictures(self, grid, trace, probabilities):
        """(n, n, 4) uint8 per neuron, inputs first: x1 and x2 themselves, each hidden unit's z, and the
        output (ŷ, or each class' probability)."""
        if self._input_pictures is None:
            low, high = grid.limits
            self._input_pictures = [self._picture(grid.image(grid.points[:, i]), low, high) for i in range(2)]
        pictures = list(self._input_pictures[: self.layer_sizes[0]])
        for l, act in enumerate(self.activations[:-1]):
            z = trace.z[l]
            for j in range(z.shape[1]):
                values = grid.image(z[:, j])
                if act == "tanh":
                    low, high = -1.0, 1.0
                elif act == "sigmoid":
                    low, high = 0.0, 1.0
                else:  # relu and others: 0 up to the largest value on the grid
                    low, high = min(0.0, float(values.min())), max(1e-9, float(values.max()))
                pictures.append(self._picture(values, low, high))
        output = trace.z[-1]
        pictures.extend(output_pictures(grid, output))
        return pictures

    def update(self, net, grid, trace, probabilities, history, step, epoch, stopped=None, batch_losses=None,
               note=""):
        """Edges from ``net``, pictures from the grid's forward ``trace``, curves from ``history`` (and the
        faint curve from ``batch_losses``, one per logged step, when given). Returns "full" when the loss axes
        had to grow, else "blit"."""
        how = "blit"
        order = self.layout.weight_order()
        weights = np.array([net.weights[l][j, i] for l, j, i in order])
        self.edges.set_linewidths([_edge_width(w) for w in weights])
        colours = np.where(weights[:, None] > 0, np.array(to_rgba(self.style.positive)),
                           np.array(to_rgba(self.style.negative)))
        colours[weights == 0] = to_rgba(self.style.muted)
        self.edges.set_colors(colours)
        self.thumbnails.set_pictures(self.neuron_pictures(grid, trace, probabilities))

        steps = list(history.step)
        train, test = list(history.train_loss), list(history.test_loss)
        self.train_curve.set_data(steps, train)
        self.test_curve.set_data(steps, test)
        if batch_losses is not None and len(batch_losses) == len(steps):
            shown = [(s_, v) for s_, v in zip(steps, batch_losses) if np.isfinite(v)]
            self.batch_curve.set_data([s_ for s_, _ in shown], [v for _, v in shown])
        else:
            self.batch_curve.set_data([], [])
        finite = [v for v in train + test if np.isfinite(v)]
        x_needed = max(steps) if steps else 0
        y_needed = max(finite) if finite else 1.0
        if x_needed > self._x_max:
            while self._x_max < x_needed:
                self._x_max *= 2
            self.loss_axes.set_xlim(0, self._x_max)
            how = "full"
        if y_needed > self._y_max or (steps and len(steps) <= 2 and y_needed < 0.45 * self._y_max):
            self._y_max = float(np.ceil(y_needed * 1.15 * 10) / 10) if y_needed > 0 else 1.0
            self.loss_axes.set_ylim(0, self._y_max)
            how = "full"
        last = history.last() if len(history) else None
        lines = [f"step {step}   epoch {epoch:.1f}"]
        if last is not None:
            lines.append(f"train: loss {fmt(last['train_loss'], 3)}   accuracy {_percent(last['train_accuracy'])}")
            lines.append(f"test:  loss {fmt(last['test_loss'], 3)}   accuracy {_percent(last['test_accuracy'])}")
        if stopped:
            lines.append("stopped: diverged (lower the learning rate)")
        elif note:
            lines.append(note)
        self.readout.set_text("\n".join(lines))
        return how

    def reset_axes(self):
        """Back to the starting loss axes (a new run). Returns "full"."""
        self._x_max, self._y_max = 50.0, 1.0
        self.loss_axes.set_xlim(0, self._x_max)
        self.loss_axes.set_ylim(0, self._y_max)
        return "full"


def _rgba(rgb):
    """(n, n, 3) floats in [0, 1] -> (n, n, 4) opaque uint8."""
    out = np.full((*rgb.shape[:2], 4), 255, dtype=np.uint8)
    out[..., :3] = np.clip(rgb * 255 + 0.5, 0, 255)
    return out


def output_pictures(grid, output, colours=CLASS_COLOURS):
    """The output neurons' pictures in the data view's class colours: one sigmoid ŷ is painted exactly as
    the data view's background (class 0's colour where ŷ is near 0, class 1's where near 1, white at 0.5);
    softmax p_j goes from white (p_j = 0) to class j's colour (p_j = 1), at the background's strength."""
    output = np.atleast_2d(output)
    if output.shape[1] == 1:
        n = grid.resolution
        return [_rgba(boundary_colours(class_probabilities(output).reshape(n, n, 2)))]
    pictures = []
    for j in range(output.shape[1]):
        p = np.clip(grid.image(output[:, j]), 0.0, 1.0)[..., None]
        colour = np.array(to_rgb(colours[j % len(colours)]))
        pictures.append(_rgba(1.0 - (1.0 - colour) * 0.8 * p))
    return pictures


def _percent(value):
    return "\u2014" if not np.isfinite(value) else f"{100 * value:.0f}%"


# ---------------------------------------------------------------------------
# One example's step: the arithmetic of the backward pass, neuron by neuron
# ---------------------------------------------------------------------------


class StepView(LiveFigure):
    """One training example's forward and backward pass and the step it alone would take.

    Left, the network: each node shows its z (top) and its delta dE/da (grey); edges as in the
    lessons (blue/vermillion by sign, width |w|), those into the focused neuron in full colour. Right,
    the focused neuron's arithmetic: a = sum w z + b, z = f(a), its delta, and for every weight into
    it: dE/dw = delta * z_in, the change -lr dE/dw and the new weight (names as ``parameter_names``).
    """

    kind = "step"
    MAX_ROWS = 9  # up to 8 incoming weights and a bias

    def __init__(self, layer_sizes, activations, figsize=(7.5, 4.55), style=None):
        super().__init__(figsize, style)
        self.build(layer_sizes, activations)

    def build(self, layer_sizes, activations):
        fig = self.figure
        self.clear()
        s = self.style
        self.layer_sizes = tuple(layer_sizes)
        self.activations = tuple(activations)
        width, height = fig.get_size_inches()
        diagram_width = 3.45
        node_size = s.tick_size * 0.8
        box_w = self._text_size(f"\u03b4 {MINUS}0.000", node_size)[0] + 0.08
        ax = self.diagram_axes = fig.add_axes((0, 0.0, diagram_width / width, 0.93))
        ax.set_axis_off()
        self.layout = _Diagram(layer_sizes, diagram_width, height * 0.93, box_w, spacing_max=0.7)
        ax.set_xlim(*self.layout.x_limits)
        ax.set_ylim(*self.layout.y_limits)
        self.edges = self._animate(LineCollection(self.layout.edge_segments(), linewidths=1.0, colors=s.muted,
                                                  zorder=1, capstyle="butt"))
        ax.add_collection(self.edges)
        line_h = self._text_size("lp", node_size)[1]
        self.boxes, self.node_texts, self.delta_texts = [], [], []
        self.input_names, layer_names = node_labels(layer_sizes)
        for l, layer in enumerate(self.layout.positions):
            texts, deltas, boxes = [], [], []
            lines = 1 if l == 0 else 2
            box_h = line_h * (1 + 1.25 * (lines - 1)) + 0.07
            shift = 0 if l == 0 else line_h * 0.62
            for cx, cy in layer:
                box = FancyBboxPatch((cx - box_w / 2 / self.layout.inch_x, cy - box_h / 2), box_w / self.layout.inch_x,
                                     box_h, boxstyle="round,pad=0,rounding_size=0.03", facecolor=s.node_face,
                                     edgecolor=s.node_edge, linewidth=0.7, zorder=3)
                ax.add_patch(box)
                boxes.append(self._animate(box))
                texts.append(self._glyph_text(ax, cx, cy + shift, fontsize=node_size, zorder=5))
                if l:
                    deltas.append(self._glyph_text(ax, cx, cy - shift, fontsize=node_size, color=s.muted, zorder=5))
            self.boxes.append(boxes)
            self.node_texts.append(texts)
            self.delta_texts.append(deltas)
        self.node_names = [[f"x{i + 1}" for i in range(layer_sizes[0])]] + [[z for _, z in layer]
                                                                          for layer in layer_names]
        self.pre_names = [[None] * layer_sizes[0]] + [[a for a, _ in layer] for layer in layer_names]
        top = self.layout.y_limits[1]
        for l, title in enumerate(_layer_titles(layer_sizes, activations)):
            ax.text(l, top - 0.02, title, ha="center", va="top", fontsize=s.tick_size * 0.85, color=s.muted,
                    linespacing=1.1)
        fig.text(0.01, 0.012, "node: z (black), \u03b4 = \u2202E/\u2202a (grey)   click a node to focus it",
                 ha="left", va="bottom", fontsize=s.tick_size * 0.8, color=s.muted)

        # the focused neuron's arithmetic, as a table on the right
        right = self.table_axes = fig.add_axes((diagram_width / width + 0.01, 0.0, 1 - diagram_width / width - 0.02,
                                                1.0))
        right.set_axis_off()
        right.set_xlim(0, 1)
        right.set_ylim(0, 1)
        size = s.tick_size * 0.92
        self.header = self._glyph_text(right, 0.0, 0.985, ha="left", va="top", fontsize=size, linespacing=1.4)
        row_h = 0.052
        top_row = 0.66
        names = ("", "from", "w", "z in", "\u2202E/\u2202w", f"{MINUS}lr\u00b7\u2202E/\u2202w", "new w")
        aligns = ("left", "right", "right", "right", "right", "right", "right")
        self.column_x = (0.0, 0.175, 0.335, 0.48, 0.645, 0.82, 0.975)
        for x, text, ha in zip(self.column_x, names, aligns):
            right.text(x, top_row + row_h, text, ha=ha, va="center", fontsize=size, color=s.muted,
                       fontweight="bold")
        right.plot([0, 1], [top_row + row_h / 2, top_row + row_h / 2], color=s.muted, linewidth=0.8)
        self.cells = []
        for r in range(self.MAX_ROWS):
            y = top_row - r * row_h
            self.cells.append([self._glyph_text(right, x, y, ha=ha, fontsize=size)
                               for x, ha in zip(self.column_x, aligns)])
        self._top_row, self._row_h = top_row, row_h
        self.footer = self._glyph_text(right, 0.0, top_row - self.MAX_ROWS * row_h + 0.005, ha="left", va="top",
                                       fontsize=size * 0.95, linespacing=1.4, color=s.text)
        self._key = None
        return "full"

    def node_at(self, event):
        """(layer, unit) of the node under a mouse event on the diagram (layer 0 = inputs), or None."""
        if event.inaxes is not self.diagram_axes or event.xdata is None:
            return None
        best, where = None, None
        for l, layer in enumerate(self.layout.positions):
            for j, (cx, cy) in enumerate(layer):
                d = np.hypot((event.xdata - cx) * self.layout.inch_x, event.ydata - cy)  # inches
                if best is None or d < best:
                    best, where = d, (l, j)
        return where if best is not None and best < max(0.35, self.layout.spacing / 2) else None

    def update(self, state, focus, title="", lr_note=""):
        """Show ``state`` (a helpers.state.State for one example), the neuron ``focus`` = (layer, unit)
        with layer 1.. (hidden and output; layer L is the output) in detail."""
        s = self.style
        net, trace, gradients = state.net, state.trace, state.gradients
        L = len(net.weights)
        layer, unit = focus
        layer = min(max(1, layer), L)
        unit = min(max(0, unit), net.layer_sizes[layer] - 1)
        self.focus = (layer, unit)
        by_where = {where: name for name, where in state.names.items()}

        order = self.layout.weight_order()
        weights = np.array([net.weights[l][j, i] for l, j, i in order])
        self.edges.set_linewidths([_edge_width(w) for w in weights])
        base = np.where(weights[:, None] > 0, np.array(to_rgba(s.positive)), np.array(to_rgba(s.negative)))
        base[weights == 0] = to_rgba(s.muted)
        into_focus = np.array([(l + 1, j) == (layer, unit) for l, j, _ in order])
        base[~into_focus, 3] = 0.22
        self.edges.set_colors(base)

        for i, text in enumerate(self.node_texts[0]):
            text.set_text(fmt(state.x[i], 2))
        for l in range(1, L + 1):
            for j, text in enumerate(self.node_texts[l]):
                text.set_text(fmt(trace.z[l - 1][j]))
                self.delta_texts[l][j].set_text(f"\u03b4 {fmt(gradients.deltas[l - 1][j])}")
        for l, boxes in enumerate(self.boxes):
            for j, box in enumerate(boxes):
                focused = (l, j) == (layer, unit)
                box.set_linewidth(2.4 if focused else 0.7)
                box.set_edgecolor("#000000" if focused else s.node_edge)
                box.set_facecolor("#FFFFFF" if focused else s.node_face)

        act = net.activations[layer - 1]
        z_name, a_name = self.node_names[layer][unit], self.pre_names[layer][unit]
        a = trace.a[layer - 1][unit]
        z = trace.z[layer - 1][unit]
        delta = gradients.deltas[layer - 1][unit]
        inputs = state.x if layer == 1 else trace.z[layer - 2]
        in_names = self.node_names[layer - 1]
        where_text = "output" if layer == L else f"hidden layer {layer}"
        lines = [title, f"neuron {z_name} ({where_text}, {act}):"]
        bias = net.biases[layer - 1]
        b_text = " + b" if bias is not None else ""
        lines.append(f"{a_name} = \u03a3 w\u00b7z{b_text} = {fmt(a, 4)}    {z_name} = {act}({a_name}) = {fmt(z, 4)}")
        if layer == L:
            y = state.y.ravel()[unit]
            lines.append(f"\u03b4 = \u2202E/\u2202{a_name} = {z_name} {MINUS} y = {fmt(z, 4)} {MINUS} {fmt(y, 0)} "
                         f"= {fmt(delta, 4)}")
        else:
            downstream = net.weights[layer][:, unit] @ gradients.deltas[layer]
            slope = float(ACTIVATIONS[act][1](np.array([a]))[0]) if act in ACTIVATIONS else float("nan")
            lines.append(f"\u03b4 = {act}\u2032({a_name}) \u00b7 \u03a3 w\u00b7\u03b4(next) = {fmt(slope, 4)} "
                         f"\u00d7 {fmt(downstream, 4)} = {fmt(delta, 4)}")
            out_w, out_d = net.weights[layer][:, unit], gradients.deltas[layer]
            if len(out_w) <= 3:  # few terms: write them out
                digits = 3 if len(out_w) <= 2 else 2
                terms = ""
                for k, (w, d) in enumerate(zip(out_w, out_d)):
                    d_text = fmt(d, digits) if d >= 0 else f"({fmt(d, digits)})"
                    sign = (MINUS if w < 0 else "") if k == 0 else (f" {MINUS} " if w < 0 else " + ")
                    terms += f"{sign}{fmt(abs(w), digits)}\u00b7{d_text}"
                lines.append(f"\u03a3 w\u00b7\u03b4(next) = {terms} = {fmt(downstream, 4)}")
        self.header.set_text("\n".join(lines))

        rows = []
        W = net.weights[layer - 1]
        for i in range(W.shape[1]):
            name = by_where[("weight", layer - 1, unit, i)]
            rows.append((name, in_names[i], state.values[name], inputs[i], state.grads[name],
                         state.changes.get(name), state.new_values.get(name)))
        if bias is not None:
            name = by_where[("bias", layer - 1, unit, None)]
            rows.append((name, "1", state.values[name], 1.0, state.grads[name], state.changes.get(name),
                         state.new_values.get(name)))
        dash = "\u2014"
        self.shown_rows = rows
        for r, cells in enumerate(self.cells):
            if r >= len(rows):
                for cell in cells:
                    cell.set_text("")
                continue
            name, source, w, z_in, grad, change, new = rows[r]
            texts = (name, source, fmt(w, 3), fmt(z_in, 3), fmt(grad, 4),
                     dash if change is None else fmt(change, 4, sign=True), dash if new is None else fmt(new, 3))
            for cell, text in zip(cells, texts):
                cell.set_text(text)
            colour = s.muted if change is None or fmt(change, 4) in ("0.0000",) else (
                s.positive if change > 0 else s.negative)
            cells[5].set_color(colour)
        self.footer.set_position((0.0, self._top_row - max(1, min(len(rows), len(self.cells))) * self._row_h
                                  + 0.005))
        extra = len(rows) > len(self.cells)
        footer = []
        if extra:
            footer.append(f"(and {len(rows) - len(self.cells)} more)")
        footer.append(f"\u2202E/\u2202w = \u03b4 \u00b7 z in;  new w = w {MINUS} lr\u00b7\u2202E/\u2202w   "
                      f"(lr = {state.lr:.3g})" if state.lr is not None else "")
        if state.has_step:
            footer.append(f"this example alone: E {fmt(state.cost, 4)} \u2192 {fmt(state.next_cost, 4)} "
                          f"after the step")
        elif state.step_problem:
            footer.append(f"no step: {state.step_problem}")
        if lr_note:
            footer.append(lr_note)
        self.footer.set_text("\n".join(footer))
        return "blit"
