"""helpers.training: data sets, seeded mini-batch training to stated accuracies, L2, batches, descent paths, progress.

Accuracy thresholds were measured from the fixed seeds below (figures in each case's comment) and set a
little lower, so a different BLAS summing in another order does not fail them.
"""

import io
import math
import sys

import numpy as np
import pytest

from helpers import Network, chain_example, office_hours_example
from helpers import training as T

BINARY_SETS = [T.xor, T.circles, T.moons, T.clusters]


# ---------------------------------------------------------------------------
# Data sets
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", BINARY_SETS + [T.spiral, lambda **kw: T.clusters(n_classes=4, **kw)])
def test_data_set_shapes_split_scale_and_seed(make):
    data = make(n_points=120, test_fraction=0.25, seed=3)
    k = data.n_classes
    assert data.n_train + data.n_test == 120
    assert data.n_test == pytest.approx(30, abs=k)  # stratified: 0.25 of each class, rounded half up
    for x, y, labels in ((data.x_train, data.y_train, data.labels_train), (data.x_test, data.y_test, data.labels_test)):
        assert x.shape == (len(labels), 2) and x.dtype == float
        assert set(np.unique(labels)) == set(range(k))  # every class in both parts
        if k == 2:
            assert data.output == "sigmoid" and data.cost == "cross_entropy"
            assert y.shape == (len(labels), 1) and np.array_equal(y[:, 0], labels)
        else:
            assert data.output == "softmax" and data.cost == "categorical_cross_entropy"
            assert y.shape == (len(labels), k) and np.array_equal(y, np.eye(k)[labels])
        assert not x.flags.writeable and not y.flags.writeable
    counts = np.bincount(np.concatenate([data.labels_train, data.labels_test]))
    assert counts.max() - counts.min() <= 1  # balanced classes
    # the scale convention: training points fill [-1, 1] along the wider axis, centred
    assert np.abs(data.x_train).max() == pytest.approx(1.0)
    assert np.all(np.abs(data.x_train) <= 1.0 + 1e-12)
    low, high = data.x_train.min(axis=0), data.x_train.max(axis=0)
    assert np.allclose((low + high) / 2, 0.0, atol=1e-12)
    # same seed, same points; another seed, other points
    again = make(n_points=120, test_fraction=0.25, seed=3)
    assert np.array_equal(again.x_train, data.x_train) and np.array_equal(again.labels_test, data.labels_test)
    assert not np.array_equal(make(n_points=120, test_fraction=0.25, seed=4).x_train, data.x_train)


def test_transform_maps_raw_points_like_the_data_set():
    raw = np.array([[0.0, 0.0], [4.0, 2.0], [2.0, 1.0], [1.0, 2.0]])
    data = T.points_from_array(raw, [0, 1, 0, 1], test_fraction=0.0)
    assert np.allclose(data.transform(raw[:1]), [[-1.0, -0.5]])  # box [0,4]x[0,2]: centre (2,1), half-width 2
    assert sorted(map(tuple, data.x_train)) == sorted(map(tuple, data.transform(raw)))


def test_xor_truth_table_is_exact():
    data = T.xor_truth_table()
    assert data.x_train.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert data.y_train.tolist() == [[0], [1], [1], [0]]
    assert data.labels_train.tolist() == [0, 1, 1, 0]
    assert np.array_equal(data.x_test, data.x_train)  # the table is the whole task


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_points": 3}, r"n_points: expected an int >= 4"),
        ({"n_points": 10.5}, r"n_points: expected an int"),
        ({"noise": -0.1}, r"noise: expected a finite number in \[0.0, inf\]"),
        ({"noise": float("nan")}, r"noise"),
        ({"test_fraction": 1.0}, r"test_fraction: expected a finite number in \[0.0, 1.0\)"),
        ({"seed": -1}, r"seed: expected an int >= 0"),
        ({"seed": True}, r"seed: expected an int, got the boolean"),
    ],
)
def test_generator_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        T.moons(**kwargs)


# ---------------------------------------------------------------------------
# A learner's own points: arrays and CSV
# ---------------------------------------------------------------------------

GOOD_CSV = "x1,x2,label\n# my points\n0.0, 0.0, 0\n\n1.0,1.0,1\n2,0,1\n0,2,0\n"


