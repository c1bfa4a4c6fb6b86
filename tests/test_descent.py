"""helpers.descent (pair descent, regime names) and the live learning-rate view (DescentView, DescentExplorer)."""

import base64

import numpy as np
import pytest

import helpers.widgets as widgets_module
from helpers import chain_example, get_parameter, office_hours_example, parameter_names, set_parameter
from helpers.descent import REGIMES, PairPath, classify_path, pair_descent
from helpers.widgets import DescentExplorer

pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")

CHAIN_PAIR = ("w2", "w3")  # the slides' (w1, w2)
SLIDES = {"w1": "w0", "w2": "w1", "w3": "w2"}
LIMITS = ((-8.0, 4.0), (-5.0, 4.0))


def reference_path(net, x, y, pair, lr, n_steps):
    """The same descent, one Network.gradients and set_parameter per step (slow, obviously right)."""
    names = parameter_names(net)
    where = [names[name] for name in pair]
    values, costs = [], []
    for k in range(n_steps + 1):
        g = net.gradients(x, y)
        values.append([get_parameter(net, w) for w in where])
        costs.append(net.cost(x, y))
        if k < n_steps:
            grads = [g.weights[w[1]][w[2], w[3]] for w in where]
            for w, grad in zip(where, grads):
                net = set_parameter(net, w, get_parameter(net, w) - lr * grad)
    return np.array(values), np.array(costs)


