"""Gradient descent on two chosen weights, and what kind of path it made (numpy only).

    path = pair_descent(net, x, y, ("w2", "w3"), lr=0.5, n_steps=60)     # only w2 and w3 learn
    regime = classify_path(path, lowest=0.0)                             # "good", "slow", "oscillating", ...

Why only two weights: a colour map of the cost over two weights shows the cost with every *other*
parameter held fixed. If all parameters learned, the surface under the path would change at every
step and the path would be drawn over a map it no longer moves on. With only the pair learning, the
colour map is the true surface and every step of the path lands on it. (``training.descent_path``
records two weights while *all* of them learn: the right tool for a loss curve, not for this map.)

Divergence is a result, not an error: a step that overflows float64 ends the path, and
``stopped_because`` says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .network import Network, get_parameter, parameter_names, set_parameter, softplus

__all__ = ["REGIMES", "PairPath", "Regime", "classify_path", "pair_descent"]

#: The regimes ``classify_path`` names, in the order of its checks, with what each one means.
REGIMES = {
    "diverging": "the steps grow and the cost climbs: each step lands further up the other side",
    "oscillating": "the weights jump back and forth across the valley",
    "overshooting": "a step jumps past the bottom and the cost goes up, then the path settles somewhere else",
    "plateau": "the surface is almost flat here: tiny gradient, high cost, so the steps barely move",
    "slow": "every step goes downhill, but the steps are so small that the cost is still far from its lowest",
    "good": "steadily downhill to (close to) the lowest cost",
}


@dataclass(frozen=True, eq=False)
class PairPath:
    """Full-batch gradient descent in which only the two ``names`` learn.

    Row k of ``values``, ``gradients`` and ``costs[k]`` is the point after k steps (row 0: the start),
    ``gradients[k]`` = (dE/d first, dE/d second) there. ``stopped_because`` is None when all
    ``n_steps`` ran, else why the path ended early (a step overflowed: the descent diverged).
    """

    names: tuple
    values: np.ndarray
    costs: np.ndarray
    gradients: np.ndarray
    lr: float
    n_steps: int
    stopped_because: str | None

    @property
    def steps_taken(self):
        return len(self.costs) - 1

    @property
    def diverged(self):
        return self.stopped_because is not None


def _checked(net, x, y, pair, lr, n_steps, numbering):
    if not isinstance(net, Network):
        raise ValueError(f"net: expected a helpers.Network, got {type(net).__name__}")
    known = parameter_names(net, numbering)
    if isinstance(pair, str) or len(tuple(pair)) != 2:
        raise ValueError(f"pair: expected two parameter names, e.g. ('w5', 'w6'), got {pair!r}")
    pair = tuple(pair)
    for name in pair:
        if name not in known:
            raise ValueError(f"pair: {name!r} is not a parameter of this network; expected one of {', '.join(known)}")
    if pair[0] == pair[1]:
        raise ValueError(f"pair: expected two different parameters, got {pair[0]!r} twice")
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating, np.integer)) or not (
            math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr: expected a finite learning rate > 0, got {lr!r}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
        raise ValueError(f"n_steps: expected an int >= 0, got {n_steps!r}")
    return pair, [known[name] for name in pair], float(lr), int(n_steps)


def _sigmoid_fast(a):
    return 1.0 / (1.0 + np.exp(-a))  # e^(-a) = inf for a < -709 gives exactly 0: no NaN


#: activation -> (f, f' written with the activation's own output z and pre-activation a)
_FAST = {
    "sigmoid": (_sigmoid_fast, lambda a, z: z * (1.0 - z)),
    "tanh": (np.tanh, lambda a, z: 1.0 - z * z),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a, z: (a > 0).astype(float)),
    "linear": (lambda a: a, lambda a, z: 1.0),
}


class _Pass:
    """Forward and backward pass of a small network without the checks of Network (they ran once, on
    the starting network): the same formulas (sigma' = z (1 - z) from the stored z), a few times
    faster, so that a path of a hundred steps is redrawn while a slider moves. Agrees with
    ``Network.gradients`` to rounding (tested)."""

    def __init__(self, net, x, y):
        x2 = np.atleast_2d(np.asarray(x, dtype=float))
        self.x = x2
        self.y = np.asarray(y, dtype=float).reshape(x2.shape[0], -1)
        self.cost_name = net.cost_name
        self.functions = [_FAST.get(name) for name in net.activations]
        self.exact = net.cost_name in ("cross_entropy", "mse") and all(f is not None for f in self.functions)

    def cost_and_gradients(self, weights, biases):
        """(E, [dE/dW], [dE/db or None]); raises FloatingPointError on overflow."""
        a_list, z_list = [], []
        z = self.x
        for w, b, (f, _) in zip(weights, biases, self.functions):
            a = z @ w.T
            if b is not None:
                a = a + b
            z = f(a)
            a_list.append(a)
            z_list.append(z)
        a_out, y_hat, y = a_list[-1], z_list[-1], self.y
        if self.cost_name == "cross_entropy":
            per_example = softplus(a_out) - y * a_out
            delta = y_hat - y
        else:
            per_example = 0.5 * (y_hat - y) ** 2
            delta = (y_hat - y) * self.functions[-1][1](a_out, y_hat)
        cost = float(per_example.sum()) / self.x.shape[0]
        batch = self.x.shape[0]
        inputs = [self.x] + z_list[:-1]
        grad_w = [None] * len(weights)
        grad_b = [None] * len(weights)
        for l in range(len(weights) - 1, -1, -1):
            grad_w[l] = delta.T @ inputs[l] / batch
            grad_b[l] = None if biases[l] is None else delta.mean(axis=0)
            if l:
                delta = (delta @ weights[l]) * self.functions[l - 1][1](a_list[l - 1], z_list[l - 1])
        if not math.isfinite(cost) or not all(np.isfinite(g).all() for g in grad_w):
            raise FloatingPointError("the forward or backward pass overflowed float64")
        return cost, grad_w, grad_b


def _read(array, where):
    kind, layer, row, col = where
    return array[layer][row, col] if kind == "weight" else array[layer][row]


def pair_descent(net, x, y, pair, lr, n_steps, start=None, numbering="by_sender"):
    """``n_steps`` gradient-descent steps on the whole batch (x, y) in which only the two ``pair``
    parameters learn: w <- w - lr dE/dw for those two, every other parameter stays as in ``net``.

    ``start``: optional (value, value) for the pair to start from (default: their values in ``net``).
    Returns a ``PairPath``. A step that overflows ends the path early (``stopped_because``).
    """
    pair, where, lr, n_steps = _checked(net, x, y, pair, lr, n_steps, numbering)
    if start is not None:
        for w, value in zip(where, start):
            net = set_parameter(net, w, value)  # refuses NaN and the like, naming "value"
    net.cost(x, y)  # checks x and y (shapes, target range) once, with the network's own messages
    fast = _Pass(net, x, y)
    weights = [w.copy() for w in net.weights]
    biases = [None if b is None else b.copy() for b in net.biases]
    store = [weights if w[0] == "weight" else biases for w in where]

    def evaluate():
        if fast.exact:
            cost, gw, gb = fast.cost_and_gradients(weights, biases)
        else:  # softmax and its cost: the Network's own pass (no shortcut for the Jacobian-free delta)
            current = net.replace(weights, biases)
            cost, g = current.cost(x, y), current.gradients(x, y)
            gw, gb = g.weights, g.biases
        return cost, [float(_read(gw if w[0] == "weight" else gb, w)) for w in where]

    values = np.empty((n_steps + 1, 2))
    costs = np.empty(n_steps + 1)
    grads = np.empty((n_steps + 1, 2))
    values[0] = [get_parameter(net, w) for w in where]
    with np.errstate(all="ignore"):
        costs[0], grads[0] = evaluate()
    stopped, k = None, 0
    with np.errstate(all="ignore"):
        while k < n_steps:
            new = values[k] - lr * grads[k]
            if not np.isfinite(new).all():
                stopped = f"step {k + 1}: the step overflowed float64 (|lr * dE/dw| too large): diverged"
                break
            for array, w, value in zip(store, where, new):
                kind, layer, row, col = w
                if kind == "weight":
                    array[layer][row, col] = value
                else:
                    array[layer][row] = value
            try:
                cost, grad = evaluate()
            except (FloatingPointError, ValueError):
                stopped = f"step {k + 1}: the cost overflowed float64: diverged"
                break
            k += 1
            values[k], costs[k], grads[k] = new, cost, grad
    return PairPath(pair, values[: k + 1].copy(), costs[: k + 1].copy(), grads[: k + 1].copy(), lr, n_steps, stopped)


# ---------------------------------------------------------------------------
# What kind of path is it?
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Regime:
    """The name of what a path did (one of ``REGIMES``), the step where it shows, and a sentence.

    ``step`` indexes the path's points (0 = the start, k = after k steps): where the regime is
    marked on the path and on the loss curve.
    """

    name: str
    step: int
    text: str

    @property
    def meaning(self):
        return REGIMES[self.name]


#: Thresholds of ``classify_path`` (fractions of the cost still to lose at the start, "the gap").
GOOD_GAP = 0.05  # good: within 5 % of the lowest cost, counted from where it started
RISE = 1e-6  # a step "raised the cost" when it rose by more than this much of the gap (not rounding)
OSCILLATION_RISES = 3  # oscillating: the cost rose at this many steps or more ...
OSCILLATION_FLIPS = 4  # ... and the weights' changes flipped sign this many times or more
FLAT = 0.02  # plateau: |gradient| x 1 weight unit, and the last step's change of E, under 2 % of the gap ...
PLATEAU_HIGH = 0.25  # ... while at least a quarter of the starting gap is left (the cost is high) ...
PLATEAU_RUN = 5  # ... for this many points in a row or more (or a tenth of the path, if longer)


def _first(condition, default):
    hits = np.flatnonzero(condition)
    return int(hits[0]) if hits.size else default


def _plateau_runs(path, lowest, scale):
    """(start, stop) index ranges of the points where the surface is flat and the cost high."""
    gap = path.costs - lowest
    slope = np.hypot(path.gradients[:, 0], path.gradients[:, 1])
    progress = np.abs(np.diff(path.costs, prepend=path.costs[0]))  # how much the step into each point changed E
    flat = (slope < FLAT * gap) & (gap > PLATEAU_HIGH * scale) & (progress < FLAT * gap)
    needed = max(PLATEAU_RUN, path.steps_taken // 10)
    runs, start = [], None
    for k, is_flat in enumerate(np.append(flat, False)):
        if is_flat and start is None:
            start = k
        elif not is_flat and start is not None:
            if k - start >= needed:
                runs.append((start, k))
            start = None
    return runs


def classify_path(path, lowest):
    """Name what a ``PairPath`` did: one of ``REGIMES``, checked in this order.

    ``lowest`` is the lowest cost the two weights can reach (0 for a target a network can hit
    exactly; for a surface drawn on a window, its lowest value there). With gap = E - lowest:

    * diverging: a step overflowed, or the cost ends higher than it started (and not on a plateau);
    * plateau: for a run of points the slope |dE/dw| is under 2 % of the gap per weight unit (and so is
      the change of E from the step before) while
      the gap is still over a quarter of the starting gap (a flat, high region), at the end of the path
      (it stalled there) or anywhere before it reached the bottom;
    * oscillating: the cost rose at 3 steps or more and the weights' changes flipped sign 4 times
      or more (back and forth across the valley);
    * overshooting: the cost rose at a step or two (it jumped past the bottom) but ended lower;
    * good: the cost never rose and came within 5 % of the starting gap from the lowest;
    * slow: the cost never rose but more than 5 % of the gap is left.
    """
    if not isinstance(path, PairPath):
        raise ValueError(f"path: expected a PairPath from pair_descent, got {type(path).__name__}")
    lowest = float(lowest)
    if not math.isfinite(lowest):
        raise ValueError(f"lowest: expected a finite cost, got {lowest!r}")
    costs, n = path.costs, path.steps_taken
    scale = max(costs[0] - lowest, 1e-12)
    rises = np.diff(costs) > RISE * scale + 1e-15
    first_rise = _first(rises, None)
    if path.diverged:
        return Regime("diverging", n, f"diverging: the step after step {n} overflowed; the cost had reached "
                                      f"{costs[-1]:.3g}")
    runs = _plateau_runs(path, lowest, scale)
    if runs and runs[-1][1] == n + 1:  # stalled: the path ends on the plateau
        start = runs[-1][0]
        how = f" after overshooting at step {first_rise + 1}" if first_rise is not None and first_rise < start else ""
        return Regime("plateau", start, f"stalled on a plateau from step {start}{how}: E stays near "
                                        f"{costs[-1]:.3g}, the slope is almost 0")
    if costs[-1] > costs[0] + RISE * scale:
        step = _first(costs > costs[0] + RISE * scale, n)
        return Regime("diverging", step, f"diverging: from step {step} the cost is above where it started; "
                                         f"it ends at {costs[-1]:.3g}")
    if runs and (costs[runs[0][0]] - lowest) > GOOD_GAP * scale:
        start, stop = runs[0]
        return Regime("plateau", start, f"plateau: steps {start} to {stop - 1} barely move (slope almost 0, "
                                        f"E near {costs[start]:.3g})")
    if first_rise is not None:
        changes = np.diff(path.values, axis=0)
        mover = int(np.argmax(np.abs(changes).sum(axis=0)))  # the weight that moved most
        moves = changes[:, mover]
        signs = np.sign(np.where(np.abs(moves) > 0.05 * np.abs(moves).max(), moves, 0.0))  # jitter is no reversal
        flips = int(np.sum(signs[1:] * signs[:-1] < 0))
        if rises.sum() >= OSCILLATION_RISES and flips >= OSCILLATION_FLIPS:
            return Regime("oscillating", first_rise + 1,
                          f"oscillating: from step {first_rise + 1} the weights jump back and forth "
                          f"({flips} reversals, the cost rose at {int(rises.sum())} steps)")
        return Regime("overshooting", first_rise + 1,
                      f"overshooting: step {first_rise + 1} jumps past the bottom (E goes up), then the path "
                      f"settles elsewhere")
    gap = costs - lowest
    if gap[-1] <= GOOD_GAP * scale:
        step = _first(gap <= GOOD_GAP * scale, n)
        return Regime("good", step, f"good: within 5% of the lowest cost by step {step}")
    left = gap[-1] / scale
    return Regime("slow", n, f"slow: after {n} steps {left:.0%} of the way down is still to go")
