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

__all__ = ["REGIMES", "RULES", "PairPath", "Regime", "classify_path", "pair_descent"]

#: The regimes ``classify_path`` names, with what each one means (``RULES`` says how each is told).
REGIMES = {
    "slow": "every step goes downhill, but the steps are so small that the cost is still far from its lowest",
    "good": "steadily downhill to (close to) the lowest cost",
    "overshooting": "a step jumps past the bottom and the cost rises, then the path settles and the cost falls again",
    "oscillating": "to the end the weights keep jumping back and forth across the valley, the cost up and down",
    "diverging": "the cost ends far above where it started, or grows step after step, or overflows",
    "plateau": "the surface is almost flat and the cost high: the steps barely move (stalled there, or stuck for a "
               "while before getting off)",
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
    marked on the path and on the loss curve (for a plateau the path gets off: the last point on it).
    """

    name: str
    step: int
    text: str

    @property
    def meaning(self):
        return REGIMES[self.name]


#: Thresholds of ``classify_path``. "The gap" is E - lowest, "the starting gap" the gap at step 0.
GOOD_GAP = 0.05  # good: the gap is down to 5 % of the starting gap; a cost above that is still "high"
RISE = 1e-6  # a step "raised the cost" when E rose by more than this share of the starting gap (not rounding)
FLAT = 0.04  # flat: |dE/dw| under 4 % of the gap per weight unit (at that slope the bottom is 25 units away)
PLATEAU_HIGH = 0.25  # stuck on a plateau mid-path: flat, the step into the point changed E by under 4 % of the
PLATEAU_RUN = 5  # gap, the gap over a quarter of the starting gap, for 5 points in a row (a tenth of a long path)
DIVERGE_FACTOR = 10  # diverging: the gap ends 10 times the starting gap or more, or ...
GROWING = 0.75  # ... E rose at 3 of 4 steps of the tail and ends above where it started
TAIL = 0.25  # the tail: the last quarter of the path, at least TAIL_MIN steps
TAIL_MIN = 6
OSCILLATION_REVERSALS = 0.5  # oscillating: in the tail half the steps or more went against the step before ...
OSCILLATION_RISES = 1 / 3  # ... and E rose at a third of the tail's steps or more, or ...
OSCILLATION_SIZE = 0.25  # ... the tail's steps are still a quarter as long as the path's average step

#: What ``classify_path`` checks, in this order: the first rule that holds names the path.
RULES = (
    ("diverging", "a step overflowed float64"),
    ("plateau", "the path ends where the surface is flat (slope under 4% of the gap per weight unit), the last "
                "step changed E by under 4% of the gap, and the cost is still high (over 5% of the starting gap): "
                "it stalled there, or was thrown back onto it"),
    ("diverging", "E rose at 3 of 4 steps of the last quarter of the path and ends above where it started, or the "
                  "gap ends 10 times the starting gap or more and is not falling at 3 of 4 of those steps"),
    ("oscillating", "in the last quarter of the path (6 steps at least) half the steps or more went against the "
                    "step before, and E rose at a third of them or more, or the steps are still long (a quarter "
                    "of the path's average step or more)"),
    ("plateau", "earlier, for 5 points in a row or more (a tenth of the path, if longer), the surface was flat, the "
                "steps barely changed E and the cost was high; then the path got off"),
    ("overshooting", "the cost rose at some step, but the path settled (none of the above)"),
    ("good", "the cost never rose and ends within 5% of the starting gap from the lowest"),
    ("slow", "the cost never rose and more than 5% of the starting gap is left"),
)


def leaves_frame(values, limits):
    """Where a path first leaves the rectangle ``limits`` = ((u0, u1), (v0, v1)): (the index of its first
    point outside, the point where the segment into it crosses the frame), or None if it stays inside."""
    (u0, u1), (v0, v1) = limits
    u, v = values[:, 0], values[:, 1]
    inside = (u >= u0) & (u <= u1) & (v >= v0) & (v <= v1)
    if inside.all():
        return None
    j = int(np.argmin(inside))
    (a, b), (c, d) = values[j - 1], values[j]
    t = 1.0  # the smallest fraction of the segment at which it meets an edge
    for start, change, edges in ((a, c - a, (u0, u1)), (b, d - b, (v0, v1))):
        for edge in edges:
            if change and 0 <= (edge - start) / change <= t:
                t = (edge - start) / change
    return j, (a + t * (c - a), b + t * (d - b))


def _first(condition, default):
    hits = np.flatnonzero(condition)
    return int(hits[0]) if hits.size else default


def _runs(flags, needed):
    """(start, stop) index ranges where ``flags`` holds for ``needed`` points in a row or more."""
    runs, start = [], None
    for k, flag in enumerate(np.append(flags, False)):
        if flag and start is None:
            start = k
        elif not flag and start is not None:
            if k - start >= needed:
                runs.append((start, k))
            start = None
    return runs


def _reversals(values):
    """reversed[j]: step j + 2 went against step j + 1 (negative dot product), i.e. the path turned back
    at point j + 1. Steps shorter than 1e-9 of the longest (rounding) never count."""
    changes = np.diff(values, axis=0)
    if len(changes) < 2:
        return np.zeros(0, dtype=bool)
    length = np.hypot(changes[:, 0], changes[:, 1])
    moving = length > 1e-9 * max(float(length.max()), 1e-300)
    dots = np.einsum("ij,ij->i", changes[1:], changes[:-1])
    return (dots < 0) & moving[1:] & moving[:-1]


def _g(value):
    return f"{float(value):.3g}"


def classify_path(path, lowest):
    """Name what a ``PairPath`` did: one of ``REGIMES``, by the first of ``RULES`` that holds.

    ``lowest`` is the lowest cost the two weights can reach (0 for a target a network can hit
    exactly; for a surface drawn on a window, its lowest value there). The rules look at the end of
    the path first (where did it get to: overflowed, stalled on a flat high region, far above its
    start, still bouncing), then at its history (stuck on a plateau for a while, a rise of the cost
    on the way), then at how far down it got. So neighbouring learning rates get different names only
    where the path does something visibly different. Thresholds: the module's constants.
    """
    if not isinstance(path, PairPath):
        raise ValueError(f"path: expected a PairPath from pair_descent, got {type(path).__name__}")
    lowest = float(lowest)
    if not math.isfinite(lowest):
        raise ValueError(f"lowest: expected a finite cost, got {lowest!r}")
    costs, n = path.costs, path.steps_taken
    gap = costs - lowest
    scale = max(gap[0], 1e-12)
    rise = RISE * scale + 1e-15
    rises = np.diff(costs) > rise  # rises[k]: step k + 1 raised the cost
    first_rise = _first(rises, None)
    slope = np.hypot(path.gradients[:, 0], path.gradients[:, 1])
    above_start = np.flatnonzero(costs <= costs[0] + rise)  # from the step after the last of these, E stays above
    stays_above = int(above_start[-1]) + 1 if above_start.size else 0

    # 1. overflow
    if path.diverged:
        return Regime("diverging", n, f"diverging: E grew from {_g(costs[0])} to {_g(costs[-1])}, then step "
                                      f"{n + 1} overflowed float64")
    # 2. it ends on a plateau: flat and high
    flat = (slope < FLAT * gap) & (gap > GOOD_GAP * scale)
    settled = n == 0 or abs(costs[-1] - costs[-2]) < FLAT * gap[-1]  # (a huge cost has a small slope *relative* to it)
    if flat[-1] and settled:
        progress = np.abs(np.diff(costs, prepend=costs[0]))  # how much the step into each point changed E
        moving = np.flatnonzero(~(flat & (progress < FLAT * gap)))
        k0 = int(moving[-1]) + 1 if moving.size else 0  # from k0 on, flat and barely moving ...
        if k0 > 0 and flat[k0 - 1] and progress[k0 - 1] >= FLAT * gap[k0 - 1]:
            k0 -= 1  # ... and k0 - 1 is where a jump landed on the plateau
        end = _g(costs[-1])
        if k0 == 0:
            return Regime("plateau", 0, f"plateau: stuck from the start, E stays near {end}: the slope is almost 0")
        low = int(np.argmin(costs[:k0]))
        if low > 0 and gap[low] < 0.5 * gap[-1] and rises[low:k0].any():
            jump = low + 1 + int(np.argmax(rises[low:k0]))
            return Regime("plateau", jump, f"plateau: down to E = {_g(costs[low])} by step {low}, then step {jump} "
                                           f"threw it back onto a plateau; it stalls at E near {end}")
        if first_rise is not None and first_rise < k0:
            peak = first_rise + 1 + int(np.argmax(costs[first_rise + 1:k0 + 1]))
            return Regime("plateau", k0, f"plateau: overshot onto a plateau: from step {first_rise + 1} E rises "
                                         f"(to {_g(costs[peak])}); from step {k0} it stalls at E near {end}")
        return Regime("plateau", k0, f"plateau: from step {k0} the path stalls on a plateau at E near {end}")
    # 3. far above the start, or growing
    tail = min(n, max(TAIL_MIN, int(round(TAIL * n))))
    tail_rises = rises[n - tail:]
    growing = tail > 0 and tail_rises.mean() >= GROWING and gap[-1] > scale
    recovering = tail > 0 and (np.diff(costs)[n - tail:] < -rise).mean() >= GROWING
    if growing or (gap[-1] >= DIVERGE_FACTOR * scale and not recovering):
        return Regime("diverging", min(stays_above, n), f"diverging: from step {min(stays_above, n)} on E stays "
                                                        f"above its start; E {_g(costs[0])} \u2192 {_g(costs[-1])}")
    # 4. still bouncing at the end
    reversed_ = _reversals(path.values)
    tail_turns = reversed_[max(0, n - tail - 1):]
    lengths = np.hypot(*np.diff(path.values, axis=0).T) if n else np.zeros(0)
    bouncing = tail >= 2 and (tail_rises.sum() >= max(2, OSCILLATION_RISES * tail)
                              or lengths[n - tail:].mean() >= OSCILLATION_SIZE * lengths.mean())
    if bouncing and tail_turns.size and tail_turns.mean() >= OSCILLATION_REVERSALS:
        start, misses = None, 0
        for j in range(len(reversed_) - 1, -1, -1):  # back from the end: where the back-and-forth began
            if reversed_[j]:
                start, misses = j, 0
            else:
                misses += 1
                if misses == 2:
                    break
        k = n - tail if start is None else start + 1
        window = costs[n - tail:]
        how = "goes up and down between" if tail_rises.any() else "falls only slowly, to"
        values = f"{_g(window.min())} and {_g(window.max())}" if tail_rises.any() else _g(costs[-1])
        return Regime("oscillating", k, f"oscillating: from step {k} to the end the weights jump back and forth; "
                                        f"E {how} {values}")
    # 5. stuck on a plateau for a while, then off it
    progress = np.abs(np.diff(costs, prepend=costs[0]))  # how much the step into each point changed E
    stuck = (slope < FLAT * gap) & (progress < FLAT * gap) & (gap > PLATEAU_HIGH * scale)
    runs = _runs(stuck, max(PLATEAU_RUN, n // 10))
    if runs:
        start, stop = runs[-1]
        last = stop - 1
        level, end = _g(costs[start]), costs[-1]
        if gap[-1] <= GOOD_GAP * scale:
            return Regime("plateau", last, f"plateau, then good: stuck on a plateau (E near {level}) until step "
                                           f"{last}, then down to E = {_g(end)} by step {n}")
        if gap[-1] < 0.5 * gap[start]:
            return Regime("plateau", last, f"plateau, then downhill: stuck on a plateau (E near {level}) until step "
                                           f"{last}; E = {_g(end)} at step {n}")
        return Regime("plateau", last, f"plateau: barely moves on a plateau (E near {level}) until step {last}; "
                                       f"E = {_g(end)} at step {n}")
    # 6. a rise on the way, then it settled
    if first_rise is not None:
        k = first_rise + 1
        count = int(rises.sum())
        more = "" if count == 1 else f", E rises at {count} steps up to step {int(np.flatnonzero(rises)[-1]) + 1}"
        how = "then the path settles: E ends at" if costs[-1] < costs[0] else "and E ends above its start, at"
        return Regime("overshooting", k, f"overshooting: step {k} jumps past the bottom (E {_g(costs[k - 1])} "
                                         f"\u2192 {_g(costs[k])}){more}, {how} {_g(costs[-1])}")
    # 7. steadily downhill: how far?
    if gap[-1] <= GOOD_GAP * scale:
        step = _first(gap <= GOOD_GAP * scale, n)
        return Regime("good", step, f"good: within 5% of the lowest cost by step {step}")
    return Regime("slow", n, f"slow: after {n} steps {gap[-1] / scale:.0%} of the way down is still to go")
