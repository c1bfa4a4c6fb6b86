"""Small 2-D data sets and vectorised mini-batch training, for lesson 06 and the training playground.

Only numpy is imported here (IPython lazily, for the progress line); plots and widgets read from this.

Data sets
    ``xor``, ``circles``, ``moons``, ``spiral``, ``clusters`` draw seeded points; ``xor_truth_table`` is the
    exact 4-row table; ``points_from_array`` and ``points_from_csv`` take a learner's own points. Each returns
    a ``DataSet``. Binary sets give targets ``y`` of shape (n, 1) in {0, 1} (a sigmoid output with
    "cross_entropy"); sets of three or more classes give one-hot targets (n, k) (a softmax output with
    "categorical_cross_entropy"). ``data.output`` and ``data.cost`` name the matching pair.

    Scale convention: inputs are mapped into [-1, 1]^2 (tanh's lively range). The bounding box of the
    *training* points is centred on 0 and divided by its larger half-width, the same factor on both
    axes so that circles stay round; training points therefore fill [-1, 1]^2 along the wider axis and
    test points lie in it or just outside. ``data.transform(raw_points)`` applies the same map to new
    points. (The truth table is left as 0/1: it is a table, not a cloud.)

    ``noise`` is the standard deviation of Gaussian jitter added to each coordinate, in units of the
    shape before scaling (every shape is drawn within about radius 1). Points are split into train and
    test class by class (stratified), so every class appears in both whenever it has two points or more.

Training
    ``initial_network`` builds seeded small random weights. ``Trainer`` runs mini-batch gradient descent
    one batch at a time (``trainer.step()``) for a widget; ``train`` runs it to the end and returns the
    network and a ``History``. Each step is one call of ``net.gradients`` on the whole mini-batch (which
    backpropagates the batch as matrices: no Python loop over examples). The order of the training points
    is reshuffled at the start of every epoch by the trainer's own seeded generator, and an epoch is
    ceil(n_train / batch_size) steps (the last batch may be smaller).

    L2 regularisation adds (l2 / 2) * sum of squared *weights* to the cost, so each step also takes
    lr * l2 * W off every weight matrix; biases are not penalised (they shift a boundary, they do not
    make it sharper). The losses in ``History`` are the data cost alone, without that penalty, so
    runs with different l2 compare on the same scale.

    Accuracy: for a single output, y_hat >= 0.5 predicts class 1; for several outputs the largest wins.

Divergence is a result, not an error: when a step overflows float64, ``Trainer``/``train`` and
``descent_path`` stop there and say why in ``stopped_because``. Bad arguments raise ValueError naming the
argument, as everywhere in helpers.

Progress: a run that takes longer than a second shows how far it is (see ``ProgressReporter``).
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import operator
import os
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from .network import Network, get_parameter, parameter_names

__all__ = [
    "DataSet",
    "DescentPath",
    "History",
    "ProgressReporter",
    "Trainer",
    "accuracy",
    "circles",
    "clusters",
    "descent_path",
    "initial_network",
    "moons",
    "points_from_array",
    "points_from_csv",
    "spiral",
    "train",
    "xor",
    "xor_truth_table",
]


# ---------------------------------------------------------------------------
# Argument checks (messages name the argument and what was expected)
# ---------------------------------------------------------------------------


def _as_int(value, name, minimum=0):
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected an int, got the boolean {value!r}")
    try:
        number = operator.index(value)  # 2.5 is refused, not truncated
    except TypeError:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {number}")
    return number


def _is_real(value):
    """A real number as network.py counts them: no bools, strings or complex numbers; Decimal is fine."""
    return isinstance(value, (numbers.Real, Decimal)) and not isinstance(value, (bool, np.bool_))


def _as_float(value, name, low=None, high=None, low_open=False, high_open=False):
    if not _is_real(value):
        raise ValueError(f"{name}: expected a real number, got {value!r}")
    number = float(value)
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if not math.isfinite(number) or too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        span = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise ValueError(f"{name}: expected a finite number in {span}, got {value!r}")
    return number


def _check_split(n_points, noise, test_fraction, seed, n_classes):
    n_points = _as_int(n_points, "n_points", minimum=2 * n_classes)
    noise = _as_float(noise, "noise", low=0.0)
    test_fraction = _as_float(test_fraction, "test_fraction", low=0.0, high=1.0, high_open=True)
    seed = _as_int(seed, "seed")
    return n_points, noise, test_fraction, seed


# ---------------------------------------------------------------------------
# Data sets
# ---------------------------------------------------------------------------


def _targets(labels, n_classes):
    """(n, 1) floats 0/1 for two classes, else one-hot (n, k)."""
    if n_classes == 2:
        return labels.astype(float)[:, None]
    return np.eye(n_classes)[labels]


def _read_only(array):
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class DataSet:
    """Points in the plane with class labels, split into train and test.

    ``x_*`` are (n, 2) inputs already scaled (see the module docstring); ``labels_*`` are ints
    0..n_classes-1; ``y_*`` are the targets a network is trained on: (n, 1) in {0, 1} for two
    classes, one-hot (n, n_classes) otherwise. A raw point p maps to (p - offset) / scale.
    All arrays are read-only.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    labels_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    labels_test: np.ndarray
    n_classes: int
    offset: np.ndarray
    scale: float

    @property
    def n_train(self):
        return len(self.labels_train)

    @property
    def n_test(self):
        return len(self.labels_test)

    @property
    def n_outputs(self):
        """Output units a network needs: 1 for two classes, else one per class."""
        return self.y_train.shape[1]

    @property
    def output(self):
        """The output activation these targets are made for."""
        return "sigmoid" if self.n_classes == 2 else "softmax"

    @property
    def cost(self):
        """The cost these targets are made for."""
        return "cross_entropy" if self.n_classes == 2 else "categorical_cross_entropy"

    def transform(self, points):
        """Raw 2-D points -> the network's input coordinates, by the map the data set used."""
        return (np.asarray(points, dtype=float) - self.offset) / self.scale

    def __repr__(self):
        return (
            f"DataSet({self.name!r}, {self.n_classes} classes, {self.n_train} train + {self.n_test} test points, "
            f"targets {self.y_train.shape[1:]} per point)"
        )


