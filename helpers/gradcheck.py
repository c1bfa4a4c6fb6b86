"""Gradients by central differences: the check that needs no calculus.

dE/dp ~ (E(p + eps) - E(p - eps)) / (2 eps), one parameter at a time. It is slow
(two forward passes per parameter) and approximate (error ~ eps^2), which is why
backpropagation exists; but it is independent of backpropagation, which is why
it is the first test of it.

``numerical_gradients`` is that plain recipe. ``check_gradients`` turns it into a
verdict per parameter that can be trusted near saturation too:

1. Float64 central differences at three steps h, 2h, 4h (h = 2^-17), with a bound on
   their error: rounding of the cost (a running error analysis of the forward pass)
   divided by h, plus truncation h^2 |E'''| / 6 with E''' estimated from the three steps.
2. Where that bound is too wide to decide agreement at ``rtol``, the gradient is below
   what float64 central differences can resolve. With ``high_precision=True`` the
   reference is recomputed by central differences in mpmath (50 significant digits,
   step 1e-20; twice the digits while that cannot decide, up to 800), using a forward
   pass and cost written here for mpmath. A parameter that cannot move the cost at all
   (its input is exactly 0, or every path passes a relu at rest or a zero weight) has a
   gradient of exactly 0, which differences at any precision could not confirm; that is
   read off the exact forward pass instead. With ``high_precision=False`` such
   parameters get the verdict "unresolved".
3. A given gradient agrees when |given - exact| <= rtol * max(|given|, |exact|) + R for
   every exact value the reference allows, with R the rounding error that float64
   backpropagation itself can make for that parameter (a running error analysis of the
   forward and backward pass, from this network's own numbers). R is not a floor: it is
   ~1e-16 of the terms that make up the gradient, and about the smallest subnormal when
   those terms are exact zeros, so it only matters where float64 cannot compute the
   gradient better (a saturated sigmoid or tanh, where 1 - sigma(a) keeps few correct
   digits). A zeroed, sign-flipped or doubled gradient passes only if R is as large as
   the gradient, i.e. only if float64 cannot compute that gradient at all; the table
   says so where that happens.

Both functions count the forward passes they need and refuse (ValueError naming ``net``,
with the projected cost) above ``max_evaluations``, instead of running for hours.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass

import numpy as np

from .network import ACTIVATIONS, Gradients, Network, _activate, parameter_names, softplus

__all__ = [
    "GradientCheck",
    "ParameterVerdict",
    "check_gradients",
    "gradients_with",
    "high_precision_gradients",
    "max_relative_error",
    "numerical_gradients",
    "relative_error",
]

#: The default limit on forward passes for numerical_gradients and check_gradients.
MAX_EVALUATIONS = 100_000

_UNIT_ROUNDOFF = 2.0**-53  # float64: every operation is exact up to a relative 2^-53
_SMALLEST_SUBNORMAL = 2.0**-1074  # and up to this absolute amount near 0 (gradual underflow)
_VALUE_ULPS = {"sigmoid": 4, "tanh": 3, "relu": 0, "linear": 0}  # rounding of f(a) itself, in units of u|f(a)|
_STEP = 2.0**-17  # float64 step h (~7.6e-6): balances rounding ~1e-16/h against truncation ~h^2
_STEPS = (1.0, 2.0, 4.0)  # h, 2h, 4h: three estimates give the truncation error
_SAFETY = 2.0  # both bounds are first-order estimates: count them twice
_DIGITS = (50, 100, 200, 400, 800)  # mpmath precisions, tried in turn while undecided
_CHUNK_FLOATS = 2**21  # float64 stage: at most ~16 MB per batch of perturbed forward passes
_MP_SECONDS_PER_MULTIPLY_ADD = 2e-6  # measured with mpmath at 50 digits on a 2-core machine
_MP_SECONDS_PER_ACTIVATION = 2e-5


# ---------------------------------------------------------------------------
# How many forward passes a check needs, and a refusal when that is too many
# ---------------------------------------------------------------------------


def _parameter_count(net):
    return sum(w.size for w in net.weights) + sum(b.size for b in net.biases if b is not None)


def _describe_seconds(seconds):
    if seconds < 120:
        return f"{seconds:.2g} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"


def _check_max_evaluations(max_evaluations):
    if isinstance(max_evaluations, bool) or not isinstance(max_evaluations, numbers.Integral) or max_evaluations < 1:
        raise ValueError(f"max_evaluations: expected a positive whole number, got {max_evaluations!r}")
    return int(max_evaluations)


def _refuse_if_too_big(net, x, y, passes, max_evaluations, what, breakdown, extra_seconds=0.0):
    """ValueError naming ``net`` when ``passes`` forward passes exceed the limit; one timed pass estimates the time."""
    if passes <= max_evaluations:
        return
    start = time.perf_counter()
    net.cost(x, y)
    seconds = passes * (time.perf_counter() - start) + extra_seconds
    raise ValueError(
        f"net: {what} would need {passes:,} forward passes ({breakdown}); projected time about "
        f"{_describe_seconds(seconds)} from one timed pass. That is more than max_evaluations={max_evaluations:,}: "
        f"check a smaller network or batch (every parameter is nudged on its own), "
        f"or pass max_evaluations={passes} to run it anyway."
    )


# ---------------------------------------------------------------------------
# The plain recipe
# ---------------------------------------------------------------------------


def _nudged_costs(net: Network, x, y, layer, kind, index, eps):
    """E with one parameter moved by +eps and by -eps."""
    costs = []
    for sign in (+1.0, -1.0):
        weights = [w.copy() for w in net.weights]
        biases = [None if b is None else b.copy() for b in net.biases]
        target = weights[layer] if kind == "weight" else biases[layer]
        target[index] += sign * eps
        costs.append(net.replace(weights, biases).cost(x, y))
    return costs


def _cost_from_layer(net: Network, a_l, layer, y_row):
    """One example's cost, continuing the forward pass from pre-activation a[layer]."""
    a = a_l
    for l in range(layer + 1, len(net.weights)):
        z = _activate(net.activations[l - 1], a)
        a = z @ net.weights[l].T
        if net.biases[l] is not None:
            a = a + net.biases[l]
    return float(net._cost_per_example(a[None, :], y_row[None, :])[0])


