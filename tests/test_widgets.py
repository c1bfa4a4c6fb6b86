"""helpers.widgets.Explorer, driven headlessly through its controls like a person would."""

import base64
import io
import re
import zlib

import numpy as np
import pytest
from matplotlib.colors import to_rgba

import helpers.widgets as widgets_module
from helpers import chain_example, office_hours_example, two_two_two_example
from helpers.draw import MINUS, fmt
from helpers.live.canvas import FastCanvas, attach_canvas, encode_png
from helpers.widgets import Explorer

# ipympl 0.10 builds its (hidden) toolbar with an argument traitlets no longer wants; not ours
pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")


@pytest.fixture
def explorer():
    return Explorer(*office_hours_example())


def test_controls_are_generated_from_the_network(explorer):
    assert list(explorer.controls) == [
        "w1", "w2", "w3", "w4", "w5", "w6", "x1", "x2", "y", "lr", "step", "reset", "surface_x", "surface_y",
    ]
    assert explorer.controls["w5"].value == 0.5
    assert explorer.controls["y"].min == 0 and explorer.controls["y"].max == 1  # cross_entropy targets
    assert explorer.controls["lr"].value == pytest.approx(0.2)
    assert explorer.controls["surface_x"].value == "w5" and explorer.controls["surface_y"].value == "w6"
    assert set(explorer.figures) == {"network", "surface", "steps"}
    assert all(isinstance(c, FastCanvas) for c in explorer.canvases.values())


def test_a_weight_slider_updates_state_and_every_view(explorer):
    explorer.controls["w3"].value = -1.5
    state = explorer.state
    assert state.values["w3"] == -1.5
    assert state.net.weights[0][0, 1] == -1.5  # W1 = [[w1, w3], [w2, w4]]
    network = explorer.views["network"]
    assert network.edge_labels["w3"].get_text() == f"w3 = {MINUS}1.500"
    assert network.edges["w3"].get_linewidth() == pytest.approx(network.edge_width(-1.5))
    assert to_rgba(network.edges["w3"].get_color()) == to_rgba(network.style.negative)
    assert network.nodes[1][0].get_text().startswith(f"a1 = {MINUS}1.500")
    steps = explorer.views["steps"]
    assert steps.cells[("w3", "value")].get_text() == f"{MINUS}1.5000"
    assert steps.cells[("w5", "grad")].get_text() == fmt(state.grads["w5"], 4)


def test_inputs_and_target_sliders(explorer):
    explorer.controls["x1"].value = 0.75
    assert explorer.state.x.tolist() == [0.75, 1.0]
    assert explorer.views["network"].nodes[0][0].get_text() == "x1 = 0.75"
    explorer.controls["y"].value = 0.0
    assert explorer.state.y.tolist() == [0.0]
    assert explorer.views["network"].title.get_text().startswith("y = 0.00")
    assert explorer.state.grads["w5"] > 0  # now the step lowers w5


def test_surface_marker_and_image(explorer):
    surface = explorer.views["surface"]
    image = surface.surface
    explorer.controls["w5"].value = 2.0
    assert tuple(np.ravel(surface.marker.get_data())) == (2.0, 0.6)
    assert surface.surface is image  # an axis weight only moves the marker
    explorer.controls["w4"].value = -1.0
    assert surface.surface is not image
    assert not np.allclose(surface.image.get_array(), image)


def test_changing_the_surface_pair(explorer):
    surface = explorer.views["surface"]
    explorer.controls["surface_x"].value = "w3"
    assert surface.pair == ("w3", "w6")
    assert surface.axes.get_xlabel() == "w3" and surface.axes.get_ylabel() == "w6"
    assert tuple(np.ravel(surface.marker.get_data())) == (0.3, 0.6)
    explorer.controls["surface_y"].value = "w3"  # the weight already across: the two swap
    assert explorer.controls["surface_x"].value == "w6"
    assert surface.pair == ("w6", "w3")
    assert surface.axes.get_xlabel() == "w6" and surface.axes.get_ylabel() == "w3"


