"""Network: the office-hours numbers, extremes, bad input, immutability and the cost surface.

The office-hours numbers are checked against SymPy (helpers.symbolic, 30 digits) and against
autograd applied to the network written out again below with scalars; a few well-known
rounded values are asserted only as anchors a reader can recognise.
"""

import math
import re
import tracemalloc
import warnings
from decimal import Decimal
from fractions import Fraction

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from helpers import (
    ACTIVATIONS,
    COST_NEEDS_OUTPUT,
    COSTS,
    Network,
    cost_surface,
    get_parameter,
    numerical_gradients,
    office_hours_example,
    parameter_names,
    set_parameter,
    two_two_two_example,
)
from helpers import symbolic as S

NAMES = ("w1", "w2", "w3", "w4", "w5", "w6")
#: every (elementwise output activation, cost) pair the Network accepts; softmax: tests/test_softmax.py
OUTPUT_PAIRS = [(act, cost) for act in ACTIVATIONS for cost in COSTS if COST_NEEDS_OUTPUT.get(cost, act) == act]


def named(weights):
    """W1 = [[w1, w3], [w2, w4]], W2 = [[w5, w6]] -> {"w1": ..., "w6": ...}."""
    (w1, w3), (w2, w4) = weights[0]
    (w5, w6), = weights[1]
    return dict(zip(NAMES, map(float, (w1, w2, w3, w4, w5, w6))))


# ---------------------------------------------------------------------------
# The office-hours example, every number
# ---------------------------------------------------------------------------


def autograd_office_hours(w, x1, x2, y):
    """-[y ln y_hat + (1 - y) ln(1 - y_hat)] of the 2-2-1 diagram, w = (w1, ..., w6)."""

    def sig(a):
        return 1.0 / (1.0 + anp.exp(-a))

    z1, z2 = sig(x1 * w[0] + x2 * w[2]), sig(x1 * w[1] + x2 * w[3])
    y_hat = sig(z1 * w[4] + z2 * w[5])
    return -(y * anp.log(y_hat) + (1.0 - y) * anp.log(1.0 - y_hat))


@pytest.fixture(scope="module")
def example():
    net, x, y, lr = office_hours_example()
    start = np.array([S.OFFICE_HOURS_VALUES[k] for k in NAMES])
    return {
        "net": net, "x": x, "y": y, "lr": lr,
        "sympy_gradients": S.evaluate_gradients(),
        "autograd_gradients": dict(zip(NAMES, autograd.grad(autograd_office_hours)(start, *x, *y))),
    }


def test_office_hours_forward_pass(example, compare):
    trace = example["net"].forward(example["x"])
    ours = {"a1": trace.a[0][0], "a2": trace.a[0][1], "z1": trace.z[0][0], "z2": trace.z[0][1],
            "a3": trace.a[1][0], "y_hat": trace.output[0]}
    exact = S.evaluate_forward()
    assert compare("office hours: forward pass vs SymPy", list(ours.values()), [exact[k] for k in ours], 1e-12) < 1e-14
    # anchors: a1 = w3 = .3 and a2 = w4 = .4 because x1 = 0, x2 = 1; y_hat = .656 as the notes print
    assert (ours["a1"], ours["a2"]) == (pytest.approx(0.3, abs=1e-15), pytest.approx(0.4, abs=1e-15))
    assert ours["a3"] == pytest.approx(0.6464, abs=5e-5)
    assert ours["y_hat"] == pytest.approx(0.6562, abs=5e-5)


def test_office_hours_cost(example, compare):
    net, x, y = example["net"], example["x"], example["y"]
    E = net.cost(x, y)
    assert compare("office hours: cost vs SymPy", E, S.evaluate_cost(), 1e-12) < 1e-14
    start = np.array([S.OFFICE_HOURS_VALUES[k] for k in NAMES])
    by_autograd_forward = float(autograd_office_hours(start, *x, *y))
    assert compare("office hours: cost vs autograd's forward", E, by_autograd_forward, 1e-12) < 1e-14
    assert E == pytest.approx(-math.log(0.6562), abs=1e-4)  # y = 1: E = -ln(y_hat), about .421


def test_office_hours_six_gradients(example, compare):
    ours = named(example["net"].gradients(example["x"], example["y"]).weights)
    for source in ("sympy", "autograd"):
        reference = example[f"{source}_gradients"]
        error = compare(f"office hours: six gradients vs {source}", [ours[k] for k in NAMES],
                        [reference[k] for k in NAMES], 1e-6)
        assert error <= 1e-10
    assert ours["w1"] == 0.0 and ours["w2"] == 0.0  # x1 = 0: no signal reaches w1, w2
    assert all(ours[k] < 0 for k in ("w3", "w4", "w5", "w6"))  # y = 1 > y_hat: every live weight should grow
    assert ours["w5"] == pytest.approx(-0.1975, abs=5e-5)


def test_office_hours_update_after_one_step(example, compare):
    net, x, y, lr = example["net"], example["x"], example["y"], example["lr"]
    assert lr == 0.2
    stepped = net.step(x, y, lr)
    new = named(stepped.weights)
    for source in ("sympy", "autograd"):
        g = example[f"{source}_gradients"]
        expected = [S.OFFICE_HOURS_VALUES[k] - lr * g[k] for k in NAMES]
        assert compare(f"office hours: updated weights vs {source}", [new[k] for k in NAMES], expected, 1e-6) < 1e-14
    # the second forward pass of the notes: y_hat moved toward y = 1 and the cost fell
    assert stepped.predict(x)[0] == pytest.approx(S.evaluate_forward(new)["y_hat"], rel=1e-14)
    assert stepped.predict(x)[0] > net.predict(x)[0]
    assert stepped.cost(x, y) < net.cost(x, y)


