"""Backpropagation against reverse-mode automatic differentiation: autograd, and PyTorch when installed.

Each library gets the cost written again in its own array language, straight from the
formulas (a = z W^T + b, z = f(a), cross-entropy in natural log or 0.5 * sum of squares,
mean over the batch); nothing of helpers.network is called to build it. Only the
parameters and the data are shared. Deltas (dE_n/da for each example n) come from the
library as the gradient with respect to a zero offset added to each pre-activation.
"""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from helpers import ACTIVATIONS, COST_NEEDS_OUTPUT, COSTS

try:
    import torch
except ImportError as error:  # PyTorch is optional: the autograd checks always run
    torch, TORCH_MISSING = None, f"PyTorch not installed: {error}"

#: every (elementwise output activation, cost) pair the Network accepts; softmax: tests/test_softmax.py
OUTPUT_PAIRS = [(act, cost) for act in ACTIVATIONS for cost in COSTS if COST_NEEDS_OUTPUT.get(cost, act) == act]
SHAPES = [(3, 1), (2, 2, 1), (3, 4, 2), (1, 5, 3, 2)]
BIAS_PATTERNS = ["none", "all", "mixed", "off"]  # biases=None; every layer; alternate layers; [None, ...]
TOLERANCE = 1e-10


def _bias_flags(pattern, n_layers):
    if pattern == "none":
        return None
    return [pattern == "all" or (pattern == "mixed" and l % 2 == 0) for l in range(n_layers)]


def _cases(make_case, hidden, output, cost):
    """Random networks of every shape, bias pattern and batch size for one activation/cost choice."""
    for shape_index, sizes in enumerate(SHAPES):
        activations = (hidden,) * (len(sizes) - 2) + (output,)
        for pattern_index, pattern in enumerate(BIAS_PATTERNS):
            for batch in (1, 6):
                seed = 1000 * shape_index + 10 * pattern_index + batch
                yield make_case(seed, sizes, activations, cost, _bias_flags(pattern, len(sizes) - 1), batch)


def _gradient_floor(*arrays):
    # A component that is a sum of cancelling terms ends near 0 with an absolute rounding error of
    # ~1e-16 times the gradient's scale; relative errors are measured above this floor, so below it
    # the check is absolute: 1e-10 * 1e-4 = 1e-14 of the largest gradient.
    return 1e-4 * max(1.0, max(float(np.max(np.abs(a))) for a in arrays))


def _compare_all(compare, check, ours, weights, biases, deltas):
    floor = _gradient_floor(*ours.weights, *ours.deltas)
    errors = [compare(f"{check}: dE/dW", g, w, floor) for g, w in zip(ours.weights, weights)]
    errors += [compare(f"{check}: dE/db", g, b, floor) for g, b in zip(ours.biases, biases) if g is not None]
    errors += [compare(f"{check}: deltas dE/da", g, d, floor) for g, d in zip(ours.deltas, deltas)]
    return max(errors)


# ---------------------------------------------------------------------------
# autograd
# ---------------------------------------------------------------------------

AUTOGRAD_ACTIVATIONS = {
    "sigmoid": lambda a: 1.0 / (1.0 + anp.exp(-a)),
    "tanh": anp.tanh,
    # relu'(0) = 0, the convention network.py documents (autograd's maximum would split a tie
    # 0.5/0.5; exact zeros happen when every relu feeding a unit is off and there is no bias)
    "relu": lambda a: anp.where(a > 0.0, a, 0.0),
    "linear": lambda a: a,
}


def autograd_total_cost(params, x, y, activations, cost):
    """Sum over the batch of each example's cost; params = {"W": [...], "b": {layer: b}, "offset": [...]}."""
    z = x
    for l, name in enumerate(activations):
        a = anp.dot(z, params["W"][l].T) + params["offset"][l]
        if l in params["b"]:
            a = a + params["b"][l]
        z = AUTOGRAD_ACTIVATIONS[name](a)
    if cost == "cross_entropy":
        # -[y ln(sigma(a)) + (1 - y) ln(1 - sigma(a))] with ln(sigma(a)) = -ln(1 + e^-a) and
        # ln(1 - sigma(a)) = -ln(1 + e^a): log(1 - z) itself loses digits once z is near 1
        return anp.sum(y * anp.logaddexp(0.0, -a) + (1.0 - y) * anp.logaddexp(0.0, a))
    return 0.5 * anp.sum((z - y) ** 2)


