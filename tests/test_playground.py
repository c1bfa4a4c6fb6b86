"""helpers.widgets.Playground, driven headlessly through its controls, buttons and synthetic clicks."""

import asyncio
import base64
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent

import helpers.widgets as widgets_module
from helpers import training
from helpers.draw import fmt
from helpers.playground_views import CLASS_COLOURS, boundary_colours, class_probabilities
from helpers.widgets import PANEL_STEP, PANEL_TRAINING, Playground

pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"


@pytest.fixture
def playground():
    pg = Playground()
    yield pg
    pg.close()


def click(canvas, axes, x1, x2, button=1):
    """A mouse press at data point (x1, x2) of ``axes``, delivered as the browser's would be."""
    x, y = axes.transData.transform((x1, x2))
    event = MouseEvent("button_press_event", canvas, x, y, button=button)
    canvas.callbacks.process("button_press_event", event)
    return event


def test_controls_and_the_starting_network(playground):
    expected = {"data", "noise", "test_fraction", "click_mode", "point_class", "hidden_layers", "units", "activation",
                "lr", "batch_size", "l2", "speed", "play", "pause", "step", "reset", "example", "show_step", "panel"}
    assert expected <= set(playground.controls)
    assert playground.net.layer_sizes == (2, 6, 1)
    assert playground.net.activations == ("tanh", "sigmoid")
    assert playground.data.name == "moons"
    assert playground.step_count == 0 and len(playground.history) == 1  # the loss before any step
    assert playground.controls["pause"].disabled and not playground.controls["play"].disabled


def test_data_set_and_architecture_controls_rebuild_the_network(playground):
    c = playground.controls
    c["data"].value = "spiral"
    assert playground.data.n_classes == 3
    assert playground.net.layer_sizes == (2, 6, 3)
    assert playground.net.activations[-1] == "softmax" and playground.net.cost_name == "categorical_cross_entropy"
    assert c["noise"].value == 0.05  # the spiral's own noise
    assert [v for _, v in c["point_class"].options] == [0, 1, 2]
    c["hidden_layers"].value = 3
    c["units"].value = 8
    assert playground.net.layer_sizes == (2, 8, 8, 8, 3)
    view = playground.views["training"]
    assert len(view.thumbnails.centres) == 2 + 24 + 3
    assert len(view.edges.get_segments()) == 2 * 8 + 8 * 8 * 2 + 8 * 3
    assert playground.views["step"].layer_sizes == (2, 8, 8, 8, 3)
    c["activation"].value = "relu"
    assert playground.net.activations == ("relu", "relu", "relu", "softmax")
    c["hidden_layers"].value = 0
    assert playground.net.layer_sizes == (2, 3)
    c["data"].value = "xor"
    assert playground.net.layer_sizes == (2, 1)
    c["noise"].value = 0.3
    c["test_fraction"].value = 0.5
    assert playground.data.n_test == 100 and playground.data.n_train == 100
    assert playground.step_count == 0 and len(playground.history) == 1


def test_steps_reduce_the_loss(playground):
    start = playground.history.train_loss[0]
    assert playground.step() == 1 and playground.step_count == 1
    playground.run(400)
    assert playground.step_count == 401
    assert playground.history.train_loss[-1] < 0.6 * start
    assert playground.history.train_accuracy[-1] > 0.8
    assert playground.history.step[-1] == 401  # the curves end at the current step


def test_the_same_settings_give_the_same_run():
    first, second = Playground(data="circles", hidden_layers=2), Playground(data="circles", hidden_layers=2)
    try:
        first.run(120)
        second.run(60)
        second.run(60)
        assert first.history.train_loss == second.history.train_loss
        assert first.summary() == second.summary()
    finally:
        first.close()
        second.close()


def test_the_boundary_image_and_neuron_pictures_change_with_training(playground):
    image = playground.views["data"].image.get_array().copy()
    pictures = [p.copy() for p in playground.views["training"].thumbnails.pictures]
    playground.run(200)
    assert not np.allclose(playground.views["data"].image.get_array(), image)
    after = playground.views["training"].thumbnails.pictures
    assert np.array_equal(after[0], pictures[0])  # the input x1 is what it was
    assert any(not np.array_equal(a, b) for a, b in zip(after[2:], pictures[2:]))  # hidden units and output moved
    # the boundary image is the class colours mixed by the network's probabilities on the grid
    trace = playground.grid.forward(playground.net)
    probabilities = class_probabilities(trace.output).reshape(60, 60, 2)
    assert np.allclose(playground.views["data"].image.get_array(), boundary_colours(probabilities), atol=1e-6)


