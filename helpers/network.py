"""A small fully connected network, its cost and its gradients by backpropagation.

Notation (the office-hours notation, used in every lesson):

    a[l] = z[l-1] @ W[l].T + b[l]      pre-activation of layer l   (z[-1] is the input x)
    z[l] = f_l(a[l])                   activation of layer l       (z[L-1] is y_hat)

``W[l]`` has shape ``(n_out, n_in)``: row = receiving neuron, column = sending neuron.
Layers are counted from 0 in code; lessons call them layer 1, 2, ... .

Only numpy is imported here: drawing and widgets live elsewhere and read from this.

What counts as a number, everywhere one enters (weights, biases, x, y, lr, the ``value`` of
set_parameter, the grid values of cost_surface), so that a slip is caught where it is made:

* accepted: int, float, ``fractions.Fraction``, ``decimal.Decimal``, numpy integer and float
  scalars, bare or in (nested) lists, tuples and arrays; all become float64;
* refused, with a ValueError that starts with the argument's name: None ("expected a number,
  got None"), booleans (True is not a weight of 1.0 here), strings, even "0.5" (parse data
  first), complex numbers (never cut to their real part), NaN and inf, and numbers too large
  for float64 (10**400);
* indices (layer, row, col) are non-negative ints (``operator.index``): no bools, no floats,
  no negative indices counted from the end.

Saturation is not an error: sigmoid, tanh, softmax and both cross-entropy costs are finite and
silent for any finite pre-activation, |a| = 1e300 included. Overflow is: when a sum or product exceeds
float64 (weights of 1e160 in a linear layer), forward, cost, gradients, step and cost_surface
raise a ValueError naming the largest of the values involved, and no RuntimeWarning escapes.
"""

from __future__ import annotations

import math
import numbers
import operator
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "COST_NEEDS_OUTPUT",
    "Gradients",
    "LAST_LAYER_ACTIVATIONS",
    "Network",
    "Trace",
    "cost_surface",
    "get_parameter",
    "log_softmax",
    "logistic_cost",
    "one_hot",
    "parameter_names",
    "set_parameter",
    "sigmoid",
    "softmax",
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