def test_take_a_step_moves_sliders_down_the_gradient(explorer):
    net, x, y, lr = office_hours_example()
    before = explorer.state
    explorer.controls["step"].click()
    stepped = net.step(x, y, lr)
    assert explorer.state.net == stepped  # exactly Network.step, whatever the sliders display
    for name, value in before.values.items():
        slider = explorer.controls[name].value
        assert slider == pytest.approx(before.new_values[name])
        if before.grads[name] != 0:
            assert np.sign(slider - value) == -np.sign(before.grads[name])
        else:
            assert slider == value
    # the table now shows the next step, from the stepped network
    steps = explorer.views["steps"]
    after = stepped.step(x, y, lr)
    assert steps.cells[("w5", "value")].get_text() == fmt(stepped.weights[1][0, 0], 4)
    assert steps.cells[("w5", "new")].get_text() == fmt(after.weights[1][0, 0], 4)
    assert steps.summary[1].get_text().startswith(f"E:  {fmt(stepped.cost(x, y), 4)}")
    xs, _ = explorer.views["surface"].path.get_data()
    assert len(xs) == 2 and xs[0] == 0.5


def test_a_step_recomputes_once(explorer, monkeypatch):
    calls = []
    original = widgets_module.compute_state
    monkeypatch.setattr(widgets_module, "compute_state", lambda *a, **k: calls.append(1) or original(*a, **k))
    explorer.take_step()
    assert len(calls) == 1  # six sliders moved, one recompute


def test_learning_rate_changes_the_step_table_only(explorer):
    network_key = explorer.views["network"]._key
    explorer.controls["lr"].value = 1.0
    assert explorer.state.lr == 1.0
    assert explorer.views["network"]._key == network_key
    steps = explorer.views["steps"]
    assert steps.cells[("w6", "change")].get_text() == fmt(-explorer.state.grads["w6"], 4, sign=True)
    assert steps.summary[2].get_text() == "learning rate lr = 1"


def test_reset_restores_everything(explorer):
    start = explorer.state
    explorer.controls["w2"].value = 1.25
    explorer.controls["x2"].value = -0.5
    explorer.controls["lr"].value = 2.0
    explorer.controls["surface_x"].value = "w1"
    explorer.take_step()
    explorer.controls["reset"].click()
    state = explorer.state
    assert state.net == start.net
    assert state.x.tolist() == [0.0, 1.0] and state.y.tolist() == [1.0] and state.lr == 0.2
    assert [explorer.controls[n].value for n in start.values] == pytest.approx(list(start.values.values()))
    assert explorer.controls["x2"].value == 1.0 and explorer.controls["lr"].value == pytest.approx(0.2)
    assert explorer.views["surface"].pair == ("w5", "w6")
    assert explorer.views["surface"].path.get_data()[0] == [0.5]
    assert explorer.views["network"].nodes[1][0].get_text() == "a1 = 0.300\nz1 = 0.574"


def test_a_step_beyond_the_slider_range_widens_it():
    net, x, y, _ = office_hours_example()
    explorer = Explorer(net, x, y, lr=10.0)
    assert explorer.controls["w6"].max == 2.0
    explorer.controls["w6"].value = 1.99
    for _ in range(3):
        explorer.take_step()
    assert explorer.state.values["w6"] > 2
    assert explorer.controls["w6"].value == explorer.state.values["w6"]
    assert explorer.controls["w6"].max >= explorer.state.values["w6"]


def test_two_two_two_network():
    net, x, y, lr = two_two_two_example()
    explorer = Explorer(net, x, y, lr, numbering="by_receiver", surface_weights=("w1", "w8"))
    names = list(explorer.controls)
    assert names[:12] == [f"w{i}" for i in range(1, 9)] + ["b1_1", "b1_2", "b2_1", "b2_2"]
    assert "y" not in explorer.controls  # two targets: no single y slider
    assert explorer.controls["surface_x"].options == tuple(f"w{i}" for i in range(1, 9))
    explorer.controls["b2_1"].value = 0.0
    assert explorer.state.net.biases[1][0] == 0.0
    before = explorer.state
    explorer.take_step()
    assert explorer.state.net == before.next_net
    assert explorer.state.cost < before.cost


def test_chain_network():
    explorer = Explorer(*chain_example())
    assert [n for n in explorer.controls if n.startswith("w")] == ["w1", "w2", "w3"]
    assert explorer.views["surface"].pair == ("w2", "w3")  # default: the last two weights
    assert explorer.controls["y"].min <= 0.7 <= explorer.controls["y"].max
    explorer.controls["w1"].value = 0.5
    assert explorer.views["network"].edge_labels["w1"].get_text() == "w1 = 0.500"