@pytest.mark.parametrize("example, pair, lr", [
    (chain_example, ("w2", "w3"), 0.5), (chain_example, ("w1", "w3"), 4.0),
    (office_hours_example, ("w5", "w6"), 2.0), (office_hours_example, ("w3", "w5"), 10.0),
])
def test_pair_descent_agrees_with_network_gradients(example, pair, lr):
    net, x, y, _ = example()
    path = pair_descent(net, x, y, pair, lr, 25)
    values, costs = reference_path(net, x, y, pair, lr, 25)
    np.testing.assert_allclose(path.values, values, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(path.costs, costs, rtol=1e-10, atol=1e-14)


def test_only_the_pair_learns_and_the_start_can_be_chosen():
    net, x, y, _ = office_hours_example()
    path = pair_descent(net, x, y, ("w5", "w6"), 0.2, 3, start=(1.0, -1.0))
    assert path.values[0].tolist() == [1.0, -1.0]
    moved = set_parameter(set_parameter(net, ("weight", 1, 0, 0), path.values[-1, 0]), ("weight", 1, 0, 1),
                          path.values[-1, 1])
    assert moved.cost(x, y) == pytest.approx(path.costs[-1], rel=1e-12)  # the other four weights never moved


def test_batches_and_biases():
    rng = np.random.default_rng(1)
    from helpers import Network

    net = Network([rng.normal(size=(3, 2)), rng.normal(size=(1, 3))], [rng.normal(size=3), rng.normal(size=1)],
                  ("tanh", "sigmoid"), "cross_entropy")
    x, y = rng.normal(size=(5, 2)), rng.uniform(size=(5, 1))
    pair = ("w2", "b1_1")
    path = pair_descent(net, x, y, pair, 0.7, 10)
    values, costs = reference_path_general(net, x, y, pair, 0.7, 10)
    np.testing.assert_allclose(path.values, values, rtol=1e-10)
    np.testing.assert_allclose(path.costs, costs, rtol=1e-10)


def reference_path_general(net, x, y, pair, lr, n_steps):
    names = parameter_names(net)
    where = [names[name] for name in pair]
    values, costs = [], []
    for k in range(n_steps + 1):
        g = net.gradients(x, y)
        values.append([get_parameter(net, w) for w in where])
        costs.append(net.cost(x, y))
        grads = [g.weights[w[1]][w[2], w[3]] if w[0] == "weight" else g.biases[w[1]][w[2]] for w in where]
        if k < n_steps:
            for w, grad in zip(where, grads):
                net = set_parameter(net, w, get_parameter(net, w) - lr * grad)
    return np.array(values), np.array(costs)


def test_overflow_ends_the_path_without_raising():
    net, x, y, _ = chain_example()
    path = pair_descent(net, x, y, ("w1", "w3"), 1e3, 500)
    assert path.diverged and "diverged" in path.stopped_because
    assert path.steps_taken < 500 and np.isfinite(path.costs).all()
    assert classify_path(path, 0.0).name == "diverging"


@pytest.mark.parametrize("kwargs, message", [
    (dict(pair=("w2", "w2")), "pair: expected two different"),
    (dict(pair=("w9", "w2")), "pair: 'w9' is not a parameter"),
    (dict(lr=0.0), "lr: expected a finite learning rate > 0"),
    (dict(lr=float("nan")), "lr: expected"),
    (dict(n_steps=-1), "n_steps"),
])
def test_bad_arguments_name_themselves(kwargs, message):
    net, x, y, _ = chain_example()
    arguments = dict(pair=CHAIN_PAIR, lr=0.5, n_steps=5) | kwargs
    with pytest.raises(ValueError, match=message):
        pair_descent(net, x, y, **arguments)


# The settings the lesson shows: each must be named as the lesson says.
CHAIN_REGIMES = [
    (CHAIN_PAIR, 0.01, None, "slow"),
    (CHAIN_PAIR, 0.5, None, "good"),
    (CHAIN_PAIR, 5.0, None, "overshooting"),
    (CHAIN_PAIR, 8.0, (-4.0, 0.5), "oscillating"),
    (CHAIN_PAIR, 8.0, None, "plateau"),
    (CHAIN_PAIR, 0.5, (-6.0, 0.5), "plateau"),
    (("w1", "w3"), 10.0, None, "diverging"),
]


def chain_regime(pair, lr, start=None, steps=40):
    net, x, y, _ = chain_example()
    path = pair_descent(net, x, y, pair, lr, steps, start=start)
    return path, classify_path(path, lowest=0.0)


@pytest.mark.parametrize("pair, lr, start, name", CHAIN_REGIMES)
def test_regimes_on_the_chain(pair, lr, start, name):
    _, regime = chain_regime(pair, lr, start)
    assert regime.name == name
    assert regime.name in REGIMES and regime.text.startswith(name)
    assert 0 <= regime.step <= 40


#: the slider's notches (FloatLogSlider, base 10, step 0.05 in the exponent, 0.001 .. 1000)
NOTCHES = [10 ** (-3 + 0.05 * k) for k in range(121)]


def names_along_the_slider(pair, start, steps=40):
    """The regime names met moving lr one notch at a time from 0.001 to 1000, repeats dropped."""
    names = []
    for lr in NOTCHES:
        name = chain_regime(pair, lr, start, steps)[1].name
        if not names or names[-1] != name:
            names.append(name)
    return names


@pytest.mark.parametrize("pair, start, steps, expected", [
    # the student's sweep: it used to read good, overshooting, oscillating, overshooting, oscillating, plateau
    (CHAIN_PAIR, None, 40, ["slow", "good", "overshooting", "oscillating", "plateau"]),
    (CHAIN_PAIR, (-4.0, 0.5), 40, ["slow", "good", "oscillating", "plateau"]),  # the lesson's shallow start
    (("w1", "w3"), None, 40, ["slow", "good", "overshooting", "oscillating", "diverging"]),  # "w0 and w2 learn"
])
def test_one_notch_at_a_time_the_names_do_not_flicker(pair, start, steps, expected):
    assert names_along_the_slider(pair, start, steps) == expected


def test_a_cost_that_jumps_back_onto_the_plateau_is_no_divergence():
    # from the plateau at lr 14.1 the cost went 0.244 ... 0.0265 -> 0.23 -> 0.245: it was called "diverging"
    path, regime = chain_regime(CHAIN_PAIR, NOTCHES[83], (-6.0, 0.5))
    assert path.costs.min() < 0.03 and path.costs[-1] == pytest.approx(0.245, abs=0.001)
    assert regime.name == "plateau" and "threw it back onto a plateau" in regime.text
    assert path.costs[regime.step] > path.costs[regime.step - 1]  # the ring sits on the step that threw it back


def test_stranded_on_the_plateau_is_no_overshoot():
    # from (3, 2) at lr 3.16 the path ends at E = 0.252 on the plateau: it was "overshooting ... settles elsewhere"
    path, regime = chain_regime(CHAIN_PAIR, NOTCHES[70], (3.0, 2.0))
    assert path.costs[-1] == pytest.approx(0.252, abs=0.001)
    assert regime.name == "plateau" and regime.text.startswith("plateau: overshot onto a plateau")


def test_getting_off_the_plateau_to_the_floor_is_named_so():
    # 200 steps from the plateau at lr 3.98: it was "plateau: steps 0 to 87 barely move"
    path, regime = chain_regime(CHAIN_PAIR, NOTCHES[72], (-6.0, 0.5), steps=200)
    assert path.costs[-1] < 1e-6
    assert regime.name == "plateau" and regime.text.startswith("plateau, then good: stuck on a plateau")
    assert path.costs[regime.step] > 0.2 and path.costs[regime.step + 40] < 1e-6  # the ring: where it gets off


def test_diverging_needs_a_cost_far_above_its_start_or_growing():
    path, regime = chain_regime(CHAIN_PAIR, NOTCHES[116], (-6.0, 0.5))  # lr 631: w1 > 0, s2 -> 1, w2 blows up
    assert regime.name == "diverging" and path.costs[-1] > 1e100
    for lr in NOTCHES:  # from the slides' guess over (w1, w2) no lr diverges: each big step strands on the plateau
        path, regime = chain_regime(CHAIN_PAIR, lr)
        assert (regime.name == "diverging") == (path.costs[-1] >= 10 * path.costs[0])


def test_oscillating_means_still_bouncing_at_the_end_overshooting_means_settled():
    path, regime = chain_regime(CHAIN_PAIR, 8.0, (-4.0, 0.5))
    tail = np.diff(path.costs[-10:])
    assert (tail > 0).sum() >= 3 and (tail < 0).sum() >= 3  # up and down to the end
    path, regime = chain_regime(CHAIN_PAIR, 4.0)  # three early rises, then straight down: it was "oscillating"
    assert regime.name == "overshooting"
    assert np.all(np.diff(path.costs[5:]) <= 0)


def test_the_rules_are_listed_in_the_order_classify_path_checks_them():
    import inspect
    import re

    from helpers.descent import RULES

    source = inspect.getsource(classify_path)
    order = []
    for name in re.findall(r'Regime\("(\w+)"', source):
        if not order or order[-1] != name:
            order.append(name)
    assert order == [name for name, _ in RULES]
    assert {name for name, _ in RULES} == set(REGIMES)


def test_regimes_on_the_office_hours_network():
    net, x, _, _ = office_hours_example()
    names = {lr: classify_path(pair_descent(net, x, [1.0], ("w5", "w6"), lr, 40), 0.0).name
             for lr in (0.02, 0.2, 2.0, 20.0, 1000.0)}
    assert set(names.values()) <= {"slow", "good"}  # y = 1: no bottom to overshoot
    lowest = 0.6108643020548935  # logistic cost at y_hat = y = 0.3
    regime = {lr: classify_path(pair_descent(net, x, [0.3], ("w5", "w6"), lr, 40), lowest).name
              for lr in (0.02, 20.0, 1000.0)}
    assert regime == {0.02: "slow", 20.0: "oscillating", 1000.0: "diverging"}


def test_the_step_named_is_where_it_shows():
    net, x, y, _ = chain_example()
    path = pair_descent(net, x, y, CHAIN_PAIR, 5.0, 40)
    regime = classify_path(path, 0.0)
    assert path.costs[regime.step] > path.costs[regime.step - 1]  # the overshooting step raised the cost
    good = classify_path(pair_descent(net, x, y, CHAIN_PAIR, 0.5, 40), 0.0)
    good_path = pair_descent(net, x, y, CHAIN_PAIR, 0.5, 40)
    assert good_path.costs[good.step] <= 0.05 * good_path.costs[0] < good_path.costs[good.step - 1]


def test_classify_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match="path: expected a PairPath"):
        classify_path([1, 2, 3], 0.0)
    net, x, y, _ = chain_example()
    with pytest.raises(ValueError, match="lowest"):
        classify_path(pair_descent(net, x, y, CHAIN_PAIR, 0.5, 3), float("nan"))