def logistic_cost(y_hat, y):
    """E = -[y ln(y_hat) + (1 - y) ln(1 - y_hat)] for a prediction y_hat in [0, 1], as lessons write it.

    A term whose factor is 0 counts as 0 (so E(y_hat = y) is 0 for y = 0 or 1, not NaN); a confident
    wrong prediction costs inf. ``Network.cost`` computes the same from the pre-activation instead,
    which stays finite where y_hat itself would round to 0 or 1.
    """
    y_hat, y = np.asarray(y_hat, dtype=float), np.asarray(y, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        target_one = np.where(y > 0, y * np.log(y_hat), 0.0)
        target_zero = np.where(y < 1, (1 - y) * np.log1p(-y_hat), 0.0)
    return -(target_one + target_zero)


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


def softmax(a):
    """e^(a_j) / sum_k e^(a_k) along the last axis: probabilities that sum to 1 in each row.

    The row maximum is subtracted first (softmax ignores a common shift), so every e^(...) is
    at most 1 and nothing overflows; the largest entry contributes exactly 1 to the sum.
    """
    a = np.asarray(a, dtype=float)
    with np.errstate(all="ignore"):  # e^(a - max) underflows to 0 far below the max; -inf only for |a| near 1e308
        e = np.exp(a - np.max(a, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(a):
    """ln softmax(a) along the last axis, from a directly (log-sum-exp): never the log of a rounded 0.

    ln p_j = (a_j - m) - ln(1 + sum over the other entries of e^(a_k - m)), m the row maximum:
    log1p keeps the digits of that sum when it is tiny (a confident row), where ln(1.0) would give 0.
    """
    a = np.asarray(a, dtype=float)
    with np.errstate(all="ignore"):
        shifted = a - np.max(a, axis=-1, keepdims=True)
        e = np.exp(shifted)
    top = np.argmax(a, axis=-1)[..., None]
    np.put_along_axis(e, top, 0.0, axis=-1)  # the maximum's own e^0 = 1 is the "1 +" of log1p
    return shifted - np.log1p(np.sum(e, axis=-1, keepdims=True))


def one_hot(labels, n_classes):
    """Class labels 0 .. n_classes-1 as one-hot rows: shape (n_classes,) for one label, (n, n_classes) for n.

    The targets of a categorical_cross_entropy network are one-hot rows; ``Network.cost`` does not
    guess whether a column of numbers holds labels, so labels go through this function first.
    Labels must be ints (a float 2.0 is refused: convert with ``labels.astype(int)`` once you know
    the data holds whole numbers).
    """
    if isinstance(n_classes, (bool, np.bool_)) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(
            f"n_classes: expected an int of at least 2 (a one-class softmax is constant), got {_short(n_classes)}"
        )
    if isinstance(labels, (bool, np.bool_, str, bytes)):
        raise ValueError(f"labels: expected int class labels, got {_short(labels)}")
    array = np.asarray(labels) if isinstance(labels, (list, tuple, np.ndarray, np.integer, int)) else None
    if array is None or array.ndim > 1 or (array.size and array.dtype.kind not in "iu"):
        kind = "something else" if array is None else f"dtype {array.dtype}, shape {array.shape}"
        raise ValueError(
            f"labels: expected one int label or a 1-D sequence of int labels, got {kind} "
            f"({_short(labels)}); whole-number floats: convert with .astype(int)"
        )
    array = array.astype(np.int64) if array.size else np.zeros(array.shape, dtype=np.int64)
    outside = (array < 0) | (array >= n_classes)
    if np.any(outside):
        bad = int(array[outside].flat[0])
        raise ValueError(f"labels: expected labels from 0 to {n_classes - 1} (n_classes={n_classes}), got {bad}")
    return np.eye(n_classes)[array]


#: name -> (f, f') with both taking the pre-activation a: the elementwise activations, any layer.
ACTIVATIONS = {
    "sigmoid": (sigmoid, _sigmoid_prime),
    "tanh": (np.tanh, _tanh_prime),
    "relu": (_relu, _relu_prime),
    "linear": (_identity, _one),
}

#: name -> f for activations that couple a layer's units, allowed on the last layer only.
#: softmax has no elementwise f' (its Jacobian is diag(p) - p p^T); with its cost,
#: categorical cross-entropy, the Jacobian cancels and delta_out = p - y, so backprop never needs it.
LAST_LAYER_ACTIVATIONS = {
    "softmax": softmax,
}

#: cost name -> one-line formula (per example, summed over output units).
COSTS = {
    "cross_entropy": "E = -[y ln(y_hat) + (1 - y) ln(1 - y_hat)]  (natural log, sigmoid output)",
    "mse": "E = 0.5 * sum (y_hat - y)^2",
    "categorical_cross_entropy": "E = -sum y ln(y_hat)  (natural log, softmax output, one-hot y)",
}

#: cost name -> the output activation it needs (a cost not listed takes any elementwise output).
COST_NEEDS_OUTPUT = {
    "cross_entropy": "sigmoid",
    "categorical_cross_entropy": "softmax",
}


def _softmax_delta(p, y):
    """dE/da = p - y for softmax with categorical cross-entropy and one-hot rows y.

    d/da_j of [ln sum_k e^(a_k) - sum_k y_k a_k] is p_j - y_j sum_k y_k = p_j - y_j. In the target's
    column p - 1 is written as minus the other probabilities: the same number, but it keeps its
    digits when p is within 1e-16 of 1 (1 - p would round to 0, and a confident wrong-sized
    gradient to nothing).
    """
    others = np.sum(np.where(y > 0, 0.0, p), axis=-1, keepdims=True)
    return np.where(y > 0, -others, p)


def _activate(name, a):
    """f(a) for any activation name, elementwise or softmax (over the last axis)."""
    if name in LAST_LAYER_ACTIVATIONS:
        return LAST_LAYER_ACTIVATIONS[name](a)
    return ACTIVATIONS[name][0](a)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Trace:
    """Everything the forward pass computed, kept for the backward pass.

    ``a[l]`` is the pre-activation and ``z[l]`` the activation of layer l;
    ``x`` is the input as checked (float64, read-only) and ``output`` (= ``z[-1]``) is y_hat.
    Arrays are 1-D for a single example and ``(batch, n)`` for a batch, like the ``x`` passed in.
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


def _short(value):
    """repr(value), cut short: 10**400 has 401 digits."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:24]}... ({len(text)} characters)"


def _check_number(value, name, at=""):
    """ValueError unless value is one real number that fits in float64; ``at`` locates it in a list."""
    where = f" at {at}" if at else ""
    if value is None:
        raise ValueError(f"{name}: expected a number, got None{where}")
    if isinstance(value, (bool, np.bool_)):  # before Real: True is an int to Python
        raise ValueError(f"{name}: a boolean is not a number here, got {value!r}{where} (write 1.0 or 0.0)")
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name}: expected numbers, got the string {_short(value)}{where}")
    if not isinstance(value, (numbers.Real, Decimal)):
        kind = "the complex number" if isinstance(value, numbers.Complex) else f"a {type(value).__name__}"
        raise ValueError(f"{name}: expected real numbers, got {kind} {_short(value)}{where}")
    if isinstance(value, float):
        return  # already float64 (NaN and inf are judged on the whole array)
    try:  # an int, Fraction, Decimal or long double may lie beyond float64
        with np.errstate(over="ignore"):
            too_large = math.isinf(float(value)) and abs(value) != math.inf
    except OverflowError:
        too_large = True
    except ValueError:  # a signalling Decimal NaN: the conversion to an array names it
        too_large = False
    if too_large:
        raise ValueError(f"{name}: {_short(value)}{where} is too large for float64 (largest about 1.8e308)")


def _check_array_kind(array, name, at=""):
    """The same rule for a numpy array, judged by its dtype (element by element for dtype=object)."""
    kind, where = array.dtype.kind, f" at {at}" if at else ""
    if kind == "b":
        raise ValueError(f"{name}: a boolean is not a number here, got an array of booleans{where} (use floats)")
    if kind in "US":
        raise ValueError(f"{name}: expected numbers, got an array of strings{where}")
    if kind == "c":  # np.array(..., dtype=float) would silently keep only the real part
        raise ValueError(f"{name}: expected real numbers, got an array of complex numbers{where}")
    if kind == "O":
        for index in np.ndindex(array.shape):
            _check_numbers(array[index], name, at + "".join(f"[{i}]" for i in index))
    elif kind == "f" and array.dtype.itemsize > 8:  # long double: may hold 1e400
        with np.errstate(over="ignore"):
            if np.any(np.isfinite(array) & ~np.isfinite(array.astype(float))):
                raise ValueError(f"{name}: a value{where} is too large for float64 (largest about 1.8e308)")
    elif kind not in "iuf":
        raise ValueError(f"{name}: expected real numbers, got an array of dtype {array.dtype}{where}")


def _check_numbers(value, name, at=""):
    """ValueError unless value is a real number or a (nested) list, tuple or array of them."""
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_numbers(item, name, f"{at}[{i}]")
    elif isinstance(value, np.ndarray):
        _check_array_kind(value, name, at)
    elif value is None or isinstance(value, (numbers.Number, Decimal, str, bytes, np.generic)):
        _check_number(value, name, at)
    else:  # another array-like (a range, a pandas Series): judge what numpy makes of it
        array = np.asarray(value)
        if array.dtype == object and array.ndim == 0:
            _check_number(value, name, at)  # not array-like at all: a dict, a set, ...
        else:
            _check_array_kind(array, name, at)


def _is_plain(kind):
    """int, float, or a numpy int or float of at most 64 bits (a long double may not fit in float64)."""
    return kind in (int, float) or (issubclass(kind, (np.integer, np.floating)) and np.dtype(kind).itemsize <= 8)


def _plain_list(value):
    """True for a rectangular (nested) list or tuple of plain ints and floats: the common case, checked in bulk
    rather than entry by entry (100,000 numbers: a few ms instead of half a second)."""
    if not isinstance(value, (list, tuple)):
        return False
    try:
        entries = np.array(value, dtype=object)  # keeps each entry's own type: True stays a bool
    except ValueError:
        return False
    return all(_is_plain(kind) for kind in set(map(type, entries.flat)))


def _as_finite_array(value, name):
    """value as a read-only float64 array, by the rule in the module docstring."""
    if not _plain_list(value):
        _check_numbers(value, name)  # names the first entry that is not a real number, and where it is
    try:
        array = np.array(value, dtype=float)
    except OverflowError:  # only a plain list gets here: an int in it is beyond float64
        _check_numbers(value, name)  # finds it and says where
        raise
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: expected an array of numbers ({error})") from None
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: expected finite numbers, found NaN or inf")
    array.flags.writeable = False  # a Network never changes after it is built
    return array


def _as_real_number(value, name):
    """One finite real number as a float: an int, float, Fraction, Decimal or numpy scalar."""
    if isinstance(value, (list, tuple, np.ndarray)):
        raise ValueError(f"{name}: expected a single number, got {_short(value)}")
    _check_number(value, name)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name}: expected a finite number (not NaN or inf), got {_short(value)}")
    return number


def _check_learning_rate(lr):
    rate = _as_real_number(lr, "lr")
    if rate <= 0:
        raise ValueError(f"lr: expected a positive finite number, got {_short(lr)}")
    return rate


def _as_index(value, name, what):
    """A non-negative int for a layer, row or col: ints and numpy ints; no bools, floats, strings or negatives."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: a boolean is not an index here, got {value!r} for the {what}")
    try:
        index = operator.index(value)  # refuses 0.9 rather than truncating it to 0
    except TypeError:
        raise ValueError(f"{name}: expected the {what} as a non-negative int, got {_short(value)}") from None
    if index < 0:  # -1 counting from the end would silently pick another weight
        raise ValueError(f"{name}: expected the {what} as a non-negative int (counted from 0), got {index}")
    return index


def _overflow(stage, what, suspects):
    """The ValueError for a sum or product that overflowed float64.

    ``suspects`` maps argument names to the arrays they hold; the largest in magnitude is blamed
    (the first named on a tie), and every magnitude is shown.
    """
    sizes = {}
    for argument, arrays in suspects.items():
        arrays = [a for a in arrays if a is not None and a.size]
        if arrays:
            sizes[argument] = max(float(np.max(np.abs(a))) for a in arrays)
    culprit = max(sizes, key=sizes.get)
    figures = ", ".join(f"largest |{argument}| {size:.3g}" for argument, size in sizes.items())
    return ValueError(
        f"{culprit}: the {stage} overflowed float64 ({what} reached inf; {figures}): "
        f"expected values small enough that sums and products stay below 1.8e308"
    )


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
        ``ACTIVATIONS``: "sigmoid", "tanh", "relu", "linear"; and "softmax"
        (``LAST_LAYER_ACTIVATIONS``) on the last layer, of at least 2 units.
    cost : "cross_entropy" (natural log; needs a sigmoid output layer),
        "mse" (0.5 * sum of squared errors; any elementwise output) or
        "categorical_cross_entropy" (natural log; needs a softmax output layer
        and one-hot targets, see ``one_hot``). All are averaged over a batch.
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
        last = n_layers - 1
        for l, name in enumerate(activations):
            if isinstance(name, str) and name in LAST_LAYER_ACTIVATIONS and l != last:
                raise ValueError(
                    f"activations[{l}]: {name!r} is for the last layer only (layer {last} here): it turns the "
                    f"outputs into class probabilities; choose a hidden activation from {sorted(ACTIVATIONS)}"
                )
            if not isinstance(name, str) or name not in {**ACTIVATIONS, **LAST_LAYER_ACTIVATIONS}:
                raise ValueError(
                    f"activations[{l}]: expected one of {sorted(ACTIVATIONS)} "
                    f"(or {sorted(LAST_LAYER_ACTIVATIONS)} on the last layer), got {name!r}"
                )
        if activations[last] in LAST_LAYER_ACTIVATIONS and weights[last].shape[0] < 2:
            raise ValueError(
                f"activations[{last}]: {activations[last]!r} needs at least 2 output units (one per class), got "
                f"{weights[last].shape[0]}: a one-class softmax is always 1 and learns nothing "
                f"(for two classes, one 'sigmoid' unit with 'cross_entropy' does the same job)"
            )

        if not isinstance(cost, str) or cost not in COSTS:
            raise ValueError(f"cost: expected one of {sorted(COSTS)}, got {cost!r}")
        needed = COST_NEEDS_OUTPUT.get(cost)
        if needed is not None and activations[last] != needed:
            what = "a probability" if needed == "sigmoid" else "class probabilities that sum to 1"
            raise ValueError(
                f"cost: {cost!r} needs a {needed!r} output layer (y_hat must be {what}), "
                f"got activations[{last}] = {activations[last]!r}"
            )
        if activations[last] in LAST_LAYER_ACTIVATIONS and cost != "categorical_cross_entropy":
            raise ValueError(
                f"cost: a {activations[last]!r} output layer needs 'categorical_cross_entropy' "
                f"(its gradient is p - y; other costs would need the softmax Jacobian), got {cost!r}"
            )

        self._weights = weights
        self._biases = tuple(checked_biases)
        self._activations = activations
        self._cost_name = cost

    # -- read-only views ----------------------------------------------------

    weights = property(lambda self: self._weights, doc="Tuple of read-only weight matrices.")
    biases = property(lambda self: self._biases, doc="Tuple of read-only bias vectors (None where absent).")
    activations = property(lambda self: self._activations, doc="Activation name per layer.")
    cost_name = property(lambda self: self._cost_name, doc='"cross_entropy", "mse" or "categorical_cross_entropy".')

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
        categorical = self._cost_name == "categorical_cross_entropy"
        if y.shape != (batch, n_out):
            expected = f"({n_out},)" if single else f"({batch}, {n_out})"
            hint = f" (one-hot rows; from class labels: one_hot(labels, {n_out}))" if categorical else ""
            raise ValueError(f"y: expected shape {expected} to match x{hint}, got {np.shape(y)}")
        if self._cost_name == "cross_entropy" and (np.any(y < 0) or np.any(y > 1)):
            raise ValueError("y: cross_entropy expects targets in [0, 1]")
        if categorical:
            # exactly one 1 per row: the cost and its gradient p - y rely on sum(y) = 1
            bad = ~(np.all((y == 0) | (y == 1), axis=1) & (np.sum(y, axis=1) == 1))
            if np.any(bad):
                row = int(np.argmax(bad))
                raise ValueError(
                    f"y: categorical_cross_entropy expects one-hot targets (one 1 per example, the rest 0), "
                    f"got {_short(y[row].tolist())} for example {row}; from class labels: one_hot(labels, {n_out})"
                )
        return y

    def _overflow_error(self, stage, what, x2, y2=None):
        suspects = {"weights": self._weights, "biases": self._biases, "x": (x2,), "y": (y2,)}
        return _overflow(stage, what, suspects)

    # -- forward ------------------------------------------------------------

    def _pass(self, x2):
        """a[l] and z[l] of a checked batch x2 (batch, n_in)."""
        a_list, z_list = [], []
        z = x2
        with np.errstate(all="ignore"):  # an overflow shows as inf and is named below, not warned about
            for l, (w, b, name) in enumerate(zip(self._weights, self._biases, self._activations)):
                a = z @ w.T
                if b is not None:
                    a = a + b
                if not np.isfinite(a).all():  # sigmoid(inf) = 1 would hide it from every later layer
                    raise self._overflow_error("forward pass", f"|a[{l}]|", x2)
                z = _activate(name, a)
                a_list.append(a)
                z_list.append(z)
        return a_list, z_list

    def forward(self, x):
        """The forward pass: a[l] = z[l-1] W[l]^T + b[l], z[l] = f_l(a[l]). Returns a Trace."""
        x2, single = self._check_x(x)
        a_list, z_list = self._pass(x2)
        if single:
            return Trace(x2[0], tuple(a[0] for a in a_list), tuple(v[0] for v in z_list))
        return Trace(x2, tuple(a_list), tuple(z_list))

    def predict(self, x):
        """y_hat for x (the last activation of the forward pass)."""
        return self.forward(x).output

    # -- cost ---------------------------------------------------------------

    def _cost_per_example(self, a_out, y):
        """Cost of each example from the output pre-activation a_out (batch, n_out)."""
        if self._cost_name == "cross_entropy":
            # -[y ln s(a) + (1-y) ln(1-s(a))] = softplus(a) - y a : no log of a rounded 0.
            return np.sum(softplus(a_out) - y * a_out, axis=-1)
        if self._cost_name == "categorical_cross_entropy":
            # -sum y ln softmax(a), from a by log-sum-exp; a 0 target times a -inf log (|a| near 1e308) counts 0
            return -np.sum(np.where(y > 0, y * log_softmax(a_out), 0.0), axis=-1)
        y_hat = ACTIVATIONS[self._activations[-1]][0](a_out)
        return 0.5 * np.sum((y_hat - y) ** 2, axis=-1)

    def cost(self, x, y):
        """The cost E, averaged over the batch (see COSTS for the formulas)."""
        x2, single = self._check_x(x)
        y2 = self._check_y(y, x2.shape[0], single)
        a_out = self._pass(x2)[0][-1]
        with np.errstate(all="ignore"):
            E = float(np.mean(self._cost_per_example(a_out, y2)))
        if not math.isfinite(E):  # finite a, but a sum over outputs or the batch, or a square, overflowed
            raise self._overflow_error("cost", "E", x2, y2)
        return E

    # -- backward -----------------------------------------------------------

    def _output_delta(self, a_out, y_hat, y):
        """delta_out = dE/da_out for one example's cost."""
        if self._cost_name == "cross_entropy":
            # dE/dy_hat = (y_hat - y) / (y_hat (1 - y_hat)) and dy_hat/da = y_hat (1 - y_hat):
            # the sigmoid factor cancels, leaving y_hat - y. (The office-hours notes called
            # this dE/dy_hat and then multiplied by y_hat (1 - y_hat) a second time.)
            return y_hat - y
        if self._cost_name == "categorical_cross_entropy":
            return _softmax_delta(y_hat, y)
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
        a_list, z_list = self._pass(x2)
        batch = x2.shape[0]
        inputs = [x2] + z_list[:-1]  # what each layer received

        n_layers = len(self._weights)
        deltas = [None] * n_layers
        with np.errstate(all="ignore"):  # checked below: inf (or inf * 0 = NaN) means an overflow
            deltas[-1] = self._output_delta(a_list[-1], z_list[-1], y2)
            for l in range(n_layers - 2, -1, -1):
                deltas[l] = (deltas[l + 1] @ self._weights[l + 1]) * ACTIVATIONS[self._activations[l]][1](a_list[l])
            grad_w = tuple(d.T @ z_in / batch for d, z_in in zip(deltas, inputs))
            grad_b = tuple(None if b is None else d.mean(axis=0) for b, d in zip(self._biases, deltas))
        for l in range(n_layers - 1, -1, -1):  # from the output down: the first bad layer is where it began
            named = {f"|dE/da[{l}]|": deltas[l], f"|dE/dW[{l}]|": grad_w[l], f"|dE/db[{l}]|": grad_b[l]}
            for label, array in named.items():
                if array is not None and not np.isfinite(array).all():
                    raise self._overflow_error("backward pass", label, x2, y2)
        if single:
            deltas = [d[0] for d in deltas]
        return Gradients(grad_w, grad_b, tuple(deltas))

    def step(self, x, y, lr):
        """One gradient-descent step, w <- w - lr dE/dw. Returns a new Network; self is unchanged."""
        lr = _check_learning_rate(lr)
        g = self.gradients(x, y)
        with np.errstate(all="ignore"):
            new_w = [w - lr * gw for w, gw in zip(self._weights, g.weights)]
            new_b = [None if b is None else b - lr * gb for b, gb in zip(self._biases, g.biases)]
        if not all(np.isfinite(p).all() for p in new_w + new_b if p is not None):
            largest = max(float(np.max(np.abs(p))) for p in g.weights + g.biases if p is not None)
            raise ValueError(
                f"lr: the step overflowed float64: |lr * dE/dw| is too large (lr = {lr:.3g}, largest |dE/dw| = "
                f"{largest:.3g}) and a new parameter reached inf; expected a smaller lr"
            )
        return self.replace(new_w, new_b)


# ---------------------------------------------------------------------------
# The cost over a grid of two weights, vectorised (for the cost-surface view)
# ---------------------------------------------------------------------------


def _check_weight_index(net, index, name):
    """(layer, row, col) of a weight of net, each a non-negative int in range."""
    try:
        layer, row, col = index
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a weight index (layer, row, col), got {_short(index)}") from None
    layer, row, col = (_as_index(i, name, what) for i, what in zip((layer, row, col), ("layer", "row", "col")))
    if layer >= len(net.weights):
        raise ValueError(f"{name}: layer {layer} is outside the network (layers 0 to {len(net.weights) - 1})")
    shape = net.weights[layer].shape
    if row >= shape[0] or col >= shape[1]:
        raise ValueError(f"{name}: (row {row}, col {col}) is outside weights[{layer}], of shape {shape}")
    return layer, row, col


def _as_grid_values(values, name):
    array = _as_finite_array(values, name)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name}: expected a non-empty 1-D array of weight values, got shape {array.shape}")
    return array


