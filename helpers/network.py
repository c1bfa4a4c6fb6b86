"""A small fully connected network, its cost and its gradients by backpropagation.

Notation (the office-hours notation, used in every lesson):

    a[l] = z[l-1] @ W[l].T + b[l]      pre-activation of layer l   (z[-1] is the input x)
    z[l] = f_l(a[l])                   activation of layer l       (z[L-1] is y_hat)

``W[l]`` has shape ``(n_out, n_in)``: row = receiving neuron, column = sending neuron.
Layers are counted from 0 in code; lessons call them layer 1, 2, ... .

Only numpy is imported here: drawing and widgets live elsewhere and read from this.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "Gradients",
    "Network",
    "Trace",
    "cost_surface",
    "get_parameter",
    "parameter_names",
    "set_parameter",
    "sigmoid",
    "softplus",
]


# ---------------------------------------------------------------------------
# Activations: f(a) and f'(a)
# ---------------------------------------------------------------------------


def sigmoid(a):
    """Logistic sigmoid 1 / (1 + e^(-a)), evaluated without overflow.

    e^(-|a|) is at most 1, so neither branch can overflow for any finite a.
    """
    a = np.asarray(a, dtype=float)
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(a):
    """log(1 + e^a) = max(a, 0) + log(1 + e^(-|a|)): finite for every finite a."""
    a = np.asarray(a, dtype=float)
    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))


def _sigmoid_prime(a):
    s = sigmoid(a)
    return s * (1.0 - s)  # sigma' = sigma (1 - sigma), from the value already computed


def _tanh_prime(a):
    return 1.0 - np.tanh(a) ** 2


def _relu(a):
    return np.maximum(a, 0.0)


def _relu_prime(a):
    # The derivative at exactly 0 is undefined; we take 0 there (as PyTorch does).
    return (np.asarray(a) > 0).astype(float)


def _identity(a):
    return np.asarray(a, dtype=float)


def _one(a):
    return np.ones_like(np.asarray(a, dtype=float))


#: name -> (f, f') with both taking the pre-activation a.
ACTIVATIONS = {
    "sigmoid": (sigmoid, _sigmoid_prime),
    "tanh": (np.tanh, _tanh_prime),
    "relu": (_relu, _relu_prime),
    "linear": (_identity, _one),
}

#: cost name -> one-line formula (per example, summed over output units).
COSTS = {
    "cross_entropy": "E = -[y ln(y_hat) + (1 - y) ln(1 - y_hat)]  (natural log, sigmoid output)",
    "mse": "E = 0.5 * sum (y_hat - y)^2",
}


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Trace:
    """Everything the forward pass computed, kept for the backward pass.

    ``a[l]`` is the pre-activation and ``z[l]`` the activation of layer l;
    ``x`` is the input and ``output`` (= ``z[-1]``) is y_hat. Arrays are 1-D for a
    single example and ``(batch, n)`` for a batch, like the ``x`` passed in.
    """

    x: np.ndarray
    a: tuple
    z: tuple

    @property
    def output(self):
        return self.z[-1]


@dataclass(frozen=True)
class Gradients:
    """dE/dW[l], dE/db[l] (None for a layer without bias) and the deltas dE/da[l].

    For a batch, ``deltas[l][n]`` is the delta of example n's own cost; the weight
    and bias gradients are the batch mean, matching ``Network.cost``.
    """

    weights: tuple
    biases: tuple
    deltas: tuple


# ---------------------------------------------------------------------------
# Input checking: every message names the argument and what was expected
# ---------------------------------------------------------------------------


def _as_finite_array(value, name):
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name}: expected numbers, got the string {value!r}")
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: expected an array of numbers ({error})") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: expected finite numbers, found NaN or inf")
    array.flags.writeable = False  # a Network never changes after it is built
    return array


def _check_learning_rate(lr):
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise ValueError(f"lr: expected a positive finite number, got {lr!r}")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr: expected a positive finite number, got {lr!r}")
    return float(lr)


# ---------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------


class Network:
    """An immutable fully connected network with a cost.

    Parameters
    ----------
    weights : sequence of 2-D arrays, ``weights[l].shape == (n_out, n_in)``.
    biases : None (no bias anywhere) or one entry per layer: a 1-D array of
        length n_out, or None for a layer without bias.
    activations : one name per layer (or one name for all layers), from
        ``ACTIVATIONS``: "sigmoid", "tanh", "relu", "linear".
    cost : "cross_entropy" (natural log; needs a sigmoid output layer) or
        "mse" (0.5 * sum of squared errors). Both are averaged over a batch.
    """

    def __init__(self, weights, biases=None, activations="sigmoid", cost="cross_entropy"):
        if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)) or not weights:
            raise ValueError("weights: expected a non-empty list of 2-D arrays, one per layer")
        weights = tuple(_as_finite_array(w, f"weights[{l}]") for l, w in enumerate(weights))
        for l, w in enumerate(weights):
            if w.ndim != 2 or 0 in w.shape:
                raise ValueError(f"weights[{l}]: expected a non-empty 2-D array (n_out, n_in), got shape {w.shape}")
            if l and w.shape[1] != weights[l - 1].shape[0]:
                raise ValueError(
                    f"weights[{l}]: expected {weights[l - 1].shape[0]} columns (one per neuron of layer {l - 1}), "
                    f"got shape {w.shape}"
                )
        n_layers = len(weights)

        if biases is None:
            biases = (None,) * n_layers
        if isinstance(biases, np.ndarray) or not isinstance(biases, (list, tuple)) or len(biases) != n_layers:
            raise ValueError(f"biases: expected None or a list of {n_layers} entries (an array or None per layer)")
        checked_biases = []
        for l, b in enumerate(biases):
            if b is not None:
                b = _as_finite_array(b, f"biases[{l}]")
                if b.shape != (weights[l].shape[0],):
                    raise ValueError(f"biases[{l}]: expected shape ({weights[l].shape[0]},), got {b.shape}")
            checked_biases.append(b)

        if isinstance(activations, str):
            activations = (activations,) * n_layers
        if not isinstance(activations, (list, tuple)):
            raise ValueError(f"activations: expected a name or one name per layer, got {activations!r}")
        activations = tuple(activations)
        if len(activations) != n_layers:
            raise ValueError(f"activations: expected {n_layers} names (one per layer), got {len(activations)}")
        for l, name in enumerate(activations):
            if not isinstance(name, str) or name not in ACTIVATIONS:
                raise ValueError(f"activations[{l}]: expected one of {sorted(ACTIVATIONS)}, got {name!r}")

        if not isinstance(cost, str) or cost not in COSTS:
            raise ValueError(f"cost: expected one of {sorted(COSTS)}, got {cost!r}")
        if cost == "cross_entropy" and activations[-1] != "sigmoid":
            raise ValueError(
                f"cost: 'cross_entropy' needs a 'sigmoid' output layer (y_hat must be a probability), "
                f"got activations[{n_layers - 1}] = {activations[-1]!r}"
            )

        self._weights = weights
        self._biases = tuple(checked_biases)
        self._activations = activations
        self._cost_name = cost

    # -- read-only views ----------------------------------------------------

    weights = property(lambda self: self._weights, doc="Tuple of read-only weight matrices.")
    biases = property(lambda self: self._biases, doc="Tuple of read-only bias vectors (None where absent).")
    activations = property(lambda self: self._activations, doc="Activation name per layer.")
    cost_name = property(lambda self: self._cost_name, doc='"cross_entropy" or "mse".')

    @property
    def layer_sizes(self):
        """(n_in, n_hidden..., n_out)."""
        return (self._weights[0].shape[1],) + tuple(w.shape[0] for w in self._weights)

    def replace(self, weights=None, biases=None):
        """A new Network with other weights and/or biases and the same activations and cost."""
        return Network(
            self._weights if weights is None else weights,
            self._biases if biases is None else biases,
            self._activations,
            self._cost_name,
        )

    def __repr__(self):
        sizes = "-".join(map(str, self.layer_sizes))
        return f"Network({sizes}, activations={self._activations}, cost={self._cost_name!r})"

    def __eq__(self, other):
        if not isinstance(other, Network):
            return NotImplemented
        same_bias = all(
            (b is None and c is None) or (b is not None and c is not None and np.array_equal(b, c))
            for b, c in zip(self._biases, other._biases)
        )
        return (
            self._activations == other._activations
            and self._cost_name == other._cost_name
            and len(self._weights) == len(other._weights)
            and all(np.array_equal(w, v) for w, v in zip(self._weights, other._weights))
            and same_bias
        )

    __hash__ = None

    # -- inputs -------------------------------------------------------------

    def _check_x(self, x):
        x = _as_finite_array(x, "x")
        n_in = self.layer_sizes[0]
        if x.ndim == 1 and x.shape[0] == n_in:
            return x[None, :], True
        if x.ndim == 2 and x.shape[1] == n_in and x.shape[0] > 0:
            return x, False
        raise ValueError(f"x: expected shape ({n_in},) or (batch, {n_in}), got {x.shape}")

    def _check_y(self, y, batch, single):
        y = _as_finite_array(y, "y")
        n_out = self.layer_sizes[-1]
        if single and y.size == n_out and y.ndim <= 1:
            y = y.reshape(1, n_out)
        elif not single and n_out == 1 and y.shape == (batch,):
            y = y.reshape(batch, 1)
        if y.shape != (batch, n_out):
            expected = f"({n_out},)" if single else f"({batch}, {n_out})"
            raise ValueError(f"y: expected shape {expected} to match x, got {np.shape(y)}")
        if self._cost_name == "cross_entropy" and (np.any(y < 0) or np.any(y > 1)):
            raise ValueError("y: cross_entropy expects targets in [0, 1]")
        return y

    # -- forward ------------------------------------------------------------

    def forward(self, x):
        """The forward pass: a[l] = z[l-1] W[l]^T + b[l], z[l] = f_l(a[l]). Returns a Trace."""
        z, single = self._check_x(x)
        a_list, z_list = [], []
        for w, b, name in zip(self._weights, self._biases, self._activations):
            a = z @ w.T
            if b is not None:
                a = a + b
            z = ACTIVATIONS[name][0](a)
            a_list.append(a)
            z_list.append(z)
        if single:
            return Trace(np.asarray(x, dtype=float), tuple(a[0] for a in a_list), tuple(v[0] for v in z_list))
        return Trace(np.asarray(x, dtype=float), tuple(a_list), tuple(z_list))

    def predict(self, x):
        """y_hat for x (the last activation of the forward pass)."""
        return self.forward(x).output

    # -- cost ---------------------------------------------------------------

    def _cost_per_example(self, a_out, y):
        """Cost of each example from the output pre-activation a_out (batch, n_out)."""
        if self._cost_name == "cross_entropy":
            # -[y ln s(a) + (1-y) ln(1-s(a))] = softplus(a) - y a : no log of a rounded 0.
            return np.sum(softplus(a_out) - y * a_out, axis=-1)
        y_hat = ACTIVATIONS[self._activations[-1]][0](a_out)
        return 0.5 * np.sum((y_hat - y) ** 2, axis=-1)

    def cost(self, x, y):
        """The cost E, averaged over the batch (see COSTS for the formulas)."""
        x2, single = self._check_x(x)
        y2 = self._check_y(y, x2.shape[0], single)
        a_out = self.forward(x2).a[-1]
        return float(np.mean(self._cost_per_example(a_out, y2)))

    # -- backward -----------------------------------------------------------

    def _output_delta(self, a_out, y_hat, y):
        """delta_out = dE/da_out for one example's cost."""
        if self._cost_name == "cross_entropy":
            # dE/dy_hat = (y_hat - y) / (y_hat (1 - y_hat)) and dy_hat/da = y_hat (1 - y_hat):
            # the sigmoid factor cancels, leaving y_hat - y. (The office-hours notes called
            # this dE/dy_hat and then multiplied by y_hat (1 - y_hat) a second time.)
            return y_hat - y
        return (y_hat - y) * ACTIVATIONS[self._activations[-1]][1](a_out)

    def gradients(self, x, y):
        """Backpropagation.

        delta_out = dE/da_out,
        delta_l   = (delta_{l+1} W[l+1]) * f_l'(a[l])      (row-vector form of W^T delta),
        dE/dW[l]  = mean over the batch of delta_l^T z[l-1],
        dE/db[l]  = mean over the batch of delta_l.
        """
        x2, single = self._check_x(x)
        y2 = self._check_y(y, x2.shape[0], single)
        trace = self.forward(x2)
        batch = x2.shape[0]
        inputs = (x2,) + trace.z[:-1]  # what each layer received

        deltas = [None] * len(self._weights)
        deltas[-1] = self._output_delta(trace.a[-1], trace.z[-1], y2)
        for l in range(len(self._weights) - 2, -1, -1):
            deltas[l] = (deltas[l + 1] @ self._weights[l + 1]) * ACTIVATIONS[self._activations[l]][1](trace.a[l])

        grad_w = tuple(d.T @ z_in / batch for d, z_in in zip(deltas, inputs))
        grad_b = tuple(None if b is None else d.mean(axis=0) for b, d in zip(self._biases, deltas))
        if single:
            deltas = [d[0] for d in deltas]
        return Gradients(grad_w, grad_b, tuple(deltas))

    def step(self, x, y, lr):
        """One gradient-descent step, w <- w - lr dE/dw. Returns a new Network; self is unchanged."""
        lr = _check_learning_rate(lr)
        g = self.gradients(x, y)
        new_w = [w - lr * gw for w, gw in zip(self._weights, g.weights)]
        new_b = [None if b is None else b - lr * gb for b, gb in zip(self._biases, g.biases)]
        return self.replace(new_w, new_b)