def test_a_subset_of_views():
    explorer = Explorer(*office_hours_example(), views=("steps",))
    assert set(explorer.figures) == {"steps"}
    explorer.controls["w5"].value = 1.0
    explorer.take_step()
    assert explorer.views["steps"].cells[("w5", "value")].get_text() == fmt(explorer.state.values["w5"], 4)


@pytest.mark.parametrize("kwargs, message", [
    (dict(views=("network", "histogram")), "^views:"),
    (dict(views=()), "^views:"),
    (dict(views=("steps", "steps")), "^views:"),
    (dict(surface_weights=("w5", "w9")), "^surface_weights: 'w9'"),
    (dict(surface_weights=("w5", "w5")), "^surface_weights: .*twice"),
    (dict(surface_weights=("w5",)), "^surface_weights: expected two weight names"),
    (dict(numbering="sideways"), "^numbering:"),
    (dict(style="neon"), "^style:"),
])
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Explorer(*office_hours_example(), **kwargs)


def test_bad_example_is_a_clear_error():
    net, x, y, lr = office_hours_example()
    with pytest.raises(ValueError, match=r"^x: expected one example of shape \(2,\)"):
        Explorer(net, [1.0, 2.0, 3.0], y, lr)
    with pytest.raises(ValueError, match=r"^x: expected one example"):
        Explorer(net, [[0.0, 1.0], [1.0, 0.0]], [[1.0], [0.0]], lr)
    with pytest.raises(ValueError, match=r"^y: expected one target"):
        Explorer(net, x, [1.0, 0.0], lr)
    with pytest.raises(ValueError, match=r"^lr:"):
        Explorer(net, x, y, -1.0)
    with pytest.raises(ValueError, match=r"^net:"):
        Explorer("2-2-1", x, y, lr)


def test_display_bundle_has_widget_png_and_plain_text(explorer):
    from PIL import Image

    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    image = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert image.format == "PNG" and image.size[0] > 1000 and image.size[1] > 300  # the views side by side
    text = bundle["text/plain"]
    assert text == Explorer(*office_hours_example())._repr_mimebundle_()["text/plain"]  # deterministic
    assert not re.search(r"0x[0-9a-f]{6,}|[0-9a-f]{32}", text)
    assert "w3 = 0.300" in text and "E = 0.4213" in text


def test_encode_png_round_trips():
    from PIL import Image

    rgba = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(encode_png(rgba))))
    assert np.array_equal(decoded, rgba)


def connect_browser(explorer):
    """Connect every canvas as a browser does; returns {kind: [(mode, frame RGBA) or "draw"]} sent from then on."""
    from PIL import Image

    sent = {}
    for kind, canvas in explorer.canvases.items():
        sent[kind] = []

        def send(content, buffers=None, kind=kind, canvas=canvas):
            if buffers:
                frame = np.asarray(Image.open(io.BytesIO(bytes(buffers[0]))).convert("RGBA"))
                sent[kind].append((canvas._current_image_mode, frame))
            elif '"draw"' in content.get("data", ""):
                sent[kind].append("draw")

        canvas.send = send
        canvas._handle_message(canvas, {"type": "refresh"}, [])
        canvas._handle_message(canvas, {"type": "send_image_mode"}, [])
        canvas._handle_message(canvas, {"type": "initialized"}, [])
    return sent


def shown_after(picture, frames):
    """What ipympl's browser side shows after loading these frames onto picture, in order."""
    picture = picture.copy()
    for mode, frame in frames:
        if mode == "full":
            picture = frame.copy()
        else:
            drawn = frame[:, :, 3] > 0
            picture[drawn] = frame[drawn]
    return picture


def kernel_picture(canvas):
    return np.asarray(canvas.get_renderer().buffer_rgba()).copy()


def answer_token(explorer, sent):
    """The browser's answer to the one "draw" event (token) outstanding, on the canvas that got it."""
    (kind,) = [k for k, items in sent.items() if "draw" in items]
    canvas = explorer.canvases[kind]
    sent[kind].remove("draw")
    canvas._handle_message(canvas, {"type": "draw"}, [])


