"""Backpropagation judged by check_gradients, and the office-hours notes' slips kept out.

check_gradients compares every weight and bias gradient with central differences, which only
evaluate the cost and so share nothing with the backward pass. Float64 central differences come
with a bound on their own error (rounding of the cost / h + truncation ~ h^2 E'''); where that
bound cannot decide agreement at rtol = 1e-6 (saturated neurons), mpmath central differences at
50 digits (more while undecided) decide instead; a parameter that cannot move the cost at all is
exactly 0, read off the exact forward pass. Agreement allows the rounding error that float64 backpropagation itself
makes for that parameter, and nothing else: no absolute floor, so a zeroed, sign-flipped or
doubled gradient fails wherever float64 can compute the gradient at all.

Deltas (dE_n/da for each example) are judged by the same check: dE_n/da[l] is the gradient of
example n's cost with respect to a bias of layer l, so the deltas are checked as the bias
gradients of the same network with a zero bias added where it had none.
"""

import math
import time

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from helpers import (
    ACTIVATIONS,
    COST_NEEDS_OUTPUT,
    COSTS,
    GradientCheck,
    Gradients,
    Network,
    ParameterVerdict,
    chain_example,
    check_gradients,
    max_relative_error,
    numerical_gradients,
    office_hours_example,
    parameter_names,
    relative_error,
    two_two_two_example,
)
from helpers import symbolic as S
from helpers.gradcheck import UNRESOLVED_FLOAT64, high_precision_gradients

#: every (elementwise output activation, cost) pair the Network accepts; softmax: tests/test_softmax.py
OUTPUT_PAIRS = [(act, cost) for act in ACTIVATIONS for cost in COSTS if COST_NEEDS_OUTPUT.get(cost, act) == act]
EXAMPLES = [office_hours_example, chain_example, two_two_two_example]
RELU_MARGIN = 1e-3  # no relu pre-activation this close to its kink, where the derivative jumps
TAMPERINGS = {"zeroed": lambda v: 0.0, "sign-flipped": lambda v: -v, "doubled": lambda v: 2.0 * v}


def chain_with_w0(w0):
    """The slides' chain network (input 2, target 0.7, w1 = 1, w2 = 0.5) with its first weight set to w0."""
    net, x, y, lr = chain_example()
    return net.replace(weights=[[[float(w0)]], [[1.0]], [[0.5]]]), x, y, lr


def tampered(g, where, change):
    """Gradients g with the one entry at ``where`` (as in parameter_names) replaced by change(entry)."""
    kind, layer, row, col = where
    weights = [w.copy() for w in g.weights]
    biases = [None if b is None else b.copy() for b in g.biases]
    if kind == "weight":
        weights[layer][row, col] = change(weights[layer][row, col])
    else:
        biases[layer][row] = change(biases[layer][row])
    return Gradients(tuple(weights), tuple(biases), g.deltas)


def entry(g, where):
    kind, layer, row, col = where
    return float(g.weights[layer][row, col] if kind == "weight" else g.biases[layer][row])


def check_deltas(net, x, y, example, deltas):
    """check_gradients on example n's deltas, as bias gradients of the net with zero biases where it had none."""
    x2 = np.atleast_2d(np.asarray(x, dtype=float))
    y2 = np.asarray(y, dtype=float).reshape(x2.shape[0], -1)
    biased = net.replace(biases=[np.zeros(w.shape[0]) if b is None else b for w, b in zip(net.weights, net.biases)])
    x_n, y_n = x2[example], y2[example]
    per_example = tuple(np.atleast_2d(d)[example] for d in deltas)
    return check_gradients(biased, x_n, y_n, Gradients(biased.gradients(x_n, y_n).weights, per_example, per_example))


def assert_backprop_passes(net, x, y, examples=None):
    """Backprop's weight, bias and delta gradients all agree with the check (deltas of the examples listed)."""
    g = net.gradients(x, y)
    result = check_gradients(net, x, y)
    assert result.ok, result
    batch = np.atleast_2d(np.asarray(x)).shape[0]
    for n in range(batch) if examples is None else examples:
        deltas = check_deltas(net, x, y, n, g.deltas)
        assert deltas.ok, f"deltas of example {n}:\n{deltas}"
    return result


