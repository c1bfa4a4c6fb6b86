"""helpers.draw: the three views, built once and updated in place (headless, Agg canvases)."""

import io

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from helpers import (
    Network,
    chain_example,
    office_hours_example,
    parameter_names,
    set_parameter,
    sigmoid,
    two_two_two_example,
)
from helpers.draw import (
    MINUS,
    NetworkView,
    StepsView,
    SurfaceView,
    fmt,
    node_labels,
)
from helpers.live import GlyphText, compose_png
from helpers.live import figure as live_figure
from helpers.state import compute_state


@pytest.fixture
def office():
    net, x, y, lr = office_hours_example()
    return compute_state(net, x, y, lr)


def moved(state, name, value):
    """The state after one parameter is set to value."""
    net = set_parameter(state.net, state.names[name], value)
    return compute_state(net, state.x, state.y, state.lr, state.names)


# -- numbers and names ---------------------------------------------------------------


def test_fmt_rounds_and_uses_a_real_minus():
    assert fmt(0.57444) == "0.574"
    assert fmt(-0.04196, 4) == f"{MINUS}0.0420"
    assert fmt(0.0395, 4, sign=True) == "+0.0395"
    assert fmt(-1e-9) == "0.000"  # never -0.000
    assert fmt(-1e-9, 4, sign=True) == "+0.0000"


def test_node_labels_follow_the_office_hours_diagram():
    inputs, layers = node_labels((2, 2, 1))
    assert inputs == ["x1", "x2"]
    assert layers == [[("a1", "z1"), ("a2", "z2")], [("a3", "\u0177")]]
    _, layers = node_labels((2, 2, 2))
    assert layers[1] == [("a3", "\u01771"), ("a4", "\u01772")]
    _, layers = node_labels((1, 1, 1, 1))
    assert [names[0] for names in layers] == [("a1", "z1"), ("a2", "z2"), ("a3", "\u0177")]


def test_state_is_the_network_computation(office):
    net, x, y, lr = office_hours_example()
    assert office.next_net == net.step(x, y, lr)
    assert office.cost == pytest.approx(net.cost(x, y))
    g = net.gradients(x, y)
    names = parameter_names(net)
    for name, (_, layer, row, col) in names.items():
        assert office.grads[name] == g.weights[layer][row, col]
        assert office.changes[name] == pytest.approx(-lr * g.weights[layer][row, col])
        assert office.new_values[name] == office.next_net.weights[layer][row, col]
    assert office.next_cost < office.cost


# -- network diagram -------------------------------------------------------------------


def test_network_nodes_show_a_and_z(office):
    view = NetworkView(office)
    a3 = 0.5 * sigmoid(0.3) + 0.6 * sigmoid(0.4)
    assert [t.get_text() for t in view.nodes[0]] == ["x1 = 0.00", "x2 = 1.00"]
    assert view.nodes[1][0].get_text() == "a1 = 0.300\nz1 = 0.574"
    assert view.nodes[1][1].get_text() == "a2 = 0.400\nz2 = 0.599"
    assert view.nodes[2][0].get_text() == f"a3 = {a3:.3f}\n\u0177 = {sigmoid(a3):.3f}"
    assert view.title.get_text() == f"y = 1.00     E = {office.cost:.4f}"


def test_network_edges_show_weight_by_width_and_sign_by_colour(office):
    view = NetworkView(office)
    widths = {name: line.get_linewidth() for name, line in view.edges.items()}
    assert widths["w1"] < widths["w3"] < widths["w6"]  # 0.1 < 0.3 < 0.6
    assert view.edge_labels["w3"].get_text() == "w3 = 0.300"
    assert view.gradient_labels["w5"].get_text() == f"\u2202E/\u2202w5 = {fmt(office.grads['w5'], 4)}"

    assert view.update(moved(office, "w3", -2.0)) == "blit"
    assert view.edges["w3"].get_linewidth() == pytest.approx(view.edge_width(-2.0))
    assert view.edges["w3"].get_linewidth() > widths["w6"]
    assert to_rgba(view.edges["w3"].get_color()) == to_rgba(view.style.negative)
    assert to_rgba(view.edges["w1"].get_color()) == to_rgba(view.style.positive)
    assert view.edge_labels["w3"].get_text() == f"w3 = {MINUS}2.000"
    assert view.nodes[1][0].get_text().startswith(f"a1 = {MINUS}2.000\n")