def test_canvas_frames_go_at_once_as_diffs_with_one_round_trip_per_change(explorer):
    sent = connect_browser(explorer)
    for kind, items in sent.items():  # the first frame is a full one, sent without a round trip
        assert items and items[0][0] == "full", kind
    pictures = {kind: shown_after(np.zeros_like(kernel_picture(c)), [i for i in sent[kind] if i != "draw"])
                for kind, c in explorer.canvases.items()}
    assert all(np.array_equal(pictures[k], kernel_picture(c)) for k, c in explorer.canvases.items())
    # The browser answers each token (one at a time); a frame counts as shown only after the next answer
    # too, so the first changes after connecting still send full frames.
    for value in (None, -0.38, -0.39):
        if value is not None:
            explorer.controls["w6"].value = value
        while any("draw" in items for items in sent.values()):
            answer_token(explorer, sent)
    pictures = {kind: shown_after(pictures[kind], [i for i in sent[kind] if i != "draw"]) for kind in sent}
    for items in sent.values():
        items.clear()

    def frames():
        return {kind: [i for i in items if i != "draw"] for kind, items in sent.items()}

    def tokens():
        return sum(items.count("draw") for items in sent.values())

    def clear_frames():
        for items in sent.values():
            items[:] = [i for i in items if i == "draw"]  # tokens not answered yet stay

    # The lead view (network, the first) goes at once, with the one "draw" event; the others follow
    # its answer, with one "draw" event after the last of them.
    explorer.controls["w6"].value = -0.4
    assert [mode for mode, _ in frames()["network"]] == ["diff"] and sent["network"][-1] == "draw"
    assert not frames()["surface"] and not frames()["steps"] and tokens() == 1
    network = explorer.canvases["network"]
    changed = frames()["network"][0][1][:, :, 3] > 0
    assert 0 < changed.mean() < 0.5  # only what moved is sent
    answer_token(explorer, sent)
    assert all(len(f) == 1 and f[0][0] == "diff" for f in frames().values())  # every view changed: one diff each
    assert tokens() == 1 and sent["steps"][-1] == "draw"
    shown_first = {kind: shown_after(pictures[kind], frames()[kind]) for kind in sent}
    assert all(np.array_equal(shown_first[k], kernel_picture(c)) for k, c in explorer.canvases.items())

    # Fast moves before the browser answers: the lead's frames still go at once, with no further round
    # trip, each a diff that also repaints what the earlier unconfirmed frames changed; the others wait.
    clear_frames()
    for value in (0.5, 0.9, -1.3):
        explorer.controls["w6"].value = value
    assert tokens() == 1
    network_frames = frames()["network"]
    assert len(network_frames) == 3 and not frames()["surface"] and not frames()["steps"]
    truth = kernel_picture(network)
    # whichever frames the browser skipped (a frame still loading is replaced by the next), it ends right
    for kept in ([], [0], [1], [0, 1]):
        frames_seen = [network_frames[i] for i in kept] + [network_frames[-1]]
        for before in (pictures["network"], shown_first["network"]):
            assert np.array_equal(shown_after(before, frames_seen), truth), kept

    # The answer sends the waiting views' latest frames, and one "draw" event after them
    answer_token(explorer, sent)
    assert tokens() == 1 and sent["steps"][-1] == "draw"
    for kind in ("surface", "steps"):
        assert len(frames()[kind]) == 1
        assert np.array_equal(shown_after(shown_first[kind], frames()[kind]), kernel_picture(explorer.canvases[kind]))
    answer_token(explorer, sent)
    assert tokens() == 0
    sent_before = {kind: len(items) for kind, items in sent.items()}
    explorer.controls["lr"].value = 0.35  # the network diagram does not change: it sends nothing
    assert len(sent["network"]) == sent_before["network"]
    assert [i for i in sent["steps"][sent_before["steps"]:] if i != "draw"]


def test_a_refresh_gets_a_full_frame_at_once_even_while_frames_wait(explorer):
    sent = connect_browser(explorer)
    explorer.controls["w6"].value = -0.4  # a token is out: the surface's new frame waits for its answer
    surface = explorer.canvases["surface"]
    before = len(sent["surface"])
    surface._handle_message(surface, {"type": "refresh"}, [])  # a reloaded page asks for the picture
    frames = [i for i in sent["surface"][before:] if i != "draw"]
    assert len(frames) == 1 and frames[0][0] == "full"
    assert np.array_equal(frames[0][1], kernel_picture(surface))