def test_boundary_colours_are_the_class_colours_where_sure():
    from matplotlib.colors import to_rgb

    sure = boundary_colours(np.array([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]]))
    assert np.allclose(sure[0], 1 - (1 - np.array(to_rgb(CLASS_COLOURS[0]))) * 0.8)
    assert np.allclose(sure[1], 1.0)  # no idea at all: white


def test_the_loss_curves_grow_with_the_steps(playground):
    view = playground.views["training"]
    assert len(view.train_curve.get_xdata()) == 1
    playground.run(30)  # a point every 5 steps, whatever the batch size
    assert list(view.train_curve.get_xdata()) == [0, 5, 10, 15, 20, 25, 30]
    assert len(view.test_curve.get_ydata()) == 7
    playground.run(5)
    assert list(view.train_curve.get_xdata())[-1] == 35
    playground.run(200)
    assert view.loss_axes.get_xlim()[1] >= 235  # the axes grew with the run
    assert view.readout.get_text().startswith("step 235")


def test_learning_rate_l2_and_batch_reach_the_trainer(playground):
    c = playground.controls
    c["lr"].value = 0.01
    assert playground.trainer.lr == pytest.approx(0.01)
    c["l2"].value = 0.01
    assert playground.trainer.l2 == 0.01
    playground.run(10)
    c["batch_size"].value = None
    assert playground.trainer.batch_size == playground.data.n_train
    assert playground.step_count == 10  # a new batch size keeps the network and the history
    playground.step()
    assert playground.history.step[-1] == 11


def test_pick_shows_that_examples_gradients(playground):
    playground.run(50)
    playground.pick(7)
    assert playground.picked == 7 and playground.panel == PANEL_STEP
    assert playground.controls["panel"].value == PANEL_STEP
    net, data = playground.net, playground.data
    x, y = data.x_train[7], data.y_train[7]
    expected = net.gradients(x, y)
    state = playground.state
    for name, (kind, layer, row, col) in state.names.items():
        truth = expected.weights[layer][row, col] if kind == "weight" else expected.biases[layer][row]
        assert state.grads[name] == truth
    view = playground.views["step"]
    # the output neuron is in focus: its row per incoming weight shows that weight's gradient and change
    assert view.focus == (2, 0)
    names = [row[0] for row in view.shown_rows]
    assert names == ["w13", "w14", "w15", "w16", "w17", "w18", "b2_1"]
    for r, name in enumerate(names):
        where = state.names[name]
        truth = expected.weights[1][0, r] if where[0] == "weight" else expected.biases[1][0]
        assert view.cells[r][4].get_text() == fmt(truth, 4)
        assert view.cells[r][5].get_text() == fmt(-playground.controls["lr"].value * truth, 4, sign=True)
    # every node shows its z and delta
    trace = net.forward(x)
    for j in range(6):
        assert view.node_texts[1][j].get_text() == fmt(trace.z[0][j])
        assert view.delta_texts[1][j].get_text() == f"\u03b4 {fmt(expected.deltas[0][j])}"
    assert "\u03b4 = \u2202E/\u2202a7 = \u0177" in view.header.get_text()
    # a hidden neuron: its weights come from the inputs; delta = f'(a) * sum of w * next delta
    playground.focus_neuron(1, 2)
    assert [row[1] for row in view.shown_rows] == ["x1", "x2", "1"]
    assert view.cells[0][4].get_text() == fmt(expected.weights[0][2, 0], 4)
    slope = 1 - np.tanh(trace.a[0][2]) ** 2
    downstream = net.weights[1][0, 2] * expected.deltas[1][0]
    assert slope * downstream == pytest.approx(expected.deltas[0][2])
    assert fmt(expected.deltas[0][2], 4) in view.header.get_text()
    # the ring marks the example on the data
    assert tuple(np.ravel(playground.views["data"].pick_ring.get_data())) == tuple(x)