# ---------------------------------------------------------------------------
# The live view
# ---------------------------------------------------------------------------


@pytest.fixture
def explorer():
    net, x, y, _ = chain_example()
    made = DescentExplorer(net, x, y, pair=CHAIN_PAIR, lr=0.5, steps=40, labels=SLIDES, lowest=0.0, limits=LIMITS,
                           starts={"guess": (1.0, 0.5), "plateau": (-6.0, 0.5)})
    yield made
    made.close()


def test_the_path_drawn_is_the_numeric_path(explorer):
    net, x, y, _ = chain_example()
    for lr in (0.01, 0.5, 5.0, 8.0):
        explorer.controls["lr"].value = lr
        expected = pair_descent(net, x, y, CHAIN_PAIR, lr, 40)
        view = explorer.view
        u, v = view.path_line.get_data()
        np.testing.assert_array_equal(u, expected.values[:, 0])
        np.testing.assert_array_equal(v, expected.values[:, 1])
        steps, costs = view.loss_line.get_data()
        np.testing.assert_array_equal(steps, np.arange(41))
        bottom, top = view.loss_limits
        np.testing.assert_array_equal(costs, np.clip(expected.costs, bottom, top))
        regime = classify_path(expected, 0.0)
        assert view.headline.get_text().replace("\n", " ") == regime.text  # wrapped at spaces, nothing lost
        assert view.regime_marker.get_data()[0][0] == expected.values[regime.step, 0]
        assert view.loss_label.get_text() == f"{regime.name} (step {regime.step})"


