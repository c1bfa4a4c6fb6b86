"""Backpropagation against SymPy: the office-hours and chain networks differentiated symbolically.

helpers.symbolic builds the expressions from the diagrams' formulas with SymPy only and
evaluates them at 30 significant digits; Network (float64, backpropagation) must agree to
1e-10 relative, for every weight, both costs, at the worked examples and at random points.
"""

import math
import re

import numpy as np
import pytest
import sympy as sp

from helpers import Network, chain_example, office_hours_example
from helpers import symbolic as S

TOLERANCE = 1e-10
NAMES = ("w1", "w2", "w3", "w4", "w5", "w6")


def _floor(values):
    # a gradient that SymPy says is 0 (e.g. dE/dw1 when x1 = 0) is compared absolutely, to 1e-16
    return 1e-6 * max(1.0, max(abs(v) for v in values))


def office_hours_net(values, cost):
    v = values
    return Network([[[v["w1"], v["w3"]], [v["w2"], v["w4"]]], [[v["w5"], v["w6"]]]], None, "sigmoid", cost)


def named_gradients(net, x, y):
    (w1, w3), (w2, w4) = net.gradients(x, y).weights[0]
    (w5, w6), = net.gradients(x, y).weights[1]
    return {"w1": w1, "w2": w2, "w3": w3, "w4": w4, "w5": w5, "w6": w6}


