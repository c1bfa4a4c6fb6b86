"""helpers.widgets.BackwardStepThrough and its views, driven headlessly through their controls."""

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgba

import helpers.widgets as widgets_module
from helpers import Network, chain_example, office_hours_example, two_two_two_example
from helpers.backward_walk import backward_walk
from helpers.draw import HIGHLIGHT, SliceView, WalkNetworkView, compose_png, cost_slice
from helpers.network import get_parameter, parameter_names
from helpers.widgets import BackwardStepThrough

# ipympl 0.10 builds its (hidden) toolbar with an argument traitlets no longer wants; not ours
pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


@pytest.fixture
def office_hours():
    step_through = BackwardStepThrough(*office_hours_example())
    yield step_through
    step_through.close()


@pytest.fixture
def two_two_two():
    net, x, y, lr = two_two_two_example()
    step_through = BackwardStepThrough(net, x, y, lr, numbering="by_receiver")
    yield step_through
    step_through.close()


def _first(step_through, predicate):
    return next(i for i, step in enumerate(step_through.walk) if predicate(step))


# ---------------------------------------------------------------------------
# The steps are backprop's
# ---------------------------------------------------------------------------


def _random_network(rng, sizes, activations, cost, biased):
    weights = [rng.normal(0, 1.2, (n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(0, 0.5, n_out) for n_out in sizes[1:]] if biased else None
    return Network(weights=weights, biases=biases, activations=activations, cost=cost)


@pytest.mark.parametrize("seed, sizes, activations, cost, biased", [
    (0, (2, 3, 1), ("sigmoid", "sigmoid"), "cross_entropy", False),
    (1, (3, 2, 2), ("tanh", "sigmoid"), "mse", True),
    (2, (1, 2, 2, 1), ("sigmoid", "tanh", "linear"), "mse", True),
    (3, (2, 2, 2), ("relu", "sigmoid"), "cross_entropy", True),
])
def test_gradient_steps_are_exactly_backprop_on_random_networks(seed, sizes, activations, cost, biased):
    rng = np.random.default_rng(seed)
    net = _random_network(rng, sizes, activations, cost, biased)
    x = rng.normal(0, 1, sizes[0])
    y = rng.uniform(0.05, 0.95, sizes[-1])
    step_through = BackwardStepThrough(net, x, y, lr=0.3)
    try:
        assert step_through.steps == backward_walk(net, x, y).pairs()
        gradients = net.gradients(x, y)
        found = step_through.walk.gradient_steps()
        names = parameter_names(net)
        assert list(found) == list(names)  # every weight and bias, once
        for name, (kind, layer, row, col) in names.items():
            expected = gradients.weights[layer][row, col] if kind == "weight" else gradients.biases[layer][row]
            assert found[name] == expected  # exactly, not approximately
            assert step_through.state.grads[name] == expected
        # walking to the end shows every gradient, each one the number backprop gives
        step_through.go(len(step_through.steps) - 1)
        view = step_through.views["network"]
        last = step_through.current.parameter
        assert last is not None
        assert all(label.get_visible() for name, label in view.gradient_labels.items() if name != last)
        assert step_through.current.value == found[step_through.current.parameter]
    finally:
        step_through.close()


# ---------------------------------------------------------------------------
# Driving the step control moves the highlight
# ---------------------------------------------------------------------------


def test_first_step_lights_up_the_cost(office_hours):
    view = office_hours.views["network"]
    assert office_hours.index == 0 and office_hours.current.kind == "cost"
    assert view.highlighted == ("cost",)
    assert view.title_highlight.get_visible() and to_rgba(view.title_highlight.get_facecolor()) == to_rgba(HIGHLIGHT)
    assert not view.edge_band.get_visible()
    assert not view.product.get_visible()  # E and its number are in the title already
    assert view.caption.get_text() == office_hours.current.expression  # "E = −[y ln ŷ + ...] = 0.4213"
    assert not any(label.get_visible() for label in view.gradient_labels.values())  # nothing computed yet
    assert "step 1 of 13" in office_hours.text.value and office_hours.position.value == "1 of 13"


def test_stepping_halfway_and_to_the_end_moves_the_highlight(office_hours):
    view = office_hours.views["network"]
    n = len(office_hours.steps)
    half = n // 2  # office hours: step 7 is δ1 = ∂E/∂a1, a node
    office_hours.controls["step"].value = half
    step = office_hours.current
    assert office_hours.index == half and step.highlight == ("node", 1, 0)
    assert view.highlighted == ("node", 1, 0)
    assert view.node_highlights[1][0].get_visible()
    assert sum(box.get_visible() for row in view.node_highlights for box in row) == 1
    assert not view.title_highlight.get_visible() and not view.edge_band.get_visible()
    assert view.product.get_visible() and view.product.get_text().split("\n")[-1] == "= " + step.expression.split(
        " = ")[-1]
    assert view.product.get_text().replace("\n", " ").startswith("δ1 = ∂E/∂z1 · z1(1 − z1) = ")
    visible = {name for name, label in view.gradient_labels.items() if label.get_visible()}
    assert visible == {"w5", "w6"}  # found before this step, shown in grey

    office_hours.controls["step"].value = n - 1  # the last step: ∂E/∂w4, an edge
    step = office_hours.current
    assert step.parameter == "w4" and step.highlight == ("edge", 0, 1, 1)
    edge = view.edges["w4"]
    assert view.edge_band.get_visible()
    assert to_rgba(view.edge_band.get_color()) == to_rgba(HIGHLIGHT)
    assert view.edge_band.get_linewidth() == pytest.approx(edge.get_linewidth() + 9)
    assert np.allclose(np.array(view.edge_band.get_data()), np.array(edge.get_data()))
    assert not any(box.get_visible() for row in view.node_highlights for box in row)
    assert view.product.get_text() == f"∂E/∂w4 = δ2 · x2\n= {step.expression.split(' = ')[-1]}"
    assert view.caption.get_text().replace("\n", " ") == f"∂E/∂w4 = {step.expression}"
    # every gradient found by now, but the lit edge's labels give way to the product box
    assert all(label.get_visible() for name, label in view.gradient_labels.items() if name != "w4")
    assert not view.gradient_labels["w4"].get_visible() and not view.edge_labels["w4"].get_visible()
    assert "step 13 of 13" in office_hours.text.value

    office_hours.controls["step"].value = 0  # and back: nothing left over
    assert not view.edge_band.get_visible() and view.edge_labels["w4"].get_visible()
    assert not any(label.get_visible() for label in view.gradient_labels.values())


def test_the_step_panel_says_what_is_multiplied(office_hours):
    office_hours.go(_first(office_hours, lambda step: step.parameter == "w5"))
    text = office_hours.text.value
    assert "step 4 of 13" in text and "<b>∂E/∂w5</b> = −0.1975" in text
    assert "factor: ∂a3/∂w5 = z1 = 0.5744" in text
    assert "δ3 · z1 = −0.3438 × 0.5744 = −0.1975" in text
    office_hours.go(2)  # the output δ: the note on why the slope cancels
    assert "<i>the sigmoid" in office_hours.text.value


def test_buttons_and_methods_move_one_step(office_hours):
    office_hours.controls["next"].click()
    office_hours.controls["next"].click()
    assert office_hours.index == 2 and office_hours.controls["step"].value == 2
    assert office_hours.controls["play"].value == 2  # the Play follows the slider
    office_hours.controls["previous"].click()
    assert office_hours.index == 1
    office_hours.controls["last"].click()
    assert office_hours.index == len(office_hours.steps) - 1
    office_hours.next()  # stays on the last
    assert office_hours.index == len(office_hours.steps) - 1
    office_hours.controls["first"].click()
    office_hours.previous()  # stays on the first
    assert office_hours.index == 0
    office_hours.controls["play"].value = 4  # a tick of the Play moves the step
    assert office_hours.index == 4 and office_hours.controls["step"].value == 4
    office_hours.go(3)
    assert office_hours.current is office_hours.walk[3]


def test_every_step_draws_on_every_example():
    for example, numbering in ((office_hours_example, "by_sender"), (chain_example, "by_sender"),
                               (two_two_two_example, "by_receiver")):
        net, x, y, lr = example()
        step_through = BackwardStepThrough(net, x, y, lr, numbering=numbering)
        try:
            view = step_through.views["network"]
            for i in range(len(step_through.steps)):
                step_through.go(i)
                assert view.highlighted == tuple(step_through.current.highlight)
                assert view.caption.get_text()
                view.rgba()  # draws without error
        finally:
            step_through.close()


# ---------------------------------------------------------------------------
# The slice: tangent slope = the gradient, the step to scale
# ---------------------------------------------------------------------------


def test_slice_tangent_has_the_gradient_as_slope_and_the_step_is_to_scale(office_hours):
    net, x, y, lr = office_hours_example()
    index = _first(office_hours, lambda step: step.parameter == "w5")
    office_hours.go(index)  # a gradient step selects its weight
    assert office_hours.controls["weight"].value == "w5"
    view = office_hours.views["slice"]
    gradient = office_hours.current.value
    assert view.name == "w5" and view.axes.get_xlabel() == "w5"
    xs, ys = view.tangent.get_data()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(gradient, rel=1e-12)
    assert view.slope == gradient
    # the tangent touches the curve at the current point
    assert tuple(np.ravel(view.point.get_data())) == (0.5, pytest.approx(net.cost(x, y)))
    assert np.interp(0.5, xs, ys) == pytest.approx(net.cost(x, y))
    # the arrow: from w to w - lr dE/dw along the weight axis, lr |dE/dw| long in data units
    (x0, y0), (x1, y1) = view.step_arrow._posA_posB
    assert y0 == y1
    assert x0 == 0.5
    assert x1 - x0 == pytest.approx(-lr * gradient, rel=1e-12)
    assert abs(x1 - x0) == pytest.approx(lr * abs(gradient), rel=1e-12)
    assert x1 == net.step(x, y, lr).weights[1][0, 0]
    assert to_rgba(view.step_arrow.get_facecolor()) == to_rgba(view.style.positive)  # w goes up: blue
    new_w, landing = view.landing
    assert tuple(np.ravel(view.next_point.get_data())) == (new_w, landing)
    assert landing == pytest.approx(cost_slice(net, x, y, ("weight", 1, 0, 0), [new_w])[0])
    assert landing < net.cost(x, y)  # downhill
    assert view.readout[1].get_text().endswith(office_hours.current.expression.split(" = ")[-1])
    # the curve stays in view; the tangent may leave it and is clipped
    low, high = view.axes.get_ylim()
    assert low <= np.nanmin(view.costs) and np.nanmax(view.costs) <= high
    assert view.tangent.get_clip_on()


def test_weight_chooser_changes_the_slice(office_hours):
    view = office_hours.views["slice"]
    before = view.costs.copy()
    office_hours.controls["weight"].value = "w3"
    assert view.name == "w3" and view.axes.get_xlabel() == "w3"
    assert not np.allclose(view.costs, before)
    assert not view.tangent.get_visible() and view.slope is None  # step 1: ∂E/∂w3 is not known yet
    found = _first(office_hours, lambda step: step.parameter == "w3")
    assert view.readout[1].get_text() == f"∂E/∂w3 not computed yet: step {found + 1} finds it"
    office_hours.go(len(office_hours.steps) - 1)
    office_hours.controls["weight"].value = "w3"
    assert view.tangent.get_visible()
    xs, ys = view.tangent.get_data()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(office_hours.state.grads["w3"], rel=1e-12)
    assert view.grid[0] < 0.3 < view.grid[-1]
    # a step that is not a gradient step keeps the choice; a gradient step selects its own weight
    office_hours.go(1)
    assert office_hours.controls["weight"].value == "w3"
    office_hours.go(_first(office_hours, lambda step: step.parameter == "w6"))
    assert office_hours.controls["weight"].value == "w6" and view.name == "w6"


def test_slice_shows_the_gradient_only_once_the_walk_finds_it(office_hours):
    view = office_hours.views["slice"]
    found = _first(office_hours, lambda step: step.parameter == "w5")
    for index in range(found):  # before: the curve and the point, and which step finds the slope
        office_hours.go(index)
        assert view.name == "w5" and view.pending == found + 1
        assert view.point.get_visible() and len(view.curve.get_xdata()) == view.POINTS
        assert not view.tangent.get_visible() and not view.step_arrow.get_visible()
        assert not view.next_point.get_visible() and not view.guides.get_visible()
        assert view.slope is None and view.step is None and view.landing is None
        assert view.readout[1].get_text() == f"∂E/∂w5 not computed yet: step {found + 1} finds it"
        assert "−0.1975" not in " ".join(text.get_text() for text in view.readout)
    office_hours.go(found)  # the number, the slope and the step together
    assert view.pending is None and view.tangent.get_visible() and view.step_arrow.get_visible()
    assert view.slope == office_hours.current.value and view.step is not None
    assert view.readout[1].get_text().endswith("−0.1975")
    office_hours.go(found - 1)  # and back: hidden again
    assert not view.tangent.get_visible() and view.slope is None
    png = office_hours.to_png()
    assert png.startswith(b"\x89PNG")


def test_go_shows_the_weight_found_most_recently_unless_the_learner_chose_one(office_hours):
    view, chooser = office_hours.views["slice"], office_hours.controls["weight"]
    found = office_hours._found_at
    # a step that finds no gradient: the parameter found most recently at or before it
    for index, step in enumerate(office_hours.walk):
        if step.parameter is None:
            office_hours.go(len(office_hours.steps) - 1)  # jump from far away, as go(i) does
            office_hours.go(index)
            done = [name for name, at in found.items() if at <= index]
            expected = max(done, key=found.get) if done else min(found, key=found.get)
            assert chooser.value == view.name == expected == office_hours.slice_parameter(index)
            assert view.pending == (None if found[expected] <= index else found[expected] + 1)
    # the learner's choice stays over steps that find no gradient, until a gradient step
    office_hours.go(len(office_hours.steps) - 1)
    chooser.value = "w1"
    hidden = next(i for i, step in enumerate(office_hours.walk) if step.parameter is None and i > found["w6"])
    office_hours.go(hidden)
    assert view.name == "w1" and view.pending == found["w1"] + 1  # w1 is found later than this step
    office_hours.go(found["w6"])
    assert view.name == "w6"
    office_hours.go(hidden)  # the choice is gone: the rule again
    assert view.name == office_hours.slice_parameter(hidden) != "w1"


def test_a_weight_with_zero_gradient_has_a_flat_tangent_and_no_arrow(office_hours):
    office_hours.go(len(office_hours.steps) - 1)
    office_hours.controls["weight"].value = "w1"  # x1 = 0: w1 changes nothing
    view = office_hours.views["slice"]
    xs, ys = view.tangent.get_data()
    assert ys[0] == ys[1] and not view.step_arrow.get_visible()
    assert np.allclose(view.costs, view.costs[0])


def test_slice_without_learning_rate_has_no_step():
    net, x, y, _ = office_hours_example()
    step_through = BackwardStepThrough(net, x, y)
    try:
        view = step_through.views["slice"]
        assert view.readout[2].get_text() == "then the tangent appears"  # nothing about a step
        step_through.go(len(step_through.steps) - 1)
        assert view.tangent.get_visible()
        assert not view.step_arrow.get_visible() and view.step is None
        assert view.readout[2].get_text() == ""
    finally:
        step_through.close()


# ---------------------------------------------------------------------------
# 2-2-2 with biases
# ---------------------------------------------------------------------------


def test_two_two_two_bias_steps_light_up_the_bias_line(two_two_two):
    net, x, y, lr = two_two_two_example()
    view = two_two_two.views["network"]
    assert set(view.bias_highlights) == {(1, 0), (1, 1), (2, 0), (2, 1)}
    index = _first(two_two_two, lambda step: step.kind == "bias_gradient")
    two_two_two.go(index)
    step = two_two_two.current
    _, layer, row = step.highlight
    assert view.bias_highlights[(layer + 1, row)].get_visible()
    assert to_rgba(view.bias_highlights[(layer + 1, row)].get_facecolor()) == to_rgba(HIGHLIGHT)
    assert sum(box.get_visible() for box in view.bias_highlights.values()) == 1
    assert not view.node_highlights[layer + 1][row].get_visible()  # the bias line, not the whole node
    assert view.product.get_text().replace("\n", " ").startswith(f"{step.quantity} = δ")
    # the slice follows the bias
    assert two_two_two.controls["weight"].value == step.parameter
    slice_view = two_two_two.views["slice"]
    xs, ys = slice_view.tangent.get_data()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(net.gradients(x, y).biases[layer][row], rel=1e-12)
    assert slice_view.grid[0] < get_parameter(net, ("bias", layer, row, None)) < slice_view.grid[-1]
    # every gradient of the walk is backprop's
    two_two_two.go(len(two_two_two.steps) - 1)
    gradients = net.gradients(x, y)
    for name, value in two_two_two.walk.gradient_steps().items():
        kind, layer, row, col = two_two_two.names[name]
        assert value == (gradients.weights[layer][row, col] if kind == "weight" else gradients.biases[layer][row])


def test_the_product_box_stays_on_the_figure_and_off_the_nodes(two_two_two):
    view = two_two_two.views["network"]
    width, height = view.figure.get_size_inches()
    for i in range(len(two_two_two.steps)):
        two_two_two.go(i)
        if not view.product_box.get_visible():
            continue
        left, bottom = view.product_box.get_x(), view.product_box.get_y()
        right, top = left + view.product_box.get_width(), bottom + view.product_box.get_height()
        assert 0 <= left and right <= width and 0 <= bottom and top <= height


# ---------------------------------------------------------------------------
# Lifecycle, refusals, display
# ---------------------------------------------------------------------------


def _live_widget_count():
    from ipywidgets.widgets.widget import _instances

    return len(_instances)


def test_close_frees_every_widget_and_figure():
    before = _live_widget_count()
    step_through = BackwardStepThrough(*office_hours_example())
    assert step_through in widgets_module.live_explorers()
    assert _live_widget_count() - before > 10
    figures = list(step_through.figures.values())
    step_through.close()
    assert _live_widget_count() == before
    assert step_through.closed and not step_through.views and not step_through.controls
    assert all(not figure.axes for figure in figures)
    assert step_through not in widgets_module.live_explorers()
    assert step_through._repr_mimebundle_() == {"text/plain": step_through.summary()}
    assert step_through.summary().startswith("Closed backward step-through of a 2-2-1 network")
    step_through.close()  # twice is harmless
    step_through.next()  # and so is a late button press
    with pytest.raises(ValueError, match=r"^self:"):
        step_through.to_png()


def test_rerunning_a_cell_closes_the_step_through_its_last_run_made(monkeypatch):
    request = {"value": ("cell-a", "request-1")}
    monkeypatch.setattr(widgets_module, "_current_request", lambda: request["value"])
    first = BackwardStepThrough(*office_hours_example())
    request["value"] = ("cell-a", "request-2")  # the same cell runs again
    again = BackwardStepThrough(*office_hours_example())
    assert first.closed and not again.closed
    widgets_module.close_all()
    assert again.closed


@pytest.mark.parametrize("change, message", [
    (dict(x=np.zeros((3, 2))), r"^x:"),
    (dict(x=[0.0, 1.0, 2.0]), r"^x:"),
    (dict(y=[np.nan]), r"^y:"),
    (dict(lr=-0.1), r"^lr:"),
    (dict(numbering="alphabetical"), r"^numbering:"),
    (dict(style="huge"), r"^style:"),
])
def test_nonsense_is_refused_naming_the_argument(change, message):
    net, x, y, lr = office_hours_example()
    arguments = dict(net=net, x=x, y=y, lr=lr)
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        BackwardStepThrough(**arguments)


def test_bad_net_and_bad_step_numbers_are_refused(office_hours):
    with pytest.raises(ValueError, match=r"^net:"):
        BackwardStepThrough("2-2-1", [0, 1], [1])
    for bad in (len(office_hours.steps), -1, 1.5, "2", True):
        with pytest.raises(ValueError, match=r"^index:"):
            office_hours.go(bad)
    assert office_hours.index == 0


def test_display_bundle_has_widget_png_and_plain_text(office_hours):
    from PIL import Image

    bundle = office_hours._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == office_hours.widget.model_id
    image = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert image.format == "PNG" and image.size[0] > 900 and image.size[1] > 300
    text = bundle["text/plain"]
    other = BackwardStepThrough(*office_hours_example())
    try:
        assert text == other._repr_mimebundle_()["text/plain"]  # deterministic
    finally:
        other.close()
    assert not re.search(r"0x[0-9a-f]{6,}|[0-9a-f]{32}", text)
    assert text.startswith("Backward step-through of a 2-2-1 network: 13 steps from E = 0.4213")


def test_fits_one_screen_with_controls_above_the_views():
    # 1366x768 in the default style: JupyterLab leaves about 1200 x 560 CSS pixels for an output
    for example, numbering in ((office_hours_example, "by_sender"), (two_two_two_example, "by_receiver"),
                               (chain_example, "by_sender")):
        net, x, y, lr = example()
        step_through = BackwardStepThrough(net, x, y, lr, numbering=numbering)
        try:
            dpi = step_through.style.dpi
            network = step_through.figures["network"].get_size_inches() * dpi
            side = step_through.figures["slice"].get_size_inches() * dpi
            assert network[0] + 10 + side[0] <= 1210
            assert 40 + max(network[1], side[1] + 190) <= 560  # the step panel under the slice: 9 lines of text
            controls, views = step_through.widget.children[:2]
            for name in ("first", "previous", "play", "next", "last", "step", "weight"):
                assert step_through.controls[name] in controls.children
            network_canvas, side_column = views.children
            assert network_canvas is step_through.canvases["network"]
            assert side_column.children == (step_through.canvases["slice"], step_through.text)
        finally:
            step_through.close()


def test_summary_writes_each_step_once(office_hours):
    first = office_hours.summary().splitlines()[1]
    assert first == "  step 1: E = −[y ln ŷ + (1 − y) ln(1 − ŷ)] = 0.4213"
    assert "E = E" not in office_hours.summary()
    office_hours.go(_first(office_hours, lambda step: step.parameter == "w5"))
    assert office_hours.summary().splitlines()[1] == "  step 4: ∂E/∂w5 = δ3 · z1 = −0.3438 × 0.5744 = −0.1975"


EXAMPLES = ((office_hours_example, "by_sender"), (two_two_two_example, "by_receiver"), (chain_example, "by_sender"))


@pytest.mark.parametrize("style", ["default", "projector"])
@pytest.mark.parametrize("example, numbering", EXAMPLES)
def test_slice_axes_and_tick_labels_are_inside_the_figure(example, numbering, style):
    net, x, y, lr = example()
    step_through = BackwardStepThrough(net, x, y, lr, numbering=numbering, style=style)
    try:
        view = step_through.views["slice"]
        figure = view.figure
        renderer = figure.canvas.get_renderer()
        width, height = figure.bbox.width, figure.bbox.height
        margin = 0.1 * figure.dpi  # clear of the edge, not just touching it
        for name in step_through.names:
            step_through.controls["weight"].value = name
            view.render("full")
            box = view.axes.get_tightbbox(renderer)  # spines, ticks, tick labels, axis labels
            assert margin <= box.x0 and box.x1 <= width - margin, (name, box)
            assert 0.03 * figure.dpi <= box.y0 and box.y1 <= height, (name, box)
            for text in view.readout:  # the readout lines too
                if text.get_text():
                    text_w = view._text_size(text.get_text(), text.get_fontsize())[0]
                    assert text.get_position()[0] + text_w <= figure.get_size_inches()[0] - 0.05, text.get_text()
    finally:
        step_through.close()


@pytest.mark.parametrize("style", ["default", "projector"])
@pytest.mark.parametrize("example, numbering", EXAMPLES)
def test_labels_never_collide_and_the_product_box_leaves_them_readable(example, numbering, style):
    net, x, y, lr = example()
    step_through = BackwardStepThrough(net, x, y, lr, numbering=numbering, style=style)
    try:
        view = step_through.views["network"]
        labels = [*view.edge_labels.values(), *view.gradient_labels.values()]
        nodes = [(*view._inches(*view.positions[l][j]), box.get_width(), box.get_height(), 0.0)
                 for l, boxes in enumerate(view.node_boxes) for j, box in enumerate(boxes)]
        rects = [view._label_rect(label) for label in labels]
        for i, rect in enumerate(rects):  # no label over another label or over a node box
            xs, ys = view._rect_points(rect, along=21)
            for other in rects[i + 1:] + nodes:
                assert not view._inside(xs, ys, other, 0.0).any(), (labels[i].get_text(), other)
        for i in range(len(step_through.steps)):
            step_through.go(i)
            box = view.product_box
            if not box.get_visible():
                continue
            x0, y0 = box.get_x(), box.get_y()
            x1, y1 = x0 + box.get_width(), y0 + box.get_height()
            for label in labels:
                if label.get_visible():
                    xs, ys = view._rect_points(view._label_rect(label), along=21)
                    covered = np.mean((x0 < xs) & (xs < x1) & (y0 < ys) & (ys < y1))
                    assert covered <= 0.12, (i, label.get_text(), covered)  # a corner at most
    finally:
        step_through.close()


def test_a_tiny_step_is_drawn_to_scale_and_magnified_in_an_inset(two_two_two):
    net, x, y, lr = two_two_two_example()
    index = _first(two_two_two, lambda step: step.parameter == "b1_2")
    two_two_two.go(index)
    view = two_two_two.views["slice"]
    (x0, _), (x1, _) = view.step_arrow._posA_posB
    assert x1 - x0 == pytest.approx(view.step, rel=1e-12)  # to scale on the curve's axes: a few pixels
    pixels = abs(x1 - x0) / np.ptp(view.axes.get_xlim()) * view.axes.bbox.width
    assert pixels < view.TINY_STEP * view.figure.dpi
    assert view.zoom.get_visible()
    (z0, _), (z1, _) = view._zoom_arrow._posA_posB
    assert (z0, z1) == (x0, x1)  # the same step, in an axes that spans 1.5 steps
    low, high = view.zoom.get_xlim()
    assert high - low == pytest.approx(1.5 * abs(view.step))
    magnified = (view.zoom.bbox.width / (high - low)) / (view.axes.bbox.width / np.ptp(view.axes.get_xlim()))
    assert view._zoom_title.get_text() == f"step, magnified ×{magnified:.0f}"
    assert [label.get_text() for label in view.zoom.get_xticklabels()] == ["0.3450", "0.3500"]
    zoom, axes = view.zoom.get_position(), view.axes.get_position()  # inside the slice's axes
    assert axes.x0 <= zoom.x0 and zoom.x1 <= axes.x1 and axes.y0 <= zoom.y0 and zoom.y1 <= axes.y1
    # a step long enough to see has no inset
    two_two_two.controls["weight"].value = "w6"
    assert not view.zoom.get_visible() and view.step_arrow.get_visible()


# ---------------------------------------------------------------------------
# Pictures to look at
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("example, numbering, prefix", [
    (office_hours_example, "by_sender", "step-through"),
    (two_two_two_example, "by_receiver", "step-through-222"),
])
def test_screenshots_first_half_end(example, numbering, prefix):
    net, x, y, lr = example()
    step_through = BackwardStepThrough(net, x, y, lr, numbering=numbering)
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        n = len(step_through.steps)
        for name, index in (("first", 0), ("half", n // 2), ("end", n - 1)):
            step_through.controls["step"].value = index
            png = compose_png([step_through.views["network"], step_through.views["slice"]])
            assert png.startswith(b"\x89PNG")
            (SCREENSHOTS / f"{prefix}-{name}.png").write_bytes(png)
    finally:
        step_through.close()


def test_views_build_from_a_state_alone():
    from helpers.state import compute_state

    net, x, y, lr = two_two_two_example()
    state = compute_state(net, x, y, lr, parameter_names(net, "by_receiver"))
    walk = backward_walk(net, x, y, "by_receiver")
    view = WalkNetworkView(state)
    assert view.highlight(walk[5], computed={"w5"}) == "blit"
    assert view.gradient_labels["w5"].get_visible() and not view.gradient_labels["w6"].get_visible()
    slice_view = SliceView(state, "b2_1")
    assert slice_view.set_parameter(state, "w8") == "full" and slice_view.name == "w8"
    assert slice_view.update(state) is None  # nothing changed
    with pytest.raises(ValueError, match=r"^weight:"):
        slice_view.set_parameter(state, "w9")