# ---------------------------------------------------------------------------
# Extremes: finite and silent
# ---------------------------------------------------------------------------


def extreme_network(hidden, output, cost, sign=1.0):
    """2-2-1 with weights +-100 and x = (5, -5): hidden |a| = 1000, output |a| >= 100."""
    return Network(
        [[[100.0, -100.0], [-100.0, 100.0]], [[100.0 * sign, -50.0 * sign]]],
        [np.array([0.0, 0.0]), None],
        (hidden, output),
        cost,
    ), np.array([[5.0, -5.0], [-5.0, 5.0]]), np.array([[1.0], [0.0]])


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("output, cost", OUTPUT_PAIRS)
@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_extreme_values_stay_finite_and_silent(hidden, output, cost):
    for sign in (1.0, -1.0):
        net, x, y = extreme_network(hidden, output, cost, sign)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # any RuntimeWarning (overflow, invalid, divide) fails the test
            trace = net.forward(x)
            assert np.max(np.abs(trace.a[0])) == 1000.0
            E = net.cost(x, y)
            g = net.gradients(x, y)
            stepped = net.step(x, y, 0.1)
            numeric = numerical_gradients(net, x, y)
        assert np.isfinite(E)
        for array in (*trace.a, *trace.z, *g.weights, *g.deltas, *stepped.weights, *numeric.weights):
            assert np.all(np.isfinite(array))
        assert all(b is None or np.all(np.isfinite(b)) for b in g.biases)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("a, y", [(1000.0, 0.0), (-1000.0, 1.0), (1000.0, 1.0), (-1000.0, 0.0), (745.5, 0.0)])
def test_cross_entropy_of_a_confident_prediction(a, y):
    """Confidently wrong costs about |a| (not inf); confidently right costs about 0; dE/da = y_hat - y."""
    net = Network([[[a]]], None, "sigmoid", "cross_entropy")
    E = net.cost([1.0], [y])
    wrong = (a > 0) != (y > 0.5)
    assert E == (pytest.approx(abs(a), rel=1e-12) if wrong else pytest.approx(0.0, abs=1e-300))
    g = net.gradients([1.0], [y])
    assert g.deltas[0][0] == (-1.0 if y == 1.0 else 1.0) * (1.0 if wrong else 0.0)


@pytest.mark.filterwarnings("error")
def test_cost_surface_at_extremes_is_finite():
    net, x, y = extreme_network("sigmoid", "sigmoid", "cross_entropy")
    grid = cost_surface(net, x, y, (1, 0, 0), (1, 0, 1), [-1000.0, 0.0, 1000.0], [-1000.0, 1000.0])
    assert grid.shape == (2, 3) and np.all(np.isfinite(grid))


# ---------------------------------------------------------------------------
# Bad input: ValueError naming the argument
# ---------------------------------------------------------------------------

GOOD_W = [np.ones((2, 2)), np.ones((1, 2))]


def build(**changes):
    arguments = {"weights": GOOD_W, "biases": [np.zeros(2), np.zeros(1)], "activations": "sigmoid",
                 "cost": "cross_entropy", **changes}
    return lambda: Network(**arguments)


NAN, INF = float("nan"), float("inf")
BAD_NETWORKS = {
    "no layers": (build(weights=[]), r"^weights:"),
    "one array, not a list": (build(weights=np.ones((2, 2))), r"^weights:"),
    "1-D weights": (build(weights=[np.ones(2), np.ones((1, 2))]), r"^weights\[0\]:"),
    "3-D weights": (build(weights=[np.ones((2, 2, 1)), np.ones((1, 2))]), r"^weights\[0\]:"),
    "empty weights": (build(weights=[np.ones((0, 2)), np.ones((1, 0))]), r"^weights\[0\]:"),
    "layers do not chain": (build(weights=[np.ones((2, 2)), np.ones((1, 3))]), r"^weights\[1\]:"),
    "ragged weights": (build(weights=[[[1.0, 2.0], [3.0]], np.ones((1, 2))]), r"^weights\[0\]:"),
    "text weights": (build(weights=[[["a", "b"], ["c", "d"]], np.ones((1, 2))]), r"^weights\[0\]:"),
    "NaN weight": (build(weights=[[[NAN, 1.0], [1.0, 1.0]], np.ones((1, 2))]), r"^weights\[0\]:"),
    "inf weight": (build(weights=[np.ones((2, 2)), [[1.0, -INF]]]), r"^weights\[1\]:"),
    "too few biases": (build(biases=[np.zeros(2)]), r"^biases:"),
    "biases as one array": (build(biases=np.zeros(2)), r"^biases:"),
    "bias of wrong length": (build(biases=[np.zeros(3), None]), r"^biases\[0\]:"),
    "2-D bias": (build(biases=[None, np.zeros((1, 1))]), r"^biases\[1\]:"),
    "NaN bias": (build(biases=[None, [NAN]]), r"^biases\[1\]:"),
    "inf bias": (build(biases=[[INF, 0.0], None]), r"^biases\[0\]:"),
    "unknown activation": (build(activations=("sigmoid", "softsign")), r"^activations\[1\]:"),
    "too many activations": (build(activations=("sigmoid",) * 3), r"^activations:"),
    "unknown cost": (build(cost="hinge"), r"^cost:"),
    "cross_entropy on tanh": (build(activations=("sigmoid", "tanh")), r"^cost:.*sigmoid"),
    "cross_entropy on linear": (build(activations=("relu", "linear")), r"^cost:.*sigmoid"),
}