# ---------------------------------------------------------------------------
# The cost over a grid of two weights, vectorised (for the cost-surface view)
# ---------------------------------------------------------------------------


def _check_index(net, index, name):
    try:
        layer, row, col = (int(i) for i in index)
        shape = net.weights[layer].shape
        if layer < 0 or not (0 <= row < shape[0] and 0 <= col < shape[1]):
            raise IndexError
    except (TypeError, ValueError, IndexError):
        message = f"{name}: expected a weight index (layer, row, col) inside the network, got {index!r}"
        raise ValueError(message) from None
    return layer, row, col


def cost_surface(net, x, y, first, second, first_values, second_values):
    """E over a grid of two weights, every other parameter held fixed.

    ``first`` and ``second`` are weight indices ``(layer, row, col)``. Returns an
    array of shape ``(len(second_values), len(first_values))`` (rows follow the
    second weight), ready for ``contourf(first_values, second_values, E)``.
    The whole grid goes through one broadcast forward pass: no loop over points.
    """
    first = _check_index(net, first, "first")
    second = _check_index(net, second, "second")
    if first == second:
        raise ValueError("second: expected a different weight from first")
    u = _as_finite_array(first_values, "first_values").ravel()
    v = _as_finite_array(second_values, "second_values").ravel()
    x2, single = net._check_x(x)
    y2 = net._check_y(y, x2.shape[0], single)

    grid_u, grid_v = np.meshgrid(u, v)  # (len(v), len(u))
    n_points = grid_u.size
    stacked = [np.broadcast_to(w, (n_points,) + w.shape).copy() for w in net.weights]
    stacked[first[0]][:, first[1], first[2]] = grid_u.ravel()
    stacked[second[0]][:, second[1], second[2]] = grid_v.ravel()

    z = x2  # (batch, n_in), broadcast against (points, n_out, n_in)
    for w, b, name in zip(stacked, net.biases, net.activations):
        a = np.matmul(z, np.swapaxes(w, -1, -2))  # (points, batch, n_out)
        if b is not None:
            a = a + b
        z = ACTIVATIONS[name][0](a)
    per_example = net._cost_per_example(a, y2)  # (points, batch)
    return per_example.mean(axis=-1).reshape(grid_u.shape)