def test_a_lone_canvas_confirms_its_own_frames():
    import matplotlib.figure

    figure = matplotlib.figure.Figure(figsize=(2, 2), dpi=50)
    line, = figure.add_subplot().plot([0, 1], [0, 1])
    canvas = attach_canvas(figure)
    events = []
    canvas.send = lambda content, buffers=None: events.append("frame" if buffers else content.get("data", ""))
    canvas._handle_message(canvas, {"type": "refresh"}, [])
    canvas._handle_message(canvas, {"type": "initialized"}, [])
    canvas.draw()
    assert events.count("frame") >= 1 and any('"draw"' in e for e in events if e != "frame")
    for _ in range(2):  # the answers: to the token sent on connecting, then to the one after the frame
        canvas._handle_message(canvas, {"type": "draw"}, [])
    assert canvas.ledger.token is None and canvas.ledger.answered_numbers[1] > 0
    line.set_ydata([1, 0])
    canvas.draw()
    assert events[-2:][0] == "frame" and '"draw"' in events[-1]


def test_browser_rounding_of_a_stepped_value_is_not_a_move(explorer):
    explorer.take_step()
    exact = explorer.state.values["w3"]
    assert round(exact, 2) != exact
    snapped = round(exact, 1)  # the slider's grid is 0.1
    explorer.controls["w3"].set_state({"value": snapped})  # what the slider sends back, snapped
    assert explorer.state.values["w3"] == exact
    assert explorer.readouts["w3"].value == f"{exact:.3f}"  # the readout shows the exact value, not the grid
    assert explorer.state.net == office_hours_example()[0].step(*office_hours_example()[1:])
    explorer.controls["w3"].set_state({"value": snapped + 0.1})  # a keyboard step from there
    assert explorer.state.values["w3"] == pytest.approx(snapped + 0.1)
    explorer.controls["lr"].set_state({"value": 10 ** -0.7})  # the log slider's grid point nearest 0.2
    assert explorer.state.lr == 0.2
    explorer.controls["lr"].set_state({"value": 10 ** -0.5})
    assert explorer.state.lr == pytest.approx(10 ** -0.5)


def test_executed_notebook_keeps_a_picture(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            f"import sys; sys.path.insert(0, {str(root)!r})\n"
            "from helpers import office_hours_example\nfrom helpers.widgets import Explorer\n"
            "Explorer(*office_hours_example())"
        )
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3", store_widget_state=True).execute()
    outputs = notebook.cells[0].outputs
    assert [o["output_type"] for o in outputs] == ["execute_result"]
    data = outputs[0]["data"]
    assert {"image/png", "text/plain", "application/vnd.jupyter.widget-view+json"} <= set(data)
    assert base64.b64decode(data["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert data["text/plain"].startswith("Explorer of a 2-2-1 network")
    # the widget state saved with the notebook carries each canvas' picture too
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    urls = [m["state"].get("_data_url") for m in state.values() if m["model_name"] == "MPLCanvasModel"]
    assert len(urls) == 3 and all(u and u.startswith("data:image/png;base64,") for u in urls)


def test_encode_png_skips_unchanged_rows_correctly():
    from PIL import Image

    rng = np.random.default_rng(1)
    rgba = np.zeros((40, 9, 4), dtype=np.uint8)
    changed = np.zeros(40, dtype=bool)
    for start, stop in [(0, 3), (10, 11), (25, 39)]:
        rgba[start:stop] = rng.integers(1, 256, size=(stop - start, 9, 4), dtype=np.uint8)
        changed[start:stop] = True
    for rows in (changed, None):
        png = encode_png(rgba, rows)
        decoded = np.asarray(Image.open(io.BytesIO(png)))
        assert np.array_equal(decoded, rgba)
        start = png.index(b"IDAT") + 4
        length = int.from_bytes(png[start - 8 : start - 4], "big")
        raw = zlib.decompress(png[start : start + length])  # checks the Adler-32 sum too
        assert len(raw) == 40 * (9 * 4 + 1)
    blank = np.zeros((5, 4, 4), dtype=np.uint8)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(encode_png(blank, np.zeros(5, bool))))), blank)