@pytest.mark.parametrize("make, match", BAD_NETWORKS.values(), ids=BAD_NETWORKS.keys())
def test_bad_network_arguments_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def _net(cost="cross_entropy"):
    return Network(GOOD_W, None, "sigmoid", cost)


BAD_DATA = {
    "x too wide": ([1.0, 2.0, 3.0], [1.0], "cross_entropy", r"^x:"),
    "x batch too wide": (np.ones((3, 3)), np.ones(3), "cross_entropy", r"^x:"),
    "x 3-D": (np.ones((1, 1, 2)), [1.0], "cross_entropy", r"^x:"),
    "x empty batch": (np.ones((0, 2)), np.ones((0, 1)), "cross_entropy", r"^x:"),
    "x NaN": ([NAN, 1.0], [1.0], "cross_entropy", r"^x:"),
    "x inf": ([1.0, INF], [1.0], "mse", r"^x:"),
    "x text": ("0 1", [1.0], "mse", r"^x:"),
    "y too long": ([0.0, 1.0], [1.0, 0.0], "cross_entropy", r"^y:"),
    "y batch mismatch": (np.ones((3, 2)), np.ones((2, 1)), "mse", r"^y:"),
    "y above 1": ([0.0, 1.0], [1.5], "cross_entropy", r"^y:.*\[0, 1\]"),
    "y below 0": (np.ones((2, 2)), [[0.5], [-0.1]], "cross_entropy", r"^y:.*\[0, 1\]"),
    "y NaN": ([0.0, 1.0], [NAN], "mse", r"^y:"),
    "y inf": ([0.0, 1.0], [-INF], "mse", r"^y:"),
    "x None": (None, [1.0], "mse", r"^x: expected a number, got None"),
    "x None inside": ([None, 1.0], [1.0], "mse", r"^x: expected a number, got None"),
    "x numeric strings": (["0", "1"], [1.0], "mse", r"^x:.*string"),
    "x booleans": ([True, False], [1.0], "mse", r"^x: a boolean is not a number"),
    "x boolean among floats": ([True, 1.0], [1.0], "mse", r"^x: a boolean is not a number"),
    "x complex": ([5j, 1.0], [1.0], "mse", r"^x:.*real numbers"),
    "x huge int": ([10**400, 1], [1.0], "mse", r"^x:.*too large for float64"),
    "y None": ([0.0, 1.0], None, "mse", r"^y: expected a number, got None"),
    "y boolean": ([0.0, 1.0], [True], "cross_entropy", r"^y: a boolean is not a number"),
    "y complex": ([0.0, 1.0], np.array([1j]), "mse", r"^y:.*real numbers"),
    "y huge int": ([0.0, 1.0], [-(10**400)], "mse", r"^y:.*too large for float64"),
}


@pytest.mark.parametrize("method", ["cost", "gradients", "step", "cost_surface", "numerical_gradients"])
@pytest.mark.parametrize("x, y, cost, match", BAD_DATA.values(), ids=BAD_DATA.keys())
def test_bad_data_is_named(method, x, y, cost, match):
    net = _net(cost)
    calls = {
        "cost": lambda: net.cost(x, y),
        "gradients": lambda: net.gradients(x, y),
        "step": lambda: net.step(x, y, 0.1),
        "cost_surface": lambda: cost_surface(net, x, y, (0, 0, 0), (1, 0, 1), [0.0, 1.0], [0.0, 1.0]),
        "numerical_gradients": lambda: numerical_gradients(net, x, y),
    }
    with pytest.raises(ValueError, match=match):
        calls[method]()


def test_y_within_range_is_fine_for_mse_outside_it():
    net = _net("mse")
    assert np.isfinite(net.cost([0.0, 1.0], [3.5]))  # a regression target may be anything finite


@pytest.mark.parametrize("x", [[1.0, 2.0, 3.0], [NAN, 0.0], np.ones((2, 3))], ids=["wide", "NaN", "batch wide"])
def test_forward_names_bad_x(x):
    with pytest.raises(ValueError, match=r"^x:"):
        _net().forward(x)
    with pytest.raises(ValueError, match=r"^x:"):
        _net().predict(x)


@pytest.mark.parametrize("lr", [0.0, -0.2, NAN, INF, -INF, "0.2", None, True, [0.2], 1j],
                         ids=["zero", "negative", "NaN", "inf", "-inf", "text", "None", "bool", "list", "complex"])
def test_bad_learning_rate_is_named(lr):
    net, x, y, _ = office_hours_example()
    with pytest.raises(ValueError, match=r"^lr:"):
        net.step(x, y, lr)


@pytest.mark.parametrize("lr", [0.2, 1, np.float64(0.2), np.float32(0.5), 1e-12])
def test_good_learning_rates_are_accepted(lr):
    net, x, y, _ = office_hours_example()
    assert net.step(x, y, lr) != net


