"""Static figures for the lessons (matplotlib only; the live views are in draw.py).

Every function returns a ``matplotlib.figure.Figure`` built without pyplot, so
nothing is displayed or kept alive behind the lesson's back; ``show(fig)`` puts
it in the notebook as a PNG with a text description, which looks the same in
JupyterLab (any matplotlib backend), on GitHub and in nbconvert HTML.

Colours and sizes come from ``helpers.style`` (colour-blind-safe Okabe-Ito
palette); fonts are a notch larger than the live views, because these figures
are read, not glanced at.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from . import style as _style
from .descent import leaves_frame
from .network import sigmoid, softplus

__all__ = [
    "activation_slopes_figure",
    "depth_figure",
    "log_base_figure",
    "notation_figure",
    "logistic_cost_figure",
    "png_bytes",
    "show",
    "sigmoid_figure",
    "sigmoid_slope_figure",
    "squared_vs_logistic_figure",
    "wiggle_figure",
]

#: Static figures are read closely: fonts this much larger than the live views.
FONT_SCALE = 1.3


def _rc():
    s = _style.current()
    return {
        "font.size": s.font_size * FONT_SCALE,
        "axes.titlesize": s.title_size * FONT_SCALE,
        "axes.labelsize": s.font_size * FONT_SCALE,
        "xtick.labelsize": s.tick_size * FONT_SCALE,
        "ytick.labelsize": s.tick_size * FONT_SCALE,
        "legend.fontsize": s.font_size * FONT_SCALE * 0.9,
        "lines.linewidth": max(2.5, s.line_width),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _colours():
    s = _style.current()
    return s.cycle  # blue, vermillion, bluish green, orange, reddish purple, sky blue


def _new_figure(n_panels, width_per_panel=5.6, height=4.4):
    """A figure with n side-by-side axes, sized from the current style.

    Sizes are for the default style; a style with larger fonts (the projector) gets a proportionally
    larger figure, so labels keep their room and the picture keeps its layout.
    """
    grow = _style.current().font_size / _style.STYLES["default"].font_size
    with rc_context(_rc()):
        fig = Figure(figsize=(width_per_panel * n_panels * grow, height * grow), dpi=_style.current().dpi,
                     layout="constrained")
        axes = fig.subplots(1, n_panels, squeeze=False)[0]
    return fig, list(axes)


def _mark(ax, x, y, label, colour, offset=(12, -18), text_at=None):
    """A point with a label: ``offset`` in points from it, or at ``text_at`` (axes fraction) with an arrow."""
    ax.plot([x], [y], "o", color=colour, markersize=10, markeredgecolor="black", zorder=5)
    box = {"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
    if text_at is None:
        ax.annotate(label, (x, y), xytext=offset, textcoords="offset points", color="black", zorder=6, bbox=box)
    else:
        ax.annotate(label, (x, y), xytext=text_at, textcoords="axes fraction", color="black", zorder=6, bbox=box,
                    arrowprops={"arrowstyle": "->", "color": "black", "shrinkB": 6})


# ---------------------------------------------------------------------------
# Lesson 01: the sigmoid
# ---------------------------------------------------------------------------


def sigmoid_figure(marks=(), show_derivative=True, with_tanh=True, a_range=(-6.0, 6.0)):
    """The logistic sigmoid (beside tanh unless ``with_tanh`` is False), and optionally the slopes.

    ``marks``: ``(a, label)`` pairs drawn as points on the sigmoid (and on its
    derivative), e.g. the example's a1 or a saturated a = 4.
    """
    blue, vermillion, green, *_ = _colours()
    a = np.linspace(*a_range, 401)
    with rc_context(_rc()):
        fig, axes = _new_figure(2 if show_derivative else 1)
        ax = axes[0]
        ax.axhline(0, color="grey", linewidth=1)
        ax.axhline(1, color="grey", linewidth=1, linestyle=":")
        ax.plot(a, sigmoid(a), color=blue, label="sigmoid σ(a): between 0 and 1")
        if with_tanh:
            ax.axhline(-1, color="grey", linewidth=1, linestyle=":")
            ax.plot(a, np.tanh(a), color=vermillion, linestyle="--", label="tanh(a): between −1 and 1")
        ax.set_xlabel("a (the neuron's input)")
        ax.set_ylabel("z = f(a)")
        ax.set_title("Activation functions" if with_tanh else "The sigmoid")
        ax.set_ylim(-1.15 if with_tanh else -0.05, 1.15)
        ax.legend(loc="lower right" if with_tanh else "upper left")
        for value, label in marks:
            _mark(ax, value, float(sigmoid(value)), label, green)
        if show_derivative:
            ax = axes[1]
            s = sigmoid(a)
            ax.plot(a, s * (1 - s), color=blue, label="σ'(a) = σ(a)(1 − σ(a))")
            if with_tanh:
                ax.plot(a, 1 - np.tanh(a) ** 2, color=vermillion, linestyle="--", label="tanh'(a) = 1 − tanh²(a)")
            ax.set_xlabel("a")
            ax.set_ylabel("slope f'(a)")
            subject = "Their slopes" if with_tanh else "Its slope"
            ax.set_title(f"{subject}: steepest at 0, near 0 far out")
            ax.set_ylim(0, 1.1 if with_tanh else 0.3)
            ax.legend(loc="upper left")
            for value, label in marks:
                sv = float(sigmoid(value))
                _mark(ax, value, sv * (1 - sv), label, green, offset=(12, 10))
    return fig


# ---------------------------------------------------------------------------
# Lesson 02: the logistic cost
# ---------------------------------------------------------------------------

_Y_HAT = np.linspace(0.001, 0.999, 999)


def logistic_cost_figure(y_hat=None, y=1):
    """E = −ln(ŷ) for y = 1 and E = −ln(1 − ŷ) for y = 0, against ŷ.

    ``y_hat`` (optional): mark the example's prediction on the curve of target ``y``.
    """
    blue, vermillion, green, *_ = _colours()
    with rc_context(_rc()):
        fig, (ax,) = _new_figure(1, width_per_panel=7.5)
        ax.plot(_Y_HAT, -np.log(_Y_HAT), color=blue, label="y = 1:  E = −ln(ŷ)")
        ax.plot(_Y_HAT, -np.log(1 - _Y_HAT), color=vermillion, linestyle="--", label="y = 0:  E = −ln(1 − ŷ)")
        ax.set_xlabel("ŷ (the network's output)")
        ax.set_ylabel("cost E")
        ax.set_title("Logistic cost: 0 when right, steep when confidently wrong")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 5)
        ax.legend(loc="upper center")
        if y_hat is not None:
            cost = -np.log(y_hat) if y == 1 else -np.log(1 - y_hat)
            _mark(ax, float(y_hat), float(cost), f"ŷ = {y_hat:.3f}, E = {cost:.3f}", green, text_at=(0.25, 0.45))
    return fig


def log_base_figure(y_hat=None):
    """The y = 1 cost with the natural log and with log base 10: same zero, different slope."""
    blue, vermillion, green, *_ = _colours()
    ratio = np.log(10)
    with rc_context(_rc()):
        fig, (ax,) = _new_figure(1, width_per_panel=7.5)
        ax.plot(_Y_HAT, -np.log(_Y_HAT), color=blue, label="−ln(ŷ)  (natural log)")
        ax.plot(_Y_HAT, -np.log10(_Y_HAT), color=vermillion, linestyle="--", label="−log₁₀(ŷ)")
        ax.set_xlabel("ŷ   (target y = 1)")
        ax.set_ylabel("cost E")
        ax.set_title(f"Same minimum; log₁₀ is ln divided by ln 10 = {ratio:.3f}")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 5)
        ax.legend(loc="upper right")
        if y_hat is not None:
            _mark(ax, float(y_hat), float(-np.log(y_hat)), f"{-np.log(y_hat):.3f}", blue, offset=(12, 8))
            _mark(ax, float(y_hat), float(-np.log10(y_hat)), f"{-np.log10(y_hat):.3f}", vermillion, offset=(12, -4))
    return fig


def squared_vs_logistic_figure(y=1, a_range=(-7.0, 7.0)):
    """Squared error beside the logistic cost for a sigmoid output, and dE/da for both.

    Plotted against the output's pre-activation a (ŷ = σ(a)). The squared error's
    gradient carries the factor ŷ(1 − ŷ), so it fades when the output is confidently
    wrong; the logistic cost's gradient is ŷ − y and does not.
    """
    blue, vermillion, *_ = _colours()
    a = np.linspace(*a_range, 561)
    y_hat = sigmoid(a)
    logistic = softplus(a) - y * a  # −[y ln ŷ + (1 − y) ln(1 − ŷ)], computed without log(0)
    squared = 0.5 * (y_hat - y) ** 2
    with rc_context(_rc()):
        fig, (left, right) = _new_figure(2)
        left.plot(a, logistic, color=blue, label="logistic: −ln ŷ")
        left.plot(a, squared, color=vermillion, linestyle="--", label="squared: ½(ŷ − y)²")
        left.set_xlabel("a (output pre-activation), ŷ = σ(a)")
        left.set_ylabel("cost E")
        left.set_title(f"Cost, target y = {y}")
        left.set_ylim(0, 4)
        left.legend(loc="upper right" if y == 1 else "upper left")

        right.axhline(0, color="grey", linewidth=1)
        right.plot(a, y_hat - y, color=blue, label="logistic: ŷ − y")
        right.plot(a, (y_hat - y) * y_hat * (1 - y_hat), color=vermillion, linestyle="--",
                   label="squared: (ŷ − y)·ŷ(1 − ŷ)")
        right.set_xlabel("a")
        right.set_ylabel("dE/da")
        right.set_title("Slope dE/da: which one fades?")
        right.set_ylim(-1.1, 1.1)
        right.legend(loc="lower right" if y == 1 else "upper left")
    return fig


# ---------------------------------------------------------------------------
# Lesson 03: the wiggle check of the chain rule
# ---------------------------------------------------------------------------


def wiggle_figure(function, x0, chain_rule_slope, eps_values=None, xlabel="x", ylabel="f(x)", title=None):
    """Nudge the input of ``function`` by ε and compare Δ/ε with the chain rule.

    Left: the function near ``x0`` with the tangent line whose slope is
    ``chain_rule_slope`` and one nudge of the first ε. Right: Δ/ε for each ε
    (from large to tiny) approaching the chain-rule value.
    ``function`` takes and returns numpy arrays (vectorised).
    """
    blue, vermillion, green, orange, *_ = _colours()
    eps_values = np.asarray(eps_values if eps_values is not None else np.logspace(0, -6, 13), dtype=float)
    f0 = float(function(np.asarray(x0, dtype=float)))
    ratios = (function(x0 + eps_values) - f0) / eps_values
    span = max(1.5 * float(eps_values[0]), 0.5)
    x = np.linspace(x0 - span, x0 + span, 301)
    eps = float(eps_values[0])
    with rc_context(_rc()):
        fig, (left, right) = _new_figure(2)
        left.plot(x, function(x), color=blue, label=ylabel)
        left.plot(x, f0 + chain_rule_slope * (x - x0), color=vermillion, linestyle="--",
                  label=f"slope from the chain rule: {chain_rule_slope:.4g}")
        left.plot([x0, x0 + eps], [f0, f0], color=orange, linewidth=3)
        left.plot([x0 + eps, x0 + eps], [f0, float(function(np.asarray(x0 + eps)))], color=green, linewidth=3)
        left.annotate("ε", (x0 + eps / 2, f0), xytext=(0, -22), textcoords="offset points", ha="center",
                      color=orange)
        left.annotate("Δ", (x0 + eps, f0), xytext=(8, 6), textcoords="offset points", color=green)
        _mark(left, x0, f0, f"x = {x0:g}", green, offset=(-70, 10))
        left.set_xlabel(xlabel)
        left.set_ylabel(ylabel)
        left.set_title(title or "Wiggle the input by ε")
        left.legend(loc="best")

        right.axhline(chain_rule_slope, color=vermillion, linestyle="--", label="chain rule")
        right.plot(eps_values, ratios, "o-", color=blue, label="Δ/ε measured")
        right.set_xscale("log")
        right.invert_xaxis()  # read left to right: smaller and smaller nudges
        right.set_xlabel("ε (smaller →)")
        right.set_ylabel("Δ / ε")
        right.set_title("Δ/ε approaches the chain rule")
        right.legend(loc="best")
    return fig


# ---------------------------------------------------------------------------
# Lesson 01: the notation of the office-hours network
# ---------------------------------------------------------------------------


def notation_figure():
    """The 2-2-1 office-hours network with names only: x1, x2, a1 → z1, a2 → z2, a3 → ŷ, w1..w6.

    Weights are numbered by sender (w1, w2 leave x1; w3, w4 leave x2), as in the notes.
    """
    s = _style.current()
    positions = {"x1": (0.0, 1.0), "x2": (0.0, -1.0), "h1": (1.0, 1.0), "h2": (1.0, -1.0), "out": (2.0, 0.0)}
    texts = {"x1": "x1", "x2": "x2", "h1": "a1 → z1", "h2": "a2 → z2", "out": "a3 → ŷ"}
    # (sender, receiver, name, where along the edge the label sits)
    edges = [("x1", "h1", "w1", 0.5), ("x1", "h2", "w2", 0.25), ("x2", "h1", "w3", 0.25), ("x2", "h2", "w4", 0.5),
             ("h1", "out", "w5", 0.5), ("h2", "out", "w6", 0.5)]
    with rc_context(_rc()):
        fig, (ax,) = _new_figure(1, width_per_panel=8.0, height=4.2)
        ax.set_axis_off()
        ax.set_xlim(-0.3, 2.3)
        ax.set_ylim(-1.45, 1.45)
        for sender, receiver, name, where in edges:
            (x0, y0), (x1, y1) = positions[sender], positions[receiver]
            ax.plot([x0, x1], [y0, y1], color=s.positive, linewidth=2, zorder=1)
            lx, ly = x0 + where * (x1 - x0), y0 + where * (y1 - y0)
            ax.text(lx, ly, name, ha="center", va="center", zorder=3,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"})
        for key, (x, y) in positions.items():
            ax.text(x, y, texts[key], ha="center", va="center", zorder=4,
                    bbox={"boxstyle": "round,pad=0.45", "facecolor": s.node_face, "edgecolor": s.node_edge})
        ax.text(0.0, -1.4, "inputs", ha="center", color=s.muted)
        ax.text(1.0, -1.4, "hidden layer", ha="center", color=s.muted)
        ax.text(2.0, -1.4, "output", ha="center", color=s.muted)
        ax.set_title("The office-hours network: a before, z after the sigmoid")
    return fig


# ---------------------------------------------------------------------------
# Lesson 05: the sigmoid's slope, other activations, deep chains
# ---------------------------------------------------------------------------


def sigmoid_slope_figure(peak_at=0.0, peak=0.25, a_range=(-6.0, 6.0)):
    """σ and σ' on one axes, with the slope's maximum (``peak_at``, ``peak``, as the lesson computed it) marked."""
    blue, vermillion, green, *_ = _colours()
    a = np.linspace(*a_range, 481)
    s = sigmoid(a)
    with rc_context(_rc()):
        fig, (ax,) = _new_figure(1, width_per_panel=8.0)
        ax.axhline(0, color="grey", linewidth=1)
        ax.plot(a, s, color=blue, label="σ(a)")
        ax.plot(a, s * (1 - s), color=vermillion, linestyle="--", label="σ'(a) = σ(a)(1 − σ(a))")
        ax.axhline(peak, color=green, linewidth=1.5, linestyle=":", label=f"largest slope {peak:g}")
        _mark(ax, float(peak_at), float(peak), f"σ'({peak_at:g}) = {peak:g}", green, text_at=(0.62, 0.42))
        ax.set_xlabel("a")
        ax.set_ylabel("value")
        ax.set_title("σ and its slope: steepest at a = 0, where σ = ½")
        ax.set_ylim(-0.05, 1.05)
        ax.legend(loc="upper left")
    return fig


def activation_slopes_figure(a_range=(-4.0, 4.0), relu_at_zero=0.0):
    """The slopes of sigmoid, tanh and ReLU side by side; ReLU's jump at 0 with the value used there marked."""
    blue, vermillion, green, *_ = _colours()
    a = np.linspace(*a_range, 801)
    s = sigmoid(a)
    with rc_context(_rc()):
        fig, (ax,) = _new_figure(1, width_per_panel=8.0)
        ax.axhline(0, color="grey", linewidth=1)
        ax.plot(a, s * (1 - s), color=blue, label="σ'(a) = σ(1 − σ): at most ¼")
        ax.plot(a, 1 - np.tanh(a) ** 2, color=vermillion, linestyle="--", label="tanh'(a) = 1 − tanh²: at most 1")
        # ReLU' drawn as two pieces, so no line pretends to climb through the jump
        left, right = a[a < 0], a[a > 0]
        ax.plot(left, np.zeros_like(left), color=green, linestyle="-.", label="ReLU'(a): 0 or 1, a step")
        ax.plot(right, np.ones_like(right), color=green, linestyle="-.")
        ax.plot([0], [relu_at_zero], "o", color=green, markersize=9, markeredgecolor="black", zorder=5)
        ax.plot([0], [1 - relu_at_zero], "o", color="white", markersize=9, markeredgecolor=green, zorder=5)
        ax.annotate(f"at a = 0 the helpers use {relu_at_zero:g}", (0, relu_at_zero), xytext=(0.6, 0.55),
                    textcoords="axes fraction", arrowprops={"arrowstyle": "->", "color": "black", "shrinkB": 6},
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
        ax.set_xlabel("a")
        ax.set_ylabel("slope f'(a)")
        ax.set_title("Slopes of three activations")
        ax.set_ylim(-0.08, 1.25)
        ax.legend(loc="upper left")
    return fig


def depth_figure(*measurements):
    """The first layer's gain against depth (log scale) for each ``DepthMeasurement``, and the bound 0.25^depth.

    Each measurement is drawn as its median with a band from the 10th to the 90th percentile of its seeds.
    """
    colours = _colours()
    labels = {"unit_norm": "weights of spectral norm 1", "normal": "weights N(0, 1)"}
    with rc_context(_rc()):
        fig, (ax,) = _new_figure(1, width_per_panel=8.5, height=5.0)
        depths = measurements[0].depths
        ax.plot(depths, 0.25 ** depths.astype(float), color="black", linestyle="--",
                label="bound 0.25^depth (weights of spectral norm ≤ 1)")
        for colour, m in zip((colours[0], colours[1], colours[2]), measurements):
            label = labels.get(m.weights, m.weights)
            ax.fill_between(m.depths, m.quantile(0.1), m.quantile(0.9), color=colour, alpha=0.2, linewidth=0)
            ax.plot(m.depths, m.quantile(0.5), "o-", color=colour,
                    label=f"{label}: median, 10–90 % band ({m.seeds.size} seeds)")
        ax.set_yscale("log")
        ax.set_xlabel("depth (sigmoid layers between the first weights and the output)")
        ax.set_ylabel("gain  |dE/dW₁| / (|dE/da_out| |x|)")
        ax.set_title(f"How much error reaches the first layer (width {measurements[0].width})")
        ax.set_xticks(depths)
        ax.legend(loc="lower left")
    return fig


# ---------------------------------------------------------------------------
# Putting a figure in the notebook
# ---------------------------------------------------------------------------


def _describe(fig):
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    return "Figure: " + "; ".join(titles) if titles else "Figure"


def png_bytes(fig):
    """The figure rendered as PNG (no timestamps in the metadata, so reruns give equal bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def show(fig, description=None):
    """Display ``fig`` as a PNG with a text/plain description (deterministic for nbval)."""
    from IPython.display import display

    data = {
        "image/png": base64.b64encode(png_bytes(fig)).decode("ascii"),
        "text/plain": description or _describe(fig),
    }
    display(data, raw=True)


# ===========================================================================
# Lesson 06: gradient descent and training (regime grid, loss curves, decision boundaries)
# ===========================================================================


def regime_grid_figure(cases, columns=3):
    """Small multiples of descent paths: each case a dict with ``surface`` = (grid_u, grid_v, E),
    ``path`` (a descent.PairPath), ``regime`` (a descent.Regime), ``xlabel``, ``ylabel`` and ``title``.
    Colours follow log10 E (as in the live view); the orange ring marks where the regime shows. A path
    that stays within a small patch of the map gets a zoomed inset (the patch outlined); a path that
    leaves the map gets an orange cross where it crosses the frame, with the step and where it ends."""
    from matplotlib.colors import LogNorm

    def draw_path(ax, path, regime, big=True):
        u, v = path.values[:, 0], path.values[:, 1]
        ax.plot(u, v, "-o", color="white", markersize=3 if big else 2.5, linewidth=1.5 if big else 1.2,
                markeredgecolor="black", markeredgewidth=0.4)
        ax.plot(u[:1], v[:1], "o", color="white", markeredgecolor="black", markersize=9 if big else 7)
        ax.plot(u[-1:], v[-1:], "s", color="black", markeredgecolor="white", markersize=8 if big else 6)
        k = min(regime.step, path.steps_taken)
        ax.plot([u[k]], [v[k]], "o", markerfacecolor="none", markeredgecolor=_style.OKABE_ITO["orange"],
                markersize=18 if big else 13, markeredgewidth=3 if big else 2)

    rows = -(-len(cases) // columns)
    grow = _style.current().font_size / _style.STYLES["default"].font_size
    with rc_context({**_rc(), "axes.grid": False}):
        fig = Figure(figsize=(4.6 * columns * grow, 4.0 * rows * grow), dpi=_style.current().dpi,
                     layout="constrained")
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax, case in zip(axes, cases):
            grid_u, grid_v, surface = case["surface"]
            floor = max(float(surface.min()), float(surface.max()) * 1e-4)
            ax.pcolormesh(grid_u, grid_v, np.maximum(surface, floor), cmap=_style.current().cmap,
                          norm=LogNorm(floor, float(surface.max())), shading="gouraud", rasterized=True)
            path, regime = case["path"], case["regime"]
            u, v = path.values[:, 0], path.values[:, 1]
            draw_path(ax, path, regime)
            k = min(regime.step, path.steps_taken)
            (u0, u1), (v0, v1) = (grid_u[0], grid_u[-1]), (grid_v[0], grid_v[-1])
            ax.set_xlim(u0, u1)
            ax.set_ylim(v0, v1)
            extent = max(np.ptp(u) / (u1 - u0), np.ptp(v) / (v1 - v0))
            exit_point = leaves_frame(path.values, ((u0, u1), (v0, v1)))
            if exit_point is not None:  # where the path crosses the frame, and where it ends up
                j, cross = exit_point
                inside = (u >= u0) & (u <= u1) & (v >= v0) & (v <= v1)
                ax.plot(*cross, "X", color=_style.OKABE_ITO["orange"], markeredgecolor="black", markersize=11,
                        clip_on=False, zorder=5)
                end = ", ".join(f"{value:.2g}" for value in path.values[-1])
                shown = np.column_stack([(u[inside] - u0) / (u1 - u0), (v[inside] - v0) / (v1 - v0)])
                shown = np.vstack([shown, [((cross[0] - u0) / (u1 - u0), (cross[1] - v0) / (v1 - v0))]])
                corners = [(0.03, 0.03, "left", "bottom"), (0.03, 0.97, "left", "top"),
                           (0.97, 0.97, "right", "top"), (0.97, 0.03, "right", "bottom")]
                # the note goes in the corner farthest from every point of the path on the map
                cx, cy, ha, va = max(corners, key=lambda c: np.hypot(shown[:, 0] - c[0], shown[:, 1] - c[1]).min())
                ax.text(cx, cy, f"\u2716 leaves the map at step {j}\nends at ({end}),\nE = {path.costs[-1]:.2g}",
                        transform=ax.transAxes, fontsize=_rc()["font.size"] * 0.8, va=va, ha=ha,
                        bbox=dict(boxstyle="round", facecolor="white", alpha=0.85, edgecolor="none"))
            elif extent < 0.2:  # a short path: zoom in on it
                pad = max(np.ptp(u), np.ptp(v), 0.05 * (u1 - u0)) * 0.35
                zoom = ax.inset_axes((0.52, 0.04, 0.45, 0.42))
                zoom.pcolormesh(grid_u, grid_v, np.maximum(surface, floor), cmap=_style.current().cmap,
                                norm=LogNorm(floor, float(surface.max())), shading="gouraud", rasterized=True)
                draw_path(zoom, path, regime, big=False)
                zoom.set_xlim(u.min() - pad, u.max() + pad)
                zoom.set_ylim(v.min() - pad, v.max() + pad)
                zoom.tick_params(labelsize=_rc()["font.size"] * 0.6)
                for spine in zoom.spines.values():
                    spine.set_edgecolor("white")
                ax.indicate_inset_zoom(zoom, edgecolor="white", alpha=0.9)
            ax.set_xlabel(case.get("xlabel", ""))
            ax.set_ylabel(case.get("ylabel", ""))
            ax.set_title(f"{case.get('title', '')}\n{regime.name} (step {k})", fontsize=_rc()["font.size"])
        for ax in axes[len(cases):]:
            ax.set_axis_off()
    return fig


def loss_curves_figure(histories, title="Training loss", log=True):
    """Loss against step for several runs: ``histories`` = {label: History (training.History)}."""
    fig, (ax,) = _new_figure(1, width_per_panel=7.0, height=4.2)
    with rc_context(_rc()):
        for (label, history), colour in zip(histories.items(), _colours()):
            ax.plot(history.step, history.train_loss, color=colour, label=label)
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("cost E (mean over the batch)")
        ax.set_title(title)
        ax.legend()
    return fig


def decision_boundary(net, x, labels, title=None, ax=None, limits=None, resolution=201):
    """The network's prediction over the input plane (colour: y_hat, the 0.5 line in black; where y_hat
    varies by less than 1e-6 over the plane, a note "y_hat = ... everywhere" instead) with the
    points (marker and colour by label). For a network with 2 inputs and one sigmoid output. Returns
    the Figure (a new one unless ``ax`` is given)."""
    x = np.asarray(x, dtype=float)
    labels = np.asarray(labels)
    if ax is None:
        fig, (ax,) = _new_figure(1, width_per_panel=4.8, height=4.4)
    else:
        fig = ax.get_figure()
    if limits is None:
        span = x.max(axis=0) - x.min(axis=0)
        limits = [(lo - 0.35 * max(s, 1), hi + 0.35 * max(s, 1)) for lo, hi, s in zip(x.min(0), x.max(0), span)]
    (u0, u1), (v0, v1) = limits
    gu, gv = np.linspace(u0, u1, resolution), np.linspace(v0, v1, resolution)
    mesh_u, mesh_v = np.meshgrid(gu, gv)
    y_hat = net.predict(np.column_stack([mesh_u.ravel(), mesh_v.ravel()]))[:, 0].reshape(mesh_u.shape)
    s = _style.current()
    with rc_context({**_rc(), "axes.grid": False}):
        from matplotlib.colors import LinearSegmentedColormap

        cmap = LinearSegmentedColormap.from_list("classes", [s.negative, "white", s.positive])
        ax.imshow(y_hat, origin="lower", extent=(u0, u1, v0, v1), cmap=cmap, vmin=0, vmax=1, aspect="auto",
                  alpha=0.55)
        if np.ptp(y_hat) < 1e-6:  # a constant output: its "0.5 line" would be rounding noise
            ax.text(0.5, 0.5, f"\u0177 = {float(y_hat.mean()):.3g} everywhere\n(no boundary)", transform=ax.transAxes,
                    ha="center", va="center", fontsize=_rc()["font.size"],
                    bbox=dict(boxstyle="round", facecolor="white", alpha=0.85, edgecolor="none"))
        elif y_hat.min() < 0.5 < y_hat.max():
            ax.contour(gu, gv, y_hat, levels=[0.5], colors="black", linewidths=2)
        for label, colour, marker in ((0, s.negative, "o"), (1, s.positive, "s")):
            chosen = labels == label
            ax.scatter(x[chosen, 0], x[chosen, 1], c=colour, marker=marker, s=140, edgecolors="black",
                       linewidths=1.2, label=f"y = {label}", zorder=3)
        ax.set_xlim(u0, u1)
        ax.set_ylim(v0, v1)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        if title:
            ax.set_title(title)
    return fig


def decision_boundaries_figure(nets, x, labels):
    """``decision_boundary`` side by side: ``nets`` = {title: Network}. Colour: y_hat from vermillion
    (0) through white (0.5) to blue (1); black line: y_hat = 0.5."""
    fig, axes = _new_figure(len(nets), width_per_panel=4.6, height=4.4)
    for ax, (title, net) in zip(axes, nets.items()):
        decision_boundary(net, x, labels, title=title, ax=ax)
    axes[0].legend(loc="upper left", fontsize=_rc()["font.size"] * 0.75, framealpha=0.9)
    return fig