def _make_dataset(name, points, labels, n_classes, test_fraction, rng, rescale=True):
    """Stratified split of (points, labels), then the [-1, 1]^2 scaling fitted on the training points."""
    train_parts, test_parts = [], []
    for c in range(n_classes):  # a loop over classes, not points
        members = rng.permutation(np.flatnonzero(labels == c))
        n_test = min(math.floor(test_fraction * len(members) + 0.5), len(members) - 1)  # half up; >= 1 to train on
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    train_index = rng.permutation(np.concatenate(train_parts))  # classes interleaved, not in blocks
    test_index = rng.permutation(np.concatenate(test_parts)).astype(int)

    if rescale:
        low, high = points[train_index].min(axis=0), points[train_index].max(axis=0)
        offset = (low + high) / 2
        half_width = float(np.max(high - low)) / 2
        scale = half_width if half_width > 0 else 1.0  # all points in one place: nothing to stretch
    else:
        offset, scale = np.zeros(2), 1.0

    def part(index):
        x = (points[index] - offset) / scale
        lab = labels[index].astype(int)
        return _read_only(x), _read_only(_targets(lab, n_classes)), _read_only(lab)

    x_train, y_train, l_train = part(train_index)
    x_test, y_test, l_test = part(test_index)
    return DataSet(name, x_train, y_train, l_train, x_test, y_test, l_test, n_classes, _read_only(offset), scale)