def numerical_gradients(net: Network, x, y, eps=1e-6, *, max_evaluations=MAX_EVALUATIONS) -> Gradients:
    """Central-difference estimates of dE/dW, dE/db and the deltas dE/da.

    Same structure as ``Network.gradients``: weights and biases are gradients of
    the batch-mean cost; ``deltas[l][n]`` is the derivative of example n's own cost.
    It needs two forward passes per parameter and two per pre-activation of each
    example; above ``max_evaluations`` passes it refuses (ValueError naming ``net``
    with the projected cost) instead of running for hours.
    """
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps: expected a small positive number, got {eps!r}")
    max_evaluations = _check_max_evaluations(max_evaluations)
    x2, single = net._check_x(x)
    y2 = net._check_y(y, x2.shape[0], single)
    n_parameters = _parameter_count(net)
    n_activations = x2.shape[0] * sum(net.layer_sizes[1:])
    _refuse_if_too_big(
        net, x, y, 2 * (n_parameters + n_activations), max_evaluations, "numerical_gradients",
        f"2 for each of {n_parameters:,} parameters and 2 for each of {n_activations:,} deltas",
    )

    grad_w, grad_b = [], []
    for layer, w in enumerate(net.weights):
        g = np.zeros_like(w)
        for index in np.ndindex(w.shape):
            plus, minus = _nudged_costs(net, x, y, layer, "weight", index, eps)
            g[index] = (plus - minus) / (2 * eps)
        grad_w.append(g)
        b = net.biases[layer]
        if b is None:
            grad_b.append(None)
            continue
        g = np.zeros_like(b)
        for index in np.ndindex(b.shape):
            plus, minus = _nudged_costs(net, x, y, layer, "bias", index, eps)
            g[index] = (plus - minus) / (2 * eps)
        grad_b.append(g)

    # deltas: nudge each pre-activation of each example and finish the forward pass
    trace = net.forward(x2)
    deltas = []
    for layer, a in enumerate(trace.a):
        d = np.zeros_like(a)
        for n, j in np.ndindex(a.shape):
            up, down = a[n].copy(), a[n].copy()
            up[j] += eps
            down[j] -= eps
            d[n, j] = (_cost_from_layer(net, up, layer, y2[n]) - _cost_from_layer(net, down, layer, y2[n])) / (2 * eps)
        deltas.append(d[0] if single else d)
    return Gradients(tuple(grad_w), tuple(grad_b), tuple(deltas))


