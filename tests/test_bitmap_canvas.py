"""helpers.live.bitmap: BitmapCanvas frames replayed as the browser paints them, FrameTokens, clicks, pixel ratio."""

import base64
import io
import time
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

import helpers.live.bitmap as bitmap_module
from helpers.live.bitmap import BitmapCanvas, FrameTokens
from helpers.widgets import Playground

pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")

DATA_URL = "data:image/png;base64,"


# -- helpers ----------------------------------------------------------------------------------------------------


def line_figure(facecolor="white", axes_facecolor="white"):
    """A 100x75-pixel figure: a line across the axes, an animated dot (for blits) and a small square at the
    bottom left, outside the axes (a change that touches few pixels)."""
    figure = Figure(figsize=(2, 1.5), dpi=50, facecolor=facecolor)
    axes = figure.add_axes((0.3, 0.3, 0.65, 0.65), facecolor=axes_facecolor)
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    (line,) = axes.plot([0, 1], [0.2, 0.8])
    (dot,) = axes.plot([0.5], [0.5], "o", animated=True)  # a full draw leaves it out: blits paint it
    square = Rectangle((0.05, 0.05), 0.1, 0.1, transform=figure.transFigure, color="red")
    figure.add_artist(square)
    return SimpleNamespace(figure=figure, axes=axes, line=line, dot=dot, square=square)


def recorded(canvas):
    """Replace the widget's ``send`` (no browser here) with a list of (message, buffers) it was given."""
    sent = []
    canvas.send = lambda content, buffers=None: sent.append((content, buffers))
    return sent


def hello(canvas, ratio=1):
    canvas._on_message(canvas, {"type": "hello", "ratio": ratio}, [])


def decode(png):
    return np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGBA"))


def buffer(canvas):
    return np.asarray(canvas.buffer_rgba()).copy()


def frames(sent):
    return [(message, buffers) for message, buffers in sent if message["type"] == "frame"]


def token_messages(sent):
    return [message for message, _ in sent if message["type"] == "token"]


def apply(screen, message, png):
    """What the browser side (``paint`` in the canvas' script) makes of a frame: a full frame is a new
    canvas; a diff paints its non-transparent pixels over the screen; any other frame replaces its
    rectangle (clearRect, then drawImage)."""
    picture = decode(png)
    if message["full"]:
        assert picture.shape == (message["height"], message["width"], 4)
        return picture.copy()
    x, y = message["x"], message["y"]
    height, width = picture.shape[:2]
    region = screen[y:y + height, x:x + width]
    assert region.shape == picture.shape  # the rectangle lies inside the canvas
    if message["diff"]:
        painted = picture[..., 3] > 0
        # only the changed pixels travel: a pixel the frame paints differs from what the screen shows
        # (sending unchanged ones would look the same but cost bytes to encode, send and decode)
        assert (region[painted] != picture[painted]).any(axis=-1).all()
        region[painted] = picture[painted]
    else:
        region[...] = picture
    return screen


def replay(screen, sent, start):
    """Apply the frames sent from ``sent[start]`` on; returns the screen and the new start."""
    for message, buffers in frames(sent[start:]):
        screen = apply(screen, message, buffers[0])
    return screen, len(sent)


def changed_box(before, after):
    """(x, y, width, height) of the pixels that differ."""
    changed = (before != after).any(axis=2)
    rows, columns = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    return columns[0], rows[0], columns[-1] + 1 - columns[0], rows[-1] + 1 - rows[0]


def blit_dot(scene, canvas, background, x, y):
    """Move the animated dot the way live views do: restore the background, paint it, blit."""
    canvas.restore_region(background)
    scene.dot.set_data([x], [y])
    scene.axes.draw_artist(scene.dot)
    canvas.blit(scene.axes.bbox)


# -- before and at hello ----------------------------------------------------------------------------------------