def test_a_step_while_picked_shows_the_next_steps_arithmetic(playground):
    playground.pick(3)
    before = playground.state
    playground.step()
    assert playground.state is not before
    assert playground.state.net is playground.net
    playground.pick(None)
    assert playground.picked is None and playground.panel == PANEL_TRAINING


def test_the_example_box_and_panel_toggle_pick(playground):
    playground.controls["example"].value = 12
    playground.controls["show_step"].click()
    assert playground.picked == 12
    playground.controls["panel"].value = PANEL_TRAINING
    assert playground.canvases["step"].layout.display == "none"
    assert playground.canvases["training"].layout.display == ""
    playground.controls["panel"].value = PANEL_STEP
    assert playground.canvases["training"].layout.display == "none"
    with pytest.raises(ValueError, match=r"^index: expected a training example 0\.\.149"):
        playground.pick(150)


def test_clicks_add_remove_and_pick_points(playground):
    view, canvas = playground.views["data"], playground.canvases["data"]
    n_train = playground.data.n_train
    playground.controls["point_class"].value = 1
    click(canvas, view.axes, -1.2, 1.2)  # an empty corner: a new training point of class 1
    assert playground.data.n_train == n_train + 1
    assert np.allclose(playground.data.x_train[-1], (-1.2, 1.2))
    assert playground.data.labels_train[-1] == 1 and playground.data.y_train[-1].tolist() == [1.0]
    assert playground.trainer.data is playground.data  # training goes on with it
    offsets = view.train_points[1].get_offsets()
    assert np.allclose(offsets[-1], (-1.2, 1.2))
    assert "added a training point of class 1" in playground.message.value
    click(canvas, view.axes, -1.19, 1.21)  # on it: removed
    assert playground.data.n_train == n_train
    # pick mode: a click on a training point picks it
    playground.controls["click_mode"].value = widgets_module.CLICK_PICK
    target = playground.data.x_train[20]
    click(canvas, view.axes, *target)
    assert playground.picked == 20
    # outside the axes nothing happens
    event = MouseEvent("button_press_event", canvas, 2, 2, button=1)
    canvas.callbacks.process("button_press_event", event)
    assert playground.picked == 20


def test_add_and_remove_points_from_code(playground):
    index = playground.add_point(0.1, 0.2, 0)
    assert playground.data.labels_train[index] == 0
    playground.add_point(0.5, 0.5, 1, split="test")
    assert playground.data.n_test == 51
    assert playground.remove_point(0.5, 0.5) == ("test", 50)
    assert playground.remove_point(5.0, 5.0) is None
    with pytest.raises(ValueError, match=r"^label: expected a class 0\.\.1"):
        playground.add_point(0.0, 0.0, 2)
    with pytest.raises(ValueError, match=r"^x1, x2: expected finite numbers"):
        playground.add_point(np.nan, 0.0, 0)
    playground.run(20)
    assert playground.step_count == 20


def test_a_click_on_a_node_of_the_step_view_focuses_it(playground):
    playground.pick(0)
    view = playground.views["step"]
    cx, cy = view.layout.positions[1][3]
    click(playground.canvases["step"], view.diagram_axes, cx, cy)
    assert view.focus == (1, 3)
    cx, cy = view.layout.positions[0][0]
    click(playground.canvases["step"], view.diagram_axes, cx, cy)  # an input: a message, focus stays
    assert view.focus == (1, 3) and "input has no step" in playground.message.value


def test_play_trains_on_the_event_loop_and_pause_stops_it(playground):
    async def scenario():
        assert playground.play()
        assert playground.controls["play"].disabled and not playground.controls["pause"].disabled
        await asyncio.sleep(0.6)
        assert playground.step_count > 10
        assert playground.frames_drawn > 2
        playground.controls["pause"].click()
        assert not playground.playing
        stopped_at = playground.step_count
        await asyncio.sleep(0.2)
        assert playground.step_count == stopped_at
        assert not playground.controls["play"].disabled
        return playground.play_stats

    stats = asyncio.run(scenario())
    assert stats["steps"] > 10 and stats["frames"] > 2