# ---------------------------------------------------------------------------
# The worked examples
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES)
def test_worked_examples_pass_the_check(example):
    net, x, y, _ = example()
    assert_backprop_passes(net, x, y)


@pytest.mark.parametrize("example", EXAMPLES)
def test_worked_examples_in_a_batch_pass_the_check(example):
    """The example with two more made-up examples beside it: batch means and per-example deltas."""
    net, x, y, _ = example()
    rng = np.random.default_rng(5)
    xs = np.vstack([x, rng.uniform(-1, 1, (2, x.size))])
    ys = np.vstack([y, rng.uniform(0, 1, (2, y.size))])
    assert_backprop_passes(net, xs, ys)


def _tamper_cases():
    for example in EXAMPLES:
        yield pytest.param(example, id=example.__name__)
    for w0 in (8, 10, 12, 15):
        yield pytest.param(lambda w0=w0: chain_with_w0(w0), id=f"chain, w0 = {w0}")


@pytest.mark.parametrize("how", TAMPERINGS)
@pytest.mark.parametrize("make", list(_tamper_cases()))
def test_every_tampered_gradient_is_caught(make, how):
    """Each nonzero gradient zeroed, sign-flipped or doubled on its own: that parameter, and only it, differs."""
    net, x, y, _ = make()
    g = net.gradients(x, y)
    assert check_gradients(net, x, y, g).ok
    tampered_names = []
    for name, where in parameter_names(net).items():
        if entry(g, where) == 0:
            continue  # zeroing, flipping or doubling 0 leaves it 0
        result = check_gradients(net, x, y, tampered(g, where, TAMPERINGS[how]))
        assert not result.ok, f"{how} {name} passed:\n{result}"
        assert [v.name for v in result if v.verdict != "agree"] == [name], result
        assert result[name].verdict == "differ"
        tampered_names.append(name)
    assert len(tampered_names) >= 3


def test_deltas_check_catches_a_wrong_delta():
    """The deltas check has teeth too: one hidden delta of one example doubled fails it."""
    net, x, y, _ = two_two_two_example()
    g = net.gradients(x, y)
    wrong = (g.deltas[0] * np.array([1.0, 2.0]), g.deltas[1])
    assert check_deltas(net, x, y, 0, g.deltas).ok
    result = check_deltas(net, x, y, 0, wrong)
    assert [v.name for v in result if v.verdict != "agree"] == ["b1_2"]


# ---------------------------------------------------------------------------
# The audit's reproducers: each failed before check_gradients and the max_relative_error fix
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_max_relative_error_fails_on_nan_or_inf_in_a_later_array(bad):
    """Python's max() with a NaN kept the first array's small error (about 1e-9): agreement reported."""
    net, x, y, _ = two_two_two_example()
    exact = net.gradients(x, y)
    for spoiled in (
        Gradients((exact.weights[0], np.full_like(exact.weights[1], bad)), exact.biases, exact.deltas),
        Gradients(exact.weights, (exact.biases[0], np.full_like(exact.biases[1], bad)), exact.deltas),
        Gradients((np.full_like(exact.weights[0], bad), exact.weights[1]), exact.biases, exact.deltas),
    ):
        assert max_relative_error(exact, spoiled) == math.inf
        assert max_relative_error(spoiled, exact) == math.inf


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_relative_error_is_inf_for_nan_or_inf_on_either_side(bad):
    assert relative_error([1.0, bad], [1.0, 1.0]) == math.inf
    assert relative_error([1.0, 1.0], [bad, 1.0]) == math.inf
    assert relative_error(bad, bad) == math.inf


@pytest.mark.parametrize("w0", [8, 10, 12, 15])
def test_saturated_chain_correct_gradients_pass(w0):
    """At w0 = 12 plain central differences failed the right gradients (2.5e-4); at 8 and 10 too."""
    net, x, y, _ = chain_with_w0(w0)
    result = assert_backprop_passes(net, x, y)
    assert result["w1"].decided_by == "mpmath"  # dC/dw0 (named w1) is below float64 central differences