def random_points(count=20, seed=2024):
    """Random weights in [-3, 3], x1, x2 and y in [0, 1]."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        point = dict(zip(NAMES, rng.uniform(-3, 3, 6)))
        point.update(zip(("x1", "x2", "y"), rng.uniform(0, 1, 3)))
        yield {k: float(v) for k, v in point.items()}


def check_office_hours_point(compare, point, cost):
    net = office_hours_net(point, cost)
    x, y = [point["x1"], point["x2"]], [point["y"]]
    trace = net.forward(x)
    ours_forward = {"a1": trace.a[0][0], "a2": trace.a[0][1], "z1": trace.z[0][0], "z2": trace.z[0][1],
                    "a3": trace.a[1][0], "y_hat": trace.output[0]}
    exact_forward = S.evaluate_forward(point)
    errors = [compare("SymPy vs Network.forward (office hours)", [ours_forward[k] for k in exact_forward],
                      list(exact_forward.values()), 1e-12)]
    errors.append(compare(f"SymPy vs Network.cost (office hours, {cost})", net.cost(x, y),
                          S.evaluate_cost(point, cost), 1e-12))
    exact = S.evaluate_gradients(point, cost)
    ours = named_gradients(net, x, y)
    errors.append(compare(f"SymPy vs backprop (office hours, {cost})", [ours[k] for k in NAMES],
                          [exact[k] for k in NAMES], _floor(exact.values())))
    return max(errors)


@pytest.mark.parametrize("cost", ["cross_entropy", "mse"])
def test_office_hours_example_matches_sympy(compare, cost):
    assert check_office_hours_point(compare, S.OFFICE_HOURS_VALUES, cost) <= TOLERANCE


@pytest.mark.parametrize("cost", ["cross_entropy", "mse"])
def test_office_hours_random_points_match_sympy(compare, cost):
    for point in random_points():
        assert check_office_hours_point(compare, point, cost) <= TOLERANCE


def test_symbolic_defaults_are_the_example_network():
    net, x, y, _ = office_hours_example()
    values = S.OFFICE_HOURS_VALUES
    assert net == office_hours_net(values, "cross_entropy")
    assert (values["x1"], values["x2"], values["y"]) == (*x, *y)


def test_symbolic_gradients_cover_six_weights_and_differ_by_cost():
    ce, mse = S.symbolic_gradients("cross_entropy"), S.symbolic_gradients("mse")
    assert list(ce) == list(NAMES)
    symbols = S.office_hours_symbols()
    assert ce["w5"].free_symbols <= set(symbols.values())
    assert list(mse) == list(NAMES)
    assert S.evaluate_gradients(cost="cross_entropy")["w5"] != pytest.approx(S.evaluate_gradients(cost="mse")["w5"])


# ---------------------------------------------------------------------------
# Derivations the lessons show
# ---------------------------------------------------------------------------


def _by_name(expr):
    return {s.name: s for s in expr.free_symbols}


def test_sigmoid_derivative_is_sigma_times_one_minus_sigma():
    derivative, identity = S.sigmoid_derivative_identity()
    assert sp.simplify(derivative - identity) == 0


def test_logistic_cost_output_delta_is_y_hat_minus_y():
    delta = S.simplified_output_delta("cross_entropy")
    s = _by_name(delta)
    assert set(s) == {"y", "y_hat"}
    assert sp.simplify(delta - (s["y_hat"] - s["y"])) == 0


def test_squared_error_output_delta_keeps_the_sigmoid_factor():
    delta = S.simplified_output_delta("mse")
    s = _by_name(delta)
    assert sp.simplify(delta - (s["y_hat"] - s["y"]) * s["y_hat"] * (1 - s["y_hat"])) == 0


def test_log10_cost_scales_every_gradient_by_one_over_ln_10():
    ratios = S.log10_gradient_ratio()
    assert set(ratios) == set(NAMES)
    assert all(sp.simplify(r - 1 / sp.log(10)) == 0 for r in ratios.values())
    delta = S.simplified_output_delta("cross_entropy_log10")
    s = _by_name(delta)
    assert sp.simplify(delta - (s["y_hat"] - s["y"]) / sp.log(10)) == 0
    natural, base10 = S.evaluate_gradients(), S.evaluate_gradients(cost="cross_entropy_log10")
    assert base10["w5"] == pytest.approx(natural["w5"] / math.log(10), rel=1e-14)


# ---------------------------------------------------------------------------
# The slides' chain network
# ---------------------------------------------------------------------------


def chain_net(values):
    return Network([[[values["w0"]]], [[values["w1"]]], [[values["w2"]]]], None, ("sigmoid", "sigmoid", "linear"),
                   "mse")


def check_chain_point(compare, point):
    net = chain_net(point)
    x, y = [point["s0"]], [point["t"]]
    exact = S.evaluate_chain(point)
    trace = net.forward(x)
    ours = [trace.a[0][0], trace.z[0][0], trace.a[1][0], trace.z[1][0], trace.output[0], net.cost(x, y)]
    errors = [compare("SymPy vs Network.forward and cost (chain)", ours,
                      [exact[k] for k in ("x1", "s1", "x2", "s2", "out", "C")], 1e-12)]
    grads = [float(g[0, 0]) for g in net.gradients(x, y).weights]
    expected = [exact[f"dC/d{k}"] for k in ("w0", "w1", "w2")]
    errors.append(compare("SymPy vs backprop (chain)", grads, expected, _floor(expected)))
    return max(errors)


def test_chain_example_matches_sympy(compare):
    net, x, y, _ = chain_example()
    assert net == chain_net(S.CHAIN_VALUES) and (x[0], y[0]) == (S.CHAIN_VALUES["s0"], S.CHAIN_VALUES["t"])
    assert check_chain_point(compare, S.CHAIN_VALUES) <= TOLERANCE


def test_chain_random_points_match_sympy(compare):
    rng = np.random.default_rng(9)
    for _ in range(20):
        point = {"s0": rng.uniform(-2, 2), "t": rng.uniform(-1, 1)}
        point.update(zip(("w0", "w1", "w2"), rng.uniform(-3, 3, 3)))
        assert check_chain_point(compare, {k: float(v) for k, v in point.items()}) <= TOLERANCE


def test_chain_cost_gradient_is_error_times_output_derivative():
    values = S.evaluate_chain()
    for name in ("w0", "w1", "w2"):
        assert values[f"dC/d{name}"] == pytest.approx((values["out"] - 0.7) * values[f"dout/d{name}"], rel=1e-14)


def test_chain_first_neuron_is_saturated_so_dw0_is_tiny():
    """x1 = 4: sigma'(4) is about 0.018, so dC/dw0 is over 20 times smaller than dC/dw1."""
    values = S.evaluate_chain()
    assert values["x1"] == 4.0
    assert abs(values["dC/dw0"]) * 20 < abs(values["dC/dw1"])


