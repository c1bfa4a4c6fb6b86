"""Edge cases of helpers.live.bitmap (BitmapCanvas, FrameTokens) and the Playground's use of them, found by a
hostile review: each test here failed before its fix (a slow page falling behind, stale or oversized static
pictures, a playground training for nobody, unbounded bookkeeping, malformed messages)."""

import asyncio
import base64
import io
import time
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

import helpers.live.bitmap as bitmap_module
from helpers.live.bitmap import BitmapCanvas, FrameTokens
from helpers.widgets import Playground

pytestmark = pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")

from test_bitmap_canvas import buffer, decode, hello, recorded  # noqa: E402 (the same helpers)

DATA_URL = "data:image/png;base64,"


def static_picture(canvas):
    assert canvas._static_png.startswith(DATA_URL)
    return decode(base64.b64decode(canvas._static_png[len(DATA_URL):]))




def dot_figure():
    figure = Figure(figsize=(2, 1.5), dpi=50, facecolor="white")
    axes = figure.add_axes((0.3, 0.3, 0.65, 0.65))
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    (line,) = axes.plot([0, 1], [0.2, 0.8])
    (dot,) = axes.plot([0.5], [0.5], "o", animated=True)
    return SimpleNamespace(figure=figure, axes=axes, line=line, dot=dot)


@pytest.fixture
def playground():
    pg = Playground(data="xor", hidden_layers=1, units=2, seed=0)
    yield pg
    pg.playing = False
    pg.close()


# -- the static picture (what a page without a kernel shows: saved widget state, nbconvert HTML) ------------


def test_static_picture_follows_blits_before_any_page():
    scene = dot_figure()
    canvas = BitmapCanvas(scene.figure)
    recorded(canvas)
    canvas.draw()
    background = canvas.copy_from_bbox(scene.axes.bbox)
    canvas.restore_region(background)
    scene.dot.set_data([0.9], [0.1])
    scene.axes.draw_artist(scene.dot)
    canvas.blit(scene.axes.bbox)
    np.testing.assert_array_equal(static_picture(canvas), buffer(canvas))


def test_playground_trained_before_display_keeps_the_trained_picture(playground):
    before = static_picture(playground.canvases["data"])
    playground.run(300)
    after = buffer(playground.canvases["data"])
    assert not np.array_equal(before, after)  # training moved the boundary
    np.testing.assert_array_equal(static_picture(playground.canvases["data"]), after)


def test_static_picture_stays_put_after_a_page_connected():
    # by design: once a page shows frames, updating the picture would send the whole of it to the page each time
    scene = dot_figure()
    canvas = BitmapCanvas(scene.figure)
    recorded(canvas)
    canvas.draw()
    before = canvas._static_png
    hello(canvas)
    scene.line.set_ydata([0.9, 0.1])
    canvas.draw()
    assert canvas._static_png == before


# -- the pixel ratio leaks into the kernel-side pictures ------------------------------------------------------


def test_to_png_does_not_depend_on_the_pages_pixel_ratio(playground):
    for canvas in playground.canvases.values():
        recorded(canvas)
    size_before = Image.open(io.BytesIO(playground.to_png())).size
    for canvas in playground.canvases.values():
        hello(canvas, ratio=2)
    assert Image.open(io.BytesIO(playground.to_png())).size == size_before


# -- flow control while playing -------------------------------------------------------------------------------


def test_browser_ready_bounds_the_unpainted_changes_as_documented(playground):
    for canvas in playground.canvases.values():
        recorded(canvas)
        hello(canvas)
    playground._frames.answer(playground._frames.count)
    playground.playing = True
    changes = 0
    while playground._browser_ready() and changes < 20:
        playground._advance(5)
        playground._refresh()
        changes += 1
    playground.playing = False
    # the browser has painted none of these yet: at most FRAMES_AHEAD tokens of TOKEN_EVERY changes each
    assert changes <= playground.FRAMES_AHEAD * playground.TOKEN_EVERY