def autograd_gradients(net, x, y):
    """(dE/dW per layer, dE/db per layer or None, deltas per layer) for the batch-mean cost."""
    batch = x.shape[0]
    params = {
        "W": [np.array(w) for w in net.weights],
        "b": {l: np.array(b) for l, b in enumerate(net.biases) if b is not None},
        "offset": [np.zeros((batch, w.shape[0])) for w in net.weights],
    }
    g = autograd.grad(autograd_total_cost)(params, x, y, net.activations, net.cost_name)
    weights = [gw / batch for gw in g["W"]]
    biases = [g["b"][l] / batch if l in g["b"] else None for l in range(len(net.weights))]
    return weights, biases, g["offset"]  # d(sum of costs)/d offset = each example's own delta


@pytest.mark.parametrize("output, cost", OUTPUT_PAIRS)
@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_backprop_matches_autograd(make_case, compare, hidden, output, cost):
    for net, x, y in _cases(make_case, hidden, output, cost):
        weights, biases, deltas = autograd_gradients(net, x, y)
        assert _compare_all(compare, "autograd vs backprop", net.gradients(x, y), weights, biases, deltas) <= TOLERANCE


def test_single_example_matches_autograd(make_case, compare):
    """A 1-D x (one example, no batch axis) gives the same gradients as a batch of one."""
    net, x, y = make_case(7, (2, 3, 2), ("tanh", "sigmoid"), "cross_entropy", [True, True], 1)
    weights, biases, deltas = autograd_gradients(net, x, y)
    ours = net.gradients(x[0], y[0])
    assert ours.deltas[0].shape == (3,)
    assert _compare_all(compare, "autograd vs backprop", ours, weights, biases, [d[0] for d in deltas]) <= TOLERANCE


# ---------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch_module():
    if torch is None:
        pytest.skip(TORCH_MISSING)
    torch.set_num_threads(1)  # tiny tensors; leave the other core to the rest of the machine
    return torch


def torch_gradients(torch, net, x, y):
    """The same gradients from torch.autograd in float64; cross-entropy through its logits form."""
    functional = torch.nn.functional
    activations = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda a: a}
    weights = [torch.tensor(np.array(w), dtype=torch.float64, requires_grad=True) for w in net.weights]
    biases = [None if b is None else torch.tensor(np.array(b), dtype=torch.float64, requires_grad=True)
              for b in net.biases]
    offsets = [torch.zeros((x.shape[0], w.shape[0]), dtype=torch.float64, requires_grad=True) for w in net.weights]
    z, target = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    for w, b, offset, name in zip(weights, biases, offsets, net.activations):
        a = z @ w.T + offset
        if b is not None:
            a = a + b
        z = activations[name](a)
    if net.cost_name == "cross_entropy":
        per_example = functional.binary_cross_entropy_with_logits(a, target, reduction="none").sum(dim=1)
    else:
        per_example = 0.5 * ((z - target) ** 2).sum(dim=1)
    per_example.mean().backward()
    # the offsets' gradients are deltas of the mean cost; each example's own delta is batch times that
    return (
        [w.grad.numpy() for w in weights],
        [None if b is None else b.grad.numpy() for b in biases],
        [offset.grad.numpy() * x.shape[0] for offset in offsets],
    )


@pytest.mark.parametrize("output, cost", OUTPUT_PAIRS)
@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_backprop_matches_pytorch(torch_module, make_case, compare, hidden, output, cost):
    for net, x, y in _cases(make_case, hidden, output, cost):
        weights, biases, deltas = torch_gradients(torch_module, net, x, y)
        assert _compare_all(compare, "PyTorch vs backprop", net.gradients(x, y), weights, biases, deltas) <= TOLERANCE


def test_cost_matches_pytorch(torch_module, make_case, compare):
    """The cost itself, cross-entropy included, against torch's logits form."""
    for cost, output in (("cross_entropy", "sigmoid"), ("mse", "tanh")):
        net, x, y = make_case(3, (2, 4, 3), ("relu", output), cost, [True, False], 5)
        a = torch_module.tensor(np.asarray(net.forward(x).a[-1]))
        target = torch_module.tensor(y)
        if cost == "cross_entropy":
            expected = torch_module.nn.functional.binary_cross_entropy_with_logits(a, target, reduction="none")
            expected = float(expected.sum(dim=1).mean())
        else:
            expected = float((0.5 * (torch_module.tanh(a) - target) ** 2).sum(dim=1).mean())
        assert compare("PyTorch vs Network.cost", net.cost(x, y), expected, 1e-12) <= TOLERANCE
