"""Backpropagation against central differences, and the office-hours notes' slips kept out.

Central differences only evaluate the cost, so they share nothing with the backward pass.
Their own error has two parts: truncation ~ eps^2 times the third derivative, and rounding
of the cost ~ 1e-16 |E| / eps. eps = 3e-6 balances the two for weights of scale up to 2
(on 39,000 random networks like the ones below, the worst error was 2.1e-7; with
eps = 1e-5 it was 4.6e-7, from truncation). A gradient is compared relative to max(|g|, floor) with
floor = 1e-3 * max(1, |E|): relative error <= 1e-6 above the floor, and an absolute
error below 1e-9 * max(1, |E|) under it, far below the size of any wrong formula.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpers import (
    ACTIVATIONS,
    COSTS,
    Gradients,
    Network,
    chain_example,
    max_relative_error,
    numerical_gradients,
    office_hours_example,
    relative_error,
    two_two_two_example,
)

OUTPUT_PAIRS = [(act, cost) for act in ACTIVATIONS for cost in COSTS if cost != "cross_entropy" or act == "sigmoid"]
TOLERANCE = 1e-6
EPS = 3e-6
RELU_MARGIN = 1e-3  # no relu pre-activation this close to its kink, where nudges would cross it


def _as_batch(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return (x[None, :], y.reshape(1, -1)) if x.ndim == 1 else (x, y.reshape(x.shape[0], -1))


def _cost_floor(net, x, y):
    """1e-3 * max(1, largest single-example cost): below it, rounding of E dominates the estimate."""
    xb, yb = _as_batch(x, y)
    largest = max(net.cost(xb[n], yb[n]) for n in range(xb.shape[0]))
    return 1e-3 * max(1.0, largest)


def check_against_central_differences(compare, check, net, x, y, eps=EPS, ours=None):
    """Largest scaled error of weights, biases and deltas between backprop (or ``ours``) and central differences."""
    ours = net.gradients(x, y) if ours is None else ours
    numeric = numerical_gradients(net, x, y, eps=eps)
    floor = _cost_floor(net, x, y)
    for g, n in zip(ours.biases, numeric.biases):
        assert (g is None) == (n is None)
    errors = [compare(f"{check}: dE/dW", g, n, floor) for g, n in zip(ours.weights, numeric.weights)]
    errors += [compare(f"{check}: dE/db", g, n, floor) for g, n in zip(ours.biases, numeric.biases) if g is not None]
    errors += [compare(f"{check}: deltas dE/da", g, n, floor) for g, n in zip(ours.deltas, numeric.deltas)]
    return max(errors)


# ---------------------------------------------------------------------------
# The worked examples
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("example", [office_hours_example, chain_example, two_two_two_example])
def test_worked_examples_match_central_differences(compare, example):
    net, x, y, _ = example()
    assert check_against_central_differences(compare, "central differences, worked examples", net, x, y) <= TOLERANCE


@pytest.mark.parametrize("example", [office_hours_example, chain_example, two_two_two_example])
def test_worked_examples_in_a_batch_match_central_differences(compare, example):
    """The example with two more made-up examples beside it: batch means and per-example deltas."""
    net, x, y, _ = example()
    rng = np.random.default_rng(5)
    xs = np.vstack([x, rng.uniform(-1, 1, (2, x.size))])
    ys = np.vstack([y, rng.uniform(0, 1, (2, y.size))])
    assert check_against_central_differences(compare, "central differences, worked examples", net, xs, ys) <= TOLERANCE


# ---------------------------------------------------------------------------
# Random networks from hypothesis
# ---------------------------------------------------------------------------


@st.composite
def network_cases(draw):
    """Parameters for conftest.build_case: 1-3 layers, 1-5 units, batches of 1-8, any valid pair, any biases."""
    n_layers = draw(st.integers(1, 3))
    sizes = tuple(draw(st.lists(st.integers(1, 5), min_size=n_layers + 1, max_size=n_layers + 1)))
    hidden = draw(st.lists(st.sampled_from(sorted(ACTIVATIONS)), min_size=n_layers - 1, max_size=n_layers - 1))
    output, cost = draw(st.sampled_from(OUTPUT_PAIRS))
    with_bias = draw(st.none() | st.lists(st.booleans(), min_size=n_layers, max_size=n_layers))
    return {
        "seed": draw(st.integers(0, 2**32 - 1)),
        "sizes": sizes,
        "activations": tuple(hidden) + (output,),
        "cost": cost,
        "with_bias": with_bias,
        "batch": draw(st.integers(1, 8)),
        "scale": draw(st.sampled_from([0.3, 1.0, 2.0])),  # from gentle to saturating
    }


def _clear_of_relu_kinks(net, x):
    trace = net.forward(x)
    return all(name != "relu" or np.all(np.abs(a) > RELU_MARGIN) for name, a in zip(net.activations, trace.a))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=network_cases())
def test_random_networks_match_central_differences(make_case, compare, case):
    net, x, y = make_case(**case)
    assume(_clear_of_relu_kinks(net, x))
    assert check_against_central_differences(compare, "central differences, random networks", net, x, y) <= TOLERANCE


@settings(max_examples=50, deadline=None)
@given(case=network_cases())
def test_single_example_gradients_equal_a_batch_of_one(make_case, case):
    """x of shape (n_in,) and (1, n_in) give the same numbers; deltas lose the batch axis."""
    case["batch"] = 1
    net, x, y = make_case(**case)
    single, batch = net.gradients(x[0], y[0]), net.gradients(x, y)
    for s, b in zip(single.weights + single.deltas, batch.weights + tuple(d[0] for d in batch.deltas)):
        np.testing.assert_array_equal(s, b)
    for s, b in zip(single.biases, batch.biases):
        assert (s is None) == (b is None)
        if s is not None:
            np.testing.assert_array_equal(s, b)


def test_a_wrong_gradient_is_caught(compare):
    """The check itself has teeth: weight gradients off by 1e-4 relative fail it on the office-hours net."""
    net, x, y, _ = office_hours_example()
    right = net.gradients(x, y)
    wrong = Gradients(tuple(w * (1 + 1e-4) for w in right.weights), right.biases, right.deltas)
    check = "a gradient 1e-4 off on purpose (must exceed 1e-6)"
    assert check_against_central_differences(compare, check, net, x, y, ours=wrong) > TOLERANCE


# ---------------------------------------------------------------------------
# The office-hours notes' slips (SOURCES.md 000, mistakes 2-6), redone by hand
# ---------------------------------------------------------------------------


def _sig(a):
    return 1.0 / (1.0 + math.exp(-a))


def hand_gradients(w, x1, x2, y, *, output_factor_twice=False, hidden_slope_of="z"):
    """dE/dw1..w6 of the office-hours network worked out as the notes do, one scalar at a time.

    output_factor_twice: multiply y_hat - y by y_hat (1 - y_hat) again (slip 3).
    hidden_slope_of="a": use a1 (1 - a1) where z1 (1 - z1) belongs (slip 4).
    """
    a1, a2 = x1 * w["w1"] + x2 * w["w3"], x1 * w["w2"] + x2 * w["w4"]
    z1, z2 = _sig(a1), _sig(a2)
    y_hat = _sig(z1 * w["w5"] + z2 * w["w6"])
    dE_da3 = y_hat - y  # natural-log logistic cost with a sigmoid output
    if output_factor_twice:
        dE_da3 *= y_hat * (1 - y_hat)
    v1, v2 = (z1, z2) if hidden_slope_of == "z" else (a1, a2)
    dE_da1 = dE_da3 * w["w5"] * v1 * (1 - v1)
    dE_da2 = dE_da3 * w["w6"] * v2 * (1 - v2)
    return {"w1": dE_da1 * x1, "w2": dE_da2 * x1, "w3": dE_da1 * x2, "w4": dE_da2 * x2,
            "w5": dE_da3 * z1, "w6": dE_da3 * z2}


def _office_hours_net(w, cost="cross_entropy"):
    return Network([[[w["w1"], w["w3"]], [w["w2"], w["w4"]]], [[w["w5"], w["w6"]]]], None, "sigmoid", cost)


def _as_named(g):
    """Network gradients of the 2-2-1 net named as in the diagram (W1 = [[w1, w3], [w2, w4]])."""
    (w1, w3), (w2, w4) = g.weights[0]
    (w5, w6), = g.weights[1]
    return {"w1": w1, "w2": w2, "w3": w3, "w4": w4, "w5": w5, "w6": w6}


EXAMPLE_WEIGHTS = {"w1": 0.1, "w2": 0.2, "w3": 0.3, "w4": 0.4, "w5": 0.5, "w6": 0.6}


def _random_points(count=10, seed=11):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        w = dict(zip(EXAMPLE_WEIGHTS, rng.uniform(-2, 2, 6)))
        yield w, *rng.uniform(0.1, 1, 2), float(rng.integers(0, 2))


def _differs(a, b, at_least=1e-3):
    """True when some weight's gradient differs by more than ``at_least`` relative."""
    return max(abs(a[k] - b[k]) / max(abs(b[k]), 1e-12) for k in b) > at_least


