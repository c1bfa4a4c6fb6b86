"""The first layer's gain in deep sigmoid networks: defined as documented, bounded by 0.25^depth."""

import numpy as np
import pytest

from helpers import depth as D
from helpers import sigmoid


def test_random_network_shape_and_unit_norm():
    net, x, y = D.random_sigmoid_network(3, width=4, seed=1)
    assert net.layer_sizes == (4, 4, 4, 4, 1)
    for w in net.weights:
        assert np.linalg.norm(w, 2) == pytest.approx(1.0, rel=1e-12)
    assert x.shape == (4,) and y[0] in (0.0, 1.0)
    again, _, _ = D.random_sigmoid_network(3, width=4, seed=1)
    assert again == net


def test_gain_is_the_share_of_the_output_error_at_the_first_layer():
    net, x, y = D.random_sigmoid_network(1, width=3, seed=7, weights="normal")
    # by hand: delta_out = y_hat - y, delta_1 = delta_out * W_out * sigma'(a_1)
    a1 = net.weights[0] @ x
    y_hat = sigmoid(net.weights[1] @ sigmoid(a1))[0]
    delta_1 = (y_hat - y[0]) * net.weights[1][0] * sigmoid(a1) * (1 - sigmoid(a1))
    expected = np.linalg.norm(np.outer(delta_1, x)) / (abs(y_hat - y[0]) * np.linalg.norm(x))
    assert D.first_layer_gain(net, x, y) == pytest.approx(expected, rel=1e-12)


def test_unit_norm_gains_never_exceed_the_bound():
    m = D.measure_depths(depths=range(1, 7), seeds=range(40))
    assert m.gains.shape == (6, 40)
    assert np.all(m.gains <= m.bound[:, None])
    assert np.all(np.diff(m.quantile(0.5)) < 0)  # the median shrinks with every layer
    assert 0 < m.shrink_per_layer < 0.25


def test_normal_weights_can_beat_the_bound_but_still_shrink():
    m = D.measure_depths(depths=range(1, 7), seeds=range(40), weights="normal")
    assert np.any(m.gains > m.bound[:, None])
    assert m.quantile(0.5)[-1] < m.quantile(0.5)[0] / 100


def test_measurements_are_reproducible_and_independent_of_the_depth_list():
    a = D.measure_depths(depths=[2, 3], seeds=range(5))
    b = D.measure_depths(depths=[3], seeds=range(5))
    np.testing.assert_array_equal(a.gains[1], b.gains[0])


@pytest.mark.parametrize("kwargs, match", [
    ({"depth": 0}, "^depth:"), ({"depth": 2.5}, "^depth:"), ({"depth": 2, "width": 0}, "^width:"),
    ({"depth": 2, "weights": "xavier"}, "^weights:"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        D.random_sigmoid_network(**kwargs)
    with pytest.raises(ValueError, match="^depths, seeds:"):
        D.measure_depths(depths=[], seeds=range(3))


def test_mean_slopes_are_sigmoid_slopes_and_smaller_with_larger_weights():
    unit = D.measure_depths(depths=[3], seeds=range(30))
    normal = D.measure_depths(depths=[3], seeds=range(30), weights="normal")
    assert np.all((unit.slopes > 0) & (unit.slopes <= 0.25))
    assert normal.slopes.mean() < unit.slopes.mean()
    net, x, y = D.random_sigmoid_network(3, 4, [0, 3])
    z = np.concatenate(net.forward(x).z[:-1])
    assert unit.slopes[0, 0] == pytest.approx(np.mean(z * (1 - z)))