#: cost_surface refuses a grid whose broadcast pass would need more memory than this (bytes).
SURFACE_MEMORY_LIMIT = 2**30


def _surface_bytes(net, batch, n_points, layers):
    """About the peak memory of cost_surface's broadcast pass over n_points, in bytes (float64).

    Per grid point: one copy of each weight matrix in ``layers`` (the layers holding a moved weight),
    and for the widest layer from the first moved one on (earlier layers run once, not per point) a,
    the previous z and the activation's temporaries (sigmoid keeps |a|, e^-|a| and two quotients alive
    at once): six arrays of batch x width. Plus the meshgrid and the result.
    """
    copies = sum(net.weights[l].size for l in layers)
    widest = max(net.layer_sizes[min(layers) + 1:])
    return 8 * n_points * (copies + 6 * batch * widest + 4)


def _check_surface_memory(net, batch, n_first, n_second, layers):
    needed = _surface_bytes(net, batch, n_first * n_second, layers)
    if needed > SURFACE_MEMORY_LIMIT:
        name = "second_values" if n_second > n_first else "first_values"  # the longer axis is the one to cut
        small = _surface_bytes(net, batch, 61 * 61, layers)
        raise ValueError(
            f"{name}: a {n_first} x {n_second} grid over a batch of {batch} would need about {needed / 2**30:.1f} GiB "
            f"of memory (the limit is {SURFACE_MEMORY_LIMIT / 2**30:.0f} GiB); use fewer grid points "
            f"(a 61 x 61 grid needs {small / 2**20:.2f} MiB)"
        )