def test_sign_colours_mean_the_sign_of_w_only(office):
    view = NetworkView(office)
    # blue and vermillion are the sign of a weight; a gradient label is grey whatever its sign
    assert office.grads["w5"] < 0
    muted = to_rgba(view.style.muted)
    assert all(to_rgba(label.get_color()) == muted for label in view.gradient_labels.values())
    assert to_rgba(view.edges["w5"].get_color()) == to_rgba(view.style.positive)
    legend = [t.get_text() for t in view.axes.texts]
    assert "w > 0" in legend and "w < 0" in legend
    hidden = NetworkView(office, show_gradients=False)
    assert not hidden.gradient_labels["w5"].get_visible()


def test_network_update_without_a_change_draws_nothing(office):
    view = NetworkView(office)
    same_values = compute_state(office.net, office.x, office.y, 0.05, office.names)  # only lr differs
    assert view.update(same_values) is None


def test_network_render_blits_new_pixels(office):
    view = NetworkView(office)
    assert view.render("full") == "full"
    before = view.rgba()
    view.update(moved(office, "w1", 3.0))
    assert view.render("blit") == "blit"
    after = view.rgba()
    assert after.shape == before.shape
    assert (after != before).any(axis=-1).sum() > 500  # a thick edge and several labels changed


@pytest.mark.parametrize("example, numbering, n_edges, n_nodes", [
    (two_two_two_example, "by_receiver", 8, [2, 2, 2]),
    (chain_example, "by_sender", 3, [1, 1, 1, 1]),
])
def test_network_view_of_other_shapes(example, numbering, n_edges, n_nodes):
    net, x, y, lr = example()
    state = compute_state(net, x, y, lr, numbering=numbering)
    view = NetworkView(state)
    assert len(view.edges) == n_edges
    assert [len(layer) for layer in view.nodes] == n_nodes
    if example is two_two_two_example:
        # biases appear in their neuron, outputs are y_hat1, y_hat2
        assert view.nodes[1][0].get_text().endswith("\nb1_1 = 0.350")
        assert "\u01771 = 0.751" in view.nodes[2][0].get_text()
        assert view.edge_labels["w2"].get_text() == "w2 = 0.200"
    else:
        assert view.nodes[3][0].get_text().split("\n")[1].startswith("\u0177 = ")
    view.render("full")


# -- cost surface ----------------------------------------------------------------------


def test_surface_marker_sits_on_the_current_weights(office):
    view = SurfaceView(office)
    assert view.pair == ("w5", "w6")
    assert view.axes.get_xlabel() == "w5" and view.axes.get_ylabel() == "w6"
    assert tuple(np.ravel(view.marker.get_data())) == (0.5, 0.6)
    # the arrow points down the gradient
    (u0, v0), (u1, v1) = view.arrow._posA_posB
    assert np.sign(u1 - u0) == -np.sign(office.grads["w5"])
    assert np.sign(v1 - v0) == -np.sign(office.grads["w6"])


def test_surface_is_the_vectorised_cost(office):
    view = SurfaceView(office, resolution=21)
    net = office.net
    j, i = 7, 13  # a grid point: row follows w6, column follows w5
    w5, w6 = view.grid_u[i], view.grid_v[j]
    probe = set_parameter(set_parameter(net, office.names["w5"], w5), office.names["w6"], w6)
    assert view.surface.shape == (21, 21)
    assert view.surface[j, i] == pytest.approx(probe.cost(office.x, office.y))
    assert np.array_equal(view.image.get_array(), view.surface)


def test_moving_an_axis_weight_only_moves_the_marker(office):
    view = SurfaceView(office)
    surface = view.surface
    view.update(moved(office, "w5", 1.5))
    assert view.surface is surface  # not recomputed
    assert tuple(np.ravel(view.marker.get_data())) == (1.5, 0.6)


def test_moving_a_hidden_weight_changes_the_surface(office):
    view = SurfaceView(office)
    surface = view.surface.copy()
    view.update(moved(office, "w3", -2.0))  # x2 -> h1 (w1 would do nothing: x1 = 0)
    assert view.surface is not surface
    assert not np.allclose(view.image.get_array(), surface)
    view.update(office)
    assert np.allclose(view.surface, surface)
    view.update(compute_state(office.net, [1.0, 1.0], office.y, office.lr, office.names))  # x moves it too
    assert not np.allclose(view.surface, surface)