def test_hand_worked_gradients_without_slips_match_backprop():
    """The hand recipe itself is right when done right, so the slips below are the only difference."""
    for w, x1, x2, y in [(EXAMPLE_WEIGHTS, 0.0, 1.0, 1.0), *_random_points()]:
        ours = _as_named(_office_hours_net(w).gradients([x1, x2], [y]))
        hand = hand_gradients(w, x1, x2, y)
        assert all(abs(hand[k] - ours[k]) <= 1e-13 for k in ours)


def test_slip_3_sigmoid_factor_twice_gives_the_squared_error_gradient():
    """Multiplying y_hat - y by y_hat (1 - y_hat) again yields the gradient of 0.5 (y_hat - y)^2."""
    for w, x1, x2, y in [(EXAMPLE_WEIGHTS, 0.0, 1.0, 1.0), *_random_points()]:
        slipped = hand_gradients(w, x1, x2, y, output_factor_twice=True)
        logistic = _as_named(_office_hours_net(w).gradients([x1, x2], [y]))
        squared = _as_named(_office_hours_net(w, "mse").gradients([x1, x2], [y]))
        assert _differs(slipped, logistic, at_least=0.5)  # off by the factor y_hat (1 - y_hat) <= 1/4
        assert all(abs(slipped[k] - squared[k]) <= 1e-13 for k in squared)