def _class_counts(n_points, n_classes):
    """Balanced class sizes: the remainder goes to the first classes."""
    return [n_points // n_classes + (c < n_points % n_classes) for c in range(n_classes)]


def _labels_for(counts):
    return np.repeat(np.arange(len(counts)), counts)


def xor(n_points=200, noise=0.1, test_fraction=0.25, seed=0):
    """Points in the four quadrants of [-1, 1]^2: label 1 where x1 and x2 have opposite signs.

    Each point is drawn uniformly in its quadrant and then jittered, so noise near the axes
    carries some points into a neighbouring quadrant with their label: a little honest label noise.
    """
    n_points, noise, test_fraction, seed = _check_split(n_points, noise, test_fraction, seed, 2)
    rng = np.random.default_rng(seed)
    labels = _labels_for(_class_counts(n_points, 2))
    magnitude = rng.uniform(0.0, 1.0, (n_points, 2))
    first_sign = rng.choice([-1.0, 1.0], n_points)
    second_sign = np.where(labels == 1, -first_sign, first_sign)  # opposite signs for class 1
    points = magnitude * np.stack([first_sign, second_sign], axis=1) + rng.normal(0.0, noise, (n_points, 2))
    return _make_dataset("xor", points, labels, 2, test_fraction, rng)


def circles(n_points=200, noise=0.1, test_fraction=0.25, seed=0, factor=0.5):
    """Two concentric circles: label 1 on the inner one (radius ``factor``), label 0 on the outer (radius 1)."""
    n_points, noise, test_fraction, seed = _check_split(n_points, noise, test_fraction, seed, 2)
    factor = _as_float(factor, "factor", low=0.0, high=1.0, low_open=True, high_open=True)
    rng = np.random.default_rng(seed)
    labels = _labels_for(_class_counts(n_points, 2))
    angle = rng.uniform(0.0, 2 * np.pi, n_points)
    radius = np.where(labels == 1, factor, 1.0)
    points = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    points += rng.normal(0.0, noise, points.shape)
    return _make_dataset("circles", points, labels, 2, test_fraction, rng)


def moons(n_points=200, noise=0.1, test_fraction=0.25, seed=0):
    """Two interleaved half circles: label 0 on the upper moon, label 1 on the lower, shifted one."""
    n_points, noise, test_fraction, seed = _check_split(n_points, noise, test_fraction, seed, 2)
    rng = np.random.default_rng(seed)
    labels = _labels_for(_class_counts(n_points, 2))
    t = rng.uniform(0.0, np.pi, n_points)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    points = np.where((labels == 0)[:, None], upper, lower) + rng.normal(0.0, noise, (n_points, 2))
    return _make_dataset("moons", points, labels, 2, test_fraction, rng)


def spiral(n_points=300, noise=0.05, test_fraction=0.25, seed=0, n_classes=3):
    """``n_classes`` spiral arms (three by default) wound around the origin, one class per arm.

    Arm c starts at angle 2 pi c / k and turns 4 radians (about two thirds of a turn) while its
    radius grows from 0.1 to 1; points are spread uniformly along the arm.
    """
    n_classes = _as_int(n_classes, "n_classes", minimum=2)
    n_points, noise, test_fraction, seed = _check_split(n_points, noise, test_fraction, seed, n_classes)
    rng = np.random.default_rng(seed)
    labels = _labels_for(_class_counts(n_points, n_classes))
    radius = rng.uniform(0.1, 1.0, n_points)
    angle = 2 * np.pi * labels / n_classes + 4.0 * radius
    points = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    points += rng.normal(0.0, noise, points.shape)
    return _make_dataset("spiral", points, labels, n_classes, test_fraction, rng)


def clusters(n_points=200, noise=0.3, test_fraction=0.25, seed=0, n_classes=2):
    """One round Gaussian cluster per class (standard deviation ``noise``), centres evenly spaced on the unit circle."""
    n_classes = _as_int(n_classes, "n_classes", minimum=2)
    n_points, noise, test_fraction, seed = _check_split(n_points, noise, test_fraction, seed, n_classes)
    rng = np.random.default_rng(seed)
    labels = _labels_for(_class_counts(n_points, n_classes))
    centre_angle = 2 * np.pi * np.arange(n_classes) / n_classes + np.pi / 4
    centres = np.stack([np.cos(centre_angle), np.sin(centre_angle)], axis=1)
    points = centres[labels] + rng.normal(0.0, noise, (n_points, 2))
    return _make_dataset("clusters", points, labels, n_classes, test_fraction, rng)


def xor_truth_table():
    """The exact XOR table as one batch of 4: x = (0,0), (0,1), (1,0), (1,1), y = 0, 1, 1, 0.

    The table is the whole task, so the test set is the same 4 rows; inputs stay 0/1 as the table reads.
    """
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0])
    parts = [_read_only(a) for a in (x, _targets(labels, 2), labels)]
    return DataSet("xor truth table", *parts, *parts, 2, _read_only(np.zeros(2)), 1.0)


# -- a learner's own points -------------------------------------------------