def test_picking_while_playing_pauses(playground):
    async def scenario():
        playground.play()
        await asyncio.sleep(0.2)
        playground.pick(4)
        assert not playground.playing
        n = playground.step_count
        await asyncio.sleep(0.1)
        assert playground.step_count == n

    asyncio.run(scenario())


def test_without_an_event_loop_play_says_use_run(playground):
    assert playground.play() is False
    assert "run(steps)" in playground.message.value and not playground.playing


def test_close_stops_playing_and_frees_everything():
    from ipywidgets.widgets.widget import _instances

    before = len(_instances)
    pg = Playground()
    figures = list(pg.figures.values())

    async def scenario():
        pg.play()
        await asyncio.sleep(0.2)
        task = pg._task
        pg.close()
        await asyncio.sleep(0.05)
        return task

    task = asyncio.run(scenario())
    assert task.done() and not pg.playing and pg.closed
    assert len(_instances) == before
    assert all(not figure.axes for figure in figures)
    assert pg not in widgets_module.live_explorers()
    assert pg._repr_mimebundle_() == {"text/plain": pg.summary()}
    assert pg.summary().startswith("Closed playground: moons")
    pg.close()
    with pytest.raises(ValueError, match="closed"):  # a closed playground says so rather than doing nothing
        pg.step()


def test_rerunning_the_cell_closes_the_old_playground(monkeypatch):
    monkeypatch.setattr(widgets_module, "_current_request", lambda: ("cell-p", "request-1"))
    first = Playground()
    monkeypatch.setattr(widgets_module, "_current_request", lambda: ("cell-p", "request-2"))
    second = Playground()
    assert first.closed and not second.closed
    second.close()


def test_divergence_stops_with_a_message():
    pg = Playground(units=8, lr=10.0, batch_size=1, activation="relu")
    try:
        pg.trainer.lr = 1e300  # beyond what any slider offers: the weights overflow at once
        pg.run(50)
        assert pg.stopped_because and "diverged" in pg.message.value and "stopped" in pg.summary()
        assert pg.step() == 0  # stopped: nothing happens until the learning rate changes or a reset
        assert np.all(np.isfinite(pg.net.weights[0]))  # the last finite network stays
        pg.controls["reset"].click()
        assert not pg.stopped_because and pg.step() == 1 and pg.message.value == ""
    finally:
        pg.close()


def test_bad_arguments_are_clear_errors():
    from ipywidgets.widgets.widget import _instances

    before = len(_instances)
    for kwargs, message in [({"data": "iris"}, "^data:"), ({"hidden_layers": 4}, "^hidden_layers:"),
                            ({"units": 9}, "^units:"), ({"activation": "softmax"}, "^activation:"),
                            ({"lr": 0}, "^lr:"), ({"batch_size": 3}, "^batch_size:"), ({"speed": "warp"}, "^speed:"),
                            ({"noise": 0.8}, "^noise:"), ({"test_fraction": 0.05}, "^test_fraction:"),
                            ({"n_points": 3}, "^n_points:"), ({"seed": -1}, "^seed:")]:
        with pytest.raises(ValueError, match=message):
            Playground(**kwargs)
    assert len(_instances) == before  # a refused playground leaves no widgets behind


def test_display_bundle_and_a_picture_mid_training():
    pg = Playground(data="spiral", hidden_layers=2, units=8)
    try:
        pg.run(150)
        bundle = pg._repr_mimebundle_()
        assert {"image/png", "text/plain", "application/vnd.jupyter.widget-view+json"} <= set(bundle)
        png = base64.b64decode(bundle["image/png"])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert bundle["text/plain"].startswith("Playground: spiral")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "playground-mid.png").write_bytes(png)
        pg.pick(10)
        pg.focus_neuron(2, 5)
        (SCREENSHOTS / "playground-mid-step.png").write_bytes(pg.to_png())
    finally:
        pg.close()


def test_layout_fits_a_laptop_screen(playground):
    width = sum(playground.figures[k].get_figwidth() for k in ("data", "training")) * playground.style.dpi
    height = playground.figures["data"].get_figheight() * playground.style.dpi
    assert width <= 1250 and height <= 470  # 1366 x 768 less JupyterLab's bars, three rows of controls above
    assert playground.figures["step"].get_size_inches().tolist() == \
        playground.figures["training"].get_size_inches().tolist()  # the step view takes the training view's place