def test_points_from_csv_reads_text_path_bytes_and_file_objects(tmp_path):
    from_array = T.points_from_array([[0, 0], [1, 1], [2, 0], [0, 2]], [0, 1, 1, 0], test_fraction=0.0)
    path = tmp_path / "mine.csv"
    path.write_text(GOOD_CSV)
    sources = [GOOD_CSV, GOOD_CSV.split("\n", 1)[1], path, str(path), GOOD_CSV.encode(), io.StringIO(GOOD_CSV)]
    for source in sources:
        data = T.points_from_csv(source, test_fraction=0.0)
        assert data.n_classes == 2 and data.n_train == 4
        assert np.array_equal(data.x_train, from_array.x_train)
        assert np.array_equal(data.labels_train, from_array.labels_train)
    assert T.points_from_csv(path).name == "mine.csv"
    three = T.points_from_csv("1,2,0\n3,4,1\n5,6,2\n1,1,2", test_fraction=0.0)
    assert three.n_classes == 3 and three.y_train.shape == (4, 3)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", r"path_or_text: no data rows found"),
        ("x1,x2,label\n", r"path_or_text: no data rows found"),
        ("0,0,0\n1,1\n", r"path_or_text: line 2: expected 3 columns \(x1, x2, label\), got 2"),
        ("0,0,0,5\n1,1,1\n", r"line 1: expected 3 columns .* got 4"),
        ("0,0,0\n1,abc,1\n", r"line 2, column x2: expected a number, got 'abc'"),
        ("x1,x2,label\n0,0,0\nx1,x2,label\n", r"line 3, column x1: expected a number, got 'x1'"),
        ("0,0,0\nnan,1,1\n", r"line 2, column x1: expected a finite number, got 'nan'"),
        ("0,0,0\n1,inf,1\n", r"line 2, column x2: expected a finite number, got 'inf'"),
        ("0,0,0\n1,1,1.5\n", r"line 2, column label: expected a class label 0, 1, 2, .* got '1\.5'"),
        ("0,0,-1\n1,1,1\n", r"line 1, column label: expected a class label .* got '-1'"),
        ("0,0,0\n1,1,0\n", r"path_or_text: found only label 0; expected at least 2 classes"),
        ("0,0,0\n1,1,2\n", r"path_or_text: expected labels 0..2 with none missing, but no point has label 1 "),
        ("0,0,0\n1,1,1e15\n", r"labels 0..1000000000000000 with none missing.* 999999999999994 more"),
        ("0,0,0\n1,1,1e300\n", r"line 2, column label: expected a class label .* got '1e300'"),
        ("0,0,0\n1,1,1000000\n", r"no point has label 1, 2, 3, 4, 5 and 999994 more \(found 0, 1000000\)"),
        ("0;0;0\n1;1;1\n", r"line 1: expected 3 columns .* got 1: '0;0;0' \(separate the columns with commas\)"),
        ("no_such_file.csv", r"path_or_text: no file named 'no_such_file.csv'"),
    ],
)
def test_malformed_csv_names_the_line_and_what_was_expected(text, message):
    with pytest.raises(ValueError, match=message):
        T.points_from_csv(text)


def test_csv_of_the_wrong_type():
    with pytest.raises(ValueError, match=r"path_or_text: expected a file path or CSV text, got int"):
        T.points_from_csv(42)
    with pytest.raises(ValueError, match=r"path_or_text: expected UTF-8"):
        T.points_from_csv(b"\xff\xfe0,0,0")


@pytest.mark.parametrize(
    "points, labels, message",
    [
        ([[0, 0], [1, 1, 1]], [0, 1], r"points: expected shape \(n, 2\)"),
        ([[0, 0, 0], [1, 1, 1]], [0, 1], r"points: expected shape \(n, 2\).* got shape \(2, 3\)"),
        ([], [], r"points: expected shape \(n, 2\)"),
        ([[0, 0], [1, "a"]], [0, 1], r"points: row 1, column 1: expected a real number, got 'a'"),
        ([[0, 0], [True, 1]], [0, 1], r"points: row 1, column 0: expected a real number, got True"),
        (np.array([[0, 0], [1, 1]], dtype=bool), [0, 1], r"points: expected numbers, got booleans"),
        ([[0, 0], [1, np.nan]], [0, 1], r"points: row 1: expected finite numbers"),
        ([[0, 0], [1, 1]], [0, 1, 1], r"labels: expected shape \(2,\), one per point"),
        ([[0, 0], [1, 1]], [0, 0.5], r"labels: row 1: expected a class label"),
        ([[0, 0], [1, 1]], [0, "1"], r"labels: row 1: expected a class label 0, 1, 2, ..., got '1'"),
        ([[0, 0], [1, 1]], np.array([False, True]), r"labels: expected class numbers .* got booleans"),
        ([[0, 0], [1, 1]], [1, 1], r"labels: found only label 1; expected at least 2 classes"),
        ([[0, 0], [1, 1], [2, 2]], [0, 2, 3], r"labels: expected labels 0..3 with none missing.* label 1"),
    ],
)
def test_malformed_points_name_the_argument_and_row(points, labels, message):
    with pytest.raises(ValueError, match=message):
        T.points_from_array(points, labels)