def _check_labels(labels, name, row_name, as_written=None):
    """Integer labels 0..k-1 with every class present and k >= 2; returns (int labels, k).

    ``row_name(i)`` says where row i is for the message ("row 3", "line 5"); ``as_written[i]`` is
    the label as the learner wrote it (a CSV cell), shown instead of the parsed number.
    """
    values = np.asarray(labels, dtype=float)
    # beyond 2**53 a float is no longer a count (and int64 would wrap): refused like 1.5
    bad = np.flatnonzero(~np.isfinite(values) | (values != np.round(values)) | (values < 0) | (values > 2.0**53))
    if bad.size:
        i = int(bad[0])
        shown = labels[i] if as_written is None else as_written[i]
        shown = shown.item() if isinstance(shown, np.generic) else shown  # 1.5, not np.float64(1.5)
        raise ValueError(
            f"{name}: {row_name(i)}: expected a class label 0, 1, 2, ... (a whole number >= 0), got {shown!r}"
        )
    ints = values.astype(int)
    present = np.unique(ints)
    if present.size < 2:
        only = f"only label {present[0]}" if present.size else "no labels"
        raise ValueError(f"{name}: found {only}; expected at least 2 classes (labels 0 and 1) to tell apart")
    k = int(present[-1]) + 1
    if present.size < k:
        n_missing = k - present.size
        # the first five gaps lie below present.size + 5, so a label of 10**15 costs no 10**15-long array
        missing = np.setdiff1d(np.arange(min(k, present.size + 5)), present)[:5].tolist()
        listed = ", ".join(map(str, missing)) + (f" and {n_missing - 5} more" if n_missing > 5 else "")
        found = ", ".join(map(str, present[:10].tolist())) + (", ..." if present.size > 10 else "")
        raise ValueError(
            f"{name}: expected labels 0..{k - 1} with none missing, but no point has label {listed} "
            f"(found {found}); number the classes 0, 1, 2, ... in order"
        )
    return ints, k


def points_from_array(points, labels, test_fraction=0.25, seed=0, name="your points", rescale=True):
    """A DataSet from your own points: ``points`` (n, 2), ``labels`` (n,) whole numbers 0..k-1, k >= 2.

    Points are scaled into [-1, 1]^2 like the generated sets unless ``rescale=False``.
    """
    array = np.asarray(points, dtype=object) if not isinstance(points, np.ndarray) else points
    kind = array.dtype.kind
    if kind == "b":
        raise ValueError("points: expected numbers, got booleans")
    if kind in "USc":
        raise ValueError(f"points: expected real numbers, got an array of dtype {array.dtype}")
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] == 0:
        raise ValueError(f"points: expected shape (n, 2), one row (x1, x2) per point, got shape {array.shape}")
    if kind == "O":  # a list: find the first entry that is not a real number, and say where
        for (i, j), value in np.ndenumerate(array):
            if not _is_real(value):
                raise ValueError(f"points: row {i}, column {j}: expected a real number, got {value!r}")
    values = array.astype(float)
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"points: row {i}: expected finite numbers, got {values[i].tolist()}")

    label_array = np.asarray(labels, dtype=object) if not isinstance(labels, np.ndarray) else labels
    if label_array.ndim != 1 or label_array.shape[0] != values.shape[0]:
        raise ValueError(f"labels: expected shape ({values.shape[0]},), one per point, got {label_array.shape}")
    if label_array.dtype.kind == "b":
        raise ValueError("labels: expected class numbers 0, 1, ..., got booleans (write 0 and 1)")
    if label_array.dtype.kind not in "iuf":
        for i, value in enumerate(label_array):
            if not _is_real(value):
                raise ValueError(f"labels: row {i}: expected a class label 0, 1, 2, ..., got {value!r}")
    ints, k = _check_labels(label_array, "labels", lambda i: f"row {i}")
    test_fraction = _as_float(test_fraction, "test_fraction", low=0.0, high=1.0, high_open=True)
    rng = np.random.default_rng(_as_int(seed, "seed"))
    return _make_dataset(str(name), values, ints, k, test_fraction, rng, rescale=bool(rescale))


def _read_csv_source(path_or_text):
    """(text, default name) from a path, a file object, bytes, or the CSV text itself.

    A str is taken as CSV text when it is blank or holds a newline or a comma, and names no existing file;
    otherwise it is a path (so a mistyped file name is reported as missing, not parsed).
    """
    source = path_or_text
    if hasattr(source, "read"):
        source = source.read()
    if isinstance(source, bytes):
        try:
            return source.decode("utf-8-sig"), "your points"
        except UnicodeDecodeError as error:
            raise ValueError(f"path_or_text: expected UTF-8 text ({error})") from None
    looks_like_text = not source.strip() or "\n" in source or "," in source if isinstance(source, str) else False
    if looks_like_text and not os.path.isfile(source):  # an empty str is an empty file's text
        return source, "your points"
    if isinstance(source, (str, os.PathLike)):
        try:
            with open(source, encoding="utf-8-sig") as handle:
                return handle.read(), os.path.basename(os.fspath(source))
        except FileNotFoundError:
            missing = os.fspath(source)
            raise ValueError(f"path_or_text: no file named {missing!r} (or pass the CSV text itself)") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"path_or_text: cannot read {os.fspath(source)!r}: {error}") from None
    raise ValueError(f"path_or_text: expected a file path or CSV text, got {type(path_or_text).__name__}")