def test_an_lr_change_redraws_synchronously_by_blitting(explorer, monkeypatch):
    explorer.controls["lr"].value = NOTCHES[55]  # lr 0.56: E reaches 1.2e-15
    rendered = []
    original = explorer.view.render
    monkeypatch.setattr(explorer.view, "render", lambda how="blit": rendered.append(how) or original(how))
    before = explorer.view.rgba()
    limits = explorer.view.loss_limits
    explorer.controls["lr"].value = NOTCHES[54]  # the next notch down: its costs fit the decades shown
    assert rendered == ["blit"] and explorer.view.loss_limits == limits
    assert explorer.regime.name == "good"
    assert explorer.view.headline.get_text().startswith("good")
    assert not np.array_equal(before, explorer.view.rgba())
    assert "0.5" in explorer.readouts["lr"].value
    explorer.controls["lr"].value = 5.0
    assert explorer.regime.name == "overshooting" and explorer.view.headline.get_text().startswith("overshooting")
    explorer.controls["lr"].value = 0.01  # slow: E stays within 0.01 .. 0.1, a 20-decade axis would flatten it
    assert rendered[-1] == "full" and explorer.view.loss_limits == pytest.approx((0.01, 0.1))


def test_the_loss_axis_follows_the_costs_and_marks_what_it_cannot_show(explorer):
    view = explorer.view
    explorer.controls["start"].value = "plateau"
    explorer.controls["lr"].value = NOTCHES[116]  # lr 631: E reaches 1.8e209 (the axis used to stop at 1e3)
    assert explorer.regime.name == "diverging"
    bottom, top = view.loss_limits
    assert top >= explorer.path.costs.max() and bottom <= explorer.path.costs[0]
    assert len(view.clipped_high.get_data()[0]) == 0
    assert len(view.leave_marker.get_data()[0]) == 1 and "leaves the map" in view.legend.get_text()
    explorer.controls["start"].value = "guess"
    explorer.controls["lr"].value = NOTCHES[64]  # lr 1.58: E is exactly 0 after a few steps
    zero = explorer.path.costs == 0
    assert zero.any()
    steps, shown = view.clipped_low.get_data()
    np.testing.assert_array_equal(steps, np.flatnonzero(zero))  # each E = 0 marked on the bottom edge
    assert "off the log axis" in view.legend.get_text() and "E = 0" in view.legend.get_text()
    assert not view.lowest_line.get_visible() and "lowest E" not in view.legend.get_text()  # lowest 0: not drawn