def test_projector_style_enlarges_views_and_controls():
    small = Explorer(*office_hours_example())
    big = Explorer(*office_hours_example(), style="projector")
    assert "backprop-projector" in big.widget._dom_classes
    assert "backprop-projector" not in small.widget._dom_classes
    assert big.figures["network"].get_figwidth() > small.figures["network"].get_figwidth()
    cell = ("w1", "grad")
    assert big.views["steps"].cells[cell].get_fontsize() > small.views["steps"].cells[cell].get_fontsize()


# ---------------------------------------------------------------------------
# Lifecycle: close() frees everything; re-running a cell closes what its last run made
# ---------------------------------------------------------------------------


def _live_widget_count():
    from ipywidgets.widgets.widget import _instances

    return len(_instances)


def test_close_frees_every_widget_and_figure():
    before = _live_widget_count()
    explorer = Explorer(*office_hours_example())
    assert _live_widget_count() - before > 30  # sliders, readouts, their layouts and styles, canvases
    figures = list(explorer.figures.values())
    explorer.close()
    assert _live_widget_count() == before
    assert explorer.closed and not explorer.views and not explorer.canvases and not explorer.controls
    assert all(not figure.axes for figure in figures)
    assert explorer not in widgets_module.live_explorers()
    assert explorer._repr_mimebundle_() == {"text/plain": explorer.summary()}
    assert explorer.summary().startswith("Closed explorer of a 2-2-1 network")
    explorer.close()  # twice is harmless
    explorer.take_step()  # and so is a late button press
    with pytest.raises(ValueError, match=r"^self:"):
        explorer.to_png()


def test_rerunning_a_cell_closes_the_explorers_its_last_run_made(monkeypatch):
    request = {"value": ("cell-a", "request-1")}
    monkeypatch.setattr(widgets_module, "_current_request", lambda: request["value"])
    first, second = Explorer(*office_hours_example()), Explorer(*office_hours_example())  # one run, two explorers
    assert not first.closed and not second.closed
    request["value"] = ("cell-b", "request-2")  # another cell: leaves cell a's alone
    other = Explorer(*office_hours_example())
    assert not first.closed and not other.closed
    before = _live_widget_count()
    request["value"] = ("cell-a", "request-3")  # cell a runs again
    again = Explorer(*office_hours_example())
    assert first.closed and second.closed and not other.closed and not again.closed
    assert _live_widget_count() < before  # two explorers' worth freed, one built
    for explorer in (other, again):
        explorer.close()


def test_without_a_cell_id_nothing_is_closed(monkeypatch):
    monkeypatch.setattr(widgets_module, "_current_request", lambda: (None, None))
    first, second = Explorer(*office_hours_example()), Explorer(*office_hours_example())
    assert not first.closed and not second.closed
    widgets_module.close_all()
    assert first.closed and second.closed and not widgets_module.live_explorers()


def test_current_request_reads_the_cell_id_jupyterlab_sends(monkeypatch):
    class FakeKernel:
        def get_parent(self, channel):
            assert channel == "shell"
            return {"header": {"msg_id": "m1"}, "metadata": {"cellId": "c1"}}

    class FakeShell:
        kernel = FakeKernel()

    monkeypatch.setattr("IPython.get_ipython", lambda: FakeShell())
    assert widgets_module._current_request() == ("c1", "m1")
    FakeKernel.get_parent = lambda self, channel: {"header": {"msg_id": "m2"}, "metadata": {}}  # nbval, a console
    assert widgets_module._current_request() == (None, None)


# ---------------------------------------------------------------------------
# Never jams: refused values go back, a message says why, the next move works
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x1", "x2", "y", "lr", "w3"])
def test_nan_on_a_control_is_refused_and_the_next_move_works(explorer, name):
    control = explorer.controls[name]
    good = control.value
    control.value = float("nan")
    assert control.value == good  # back to the last good value
    assert explorer.message.value and name in explorer.message.value and "finite" in explorer.message.value
    assert explorer.state.values == Explorer(*office_hours_example()).state.values
    explorer.controls["w5"].value = 0.8  # the next move works, and clears the message
    assert explorer.state.values["w5"] == 0.8 and explorer.message.value == ""
    explorer.take_step()  # the sliders and the state agree after a step
    assert all(explorer.controls[w].value == pytest.approx(explorer.state.values[w]) for w in explorer.names)