def test_before_any_browser_draw_sends_nothing_and_keeps_a_static_picture():
    scene = line_figure()
    canvas = BitmapCanvas(scene.figure)
    sent = recorded(canvas)
    assert canvas._static_png == ""
    canvas.draw()
    assert sent == [] and not canvas.connected
    assert canvas._static_png.startswith(DATA_URL)
    picture = decode(base64.b64decode(canvas._static_png[len(DATA_URL):]))
    assert picture.shape == (75, 100, 4)
    np.testing.assert_array_equal(picture, buffer(canvas))
    # a later draw keeps the new picture, still sending nothing
    first = canvas._static_png
    scene.line.set_ydata([0.9, 0.1])
    canvas.draw()
    assert sent == [] and canvas._static_png != first
    np.testing.assert_array_equal(decode(base64.b64decode(canvas._static_png[len(DATA_URL):])), buffer(canvas))


def test_hello_sends_one_full_frame_of_the_whole_buffer():
    canvas = BitmapCanvas(line_figure().figure)
    sent = recorded(canvas)
    hello(canvas)  # no draw before: hello draws the figure itself
    assert canvas.connected
    assert len(sent) == 1
    message, buffers = sent[0]
    assert message == {"type": "frame", "x": 0, "y": 0, "full": True, "diff": False, "width": 100, "height": 75,
                       "ratio": 1.0, "token": 1, "n": 1}
    assert len(buffers) == 1
    pixels = buffer(canvas)
    assert pixels.shape == (75, 100, 4) and (pixels[..., :3] != 255).any()  # the figure was drawn, not blank
    np.testing.assert_array_equal(decode(buffers[0]), pixels)
    assert canvas.tokens.in_flight() == 1


# -- frames replayed on a screen --------------------------------------------------------------------------------


def test_replayed_frames_keep_the_screen_equal_to_the_buffer():
    scene = line_figure()
    canvas = BitmapCanvas(scene.figure)
    sent = recorded(canvas)
    canvas.draw()
    background = canvas.copy_from_bbox(scene.axes.bbox)  # the axes without the dot
    hello(canvas)
    screen, start = replay(None, sent, 0)
    np.testing.assert_array_equal(screen, buffer(canvas))

    def check(expect_frame=True):
        nonlocal screen, start
        new = frames(sent[start:])
        assert len(new) == (1 if expect_frame else 0)
        if new:
            assert new[0][0]["diff"] and not new[0][0]["full"]  # an opaque figure: diffs only
        screen, start = replay(screen, sent, start)
        np.testing.assert_array_equal(screen, buffer(canvas))

    scene.line.set_ydata([0.8, 0.3])  # a full draw that moves the line
    canvas.draw()
    check()

    background = canvas.copy_from_bbox(scene.axes.bbox)
    for x, y in [(0.2, 0.7), (0.6, 0.4), (0.9, 0.9)]:  # blits of the moving dot
        blit_dot(scene, canvas, background, x, y)
        check()
    canvas.draw()  # the dot is animated: a full draw takes it away
    check()

    # a small change: the frame's rectangle is exactly the box of the changed pixels
    before = buffer(canvas)
    scene.square.set_color("blue")
    canvas.draw()
    after = buffer(canvas)
    box = changed_box(before, after)
    message, buffers = frames(sent[start:])[0]
    height, width = decode(buffers[0]).shape[:2]
    assert (message["x"], message["y"], width, height) == box
    assert width * height < 0.1 * 100 * 75
    check()

    # nothing changed: no message, and send_frame says so
    count = len(sent)
    canvas.draw()
    assert len(sent) == count
    assert canvas.send_frame() is None
    check(expect_frame=False)

    # send_frame counts the frames it sent
    scene.line.set_ydata([0.1, 0.1])
    canvas.draw()
    assert canvas.frames_sent == len(frames(sent))
    check()