@pytest.mark.parametrize("first, second, match", [
    ((2, 0, 0), (1, 0, 1), r"^first:"),
    ((0, 0, 0), (0, 5, 0), r"^second:"),
    ((0, 0), (1, 0, 1), r"^first:"),
    ((1, 0, 1), (1, 0, 1), r"^second:"),
    ((-1, 0, 0), (1, 0, 1), r"^first:"),
])
def test_cost_surface_names_bad_weight_indices(first, second, match):
    net, x, y, _ = office_hours_example()
    with pytest.raises(ValueError, match=match):
        cost_surface(net, x, y, first, second, [0.0, 1.0], [0.0, 1.0])


def test_cost_surface_names_bad_grid_values():
    net, x, y, _ = office_hours_example()
    with pytest.raises(ValueError, match=r"^first_values:"):
        cost_surface(net, x, y, (1, 0, 0), (1, 0, 1), [0.0, NAN], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"^second_values:"):
        cost_surface(net, x, y, (1, 0, 0), (1, 0, 1), [0.0, 1.0], ["a"])


# ---------------------------------------------------------------------------
# Immutability
# ---------------------------------------------------------------------------


def test_step_returns_a_new_network_and_leaves_the_old_one_alone():
    net, x, y, lr = two_two_two_example()
    weights_before = [w.copy() for w in net.weights]
    biases_before = [b.copy() for b in net.biases]
    cost_before = net.cost(x, y)
    stepped = net.step(x, y, lr)
    assert isinstance(stepped, Network) and stepped is not net and stepped != net
    for w, w0 in zip(net.weights, weights_before):
        np.testing.assert_array_equal(w, w0)
    for b, b0 in zip(net.biases, biases_before):
        np.testing.assert_array_equal(b, b0)
    assert net.cost(x, y) == cost_before
    assert stepped.activations == net.activations and stepped.cost_name == net.cost_name


def test_weights_and_biases_are_read_only():
    net, x, y, _ = two_two_two_example()
    with pytest.raises(ValueError, match="read-only"):
        net.weights[0][0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        net.biases[1][0] = 5.0
    with pytest.raises(AttributeError):
        net.weights = [np.zeros((2, 2))]
    assert isinstance(net.weights, tuple) and isinstance(net.biases, tuple)


def test_the_callers_arrays_are_copied():
    w1, b1 = np.ones((2, 2)), np.zeros(2)
    net = Network([w1, np.ones((1, 2))], [b1, None], "sigmoid", "mse")
    w1[0, 0], b1[0] = 99.0, 99.0
    assert net.weights[0][0, 0] == 1.0 and net.biases[0][0] == 0.0


def test_gradients_and_cost_do_not_change_the_network_or_the_inputs():
    net, x, y, _ = two_two_two_example()
    x_before, y_before, net_before = x.copy(), y.copy(), net.replace()
    net.gradients(x, y)
    net.cost(x, y)
    numerical_gradients(net, x, y)
    assert net == net_before
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(y, y_before)


# ---------------------------------------------------------------------------
# The cost surface equals a plain loop of Network.cost
# ---------------------------------------------------------------------------


def looped_surface(net, x, y, first, second, first_values, second_values):
    """E[i, j] = cost with the second weight at second_values[i] and the first at first_values[j]."""
    grid = np.empty((len(second_values), len(first_values)))
    for i, v in enumerate(second_values):
        for j, u in enumerate(first_values):
            moved = set_parameter(net, ("weight", *first), u)
            grid[i, j] = set_parameter(moved, ("weight", *second), v).cost(x, y)
    return grid


def _three_layer_case():
    rng = np.random.default_rng(4)
    net = Network([rng.normal(size=(3, 2)), rng.normal(size=(2, 3)), rng.normal(size=(1, 2))],
                  [None, rng.normal(size=2), rng.normal(size=1)], ("relu", "tanh", "linear"), "mse")
    return net, rng.normal(size=(4, 2)), rng.normal(size=(4, 1))


SURFACE_CASES = {
    "office hours w5, w6": (office_hours_example, "w5", "w6"),
    "office hours w1, w6 (two layers)": (office_hours_example, "w1", "w6"),
    "office hours w6, w3 (reversed)": (office_hours_example, "w6", "w3"),
    "2-2-2 with biases, w2, w7": (two_two_two_example, "w2", "w7"),
    "3 layers, batch of 4, w1, w12": (_three_layer_case, "w1", "w12"),
}


@pytest.mark.parametrize("make, first_name, second_name", SURFACE_CASES.values(), ids=SURFACE_CASES.keys())
def test_cost_surface_equals_a_loop_of_cost(compare, make, first_name, second_name):
    net, x, y = make()[:3]
    names = parameter_names(net)
    first, second = names[first_name][1:], names[second_name][1:]
    first_values, second_values = np.linspace(-2.0, 3.0, 5), np.linspace(-1.0, 1.5, 4)  # not square: no transpose
    surface = cost_surface(net, x, y, first, second, first_values, second_values)
    expected = looped_surface(net, x, y, first, second, first_values, second_values)
    assert surface.shape == (4, 5)
    assert compare("cost_surface vs a loop of Network.cost", surface, expected, 1e-12) <= 1e-12


def test_cost_surface_passes_through_the_current_cost():
    net, x, y, _ = office_hours_example()
    surface = cost_surface(net, x, y, (1, 0, 0), (1, 0, 1), [0.0, 0.5, 1.0], [0.6, 2.0])
    assert surface[0, 1] == pytest.approx(net.cost(x, y), rel=1e-14)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        (dict(activations=5), "activations"),
        (dict(activations=[["sigmoid"], "sigmoid"]), r"activations\[0\]"),
        (dict(cost=["mse"]), "cost"),
    ],
)
def test_activations_and_cost_of_the_wrong_type_are_named(kwargs, argument):
    with pytest.raises(ValueError, match=f"^{argument}:"):
        Network([np.ones((2, 2)), np.ones((1, 2))], **kwargs)