def cost_surface(net, x, y, first, second, first_values, second_values):
    """E over a grid of two weights, every other parameter held fixed.

    ``first`` and ``second`` are weight indices ``(layer, row, col)``. Returns an
    array of shape ``(len(second_values), len(first_values))`` (rows follow the
    second weight), ready for ``contourf(first_values, second_values, E)``.
    The whole grid goes through one broadcast forward pass: no loop over points.
    A grid that would need more than ``SURFACE_MEMORY_LIMIT`` bytes is refused.
    """
    first = _check_weight_index(net, first, "first")
    second = _check_weight_index(net, second, "second")
    if first == second:
        raise ValueError("second: expected a different weight from first")
    u = _as_grid_values(first_values, "first_values")
    v = _as_grid_values(second_values, "second_values")
    x2, single = net._check_x(x)
    y2 = net._check_y(y, x2.shape[0], single)
    moved = sorted({first[0], second[0]})
    _check_surface_memory(net, x2.shape[0], u.size, v.size, moved)

    grid_u, grid_v = np.meshgrid(u, v)  # (len(v), len(u))
    n_points = grid_u.size
    weights = list(net.weights)  # only a layer holding a moved weight needs a copy per grid point
    for l in moved:
        weights[l] = np.broadcast_to(weights[l], (n_points,) + weights[l].shape).copy()
    weights[first[0]][:, first[1], first[2]] = grid_u.ravel()
    weights[second[0]][:, second[1], second[2]] = grid_v.ravel()

    suspects = {"first_values": (u,), "second_values": (v,), "net": net.weights + net.biases, "x": (x2,), "y": (y2,)}
    z = x2  # (batch, n_in), broadcast against (points, n_out, n_in) from the first moved layer on
    with np.errstate(all="ignore"):  # an overflow is named below, not warned about
        for l, (w, b, name) in enumerate(zip(weights, net.biases, net.activations)):
            a = np.matmul(z, np.swapaxes(w, -1, -2))  # (points, batch, n_out)
            if b is not None:
                a = a + b
            if not np.isfinite(a).all():
                raise _overflow("forward pass", f"|a[{l}]| at some grid points", suspects)
            z = _activate(name, a)
        surface = net._cost_per_example(a, y2).mean(axis=-1).reshape(grid_u.shape)  # (points, batch) -> grid
    if not np.isfinite(surface).all():
        raise _overflow("cost", "E at some grid points", suspects)
    return surface


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
    """(kind, layer, row, col) of a parameter of net, as parameter_names gives it."""
    try:
        kind, layer, row, col = where
    except (TypeError, ValueError):
        raise ValueError(
            f"where: expected an entry of parameter_names(net), (kind, layer, row, col), got {_short(where)}"
        ) from None
    if isinstance(kind, str) and kind == "weight":
        return ("weight", *_check_weight_index(net, (layer, row, col), "where"))
    if not (isinstance(kind, str) and kind == "bias"):
        raise ValueError(f"where: expected the kind 'weight' or 'bias', got {_short(kind)}")
    layer, row = _as_index(layer, "where", "layer"), _as_index(row, "where", "row")
    if col is not None:
        raise ValueError(f"where: a bias has no column; expected ('bias', layer, row, None), got {_short(where)}")
    if layer >= len(net.biases) or net.biases[layer] is None:
        raise ValueError(f"where: layer {layer} of this network has no bias (see parameter_names(net))")
    if row >= net.biases[layer].shape[0]:
        raise ValueError(f"where: row {row} is outside biases[{layer}], of length {net.biases[layer].shape[0]}")
    return "bias", layer, row, None


def get_parameter(net, where):
    """The value of one parameter, ``where`` as in ``parameter_names``."""
    kind, layer, row, col = _check_where(net, where)
    return float(net.weights[layer][row, col] if kind == "weight" else net.biases[layer][row])


def set_parameter(net, where, value):
    """A new Network with one parameter (``where`` as in ``parameter_names``) set to value."""
    kind, layer, row, col = _check_where(net, where)
    value = _as_real_number(value, "value")
    if kind == "weight":
        weights = [w.copy() for w in net.weights]
        weights[layer][row, col] = value
        return net.replace(weights=weights)
    biases = [None if b is None else b.copy() for b in net.biases]
    biases[layer][row] = value
    return net.replace(biases=biases)