def test_any_pair_of_weights_and_clear_errors(office):
    view = SurfaceView(office, pair=("w1", "w4"))
    assert view.axes.get_xlabel() == "w1" and view.axes.get_ylabel() == "w4"
    assert tuple(np.ravel(view.marker.get_data())) == (0.1, 0.4)
    assert view.set_pair(office, ("w6", "w2")) == "full"
    assert view.axes.get_xlabel() == "w6" and "(w6, w2)" in view.title.get_text()
    with pytest.raises(ValueError, match="w9"):
        view.set_pair(office, ("w9", "w2"))
    with pytest.raises(ValueError, match="twice"):
        view.set_pair(office, ("w2", "w2"))


def test_path_of_steps_and_widening_the_grid(office):
    view = SurfaceView(office)
    state = office
    for _ in range(3):
        view.record_step(state)
        state = compute_state(state.next_net, state.x, state.y, state.lr, state.names)
        view.update(state)
    xs, ys = view.path.get_data()
    assert len(xs) == 4 and xs[-1] == state.values["w5"] and xs[0] == 0.5
    assert np.all(np.diff(xs) > 0)  # w5 rises step by step (y = 1)
    assert view.update(moved(state, "w6", 9.5)) == "full"  # off the grid: widened
    assert view.limits["w6"][1] >= 9.5


# -- update steps ------------------------------------------------------------------------


def test_steps_table_matches_network_step(office):
    view = StepsView(office)
    net, x, y, lr = office_hours_example()
    stepped = net.step(x, y, lr)
    for name, (_, layer, row, col) in office.names.items():
        assert view.cells[(name, "value")].get_text() == fmt(net.weights[layer][row, col], 4)
        assert view.cells[(name, "new")].get_text() == fmt(stepped.weights[layer][row, col], 4)
        grad = net.gradients(x, y).weights[layer][row, col]
        assert view.cells[(name, "grad")].get_text() == fmt(grad, 4)
        assert view.cells[(name, "change")].get_text() == fmt(-lr * grad, 4, sign=True)
    assert view.summary[0].get_text().startswith(f"\u0177:  {fmt(office.y_hat[0], 4)}  \u2192  ")
    assert view.summary[1].get_text() == f"E:  {fmt(office.cost, 4)}  \u2192  {fmt(stepped.cost(x, y), 4)}"
    assert view.summary[2].get_text() == "learning rate lr = 0.2"

    assert view.update(compute_state(net, x, y, 0.5, office.names)) == "blit"  # lr alone changes the table
    assert view.cells[("w5", "change")].get_text() == fmt(-0.5 * office.grads["w5"], 4, sign=True)


def test_steps_table_of_a_net_with_biases():
    net, x, y, lr = two_two_two_example()
    state = compute_state(net, x, y, lr, numbering="by_receiver")
    view = StepsView(state)
    assert len(view.names) == 12  # w1..w8 and four biases
    assert view.cells[("b2_1", "value")].get_text() == "0.6000"
    assert len([t for t in view.summary if t.get_text()]) == 4  # y_hat1, y_hat2, E, lr


# -- pictures ----------------------------------------------------------------------------


def test_compose_png_puts_views_side_by_side(office):
    from PIL import Image

    views = [NetworkView(office), SurfaceView(office), StepsView(office)]
    image = Image.open(io.BytesIO(compose_png(views)))
    frames = [view.rgba() for view in views]
    assert image.size == (sum(f.shape[1] for f in frames) + 24, max(f.shape[0] for f in frames))


def test_glyph_text_falls_back_to_text_for_vector_output(office):
    import matplotlib

    view = NetworkView(office)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text in the SVG, so it can be read back
        view.figure.savefig(buffer, format="svg")  # Agg-only fast path; other renderers get a plain Text
    svg = buffer.getvalue().decode()
    assert "w3 = 0.300" in svg and "z1 = 0.574" in svg