def test_data_sets_the_playground_offers_exist_in_training():
    for name in widgets_module.PLAYGROUND_DATA_SETS:
        data = getattr(training, name)(n_points=40)
        assert data.n_classes >= 2


def test_projector_style_scales_the_views_and_controls():
    small, big = Playground(), Playground(style="projector")
    try:
        assert "backprop-projector" in big.widget._dom_classes
        for kind in ("data", "training", "step"):
            pixels_small = small.figures[kind].get_figwidth() * small.figures[kind].dpi
            pixels_big = big.figures[kind].get_figwidth() * big.figures[kind].dpi
            assert pixels_big == pytest.approx(pixels_small * widgets_module.PROJECTOR_SCALE)
        width = sum(big.figures[k].get_figwidth() * big.figures[k].dpi for k in ("data", "training"))
        assert width <= 1800  # fits 1920 x 1080 beside nothing
        big.run(20)
        assert big.to_png()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        small.close()
        big.close()


def test_a_new_speed_applies_at_once(playground):
    async def scenario():
        playground.controls["speed"].value = "fast"
        playground.play()
        await asyncio.sleep(0.5)
        playground.controls["speed"].value = "slow"  # no debt of fast steps: slow goes on at its own pace
        before = playground.step_count
        await asyncio.sleep(0.5)
        slow_steps = playground.step_count - before
        playground.pause()
        return slow_steps

    slow_steps = asyncio.run(scenario())
    assert 1 <= slow_steps <= 10  # 10 steps a second


def test_no_hidden_layer_and_three_classes_show_their_step():
    pg = Playground(data="spiral", hidden_layers=0)
    try:
        assert pg.net.layer_sizes == (2, 3)
        assert pg.controls["example"].max == pg.data.n_train - 1
        pg.run(10)
        pg.pick(2)
        view, state = pg.views["step"], pg.state
        assert view.focus == (1, 0)
        assert [row[1] for row in view.shown_rows] == ["x1", "x2", "1"]
        label = pg.data.labels_train[2]
        y_hat = state.y_hat
        assert state.gradients.deltas[0] == pytest.approx(y_hat - np.eye(3)[label])  # softmax: delta = y_hat - y
        pg.focus_neuron(1, 2)
        assert view.cells[1][4].get_text() == fmt(state.gradients.weights[0][2, 1], 4)
        with pytest.raises(ValueError, match=r"^layer: expected 1\.\.1"):
            pg.focus_neuron(2, 0)
    finally:
        pg.close()