def test_points_from_array_accepts_integral_float_labels_and_keeps_raw_scale_on_request():
    data = T.points_from_array([[10, 10], [20, 30]], np.array([0.0, 1.0]), test_fraction=0.0, rescale=False)
    assert sorted(map(tuple, data.x_train)) == [(10, 10), (20, 30)]
    assert data.labels_train.dtype.kind == "i"


# ---------------------------------------------------------------------------
# initial_network
# ---------------------------------------------------------------------------


def test_initial_network_is_seeded_with_zero_biases_and_matching_output():
    net = T.initial_network((2, 5, 1), seed=7)
    assert net == T.initial_network((2, 5, 1), seed=7) and net != T.initial_network((2, 5, 1), seed=8)
    assert net.activations == ("tanh", "sigmoid") and net.cost_name == "cross_entropy"
    assert all(np.array_equal(b, np.zeros_like(b)) for b in net.biases)
    multi = T.initial_network((2, 4, 4, 3), activation="relu")
    assert multi.activations == ("relu", "relu", "softmax") and multi.cost_name == "categorical_cross_entropy"
    assert T.initial_network((2, 3, 1), biases=False).biases == (None, None)
    assert T.initial_network((2, 3, 1), output="linear").cost_name == "mse"
    tiny = T.initial_network((2, 3, 1), scale=1e-3)
    assert max(np.abs(w).max() for w in tiny.weights) < 5e-3
    with pytest.raises(ValueError, match=r"layer_sizes\[1\]: expected an int >= 1, got 0"):
        T.initial_network((2, 0, 1))
    with pytest.raises(ValueError, match=r"layer_sizes: expected \(n_in, ..., n_out\)"):
        T.initial_network((2,))


# ---------------------------------------------------------------------------
# Training reaches a stated accuracy, from fixed seeds
# ---------------------------------------------------------------------------


def test_xor_truth_table_is_learned_to_a_small_loss():
    # 2-4-1 tanh/sigmoid, full batch, lr 1: loss first below 0.05 at step 102 (measured), 0.007 at step 300
    data = T.xor_truth_table()
    net, history = T.train(
        T.initial_network((2, 4, 1), seed=0), data, lr=1.0, steps=300, batch_size=None, log_every=1, progress=False
    )
    assert history.train_loss[-1] < 0.05
    assert min(i for i, loss in enumerate(history.train_loss) if loss < 0.05) <= 150
    assert history.train_accuracy[-1] == 1.0
    assert np.array_equal((net.predict(data.x_train)[:, 0] >= 0.5).astype(int), [0, 1, 1, 0])


CASES = {
    # name: (data, sizes, lr, epochs, batch_size, threshold)   measured test accuracy from seed 0 in the comment
    "xor": (lambda: T.xor(), (2, 8, 1), 1.0, 100, 16, 0.8),  # 0.88 (noise 0.1 flips labels near the axes)
    "circles": (lambda: T.circles(), (2, 8, 1), 1.0, 100, 16, 0.9),  # 0.98
    "moons": (lambda: T.moons(), (2, 8, 1), 1.0, 100, 16, 0.9),  # 1.0
    "clusters": (lambda: T.clusters(), (2, 4, 1), 0.3, 30, 16, 0.95),  # 1.0
    "clusters3": (lambda: T.clusters(n_classes=3), (2, 4, 3), 0.3, 30, 16, 0.95),  # 1.0
    "spiral": (lambda: T.spiral(), (2, 16, 16, 3), 0.3, 100, 32, 0.9),  # 0.987
}