def test_saturated_chain_w0_12_zeroed_gradient_fails():
    """A zeroed dC/dw0 passed plain central differences at w0 = 12 (3.2e-10)."""
    net, x, y, _ = chain_with_w0(12)
    zeroed = tampered(net.gradients(x, y), ("weight", 0, 0, 0), TAMPERINGS["zeroed"])
    assert max_relative_error(zeroed, numerical_gradients(net, x, y)) < 1e-6  # what plain central differences said
    result = check_gradients(net, x, y, zeroed)
    assert not result.ok and result["w1"].verdict == "differ" and result["w1"].decided_by == "mpmath"


def test_saturated_chain_w0_15_sign_flipped_gradient_fails():
    net, x, y, _ = chain_with_w0(15)
    g = net.gradients(x, y)
    result = check_gradients(net, x, y, tampered(g, ("weight", 0, 0, 0), TAMPERINGS["sign-flipped"]))
    assert not result.ok and result["w1"].verdict == "differ"


def _old_floor_error(net, x, y, ours):
    """The floor-based comparison this file used before: error relative to max(|g|, 1e-3 max(1, E))."""
    numeric = numerical_gradients(net, x, y, eps=3e-6)
    floor = 1e-3 * max(1.0, net.cost(x, y))
    errors = [np.max(np.abs(a - b) / np.maximum(np.abs(b), floor)) for a, b in zip(ours.weights, numeric.weights)]
    return float(max(errors))


@pytest.mark.parametrize("how", TAMPERINGS)
def test_chain_w0_10_tampering_passed_the_old_floor_and_fails_now(how):
    net, x, y, _ = chain_with_w0(10)
    wrong = tampered(net.gradients(x, y), ("weight", 0, 0, 0), TAMPERINGS[how])
    assert _old_floor_error(net, x, y, wrong) <= 1e-6  # what the old test accepted
    result = check_gradients(net, x, y, wrong)
    assert not result.ok and result["w1"].verdict == "differ"


def _huge_layer():
    """One neuron reading 10^6 inputs: 10^6 + 1 parameters, two passes each by central differences."""
    net = Network([np.full((1, 10**6), 1e-6)], [np.zeros(1)], "linear", "mse")
    return net, np.ones(10**6), np.array([0.5])


def test_numerical_gradients_refuses_a_million_parameter_layer():
    net, x, y = _huge_layer()
    with pytest.raises(ValueError, match=r"^net:") as caught:
        numerical_gradients(net, x, y)
    message = str(caught.value)
    assert "2,000,004 forward passes" in message  # 2 per parameter and 2 per delta
    assert "max_evaluations=2000004" in message and "smaller network" in message
    assert "about " in message and "projected" in message


def test_check_gradients_refuses_a_million_parameter_layer():
    net, x, y = _huge_layer()
    with pytest.raises(ValueError, match=r"^net:") as caught:
        check_gradients(net, x, y)
    assert "8,000,008 forward passes" in str(caught.value)  # 6 in float64 and up to 2 in mpmath per parameter
    with pytest.raises(ValueError, match=r"^net:") as caught:
        check_gradients(net, x, y, high_precision=False)
    assert "6,000,006 forward passes" in str(caught.value)


def test_max_evaluations_sets_the_limit_both_ways():
    net, x, y, _ = office_hours_example()  # 6 parameters, 3 activations: 18 passes
    with pytest.raises(ValueError, match=r"^net:.*18 forward passes"):
        numerical_gradients(net, x, y, max_evaluations=17)
    numerical_gradients(net, x, y, max_evaluations=18)
    with pytest.raises(ValueError, match=r"^net:.*48 forward passes"):
        check_gradients(net, x, y, max_evaluations=47)
    assert check_gradients(net, x, y, max_evaluations=48).ok
    for bad in (0, -1, 2.5, True, "many"):
        with pytest.raises(ValueError, match=r"^max_evaluations:"):
            numerical_gradients(net, x, y, max_evaluations=bad)
        with pytest.raises(ValueError, match=r"^max_evaluations:"):
            check_gradients(net, x, y, max_evaluations=bad)