def test_a_slow_but_live_page_does_not_fall_further_and_further_behind(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(bitmap_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    tokens = FrameTokens()
    page_seconds_per_token = 0.7  # TOKEN_EVERY=2 changes of 2 views: 175 ms a canvas frame (a weak laptop, ratio 2)
    painted_at = []  # (token, when the page will have painted it), in order
    page_free = 0.0
    for tick in range(6000):  # 60 s of the play loop, a look every 10 ms
        clock[0] = tick * 0.01
        while painted_at and painted_at[0][1] <= clock[0]:
            tokens.answer(painted_at.pop(0)[0])
        if tokens.in_flight() < Playground.FRAMES_AHEAD:
            number = tokens.frame_sent(None)
            page_free = max(page_free, clock[0]) + page_seconds_per_token
            painted_at.append((number, page_free))
    lag_seconds = page_free - clock[0]
    assert tokens.count - tokens.answered <= Playground.FRAMES_AHEAD + 1, (tokens.count - tokens.answered,
                                                                          lag_seconds)


def test_playing_with_no_page_ever_connected_pauses_itself(playground):
    playground.NO_PAGE_PAUSE_S = 0.3
    for canvas in playground.canvases.values():
        recorded(canvas)

    async def play():
        playground.play()
        end = time.monotonic() + 1.5
        while time.monotonic() < end and playground.playing:
            await asyncio.sleep(0.01)
        still = playground.playing
        playground.pause()
        return still

    assert not asyncio.run(play())


# -- bookkeeping and malformed messages ------------------------------------------------------------------------


def test_answered_tokens_do_not_pile_up_while_paused():
    tokens = FrameTokens()
    for _ in range(1000):
        tokens.answer(tokens.frame_sent(None))
    assert len(tokens._pending) == 0


def test_shown_with_an_infinite_number_is_ignored():
    canvas = BitmapCanvas(dot_figure().figure)
    recorded(canvas)
    hello(canvas)
    canvas._on_message(canvas, {"type": "shown", "n": float("inf")}, [])
    assert canvas.tokens.answered == 0


def test_click_with_an_infinite_button_is_ignored():
    canvas = BitmapCanvas(dot_figure().figure)
    recorded(canvas)
    hello(canvas)
    canvas._on_message(canvas, {"type": "click", "x": 10, "y": 10, "button": float("inf")}, [])


def test_an_answer_beyond_the_last_token_does_not_answer_future_tokens():
    canvas = BitmapCanvas(dot_figure().figure)
    recorded(canvas)
    hello(canvas)
    canvas._on_message(canvas, {"type": "shown", "n": canvas.tokens.count}, [])  # the hello frame painted
    canvas._on_message(canvas, {"type": "shown", "n": 10**9}, [])  # not a token we sent: ignored
    canvas.tokens.frame_sent(canvas)
    assert canvas.tokens.in_flight() == 1


def test_a_token_left_unanswered_before_play_does_not_stop_play_at_once(playground):
    # e.g. the last frame before a pause went to a tab that was hidden then: Play still gets its full grace
    for canvas in playground.canvases.values():
        recorded(canvas)
        hello(canvas)
    playground.NO_PAGE_PAUSE_S = 0.5
    playground._frames._waiting_since = time.monotonic() - 100  # an answer awaited for 100 s already

    async def play_without_answers(seconds):
        playground.play()
        await asyncio.sleep(seconds)
        return playground.playing

    assert asyncio.run(play_without_answers(0.25)), "paused at once, for a wait that began before Play"
    playground.pause()
    assert asyncio.run(play_without_answers(1.0)) is False  # with no answer since Play, it does pause


def test_pause_from_another_thread_waits_for_the_play_loop(playground):
    # JupyterLab runs widget callbacks (Pause) on a kernel subshell thread while the play loop may run on the
    # main thread's event loop: after pause() returns, no step or redraw may follow, and the curve ends there
    import threading

    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run_loop():
        asyncio.set_event_loop(loop)
        loop.call_soon(lambda: (playground.play(), started.set()))
        loop.run_forever()

    thread = threading.Thread(target=run_loop, daemon=True)
    thread.start()
    try:
        assert started.wait(5)
        time.sleep(0.5)
        playground.pause()  # from this thread, not the loop's
        steps = playground.step_count
        assert steps > 0 and not playground.playing
        assert playground._loop_stopped.is_set()  # pause returned after the loop had ended
        time.sleep(0.2)
        assert playground.step_count == steps  # nothing trained after pause returned
        assert playground.history.step[-1] == steps
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