def test_an_error_while_playing_stops_it_with_a_message(playground, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    async def scenario():
        monkeypatch.setattr(playground, "_refresh", broken)
        playground.play()
        await asyncio.sleep(0.2)

    asyncio.run(scenario())
    assert not playground.playing and not playground.controls["play"].disabled
    assert "playing stopped: RuntimeError: a bug" in playground.message.value


def test_walk_it_back_shows_the_picked_examples_step_in_the_lessons_diagram():
    pg = Playground(data="xor", hidden_layers=1, units=3, seed=0)
    try:
        button = pg.controls["walk"]
        assert button.disabled and "pick a training example" in button.tooltip and pg.walk is None
        assert "playground-walk" in button._dom_classes
        pg.run(100)
        pg.pick(5)
        assert not button.disabled
        button.click()
        walk = pg.walk
        assert isinstance(walk, widgets_module.BackwardStepThrough) and not walk.closed
        assert pg.walk_slot.children == (walk.widget,)
        x, y = pg.data.x_train[5], pg.data.y_train[5]
        expected = pg.net.gradients(x, y)
        found = walk.walk.gradient_steps()
        state = pg.state
        assert walk.state.names == state.names and walk.state.lr == pg.controls["lr"].value
        for name, (kind, layer, row, col) in state.names.items():
            truth = expected.weights[layer][row, col] if kind == "weight" else expected.biases[layer][row]
            assert found[name] == truth == state.grads[name]  # exactly: the same arithmetic
            assert walk.state.changes[name] == state.changes[name]
            assert walk.state.new_values[name] == state.new_values[name]
        assert walk.state.cost == state.cost and walk.state.next_cost == state.next_cost
        # what the step panel prints for the output neuron is what the walk computes
        view = pg.views["step"]
        for r, row in enumerate(view.shown_rows):
            assert view.cells[r][4].get_text() == fmt(found[row[0]], 4)
        # a training step: the walk follows the example's new step, at the same step number
        walk.go(6)
        pg.step()
        assert walk.closed and pg.walk is not walk and pg.walk.index == 6
        found = pg.walk.walk.gradient_steps()
        expected = pg.net.gradients(x, y)
        assert all(found[name] == pg.state.grads[name] for name in state.names)
        assert found["w1"] == expected.weights[0][0, 0]
        # a new learning rate: the steps -lr dE/dw change, so the walk is made again
        old = pg.walk
        pg.controls["lr"].value = 0.1
        assert old.closed and pg.walk.state.lr == pytest.approx(0.1)
        # unpicked: the walk closes, the button is disabled again
        old = pg.walk
        pg.pick(None)
        assert old.closed and pg.walk is None and pg.walk_slot.children == () and button.disabled
    finally:
        pg.close()


def test_playing_closes_the_walk_and_a_new_pick_makes_a_new_one():
    pg = Playground(data="moons", hidden_layers=1, units=2, seed=1)
    try:
        pg.pick(3)
        walk = pg.walk_back()

        async def scenario():
            pg.play()
            assert walk.closed and pg.walk is None
            assert "training went on" in pg.walk_slot.children[0].value
            await asyncio.sleep(0.2)
            assert pg.controls["walk"].disabled is False  # the pick stays; the button pauses and walks
            pg.controls["walk"].click()
            assert not pg.playing and pg.walk is not None
            return pg.walk

        second = asyncio.run(scenario())
        assert second.state.net is pg.net
        pg.pick(4)
        assert second.closed and pg.walk.walk.gradient_steps()["w1"] == pg.state.grads["w1"]
    finally:
        pg.close()


def test_walk_it_back_is_refused_for_a_network_too_big_for_the_diagram(playground):
    assert playground.net.layer_sizes == (2, 6, 1)
    playground.pick(0)
    button = playground.controls["walk"]
    assert button.disabled
    assert "2-6-1 network would be unreadable" in button.tooltip and "try 1 hidden layer of 3 units" in button.tooltip
    assert "unreadable" in playground.walk_slot.children[0].value  # said on the page, not only in a tooltip
    with pytest.raises(ValueError, match="unreadable"):
        playground.walk_back()
    playground.controls["units"].value = 4  # 2-4-1: the diagram's labels pile up near the inputs
    playground.pick(0)
    assert button.disabled and "more than 3 units in a layer; try 1 hidden layer of 3 units" in button.tooltip
    playground.controls["units"].value = 3  # a new network: nothing picked
    playground.pick(0)
    assert not button.disabled and playground.walk_slot.children == ()
    playground.controls["hidden_layers"].value = 3
    playground.controls["units"].value = 2
    playground.pick(0)
    assert button.disabled and "more than 2 hidden layers" in button.tooltip
    assert widgets_module.walk_refusal((2, 3, 3, 1)).endswith("9 edges cross between two layers (more than 6); "
                                                              "try 2 hidden layers of 2 units")
    assert widgets_module.walk_refusal((2, 4, 3)) is not None and widgets_module.walk_refusal((2, 2, 3)) is None
    assert widgets_module.walk_refusal((2, 4, 1)) is None and widgets_module.walk_refusal((2, 2, 2, 1)) is None


def test_closing_the_playground_closes_its_walk_and_frees_everything(monkeypatch):
    from ipywidgets.widgets.widget import _instances

    before = len(_instances)
    pg = Playground(data="xor", hidden_layers=1, units=2)
    pg.pick(1)
    walk = pg.walk_back()
    pg.step()  # the walk is made again: the old one is closed, not leaked
    pg.close()
    assert walk.closed and pg.walk is None
    assert len(_instances) == before
    assert walk not in widgets_module.live_explorers()
    # re-running the cell closes the old playground and so its walk
    monkeypatch.setattr(widgets_module, "_current_request", lambda: ("cell-w", "request-1"))
    first = Playground(data="xor", hidden_layers=1, units=2)
    first.pick(0)
    first_walk = first.walk_back()
    monkeypatch.setattr(widgets_module, "_current_request", lambda: ("cell-w", "request-2"))
    second = Playground(data="xor", hidden_layers=1, units=2)
    assert first.closed and first_walk.closed and not second.closed
    second.close()


def test_a_picture_of_the_playground_and_its_walk():
    pg = Playground(data="xor", hidden_layers=1, units=3, seed=0)
    try:
        pg.run(300)
        pg.pick(7)
        pg.walk_back().go(9)
        png = pg.to_png()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "playground-walk.png").write_bytes(png)
        bundle = pg._repr_mimebundle_()
        assert base64.b64decode(bundle["image/png"]) == png
    finally:
        pg.close()