def test_the_headline_fits_the_figure(explorer):
    view = explorer.view
    width = view.figure.get_size_inches()[0]
    for lr in (6.31, 1000.0, 4.467):  # the oscillating headline used to run off the right edge
        explorer.controls["lr"].value = lr
        view.render("full")
        for text, weight in ((view.headline, "bold"), (view.detail, "normal")):
            for line in text.get_text().split("\n"):
                assert view._text_size(line, text.get_fontsize(), weight)[0] <= width * 0.98


def test_the_weights_that_learn_can_be_switched():
    net, x, y, _ = chain_example()
    pairs = {"w1 and w2 learn": dict(pair=CHAIN_PAIR, starts={"guess": (1.0, 0.5), "shallow": (-4.0, 0.5)},
                                     limits=LIMITS),
             "w0 and w2 learn": dict(pair=("w1", "w3"), starts={"guess (w0, w2)": (2.0, 0.5)},
                                     limits=((-4.0, 4.0), (-4.0, 4.0)))}
    made = DescentExplorer(net, x, y, lr=10.0, steps=40, labels=SLIDES, lowest=0.0, pairs=pairs)
    try:
        assert made.pair == CHAIN_PAIR and made.regime.name == "plateau"
        made.controls["weights"].value = "w0 and w2 learn"
        assert made.pair == ("w1", "w3") and made.controls["start"].options == ("guess (w0, w2)",)
        assert made.regime.name == "diverging"  # the live slider reaches every regime
        assert made.view.axes.get_xlabel() == "w0" and made.path.values[0].tolist() == [2.0, 0.5]
        made.controls["lr"].value = 0.5
        assert made.regime.name == "good"
        made.controls["weights"].value = "w1 and w2 learn"
        made.controls["start"].value = "shallow"
        made.controls["lr"].value = 8.0
        assert made.regime.name == "oscillating" and made.view.axes.get_xlabel() == "w1"
    finally:
        made.close()


def test_steps_and_start_controls(explorer):
    explorer.controls["steps"].value = 80
    assert explorer.path.steps_taken == 80 and explorer.view.loss_line.get_data()[0][-1] == 80
    explorer.controls["start"].value = "plateau"
    assert explorer.path.values[0].tolist() == [-6.0, 0.5]
    assert explorer.regime.name == "plateau"


def test_a_bad_lr_is_refused_and_the_next_move_works(explorer):
    explorer._apply("lr", 0.5)
    explorer.controls["lr"].value = 0.5
    handler = explorer._on_change("lr")
    handler({"old": 0.5, "new": float("nan")})
    assert "lr" in explorer.message.value and explorer._lr == 0.5
    explorer.controls["lr"].value = 4.0
    assert explorer.message.value == "" and explorer.regime.name == "overshooting"


def test_display_bundle_has_png_and_text(explorer):
    bundle = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert bundle["text/plain"].startswith("Descent explorer over (w1, w2) from (1, 0.5), lr = 0.5, 40 steps")
    width, height = explorer.view.figure.get_size_inches() * explorer.view.figure.dpi
    assert width + 300 <= 1366 - 80 and height <= 768 - 250  # one laptop screen: controls (~300 px) beside it
    assert explorer.widget.children[1] is explorer.canvas


def test_close_and_rerun_lifecycle(monkeypatch):
    net, x, y, _ = chain_example()
    requests = iter([("cell-1", "run-1"), ("cell-1", "run-2")])
    monkeypatch.setattr(widgets_module, "_current_request", lambda: next(requests))
    first = DescentExplorer(net, x, y, pair=CHAIN_PAIR)
    assert first in widgets_module.live_explorers()
    second = DescentExplorer(net, x, y, pair=CHAIN_PAIR)
    assert first.closed and not second.closed
    assert first.summary().startswith("Closed descent explorer")
    second.close()
    assert second.closed and second not in widgets_module.live_explorers()
    assert second.controls == {} and second.widget is None
    with pytest.raises(ValueError, match="closed"):
        second.to_png()


def test_path_type():
    net, x, y, _ = chain_example()
    assert isinstance(pair_descent(net, x, y, CHAIN_PAIR, 0.5, 0), PairPath)