def test_a_missing_bias_or_weight_is_a_clear_error():
    net, _, _, _ = office_hours_example()
    with pytest.raises(ValueError, match="^where:"):
        get_parameter(net, ("bias", 0, 0, None))
    with pytest.raises(ValueError, match="^where:"):
        set_parameter(net, ("weight", 1, 1, 0), 0.5)
    assert get_parameter(set_parameter(net, ("weight", 1, 0, 1), 0.25), ("weight", 1, 0, 1)) == 0.25


# ---------------------------------------------------------------------------
# What counts as a number: the same rule for weights, biases, x, y, lr and values
# ---------------------------------------------------------------------------


def _office():
    return office_hours_example()[0]


def _surface(first_values=(0.0, 1.0), second_values=(0.0, 1.0), first=(1, 0, 0), second=(1, 0, 1)):
    net, x, y, _ = office_hours_example()
    return cost_surface(net, x, y, first, second, first_values, second_values)


W5 = ("weight", 1, 0, 0)
HUGE = 10**400  # an exact int; float(HUGE) overflows

# every place a number enters: (call with the bad number in it, the argument it must be blamed on)
PLACES = {
    "a weight": (lambda v: Network([[[v, 0.5]], [[1.0]]]), r"weights\[0\]"),
    "a bias": (lambda v: Network([[[1.0]]], [[v]]), r"biases\[0\]"),
    "x": (lambda v: _office().forward([v, 1.0]), "x"),
    "y": (lambda v: Network([[[1.0]]], None, "linear", "mse").cost([1.0], [v]), "y"),
    "lr": (lambda v: _office().step([0.0, 1.0], [1.0], v), "lr"),
    "value": (lambda v: set_parameter(_office(), W5, v), "value"),
    "first_values": (lambda v: _surface(first_values=[0.0, v]), "first_values"),
    "second_values": (lambda v: _surface(second_values=np.array([v, 0.5], dtype=object)), "second_values"),
}
BAD_NUMBERS = {
    "None": (None, r"expected a number, got None"),
    "bool": (True, r"a boolean is not a number here"),
    "numpy bool": (np.bool_(False), r"a boolean is not a number here"),
    "numeric string": ("0.5", r"string"),
    "text": ("abc", r"string"),
    "complex": (5j, r"expected real numbers"),
    "numpy complex": (np.complex128(1 + 0j), r"expected real numbers"),
    "huge int": (HUGE, r"too large for float64"),
    "huge Fraction": (Fraction(HUGE, 3), r"too large for float64"),
    "huge Decimal": (Decimal("1e400"), r"too large for float64"),
    "NaN": (NAN, r"NaN"),
    "inf": (-INF, r"inf"),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("bad, reason", BAD_NUMBERS.values(), ids=BAD_NUMBERS.keys())
@pytest.mark.parametrize("call, argument", PLACES.values(), ids=PLACES.keys())
def test_every_bad_number_is_named_with_its_reason(call, argument, bad, reason):
    """None, booleans, strings, complex numbers, NaN/inf and ints beyond float64 are refused alike everywhere."""
    with pytest.raises(ValueError, match=rf"^{argument}:.*{reason}") as caught:
        call(bad)
    if bad is None:
        assert "NaN" not in str(caught.value)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("bad, match", [
    ("0 1", r"^x:.*string"),
    (None, r"^x: expected a number, got None"),
    (True, r"^x: a boolean is not a number here"),
    (np.array([True, False]), r"^x: a boolean is not a number here"),
    (np.array(["0", "1"]), r"^x:.*string"),
    (np.array([5j, 1.0]), r"^x:.*expected real numbers"),
    (np.array([HUGE, 1], dtype=object), r"^x:.*too large for float64"),
    (np.array([None, 1.0], dtype=object), r"^x: expected a number, got None"),
    ([[0.0, 1.0], [None, 1.0]], r"^x: expected a number, got None at \[1\]\[0\]"),
    ([[0.0, 1.0], [1, HUGE]], r"^x: .* at \[1\]\[1\] is too large for float64"),
    ([[0.0, 1.0], [True, 0.0]], r"^x: a boolean is not a number here, got True at \[1\]\[0\]"),
    (np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]"), r"^x:.*expected real numbers"),
    ({"x1": 0.0, "x2": 1.0}, r"^x:.*expected real numbers"),
], ids=["bare string", "bare None", "bare bool", "bool array", "string array", "complex array",
        "object array of a huge int", "object array with None", "None deep in a batch", "a huge int deep in a batch",
        "a bool deep in a batch", "dates", "a dict"])
def test_whole_arrays_of_the_wrong_kind_are_named(bad, match):
    """One rule for a bare value and for numpy arrays; complex is never cut to its real part (no ComplexWarning)."""
    with pytest.raises(ValueError, match=match):
        _office().predict(bad)


@pytest.mark.skipif(np.finfo(np.longdouble).max <= np.finfo(float).max, reason="long double is float64 here")
def test_a_long_double_beyond_float64_is_named():
    big = np.longdouble(10) ** 400
    with pytest.raises(ValueError, match=r"^x:.*too large for float64"):
        _office().predict(np.array([big, 1], dtype=np.longdouble))
    with pytest.raises(ValueError, match=r"^lr:.*too large for float64"):
        _office().step([0.0, 1.0], [1.0], big)


GOOD_NUMBERS = {
    "int": (1, 1.0),
    "float": (0.25, 0.25),
    "Fraction": (Fraction(1, 4), 0.25),
    "Decimal": (Decimal("0.25"), 0.25),
    "numpy float32": (np.float32(0.25), 0.25),
    "numpy int64": (np.int64(2), 2.0),
    "largest float": (1.7e308, 1.7e308),
    "int just inside float64": (2**1023, float(2**1023)),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("good, as_float", GOOD_NUMBERS.values(), ids=GOOD_NUMBERS.keys())
def test_ordinary_exact_and_numpy_numbers_are_accepted_as_values(good, as_float):
    net = _office()
    assert get_parameter(set_parameter(net, W5, good), W5) == as_float
    assert Network([[[good]]], None, "linear", "mse") == Network([[[as_float]]], None, "linear", "mse")
    assert np.array_equal(net.predict([good, 0.0]), net.predict([as_float, 0.0])) or as_float > 1e300


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("lr", [Fraction(1, 5), Decimal("0.2"), np.float64(0.2), 0.2], ids=["Fraction", "Decimal",
                                                                                           "numpy", "float"])
def test_exact_learning_rates_step_like_their_float(lr):
    net, x, y, _ = office_hours_example()
    assert net.step(x, y, lr) == net.step(x, y, 0.2)


def test_exact_numbers_inside_arrays_are_accepted():
    net, x, y, _ = office_hours_example()
    assert net.cost([Fraction(0), Decimal(1)], [Fraction(1)]) == net.cost(x, y)
    assert Network([[[Fraction(1, 2)]]], [[Decimal("0.5")]]) == Network([[[0.5]]], [[0.5]])
    np.testing.assert_array_equal(_surface(first_values=[Fraction(1, 2), 1]), _surface(first_values=[0.5, 1.0]))


# ---------------------------------------------------------------------------
# Indices: non-negative ints only, in range
# ---------------------------------------------------------------------------

BAD_SURFACE_INDICES = {
    "float entries are not truncated": ((0.9, 0, 1.7), r"^first:.*layer.*non-negative int.*0\.9"),
    "a float that is a whole number": ((1.0, 0, 0), r"^first:.*non-negative int"),
    "a boolean layer": ((True, 0, 1), r"^first: a boolean is not an index"),
    "a boolean column": ((1, 0, False), r"^first: a boolean is not an index"),
    "a string layer": (("1", 0, 1), r"^first:.*non-negative int"),
    "a negative column": ((1, 0, -1), r"^first:.*non-negative"),
    "a layer outside the network": ((2, 0, 0), r"^first:.*layer 2"),
    "a row outside the layer": ((1, 1, 0), r"^first:.*outside weights\[1\]"),
    "not three entries": ((1, 0), r"^first:"),
    "None": (None, r"^first:"),
}


@pytest.mark.parametrize("first, match", BAD_SURFACE_INDICES.values(), ids=BAD_SURFACE_INDICES.keys())
def test_cost_surface_indices_are_non_negative_ints_in_range(first, match):
    with pytest.raises(ValueError, match=match):
        _surface(first=first)


def test_cost_surface_accepts_numpy_integer_indices():
    np.testing.assert_array_equal(_surface(first=np.array([1, 0, 0])), _surface(first=(1, 0, 0)))


@pytest.mark.parametrize("first_values, second_values, match", [
    ([], [0.0, 1.0], r"^first_values:.*non-empty 1-D"),
    ([0.0, 1.0], np.zeros(0), r"^second_values:.*non-empty 1-D"),
    (np.zeros((2, 2)), [0.0, 1.0], r"^first_values:.*non-empty 1-D.*\(2, 2\)"),
    (0.5, [0.0, 1.0], r"^first_values:.*non-empty 1-D"),
    ([0.0, 1.0], [[0.0], [1.0]], r"^second_values:.*non-empty 1-D"),
])
def test_cost_surface_values_are_non_empty_1d(first_values, second_values, match):
    with pytest.raises(ValueError, match=match):
        _surface(first_values, second_values)


BAD_WHERE = {
    "negative layer": (("weight", -1, 0, 0), r"^where:.*non-negative"),
    "boolean layer": (("weight", True, 0, 0), r"^where: a boolean is not an index"),
    "negative row": (("weight", 0, -1, 0), r"^where:.*non-negative"),
    "boolean column": (("weight", 0, 0, False), r"^where: a boolean is not an index"),
    "float column": (("weight", 0, 0, 1.0), r"^where:.*non-negative int"),
    "negative bias row": (("bias", 1, -1, None), r"^where:.*non-negative"),
    "boolean bias layer": (("bias", True, 0, None), r"^where: a boolean is not an index"),
    "a bias has no column": (("bias", 1, 0, 0), r"^where:.*None"),
    "unknown kind": (("weights", 0, 0, 0), r"^where:.*'weight' or 'bias'"),
    "too short": (("weight", 0, 0), r"^where:.*parameter_names"),
    "a name, not an entry": ("w1", r"^where:.*parameter_names"),
    "layer outside": (("weight", 3, 0, 0), r"^where:.*layer 3"),
}


@pytest.mark.parametrize("where, match", BAD_WHERE.values(), ids=BAD_WHERE.keys())
def test_get_and_set_parameter_indices_are_non_negative_ints(where, match):
    net = two_two_two_example()[0]
    with pytest.raises(ValueError, match=match):
        get_parameter(net, where)
    with pytest.raises(ValueError, match=match):
        set_parameter(net, where, 0.5)


def test_parameter_indices_may_be_numpy_ints():
    net = two_two_two_example()[0]
    where = ("weight", np.int64(1), np.int32(0), np.uint8(1))
    assert get_parameter(set_parameter(net, where, 0.75), ("weight", 1, 0, 1)) == 0.75
    assert get_parameter(set_parameter(net, ("bias", np.int64(0), 1, None), -2), ("bias", 0, 1, None)) == -2.0


@pytest.mark.parametrize("value", ["abc", [0.5], np.array([0.5]), NAN, INF, None],
                         ids=["text", "list", "array", "NaN", "inf", "None"])
def test_set_parameter_names_a_bad_value(value):
    with pytest.raises(ValueError, match=r"^value:"):
        set_parameter(_office(), W5, value)


# ---------------------------------------------------------------------------
# Overflow: named, never a RuntimeWarning or a silent NaN/inf
# ---------------------------------------------------------------------------


def _linear(weight, x=1.0, y=0.0):
    return Network([[[weight]]], None, "linear", "mse"), [x], [y]


@pytest.mark.filterwarnings("error")
def test_a_step_that_overflows_blames_lr():
    net, x, y = _linear(1.0, x=10.0)  # dE/dw = (w x - y) x = 100
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^lr:.*step overflowed.*smaller lr") as caught:
            net.step(x, y, 1e308)
        assert "|lr * dE/dw|" in str(caught.value)
        assert np.isfinite(get_parameter(net.step(x, y, 1e300), ("weight", 0, 0, 0)))  # -1e302: large, not inf


def _wide_sigmoid_output():
    """1 input, 1 relu hidden unit, 2 sigmoid outputs whose weights are 1e308: each a_out is finite,
    but their sum over the output units (the cost) and over the outputs (the hidden delta) is not."""
    return Network([[[1.0]], [[1e308], [1e308]]], None, ("relu", "sigmoid"))


def _everything(value):
    return Network([np.full((2, 2), value), np.full((1, 2), value)], None, "sigmoid", "cross_entropy")


OVERFLOWS = {
    "forward, linear/mse at 1e160": (
        lambda: Network([np.full((2, 2), 1e160), np.full((1, 2), 1e160)], None, "linear", "mse"),
        [0.0, 1.0], [1.0], ("forward", "cost", "gradients", "step"), r"^weights: the forward pass overflowed float64"),
    "forward, office hours at 1e160 with a huge input": (
        lambda: _everything(1e160), [1e200, 1.0], [1.0], ("forward", "cost", "gradients", "step"),
        r"^x: the forward pass overflowed float64 \(\|a\[0\]\| reached inf"),
    "cost: softplus summed over two outputs": (
        _wide_sigmoid_output, [1.0], [0.0, 0.0], ("cost",), r"^weights: the cost overflowed float64"),
    "backward: delta summed over two outputs": (
        _wide_sigmoid_output, [1.0], [0.0, 0.0], ("gradients", "step"),
        r"^weights: the backward pass overflowed float64 \(\|dE/da\[0\]\|"),
    "backward: dE/dW = delta x": (
        lambda: _linear(1e-290)[0], [1e300], [0.0], ("gradients", "step"),
        r"^x: the backward pass overflowed float64 \(\|dE/dW\[0\]\|"),
    "cost: mse of a huge target": (
        lambda: _linear(1.0)[0], [1.0], [-1.5e154 * 2], ("cost",), r"^y: the cost overflowed float64"),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("make, x, y, methods, match", OVERFLOWS.values(), ids=OVERFLOWS.keys())
def test_overflow_is_named_and_silent(make, x, y, methods, match):
    net = make()
    calls = {"forward": lambda: net.forward(x), "cost": lambda: net.cost(x, y),
             "gradients": lambda: net.gradients(x, y), "step": lambda: net.step(x, y, 0.1)}
    for method in methods:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a RuntimeWarning would fail here instead of the ValueError below
            with pytest.raises(ValueError, match=match):
                calls[method]()


@pytest.mark.filterwarnings("error")
def test_a_surface_that_overflows_blames_the_larger_values():
    net, x, y = _linear(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^second_values: the .* overflowed float64"):
            cost_surface(Network([[[1.0, 1.0]]], None, "linear", "mse"), [1.0, 1.0], [0.0], (0, 0, 0), (0, 0, 1),
                         [1.0, 2.0], [1.0, 1e200])
        with pytest.raises(ValueError, match=r"^first_values: the forward pass overflowed float64"):
            cost_surface(Network([[[1.0]], [[1.0]]], None, "linear", "mse"), [1e300], [0.0], (0, 0, 0), (1, 0, 0),
                         [1e300, 1.0], [1.0, 2.0])


LARGE_BUT_FINITE = {
    "office hours, every weight 50": (lambda: _everything(50.0), [0.0, 1.0], [1.0]),
    "office hours, every weight 50, wrong target": (lambda: _everything(50.0), [1.0, 1.0], [0.0]),
    "office hours, every weight 1e160": (lambda: _everything(1e160), [0.0, 1.0], [0.0]),
    "one sigmoid unit, a = 1e300": (lambda: Network([[[1e300]]]), [1.0], [0.0]),
    "one sigmoid unit, a = -1e300": (lambda: Network([[[-1e300]]]), [1.0], [0.0]),
    "tanh hidden, a = 1e300": (lambda: Network([[[1e300]], [[2.0]]], None, ("tanh", "sigmoid")), [1.0], [1.0]),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("make, x, y", LARGE_BUT_FINITE.values(), ids=LARGE_BUT_FINITE.keys())
def test_large_but_finite_values_stay_finite_and_silent(make, x, y):
    """Saturation is not overflow: sigmoid and the cross-entropy cost are finite for any finite a."""
    net = make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = net.forward(x)
        E = net.cost(x, y)
        g = net.gradients(x, y)
        stepped = net.step(x, y, 0.2)
    assert np.isfinite(E) and E >= 0
    for array in (*trace.a, *trace.z, *g.weights, *g.deltas, *stepped.weights):
        assert np.all(np.isfinite(array))


def test_the_cost_of_a_confidently_wrong_1e160_network_is_its_pre_activation():
    net = _everything(1e160)
    assert net.cost([0.0, 1.0], [0.0]) == 2e160  # a3 = 1e160 z1 + 1e160 z2 with z = 1: E = softplus(a3) = a3
    assert net.cost([0.0, 1.0], [1.0]) == 0.0


# ---------------------------------------------------------------------------
# The cost surface's memory guard
# ---------------------------------------------------------------------------


def _mib_needed_by_61_by_61(message):
    return float(re.search(r"a 61 x 61 grid needs ([0-9.]+) MiB", message).group(1))


def test_a_huge_surface_grid_is_refused_with_real_figures():
    net, x, y, _ = office_hours_example()
    with pytest.raises(ValueError, match=r"^first_values: .*would need about [0-9.]+ GiB") as caught:
        cost_surface(net, x, y, (1, 0, 0), (1, 0, 1), np.zeros(30_000), np.zeros(30_000))
    message = str(caught.value)
    gib = float(re.search(r"about ([0-9.]+) GiB", message).group(1))
    assert 10 < gib < 200  # 9e8 points: the stacked weights alone are 9e8 * 2 * 8 bytes = 13 GiB
    assert "fewer grid points" in message and _mib_needed_by_61_by_61(message) > 0
    with pytest.raises(ValueError, match=r"^second_values: .*GiB"):  # the longer axis is the one to shorten
        cost_surface(net, x, y, (1, 0, 0), (1, 0, 1), np.zeros(10), np.zeros(10**8))


def _memory_case(sizes, activations, cost, batch):
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    y = rng.uniform(size=(batch, sizes[-1]))
    return Network(weights, None, activations, cost), rng.normal(size=(batch, sizes[0])), y


@pytest.mark.parametrize("sizes, activations, cost, batch, first, second", [
    ((3, 8, 1), "sigmoid", "cross_entropy", 50, (0, 0, 0), (1, 0, 1)),
    ((3, 8, 1), "sigmoid", "cross_entropy", 50, (1, 0, 0), (1, 0, 1)),  # only the last layer runs per point
    ((2, 20, 20, 3), ("relu", "tanh", "linear"), "mse", 10, (1, 0, 0), (2, 1, 1)),
], ids=["first layer moved", "last layer moved", "three layers"])
def test_the_memory_estimate_covers_what_the_surface_really_uses(sizes, activations, cost, batch, first, second):
    """The figure in the message bounds the measured peak from above, and not wildly."""
    net, x, y = _memory_case(sizes, activations, cost, batch)
    with pytest.raises(ValueError) as caught:
        cost_surface(net, x, y, first, second, np.zeros(10_000), np.zeros(10_000))
    estimate = _mib_needed_by_61_by_61(str(caught.value)) * 2**20
    values = np.linspace(-1.0, 1.0, 61)
    tracemalloc.start()
    try:
        cost_surface(net, x, y, first, second, values, values)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= estimate <= 3 * peak, (peak, estimate)


def test_logistic_cost_of_a_prediction():
    from helpers import logistic_cost

    net, x, y, _ = office_hours_example()
    y_hat = net.predict(x)[0]
    assert logistic_cost(y_hat, 1.0) == pytest.approx(net.cost(x, y), rel=1e-12)
    assert logistic_cost(0.3, 0.3) == pytest.approx(-(0.3 * np.log(0.3) + 0.7 * np.log(0.7)), rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert logistic_cost(1.0, 1.0) == 0 and logistic_cost(0.0, 0.0) == 0  # 0 ln 0 counts as 0
        assert logistic_cost(0.0, 1.0) == np.inf  # confidently wrong
        assert logistic_cost(np.array([0.5, 0.9]), 1.0).shape == (2,)
