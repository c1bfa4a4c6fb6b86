"""The softmax output layer and categorical cross-entropy, checked three independent ways.

* central differences: ``check_gradients`` (float64, and mpmath where float64 cannot resolve),
  which passes backprop and fails a tampered gradient;
* SymPy: the cost of a small network written out as an expression here and differentiated;
* reverse-mode automatic differentiation: ``autograd`` on random networks from hypothesis,
  PyTorch too where it imports.

Each reference writes softmax and the cost again in its own language, straight from the
formulas p = e^a / sum e^a, E = -sum y ln p (mean over the batch); only parameters and data
are shared with helpers.network.
"""

import math
import warnings

import autograd
import autograd.numpy as anp
import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import helpers
from helpers import (
    ACTIVATIONS,
    COST_NEEDS_OUTPUT,
    COSTS,
    LAST_LAYER_ACTIVATIONS,
    Network,
    check_gradients,
    cost_surface,
    gradients_with,
    log_softmax,
    numerical_gradients,
    one_hot,
    parameter_names,
    set_parameter,
    softmax,
)
from helpers.gradcheck import high_precision_gradients

try:
    import torch
except ImportError as error:  # optional: autograd always runs
    torch, TORCH_MISSING = None, f"PyTorch not installed: {error}"

CCE = "categorical_cross_entropy"
TOLERANCE = 1e-10
TAMPERINGS = {"zeroed": lambda v: 0.0, "sign-flipped": lambda v: -v, "doubled": lambda v: 2.0 * v}