def test_transparent_figure_sends_rectangles_that_replace_and_replays_exactly():
    scene = line_figure(facecolor="none", axes_facecolor="none")
    canvas = BitmapCanvas(scene.figure)
    sent = recorded(canvas)
    hello(canvas)
    assert (buffer(canvas)[..., 3] < 255).any()
    screen, start = replay(None, sent, 0)
    np.testing.assert_array_equal(screen, buffer(canvas))
    background = canvas.copy_from_bbox(scene.axes.bbox)
    for step, (x, y) in enumerate([(0.2, 0.7), (0.6, 0.4)]):
        blit_dot(scene, canvas, background, x, y)
        scene.line.set_ydata([0.1 * step, 0.9])
        canvas.draw()
        background = canvas.copy_from_bbox(scene.axes.bbox)
        new = frames(sent[start:])
        assert new and all(not m["diff"] and not m["full"] for m, _ in new)
        screen, start = replay(screen, sent, start)
        np.testing.assert_array_equal(screen, buffer(canvas))


# -- FrameTokens --------------------------------------------------------------------------------------------------


def shared_pair():
    """Two connected canvases sharing one FrameTokens, their hello tokens answered; (canvases, sent, tokens)."""
    tokens = FrameTokens()
    scenes = [line_figure(), line_figure()]
    canvases = [BitmapCanvas(scene.figure) for scene in scenes]
    sent = []
    for canvas in canvases:
        canvas.tokens = tokens
        sent.append(recorded(canvas))
        hello(canvas)
    tokens.answer(tokens.count)
    assert tokens.in_flight() == 0
    return scenes, canvases, sent, tokens


def change(scene, canvas, value):
    """Move the line and draw: one frame (a value where the line already is would send none)."""
    sent_before = canvas.frames_sent
    scene.line.set_ydata([value, 1 - value])
    canvas.draw()
    assert canvas.frames_sent == sent_before + 1


def test_frames_outside_a_batch_each_carry_a_token():
    scenes, canvases, sent, tokens = shared_pair()
    assert [m["n"] for m, _ in sent[0] + sent[1]] == [1, 2]  # the two hello frames
    change(scenes[0], canvases[0], 0.1)
    change(scenes[1], canvases[1], 0.4)
    assert sent[0][-1][0]["n"] == sent[0][-1][0]["token"] == 3
    assert sent[1][-1][0]["n"] == 4
    assert tokens.in_flight() == 2
    assert token_messages(sent[0] + sent[1]) == []


def test_a_batch_sends_one_token_after_the_last_frame():
    scenes, canvases, sent, tokens = shared_pair()
    counts = [len(s) for s in sent]
    with tokens.batch():
        change(scenes[1], canvases[1], 0.3)
        change(scenes[0], canvases[0], 0.4)
        assert token_messages(sent[0] + sent[1]) == []  # nothing before the batch ends
    new = [s[c:] for s, c in zip(sent, counts)]
    assert [len(n) for n in new] == [2, 1]  # canvas 0 (the last to send a frame): its frame, then the token
    for message, _ in frames(new[0] + new[1]):
        assert "n" not in message and "token" not in message
    assert new[0][-1] == ({"type": "token", "n": 3}, None)
    assert tokens.in_flight() == 1

    # token=False: frames go, no token follows (a later token answers for them too)
    counts = [len(s) for s in sent]
    with tokens.batch(token=False):
        change(scenes[0], canvases[0], 0.5)
        change(scenes[1], canvases[1], 0.6)
    new = sent[0][counts[0]:] + sent[1][counts[1]:]
    assert len(frames(new)) == 2 and token_messages(new) == []
    assert all("n" not in message for message, _ in new)
    assert tokens.in_flight() == 1 and tokens.count == 3

    # a batch in which nothing changed sends no token
    counts = [len(s) for s in sent]
    with tokens.batch():
        canvases[0].draw()
    assert [len(s) for s in sent] == counts


def test_nested_batches_send_one_token_when_the_outer_ends():
    scenes, canvases, sent, tokens = shared_pair()
    with tokens.batch():
        with tokens.batch():
            change(scenes[0], canvases[0], 0.3)
        assert token_messages(sent[0]) == []
    assert token_messages(sent[0]) == [{"type": "token", "n": 3}]