# ---------------------------------------------------------------------------
# check_gradients: NaN, shapes, zeros, the float64 limit, the result object
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_or_inf_in_any_array_fails_the_check(bad):
    net, x, y, _ = two_two_two_example()
    g = net.gradients(x, y)
    for name, where in parameter_names(net).items():
        result = check_gradients(net, x, y, tampered(g, where, lambda v: bad))
        assert not result.ok and result.worst_error == math.inf
        assert result[name].verdict == "differ" and result[name].relative_error == math.inf
        assert [v.name for v in result if v.verdict != "agree"] == [name]


def test_wrong_shapes_and_bias_layout_are_named():
    net, x, y, _ = two_two_two_example()
    g = net.gradients(x, y)
    wrong = {
        "a tuple, not Gradients": (g.weights, g.biases, g.deltas),
        "weights transposed": Gradients((g.weights[0], g.weights[1][:, :1]), g.biases, g.deltas),
        "one layer missing": Gradients(g.weights[:1], g.biases[:1], g.deltas[:1]),
        "a bias the network lacks": Gradients(g.weights, g.biases, g.deltas),
        "no bias where it has one": Gradients(g.weights, (None, g.biases[1]), g.deltas),
        "bias of the wrong length": Gradients(g.weights, (g.biases[0], g.biases[1][:1]), g.deltas),
        "not numbers": Gradients((g.weights[0], np.array([["a", "b"], ["c", "d"]])), g.biases, g.deltas),
    }
    no_bias = net.replace(biases=[None, None])
    for label, gradients in wrong.items():
        target = no_bias if label == "a bias the network lacks" else net
        with pytest.raises(ValueError, match=r"^gradients:"):
            check_gradients(target, x, y, gradients)


def test_other_arguments_are_named():
    net, x, y, _ = office_hours_example()
    for rtol in (0, -1e-6, 1.0, math.nan, True, "1e-6"):
        with pytest.raises(ValueError, match=r"^rtol:"):
            check_gradients(net, x, y, rtol=rtol)
    with pytest.raises(ValueError, match=r"^high_precision:"):
        check_gradients(net, x, y, high_precision="yes")
    with pytest.raises(ValueError, match=r"^numbering:"):
        check_gradients(net, x, y, numbering="by_row")
    with pytest.raises(ValueError, match=r"^x:"):
        check_gradients(net, [0.0, 1.0, 2.0], y)
    with pytest.raises(ValueError, match=r"^y:"):
        check_gradients(net, x, [math.nan])


def test_an_exactly_zero_gradient_accepts_only_zero():
    """x1 = 0 makes dE/dw1 and dE/dw2 exactly 0: float64 backprop gives exactly 0, and nothing else agrees."""
    net, x, y, _ = office_hours_example()
    g = net.gradients(x, y)
    result = check_gradients(net, x, y, g)
    for name in ("w1", "w2"):
        assert result[name].given == 0 and result[name].reference == 0
        assert result[name].verdict == "agree" and result[name].decided_by == "mpmath"
        assert result[name].rounding < 1e-300  # the terms of its sum are exact zeros: nothing to round
    for tiny in (1e-3, 1e-12, 1e-300):
        result = check_gradients(net, x, y, tampered(g, ("weight", 0, 0, 0), lambda v, tiny=tiny: tiny))
        assert result["w1"].verdict == "differ", result


def test_float64_alone_says_plainly_what_it_cannot_resolve():
    net, x, y, _ = chain_with_w0(12)
    result = check_gradients(net, x, y, high_precision=False)
    assert not result.ok
    assert [(v.name, v.verdict, v.decided_by) for v in result] == [
        ("w1", "unresolved", "float64"), ("w2", "agree", "float64"), ("w3", "agree", "float64"),
    ]
    assert UNRESOLVED_FLOAT64 == "float64 central differences cannot resolve this gradient"
    assert UNRESOLVED_FLOAT64 in result["w1"].note and UNRESOLVED_FLOAT64 in str(result)
    assert abs(result["w1"].reference) < result["w1"].reference_bound  # the float64 estimate is all noise
    decided = check_gradients(net, x, y)
    assert decided.ok and decided["w1"].decided_by == "mpmath" and decided["w1"].reference_bound < 1e-25