COLUMNS = ("x1", "x2", "label")


def _parse_number(text):
    try:
        return float(text)
    except ValueError:
        return None


def points_from_csv(path_or_text, test_fraction=0.25, seed=0, name=None, rescale=True):
    """A DataSet from CSV with three columns x1, x2, label (comma separated; a header row is optional).

    Blank lines and lines starting with # are skipped. A first row with no number in it is a header.
    Anything else malformed raises ValueError naming the line: a wrong number of columns, a value that
    is not a number, NaN or inf, a label that is not a whole number 0..k-1, a class number with no
    points, fewer than two classes, or no data at all.
    """
    text, default_name = _read_csv_source(path_or_text)
    rows, line_numbers, label_cells = [], [], []
    header_seen = False
    for line_number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in fields]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) != 3:
            other_separator = len(cells) == 1 and any(c in cells[0] for c in ";\t ")
            hint = " (separate the columns with commas)" if other_separator else ""
            raise ValueError(
                f"path_or_text: line {line_number}: expected 3 columns (x1, x2, label), got {len(cells)}: "
                f"{','.join(fields)!r}{hint}"
            )
        numbers_in_row = [_parse_number(cell) for cell in cells]
        if not rows and not header_seen and all(value is None for value in numbers_in_row):
            header_seen = True  # a header such as "x1,x2,label"
            continue
        for column, cell, value in zip(COLUMNS, cells, numbers_in_row):
            if value is None:
                raise ValueError(f"path_or_text: line {line_number}, column {column}: expected a number, got {cell!r}")
            if not math.isfinite(value):
                raise ValueError(
                    f"path_or_text: line {line_number}, column {column}: expected a finite number, got {cell!r}"
                )
        rows.append(numbers_in_row)
        line_numbers.append(line_number)
        label_cells.append(cells[2])
    if not rows:
        raise ValueError("path_or_text: no data rows found; expected lines of x1,x2,label (a header is optional)")
    data = np.array(rows)
    ints, k = _check_labels(data[:, 2], "path_or_text", lambda i: f"line {line_numbers[i]}, column label", label_cells)
    test_fraction = _as_float(test_fraction, "test_fraction", low=0.0, high=1.0, high_open=True)
    rng = np.random.default_rng(_as_int(seed, "seed"))
    return _make_dataset(name or default_name, data[:, :2], ints, k, test_fraction, rng, rescale=bool(rescale))


# ---------------------------------------------------------------------------
# Networks and accuracy
# ---------------------------------------------------------------------------

_OUTPUT_COST = {"sigmoid": "cross_entropy", "softmax": "categorical_cross_entropy"}


def initial_network(layer_sizes, activation="tanh", output=None, seed=0, scale=None, biases=True, cost=None):
    """A Network of the given sizes with seeded random weights and zero biases.

    ``layer_sizes`` = (n_in, hidden..., n_out). Hidden layers use ``activation``; the output layer uses
    ``output`` (default: "sigmoid" for one output unit, "softmax" for more) and ``cost`` defaults to the
    one that goes with it ("cross_entropy", "categorical_cross_entropy", else "mse"). Weights are drawn
    from N(0, s^2) with s = ``scale``, or by default s = 1/sqrt(n_in) (sqrt(2/n_in) into relu): small
    enough that tanh does not start saturated, large enough that the signal does not fade layer by layer.
    ``biases=False`` builds a network without bias terms.
    """
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__") or len(layer_sizes) < 2:
        raise ValueError(f"layer_sizes: expected (n_in, ..., n_out), at least two sizes, got {layer_sizes!r}")
    sizes = [_as_int(n, f"layer_sizes[{i}]", minimum=1) for i, n in enumerate(layer_sizes)]
    if output is None:
        output = "sigmoid" if sizes[-1] == 1 else "softmax"
    if cost is None:
        cost = _OUTPUT_COST.get(output, "mse")
    if scale is not None:
        scale = _as_float(scale, "scale", low=0.0)
    rng = np.random.default_rng(_as_int(seed, "seed"))
    n_layers = len(sizes) - 1
    activations = (activation,) * (n_layers - 1) + (output,)
    weights = []
    for n_in, n_out, receiving in zip(sizes[:-1], sizes[1:], activations):
        s = scale if scale is not None else math.sqrt((2.0 if receiving == "relu" else 1.0) / n_in)
        weights.append(rng.normal(0.0, s, (n_out, n_in)))
    bias_list = [np.zeros(n) for n in sizes[1:]] if biases else None
    return Network(weights, bias_list, activations, cost)