def relative_error(a, b, floor=1e-12):
    """max |a - b| / max(|a|, |b|, floor), elementwise then the largest; inf if either side has NaN or inf."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return math.inf  # a NaN would otherwise vanish in max() or compare as "small"
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return float(np.max(np.abs(a - b) / scale)) if a.size else 0.0


def max_relative_error(g1: Gradients, g2: Gradients, floor=1e-8) -> float:
    """The largest relative error over every weight and bias gradient of two Gradients (inf if any is NaN/inf)."""
    if [np.shape(w) for w in g1.weights] != [np.shape(w) for w in g2.weights] or [b is None for b in g1.biases] != [
        b is None for b in g2.biases
    ]:
        raise ValueError(
            "g2: expected gradients of the same network shape as g1 (weights and which layers have biases)"
        )
    errors = [relative_error(a, b, floor) for a, b in zip(g1.weights, g2.weights)]
    errors += [relative_error(a, b, floor) for a, b in zip(g1.biases, g2.biases) if a is not None]
    return max(errors, default=0.0)


# ---------------------------------------------------------------------------
# Float64 forward pass with a running bound on its rounding errors
# ---------------------------------------------------------------------------


def _gamma(n, u):
    """Bound on the relative rounding of an n-term sum of products (Higham's gamma_n)."""
    return n * u / (1.0 - n * u)


@dataclass(frozen=True)
class _Forward:
    """Float64 values of the forward pass at the unperturbed parameters, batch axis first."""

    inputs: tuple  # what each layer receives: x, z[0], ...
    a: tuple
    z: tuple
    slope: tuple  # f'(a) as float64 computes it


def _forward64(net, x2):
    inputs, a_list, z_list, slopes = [], [], [], []
    z = x2
    for w, b, name in zip(net.weights, net.biases, net.activations):
        inputs.append(z)
        a = z @ w.T if b is None else z @ w.T + b
        z = _activate(name, a)
        a_list.append(a)
        z_list.append(z)
        # softmax has no elementwise slope: keep the Jacobian's diagonal p (1 - p), for the record only
        slopes.append(z * (1.0 - z) if name == "softmax" else ACTIVATIONS[name][1](a))
    return _Forward(tuple(inputs), tuple(a_list), tuple(z_list), tuple(slopes))


def _rounding_of_forward(net, fw, start, u, tiny, incremental=False):
    """Bounds on the rounding errors of a[l] and z[l], first order.

    ``start=None``: the whole forward pass from x (exact data). ``start=l``: the
    evaluations of central differences for a parameter of layer l, which reuse the
    rounded a[l] and add step * input: everything before is common to E(p + s) and
    E(p - s) and cancels in their difference; the addition rounds once.
    ``incremental``: later layers too add only the change, a[m] + (z' - z) W^T, so
    their rounding is one addition each rather than a whole sum of products.
    """
    err_a, err_z = [], []
    for l, (w, b, name) in enumerate(zip(net.weights, net.biases, net.activations)):
        a, z_in = fw.a[l], fw.inputs[l]
        if start is not None and l < start:
            err = np.zeros_like(a)
        elif start is not None and l == start:
            err = u * np.abs(a) + tiny
        elif incremental:
            err = err_z[l - 1] @ np.abs(w).T + u * np.abs(a) + tiny
        else:
            abs_w = np.abs(w)
            err_in = err_z[l - 1] if l else np.zeros_like(z_in)
            terms = np.abs(z_in) @ abs_w.T + (0.0 if b is None else np.abs(b))
            err = err_in @ abs_w.T + _gamma(w.shape[1] + (b is not None), u) * terms + tiny
        err_a.append(err)
        if name == "softmax":
            err_z.append(_softmax_rounding(a, fw.z[l], err, u, tiny))
            continue
        slope = np.abs(fw.slope[l])
        err_value = _VALUE_ULPS[name] * u * np.abs(fw.z[l]) + (tiny if _VALUE_ULPS[name] else 0.0)
        err_z.append(err_value + slope * err)
    return err_a, err_z


def _softmax_rounding(a, p, err_a, u, tiny):
    """Bound on the error of float64 softmax p = e^(a - m) / sum e^(a - m), given errors err_a in a.

    a_j - m rounds by u |a_j - m|, and e^x turns an absolute error in x into that relative error;
    the sum of n terms and the division add (n + 2) u. An error da in a moves p_j by
    p_j (da_j - sum_k p_k da_k).
    """
    shifted = np.abs(a - np.max(a, axis=-1, keepdims=True))
    own = (shifted + a.shape[-1] + 4) * u * p
    carried = p * (err_a + np.sum(p * err_a, axis=-1, keepdims=True))
    return own + carried + tiny


def _rounding_of_cost(net, fw, err_a, err_z, y2, u, tiny, incremental=False):
    """Bound on the rounding error of each example's cost (or, ``incremental``, cost change)."""
    a, z = fw.a[-1], fw.z[-1]
    n_out = a.shape[1]
    if net.cost_name == "categorical_cross_entropy":
        # Its slope in a is p - y. The change (incremental) is computed from the changes of a_j - a_target,
        # relative to themselves (see _cost_changes64); a whole cost sums its terms, each rounding by u.
        carried = np.sum(np.abs(z - y2) * err_a[-1], axis=1)
        if incremental:
            return carried + tiny
        shifted = np.abs(a - np.max(a, axis=1, keepdims=True))
        terms = np.sum(y2 * shifted, axis=1) + np.sum(np.exp(-shifted) * (shifted + 2), axis=1)
        return carried + (n_out + 4) * u * terms + tiny
    if incremental:  # the unperturbed cost's rounding is common to both sides: only the perturbed terms count
        if net.cost_name == "cross_entropy":
            per_term = np.abs(z - y2) * err_a[-1] + 3 * u * np.abs(softplus(a))
        else:
            per_term = np.abs(z - y2) * err_z[-1]
        return np.sum(per_term, axis=1) + tiny
    if net.cost_name == "cross_entropy":
        # softplus(a) - y a; its slope in a is sigma(a) - y
        terms = np.abs(softplus(a)) + np.abs(y2 * a)
        per_term = np.abs(z - y2) * err_a[-1] + (n_out + 4) * u * terms
    else:
        r = z - y2
        per_term = np.abs(r) * (err_z[-1] + u * np.abs(r)) + (n_out + 2) * u * 0.5 * r**2
    return np.sum(per_term, axis=1) + tiny


def _backprop_rounding(net, fw, y2):
    """Per parameter, a bound on the rounding error of float64 backpropagation (first order).

    Mirrors the arithmetic of Network.gradients: delta_out = y_hat - y (cross-entropy) or
    (y_hat - y) f'(a) (mse), delta_l = (delta_{l+1} W) * f'(a_l), dE/dW = delta^T z_in / batch,
    dE/db = mean(delta). The slope f'(a) = s (1 - s) of a sigmoid near 1 is where it bites:
    s is rounded to u, so 1 - s keeps only u / (1 - s) of relative accuracy.
    """
    u, tiny = _UNIT_ROUNDOFF, _SMALLEST_SUBNORMAL
    err_a, err_z = _rounding_of_forward(net, fw, None, u, tiny)
    n_layers, batch = len(net.weights), fw.a[0].shape[0]

    err_slopes = []
    for l, name in enumerate(net.activations):
        z, slope = fw.z[l], fw.slope[l]
        if name == "sigmoid":
            err_one_minus = err_z[l] + u * np.abs(1.0 - z)
            err = err_z[l] * np.abs(1.0 - z) + np.abs(z) * err_one_minus + u * np.abs(slope) + tiny
        elif name == "tanh":
            err = 2.0 * np.abs(z) * err_z[l] + u * z**2 + u * np.abs(slope) + tiny
        else:
            err = np.zeros_like(z)  # relu and linear slopes are exactly 0 or 1
        err_slopes.append(err)

    deltas, err_deltas = [None] * n_layers, [None] * n_layers
    y_hat = fw.z[-1]
    residual = y_hat - y2
    if net.cost_name == "cross_entropy":
        deltas[-1] = residual
        err_deltas[-1] = err_z[-1] + u * np.abs(residual) + tiny
    elif net.cost_name == "categorical_cross_entropy":
        # p_j for the other classes; minus their sum for the target (as Network computes it)
        deltas[-1] = residual
        others = np.sum(np.where(y2 > 0, 0.0, err_z[-1] + _gamma(y_hat.shape[1], u) * y_hat), axis=1, keepdims=True)
        err_deltas[-1] = np.where(y2 > 0, others, err_z[-1]) + tiny
    else:
        err_residual = err_z[-1] + u * np.abs(residual)
        deltas[-1] = residual * fw.slope[-1]
        err_deltas[-1] = (
            err_residual * np.abs(fw.slope[-1]) + np.abs(residual) * err_slopes[-1] + u * np.abs(deltas[-1]) + tiny
        )
    for l in range(n_layers - 2, -1, -1):
        w = net.weights[l + 1]
        back = deltas[l + 1] @ w
        err_back = err_deltas[l + 1] @ np.abs(w) + _gamma(w.shape[0], u) * (np.abs(deltas[l + 1]) @ np.abs(w))
        deltas[l] = back * fw.slope[l]
        err_deltas[l] = err_back * np.abs(fw.slope[l]) + np.abs(back) * err_slopes[l] + u * np.abs(deltas[l]) + tiny

    weights, biases = [], []
    for l in range(n_layers):
        d, err_d, z_in = deltas[l], err_deltas[l], fw.inputs[l]
        err_z_in = err_z[l - 1] if l else np.zeros_like(z_in)
        g = d.T @ z_in / batch
        bound = (err_d.T @ np.abs(z_in) + np.abs(d).T @ err_z_in + _gamma(batch, u) * (np.abs(d).T @ np.abs(z_in)))
        weights.append(_SAFETY * (bound / batch + u * np.abs(g) + tiny))
        if net.biases[l] is None:
            biases.append(None)
        else:
            g = d.mean(axis=0)
            bound = err_d.sum(axis=0) + _gamma(batch, u) * np.abs(d).sum(axis=0)
            biases.append(_SAFETY * (bound / batch + u * np.abs(g) + tiny))
    return weights, biases


# ---------------------------------------------------------------------------
# Float64 central differences, all parameters of a layer at once
# ---------------------------------------------------------------------------


def _cost_changes64(net, fw, y2, layer, a_perturbed):
    """E_n(perturbed) - E_n for each stack of perturbed pre-activations a[layer] (stack, batch, n).

    The forward pass carries the change: a[m] + (z' - z) W^T, so rounding is relative to
    the numbers that move, not to whole sums of products (the same function, evaluated
    with less rounding noise).
    """
    a = a_perturbed
    for l in range(layer + 1, len(net.weights)):
        moved = ACTIVATIONS[net.activations[l - 1]][0](a) - fw.z[l - 1]
        a = fw.a[l] + moved @ net.weights[l].T
    a_out = fw.a[-1]
    if net.cost_name == "categorical_cross_entropy":
        # E = ln sum_j e^(a_j - a_t) for the target t, so with d_j the change of a_j - a_t,
        # E' - E = ln sum_j p_j e^(d_j) = log1p(sum_j p_j expm1(d_j)) (the p_j sum to 1, d_t = 0):
        # every term is as small as the change, not the difference of two whole costs.
        d = a - a_out
        d = d - np.sum(np.where(y2 > 0, d, 0.0), axis=-1, keepdims=True)
        return np.log1p(np.sum(fw.z[-1] * np.expm1(d), axis=-1))
    if net.cost_name == "cross_entropy":
        change = softplus(a) - softplus(a_out) - y2 * (a - a_out)
    else:
        moved = ACTIVATIONS[net.activations[-1]][0](a) - fw.z[-1]
        change = moved * ((fw.z[-1] - y2) + moved / 2)  # 0.5 (r + m)^2 - 0.5 r^2
    return np.sum(change, axis=-1)


def _float64_differences(net, fw, y2, names):
    """{name: per-example central differences, shape (3, batch), at steps h, 2h, 4h (h = _STEP)}.

    The batch mean is taken of the differences, not of the costs: the same number in exact
    arithmetic, but the rounding of a sum of costs of order 1 would swamp differences of order h.
    """
    batch = fw.a[0].shape[0]
    signed_steps = [sign * factor * _STEP for factor in _STEPS for sign in (1.0, -1.0)]
    result = {}
    for layer in range(len(net.weights)):
        here = [(name, where) for name, where in names.items() if where[1] == layer]
        if not here:
            continue
        widest = max(w.shape[0] for w in net.weights[layer:])
        per_chunk = max(1, _CHUNK_FLOATS // (batch * widest * len(signed_steps)))
        for begin in range(0, len(here), per_chunk):
            chunk = here[begin : begin + per_chunk]
            stack = np.repeat(fw.a[layer][None], len(chunk) * len(signed_steps), axis=0)
            k = 0
            for _, (kind, _, row, col) in chunk:
                moved = 1.0 if kind == "bias" else fw.inputs[layer][:, col]  # d a[row] / d parameter
                for step in signed_steps:
                    stack[k, :, row] += step * moved
                    k += 1
            costs = _cost_changes64(net, fw, y2, layer, stack).reshape(len(chunk), len(_STEPS), 2, batch)
            steps = 2 * _STEP * np.array(_STEPS)[:, None]
            for (name, _), by_step in zip(chunk, costs):
                result[name] = (by_step[:, 0] - by_step[:, 1]) / steps
    return result


def _float64_reference(per_example, cost_rounding, relative_terms):
    """(reference, bound on its error, bound on |E'''| / 6) from per-example D(h), D(2h), D(4h).

    ``relative_terms`` counts the operations that round the change itself (the batch mean,
    the sums of small changes through the layers): each costs u relative to it.
    """
    h, u = _STEP, _UNIT_ROUNDOFF
    d1, d2, d4 = (float(v) for v in per_example.mean(axis=1))
    # |rounding of D(s)| <= mean err(E_n) / s, plus the rounding of the changes and of their mean
    sum_rounding = _gamma(relative_terms, u) * np.abs(per_example).mean(axis=1)
    rounding = [float(cost_rounding.mean()) / (factor * h) + r for factor, r in zip(_STEPS, sum_rounding)]
    # D(s) = E' + c s^2 + ..., c = E''' / 6: two pairs of steps bound c, rounding included
    c_small = (abs(d2 - d1) + rounding[0] + rounding[1]) / (3 * h**2)
    c_large = (abs(d4 - d2) + rounding[1] + rounding[2]) / (12 * h**2)
    curvature = max(c_small, c_large)
    bound = _SAFETY * (rounding[0] + curvature * h**2)
    if not all(map(math.isfinite, (d1, d2, d4, bound))):
        return d1, math.inf, math.inf
    return d1, bound, curvature


# ---------------------------------------------------------------------------
# The same network and cost, written for mpmath
# ---------------------------------------------------------------------------


class _HighPrecisionNetwork:
    """The network's forward pass and cost in mpmath at ``digits`` significant digits.

    Parameters, x and y are the float64 numbers exactly (binary fractions convert
    without rounding); every operation after that rounds to the working precision.
    Activations and costs mirror helpers.network: sigmoid 1 / (1 + e^-a), tanh,
    relu max(a, 0), linear, softmax; cross-entropy softplus(a) - y a (natural log, from the
    pre-activation), categorical cross-entropy -sum y (a - ln sum e^a), mse 0.5 * sum of
    squares; batch mean.
    """

    def __init__(self, net, x2, y2, digits):
        import mpmath  # ships with SymPy; imported here so `import helpers` stays light

        self.mp, self.digits, self.net = mpmath, digits, net
        with mpmath.workdps(digits):
            self.weights = [[[mpmath.mpf(float(v)) for v in row] for row in w] for w in net.weights]
            self.biases = [None if b is None else [mpmath.mpf(float(v)) for v in b] for b in net.biases]
            self.x = [[mpmath.mpf(float(v)) for v in row] for row in x2]
            self.y = [[mpmath.mpf(float(v)) for v in row] for row in y2]
            self.step = mpmath.mpf(10) ** (-(2 * digits) // 5)  # 1e-20 at 50 digits: rounding ~1e-30
            # base forward pass of every example: inputs[l][n] and a[l][n], lists of mpf
            self.inputs = [[] for _ in net.weights]
            self.a = [[] for _ in net.weights]
            self._reach = {}
            for row in self.x:
                z = row
                for l in range(len(net.weights)):
                    self.inputs[l].append(z)
                    a = self._layer(l, z)
                    self.a[l].append(a)
                    z = self._activations(l, a)

    def _layer(self, l, z):
        a = [self.mp.fdot(row, z) for row in self.weights[l]]
        if self.biases[l] is not None:
            a = [v + b for v, b in zip(a, self.biases[l])]
        return a

    def _activations(self, l, a):
        """The activations of layer l from its list of pre-activations."""
        if self.net.activations[l] == "softmax":
            top = max(a)
            e = [self.mp.exp(v - top) for v in a]
            total = self.mp.fsum(e)
            return [v / total for v in e]
        return [self._activation(l, v) for v in a]

    def _activation(self, l, a):
        name = self.net.activations[l]
        if name == "sigmoid":
            return 1 / (1 + self.mp.exp(-a))
        if name == "tanh":
            return self.mp.tanh(a)
        if name == "relu":
            return a if a > 0 else self.mp.mpf(0)
        return a

    def _example_cost(self, n, layer, a):
        for l in range(layer + 1, len(self.weights)):
            a = self._layer(l, self._activations(l - 1, a))
        y = self.y[n]
        if self.net.cost_name == "cross_entropy":
            return self.mp.fsum(self.mp.log1p(self.mp.exp(v)) - t * v for v, t in zip(a, y))
        if self.net.cost_name == "categorical_cross_entropy":
            # -ln p_t = ln sum_j e^(a_j - a_t): rounding relative to the differences, as in float64
            return self.mp.fsum(
                t * self.mp.log(self.mp.fsum(self.mp.exp(v - target) for v in a)) for target, t in zip(a, y) if t != 0
            )
        last = len(self.weights) - 1
        return self.mp.fsum((self._activation(last, v) - t) ** 2 for v, t in zip(a, y)) / 2

    def _example_costs(self, where, step):
        """Each example's cost with the parameter ``where`` moved by ``step`` (an mpf)."""
        kind, layer, row, col = where
        costs = []
        for n in range(len(self.x)):
            a = list(self.a[layer][n])
            a[row] += step if kind == "bias" else step * self.inputs[layer][n][col]
            costs.append(self._example_cost(n, layer, a))
        return costs

    def difference(self, where, step):
        """(mean central difference at ``step``, mean of its per-example absolute values), as mpf.

        The mean is taken of per-example differences, as in float64, so the rounding of a
        sum of whole costs never enters.
        """
        with self.mp.workdps(self.digits):
            up, down = self._example_costs(where, step), self._example_costs(where, -step)
            per_example = [(plus - minus) / (2 * step) for plus, minus in zip(up, down)]
            return self.mp.fsum(per_example) / len(per_example), self.mp.fsum(map(abs, per_example)) / len(per_example)

    def reaches_cost(self, where):
        """False when the parameter cannot move the cost at all, so its gradient is exactly 0.

        A structural fact read off the exact forward pass, not a derivative: the parameter's
        input is exactly 0 in every example (x_i = 0, a relu at rest, tanh(0)), or every path
        from its neuron to the cost passes a relu at rest (a < 0: locally constant) or a
        weight that is exactly 0. Into a softmax output, a weight column that is the same for
        every class counts as 0 too: it shifts all of a[out] alike, and softmax ignores a common shift.
        """
        kind, layer, row, col = where
        return any(
            (kind == "bias" or self.inputs[layer][n][col] != 0) and self._reaches(layer, n, row)
            for n in range(len(self.x))
        )

    def _moves(self, l, n, j):
        """Whether neuron j of layer l passes a small change of its pre-activation on (relu at rest does not)."""
        if l == len(self.weights) - 1 and self.net.cost_name in ("cross_entropy", "categorical_cross_entropy"):
            return True  # the cost reads the output pre-activation itself, with slope y_hat - y, never 0 exactly
        return self.net.activations[l] != "relu" or self.a[l][n][j] > 0

    def _reaches(self, l, n, j):
        key = (l, n, j)
        if key not in self._reach:
            last = len(self.weights) - 1
            if l + 1 == last and self.net.activations[last] == "softmax":
                # every output moves the cost; only a column with two different weights changes p
                self._reach[key] = self._moves(l, n, j) and len({row[j] for row in self.weights[last]}) > 1
                return self._reach[key]
            self._reach[key] = self._moves(l, n, j) and (
                l == last
                or any(
                    self.weights[l + 1][k][j] != 0 and self._reaches(l + 1, n, k)
                    for k in range(len(self.weights[l + 1]))
                )
            )
        return self._reach[key]

    def derivative(self, where):
        """(E(p + h) - E(p - h)) / 2h as an mpf, h = 10^(-2 digits / 5)."""
        return self.difference(where, self.step)[0]


def high_precision_gradients(net, x, y, *, digits=50, numbering="by_sender"):
    """{name: dE/dp} by central differences in mpmath (step 10^(-2 digits / 5)), as mpmath numbers.

    Independent of backpropagation and of float64: the reference check_gradients uses
    where float64 central differences cannot resolve a gradient. Accurate to about
    10^(-3 digits / 5) relative to the cost's scale (1e-30 at 50 digits).
    """
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 20:
        raise ValueError(f"digits: expected a whole number of at least 20, got {digits!r}")
    x2, y2 = _as_batch(net, x, y)
    names = parameter_names(net, numbering)
    high = _HighPrecisionNetwork(net, x2, y2, int(digits))
    return {name: high.derivative(where) for name, where in names.items()}


# ---------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------

UNRESOLVED_FLOAT64 = "float64 central differences cannot resolve this gradient"


@dataclass(frozen=True)
class ParameterVerdict:
    """The check of one weight or bias.

    ``given`` is the gradient checked, ``reference`` the central-difference value that
    decided (``decided_by`` "float64" or "mpmath"), ``reference_bound`` a bound on the
    reference's own error, ``rounding`` the rounding error float64 backpropagation may make
    for this parameter, ``relative_error`` = |given - reference| / max(|given|, |reference|)
    (0 when both are 0, inf when either is NaN or inf). ``verdict`` is "agree", "differ"
    or "unresolved"; ``note`` says why in words where the numbers alone do not.
    """

    name: str
    where: tuple
    given: float
    reference: float
    relative_error: float
    verdict: str
    decided_by: str
    reference_bound: float
    rounding: float
    note: str = ""

    @property
    def ok(self):
        return self.verdict == "agree"


@dataclass(frozen=True, repr=False)
class GradientCheck:
    """What ``check_gradients`` found: ``ok``, ``worst_error`` and one verdict per parameter.

    ``result["w5"]`` (or ``result.verdict("w5")``) is one parameter's ParameterVerdict;
    ``str(result)`` is a plain-text table.
    """

    verdicts: tuple
    rtol: float
    high_precision: bool

    @property
    def ok(self):
        """True when every parameter agrees ("differ" and "unresolved" both fail)."""
        return all(v.verdict == "agree" for v in self.verdicts)

    @property
    def worst_error(self):
        """The largest relative error (inf when any value on either side is NaN or inf)."""
        return max((v.relative_error for v in self.verdicts), default=0.0)

    def verdict(self, name):
        for v in self.verdicts:
            if v.name == name:
                return v
        raise KeyError(f"name: no parameter {name!r}; this network has {[v.name for v in self.verdicts]}")

    __getitem__ = verdict

    def __iter__(self):
        return iter(self.verdicts)

    def __len__(self):
        return len(self.verdicts)

    def table(self):
        counts = {k: sum(v.verdict == k for v in self.verdicts) for k in ("agree", "differ", "unresolved")}
        summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        lines = [
            f"gradient check, rtol {self.rtol:g}: {summary} -> {'OK' if self.ok else 'FAILED'} "
            f"(worst relative error {_format_error(self.worst_error, self.rtol)})",
            f"{'name':<8} {'given':>13} {'reference':>13} {'rel. error':>10}  {'verdict':<10} decided by",
        ]
        for v in self.verdicts:
            lines.append(
                f"{v.name:<8} {v.given:>13.5g} {v.reference:>13.5g} {_format_error(v.relative_error, self.rtol):>10}  "
                f"{v.verdict:<10} {v.decided_by}"
            )
        notes = [f"  {v.name}: {v.note}" for v in self.verdicts if v.note]
        if notes:
            lines += ["notes:", *notes]
        return "\n".join(lines)

    __str__ = table

    def __repr__(self):
        return self.table()

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.table())


def _format_error(error, rtol):
    """Errors far below rtol are float64 rounding noise: shown as a bound, so tables stay the same across machines."""
    if error == 0:
        return "0"
    if error < rtol * 1e-3:
        return f"<{rtol * 1e-3:.0e}"
    return f"{error:.2g}"


def _relative(given, reference):
    if not (math.isfinite(given) and math.isfinite(reference)):
        return math.inf
    difference = abs(given - reference)
    if difference == 0:
        return 0.0
    return float(difference / max(abs(given), abs(reference)))


def _decide(given, reference, bound, rounding, rtol):
    """ "agree", "differ" or None (cannot tell), for every exact value within ``bound`` of ``reference``.

    Agreement: |given - exact| <= rtol * max(|given|, |exact|) + rounding.
    """
    difference = abs(given - reference)
    if difference + bound <= rtol * max(abs(given), abs(reference) - bound) + rounding:
        return "agree"
    if difference - bound > rtol * max(abs(given), abs(reference) + bound) + rounding:
        return "differ"
    return None


def _agreement_note(given, reference, rounding, rtol):
    """Say so when agreement needed the rounding allowance, and louder when it covers the whole gradient."""
    difference = abs(given - reference)
    if difference <= rtol * max(abs(given), abs(reference)):
        return ""
    if rounding >= abs(reference) / 2:
        return (
            f"float64 backpropagation cannot compute this gradient (|exact| {float(abs(reference)):.2g} is within "
            f"its rounding error {rounding:.2g}): agreement here cannot tell a wrong value from a right one"
        )
    return f"agrees within the rounding error of float64 backpropagation ({rounding:.2g})"


# ---------------------------------------------------------------------------
# check_gradients
# ---------------------------------------------------------------------------


def _as_batch(net, x, y):
    """x and y as (batch, n) float arrays; Network.cost checks them and names what is wrong."""
    net.cost(x, y)
    x2 = np.atleast_2d(np.asarray(x, dtype=float))
    return x2, np.asarray(y, dtype=float).reshape(x2.shape[0], net.layer_sizes[-1])


def _given_arrays(net, gradients):
    """The given weight and bias gradients as float arrays shaped like the network's parameters."""
    if not isinstance(gradients, Gradients):
        raise ValueError(f"gradients: expected a helpers.Gradients like net.gradients(x, y), got {type(gradients)!r}")
    n_layers = len(net.weights)
    if len(gradients.weights) != n_layers or len(gradients.biases) != n_layers:
        raise ValueError(
            f"gradients: expected {n_layers} weight and {n_layers} bias entries (one per layer), "
            f"got {len(gradients.weights)} and {len(gradients.biases)}"
        )
    pairs = enumerate(zip(net.weights, gradients.weights))
    weights = [_given_array(g, w.shape, f"weights[{l}]") for l, (w, g) in pairs]
    biases = []
    for l, (b, g) in enumerate(zip(net.biases, gradients.biases)):
        if (b is None) != (g is None):
            expected = "None (that layer has no bias)" if b is None else f"an array of shape {b.shape}"
            raise ValueError(f"gradients: biases[{l}] should be {expected}, got {'None' if g is None else 'an array'}")
        biases.append(None if g is None else _given_array(g, b.shape, f"biases[{l}]"))
    return weights, biases


def _given_array(values, shape, label):
    """One given gradient array as floats, of the network's shape for that parameter."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"gradients: {label} is not an array of numbers ({error})") from None
    if array.shape != shape:
        raise ValueError(f"gradients: {label} has shape {array.shape}, expected {shape} like the network's")
    return array


def _pick(arrays_w, arrays_b, where):
    kind, layer, row, col = where
    return float(arrays_w[layer][row, col]) if kind == "weight" else float(arrays_b[layer][row])


def check_gradients(
    net,
    x,
    y,
    gradients=None,
    *,
    rtol=1e-6,
    numbering="by_sender",
    high_precision=True,
    max_evaluations=MAX_EVALUATIONS,
) -> GradientCheck:
    """Check backpropagation (``net.gradients(x, y)``) or the ``gradients`` given, parameter by parameter.

    Each weight and bias gets a verdict against central differences, which share nothing
    with backpropagation: "agree" when |given - exact| <= rtol * max(|given|, |exact|) + R
    holds for every exact value the reference allows (R: float64 backpropagation's own
    rounding error for that parameter, see the module notes), "differ" when it fails for
    all of them, "unresolved" when float64 central differences cannot tell and
    ``high_precision`` is False (with True, mpmath decides). NaN or inf on either side is
    "differ". Names follow ``parameter_names(net, numbering)``.

    A gradient that is exactly 0 (the parameter cannot move the cost: its input is exactly 0,
    or every path to the cost passes a relu at rest or a zero weight, or a weight column that is
    the same for every class of a softmax output) agrees only with a given
    value within R; R is then ~1e-323 (every term of backprop's sum is an exact 0), so in
    effect only with 0. ``max_evaluations`` caps the forward passes (see ``numerical_gradients``).
    """
    if isinstance(rtol, bool) or not isinstance(rtol, numbers.Real) or not (0 < rtol < 1):
        raise ValueError(f"rtol: expected a relative tolerance between 0 and 1, got {rtol!r}")
    if not isinstance(high_precision, bool):
        raise ValueError(f"high_precision: expected True or False, got {high_precision!r}")
    rtol = float(rtol)
    max_evaluations = _check_max_evaluations(max_evaluations)
    x2, y2 = _as_batch(net, x, y)

    n_parameters = _parameter_count(net)
    float64_passes = 2 * len(_STEPS) * n_parameters
    breakdown = f"{float64_passes:,} in float64, {2 * len(_STEPS)} for each of {n_parameters:,} parameters"
    high_passes, high_seconds = 0, 0.0
    if high_precision:  # worst case: every parameter needs mpmath, which is far slower per pass
        high_passes = 2 * n_parameters
        high_seconds = high_passes * x2.shape[0] * (
            sum(w.size for w in net.weights) * _MP_SECONDS_PER_MULTIPLY_ADD
            + sum(net.layer_sizes[1:]) * _MP_SECONDS_PER_ACTIVATION
        )
        breakdown += f", and up to {high_passes:,} in mpmath, about {_describe_seconds(high_seconds)} of it"
    _refuse_if_too_big(
        net, x, y, float64_passes + high_passes, max_evaluations, "check_gradients", breakdown, high_seconds
    )
    names = parameter_names(net, numbering)  # after the size check: a million names take seconds

    given_w, given_b = _given_arrays(net, net.gradients(x, y) if gradients is None else gradients)

    with np.errstate(all="ignore"):  # overflow shows as inf in the bounds, and then mpmath decides
        fw = _forward64(net, x2)
        rounding_w, rounding_b = _backprop_rounding(net, fw, y2)
        cost_rounding = []
        for layer in range(len(net.weights)):
            u, tiny = _UNIT_ROUNDOFF, _SMALLEST_SUBNORMAL
            err_a, err_z = _rounding_of_forward(net, fw, layer, u, tiny, incremental=True)
            cost_rounding.append(_rounding_of_cost(net, fw, err_a, err_z, y2, u, tiny, incremental=True))
        differences = _float64_differences(net, fw, y2, names)
    relative_terms = x2.shape[0] + sum(net.layer_sizes) + 4

    verdicts, undecided = {}, {}
    for name, where in names.items():
        given = _pick(given_w, given_b, where)
        rounding = float(_pick(rounding_w, rounding_b, where))
        reference, bound, curvature = _float64_reference(differences[name], cost_rounding[where[1]], relative_terms)
        # The differences start from float64's rounded forward pass, the same one backprop uses: that shifts
        # the reference as much as it shifts backprop's own value (mpmath starts from the exact one).
        bound += rounding
        if not math.isfinite(given):
            verdicts[name] = ParameterVerdict(
                name, where, given, reference, math.inf, "differ", "float64", bound, rounding,
                "the given value is not a finite number",
            )
            continue
        decision = _decide(given, reference, bound, rounding, rtol) if math.isfinite(bound) else None
        if decision is not None:
            note = _agreement_note(given, reference, rounding, rtol) if decision == "agree" else ""
            verdicts[name] = ParameterVerdict(
                name, where, given, reference, _relative(given, reference), decision, "float64", bound, rounding, note
            )
        else:
            undecided[name] = (where, given, rounding, reference, bound, curvature)

    if undecided and high_precision:
        verdicts.update(_decide_in_high_precision(net, x2, y2, undecided, rtol))
    for name, (where, given, rounding, reference, bound, _) in undecided.items():
        if name not in verdicts and not math.isfinite(reference):
            verdicts[name] = ParameterVerdict(
                name, where, given, reference, math.inf, "differ", "float64", bound, rounding,
                "the float64 reference is not a finite number (the cost overflows near this point)",
            )
        elif name not in verdicts:
            verdicts[name] = ParameterVerdict(
                name, where, given, reference, _relative(given, reference), "unresolved", "float64", bound, rounding,
                f"{UNRESOLVED_FLOAT64} (reference {reference:.3g} +- {bound:.2g}); "
                "pass high_precision=True to decide it with mpmath",
            )
    return GradientCheck(tuple(verdicts[name] for name in names), rtol, high_precision)


def _decide_in_high_precision(net, x2, y2, undecided, rtol):
    """Verdicts from mpmath central differences: 50 digits, and twice as many while they cannot decide.

    Each precision's error bound is computed in mpmath (it is far below float64's range at
    hundreds of digits), so a tiny gradient (a sigmoid saturated at a = -200 still has an exact,
    representable one) climbs until it is resolved. A parameter that cannot move the cost at all
    has gradient exactly 0, which no finite precision could confirm by differences: there only a
    given value within float64 backpropagation's rounding agrees (R is ~1e-323 when every term of
    the gradient's sum is an exact 0, so in practice only 0 itself).
    """
    fw = _forward64(net, x2)
    linear_u = 2.0**-100  # the rounding bounds are linear in u: compute them at one u, scale in mpmath
    at_linear_u = {}
    for layer in range(len(net.weights)):
        err_a, err_z = _rounding_of_forward(net, fw, layer, linear_u, 0.0)
        at_linear_u[layer] = float(_rounding_of_cost(net, fw, err_a, err_z, y2, linear_u, 0.0).mean())

    verdicts, remaining = {}, dict(undecided)
    for digits in _DIGITS:
        if not remaining:
            break
        high = _HighPrecisionNetwork(net, x2, y2, digits)
        mp = high.mp
        with mp.workdps(digits):
            h, u = high.step, mp.mpf(2) ** -mp.mp.prec
            for name, (where, given, rounding, _, bound64, curvature) in list(remaining.items()):
                resolution = (
                    f"below what float64 central differences can resolve (+- {bound64:.2g}); "
                    f"mpmath at {digits} digits decided"
                )
                if not high.reaches_cost(where):
                    decision = "agree" if abs(given) <= rounding else "differ"
                    same = "exactly 0" if given == 0 else f"within float64 backprop's rounding {rounding:.2g}"
                    # name only the causes this network can have: a sigmoid net's learner never met softmax
                    causes = "zero input, relu at rest, zero weights"
                    if net.activations[-1] == "softmax":
                        causes += ", or the same weight into every softmax class"
                    note = f"exactly 0: the parameter cannot move the cost ({causes})"
                    verdicts[name] = ParameterVerdict(
                        name, where, given, 0.0, 0.0 if given == 0 else 1.0, decision, "mpmath", 0.0, rounding,
                        f"{note}; the given value is {same}" if decision == "agree" else note,
                    )
                    del remaining[name]
                    continue
                derivative, spread = high.difference(where, h)
                cost_rounding = mp.mpf(at_linear_u[where[1]]) * (u / linear_u)
                rounding_of_mean = cost_rounding / h + (len(x2) + 1) * u * spread
                if math.isfinite(curvature):
                    curvature = mp.mpf(curvature)
                else:  # float64 gave no usable estimate of the third derivative: take one from a second step
                    wider = high.difference(where, 2 * h)[0]
                    curvature = (abs(wider - derivative) + 3 * rounding_of_mean) / (3 * h**2)
                bound = _SAFETY * (rounding_of_mean + curvature * h**2)
                given_mp = mp.mpf(given)
                decision = _decide(given_mp, derivative, bound, rounding, rtol)
                if decision is None:
                    continue  # more digits next round
                difference = abs(given_mp - derivative)
                relative = 0.0 if difference == 0 else float(difference / max(abs(given_mp), abs(derivative)))
                note = _agreement_note(given, derivative, rounding, rtol) if decision == "agree" else ""
                verdicts[name] = ParameterVerdict(
                    name, where, given, float(derivative), relative, decision, "mpmath", float(bound), rounding,
                    f"{resolution}; {note}" if note else resolution,
                )
                del remaining[name]
    for name, (where, given, rounding, reference64, bound64, _) in remaining.items():
        verdicts[name] = ParameterVerdict(
            name, where, given, reference64, _relative(given, reference64), "unresolved", "mpmath", bound64, rounding,
            f"{UNRESOLVED_FLOAT64}, and mpmath up to {_DIGITS[-1]} digits could not decide either",
        )
    return verdicts


def gradients_with(net, gradients, changes, numbering="by_sender"):
    """A copy of ``gradients`` with the parameters named in ``changes`` ({name: value}) replaced.

    For handing ``check_gradients`` what a flawed computation produced: take backprop's gradients and
    put the flawed values in by name (names as in ``parameter_names(net, numbering)``). A -0.0 (a zero
    input times a negative number) is stored as 0.0, so tables never print "-0".
    """
    names = parameter_names(net, numbering)
    weights = [np.array(w, dtype=float) for w in gradients.weights]
    biases = [None if b is None else np.array(b, dtype=float) for b in gradients.biases]
    for name, value in changes.items():
        if name not in names:
            raise ValueError(f"changes: {name!r} is not a parameter of this network; choose from {list(names)}")
        kind, layer, row, col = names[name]
        if kind == "weight":
            weights[layer][row, col] = float(value) + 0.0
        else:
            biases[layer][row] = float(value) + 0.0
    return Gradients(tuple(weights), tuple(biases), gradients.deltas)
