"""helpers.notes: the notes' printed numbers from their slips, every switch combination, two more slips.

The reference step below is written again from SOURCES.md with plain floats and the math
module (the derivative of the logistic cost taken literally, not as y_hat - y), so that
it shares no code with helpers.notes.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import (
    Network,
    numerical_gradients,
    office_hours_example,
    relative_error,
    two_two_two_example,
)
from helpers.notes import (
    ALL_SLIPS,
    AS_PRINTED,
    NOTES_PRINTED,
    RIGHT,
    SLIPS,
    MultiplicationCount,
    NotesStep,
    blame_hidden_deltas,
    hidden_gradient_by_paths,
    multiplication_counts,
    notes_backprop_step,
    side_by_side,
    stream_output_gradient,
)

NAMES = ("w1", "w2", "w3", "w4", "w5", "w6")
COMBINATIONS = [dict(zip(SLIPS, bits)) for bits in itertools.product((False, True), repeat=len(SLIPS))]


def combination_id(switches):
    return "+".join(name for name, on in switches.items() if on) or "right"


def office_hours_net(w):
    """The 2-2-1 diagram with w = {"w1": ..., "w6": ...}."""
    return Network([[[w["w1"], w["w3"]], [w["w2"], w["w4"]]], [[w["w5"], w["w6"]]]], None, "sigmoid", "cross_entropy")


#: a point where nothing is zero or round, so every slip shows in every number it touches
GENERIC = ({"w1": 0.7, "w2": -0.4, "w3": 0.3, "w4": 0.9, "w5": -1.1, "w6": 0.8}, (0.6, -1.3), 0.3, 0.45)


def printed(step):
    """The numbers the notes printed, with the notes' digits."""
    return {"new w3": f"{step.new_weights['w3']:.5f}", "new w4": f"{step.new_weights['w4']:.5f}",
            "new w5": f"{step.new_weights['w5']:.5f}", "new w6": f"{step.new_weights['w6']:.5f}",
            "new y_hat": f"{step.new_y_hat:.6f}"}


@pytest.fixture(scope="module")
def example():
    return office_hours_example()


# ---------------------------------------------------------------------------
# The notes' printed numbers
# ---------------------------------------------------------------------------


def test_as_printed_reproduces_every_printed_digit(example):
    net, x, y, lr = example
    step = notes_backprop_step(net, x, y, lr, **AS_PRINTED)
    assert printed(step) == NOTES_PRINTED
    assert step.printed_digits() == NOTES_PRINTED  # what the notebook compares
    right_w6 = net.step(x, y, lr).weights[1][0, 1]
    assert notes_backprop_step(net, x, y, lr, **RIGHT).printed_digits()["new w6"] == f"{right_w6:.5f}"
    assert step.new_weights["w1"] == 0.1 and step.new_weights["w2"] == 0.2  # x1 = 0
    assert notes_backprop_step(net, x, y, lr) == step  # the defaults are AS_PRINTED


@pytest.mark.parametrize(
    "switch, moved",
    [
        ("output_slope_twice", {"new w3", "new w4", "new w5", "new w6", "new y_hat"}),
        ("hidden_slope_from_a", {"new w3", "new w4", "new y_hat"}),
        ("w6_uses_dw5", {"new w6", "new y_hat"}),
        ("log10_cost", set()),
    ],
)
def test_each_slip_behind_the_printed_numbers_is_needed(example, switch, moved):
    """Turning one slip off changes exactly the printed numbers that depend on it (log10: none)."""
    net, x, y, lr = example
    without = printed(notes_backprop_step(net, x, y, lr, **{**AS_PRINTED, switch: False}))
    assert {key for key in NOTES_PRINTED if without[key] != NOTES_PRINTED[key]} == moved


@pytest.mark.parametrize(
    "decimals, expected",
    [
        (2, {"new w3": "0.30162", "new w5": "0.50888", "new w6": "0.60888", "new y_hat": "0.658671"}),  # .65
        (3, {"new y_hat": "0.658681"}),  # .646, as printed in the prose
    ],
)
def test_rounded_a3_is_not_what_the_notes_printed(example, decimals, expected):
    """Mistake 6 changes printed digits: the notes' code carried full precision."""
    net, x, y, lr = example
    step = notes_backprop_step(net, x, y, lr, **ALL_SLIPS, a3_decimals=decimals)
    assert step.a3 == round(0.5 * (1 / (1 + math.exp(-0.3))) + 0.6 * (1 / (1 + math.exp(-0.4))), decimals)
    different = {key: value for key, value in printed(step).items() if value != NOTES_PRINTED[key]}
    assert different == expected