def test_a_linear_network_at_a_huge_learning_rate_never_jams():
    from helpers import Network

    net = Network([[[0.5, -0.3]], ], None, "linear", "mse")
    explorer = Explorer(net, [1.0, 2.0], [0.5], lr=100.0)
    for _ in range(200):  # the weights grow ~500-fold per step until a step would overflow
        explorer.take_step()
        if explorer.message.value:
            break
    assert "no step taken" in explorer.message.value and "overflow" in explorer.message.value
    assert all(np.isfinite(list(explorer.state.values.values())))
    assert "e+" in explorer.views["network"].edge_labels["w1"].get_text()  # huge values in scientific notation
    explorer.take_step()  # pressing again is refused again, and nothing breaks
    explorer.controls["w1"].value = 0.1  # and moving a slider still works
    assert explorer.state.values["w1"] == 0.1
    explorer.controls["lr"].value = 0.01
    explorer.take_step()
    assert explorer.state.lr == pytest.approx(0.01)


def test_labels_with_inf_and_nan_are_drawn():
    from helpers.live import GlyphText

    explorer = Explorer(*office_hours_example())
    view = explorer.views["network"]
    view.title.set_text("E = inf, \u2212inf, NaN, fi ff")  # "ff"/"fi" are ligatures when laid out in pairs
    assert view.render("blit") == "blit"
    assert isinstance(view.title, GlyphText) and fmt(float("inf")) == "inf" and fmt(float("nan")) == "NaN"
    assert fmt(float("-inf"), sign=True) == f"{MINUS}inf"


def test_reset_restores_the_starting_ranges(explorer):
    ranges = {name: (explorer.controls[name].min, explorer.controls[name].max) for name in explorer.names}
    explorer.controls["lr"].value = 10.0
    for _ in range(6):
        explorer.take_step()
    assert any(explorer.controls[name].max > ranges[name][1] for name in explorer.names)  # widened by the steps
    explorer.reset()
    assert {name: (explorer.controls[name].min, explorer.controls[name].max) for name in explorer.names} == ranges
    assert explorer.state.values == Explorer(*office_hours_example()).state.values


# ---------------------------------------------------------------------------
# Taught in order; readable; one key press moves far enough
# ---------------------------------------------------------------------------


def test_without_a_learning_rate_there_is_nothing_about_steps():
    net, x, y, _ = office_hours_example()
    explorer = Explorer(net, x, y, views=("network",), show_gradients=False, show_cost=False)
    assert "lr" not in explorer.controls and "step" not in explorer.controls
    assert explorer.state.next_net is None and explorer.state.new_values == {}
    assert explorer.views["network"].title.get_text() == "target y = 1.00"  # no E before lesson 2
    assert "E =" not in explorer.summary() and "lr" not in explorer.summary()
    with pytest.raises(ValueError, match=r"^lr:"):
        explorer.take_step()
    with pytest.raises(ValueError, match=r"^lr:"):
        Explorer(net, x, y, views=("steps",))
    with pytest.raises(ValueError, match=r"^show_cost:"):
        Explorer(net, x, y, 0.2, views=("network", "surface"), show_cost=False)


def test_one_key_press_crosses_a_slider_in_at_most_about_forty_presses(explorer):
    for name, control in explorer.controls.items():
        if isinstance(control, widgets_module.widgets.FloatLogSlider):
            assert (control.max - control.min) / control.step <= 41, name
        elif isinstance(control, widgets_module.widgets.FloatSlider):
            assert (control.max - control.min) / control.step <= 41, name
            assert not control.readout  # the explorer's own readout shows the exact value
    explorer.controls["w6"].value = 0.6 - 7 * explorer.controls["w6"].step  # seven presses make w6 negative
    assert explorer.state.values["w6"] < 0


def test_readouts_round_like_the_views(explorer):
    explorer.take_step()
    for name in explorer.names:
        shown = explorer.views["network"].edge_labels[name].get_text()
        assert shown == f"{name} = {explorer.readouts[name].value}"


def test_canvases_have_no_resize_handle_from_the_start():
    assert FastCanvas.class_traits()["resizable"].default_value is False
    explorer = Explorer(*office_hours_example())
    assert all(canvas.get_state()["resizable"] is False for canvas in explorer.canvases.values())


def test_controls_sit_beside_the_views(explorer):
    controls, views = explorer.widget.children
    assert explorer.controls["w1"] in [c for row in controls.children for c in getattr(row, "children", ())]
    assert set(views.children) == set(explorer.canvases.values())
