"""helpers.backward_walk: the backward pass of one example as chain-rule steps.

The walk's final numbers are compared with Network.gradients using ==, not a tolerance: the walk
promises the same numbers, so a single rounding difference fails these tests.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import (
    ACTIVATIONS,
    Network,
    chain_example,
    office_hours_example,
    parameter_names,
    sigmoid,
    two_two_two_example,
)
from helpers.backward_walk import STEP_KINDS, Walk, WalkStep, backward_walk, neuron_names


def gradient_of(g, where):
    kind, layer, row, col = where
    return g.weights[layer][row, col] if kind == "weight" else g.biases[layer][row]


def assert_walk_lands_on_gradients(net, x, y, numbering="by_sender"):
    """Every weight and bias has exactly one gradient step, equal (==) to net.gradients."""
    walk = backward_walk(net, x, y, numbering)
    g = net.gradients(x, y)
    names = parameter_names(net, numbering)
    counted = [step.parameter for step in walk if step.parameter is not None]
    assert sorted(counted) == sorted(names) and len(counted) == len(set(counted))
    for name, value in walk.gradient_steps().items():
        assert value == gradient_of(g, names[name]), (name, value, gradient_of(g, names[name]))
    # the deltas too: each δ step is the δ of Network.gradients
    deltas = {step.highlight[1:]: step.value for step in walk if step.kind in ("output_delta", "hidden_delta")}
    for l, d in enumerate(g.deltas):
        for i, value in enumerate(np.ravel(d)):
            assert deltas[(l + 1, i)] == value, (l, i)
    return walk


def assert_highlights_exist(net, walk):
    sizes = net.layer_sizes
    for step in walk:
        h = step.highlight
        if h[0] == "cost":
            assert h == ("cost",)
        elif h[0] == "node":
            _, layer, index = h
            assert 0 <= layer < len(sizes) and 0 <= index < sizes[layer], h
        elif h[0] == "edge":
            _, layer, row, col = h
            assert 0 <= layer < len(net.weights) and (row, col) < net.weights[layer].shape, h
            assert 0 <= row < net.weights[layer].shape[0] and 0 <= col < net.weights[layer].shape[1], h
        elif h[0] == "bias":
            _, layer, row = h
            assert net.biases[layer] is not None and 0 <= row < net.biases[layer].shape[0], h
        else:
            raise AssertionError(f"unknown highlight {h}")


# ---------------------------------------------------------------------------
# The office-hours network
# ---------------------------------------------------------------------------


def test_office_hours_walk_order_and_numbers():
    net, x, y, _ = office_hours_example()
    walk = assert_walk_lands_on_gradients(net, x, y)
    assert [q for q, _ in walk.pairs()] == [
        "E", "∂E/∂ŷ", "δ3 = ∂E/∂a3", "∂E/∂w5", "∂E/∂w6",
        "∂E/∂z1", "δ1 = ∂E/∂a1", "∂E/∂w1", "∂E/∂w3",
        "∂E/∂z2", "δ2 = ∂E/∂a2", "∂E/∂w2", "∂E/∂w4",
    ]
    assert [s.kind for s in walk] == [
        "cost", "cost_derivative", "output_delta", "weight_gradient", "weight_gradient",
        "path", "hidden_delta", "weight_gradient", "weight_gradient",
        "path", "hidden_delta", "weight_gradient", "weight_gradient",
    ]
    # the first numbers, from the diagram: a1 = w3, a2 = w4 (x1 = 0, x2 = 1), a3 = z1 w5 + z2 w6
    z1, z2 = float(sigmoid(0.3)), float(sigmoid(0.4))
    y_hat = float(sigmoid(z1 * 0.5 + z2 * 0.6))
    assert walk.cost == walk[0].value == pytest.approx(-math.log(y_hat), rel=1e-14)
    assert walk[1].value == pytest.approx(-1 / y_hat, rel=1e-14)  # -y/ŷ + (1-y)/(1-ŷ) with y = 1
    assert walk[2].value == y_hat - 1.0  # δ3 = ŷ - y exactly, the cancelled form
    assert walk[2].factor == "σ′(a3) = ŷ(1 − ŷ)" and walk[2].factor_value == pytest.approx(y_hat * (1 - y_hat))
    assert "ŷ − y" in walk[2].expression and "cancels" in walk[2].note
    assert walk[3].value == (y_hat - 1.0) * z1 and walk[3].factor_value == z1 and walk[3].parameter == "w5"
    assert walk[3].expression.startswith("δ3 · z1 = −0.3438 × 0.5744")
    assert walk[5].factor == "∂a3/∂z1 = w5 (before the update)" and walk[5].factor_value == 0.5
    assert walk[6].factor == "σ′(a1) = z1(1 − z1)" and walk[6].factor_value == pytest.approx(z1 * (1 - z1))
    assert walk[7].value == 0 and walk[8].factor == "∂a1/∂w3 = x2"
    assert walk[0].highlight == ("cost",) and walk[1].highlight == walk[2].highlight == ("node", 2, 0)
    assert walk[3].highlight == ("edge", 1, 0, 0) and walk[4].highlight == ("edge", 1, 0, 1)
    assert walk[5].highlight == ("edge", 1, 0, 0) and walk[6].highlight == ("node", 1, 0)
    assert walk[8].highlight == ("edge", 0, 0, 1)  # w3: x2 -> h1 is W1[0, 1]
    assert list(walk.gradient_steps()) == ["w1", "w2", "w3", "w4", "w5", "w6"]
    assert walk.pairs() == [(s.quantity, s.value) for s in walk.steps]
    assert len(walk.table().splitlines()) == len(walk)
    assert_highlights_exist(net, walk)


def test_walk_steps_are_frozen_and_kinds_are_documented():
    net, x, y, _ = office_hours_example()
    walk = backward_walk(net, x, y)
    assert isinstance(walk, Walk) and all(isinstance(s, WalkStep) for s in walk)
    with pytest.raises(AttributeError):
        walk[0].value = 1.0
    assert {s.kind for s in walk} <= set(STEP_KINDS)


def test_paths_use_the_weights_before_the_update():
    net, x, y, lr = office_hours_example()
    walk = backward_walk(net, x, y)
    after = net.step(x, y, lr)
    paths = [s for s in walk if s.kind == "path"]
    assert [s.factor_value for s in paths] == [0.5, 0.6]
    assert all(s.factor_value != after.weights[1][0, s.highlight[3]] for s in paths)


# ---------------------------------------------------------------------------
# The 2-2-2 network: two outputs, biases, two paths per hidden neuron
# ---------------------------------------------------------------------------


def test_two_two_two_walk_sums_paths_and_gives_bias_gradients():
    net, x, y, _ = two_two_two_example()
    walk = assert_walk_lands_on_gradients(net, x, y, "by_receiver")
    assert_highlights_exist(net, walk)
    quantities = [q for q, _ in walk.pairs()]
    assert quantities[:11] == ["E", "∂E/∂ŷ1", "δ3 = ∂E/∂a3", "∂E/∂w5", "∂E/∂w6", "∂E/∂b2_1",
                               "∂E/∂ŷ2", "δ4 = ∂E/∂a4", "∂E/∂w7", "∂E/∂w8", "∂E/∂b2_2"]
    assert quantities[11:18] == ["∂E/∂z1 via a3", "∂E/∂z1 via a4", "∂E/∂z1", "δ1 = ∂E/∂a1",
                                 "∂E/∂w1", "∂E/∂w2", "∂E/∂b1_1"]
    g = net.gradients(x, y)
    d3, d4 = g.deltas[1]
    by_quantity = dict(walk.pairs())
    assert by_quantity["∂E/∂ŷ1"] == net.forward(x).output[0] - 0.01  # mse: ŷ − y
    assert by_quantity["∂E/∂z1 via a3"] == d3 * 0.40 and by_quantity["∂E/∂z1 via a4"] == d4 * 0.50
    assert by_quantity["∂E/∂z2 via a3"] == d3 * 0.45 and by_quantity["∂E/∂z2 via a4"] == d4 * 0.55
    for j in (1, 2):
        total = by_quantity[f"∂E/∂z{j}"]
        paths = [by_quantity[f"∂E/∂z{j} via a{k}"] for k in (3, 4)]
        assert total == pytest.approx(math.fsum(paths), rel=1e-15, abs=0)
        assert total != pytest.approx(paths[0] * paths[1], rel=1e-3)  # a sum, not the product (source 003's slip)
    sums = [s for s in walk if s.kind == "sum_of_paths"]
    assert len(sums) == 2 and sums[0].factor_value is None and "one product per path" in sums[0].note
    assert sums[0].expression.startswith("δ3 · w5 + δ4 · w7 = ")
    assert sums[0].highlight == ("node", 1, 0)
    biases = [s for s in walk if s.kind == "bias_gradient"]
    assert [s.parameter for s in biases] == ["b2_1", "b2_2", "b1_1", "b1_2"]
    assert [s.value for s in biases] == [*g.biases[1], *g.biases[0]]
    assert all(s.factor_value == 1.0 and "fixed at 1" in s.note for s in biases)
    assert biases[0].highlight == ("bias", 1, 0) and biases[3].highlight == ("bias", 0, 1)
    # the well-known walk-through's numbers for this network
    assert walk.gradient_steps()["w5"] == pytest.approx(0.082167041, abs=1e-9)
    assert walk.gradient_steps()["w1"] == pytest.approx(0.000438568, abs=1e-9)


# ---------------------------------------------------------------------------
# The chain of the slides: one neuron per layer, linear output
# ---------------------------------------------------------------------------


def test_chain_walk_has_one_path_per_neuron():
    net, x, y, _ = chain_example()
    walk = assert_walk_lands_on_gradients(net, x, y)
    assert_highlights_exist(net, walk)
    assert [q for q, _ in walk.pairs()] == [
        "E", "∂E/∂ŷ", "δ3 = ∂E/∂a3", "∂E/∂w3", "∂E/∂z2", "δ2 = ∂E/∂a2", "∂E/∂w2", "∂E/∂z1", "δ1 = ∂E/∂a1", "∂E/∂w1",
    ]
    assert not [s for s in walk if s.kind == "sum_of_paths"]
    assert walk[2].factor == "f′(a3) = 1 (linear)" and walk[2].factor_value == 1.0
    assert walk[2].value == walk[1].value == net.forward(x).output[0] - 0.7
    assert walk[-1].factor == "∂a1/∂w1 = x1" and walk[-1].factor_value == 2.0


# ---------------------------------------------------------------------------
# Random networks
# ---------------------------------------------------------------------------

HIDDEN = sorted(name for name in ACTIVATIONS if name != "softmax")
OUTPUTS = [("sigmoid", "cross_entropy"), ("softmax", "categorical_cross_entropy")] + [(name, "mse") for name in HIDDEN]


@st.composite
def walk_cases(draw):
    n_hidden = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 4), min_size=n_hidden + 2, max_size=n_hidden + 2))
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=n_hidden, max_size=n_hidden))
    output, cost = draw(st.sampled_from(OUTPUTS))
    if output == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    with_bias = draw(st.none() | st.lists(st.booleans(), min_size=n_hidden + 1, max_size=n_hidden + 1))
    return sizes, tuple(hidden) + (output,), cost, with_bias, draw(st.integers(0, 2**32 - 1)), draw(
        st.sampled_from([0.3, 1.0, 3.0]))


def build(sizes, activations, cost, with_bias, seed, scale):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, scale, (n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = None if with_bias is None else [
        rng.normal(0, scale, n) if on else None for n, on in zip(sizes[1:], with_bias)]
    x = rng.normal(0, 1, sizes[0])
    if cost == "cross_entropy":
        y = rng.uniform(0, 1, sizes[-1])
    elif cost == "mse":
        y = rng.normal(0, 1, sizes[-1])
    else:
        y = np.eye(sizes[-1])[rng.integers(sizes[-1])]
    return Network(weights, biases, activations, cost), x, y


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=walk_cases())
def test_random_networks_walk_lands_on_gradients(case):
    net, x, y = build(*case)
    walk = assert_walk_lands_on_gradients(net, x, y)
    assert_highlights_exist(net, walk)
    sizes = net.layer_sizes
    kinds = [s.kind for s in walk]
    assert kinds[0] == "cost" and kinds.count("cost_derivative") == sizes[-1]
    hidden_layers = range(1, len(sizes) - 1)
    assert kinds.count("path") == sum(sizes[l] * sizes[l + 1] for l in hidden_layers)
    assert kinds.count("sum_of_paths") == sum(sizes[l] for l in hidden_layers if sizes[l + 1] > 1)
    assert kinds.count("hidden_delta") == sum(sizes[l] for l in hidden_layers)
    # every ∂E/∂z is the sum of its path products (one product, or a sum for several receivers)
    steps = list(walk)
    for i, step in enumerate(steps):
        if step.kind == "hidden_delta":
            receivers = sizes[step.highlight[1] + 1]
            if receivers > 1:
                paths, total = steps[i - 1 - receivers:i - 1], steps[i - 1]
                assert total.kind == "sum_of_paths"
                assert total.value == pytest.approx(math.fsum(p.value for p in paths), rel=1e-12, abs=1e-300)
            else:
                paths = steps[i - 1:i]
            assert [p.kind for p in paths] == ["path"] * receivers
            assert all(p.value == p.factor_value * steps_delta(walk, p) for p in paths)
    assert all("-" not in s.expression and "nan" not in s.expression.lower() for s in walk)


def steps_delta(walk, path_step):
    """δ of the receiver a path step goes through (its highlight is the edge receiver <- sender)."""
    _, layer, row, _ = path_step.highlight
    deltas = [s for s in walk if s.kind in ("output_delta", "hidden_delta")]
    return next(s.value for s in deltas if s.highlight == ("node", layer + 1, row))


def test_single_layer_network_has_no_hidden_steps():
    net = Network([[[0.5, -1.0, 2.0]]], [[0.1]], "sigmoid", "cross_entropy")
    x, y = np.array([1.0, 2.0, -0.5]), np.array([0.0])
    walk = assert_walk_lands_on_gradients(net, x, y)
    assert [q for q, _ in walk.pairs()] == ["E", "∂E/∂ŷ", "δ1 = ∂E/∂a1", "∂E/∂w1", "∂E/∂w2", "∂E/∂w3", "∂E/∂b1_1"]
    assert walk[3].factor == "∂a1/∂w1 = x1"


def test_relu_and_tanh_slopes_are_named():
    net = Network([[[1.0], [-1.0]], [[0.5, 0.5]]], None, ("relu", "tanh"), "mse")
    walk = assert_walk_lands_on_gradients(net, np.array([1.0]), np.array([0.3]))
    slopes = {s.quantity: s.factor for s in walk if s.kind in ("output_delta", "hidden_delta")}
    assert slopes == {"δ3 = ∂E/∂a3": "tanh′(a3) = 1 − ŷ²", "δ1 = ∂E/∂a1": "relu′(a1) = 1, as a1 > 0",
                      "δ2 = ∂E/∂a2": "relu′(a2) = 0, as a2 ≤ 0"}


def test_softmax_walk_collapses_the_jacobian():
    rng = np.random.default_rng(3)
    net = Network([rng.normal(size=(3, 2)), rng.normal(size=(3, 3))], None, ("tanh", "softmax"),
                  "categorical_cross_entropy")
    x, y = np.array([0.2, -0.7]), np.array([0.0, 1.0, 0.0])
    walk = assert_walk_lands_on_gradients(net, x, y)
    kinds = [s.kind for s in walk]
    assert kinds[:5] == ["cost", "cost_derivative", "cost_derivative", "cost_derivative", "output_delta"]
    y_hat = net.forward(x).output
    assert [s.value for s in walk if s.kind == "output_delta"] == list(y_hat - y)
    assert "Jacobian" in walk[4].factor and walk[4].factor_value is None


# ---------------------------------------------------------------------------
# Saturation and bad input
# ---------------------------------------------------------------------------


def test_saturated_output_shows_inf_and_still_lands():
    """ŷ rounds to 1 against y = 0: ∂E/∂ŷ is inf, shown as such; δ = ŷ − y = 1 is exact."""
    net = Network([[[50.0]]], None, "sigmoid", "cross_entropy")
    walk = assert_walk_lands_on_gradients(net, np.array([1.0]), np.array([0.0]))
    assert walk[1].value == math.inf and "inf" in walk[1].expression and "rounds to 1" in walk[1].note
    assert walk[2].value == 1.0


def test_one_example_as_a_row_is_the_same_walk():
    net, x, y, _ = office_hours_example()
    assert backward_walk(net, x[None, :], y).pairs() == backward_walk(net, x, y).pairs()


def test_by_receiver_numbering_names_weights_the_other_way():
    net, x, y, _ = office_hours_example()
    walk = backward_walk(net, x, y, "by_receiver")
    assert [s.parameter for s in walk if s.parameter] == ["w5", "w6", "w1", "w2", "w3", "w4"]


@pytest.mark.parametrize("bad, match", [
    (dict(x=np.zeros((3, 2))), r"^x: expected one example.*batch"),
    (dict(x=np.zeros(3)), r"^x:"),
    (dict(x=[0.0, float("nan")]), r"^x:"),
    (dict(y=np.array([1.0, 0.0])), r"^y:"),
    (dict(y=np.array([2.0])), r"^y:"),
    (dict(net="not a network"), r"^net:"),
    (dict(numbering="by_row"), r"^numbering:"),
])
def test_bad_input_names_the_argument(bad, match):
    net, x, y, _ = office_hours_example()
    arguments = {"net": net, "x": x, "y": y, "numbering": "by_sender", **bad}
    with pytest.raises(ValueError, match=match):
        backward_walk(**arguments)


def test_neuron_names_follow_the_diagrams():
    assert neuron_names((2, 2, 1)) == (("x1", "x2"), ((("a1", "z1"), ("a2", "z2")), (("a3", "ŷ"),)))
    assert neuron_names((2, 2, 2))[1][1] == (("a3", "ŷ1"), ("a4", "ŷ2"))


@pytest.mark.parametrize("sizes", [(2, 2, 1), (2, 2, 2), (1, 1, 1, 1), (3, 4, 2, 3)])
def test_neuron_names_match_the_diagram_labels(sizes):
    from helpers.draw import node_labels  # matplotlib: only this test needs it

    inputs, layers = node_labels(sizes)
    assert neuron_names(sizes) == (tuple(inputs), tuple(tuple(layer) for layer in layers))