def _predicted_classes(output):
    if output.shape[1] == 1:
        return (output[:, 0] >= 0.5).astype(int)
    return np.argmax(output, axis=1)


def accuracy(net, x, labels):
    """Fraction of points whose predicted class equals the label (threshold 0.5 for one output, else argmax)."""
    labels = np.asarray(labels)
    if labels.size == 0:
        return math.nan
    output = np.atleast_2d(net.predict(x))
    return float(np.mean(_predicted_classes(output) == labels))


# ---------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------


class ProgressReporter:
    """The default ``progress(done, total)``: silent for the first ``delay`` seconds, then a progress line.

    Stored notebook outputs must not depend on how fast the machine was (nbval compares them), so:

    * in a Jupyter kernel it always displays one placeholder with empty text when created, updates
      that same display in place (``display_id``) once ``delay`` has passed, and empties it again in
      ``close()``. The saved output is one empty text/plain display, whether the run took 10 ms or a
      minute (nbval, which records the first display and ignores updates, sees the same);
    * elsewhere (a terminal, pytest) it writes ``\\r``-overwritten lines to stderr only after
      ``delay``, and blanks the line in ``close()``.
    """

    def __init__(self, delay=1.0, label="training", every=0.25, clock=time.monotonic, stream=None):
        self.delay, self.label, self.every, self.clock = delay, label, every, clock
        self.start = clock()
        self.shown = False
        self._last = -math.inf
        self._width = 0
        self._handle = None
        self._stream = stream
        if stream is None:
            self._handle = _kernel_display_handle()
            if self._handle is None:
                self._stream = sys.stderr

    def text(self, done, total):
        percent = 100.0 * done / total if total else 100.0
        return f"{self.label}: {done}/{total} steps ({percent:.0f}%), {self.clock() - self.start:.1f} s"

    def __call__(self, done, total):
        now = self.clock()
        if now - self.start < self.delay or now - self._last < self.every:
            return
        self._last, self.shown = now, True
        line = self.text(done, total)
        if self._handle is not None:
            self._handle.update({"text/plain": line}, raw=True)
        else:
            self._width = max(self._width, len(line))
            self._stream.write("\r" + line.ljust(self._width))
            self._stream.flush()

    def close(self):
        if not self.shown:
            return
        if self._handle is not None:
            self._handle.update({"text/plain": ""}, raw=True)
        else:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()