# ---------------------------------------------------------------------------
# Names for the weights, as the diagrams in the lessons number them
# ---------------------------------------------------------------------------


def parameter_names(net, numbering="by_sender"):
    """Ordered ``{name: (kind, layer, row, col)}`` for every weight and bias.

    Weights are numbered w1, w2, ... layer by layer. ``numbering="by_sender"``
    counts down the receiving neurons of one sending neuron before moving to the
    next sender (the office-hours diagram: w1 = x1->h1, w2 = x1->h2, w3 = x2->h1);
    ``"by_receiver"`` counts along a receiving neuron's inputs first (the common
    2-2-2 walk-through: w1 = i1->h1, w2 = i2->h1). Biases are b<layer>_<neuron>,
    both counted from 1. ``kind`` is "weight" or "bias"; col is None for a bias.
    """
    if numbering not in ("by_sender", "by_receiver"):
        raise ValueError(f"numbering: expected 'by_sender' or 'by_receiver', got {numbering!r}")
    names = {}
    count = 0
    for layer, w in enumerate(net.weights):
        n_out, n_in = w.shape
        if numbering == "by_sender":
            order = [(row, col) for col in range(n_in) for row in range(n_out)]
        else:
            order = [(row, col) for row in range(n_out) for col in range(n_in)]
        for row, col in order:
            count += 1
            names[f"w{count}"] = ("weight", layer, row, col)
    for layer, b in enumerate(net.biases):
        if b is not None:
            for row in range(b.shape[0]):
                names[f"b{layer + 1}_{row + 1}"] = ("bias", layer, row, None)
    return names


def _check_where(net, where):
    try:
        kind, layer, row, col = where
        if kind == "weight":
            net.weights[layer][row, col]
        elif kind == "bias" and net.biases[layer] is not None:
            net.biases[layer][row]
        else:
            raise LookupError
    except (TypeError, ValueError, LookupError):
        raise ValueError(f"where: expected an entry of parameter_names(net) for this network, got {where!r}") from None
    return kind, layer, row, col


def get_parameter(net, where):
    """The value of one parameter, ``where`` as in ``parameter_names``."""
    kind, layer, row, col = _check_where(net, where)
    return float(net.weights[layer][row, col] if kind == "weight" else net.biases[layer][row])


def set_parameter(net, where, value):
    """A new Network with one parameter (``where`` as in ``parameter_names``) set to value."""
    kind, layer, row, col = _check_where(net, where)
    if kind == "weight":
        weights = [w.copy() for w in net.weights]
        weights[layer][row, col] = value
        return net.replace(weights=weights)
    biases = [None if b is None else b.copy() for b in net.biases]
    biases[layer][row] = value
    return net.replace(biases=biases)