def test_glyph_text_draws_where_a_text_would():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def ink(use_glyphs, **kwargs):
        fig = Figure(figsize=(3, 2), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        if use_glyphs:
            ax.add_artist(GlyphText(0.5, 0.5, "w3 = 0.300", fontsize=14, color="k", transform=ax.transData,
                                    **kwargs))
        else:
            ax.text(0.5, 0.5, "w3 = 0.300", fontsize=14, color="k", rotation_mode="anchor", **kwargs)
        fig.canvas.draw()
        dark = np.asarray(fig.canvas.buffer_rgba())[:, :, 0] < 128
        rows, cols = np.nonzero(dark)
        return rows.min(), rows.max(), cols.min(), cols.max()

    for kwargs in [dict(ha="center", va="center"), dict(ha="right", va="top"), dict(ha="left", va="bottom")]:
        ours, theirs = ink(True, **kwargs), ink(False, **kwargs)
        assert np.allclose(ours, theirs, atol=2), kwargs


def test_surface_pixels_follow_the_cost(office):
    view = SurfaceView(office)
    view.render("full")
    pixels = view.rgba()
    box = view.axes.bbox  # display coordinates, y upwards; the pixel array's rows go downwards
    height = pixels.shape[0]

    def brightness(fx, fy):
        col = int(box.x0 + fx * box.width)
        row = height - 1 - int(box.y0 + fy * box.height)
        return pixels[row, col, :3].astype(float).sum()

    # cividis runs dark (low E) to bright yellow (high E); w5 = w6 = -4 is the worst corner for y = 1
    assert view.surface[0, 0] > view.surface[-1, -1]
    assert brightness(0.03, 0.03) > brightness(0.97, 0.97) + 200


def test_views_work_without_the_fast_text_path(office, monkeypatch):

    def ink(view):
        view.render("full")
        view.update(moved(office, "w5", -1.0))
        view.render("blit")
        return (view.rgba()[:, :, :3].sum(axis=-1) < 300).sum()

    fast = ink(NetworkView(office))
    monkeypatch.setattr(live_figure, "FAST_TEXT", False)  # e.g. another matplotlib version
    plain_view = NetworkView(office)
    plain = ink(plain_view)
    assert plain_view.edge_labels["w5"].get_text() == f"w5 = {MINUS}1.000"
    assert abs(plain - fast) < 0.1 * fast  # the same labels, drawn by matplotlib's Text


def test_a_flat_surface_gets_a_readable_colour_bar(office):
    # x1 = 0 switches w1 and w2 off: E does not change over (w1, w2)
    view = SurfaceView(office, ("w1", "w2"))
    labels = [label.get_text() for label in view.colorbar_labels if label.get_visible()]
    assert len(labels) >= 2 and len(set(labels)) == len(labels)  # distinct ticks, not "0.4212" four times
    assert np.ptp(view.surface) < 1e-12


def test_a_change_that_rounds_to_zero_is_grey(office):
    net, x, y = office.net, office.x, office.y
    tiny = StepsView(compute_state(net, x, y, 1e-6, office.names))
    cell = tiny.cells[("w3", "change")]
    assert cell.get_text() == "+0.0000" and to_rgba(cell.get_color()) == to_rgba(tiny.style.muted)
    visible = StepsView(office).cells[("w3", "change")]
    assert to_rgba(visible.get_color()) == to_rgba(tiny.style.positive)  # dE/dw3 < 0: a step raises w3


def test_a_new_target_refits_the_colours_but_moving_weights_does_not(office):
    view = SurfaceView(office, ("w5", "w6"))
    scale = (view.image.norm.vmin, view.image.norm.vmax)
    view.update(moved(office, "w3", 0.35))  # a weight off the axes: same colours mean the same E
    assert (view.image.norm.vmin, view.image.norm.vmax) == scale
    view.update(compute_state(office.net, office.x, [0.3], 0.2, office.names))  # a new target: a new question
    assert view.image.norm.vmin == pytest.approx(float(view.surface.min()))
    assert view.image.norm.vmax == pytest.approx(float(view.surface.max()))


def test_the_steps_table_says_when_every_gradient_vanishes():
    net = Network([[[20.0, 20.0], [20.0, 20.0]], [[20.0, 20.0]]], None, "sigmoid", "mse")
    state = compute_state(net, [1.0, 1.0], [0.0], 10.0)
    view = StepsView(state)
    assert "saturated" in view.summary[-1].get_text()
    assert "saturated" not in StepsView(compute_state(*office_hours_example())).summary[-1].get_text()


def test_the_steps_table_has_a_key_to_its_colours(office):
    view = StepsView(office)
    keys = {t.get_text(): to_rgba(t.get_color()) for t in view.axes.texts if "w goes" in t.get_text()}
    assert keys == {"blue: w goes up": to_rgba(view.style.positive),
                    "vermillion: w goes down": to_rgba(view.style.negative)}
