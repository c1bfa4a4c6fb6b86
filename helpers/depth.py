"""How much of the output's error reaches the first layer of a deep sigmoid network (numpy only).

Backpropagation multiplies the error by one weight matrix and one sigmoid slope per layer on its way
back: delta_l = (delta_{l+1} W_{l+1}) * sigma'(a_l). Since sigma' <= 1/4, a layer whose weights do not
amplify (spectral norm at most 1) passes on at most a quarter of the error it receives, so after
``depth`` such layers at most 0.25**depth of it is left.

``measure_depths`` builds seeded random networks ``width`` inputs -> ``depth`` sigmoid layers of
``width`` neurons -> 1 sigmoid output (logistic cost, no biases) with ``helpers.Network`` and records,
for one example each, the first layer's **gain**

    gain = |dE/dW_first| / (|dE/da_out| * |x|)

(Frobenius and Euclidean norms). With one example dE/dW_first = delta_first^T x, so the gain is
|delta_first| / |delta_out|: the share of the output's error signal that reaches the first layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Network

__all__ = ["DepthMeasurement", "first_layer_gain", "measure_depths", "random_sigmoid_network"]

#: How a random network's weights are drawn: "unit_norm" rescales each matrix to spectral norm 1 (the
#: bound 0.25**depth then holds for every network); "normal" keeps N(0, 1) entries, which may amplify.
WEIGHT_KINDS = ("unit_norm", "normal")


def random_sigmoid_network(depth, width=4, seed=0, weights="unit_norm"):
    """(net, x, y): ``width`` inputs, ``depth`` hidden sigmoid layers of ``width``, one sigmoid output.

    Entries N(0, 1), seeded; "unit_norm" divides each matrix by its largest singular value. The input x
    is N(0, 1) and the target 0 or 1, from the same seed.
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth: expected a whole number of hidden layers >= 1, got {depth!r}")
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width: expected a whole number of neurons per layer >= 1, got {width!r}")
    if weights not in WEIGHT_KINDS:
        raise ValueError(f"weights: expected one of {WEIGHT_KINDS}, got {weights!r}")
    rng = np.random.default_rng(seed)
    shapes = [(width, width)] * depth + [(1, width)]
    matrices = [rng.normal(0.0, 1.0, shape) for shape in shapes]
    if weights == "unit_norm":
        matrices = [w / np.linalg.norm(w, 2) for w in matrices]
    x = rng.normal(0.0, 1.0, width)
    y = np.array([float(rng.integers(0, 2))])
    return Network(matrices, None, "sigmoid", "cross_entropy"), x, y


def first_layer_gain(net, x, y):
    """|dE/dW_first| / (|dE/da_out| |x|) for one example: the share of the output's error left at layer 1."""
    g = net.gradients(x, y)
    out_error = float(np.linalg.norm(g.deltas[-1]))
    size_of_x = float(np.linalg.norm(x))
    if out_error == 0 or size_of_x == 0:
        raise ValueError("x, y: the output error and the input must be non-zero to measure a gain")
    return float(np.linalg.norm(g.weights[0])) / (out_error * size_of_x)


@dataclass(frozen=True)
class DepthMeasurement:
    """Gains of many seeded networks per depth: ``gains[i, j]`` for ``depths[i]`` and seed ``seeds[j]``."""

    depths: np.ndarray
    seeds: np.ndarray
    width: int
    weights: str
    gains: np.ndarray
    slopes: np.ndarray  # per network, the mean sigma'(a) over its hidden neurons


    @property
    def bound(self):
        """0.25**depth: the most a chain of non-amplifying sigmoid layers can pass on."""
        return 0.25 ** self.depths.astype(float)

    def quantile(self, q):
        """The q-quantile of the gains at each depth (0.5: the median)."""
        return np.quantile(self.gains, q, axis=1)

    @property
    def largest(self):
        return self.gains.max(axis=1)

    @property
    def shrink_per_layer(self):
        """The median gain's factor from one depth to the next, as a geometric mean over the depths measured."""
        median = np.log(self.quantile(0.5))
        steps = np.diff(self.depths.astype(float))
        return float(np.exp(np.sum(np.diff(median)) / np.sum(steps)))


def measure_depths(depths=range(1, 13), width=4, seeds=range(200), weights="unit_norm"):
    """The first layer's gain for every depth and seed (see the module docstring)."""
    depths = np.asarray(list(depths), dtype=int)
    seeds = np.asarray(list(seeds), dtype=int)
    if depths.size == 0 or seeds.size == 0:
        raise ValueError("depths, seeds: expected at least one of each")
    gains = np.empty((depths.size, seeds.size))
    slopes = np.empty_like(gains)
    for i, depth in enumerate(depths):
        for j, seed in enumerate(seeds):
            # one seed stream per (depth, seed), so adding depths never changes the others' networks
            net, x, y = random_sigmoid_network(int(depth), width, [int(seed), int(depth)], weights)
            gains[i, j] = first_layer_gain(net, x, y)
            hidden = np.concatenate(net.forward(x).z[:-1])  # sigma' = z (1 - z) of every hidden neuron
            slopes[i, j] = float(np.mean(hidden * (1 - hidden)))
    return DepthMeasurement(depths, seeds, int(width), weights, gains, slopes)
