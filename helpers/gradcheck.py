"""Gradients by central differences: the check that needs no calculus.

dE/dp ~ (E(p + eps) - E(p - eps)) / (2 eps), one parameter at a time. It is slow
(two forward passes per parameter) and approximate (error ~ eps^2), which is why
backpropagation exists; but it is independent of backpropagation, which is why
it is the first test of it.
"""

from __future__ import annotations

import numbers

import numpy as np

from .network import ACTIVATIONS, Gradients, Network

__all__ = ["numerical_gradients", "relative_error", "max_relative_error"]


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
        z = ACTIVATIONS[net.activations[l - 1]][0](a)
        a = z @ net.weights[l].T
        if net.biases[l] is not None:
            a = a + net.biases[l]
    return float(net._cost_per_example(a[None, :], y_row[None, :])[0])


def numerical_gradients(net: Network, x, y, eps=1e-6) -> Gradients:
    """Central-difference estimates of dE/dW, dE/db and the deltas dE/da.

    Same structure as ``Network.gradients``: weights and biases are gradients of
    the batch-mean cost; ``deltas[l][n]`` is the derivative of example n's own cost.
    """
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps: expected a small positive number, got {eps!r}")
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
    x2, single = net._check_x(x)
    y2 = net._check_y(y, x2.shape[0], single)
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
    """max |a - b| / max(|a|, |b|, floor), elementwise then the largest."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return float(np.max(np.abs(a - b) / scale)) if a.size else 0.0


def max_relative_error(g1: Gradients, g2: Gradients, floor=1e-8) -> float:
    """The largest relative error over every weight and bias gradient of two Gradients."""
    if [w.shape for w in g1.weights] != [w.shape for w in g2.weights] or [b is None for b in g1.biases] != [
        b is None for b in g2.biases
    ]:
        raise ValueError(
            "g2: expected gradients of the same network shape as g1 (weights and which layers have biases)"
        )
    errors = [relative_error(a, b, floor) for a, b in zip(g1.weights, g2.weights)]
    errors += [relative_error(a, b, floor) for a, b in zip(g1.biases, g2.biases) if a is not None]
    return max(errors)