def test_rounding_limited_gradient_is_flagged():
    """At w0 = 20, 1 - sigma(40) rounds to 0 in float64: backprop's 0 agrees, and the table says why."""
    net, x, y, _ = chain_with_w0(20)
    result = check_gradients(net, x, y)
    assert result.ok and result["w1"].given == 0 and result["w1"].reference < 0
    assert "float64 backpropagation cannot compute this gradient" in result["w1"].note


def test_result_lookup_and_table():
    net, x, y, _ = chain_with_w0(12)
    result = check_gradients(net, x, y)
    assert isinstance(result, GradientCheck) and isinstance(result["w2"], ParameterVerdict)
    assert result["w2"] is result.verdict("w2") and result["w2"].name == "w2"
    assert [v.name for v in result.verdicts] == list(parameter_names(net)) and len(result) == 3
    with pytest.raises(KeyError, match="w9"):
        result["w9"]
    with pytest.raises(AttributeError):
        result.rtol = 1.0  # frozen
    table = str(result)
    assert table == result.table() == repr(result) == str(check_gradients(net, x, y))  # deterministic
    assert "0x" not in table and "object at" not in table
    lines = table.splitlines()
    assert lines[0].startswith("gradient check, rtol 1e-06: 3 agree -> OK")
    assert lines[1].split() == ["name", "given", "reference", "rel.", "error", "verdict", "decided", "by"]
    assert lines[2].split()[0] == "w1" and lines[2].split()[-2:] == ["agree", "mpmath"]
    assert lines[3].split()[3] == "<1e-09"  # float64 noise far below rtol: a bound, the same on every machine

    class Printer:  # the part of IPython's pretty printer that _repr_pretty_ uses
        def __init__(self):
            self.texts = []

        def text(self, text):
            self.texts.append(text)

    printer = Printer()
    check_gradients(net, x, y)._repr_pretty_(printer, False)
    assert printer.texts == [table]


def test_office_hours_check_is_quick():
    """Well under a second for the lessons' network (measured ~10 ms; the bound is loose for a busy machine)."""
    net, x, y, _ = office_hours_example()
    check_gradients(net, x, y)  # imports mpmath once
    start = time.perf_counter()
    check_gradients(net, x, y)
    assert time.perf_counter() - start < 1.0


# ---------------------------------------------------------------------------
# The mpmath reference itself: against SymPy's exact gradients, and every activation and cost
# ---------------------------------------------------------------------------


OFFICE_HOURS_POINTS = {
    "example": S.OFFICE_HOURS_VALUES,
    "saturated": {**S.OFFICE_HOURS_VALUES, "x1": 1.0, "w1": 9.0, "w2": -8.0, "w5": 30.0, "w6": 25.0},
}


@pytest.mark.parametrize("cost", ["cross_entropy", "mse"])
@pytest.mark.parametrize("point", OFFICE_HOURS_POINTS)
def test_mpmath_reference_matches_sympy_exactly(point, cost):
    """50-digit central differences vs SymPy's derivative at the exact binary values.

    The cost is resolved to ~1e-50 and the step is 1e-20, so each gradient is exact to ~1e-30 of the
    cost's scale: relative 1e-30 for gradients of order 1, absolute for tiny (saturated) ones.
    """
    values = OFFICE_HOURS_POINTS[point]
    v = values
    net = Network([[[v["w1"], v["w3"]], [v["w2"], v["w4"]]], [[v["w5"], v["w6"]]]], None, "sigmoid", cost)
    x, y = [v["x1"], v["x2"]], [v["y"]]
    reference, scale = high_precision_gradients(net, x, y), max(1.0, net.cost(x, y))
    symbols = S.office_hours_symbols()
    exact_point = {symbols[name]: sp.Rational(value) for name, value in values.items()}  # the floats, exactly
    with mpmath.workdps(60):
        for name, expression in S.symbolic_gradients(cost).items():
            exact = mpmath.mpf(sp.N(expression.subs(exact_point), 60))
            if exact == 0:
                assert reference[name] == 0, name
            else:
                assert abs(reference[name] - exact) <= 1e-29 * (abs(exact) + scale), (name, reference[name], exact)