def test_batch_one_logs_on_a_fixed_step_interval_and_shows_each_batchs_noisy_loss():
    noisy, smooth = Playground(batch_size=1, lr=0.3), Playground(batch_size=None, lr=0.3)
    try:
        for pg in (noisy, smooth):
            pg.run(300)
            assert pg.history.step == list(range(0, 301, 5))  # not one point per epoch (150 steps at batch 1)
            assert len(pg.batch_losses) == len(pg.history) and np.isnan(pg.batch_losses[0])
            assert len(pg.views["training"].batch_curve.get_xdata()) == len(pg.history) - 1
        # full batch: that step's batch is the training set, its loss (before the step) the curve's last point
        assert smooth.batch_losses[1] == pytest.approx(smooth.history.train_loss[0], rel=0.2)
        jumps = [np.std(np.diff(pg.batch_losses[1:])) for pg in (noisy, smooth)]
        assert jumps[0] > 10 * jumps[1]  # one example's loss jumps about; the whole set's does not
    finally:
        noisy.close()
        smooth.close()


def test_logging_stays_bounded_on_a_long_run():
    pg = Playground(hidden_layers=0)
    try:
        pg.MAX_LOG_POINTS = 50
        pg.run(1000)
        assert len(pg.history) <= 51 and pg.log_every > 5
        assert pg.history.step[-1] == 1000 and all(s % pg.log_every == 0 for s in pg.history.step[:-1])
        assert len(pg.batch_losses) == len(pg.history)
    finally:
        pg.close()


def test_the_epoch_counts_examples_seen_across_batch_size_changes(playground):
    playground.run(10)  # 10 batches of 16 of 150 points: a full epoch of 150 (the last batch has 6)
    assert playground.epoch == pytest.approx(1.0)
    playground.controls["batch_size"].value = 1
    assert playground.epoch == pytest.approx(1.0)  # no jump when the batch size changes
    playground.run(15)
    assert playground.epoch == pytest.approx(1.1)
    assert playground.history.epoch[-1] == pytest.approx(1.1)


def test_the_output_squares_use_the_class_colours_of_the_data_view(playground):
    from helpers.playground_views import output_pictures

    playground.run(300)
    view = playground.views["training"]
    picture = view.thumbnails.pictures[-1]
    background = playground.views["data"].image.get_array()
    assert np.allclose(picture[..., :3] / 255, background, atol=1 / 255)
    # where the network is sure of class 1 the square is sky blue, not yellow
    trace = playground.grid.forward(playground.net)
    sure = np.argmax(trace.output[:, 0])
    assert np.argmax(picture.reshape(-1, 4)[sure, :3]) == 2  # blue the largest channel
    softmax = output_pictures(playground.grid, np.tile([[0.0, 1.0, 0.0]], (60 * 60, 1)))
    from matplotlib.colors import to_rgb
    assert np.allclose(softmax[0][0, 0, :3], 255)  # p0 = 0: white
    assert np.allclose(softmax[1][0, 0, :3] / 255, 1 - (1 - np.array(to_rgb(CLASS_COLOURS[1]))) * 0.8, atol=1 / 255)