@pytest.mark.parametrize("name", CASES)
def test_training_reaches_the_stated_test_accuracy(name):
    make, sizes, lr, epochs, batch_size, threshold = CASES[name]
    data = make()
    net, history = T.train(
        T.initial_network(sizes, seed=0), data, lr=lr, epochs=epochs, batch_size=batch_size, seed=0, progress=False
    )
    assert history.stopped_because is None
    assert history.test_accuracy[-1] >= threshold
    assert history.test_accuracy[-1] == T.accuracy(net, data.x_test, data.labels_test)
    assert history.test_loss[-1] == net.cost(data.x_test, data.y_test)
    assert history.train_loss[-1] < history.train_loss[0]  # it learned something
    assert history.step == [e * math.ceil(data.n_train / batch_size) for e in range(epochs + 1)]


def test_history_logs_the_start_every_epoch_and_the_end():
    data = T.moons(n_points=100, test_fraction=0.2)
    trainer = T.Trainer(T.initial_network((2, 4, 1)), data, lr=0.5, batch_size=30)
    assert data.n_train == 80 and trainer.steps_per_epoch == 3  # batches of 30, 30, 20
    history = trainer.run(steps=7, progress=False)
    assert history.step == [0, 3, 6, 7]  # the end is logged even mid-epoch
    assert history.epoch == [0.0, 1.0, 2.0, 7 / 3]
    assert len(history) == 4 and history.last()["step"] == 7
    assert all(len(getattr(history, key)) == 4 for key in ("train_loss", "test_loss", "train_accuracy"))
    every_two = T.Trainer(T.initial_network((2, 4, 1)), data, log_every=2).run(steps=5, progress=False)
    assert every_two.step == [0, 2, 4, 5]


def test_no_test_points_gives_nan_test_columns():
    data = T.points_from_array([[0, 0], [1, 1], [0, 1], [1, 0]], [0, 0, 1, 1], test_fraction=0.0)
    _, history = T.train(T.initial_network((2, 3, 1)), data, epochs=2, progress=False)
    assert all(math.isnan(v) for v in history.test_loss + history.test_accuracy)


# ---------------------------------------------------------------------------
# Determinism, L2, batches
# ---------------------------------------------------------------------------


def test_same_seed_gives_the_identical_history_and_network():
    data = T.moons(n_points=100)
    runs = [T.train(T.initial_network((2, 6, 1), seed=1), data, epochs=5, batch_size=10, seed=5, progress=False)
            for _ in range(2)]
    (net_a, hist_a), (net_b, hist_b) = runs
    assert hist_a == hist_b and net_a == net_b
    _, other = T.train(T.initial_network((2, 6, 1), seed=1), data, epochs=5, batch_size=10, seed=6, progress=False)
    assert other.train_loss != hist_a.train_loss  # another shuffle, another path


def test_l2_shrinks_the_weights_and_leaves_the_biases_alone():
    data = T.moons(n_points=100)
    start = T.initial_network((2, 8, 1), seed=0)
    plain, _ = T.train(start, data, lr=0.5, epochs=50, l2=0.0, progress=False)
    decayed, _ = T.train(start, data, lr=0.5, epochs=50, l2=0.05, progress=False)

    def sum_of_squares(net):
        return sum(float(np.sum(w**2)) for w in net.weights)

    assert sum_of_squares(decayed) < 0.7 * sum_of_squares(plain)
    # one step, exactly: l2 takes lr * l2 * W off each weight, and nothing off a bias
    one = [T.Trainer(start, data, lr=0.5, batch_size=None, l2=l2) for l2 in (0.0, 0.1)]
    for trainer in one:
        trainer.step()
    for w0, w_plain, w_l2 in zip(start.weights, one[0].net.weights, one[1].net.weights):
        assert np.allclose(w_l2, w_plain - 0.5 * 0.1 * w0, rtol=0, atol=1e-15)
    for b_plain, b_l2 in zip(one[0].net.biases, one[1].net.biases):
        assert np.array_equal(b_plain, b_l2)


class GradientSpy:
    """Counts Network.gradients calls and records each batch's rows."""

    def __init__(self, monkeypatch):
        self.batches = []
        original = Network.gradients

        def spy(net, x, y):
            self.batches.append(np.array(x))
            return original(net, x, y)

        monkeypatch.setattr(Network, "gradients", spy)