# ---------------------------------------------------------------------------
# Every switch off: the helpers' backpropagation
# ---------------------------------------------------------------------------


def assert_right_step_matches_network(net, x, y, lr):
    step = notes_backprop_step(net, x, y, lr, **RIGHT)
    trace, grads, stepped = net.forward(x), net.gradients(x, y), net.step(x, y, lr)
    close = dict(rtol=0, atol=1e-15)
    for mine, theirs in zip(step.new_net.weights, stepped.weights):
        np.testing.assert_allclose(mine, theirs, **close)
    np.testing.assert_allclose([step.a1, step.a2], trace.a[0], **close)
    np.testing.assert_allclose([step.z1, step.z2], trace.z[0], **close)
    np.testing.assert_allclose([step.a3, step.y_hat], [trace.a[1][0], trace.output[0]], **close)
    np.testing.assert_allclose(step.output_delta, grads.deltas[1][0], **close)
    np.testing.assert_allclose(step.hidden_deltas, grads.deltas[0], **close)
    np.testing.assert_allclose(step.hidden_slopes, trace.z[0] * (1 - trace.z[0]), **close)
    (g1, g3), (g2, g4) = grads.weights[0]
    (g5, g6), = grads.weights[1]
    np.testing.assert_allclose([step.gradients[n] for n in NAMES], [g1, g2, g3, g4, g5, g6], **close)
    assert step.used_in_update == step.gradients
    np.testing.assert_allclose([step.cost, step.new_cost], [net.cost(x, y), stepped.cost(x, y)], rtol=1e-15)
    np.testing.assert_allclose(step.new_y_hat, stepped.predict(x)[0], **close)


def test_right_step_is_the_network_step_at_the_example(example):
    assert_right_step_matches_network(*example)


@settings(max_examples=60, deadline=None)
@given(
    weights=st.lists(st.floats(-3, 3), min_size=6, max_size=6),
    x=st.lists(st.floats(-2, 2), min_size=2, max_size=2),
    y=st.floats(0, 1),
    lr=st.floats(0.01, 2),
)
def test_right_step_is_the_network_step_anywhere(weights, x, y, lr):
    assert_right_step_matches_network(office_hours_net(dict(zip(NAMES, weights))), np.array(x), np.array([y]), lr)


# ---------------------------------------------------------------------------
# Every combination of switches
# ---------------------------------------------------------------------------


def reference_step(w, x, y, lr, switches, decimals=2):
    """One step of the notes' procedure from SOURCES.md, slips composed by hand."""
    x1, x2 = x
    sig = lambda a: 1.0 / (1.0 + math.exp(-a))  # noqa: E731
    a1, a2 = x1 * w["w1"] + x2 * w["w3"], x1 * w["w2"] + x2 * w["w4"]
    z1, z2 = sig(a1), sig(a2)
    a3 = z1 * w["w5"] + z2 * w["w6"]
    if switches["rounded_intermediates"]:
        a3 = round(a3, decimals)
    y_hat = sig(a3)
    log = math.log10 if switches["log10_cost"] else math.log
    cost = -(y * log(y_hat) + (1 - y) * log(1 - y_hat))
    if switches["output_slope_twice"]:
        delta3 = (y_hat - y) * y_hat * (1 - y_hat)  # the squared error's delta
    else:
        dE_dyhat = -y / y_hat + (1 - y) / (1 - y_hat)  # d/dy_hat of the natural-log cost
        delta3 = dE_dyhat * y_hat * (1 - y_hat)
    if switches["hidden_slope_from_a"]:
        s1, s2 = a1 * (1 - a1), a2 * (1 - a2)
    else:
        s1, s2 = z1 * (1 - z1), z2 * (1 - z2)
    g = {"w5": delta3 * z1, "w6": delta3 * z2}
    g["w1"], g["w3"] = delta3 * w["w5"] * s1 * x1, delta3 * w["w5"] * s1 * x2
    g["w2"], g["w4"] = delta3 * w["w6"] * s2 * x1, delta3 * w["w6"] * s2 * x2
    new = {n: w[n] - lr * g[n] for n in NAMES}
    if switches["w6_uses_dw5"]:
        new["w6"] = w["w6"] - lr * g["w5"]
    new_y_hat = sig(sig(x1 * new["w1"] + x2 * new["w3"]) * new["w5"] + sig(x1 * new["w2"] + x2 * new["w4"]) * new["w6"])
    new_cost = -(y * log(new_y_hat) + (1 - y) * log(1 - new_y_hat))
    return {"a3": a3, "y_hat": y_hat, "cost": cost, "delta3": delta3, "slopes": (s1, s2), "gradients": g,
            "new": new, "new_y_hat": new_y_hat, "new_cost": new_cost}


