"""The worked examples of the course, built in code (see shared SOURCES.md).

Each returns ``(net, x, y, lr)`` so that a lesson can write
``net, x, y, lr = office_hours_example()`` and compute everything from there.
"""

from __future__ import annotations

import numpy as np

from .network import Network

__all__ = ["office_hours_example", "chain_example", "two_two_two_example", "OFFICE_HOURS_WEIGHTS"]

#: w1..w6 of the office-hours diagram.
OFFICE_HOURS_WEIGHTS = {"w1": 0.1, "w2": 0.2, "w3": 0.3, "w4": 0.4, "w5": 0.5, "w6": 0.6}


def office_hours_example():
    """The 2-2-1 network of the office-hours notes (source 000).

    a1 = x1 w1 + x2 w3,  a2 = x1 w2 + x2 w4,  a3 = z1 w5 + z2 w6; every neuron is a
    logistic sigmoid, there are no biases, the cost is the natural-log logistic cost.
    Example (x1, x2, y) = (0, 1, 1), learning rate 0.2.
    """
    w = OFFICE_HOURS_WEIGHTS
    net = Network(
        weights=[[[w["w1"], w["w3"]], [w["w2"], w["w4"]]], [[w["w5"], w["w6"]]]],
        biases=None,
        activations=("sigmoid", "sigmoid"),
        cost="cross_entropy",
    )
    return net, np.array([0.0, 1.0]), np.array([1.0]), 0.2


def chain_example():
    """The chain network of the lecture slides (source 002).

    s0 -> w0 -> sigmoid neuron (x1, s1) -> w1 -> sigmoid neuron (x2, s2) -> w2 -> out = w2 s2,
    cost C = 0.5 (target - out)^2. Input s0 = 2, target 0.7, guessed weights
    w0 = 2, w1 = 1, w2 = 0.5. The slides give no learning rate; 0.5 is ours
    (big enough that one step visibly moves out, small enough not to overshoot).
    """
    net = Network(
        weights=[[[2.0]], [[1.0]], [[0.5]]],
        biases=None,
        activations=("sigmoid", "sigmoid", "linear"),
        cost="mse",
    )
    return net, np.array([2.0]), np.array([0.7]), 0.5


def two_two_two_example():
    """A 2-2-2 network with one bias per layer and squared error (source 004).

    The short lecture names the shape (w1..w8, a bias b1 shared by the hidden layer and
    b2 by the output layer, total error summed over both outputs) but no numbers. We use
    the numbers of the widely read step-by-step 2-2-2 walk-through, so a learner can
    check every intermediate value against it: inputs (0.05, 0.10), targets (0.01, 0.99),
    w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55 numbered along each receiving
    neuron's inputs (W1 = [[w1, w2], [w3, w4]], W2 = [[w5, w6], [w7, w8]]), b1 = 0.35,
    b2 = 0.60, learning rate 0.5. The shared bias is stored once per neuron (equal
    values); its gradient as one shared number is the sum of the per-neuron entries.
    Use ``parameter_names(net, "by_receiver")`` for the w1..w8 names.
    """
    net = Network(
        weights=[[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
        biases=[[0.35, 0.35], [0.60, 0.60]],
        activations=("sigmoid", "sigmoid"),
        cost="mse",
    )
    return net, np.array([0.05, 0.10]), np.array([0.01, 0.99]), 0.5