@pytest.mark.parametrize("batch_size, steps_per_epoch", [(32, 5), (75, 2), (150, 1), (None, 1), (1000, 1), (1, 150)])
def test_one_gradients_call_per_mini_batch_each_epoch_sees_every_point(monkeypatch, batch_size, steps_per_epoch):
    data = T.moons(n_points=200)  # 150 training points
    spy = GradientSpy(monkeypatch)
    trainer = T.Trainer(T.initial_network((2, 4, 1)), data, batch_size=batch_size)
    assert trainer.steps_per_epoch == steps_per_epoch == math.ceil(150 / min(batch_size or 150, 150))
    trainer.run(epochs=2, progress=False)
    # the batch goes to net.gradients as one array: ceil(n / batch_size) calls per epoch, no loop over points
    assert len(spy.batches) == 2 * steps_per_epoch and trainer.step_count == 2 * steps_per_epoch
    size = min(batch_size or 150, 150)
    for epoch in range(2):
        batches = spy.batches[epoch * steps_per_epoch : (epoch + 1) * steps_per_epoch]
        assert [len(b) for b in batches[:-1]] == [size] * (steps_per_epoch - 1)
        seen = np.concatenate(batches)
        assert len(seen) == 150
        assert sorted(map(tuple, seen)) == sorted(map(tuple, data.x_train))
    if steps_per_epoch > 1:  # reshuffled: the second epoch's order differs from the first
        first, second = spy.batches[:steps_per_epoch], spy.batches[steps_per_epoch:]
        assert not np.array_equal(np.concatenate(first), np.concatenate(second))


def test_trainer_refuses_bad_arguments():
    data = T.moons(n_points=40)
    net = T.initial_network((2, 3, 1))
    with pytest.raises(ValueError, match=r"net: a 2-3-3 network does not fit this data set.*output='sigmoid'"):
        T.Trainer(T.initial_network((2, 3, 3)), data)
    with pytest.raises(ValueError, match=r"data: expected a DataSet"):
        T.Trainer(net, (data.x_train, data.y_train))
    with pytest.raises(ValueError, match=r"lr: expected a finite number in \(0.0, inf\]"):
        T.Trainer(net, data, lr=0)
    with pytest.raises(ValueError, match=r"l2: expected"):
        T.Trainer(net, data, l2=-1)
    with pytest.raises(ValueError, match=r"batch_size: expected an int >= 1"):
        T.Trainer(net, data, batch_size=0)
    with pytest.raises(ValueError, match=r"steps: give epochs or steps, not both"):
        T.train(net, data, epochs=1, steps=1)
    with pytest.raises(ValueError, match=r"progress: expected None, False or a function"):
        T.train(net, data, epochs=1, progress="yes")
    trainer = T.Trainer(net, data)
    with pytest.raises(ValueError, match=r"lr:"):
        trainer.lr = -0.1
    trainer.lr = 0.05  # a widget may change it between steps
    assert trainer.lr == 0.05


def test_training_that_overflows_stops_with_a_reason_instead_of_raising():
    data = T.moons(n_points=100)
    net = T.initial_network((2, 8, 1), output="linear")  # mse on a linear output grows without bound
    trainer = T.Trainer(net, data, lr=1e3, batch_size=None)
    history = trainer.run(steps=500, progress=False)
    assert history.stopped_because is not None and "overflowed" in history.stopped_because
    assert history.stopped_because.startswith((f"step {trainer.step_count + 1}: diverged", "after step "))
    assert trainer.step_count < 500
    assert trainer.step() is False  # stays stopped
    assert all(np.isfinite(w).all() for w in trainer.net.weights)  # the last finite network


# ---------------------------------------------------------------------------
# descent_path
# ---------------------------------------------------------------------------


def test_descent_path_records_the_named_weights_and_cost_after_each_step():
    net, x, y, lr = office_hours_example()
    path = T.descent_path(net, x, y, lr, 5)
    assert path.names == ("w5", "w6") and path.values.shape == (6, 2) and path.costs.shape == (6,)
    assert path.values[0].tolist() == [0.5, 0.6] and path.stopped_because is None and not path.diverged
    current = net
    for k in range(1, 6):
        current = current.step(x, y, lr)
        assert path.values[k].tolist() == [current.weights[1][0, 0], current.weights[1][0, 1]]
        assert path.costs[k] == current.cost(x, y)
    assert path.net == current and np.all(np.diff(path.costs) < 0)
    assert T.descent_path(net, x, y, lr, 0).values.shape == (1, 2)