# ---------------------------------------------------------------------------
# Bad input to the symbolic helpers
# ---------------------------------------------------------------------------


def test_symbolic_helpers_reject_bad_arguments():
    with pytest.raises(ValueError, match="^cost:"):
        S.office_hours_cost("hinge")
    with pytest.raises(ValueError, match="^cost:"):
        S.evaluate_gradients(cost="log")
    with pytest.raises(ValueError, match="^values:"):
        S.evaluate_gradients({"w7": 1.0})
    with pytest.raises(ValueError, match="^network:"):
        S.evaluate("xor", "forward")
    with pytest.raises(ValueError, match="^what:"):
        S.evaluate("chain", "hessian")


# ---------------------------------------------------------------------------
# Lesson 05: the sigmoid's derivative step by step, its graph, costs, activations
# ---------------------------------------------------------------------------


def test_sigmoid_derivation_every_step_equals_sympys_derivative():
    derivation = S.sigmoid_derivative_derivation()
    assert all(derivation.checks) and len(derivation.checks) == 8
    a, = derivation.target.free_symbols
    assert a.name == "a"  # the pre-activation, as in every lesson (x is the network's input)
    assert sp.expand(derivation.result - S.SIGMA(a) * (1 - S.SIGMA(a))) == 0
    reasons = [plain for plain, _, _ in derivation.steps]
    assert reasons[0].startswith("quotient rule") and any("add zero" in r for r in reasons)
    # the "add zero" step keeps its + 1 - 1 (built unevaluated, printed in the order written)
    assert "1 + exp(-a) - 1" in repr(derivation)
    assert not re.search(r"\bx\b", repr(derivation) + derivation._repr_latex_())
    assert derivation._repr_latex_().startswith(r"$\displaystyle \begin{aligned}")
    assert repr(derivation) == repr(S.sigmoid_derivative_derivation())  # deterministic text for nbval


def test_a_wrong_step_fails_its_check():
    derivation = S.sigmoid_derivative_derivation()
    a = next(iter(derivation.target.free_symbols))
    wrong = S.Derivation("f", "f", (("slip", "slip", S.SIGMA(a) * (1 + S.SIGMA(a))),), derivation.target)
    assert wrong.checks == (False,)


@pytest.mark.parametrize("a", [-3.0, -0.5, 0.0, 1.0, 4.0])
def test_sigmoid_graph_product_is_sigma_times_one_minus_sigma(a):
    walk = S.sigmoid_graph(a)
    s = 1 / (1 + math.exp(-a))
    assert walk.a == a
    assert [row[0] for row in walk.rows] == ["-a", "exp", "1 + .", "1/."]
    assert walk.value == pytest.approx(s, rel=1e-14)
    assert walk.product == pytest.approx(s * (1 - s), rel=1e-14)
    # each local derivative is taken at the node's input t (u is the quotient rule's numerator in lesson 05)
    assert walk.rows[-1][3] == -1 / sp.Symbol("t", real=True) ** 2
    assert walk.rows[1][3] == sp.exp(sp.Symbol("t", real=True))


def test_sigmoid_graph_sign_slips():
    a = 1.0
    s = 1 / (1 + math.exp(-a))
    slope = s * (1 - s)
    no_minus = S.sigmoid_graph(a, ["no_minus"])
    assert no_minus.value == pytest.approx(1 - s) and no_minus.product == pytest.approx(-slope)
    assert len(no_minus.rows) == 3
    assert S.sigmoid_graph(a, ["reciprocal_sign"]).product == pytest.approx(-slope)
    both = S.sigmoid_graph(a, GRAPH_BOTH)
    assert both.product == pytest.approx(slope) and both.value == pytest.approx(1 - s)
    with pytest.raises(ValueError, match="^slips:"):
        S.sigmoid_graph(a, ["plus"])