def test_slip_4_hidden_slope_of_a_instead_of_z():
    net, x, y, _ = office_hours_example()
    slipped = hand_gradients(EXAMPLE_WEIGHTS, *x, *y, hidden_slope_of="a")
    right = _as_named(net.gradients(x, y))
    assert _differs({k: slipped[k] for k in ("w3", "w4")}, {k: right[k] for k in ("w3", "w4")})
    assert slipped["w5"] == right["w5"] and slipped["w6"] == right["w6"]  # the output layer is untouched
    for w, x1, x2, y in _random_points():
        assert _differs(hand_gradients(w, x1, x2, y, hidden_slope_of="a"),
                        _as_named(_office_hours_net(w).gradients([x1, x2], [y])))


def test_slip_5_w6_updated_with_dE_dw5():
    net, x, y, lr = office_hours_example()
    g = _as_named(net.gradients(x, y))
    stepped = net.step(x, y, lr).weights[1][0, 1]
    assert stepped == pytest.approx(0.6 - lr * g["w6"], abs=1e-15)
    assert abs((0.6 - lr * g["w5"]) - stepped) > 1e-3  # the notes' w6 is visibly off


def test_slip_2_log10_cost_pairs_with_a_different_gradient():
    """-log10(y_hat) is not our cost, and its gradient is ours divided by ln 10, not y_hat - y times z."""
    net, x, y, _ = office_hours_example()
    y_hat = float(net.predict(x)[0])
    assert net.cost(x, y) == pytest.approx(-math.log(y_hat), rel=1e-14)
    assert abs(net.cost(x, y) - (-math.log10(y_hat))) > 0.2  # 0.421 versus the notes' 0.183

    def log10_cost(w5):
        return -math.log10(_sig(w5 * _sig(0.3) + 0.6 * _sig(0.4)))  # y = 1, everything but w5 fixed

    h = 1e-6
    log10_slope = (log10_cost(0.5 + h) - log10_cost(0.5 - h)) / (2 * h)
    ours = _as_named(net.gradients(x, y))["w5"]
    assert log10_slope == pytest.approx(ours / math.log(10), rel=1e-7)
    assert abs(log10_slope - ours) > 0.1


def test_slip_6_rounded_a3_moves_y_hat():
    """Reusing a3 rounded to .65 instead of carrying every digit shifts y_hat in the fourth decimal."""
    net, x, _, _ = office_hours_example()
    exact = float(net.predict(x)[0])
    assert abs(_sig(0.65) - exact) > 5e-4
    assert exact == pytest.approx(_sig(float(net.forward(x).a[-1][0])), abs=1e-15)


def test_relative_error_scales_by_the_larger_magnitude():
    assert relative_error(1.0, 1.1) == pytest.approx(0.1 / 1.1)
    assert relative_error([0.0, 2.0], [0.0, 2.0]) == 0.0
    assert relative_error(0.0, 1e-15) == pytest.approx(1e-3)  # below the floor the error is absolute / floor


def test_max_relative_error_covers_weights_and_biases_and_rejects_other_shapes():
    net, x, y, _ = two_two_two_example()
    exact = net.gradients(x, y)
    assert max_relative_error(exact, numerical_gradients(net, x, y)) < 1e-6
    with pytest.raises(ValueError, match="^eps:"):
        numerical_gradients(net, x, y, eps=True)
    bias_off = Gradients(exact.weights, (exact.biases[0], exact.biases[1] * 1.01), exact.deltas)
    assert max_relative_error(exact, bias_off) == pytest.approx(0.01 / 1.01, rel=1e-9)
    no_bias = Gradients(exact.weights, (None, None), exact.deltas)
    with pytest.raises(ValueError, match="^g2:"):
        max_relative_error(exact, no_bias)