def test_descent_path_that_diverges_stops_and_says_why():
    net, x, y, _ = chain_example()  # linear output with squared error: a huge lr overshoots ever further
    path = T.descent_path(net, x, y, 1e6, 200, names=("w1", "w3"))
    assert path.diverged and path.stopped_because.startswith(f"step {path.steps_taken + 1}: diverged")
    assert "overflowed" in path.stopped_because
    assert 0 < path.steps_taken < 200 and np.isfinite(path.values).all() and np.isfinite(path.costs).all()
    assert len(path.values) == len(path.costs) == path.steps_taken + 1
    assert abs(path.values[-1, 1]) > 1e100  # it really ran away before it stopped


def test_descent_path_refuses_bad_arguments():
    net, x, y, lr = office_hours_example()
    with pytest.raises(ValueError, match=r"names: 'w9' is not a parameter of this network; expected one of w1"):
        T.descent_path(net, x, y, lr, 3, names=("w5", "w9"))
    with pytest.raises(ValueError, match=r"lr: expected a finite number"):
        T.descent_path(net, x, y, -1.0, 3)
    with pytest.raises(ValueError, match=r"n_steps: expected an int >= 0"):
        T.descent_path(net, x, y, lr, -1)
    with pytest.raises(ValueError, match=r"^x:"):
        T.descent_path(net, [0.0, 1.0, 2.0], y, lr, 3)


# ---------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------


def test_progress_callback_is_called_from_start_to_end():
    calls = []
    data = T.moons(n_points=100)
    T.train(T.initial_network((2, 4, 1)), data, steps=250, batch_size=10, progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 250) and calls[-1] == (250, 250)
    assert all(total == 250 for _, total in calls) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert 50 <= len(calls) <= 102  # about every 1%, not every step
    calls.clear()
    net, x, y, lr = office_hours_example()
    T.descent_path(net, x, y, lr, 300, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (300, 300)


def test_default_progress_is_silent_for_a_fast_run(capsys):
    T.train(T.initial_network((2, 4, 1)), T.moons(n_points=60), epochs=3)
    assert capsys.readouterr().err == ""


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_default_progress_shows_after_a_second_and_blanks_its_line():
    clock, stream = FakeClock(), io.StringIO()
    reporter = T.ProgressReporter(clock=clock, stream=stream)
    reporter(10, 100)
    clock.now = 0.9
    reporter(50, 100)
    assert stream.getvalue() == ""  # nothing within the first second
    clock.now = 1.2
    reporter(60, 100)
    assert stream.getvalue() == "\rtraining: 60/100 steps (60%), 1.2 s"
    reporter.close()
    assert stream.getvalue().endswith("\r" + " " * len("training: 60/100 steps (60%), 1.2 s") + "\r")


def test_in_a_kernel_the_stored_output_is_one_empty_display_however_long_it_ran(monkeypatch):
    class Handle:
        def __init__(self):
            self.shown = [""]  # created with empty text, as _kernel_display_handle does

        def update(self, bundle, raw):
            assert raw
            self.shown.append(bundle["text/plain"])

    for seconds in (0.1, 5.0):
        handle, clock = Handle(), FakeClock()
        monkeypatch.setattr(T, "_kernel_display_handle", lambda handle=handle: handle)
        reporter = T.ProgressReporter(clock=clock)
        clock.now = seconds
        reporter(1, 2)
        reporter.close()
        assert handle.shown[-1] == ""  # what the notebook keeps
        assert (len(handle.shown) > 1) == (seconds > 1)


def test_kernel_display_handle_is_none_outside_a_kernel():
    assert T._kernel_display_handle() is None


def test_training_imports_only_numpy():
    import subprocess

    heavy = "('matplotlib', 'ipywidgets', 'IPython')"
    code = f"import sys, helpers.training; print([m for m in {heavy} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_trainer_says_which_rows_the_last_step_used():
    data = T.moons(n_points=20, seed=0)  # 14 training points
    trainer = T.Trainer(T.initial_network((2, 3, 1), seed=0), data, batch_size=4, seed=0)
    assert trainer.last_batch is None
    sizes, seen = [], []
    for _ in range(trainer.steps_per_epoch):
        trainer.step()
        sizes.append(len(trainer.last_batch))
        seen.extend(trainer.last_batch.tolist())
    assert data.n_train == 14 and sizes == [4, 4, 4, 2]  # the last batch of an epoch is smaller
    assert sorted(seen) == list(range(data.n_train))  # one epoch: every training point once