@pytest.mark.parametrize("switches", COMBINATIONS, ids=combination_id)
@pytest.mark.parametrize("point", ["example", "generic"])
def test_every_combination_is_what_its_slips_imply(switches, point):
    if point == "example":
        net, x, y, lr = office_hours_example()
        w, y = dict(zip(NAMES, (0.1, 0.2, 0.3, 0.4, 0.5, 0.6))), float(y[0])
    else:
        w, x, y, lr = GENERIC
        net = office_hours_net(w)
    step = notes_backprop_step(net, np.array(x), np.array([y]), lr, **switches)
    ref = reference_step(w, tuple(map(float, x)), y, lr, switches)
    close = dict(rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose([step.a3, step.y_hat, step.cost], [ref["a3"], ref["y_hat"], ref["cost"]], **close)
    np.testing.assert_allclose(step.output_delta, ref["delta3"], **close)
    np.testing.assert_allclose(step.hidden_slopes, ref["slopes"], **close)
    np.testing.assert_allclose([step.gradients[n] for n in NAMES], [ref["gradients"][n] for n in NAMES], **close)
    np.testing.assert_allclose([step.new_weights[n] for n in NAMES], [ref["new"][n] for n in NAMES], **close)
    np.testing.assert_allclose([step.new_y_hat, step.new_cost], [ref["new_y_hat"], ref["new_cost"]], **close)
    assert step.switches == switches


GRADIENT_ROWS = {f"dE/d{n}" for n in NAMES}
NEW_WEIGHT_ROWS = {f"new {n}" for n in NAMES}
AFTER = {"new y_hat", "new cost"}
#: the table rows each switch may change, whatever the other switches are
CHANGES = {
    "log10_cost": {"cost", "new cost"},
    "output_slope_twice": {"dE/da3", "dE/da1", "dE/da2", "w6 moved by"} | GRADIENT_ROWS | NEW_WEIGHT_ROWS | AFTER,
    "hidden_slope_from_a": {"dz1/da1", "dz2/da2", "dE/da1", "dE/da2", "dE/dw1", "dE/dw2", "dE/dw3", "dE/dw4",
                            "new w1", "new w2", "new w3", "new w4"} | AFTER,
    "w6_uses_dw5": {"w6 moved by", "new w6"} | AFTER,
    "rounded_intermediates": {"a3", "y_hat", "cost", "dE/da3", "dE/da1", "dE/da2", "w6 moved by"}
    | GRADIENT_ROWS | NEW_WEIGHT_ROWS | AFTER,
}


@pytest.mark.parametrize("switch", SLIPS)
def test_one_switch_changes_exactly_its_rows_in_every_combination(switch):
    w, x, y, lr = GENERIC
    net = office_hours_net(w)
    for others in COMBINATIONS:
        if others[switch]:
            continue
        off = dict(notes_backprop_step(net, np.array(x), np.array([y]), lr, **others).rows())
        on_step = notes_backprop_step(net, np.array(x), np.array([y]), lr, **{**others, switch: True})
        on = dict(on_step.rows())
        changed = {label for label in off if on[label] != off[label]}
        assert changed == CHANGES[switch], combination_id(others)
        if switch == "log10_cost":
            assert on["cost"] == pytest.approx(off["cost"] / math.log(10), rel=1e-15)
        if switch == "output_slope_twice":
            factor = on_step.y_hat * (1 - on_step.y_hat)
            for label in {"dE/da3", "dE/da1", "dE/da2"} | GRADIENT_ROWS:
                assert on[label] == pytest.approx(off[label] * factor, rel=1e-14)
        if switch == "hidden_slope_from_a":
            for h, a, z in ((1, on_step.a1, on_step.z1), (2, on_step.a2, on_step.z2)):
                assert on[f"dE/da{h}"] == pytest.approx(off[f"dE/da{h}"] * a * (1 - a) / (z * (1 - z)), rel=1e-14)
        if switch == "w6_uses_dw5":
            assert on["w6 moved by"] == on["dE/dw5"]
            assert on["new w6"] == pytest.approx(w["w6"] - lr * on["dE/dw5"], rel=1e-15)


def test_the_example_hides_slips_on_w1_and_w2(example):
    """At x1 = 0, dE/dw1 and dE/dw2 are 0 whatever the slips: the generic point above is needed."""
    net, x, y, lr = example
    for switches in COMBINATIONS:
        step = notes_backprop_step(net, x, y, lr, **switches)
        assert step.gradients["w1"] == 0 and step.gradients["w2"] == 0


def test_side_by_side_marks_the_rows_a_slip_changed(example):
    net, x, y, lr = example
    notes, right = notes_backprop_step(net, x, y, lr), notes_backprop_step(net, x, y, lr, **RIGHT)
    table = side_by_side({"notes": notes, "right": right})
    lines = table.splitlines()
    assert lines[0].split() == ["notes", "right"]
    marked = {line[:12].strip() for line in lines[1:] if line.endswith("*")}
    expected = {label for (label, a), (_, b) in zip(notes.rows(), right.rows()) if a != b}
    assert marked == expected
    assert "new y_hat" in expected and "a1" not in expected
    assert "0.658680" in table and "-0.000000" not in table
    with pytest.raises(ValueError, match=r"^columns:"):
        side_by_side({"notes": 1.0})


# ---------------------------------------------------------------------------
# Livestream: the wrong layer's outputs in dW_ho
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("example_fn", [office_hours_example, two_two_two_example])
def test_stream_output_gradient_right_and_flawed(example_fn):
    net, x, y, _ = example_fn()
    right = stream_output_gradient(net, x, y, multiply_by="hidden")
    np.testing.assert_allclose(right, net.gradients(x, y).weights[1], rtol=1e-12, atol=1e-15)
    central = numerical_gradients(net, x, y).weights[1]
    print(f"\n{example_fn.__name__}: right vs central differences {relative_error(right, central):.1e}")
    assert relative_error(right, central) < 1e-6
    for flaw in ("input", "output"):
        flawed = stream_output_gradient(net, x, y, multiply_by=flaw)
        error = relative_error(flawed, central)
        print(f"{example_fn.__name__}: {flaw} where the hidden outputs belong, relative error {error:.1e}")
        assert flawed.shape == right.shape
        assert error > 1e-3


def test_stream_output_gradient_flaws_at_the_office_hours_example(example):
    net, x, y, _ = example
    delta = net.gradients(x, y).deltas[1][0]
    (w5_by_input, w6_by_input), = stream_output_gradient(net, x, y, multiply_by="input")
    assert w5_by_input == 0 and w6_by_input == pytest.approx(delta * x[1], rel=1e-15)  # X = (0, 1)
    by_output = stream_output_gradient(net, x, y, multiply_by="output")
    assert by_output[0, 0] == by_output[0, 1] == pytest.approx(delta * net.predict(x)[0], rel=1e-15)


def test_stream_output_gradient_refuses_what_numpy_would_refuse():
    net = Network([np.full((2, 3), 0.1), np.full((1, 2), 0.2)], None, "sigmoid", "cross_entropy")
    with pytest.raises(ValueError, match=r"^multiply_by: 'input' gives a gradient of shape \(1, 3\)"):
        stream_output_gradient(net, [1.0, 2.0, 3.0], [1.0], multiply_by="input")
    with pytest.raises(ValueError, match=r"^multiply_by: expected one of"):
        stream_output_gradient(net, [1.0, 2.0, 3.0], [1.0], multiply_by="H")


# ---------------------------------------------------------------------------
# Live session: the derivative of a sum multiplied instead of added
# ---------------------------------------------------------------------------


def test_paths_right_and_multiplied_on_the_two_two_two_network():
    net, x, y, _ = two_two_two_example()
    grads, central = net.gradients(x, y), numerical_gradients(net, x, y)
    right = hidden_gradient_by_paths(net, x, y)
    np.testing.assert_allclose(right.weights, grads.weights[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(right.biases, grads.biases[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(right.hidden_deltas, grads.deltas[0], rtol=1e-12, atol=1e-15)
    assert relative_error(right.weights, central.weights[0]) < 1e-5

    flawed = hidden_gradient_by_paths(net, x, y, multiply_paths=True)
    np.testing.assert_array_equal(flawed.path_terms, right.path_terms)  # same paths, combined differently
    np.testing.assert_allclose(flawed.dE_dz_hidden, right.path_terms[0] * right.path_terms[1], rtol=1e-15)
    np.testing.assert_allclose(right.dE_dz_hidden, right.path_terms[0] + right.path_terms[1], rtol=1e-15)
    # w1 (i1 -> h1, "by_receiver" numbering): through o1 and o2
    w1_error = relative_error(flawed.weights[0, 0], central.weights[0][0, 0])
    error = relative_error(flawed.weights, central.weights[0])
    print(f"\npaths multiplied: dE/dw1 {flawed.weights[0, 0]:+.3e} vs central {central.weights[0][0, 0]:+.3e}, "
          f"relative error {w1_error:.2f}; whole hidden layer {error:.2f}")
    assert w1_error > 1e-3 and error > 1e-3


def test_one_output_means_one_path(example):
    """With a single output the product of the path terms is their sum: the slip needs two paths."""
    net, x, y, _ = example
    right = hidden_gradient_by_paths(net, x, y)
    np.testing.assert_allclose(right.weights, net.gradients(x, y).weights[0], rtol=1e-12, atol=1e-15)
    assert right.biases is None
    np.testing.assert_array_equal(hidden_gradient_by_paths(net, x, y, multiply_paths=True).weights, right.weights)


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
    seed=st.integers(0, 2**32 - 1),
    setup=st.sampled_from([("sigmoid", "sigmoid", "cross_entropy"), ("tanh", "sigmoid", "mse"),
                           ("relu", "linear", "mse"), ("sigmoid", "tanh", "mse")]),
    with_bias=st.booleans(),
)
def test_right_versions_equal_backprop_on_random_networks(sizes, seed, setup, with_bias):
    rng = np.random.default_rng(seed)
    n_in, n_hidden, n_out = sizes
    weights = [rng.normal(size=(n_hidden, n_in)), rng.normal(size=(n_out, n_hidden))]
    biases = [rng.normal(size=n_hidden), rng.normal(size=n_out)] if with_bias else None
    net = Network(weights, biases, setup[:2], setup[2])
    x, y = rng.normal(size=n_in), rng.uniform(size=n_out)
    grads = net.gradients(x, y)
    np.testing.assert_allclose(stream_output_gradient(net, x, y), grads.weights[1], rtol=1e-12, atol=1e-15)
    paths = hidden_gradient_by_paths(net, x, y)
    np.testing.assert_allclose(paths.weights, grads.weights[0], rtol=1e-12, atol=1e-15)
    if with_bias:
        np.testing.assert_allclose(paths.biases, grads.biases[0], rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------
# Livestream: hidden errors by blame
# ---------------------------------------------------------------------------


def test_blame_at_the_office_hours_example(example):
    net, x, y, _ = example
    true_deltas = net.gradients(x, y).deltas[0]
    w5, w6 = net.weights[1][0]
    proportional = blame_hidden_deltas(net, x, y)
    error = y[0] - net.predict(x)[0]
    np.testing.assert_allclose(proportional.output_errors, [error], rtol=1e-15)
    np.testing.assert_allclose(proportional.hidden_errors, [w5 / (w5 + w6) * error, w6 / (w5 + w6) * error],
                               rtol=1e-15)
    assert proportional.hidden_errors.sum() == pytest.approx(error, rel=1e-15)  # the shares add up to the whole
    np.testing.assert_allclose(proportional.hidden_deltas / true_deltas, 1 / (w5 + w6), rtol=1e-12)
    transposed = blame_hidden_deltas(net, x, y, rule="transposed")
    np.testing.assert_allclose(transposed.hidden_deltas, true_deltas, rtol=1e-12)  # logistic cost: exact
    # one negative weight: the proportional rule flips both signs and is ten times too large
    flipped = net.replace(weights=[net.weights[0], [[w5, -w6]]])
    ratio = blame_hidden_deltas(flipped, x, y).hidden_deltas / flipped.gradients(x, y).deltas[0]
    np.testing.assert_allclose(ratio, 1 / (w5 - w6), rtol=1e-12)
    assert np.all(ratio < -9)


@settings(max_examples=40, deadline=None)
@given(sizes=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3)), seed=st.integers(0, 2**32 - 1),
       hidden=st.sampled_from(["sigmoid", "tanh"]))
def test_transposed_blame_is_backprop_for_the_logistic_cost_only(sizes, seed, hidden):
    rng = np.random.default_rng(seed)
    n_in, n_hidden, n_out = sizes
    weights = [rng.normal(size=(n_hidden, n_in)), rng.normal(size=(n_out, n_hidden))]
    x, y = rng.normal(size=n_in), rng.uniform(size=n_out)
    logistic = Network(weights, None, (hidden, "sigmoid"), "cross_entropy")
    blame = blame_hidden_deltas(logistic, x, y, rule="transposed")
    np.testing.assert_allclose(blame.hidden_deltas, logistic.gradients(x, y).deltas[0], rtol=1e-10, atol=1e-15)
    # the squared error: the same rule lacks the output slope y_hat (1 - y_hat), written out here by hand
    squared = Network(weights, None, (hidden, "sigmoid"), "mse")
    trace = squared.forward(x)
    y_hat = trace.z[1]
    slope = 1 - trace.z[0] ** 2 if hidden == "tanh" else trace.z[0] * (1 - trace.z[0])
    without = ((y_hat - y) @ np.asarray(weights[1])) * slope
    with_slope = ((y_hat - y) * y_hat * (1 - y_hat)) @ np.asarray(weights[1]) * slope
    np.testing.assert_allclose(blame_hidden_deltas(squared, x, y, rule="transposed").hidden_deltas, without,
                               rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(squared.gradients(x, y).deltas[0], with_slope, rtol=1e-10, atol=1e-15)


def test_blame_refuses_a_zero_sum_and_unknown_rules(example):
    net, x, y, _ = example
    w5 = net.weights[1][0, 0]
    balanced = net.replace(weights=[net.weights[0], [[w5, -w5]]])
    with pytest.raises(ValueError, match=r"^net: the weights into output 1 sum to 0"):
        blame_hidden_deltas(balanced, x, y)
    assert np.all(np.isfinite(blame_hidden_deltas(balanced, x, y, rule="transposed").hidden_deltas))
    with pytest.raises(ValueError, match=r"^rule: expected one of"):
        blame_hidden_deltas(net, x, y, rule="W^T e")


# ---------------------------------------------------------------------------
# Multiplications: backpropagation against one wiggle per weight
# ---------------------------------------------------------------------------


class Counter:
    """Scalar arithmetic that counts its multiplications."""

    def __init__(self):
        self.count = 0

    def mul(self, a, b):
        self.count += 1
        return a * b


def counted_backprop(weights, x, y):
    """Backpropagation written with scalar loops (sigmoid layers, logistic cost), every product counted.

    Returns (gradients, forward count, backward count)."""
    forward, backward = Counter(), Counter()
    activations = [list(x)]
    for w in weights:
        sums = [sum(forward.mul(w[j][i], activations[-1][i]) for i in range(len(w[0]))) for j in range(len(w))]
        activations.append([1 / (1 + math.exp(-a)) for a in sums])  # exp not counted
    delta = [z - t for z, t in zip(activations[-1], y)]  # y_hat - y: no product
    gradients = [None] * len(weights)
    for layer in range(len(weights) - 1, -1, -1):
        below = activations[layer]
        gradients[layer] = [[backward.mul(d, z) for z in below] for d in delta]
        if layer:
            w = weights[layer]
            dE_dz = [sum(backward.mul(w[k][h], delta[k]) for k in range(len(delta))) for h in range(len(below))]
            delta = [backward.mul(g, backward.mul(z, 1 - z)) for g, z in zip(dE_dz, below)]
    return gradients, forward.count, backward.count


@pytest.mark.parametrize("sizes", [(2, 2, 1), (3, 4, 2), (2, 3, 3, 1), (5, 1, 4), (1, 1)])
def test_multiplication_counts_match_a_counted_backprop(sizes):
    rng = np.random.default_rng(len(sizes) * 100 + sum(sizes))
    weights = [rng.normal(size=(n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    x, y = rng.normal(size=sizes[0]), rng.uniform(size=sizes[-1])
    gradients, forward, backward = counted_backprop([w.tolist() for w in weights], x, y)
    expected = Network(weights, None, "sigmoid", "cross_entropy").gradients(x, y).weights
    for mine, theirs in zip(gradients, expected):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-15)  # the counted code is backprop
    counts = multiplication_counts(sizes)
    assert isinstance(counts, MultiplicationCount)
    assert (counts.forward, counts.backward) == (forward, backward)
    assert counts.weights == sum(w.size for w in weights)
    assert counts.backprop == forward + backward
    assert counts.finite_differences == counts.weights * forward  # one forward pass per weight


def test_multiplication_counts_of_the_lesson_networks():
    office = multiplication_counts((2, 2, 1))
    # the lesson's scalar formulas: a1, a2, a3 (2 each); dw5, dw6; dE/dz, z(1 - z), delta per hidden neuron; dw1..dw4
    assert (office.weights, office.forward, office.backward) == (6, 6, 2 + 3 * 2 + 4)
    assert (office.backprop, office.finite_differences) == (18, 36)
    mnist = multiplication_counts([784, 100, 10])
    assert mnist.weights == 79_400 and mnist.backprop == 2 * 79_400 + 100 * 10 + 200
    assert mnist.finite_differences == 79_400**2
    assert multiplication_counts(np.array([2, 2, 1])) == office


@pytest.mark.parametrize("bad", [(2,), (), (2, 0, 1), (2, True, 1), (2, 1.5, 1), "221", None, 5])
def test_multiplication_counts_refuse_bad_sizes(bad):
    with pytest.raises(ValueError, match=r"^layer_sizes: expected"):
        multiplication_counts(bad)


# ---------------------------------------------------------------------------
# Bad input names the argument
# ---------------------------------------------------------------------------


def test_bad_input_is_refused_with_the_argument_named(example):
    net, x, y, lr = example
    two_two_two, *_ = two_two_two_example()
    with pytest.raises(ValueError, match=r"^net: expected the office-hours network"):
        notes_backprop_step(two_two_two, x, y, lr)
    with pytest.raises(ValueError, match=r"^net: expected a Network"):
        notes_backprop_step("net", x, y, lr)
    with pytest.raises(ValueError, match=r"^x: expected one example"):
        notes_backprop_step(net, np.array([x, x]), y, lr)
    with pytest.raises(ValueError, match=r"^y:"):
        notes_backprop_step(net, x, [2.0], lr)
    with pytest.raises(ValueError, match=r"^lr:"):
        notes_backprop_step(net, x, y, 0.0)
    with pytest.raises(ValueError, match=r"^a3_decimals:"):
        notes_backprop_step(net, x, y, lr, a3_decimals=True)
    deep = Network([np.eye(2), np.eye(2), np.ones((1, 2))], None, "sigmoid", "cross_entropy")
    with pytest.raises(ValueError, match=r"^net: expected one hidden layer"):
        hidden_gradient_by_paths(deep, x, y)
    with pytest.raises(ValueError, match=r"^x: expected one example"):
        stream_output_gradient(net, np.array([x, x]), np.array([y, y]))
    assert isinstance(notes_backprop_step(net, x, y, lr), NotesStep)


def test_paths_work_with_a_softmax_output():
    # the softmax's Jacobian cancels against categorical cross-entropy, as the sigmoid's slope does for
    # the logistic cost: the path sums still land on backprop
    from helpers import Network

    net = Network([np.array([[0.1, -0.3], [0.4, 0.2]]), np.array([[0.5, -0.6], [0.3, 0.8], [-0.2, 0.1]])],
                  activations=("tanh", "softmax"), cost="categorical_cross_entropy")
    x, y = np.array([0.7, -1.2]), np.array([0.0, 1.0, 0.0])
    paths = hidden_gradient_by_paths(net, x, y)
    np.testing.assert_allclose(paths.weights, net.gradients(x, y).weights[0], rtol=1e-12)