GRAPH_BOTH = ("no_minus", "reciprocal_sign")


def test_sigmoid_slope_is_largest_at_zero_with_a_quarter():
    peak = S.sigmoid_slope_maximum()
    assert peak.roots == (0,)
    assert peak.value == sp.Rational(1, 4)
    assert peak.third_at_root == sp.Rational(-1, 8)


@pytest.mark.parametrize("cost", ["cross_entropy", "mse"])
def test_cost_slope_derivation(cost):
    derivation = S.cost_slope_derivation(cost)
    assert all(derivation.checks)
    a, y = sp.Symbol("a", real=True), sp.Symbol("y", real=True)
    s = S.SIGMA(a)
    expected = s - y if cost == "cross_entropy" else (s - y) * s * (1 - s)
    assert sp.expand(derivation.result - expected) == 0
    assert derivation.steps[0][2] == sp.diff(-(y * sp.log(S.sigmoid(a)) + (1 - y) * sp.log(1 - S.sigmoid(a)))
                                             if cost == "cross_entropy" else (S.sigmoid(a) - y) ** 2 / 2, a)
    assert derivation.steps[1][0].startswith("chain rule")
    with pytest.raises(ValueError, match="^cost:"):
        S.cost_slope_derivation("log10")


def test_logistic_cost_slope_shows_the_middle_lines():
    """Raw SymPy, then [-y/sigma + (1 - y)/(1 - sigma)] sigma(1 - sigma), then -y(1 - sigma) + (1 - y) sigma,
    then sigma - y."""
    derivation = S.cost_slope_derivation("cross_entropy")
    a, y = sp.Symbol("a", real=True), sp.Symbol("y", real=True)
    s = S.SIGMA(a)
    middle = [expr for _, _, expr in derivation.steps[1:3]]
    assert len(derivation.steps) == 4
    assert sp.simplify(middle[0] - (-y / s + (1 - y) / (1 - s)) * s * (1 - s)) == 0
    assert sp.expand(middle[1] - (-y * (1 - s) + (1 - y) * s)) == 0
    text = repr(derivation)
    assert "(-y/sigma(a) + (1 - y)/(1 - sigma(a)))*(sigma(a)*(1 - sigma(a)))" in text  # as built, not tidied
    assert "-y*(1 - sigma(a)) + (1 - y)*sigma(a)" in text
    # a middle line with a sign slip fails its check
    slipped = S.Derivation("f", "f", (("slip", "slip", -y * (1 - s) - (1 - y) * s),), derivation.target)
    assert slipped.checks == (False,)


def test_activation_derivatives_and_relu_at_zero():
    table = S.activation_derivatives()
    a = sp.Symbol("a", real=True)
    assert table["tanh"][1] == 1 - sp.tanh(a) ** 2
    assert table["relu"][1] == sp.Heaviside(a)
    assert sp.Heaviside(0) == sp.Rational(1, 2)  # SymPy's convention; the helpers take 0 (checked below)
    from helpers.network import ACTIVATIONS

    assert ACTIVATIONS["relu"][1](0.0) == 0.0


@pytest.mark.parametrize("cost", ["cross_entropy", "mse"])
def test_lambdified_gradients_agree_with_backprop(cost):
    points = [S.OFFICE_HOURS_VALUES] + S.random_office_hours_points(20, seed=5)
    agreement = S.backprop_agreement(points, cost)
    assert len(agreement.errors) == 21
    assert agreement.max_error < S.ROUNDING_LEVEL
    assert agreement.sympy[0][:2] == (0.0, 0.0)  # x1 = 0: w1 and w2 cannot matter
    assert "< 1e-12" in agreement.table(rows=2)
    assert S.random_office_hours_points(3, seed=5) == S.random_office_hours_points(3, seed=5)


def test_agreement_reports_a_real_difference():
    assert S.BackpropAgreement.describe(3e-6) == "3.00e-06"
