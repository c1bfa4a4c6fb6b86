"""Network: the office-hours numbers, extremes, bad input, immutability and the cost surface.

The office-hours numbers are checked against SymPy (helpers.symbolic, 30 digits) and against
autograd applied to the network written out again below with scalars; a few well-known
rounded values are asserted only as anchors a reader can recognise.
"""

import math
import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from helpers import (
    ACTIVATIONS,
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
OUTPUT_PAIRS = [(act, cost) for act in ACTIVATIONS for cost in COSTS if cost != "cross_entropy" or act == "sigmoid"]


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
    "unknown activation": (build(activations=("sigmoid", "softmax")), r"^activations\[1\]:"),
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