@pytest.mark.parametrize("output, cost", OUTPUT_PAIRS)
@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_mpmath_reference_mirrors_every_activation_and_cost(make_case, hidden, output, cost):
    """Gentle networks, biases on and off, a batch: the mpmath forward pass is the network's (backprop to 1e-9)."""
    net, x, y = make_case(7, (3, 4, 2), (hidden, output), cost, [True, False], 3, scale=0.5)
    assert _clear_of_relu_kinks(net, x)
    g = net.gradients(x, y)
    for name, value in high_precision_gradients(net, x, y).items():
        assert float(value) == pytest.approx(entry(g, parameter_names(net)[name]), rel=1e-9, abs=1e-15), name
    with pytest.raises(ValueError, match=r"^digits:"):
        high_precision_gradients(net, x, y, digits=10)


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
@given(case=network_cases(), how=st.sampled_from(sorted(TAMPERINGS)))
def test_random_networks_pass_the_check_and_a_tampered_gradient_fails(make_case, case, how):
    """Backprop passes (weights, biases, one example's deltas); its largest gradient tampered fails."""
    net, x, y = make_case(**case)
    assume(_clear_of_relu_kinks(net, x))
    result = assert_backprop_passes(net, x, y, examples=[case["seed"] % case["batch"]])
    event("mpmath decided a nonzero gradient" if any(v.decided_by == "mpmath" and v.reference for v in result)
          else "float64 decided every nonzero gradient")
    largest = max(result, key=lambda v: abs(v.reference))
    if largest.rounding < abs(largest.reference) / 2:  # float64 backprop computes it (not all saturated away)
        wrong = check_gradients(net, x, y, tampered(net.gradients(x, y), largest.where, TAMPERINGS[how]))
        assert not wrong.ok and wrong[largest.name].verdict == "differ", wrong


def test_saturating_random_network_is_judged_by_mpmath(make_case):
    """Scale 2 saturates tanh: right gradients float64 cannot resolve are decided in mpmath; wrong ones fail."""
    net, x, y = make_case(7, (3, 4, 2), ("tanh", "sigmoid"), "cross_entropy", [True, True], 4, scale=2.0)
    result = assert_backprop_passes(net, x, y)
    by_mpmath = [v for v in result if v.decided_by == "mpmath" and v.reference != 0]
    assert len(by_mpmath) >= 2
    float64_only = check_gradients(net, x, y, high_precision=False)
    assert not float64_only.ok and all(float64_only[v.name].verdict == "unresolved" for v in by_mpmath)
    g = net.gradients(x, y)
    for v in by_mpmath:
        for change in TAMPERINGS.values():
            wrong = check_gradients(net, x, y, tampered(g, v.where, change))
            assert not wrong.ok and wrong[v.name].verdict == "differ"  # float64 may see that much


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


def test_numerical_gradients_deltas_match_backprop():
    """numerical_gradients still estimates the deltas; on the worked examples they agree with backprop's."""
    for example in EXAMPLES:
        net, x, y, _ = example()
        g, numeric = net.gradients(x, y), numerical_gradients(net, x, y)
        for ours, theirs in zip(g.deltas, numeric.deltas):
            assert ours.shape == theirs.shape
            assert relative_error(ours, theirs) < 1e-6


def test_gradients_with_puts_flawed_values_in_by_name():
    from helpers import gradients_with

    net, x, y, _ = two_two_two_example()
    right = net.gradients(x, y)
    flawed = gradients_with(net, right, {"w1": 0.25, "b2_1": -0.0}, numbering="by_receiver")
    assert flawed.weights[0][0, 0] == 0.25 and right.weights[0][0, 0] != 0.25  # a copy: backprop's untouched
    assert flawed.biases[1][0] == 0.0 and str(flawed.biases[1][0]) == "0.0"  # -0.0 stored as 0.0
    assert np.array_equal(flawed.weights[1], right.weights[1]) and flawed.deltas is right.deltas
    result = check_gradients(net, x, y, flawed, numbering="by_receiver")
    assert {v.name for v in result if v.verdict == "differ"} == {"w1", "b2_1"}
    with pytest.raises(ValueError, match=r"^changes: 'w9'"):
        gradients_with(net, right, {"w9": 1.0})