def softmax_case(seed, sizes, hidden="tanh", with_bias=True, batch=4, scale=1.0):
    """(net, x, y): a softmax network with N(0, scale^2) parameters, normal x and one-hot y."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, scale, (n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    n_layers = len(weights)
    if with_bias is True or with_bias is False:
        with_bias = [with_bias] * n_layers
    biases = None if with_bias is None else [
        rng.normal(0.0, scale, n_out) if on else None for n_out, on in zip(sizes[1:], with_bias)
    ]
    activations = (hidden,) * (n_layers - 1) + ("softmax",)
    x = rng.normal(0.0, 1.0, (batch, sizes[0]))
    y = one_hot(rng.integers(0, sizes[-1], batch), sizes[-1])
    return Network(weights, biases, activations, CCE), x, y


def entry(g, where):
    kind, layer, row, col = where
    return float(g.weights[layer][row, col] if kind == "weight" else g.biases[layer][row])


def scaled_error(actual, expected, floor):
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    return float(np.max(np.abs(actual - expected) / np.maximum(np.abs(expected), floor))) if actual.size else 0.0


def largest_error(ours, weights, biases, deltas):
    """The largest scaled error over weights, biases and deltas; relative above 1e-4 of the largest gradient."""
    floor = 1e-4 * max(1.0, max(float(np.max(np.abs(a))) for a in (*ours.weights, *ours.deltas)))
    errors = [scaled_error(g, w, floor) for g, w in zip(ours.weights, weights)]
    errors += [scaled_error(g, b, floor) for g, b in zip(ours.biases, biases) if g is not None]
    errors += [scaled_error(g, d, floor) for g, d in zip(ours.deltas, deltas)]
    return max(errors)


# ---------------------------------------------------------------------------
# The tables and the pairing rule
# ---------------------------------------------------------------------------


def test_names_are_listed_and_exported():
    assert "softmax" in LAST_LAYER_ACTIVATIONS and "softmax" not in ACTIVATIONS  # no elementwise f'
    assert CCE in COSTS and COST_NEEDS_OUTPUT[CCE] == "softmax"
    for name in ("softmax", "log_softmax", "one_hot", "LAST_LAYER_ACTIVATIONS", "COST_NEEDS_OUTPUT"):
        assert name in helpers.__all__ and hasattr(helpers, name)


def test_replace_and_repr_keep_softmax():
    net, x, y = softmax_case(0, (2, 3, 4))
    moved = net.replace(weights=[w * 2 for w in net.weights])
    assert moved.activations == ("tanh", "softmax") and moved.cost_name == CCE
    assert "softmax" in repr(net) and CCE in repr(net)


# ---------------------------------------------------------------------------
# softmax, log_softmax and the cost: values
# ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("error")
def test_softmax_is_the_definition_and_rows_sum_to_one():
    rng = np.random.default_rng(1)
    a = rng.normal(0.0, 3.0, (50, 5))
    p = softmax(a)
    assert np.allclose(p, np.exp(a) / np.exp(a).sum(axis=1, keepdims=True), rtol=1e-14, atol=0)
    assert np.allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-15) and np.all(p > 0)
    assert np.allclose(log_softmax(a), np.log(p), rtol=1e-13, atol=1e-15)
    assert np.allclose(softmax(a[0]), p[0], rtol=0, atol=0)  # 1-D: one row
    assert np.allclose(softmax(a + 1e3), p, rtol=1e-12, atol=1e-300)  # a common shift changes nothing


def test_log_softmax_keeps_digits_of_a_confident_row():
    """ln p of the winner at a = (40, 0) is -ln(1 + e^-40) = -4.2e-18, not ln(1.0) = 0."""
    with mpmath.workdps(40):
        exact = float(-mpmath.log1p(mpmath.exp(-40)))
    assert log_softmax(np.array([40.0, 0.0]))[0] == pytest.approx(exact, rel=1e-15)
    net = Network([[[40.0], [0.0]]], None, "softmax", CCE)
    assert net.cost([1.0], [1.0, 0.0]) == pytest.approx(-exact, rel=1e-15)


EXTREME_ROWS = [
    [1000.0, -1000.0, 0.0],
    [-1000.0, -1000.0, -1000.0],
    [1e300, -1e300, 5.0],
    [745.5, 0.0, -745.5],
    [1e-300, 0.0, -1e-300],
]


@pytest.mark.parametrize("row", EXTREME_ROWS)
def test_extreme_pre_activations_are_finite_and_silent(row):
    a = np.array(row)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")  # any RuntimeWarning fails; errstate: any unguarded float error too
        p, logp = softmax(a), log_softmax(a)
        # the network's own path: a one-layer softmax with x = 1 makes a[0] = W[:, 0]
        net = Network([a[:, None]], None, "softmax", CCE)
        costs = [net.cost([1.0], one_hot(t, 3)) for t in range(3)]
        grads = [net.gradients([1.0], one_hot(t, 3)) for t in range(3)]
        trace = net.forward([1.0])
        stepped = net.step([1.0], one_hot(1, 3), 1e-3)
    assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0, abs=1e-15)
    assert np.all(logp <= 0) and np.all(~np.isnan(logp))
    assert np.array_equal(trace.output, p) and np.array_equal(trace.z[-1], p)
    for t, (E, g) in enumerate(zip(costs, grads)):
        assert math.isfinite(E) and E >= 0
        assert E == pytest.approx(max(row) - row[t], rel=1e-12, abs=1e-12) or E < 1.2  # |a| large: E = max - a_t
        assert np.all(np.isfinite(g.weights[0])) and np.all(np.isfinite(g.deltas[0]))
        assert np.allclose(g.deltas[0], p - one_hot(t, 3), rtol=1e-12, atol=1e-300)
    assert all(np.all(np.isfinite(w)) for w in stepped.weights)


@pytest.mark.filterwarnings("error")
def test_confidently_wrong_costs_the_margin_and_right_costs_nothing():
    net = Network([[[1000.0], [-1000.0], [0.0]]], None, "softmax", CCE)
    assert net.cost([1.0], [0, 1, 0]) == 2000.0
    assert net.cost([1.0], [0, 0, 1]) == 1000.0
    assert net.cost([1.0], [1, 0, 0]) == 0.0  # e^-1000 underflows: the exact cost is below 1e-434


def test_delta_of_the_target_keeps_its_digits():
    """p_target - 1 at a = (40, 0) is -e^-40 / (1 + e^-40); 1 - p would round to 0 in float64."""
    net = Network([[[40.0], [0.0]]], None, "softmax", CCE)
    delta = net.gradients([1.0], [1.0, 0.0]).deltas[0]
    with mpmath.workdps(40):
        other = float(mpmath.exp(-40) / (1 + mpmath.exp(-40)))
    assert delta[0] == pytest.approx(-other, rel=1e-15) and delta[1] == pytest.approx(other, rel=1e-15)


def test_batch_cost_is_the_mean_and_gradient_is_p_minus_y():
    net, x, y = softmax_case(3, (3, 4, 5), batch=6)
    trace = net.forward(x)
    p = trace.output
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-15)
    per_example = [net.cost(x[n], y[n]) for n in range(6)]
    assert net.cost(x, y) == pytest.approx(np.mean(per_example), rel=1e-14)
    assert net.cost(x, y) == pytest.approx(np.mean(-np.log(np.sum(p * y, axis=1))), rel=1e-12)
    g = net.gradients(x, y)
    assert np.allclose(g.deltas[-1], p - y, rtol=1e-13, atol=1e-17)
    assert np.allclose(g.weights[-1], (p - y).T @ trace.z[0] / 6, rtol=1e-12, atol=1e-17)
    single = net.gradients(x[2], y[2])
    assert single.deltas[-1].shape == (5,) and np.allclose(single.deltas[-1], p[2] - y[2], atol=1e-16)


def test_step_goes_downhill():
    net, x, y = softmax_case(4, (2, 3, 3), batch=8)
    assert net.step(x, y, 1e-2).cost(x, y) < net.cost(x, y)


def test_cost_surface_agrees_with_the_cost_at_every_point():
    net, x, y = softmax_case(5, (2, 3, 4), batch=3)
    u, v = np.linspace(-2, 2, 5), np.linspace(-1, 1, 3)
    first, second = (0, 1, 0), (1, 3, 2)
    surface = cost_surface(net, x, y, first, second, u, v)
    for i, b in enumerate(v):
        for j, a in enumerate(u):
            moved = set_parameter(set_parameter(net, ("weight", *first), a), ("weight", *second), b)
            assert surface[i, j] == pytest.approx(moved.cost(x, y), rel=1e-13)


# ---------------------------------------------------------------------------
# Bad input: every message names the argument
# ---------------------------------------------------------------------------


def _net(activations=("tanh", "softmax"), cost=CCE, n_out=3):
    return Network([np.ones((2, 2)), np.ones((n_out, 2))], None, activations, cost)


BAD_NETWORKS = {
    "softmax on a hidden layer": (dict(activations=("softmax", "softmax")), r"^activations\[0\]:.*last layer only"),
    "softmax hidden, sigmoid out": (dict(activations=("softmax", "sigmoid"), cost="mse"), r"^activations\[0\]:"),
    "one-class softmax": (dict(n_out=1), r"^activations\[1\]:.*at least 2"),
    "softmax with mse": (dict(cost="mse"), r"^cost:.*categorical_cross_entropy"),
    "softmax with cross_entropy": (dict(cost="cross_entropy"), r"^cost:.*sigmoid"),
    "categorical on sigmoid": (dict(activations=("tanh", "sigmoid")), r"^cost:.*softmax"),
    "categorical on linear": (dict(activations=("tanh", "linear")), r"^cost:.*softmax"),
    "unknown activation": (dict(activations=("tanh", "softermax")), r"^activations\[1\]:.*softmax"),
}


@pytest.mark.parametrize("kwargs, match", BAD_NETWORKS.values(), ids=BAD_NETWORKS.keys())
def test_bad_networks_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _net(**kwargs)


BAD_TARGETS = {
    "soft target": ([0.5, 0.5, 0.0], r"^y:.*one-hot"),
    "two ones": ([1.0, 1.0, 0.0], r"^y:.*one-hot"),
    "no one": ([0.0, 0.0, 0.0], r"^y:.*one-hot"),
    "negative": ([-1.0, 1.0, 1.0], r"^y:.*one-hot"),
    "a 2": ([0.0, 2.0, 0.0], r"^y:.*one-hot"),
    "wrong width": ([1.0, 0.0], r"^y:.*\(3,\)"),
    "a label, not one-hot": (2, r"^y:.*one_hot\(labels, 3\)"),
    "NaN": ([np.nan, 1.0, 0.0], r"^y:"),
}


@pytest.mark.parametrize("y, match", BAD_TARGETS.values(), ids=BAD_TARGETS.keys())
def test_bad_targets_are_named(y, match):
    net = _net()
    for method in (net.cost, net.gradients):
        with pytest.raises(ValueError, match=match):
            method([0.5, -0.5], y)


def test_bad_batch_targets_name_the_example():
    net = _net()
    with pytest.raises(ValueError, match=r"^y:.*example 1"):
        net.cost(np.zeros((3, 2)), [[1, 0, 0], [0.2, 0.8, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match=r"^y:.*one_hot"):  # labels for a batch
        net.cost(np.zeros((3, 2)), [0, 2, 1])
    with pytest.raises(ValueError, match=r"^y:"):
        cost_surface(net, np.zeros((2, 2)), [[1, 0, 0], [1, 1, 0]], (0, 0, 0), (1, 0, 0), [0.0], [0.0])
    with pytest.raises(ValueError, match=r"^y:"):
        check_gradients(net, np.zeros((2, 2)), [[1, 0, 0], [0, 0, 0]])


# ---------------------------------------------------------------------------
# one_hot
# ---------------------------------------------------------------------------


def test_one_hot_rows():
    assert np.array_equal(one_hot(2, 4), [0, 0, 1, 0])
    assert np.array_equal(one_hot([0, 3, 1], 4), [[1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0]])
    assert np.array_equal(one_hot(np.array([1, 1], dtype=np.uint8), 2), [[0, 1], [0, 1]])
    assert one_hot(np.int64(0), 3).dtype == float
    assert one_hot([], 3).shape == (0, 3)
    net, x, _ = softmax_case(0, (2, 3, 4))
    assert math.isfinite(net.cost(x[:3], one_hot([0, 3, 2], 4)))


BAD_LABELS = {
    "too large": (([0, 3], 3), r"^labels:.*0 to 2.*got 3"),
    "negative": ((-1, 3), r"^labels:.*got -1"),
    "float": (([0.0, 1.0], 3), r"^labels:.*astype\(int\)"),
    "fraction": ((1.5, 3), r"^labels:"),
    "boolean": ((True, 3), r"^labels:"),
    "booleans": (([True, False], 3), r"^labels:"),
    "string": (("1", 3), r"^labels:"),
    "2-D": (([[0, 1]], 3), r"^labels:.*1-D"),
    "None": ((None, 3), r"^labels:"),
    "one class": ((0, 1), r"^n_classes:.*at least 2"),
    "float n_classes": ((0, 3.0), r"^n_classes:"),
    "boolean n_classes": ((0, True), r"^n_classes:"),
}


@pytest.mark.parametrize("args, match", BAD_LABELS.values(), ids=BAD_LABELS.keys())
def test_one_hot_refuses_what_is_not_a_label(args, match):
    with pytest.raises(ValueError, match=match):
        one_hot(*args)


# ---------------------------------------------------------------------------
# 1. Central differences: check_gradients, numerical_gradients
# ---------------------------------------------------------------------------


def test_numerical_gradients_match_backprop_with_deltas():
    net, x, y = softmax_case(6, (3, 4, 3), hidden="sigmoid", batch=3)
    g, numeric = net.gradients(x, y), numerical_gradients(net, x, y)
    for ours, theirs in zip((*g.weights, *g.biases, *g.deltas), (*numeric.weights, *numeric.biases, *numeric.deltas)):
        assert np.allclose(ours, theirs, rtol=1e-7, atol=1e-9)


@st.composite
def softmax_cases(draw):
    n_layers = draw(st.integers(1, 3))
    sizes = tuple(draw(st.lists(st.integers(1, 4), min_size=n_layers, max_size=n_layers))) + (draw(st.integers(2, 5)),)
    return {
        "seed": draw(st.integers(0, 2**32 - 1)),
        "sizes": sizes,
        "hidden": draw(st.sampled_from(sorted(ACTIVATIONS))),
        "with_bias": draw(st.none() | st.lists(st.booleans(), min_size=n_layers, max_size=n_layers)),
        "batch": draw(st.integers(1, 5)),
        "scale": draw(st.sampled_from([0.3, 1.0, 3.0])),
    }


def _clear_of_relu_kinks(net, x):
    return all(name != "relu" or np.all(np.abs(a) > 1e-3) for name, a in zip(net.activations, net.forward(x).a))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=softmax_cases(), how=st.sampled_from(sorted(TAMPERINGS)))
def test_random_softmax_networks_pass_check_gradients_and_tampering_fails(case, how):
    net, x, y = softmax_case(**case)
    if not _clear_of_relu_kinks(net, x):
        return  # relu'(0): central differences straddle the kink
    result = check_gradients(net, x, y)
    assert result.ok, result
    largest = max(result, key=lambda v: abs(v.reference))
    if largest.rounding < abs(largest.reference) / 2:  # float64 backprop can compute it at all
        g = net.gradients(x, y)
        wrong = check_gradients(net, x, y, gradients_with(net, g, {largest.name: TAMPERINGS[how](largest.given)}))
        assert not wrong.ok and wrong[largest.name].verdict == "differ", wrong


@pytest.mark.parametrize("factor", [1.0 + 1e-4, 1.0 - 1e-4, -1.0, 0.0])
def test_each_perturbed_gradient_fails(factor):
    net, x, y = softmax_case(7, (2, 3, 3), hidden="tanh", batch=3)
    g = net.gradients(x, y)
    for name, where in parameter_names(net).items():
        result = check_gradients(net, x, y, gradients_with(net, g, {name: entry(g, where) * factor}))
        assert result[name].verdict == "differ", (name, result)
        assert all(v.verdict == "agree" for v in result if v.name != name)


def test_saturated_softmax_is_decided_in_high_precision_and_still_catches_tampering():
    """Large weights: p is 1 - 1e-30 for some rows; float64 differences cannot resolve them, mpmath can."""
    net, x, y = softmax_case(8, (2, 3, 3), hidden="tanh", batch=2, scale=30.0)
    result = check_gradients(net, x, y)
    assert result.ok, result
    assert any(v.decided_by == "mpmath" for v in result), result
    without = check_gradients(net, x, y, high_precision=False)
    assert all(v.verdict in ("agree", "unresolved") for v in without)
    g = net.gradients(x, y)
    resolvable = [v for v in result if v.rounding < abs(v.reference) / 2]
    for v in resolvable:
        assert not check_gradients(net, x, y, gradients_with(net, g, {v.name: -v.given})).ok, v


def test_a_weight_column_equal_for_every_class_is_a_structural_zero():
    """softmax ignores a common shift: a hidden unit sending the same weight to every class moves nothing."""
    rng = np.random.default_rng(9)
    w_out = np.array([[0.5, 1.0, 2.0], [0.5, -1.0, 0.0], [0.5, 0.3, 0.1]])  # column 0 is constant
    net = Network([rng.normal(size=(3, 2)), w_out], None, ("tanh", "softmax"), CCE)
    x, y = rng.normal(size=(2, 2)), one_hot([0, 2], 3)
    result = check_gradients(net, x, y)
    assert result.ok, result
    names = parameter_names(net)
    into_unit_0 = [name for name, (kind, layer, row, _) in names.items() if layer == 0 and row == 0]
    for name in into_unit_0:
        assert result[name].reference == 0.0 and "softmax class" in result[name].note
    g = net.gradients(x, y)
    wrong = check_gradients(net, x, y, gradients_with(net, g, {into_unit_0[0]: 1e-6}))
    assert wrong[into_unit_0[0]].verdict == "differ"


# ---------------------------------------------------------------------------
# 2. SymPy: a 2-2-3 network written out and differentiated
# ---------------------------------------------------------------------------


def _sympy_gradients(values, x_value, target):
    """{name: dE/d name} of E = -ln softmax(a_out)[target] for x -> sigmoid hidden (2) -> softmax (3)."""
    W1 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"W1_{i}{j}"))
    b1 = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"b1_{i}"))
    W2 = sp.Matrix(3, 2, lambda i, j: sp.Symbol(f"W2_{i}{j}"))
    b2 = sp.Matrix(3, 1, lambda i, _: sp.Symbol(f"b2_{i}"))
    x = sp.Matrix(x_value)
    hidden = (W1 * x + b1).applyfunc(lambda a: 1 / (1 + sp.exp(-a)))
    a_out = W2 * hidden + b2
    E = -sp.log(sp.exp(a_out[target]) / sum(sp.exp(a) for a in a_out))
    symbols = list(W1) + list(b1) + list(W2) + list(b2)
    point = {s: sp.Rational(values[s.name]) for s in symbols}  # the float64 numbers, exactly
    return {s.name: sp.N(sp.diff(E, s).subs(point), 40) for s in symbols}, sp.N(E.subs(point), 40)


def test_sympy_agrees_with_backprop_on_a_2_2_3_network():
    net, x, y = softmax_case(10, (2, 2, 3), hidden="sigmoid", batch=1)
    W1, W2 = net.weights
    b1, b2 = net.biases
    values = {f"W1_{i}{j}": W1[i, j] for i in range(2) for j in range(2)}
    values |= {f"W2_{i}{j}": W2[i, j] for i in range(3) for j in range(2)}
    values |= {f"b1_{i}": b1[i] for i in range(2)} | {f"b2_{i}": b2[i] for i in range(3)}
    exact, cost = _sympy_gradients(values, [sp.Rational(v) for v in x[0]], int(np.argmax(y[0])))
    g = net.gradients(x, y)
    assert net.cost(x, y) == pytest.approx(float(cost), rel=1e-14)
    ours = {f"W1_{i}{j}": g.weights[0][i, j] for i in range(2) for j in range(2)}
    ours |= {f"W2_{i}{j}": g.weights[1][i, j] for i in range(3) for j in range(2)}
    ours |= {f"b1_{i}": g.biases[0][i] for i in range(2)} | {f"b2_{i}": g.biases[1][i] for i in range(3)}
    for name, value in exact.items():
        assert ours[name] == pytest.approx(float(value), rel=1e-12, abs=1e-15), name
    # and the mpmath reference of check_gradients, to 25 digits
    high = high_precision_gradients(net, x, y)
    by_name = {parameter_names(net)[n]: v for n, v in high.items()}
    with mpmath.workdps(40):
        for name, value in exact.items():
            layer, kind = int(name[1]) - 1, "weight" if name[0] == "W" else "bias"
            where = (kind, layer, int(name[3]), int(name[4]) if kind == "weight" else None)
            reference = mpmath.mpf(str(value))
            assert abs(by_name[where] - reference) <= 1e-25 * (1 + abs(reference)), name


def test_sympy_derives_the_output_delta_p_minus_y():
    """d/da_j of -sum_k y_k ln softmax(a)_k, with sum y = 1, simplifies to softmax(a)_j - y_j."""
    a = sp.symbols("a0:3", real=True)
    y = sp.symbols("y0:3", real=True)
    total = sum(sp.exp(v) for v in a)
    E = -sum(t * sp.log(sp.exp(v) / total) for v, t in zip(a, y))
    for j in range(3):
        difference = sp.diff(E, a[j]) - (sp.exp(a[j]) / total - y[j])
        assert sp.simplify(difference.subs(y[2], 1 - y[0] - y[1])) == 0


# ---------------------------------------------------------------------------
# 3. Automatic differentiation: autograd (always), PyTorch (where installed)
# ---------------------------------------------------------------------------

AUTOGRAD_ACTIVATIONS = {
    "sigmoid": lambda a: 1.0 / (1.0 + anp.exp(-a)),
    "tanh": anp.tanh,
    "relu": lambda a: anp.where(a > 0.0, a, 0.0),  # relu'(0) = 0, as network.py documents
    "linear": lambda a: a,
}


def autograd_total_cost(params, x, y, activations):
    """Sum over the batch of -sum y ln softmax(a_out), softmax written here as log-sum-exp."""
    z = x
    for l, name in enumerate(activations):
        a = anp.dot(z, params["W"][l].T) + params["offset"][l]
        if l in params["b"]:
            a = a + params["b"][l]
        if name != "softmax":
            z = AUTOGRAD_ACTIVATIONS[name](a)
    top = anp.max(a, axis=1, keepdims=True)  # a constant shift: the gradient is unchanged
    log_p = a - top - anp.log(anp.sum(anp.exp(a - top), axis=1, keepdims=True))
    return -anp.sum(y * log_p)


def autograd_gradients(net, x, y):
    batch = x.shape[0]
    params = {
        "W": [np.array(w) for w in net.weights],
        "b": {l: np.array(b) for l, b in enumerate(net.biases) if b is not None},
        "offset": [np.zeros((batch, w.shape[0])) for w in net.weights],
    }
    g = autograd.grad(autograd_total_cost)(params, x, y, net.activations)
    weights = [gw / batch for gw in g["W"]]
    biases = [g["b"][l] / batch if l in g["b"] else None for l in range(len(net.weights))]
    return weights, biases, g["offset"]  # d(sum of costs)/d offset: each example's own delta


@settings(max_examples=200, deadline=None)
@given(case=softmax_cases())
def test_random_softmax_networks_match_autograd(case):
    net, x, y = softmax_case(**case)
    if not _clear_of_relu_kinks(net, x):
        return
    weights, biases, deltas = autograd_gradients(net, x, y)
    assert largest_error(net.gradients(x, y), weights, biases, deltas) <= TOLERANCE
    a_out = net.forward(x).a[-1]
    expected = np.mean(-np.sum(y * (a_out - np.log(np.sum(np.exp(a_out), axis=1, keepdims=True))), axis=1))
    assert net.cost(x, y) == pytest.approx(expected, rel=1e-12)


@pytest.fixture(scope="module")
def torch_module():
    if torch is None:
        pytest.skip(TORCH_MISSING)
    torch.set_num_threads(1)
    return torch


def torch_gradients(torch, net, x, y):
    """torch.nn.functional.cross_entropy (log-softmax inside) in float64, batch mean."""
    activations = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda a: a}
    weights = [torch.tensor(np.array(w), dtype=torch.float64, requires_grad=True) for w in net.weights]
    biases = [None if b is None else torch.tensor(np.array(b), dtype=torch.float64, requires_grad=True)
              for b in net.biases]
    offsets = [torch.zeros((x.shape[0], w.shape[0]), dtype=torch.float64, requires_grad=True) for w in net.weights]
    z = torch.tensor(x, dtype=torch.float64)
    for w, b, offset, name in zip(weights, biases, offsets, net.activations):
        a = z @ w.T + offset
        if b is not None:
            a = a + b
        z = a if name == "softmax" else activations[name](a)
    labels = torch.tensor(np.argmax(y, axis=1))
    cost = torch.nn.functional.cross_entropy(a, labels)
    cost.backward()
    return (
        cost.item(),
        [w.grad.numpy() for w in weights],
        [None if b is None else b.grad.numpy() for b in biases],
        [offset.grad.numpy() * x.shape[0] for offset in offsets],
    )


@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
@pytest.mark.parametrize("seed", range(6))
def test_softmax_networks_match_pytorch(torch_module, hidden, seed):
    net, x, y = softmax_case(seed, (3, 4, 5), hidden=hidden, with_bias=[seed % 2 == 0, True], batch=5, scale=2.0)
    if not _clear_of_relu_kinks(net, x):
        pytest.skip("a relu pre-activation at its kink")
    cost, weights, biases, deltas = torch_gradients(torch_module, net, x, y)
    assert net.cost(x, y) == pytest.approx(cost, rel=1e-12)
    assert largest_error(net.gradients(x, y), weights, biases, deltas) <= TOLERANCE