def test_answers_clear_tokens_up_to_their_number():
    scenes, canvases, sent, tokens = shared_pair()
    for value in (0.1, 0.3, 0.5):
        change(scenes[0], canvases[0], value)  # tokens 3, 4, 5
    assert tokens.in_flight() == 3
    tokens.answer(4)
    assert tokens.in_flight() == 1
    tokens.answer(2)  # an older answer arriving late changes nothing
    assert tokens.answered == 4 and tokens.in_flight() == 1
    canvases[1]._on_message(canvases[1], {"type": "shown", "n": 5}, [])  # any canvas of the widget may answer
    assert tokens.answered == 5 and tokens.in_flight() == 0


def test_malformed_shown_messages_are_ignored():
    scenes, canvases, sent, tokens = shared_pair()
    change(scenes[0], canvases[0], 0.1)
    for content in ({"type": "shown", "n": "soon"}, {"type": "shown", "n": None}, {"type": "shown", "n": [3]},
                    {"type": "shown"}, ["shown", 3], None):
        canvases[0]._on_message(canvases[0], content, [])
    assert tokens.answered == 2 and tokens.in_flight() == 1


def test_a_token_unanswered_for_too_long_counts_as_lost(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(bitmap_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    tokens = FrameTokens()
    first = tokens.frame_sent(None)
    clock[0] += 0.6
    tokens.frame_sent(None)
    assert (first, tokens.in_flight()) == (1, 2)
    clock[0] += 0.6  # the first is 1.2 s old: lost; the second 0.6 s: still in flight
    assert tokens.in_flight() == 1
    clock[0] += tokens.LOST_AFTER_S
    assert tokens.in_flight() == 0


# -- clicks ---------------------------------------------------------------------------------------------------------


def pixel_of(axes, x, y):
    """The browser pixel (from the top left, whole pixels) where data point (x, y) of ``axes`` is drawn."""
    display_x, display_y = axes.transData.transform((x, y))
    return round(display_x), round(axes.figure.bbox.height - display_y)


def clicks_of(canvas):
    events = []
    canvas.mpl_connect("button_press_event", events.append)
    return events


def test_a_click_reaches_matplotlib_at_the_point_under_it():
    scene = line_figure()
    canvas = BitmapCanvas(scene.figure)
    recorded(canvas)
    hello(canvas)
    events = clicks_of(canvas)
    px, py = pixel_of(scene.axes, 0.3, 0.6)
    canvas._on_message(canvas, {"type": "click", "x": px, "y": py, "button": 1}, [])
    assert len(events) == 1
    event = events[0]
    assert (event.x, event.y, event.button) == (px, 75 - py, 1)
    assert event.inaxes is scene.axes
    expected = scene.axes.transData.inverted().transform((px, 75 - py))
    assert (event.xdata, event.ydata) == pytest.approx(tuple(expected))
    assert (event.xdata, event.ydata) == pytest.approx((0.3, 0.6), abs=0.02)  # within a pixel of the point
    # the right button, outside the axes (the top-left corner)
    canvas._on_message(canvas, {"type": "click", "x": 2, "y": 2, "button": 3}, [])
    assert (events[1].button, events[1].inaxes, events[1].x, events[1].y) == (3, None, 2, 73)


def test_malformed_clicks_are_ignored():
    canvas = BitmapCanvas(line_figure().figure)
    recorded(canvas)
    hello(canvas)
    events = clicks_of(canvas)
    for content in ({"type": "click", "y": 10, "button": 1}, {"type": "click", "x": "left", "y": 10},
                    {"type": "click", "x": None, "y": 10}, {"type": "click", "x": 10, "y": [1]},
                    {"type": "click", "x": 10, "y": 10, "button": "middle"}):
        canvas._on_message(canvas, content, [])
    assert events == []


@pytest.mark.parametrize("x", ["nan", "inf"])
def test_clicks_at_non_finite_pixels_are_ignored(x):
    canvas = BitmapCanvas(line_figure().figure)
    recorded(canvas)
    hello(canvas)
    events = clicks_of(canvas)
    canvas._on_message(canvas, {"type": "click", "x": x, "y": 10, "button": 1}, [])
    assert events == []


# -- pixel ratio ------------------------------------------------------------------------------------------------


def test_hello_with_ratio_two_doubles_the_dpi_and_the_frame():
    scene = line_figure()
    canvas = BitmapCanvas(scene.figure)
    sent = recorded(canvas)
    canvas.draw()
    hello(canvas, ratio=2)
    assert scene.figure.dpi == 100 and canvas.ratio == 2.0
    (message, buffers), = sent
    assert (message["full"], message["width"], message["height"], message["ratio"]) == (True, 200, 150, 2.0)
    picture = decode(buffers[0])
    assert picture.shape == (150, 200, 4)
    np.testing.assert_array_equal(picture, buffer(canvas))
    # clicks come in the canvas' own pixels: the same data point at twice the pixel numbers
    events = clicks_of(canvas)
    px, py = pixel_of(scene.axes, 0.3, 0.6)
    canvas._on_message(canvas, {"type": "click", "x": px, "y": py, "button": 1}, [])
    assert events[0].y == 150 - py
    assert (events[0].xdata, events[0].ydata) == pytest.approx((0.3, 0.6), abs=0.01)
    # a later hello at ratio 1 (the window moved to another screen) goes back to the base dpi
    hello(canvas, ratio=1)
    assert scene.figure.dpi == 50
    assert (sent[-1][0]["width"], sent[-1][0]["height"], sent[-1][0]["ratio"]) == (100, 75, 1.0)
    np.testing.assert_array_equal(decode(sent[-1][1][0]), buffer(canvas))


@pytest.mark.parametrize("ratio", [100, 0.1, "2", None, float("nan")])
def test_a_ratio_out_of_range_counts_as_one(ratio):
    scene = line_figure()
    canvas = BitmapCanvas(scene.figure)
    sent = recorded(canvas)
    hello(canvas, ratio=ratio)
    assert scene.figure.dpi == 50 and canvas.ratio == 1.0
    (message, buffers), = sent
    assert (message["width"], message["height"], message["ratio"]) == (100, 75, 1.0)
    np.testing.assert_array_equal(decode(buffers[0]), buffer(canvas))


# -- the playground -----------------------------------------------------------------------------------------------


@pytest.fixture
def playground():
    pg = Playground(data="xor", hidden_layers=1, units=2, seed=0)
    yield pg
    pg.playing = False
    pg.close()


def test_playground_canvases_share_one_frame_tokens(playground):
    assert set(playground.canvases) == {"data", "training", "step"}
    for kind, canvas in playground.canvases.items():
        assert isinstance(canvas, BitmapCanvas)
        assert canvas.figure is playground.figures[kind]
        assert canvas.tokens is playground._frames


def test_playing_playground_sends_a_token_every_token_every_changes(playground):
    sent = {kind: recorded(canvas) for kind, canvas in playground.canvases.items()}
    for canvas in playground.canvases.values():
        hello(canvas)
    playground._frames.answer(playground._frames.count)

    def refresh_after_training():
        """One change of the play loop: training steps, then a refresh. Returns (frames, tokens) it sent."""
        counts = {kind: len(s) for kind, s in sent.items()}
        playground._advance(5)
        playground._refresh()
        new = [item for kind, s in sent.items() for item in s[counts[kind]:]]
        assert frames(new)  # the boundary moved: every change sends frames
        tokens = token_messages(new)
        assert all("n" not in message for message, _ in frames(new))  # a token follows, never rides a frame
        return tokens

    # paused: each change gets its token
    assert [len(refresh_after_training()) for _ in range(2)] == [1, 1]
    playground._frames.answer(playground._frames.count)

    playground.playing = True  # as play() sets it, without starting the loop (the test drives the changes)
    every = playground.TOKEN_EVERY
    assert every >= 2
    counts = [len(refresh_after_training()) for _ in range(3 * every)]
    assert counts == ([0] * (every - 1) + [1]) * 3
    playground.playing = False

    # each token stays in flight until answered; the play loop waits while FRAMES_AHEAD are
    assert playground._frames.in_flight() == 3
    assert not playground._browser_ready()
    playground.canvases["data"]._on_message(playground.canvases["data"],
                                            {"type": "shown", "n": playground._frames.count}, [])
    assert playground._frames.in_flight() == 0 and playground._browser_ready()



def test_the_playground_still_runs_on_ipympls_canvas_for_the_benchmarks_baseline(monkeypatch):
    """benchmarks/training.py measures ipympl's canvas as the baseline: with ``canvas_class = FastCanvas`` the
    playground draws on ipympl canvases sharing one ledger, one change in flight at a time."""
    import asyncio

    from helpers.live.canvas import FastCanvas, FrameLedger
    from helpers.widgets import Playground

    monkeypatch.setattr(Playground, "canvas_class", FastCanvas)
    playground = Playground(data="xor", hidden_layers=1, units=2, seed=0)
    try:
        assert all(type(c) is FastCanvas for c in playground.canvases.values())
        assert isinstance(playground._frames, FrameLedger)
        assert all(c.ledger is playground._frames for c in playground.canvases.values())
        sent = []

        def answer_all():  # the browser's answers, until no token waits (an answer may release held frames)
            for _ in range(10):
                if playground._frames.token is None:
                    return
                playground._frames.token[1].handle_draw({"type": "draw"})

        for canvas in playground.canvases.values():
            canvas.send = lambda content, buffers=None: sent.append(bool(buffers))
            canvas._handle_message(canvas, {"type": "initialized"}, [])
            canvas._handle_message(canvas, {"type": "refresh"}, [])
        answer_all()
        playground.step()
        assert playground._frames.in_flight() == 1 and not playground._browser_ready()  # one change in flight
        answer_all()
        assert playground._frames.in_flight() == 0 and playground._browser_ready()

        async def play_briefly():
            playground.play()
            for _ in range(200):
                await asyncio.sleep(0.005)
                if playground._frames.token is not None:
                    playground._frames.token[1].handle_draw({"type": "draw"})
            playground.pause()

        before, frames_before = playground.step_count, sum(sent)
        asyncio.run(play_briefly())
        assert playground.step_count > before and sum(sent) > frames_before + 2
    finally:
        playground.close()


def test_playing_pauses_itself_when_no_page_answers(monkeypatch):
    """Frames that no page paints (a closed or hidden tab) stop the training after NO_PAGE_PAUSE_S, with a
    message; while the page answers, playing goes on."""
    import asyncio

    from helpers.widgets import Playground

    playground = Playground(data="xor", hidden_layers=1, units=2, seed=0)
    playground.NO_PAGE_PAUSE_S = 0.3  # this instance only
    try:
        for canvas in playground.canvases.values():
            canvas.send = lambda content, buffers=None: None
            canvas._on_message(canvas, {"type": "hello", "ratio": 1}, [])
        tokens = playground._frames
        tokens.answer(tokens.count)
        assert tokens.unanswered_for() == 0.0

        async def play(seconds, answering):
            playground.play()
            end = time.monotonic() + seconds
            while time.monotonic() < end and playground.playing:
                await asyncio.sleep(0.01)
                if answering:
                    tokens.answer(tokens.count)
            still_playing = playground.playing
            playground.pause()
            return still_playing

        assert asyncio.run(play(0.8, answering=True)), "paused although the page answered"
        assert "paused" not in playground.message.value
        steps = playground.step_count
        assert not asyncio.run(play(1.5, answering=False)), "still playing with no page answering"
        assert tokens.unanswered_for() > 0.3
        assert "no page has shown the playground" in playground.message.value
        assert playground.step_count > steps  # it played until then
        assert not playground.controls["play"].disabled and playground.controls["pause"].disabled
    finally:
        playground.close()