def _kernel_display_handle():
    """An empty in-place display when running in a Jupyter kernel, else None."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:  # plain python or terminal IPython
        return None
    return display({"text/plain": ""}, raw=True, display_id=True)


def _reporter(progress, label):
    if progress is None:
        return ProgressReporter(label=label), True
    if progress is False:
        return None, False
    if not callable(progress):
        raise ValueError(f"progress: expected None, False or a function progress(done, total), got {progress!r}")
    return progress, False


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------


@dataclass
class History:
    """What a run logged: one entry per logging point (by default the start and the end of every epoch).

    ``step`` counts gradient steps so far, ``epoch`` = step / steps per epoch. Losses are the data cost
    (mean over the set, without the L2 penalty); a set without points has NaN. ``stopped_because`` is
    None unless the run stopped early (a step overflowed float64).
    """

    step: list = field(default_factory=list)
    epoch: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    stopped_because: str | None = None

    def __len__(self):
        return len(self.step)

    def last(self):
        """The latest entry as a dict."""
        keys = ("step", "epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")
        return {key: getattr(self, key)[-1] for key in keys}


class Trainer:
    """Mini-batch gradient descent on a DataSet, one step at a time.

    ``trainer.step()`` takes one mini-batch (returns False once stopped); ``trainer.run(epochs=...)``
    or ``run(steps=...)`` takes many. Read ``trainer.net`` (the current Network), ``trainer.history``,
    ``trainer.step_count``, ``trainer.epoch`` and ``trainer.last_batch`` (the row indices of the training
    points the last step used, None before the first). ``lr`` and ``l2`` may be changed between steps.

    ``batch_size=None`` means the whole training set (full-batch descent); a batch larger than the
    set is the whole set. History is logged at step 0 and every ``log_every`` steps (default: every
    epoch), and at the end of each ``run``.
    """

    def __init__(self, net, data, lr=0.1, batch_size=32, l2=0.0, seed=0, log_every=None):
        if not isinstance(net, Network):
            raise ValueError(f"net: expected a Network, got {type(net).__name__}")
        if not isinstance(data, DataSet):
            raise ValueError(f"data: expected a DataSet (e.g. training.moons()), got {type(data).__name__}")
        n_in, n_out = net.layer_sizes[0], net.layer_sizes[-1]
        if n_in != data.x_train.shape[1] or n_out != data.n_outputs:
            raise ValueError(
                f"net: a {'-'.join(map(str, net.layer_sizes))} network does not fit this data set, which has "
                f"{data.x_train.shape[1]} inputs and {data.n_outputs} target column(s); expected "
                f"initial_network(({data.x_train.shape[1]}, ..., {data.n_outputs}), output={data.output!r})"
            )
        self.net = net
        self.data = data
        self.lr = lr
        self.l2 = l2
        n = data.n_train
        self.batch_size = n if batch_size is None else min(_as_int(batch_size, "batch_size", minimum=1), n)
        self.steps_per_epoch = math.ceil(n / self.batch_size)
        self.log_every = self.steps_per_epoch if log_every is None else _as_int(log_every, "log_every", minimum=1)
        self._rng = np.random.default_rng(_as_int(seed, "seed"))
        self._order = np.arange(0)
        self._position = 0
        self.step_count = 0
        self.last_batch = None
        self.history = History()
        self._log()

    lr = property(lambda self: self._lr, doc="Learning rate, > 0.")
    l2 = property(lambda self: self._l2, doc="L2 strength on the weights (not the biases), >= 0.")

    @lr.setter
    def lr(self, value):
        self._lr = _as_float(value, "lr", low=0.0, low_open=True)

    @l2.setter
    def l2(self, value):
        self._l2 = _as_float(value, "l2", low=0.0)

    @property
    def epoch(self):
        return self.step_count / self.steps_per_epoch

    @property
    def stopped_because(self):
        return self.history.stopped_because

    def _stop(self, reason):
        self.history.stopped_because = f"step {self.step_count + 1}: diverged: {reason}"

    def _log(self):
        d = self.data
        try:
            train_loss = self.net.cost(d.x_train, d.y_train)
            test_loss = self.net.cost(d.x_test, d.y_test) if d.n_test else math.nan
            train_acc = accuracy(self.net, d.x_train, d.labels_train)
            test_acc = accuracy(self.net, d.x_test, d.labels_test) if d.n_test else math.nan
        except ValueError as error:  # the cost overflowed: as much a divergence as a step that did
            self.history.stopped_because = f"after step {self.step_count}: diverged: {error}"
            return
        h = self.history
        h.step.append(self.step_count)
        h.epoch.append(self.epoch)
        h.train_loss.append(train_loss)
        h.test_loss.append(test_loss)
        h.train_accuracy.append(train_acc)
        h.test_accuracy.append(test_acc)

    def _next_batch(self):
        n = self.data.n_train
        if self._position >= len(self._order):  # a new epoch: a fresh order from the seeded generator
            self._order = self._rng.permutation(n)
            self._position = 0
        index = self._order[self._position : self._position + self.batch_size]
        self._position += len(index)
        return index

    def step(self):
        """One gradient step on the next mini-batch. Returns False (and does nothing) once stopped."""
        if self.history.stopped_because is not None:
            return False
        index = self._next_batch()
        self.last_batch = index  # the training rows this step used (the last batch of an epoch may be smaller)
        net, lr, l2 = self.net, self._lr, self._l2
        try:
            g = net.gradients(self.data.x_train[index], self.data.y_train[index])  # the whole batch at once
            with np.errstate(all="ignore"):  # an overflow is caught below, as the Network refuses inf
                weights = [w - lr * (gw + l2 * w) for w, gw in zip(net.weights, g.weights)]
                biases = [None if b is None else b - lr * gb for b, gb in zip(net.biases, g.biases)]
            self.net = net.replace(weights, biases)
        except ValueError as error:  # overflow in forward, backward or the update: diverged
            self._stop(str(error))
            return False
        self.step_count += 1
        if self.step_count % self.log_every == 0:
            self._log()
        return self.history.stopped_because is None

    def run(self, epochs=None, steps=None, progress=None):
        """Take ``steps`` steps, or ``epochs`` epochs' worth (default 100 epochs); returns the History.

        ``progress``: None for the default ``ProgressReporter``, False for none, or a function
        ``progress(done, total)`` called with step counts at the start, about every 1% and at the end.
        """
        if epochs is not None and steps is not None:
            raise ValueError("steps: give epochs or steps, not both")
        if steps is None:
            total = _as_int(100 if epochs is None else epochs, "epochs") * self.steps_per_epoch
        else:
            total = _as_int(steps, "steps")
        reporter, own = _reporter(progress, "training")
        every = max(1, math.ceil(total / 100))  # at most about 100 reports
        start = self.step_count
        try:
            if reporter:
                reporter(0, total)
            while self.step_count - start < total:
                going = self.step()
                done = self.step_count - start
                if reporter and (done % every == 0 or done == total or not going):
                    reporter(done, total)
                if not going:
                    break
        finally:
            if own:
                reporter.close()
        if self.history.stopped_because is None and (not self.history.step or self.history.step[-1] != self.step_count):
            self._log()
        return self.history


def train(net, data, lr=0.1, epochs=None, steps=None, batch_size=32, l2=0.0, seed=0, progress=None, log_every=None):
    """Mini-batch gradient descent from ``net`` on ``data``; returns ``(final_net, history)``.

    Give ``epochs`` or ``steps`` (default 100 epochs). See ``Trainer`` for the other arguments; the same
    seed gives the same shuffles, hence the identical history.
    """
    trainer = Trainer(net, data, lr=lr, batch_size=batch_size, l2=l2, seed=seed, log_every=log_every)
    trainer.run(epochs=epochs, steps=steps, progress=progress)
    return trainer.net, trainer.history


# ---------------------------------------------------------------------------
# The path of full-batch gradient descent through two (or more) named parameters
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DescentPath:
    """Named parameters and the cost along full-batch gradient descent.

    Row 0 of ``values`` (and ``costs[0]``) is the start; row k is after k steps. ``values`` has one
    column per name. ``stopped_because`` is None when all ``n_steps`` ran, else why it stopped (a step
    overflowed float64: the descent diverged); ``net`` is the last network reached.
    """

    names: tuple
    values: np.ndarray
    costs: np.ndarray
    lr: float
    n_steps: int
    stopped_because: str | None
    net: Network

    @property
    def steps_taken(self):
        return len(self.costs) - 1

    @property
    def diverged(self):
        return self.stopped_because is not None


def descent_path(net, x, y, lr, n_steps, names=("w5", "w6"), numbering="by_sender", progress=None):
    """Take ``n_steps`` gradient-descent steps on the whole batch (x, y) and record the named parameters.

    ``names`` are names from ``parameter_names(net, numbering)`` (w1, w2, ..., b1_1, ...). Divergence
    never raises: the path stops at the step that overflowed and ``stopped_because`` says so.
    """
    if not isinstance(net, Network):
        raise ValueError(f"net: expected a Network, got {type(net).__name__}")
    if isinstance(names, str):
        names = (names,)
    names = tuple(names)
    known = parameter_names(net, numbering)
    for name in names:
        if name not in known:
            raise ValueError(f"names: {name!r} is not a parameter of this network; expected one of {', '.join(known)}")
    if not names:
        raise ValueError("names: expected at least one parameter name, e.g. ('w5', 'w6')")
    lr = _as_float(lr, "lr", low=0.0, low_open=True)
    n_steps = _as_int(n_steps, "n_steps")
    where = [known[name] for name in names]

    values = np.empty((n_steps + 1, len(names)))
    costs = np.empty(n_steps + 1)
    values[0] = [get_parameter(net, w) for w in where]
    costs[0] = net.cost(x, y)  # bad x or y raise here, before any step
    reporter, own = _reporter(progress, "descent")
    stopped, k = None, 0
    try:
        while k < n_steps:
            try:
                net = net.step(x, y, lr)
                cost = net.cost(x, y)
            except ValueError as error:  # only overflow can fail here: the inputs were checked above
                stopped = f"step {k + 1}: diverged: {error}"
                break
            k += 1
            values[k] = [get_parameter(net, w) for w in where]
            costs[k] = cost
            if reporter and (k % 100 == 0 or k == n_steps):
                reporter(k, n_steps)
    finally:
        if own:
            reporter.close()
    values, costs = _read_only(values[: k + 1].copy()), _read_only(costs[: k + 1].copy())
    return DescentPath(names, values, costs, lr, n_steps, stopped, net)