def test_lesson_figures_draw():
    from helpers import figures
    from helpers.draw import descent_grid
    from helpers.training import initial_network, train, xor_truth_table

    table = xor_truth_table()
    net, history = train(initial_network((2, 2, 1), activation="sigmoid", seed=0), table, lr=2.0, steps=50,
                         batch_size=4, progress=False)
    fig = figures.decision_boundary(net, table.x_train, table.labels_train, title="xor")
    assert fig.axes[0].get_title() == "xor"
    assert len(figures.decision_boundaries_figure({"a": net, "b": net}, table.x_train, table.labels_train).axes) >= 2
    assert figures.loss_curves_figure({"run": history}).axes[0].get_yscale() == "log"
    chain, x, y, _ = chain_example()
    path = pair_descent(chain, x, y, CHAIN_PAIR, 0.5, 10)
    case = {"surface": descent_grid(chain, x, y, CHAIN_PAIR, LIMITS, 21), "path": path,
            "regime": classify_path(path, 0.0), "title": "t"}
    grid = figures.regime_grid_figure([case, case], columns=2)
    np.testing.assert_array_equal(grid.axes[0].lines[0].get_xdata(), path.values[:, 0])  # the path drawn is the path
    assert figures.png_bytes(grid).startswith(b"\x89PNG")


def test_a_constant_output_has_no_boundary_line():
    from helpers import Network, figures
    from helpers.training import xor_truth_table

    table = xor_truth_table()
    flat = Network([np.array([[1e-16, -1e-16]])], [np.array([0.0])], ("sigmoid",), "cross_entropy")  # y_hat = 0.5
    fig = figures.decision_boundary(flat, table.x_train, table.labels_train)
    ax = fig.axes[0]
    assert not ax.collections or all(type(c).__name__ != "QuadContourSet" for c in ax.collections)
    assert not [c for c in ax.get_children() if type(c).__name__ == "QuadContourSet"]  # the 0.5 "line" was noise
    assert any("everywhere" in t.get_text() for t in ax.texts)


def test_regime_grid_zooms_on_short_paths_and_marks_where_a_path_leaves():
    from helpers import figures
    from helpers.draw import descent_grid

    chain, x, y, _ = chain_example()
    cases = []
    for pair, lr, limits in ((CHAIN_PAIR, 0.01, LIMITS), (("w1", "w3"), 10.0, ((-4.0, 4.0), (-4.0, 4.0)))):
        path = pair_descent(chain, x, y, pair, lr, 40)
        cases.append({"surface": descent_grid(chain, x, y, pair, limits, 21), "path": path,
                      "regime": classify_path(path, 0.0), "title": "t"})
    grid = figures.regime_grid_figure(cases, columns=2)
    slow, diverging = grid.axes[:2]
    zooms = [child for child in slow.get_children() if type(child).__name__ == "Axes"]
    assert len(zooms) == 1  # the slow path moves 0.3 of a unit on a 12-unit map: it gets an inset
    np.testing.assert_array_equal(zooms[0].lines[0].get_xdata(), cases[0]["path"].values[:, 0])
    u, v = cases[1]["path"].values.T
    first_out = int(np.argmax((np.abs(u) > 4) | (np.abs(v) > 4)))
    assert first_out > 0 and any(f"leaves the map at step {first_out}\n" in t.get_text() for t in diverging.texts)
    assert not [child for child in diverging.get_children() if type(child).__name__ == "Axes"]


def test_leaves_frame_finds_the_first_point_outside_and_where_the_segment_crosses():
    from helpers.descent import leaves_frame

    values = np.array([[0.0, 0.0], [0.5, 0.5], [2.0, 0.5], [5.0, 5.0]])
    j, (u, v) = leaves_frame(values, ((-1.0, 1.0), (-1.0, 1.0)))
    assert j == 2 and (u, v) == (1.0, 0.5)  # the segment (0.5, 0.5) -> (2, 0.5) meets u = 1
    assert leaves_frame(values[:2], ((-1.0, 1.0), (-1.0, 1.0))) is None
    j, (u, v) = leaves_frame(np.array([[0.0, 0.0], [-3.0, -1.5]]), ((-1.0, 1.0), (-1.0, 1.0)))
    assert j == 1 and np.allclose((u, v), (-1.0, -0.5))  # the nearer edge (u = -1) comes first