def test_messages_clear_after_a_successful_action_and_clicks_say_what_they_picked(playground):
    view, canvas = playground.views["data"], playground.canvases["data"]
    playground.controls["click_mode"].value = widgets_module.CLICK_PICK
    click(canvas, view.axes, -1.25, -1.25)  # an empty corner
    assert "no training point there" in playground.message.value
    click(canvas, view.axes, *playground.data.x_train[7])
    assert playground.picked == 7 and playground.message.value.endswith("picked example #7</span>")
    playground.pick(None)
    playground._say("stale")
    playground.step()
    assert playground.message.value == ""  # a step that worked clears an old message
    playground._say("stale")
    playground.controls["lr"].value = 0.5
    assert playground.message.value == ""
    # a hollow test point: no training point is picked in its place, and the message says why
    far = [i for i, p in enumerate(playground.data.x_test)  # one with a training point near (within a click)
           if 0.02 < np.min(np.hypot(*(playground.data.x_train - p).T)) < Playground.CLICK_RADIUS][0]
    click(canvas, view.axes, *playground.data.x_test[far])
    assert playground.picked is None
    assert "test points are never trained on" in playground.message.value and f"#{far}" in playground.message.value


def test_train_numbers_follow_added_and_removed_points(playground):
    playground.run(50)
    before = playground.history.last()
    for k in range(8):  # class 1 points deep in class 0's corner: the training set gets harder
        playground.add_point(-1.0 + 0.02 * k, 1.0, 1)
    after = playground.history.last()
    assert after["step"] == before["step"] == 50 and len(playground.history) == 11  # replaced, not appended
    assert after["train_loss"] > before["train_loss"] and after["train_accuracy"] < before["train_accuracy"]
    assert after["train_loss"] == pytest.approx(playground.net.cost(playground.data.x_train, playground.data.y_train))
    assert f"accuracy {round(100 * after['train_accuracy'])}%" in playground.views["training"].readout.get_text()
    playground.remove_point(index=playground.data.n_train - 1)
    assert playground.history.last()["train_loss"] < after["train_loss"]


def test_dead_relus_and_a_loss_stuck_at_chance_get_a_note():
    pg = Playground(activation="relu", lr=10.0, units=4)
    try:
        assert pg.training_note() == ""
        pg.run(200)
        note = pg.training_note()
        assert note.startswith("dead ReLUs") or "chance level ln 2" in note, pg.summary()
        assert "note:" in pg.summary()
        assert note.split("\n")[0] in pg.views["training"].readout.get_text()
    finally:
        pg.close()
    healthy = Playground(activation="relu", lr=0.3)
    try:
        healthy.run(200)
        assert healthy.training_note() == ""
    finally:
        healthy.close()


def test_point_and_closed_playground_refusals_name_the_argument(playground):
    with pytest.raises(ValueError, match=r"^x1, x2: expected two numbers"):
        playground.remove_point("1/0", 0)
    with pytest.raises(ValueError, match=r"^x1, x2: .* outside the plotted square"):
        playground.add_point(40.0, 0.0, 1)
    with pytest.raises(ValueError, match=r"^index: expected"):
        playground.remove_point(index="3")
    playground.close()
    with pytest.raises(ValueError, match=r"^self: this playground is closed"):
        playground.step()


def test_the_notebooks_l2_settings_overfit_and_l2_helps():
    # the settings question 4 of notebooks/playground.ipynb suggests
    results = {}
    for l2 in (0.0, 0.01):
        pg = Playground(data="moons", n_points=50, noise=0.25, hidden_layers=2, units=8, batch_size=None, lr=1.0,
                        l2=l2, seed=2)
        try:
            pg.run(3000)
            results[l2] = pg.history.last()
        finally:
            pg.close()
    plain, regularised = results[0.0], results[0.01]
    assert plain["train_loss"] < 0.01 and plain["test_loss"] > 1.0  # memorised: overfitting
    assert regularised["test_loss"] < 0.5 * plain["test_loss"]
    assert regularised["test_accuracy"] > plain["test_accuracy"]


def test_the_focused_hidden_neuron_writes_out_its_sum_of_w_delta(playground):
    playground.controls["units"].value = 3
    playground.controls["data"].value = "spiral"
    playground.run(20)
    playground.pick(3)
    playground.focus_neuron(1, 0)
    header = playground.views["step"].header.get_text()
    line = [t for t in header.split("\n") if t.startswith("\u03a3 w\u00b7\u03b4(next) = ")][0]
    assert line.count("\u00b7") == 1 + 3  # the three terms written out
    w = playground.net.weights[1][:, 0]
    total = float(w @ playground.state.gradients.deltas[1])
    assert line.endswith(f"= {fmt(total, 4)}")
