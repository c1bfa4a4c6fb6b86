"""A live figure's canvas with its own small browser side, for views that redraw many times a second.

``FastCanvas`` (canvas.py) rides on ipympl's browser side, which is built for a figure that changes on a
click: for every frame it loads a PNG into one ``Image`` (a frame arriving while the last still loads
cancels it), draws it twice (offscreen, then visible) and re-encodes the whole canvas as a data URL. While
the playground plays, that work saturated the page's main thread on a 2-core machine: ~45 ms per frame
per canvas, so about 10 painted frames a second. And ipympl answers a frame before it is painted, so
the kernel cannot keep a second frame in flight without risking the cancellation.

``BitmapCanvas`` is both the matplotlib canvas (Agg: views render into it, and mouse handlers connect to
it as to any canvas) and a widget (anywidget) whose browser side, below in ``_ESM``:

- decodes each frame off the main thread (``createImageBitmap``) and paints the frames strictly in order,
  so none is ever cancelled and a frame may go while the one before it still decodes;
- gets only the rectangle that changed, with its offset: the changed pixels, the rest transparent;
- answers each frame once it is painted (``shown``), so the kernel knows what is in flight;
- sends clicks back as figure pixels, which become matplotlib ``button_press_event`` s;
- says ``hello`` (with its device pixel ratio) when a view appears, and then gets a full frame.

Until a browser says hello, frames are not sent; each render keeps a PNG (``_static_png``) instead, which a
page rendering saved widget state without a kernel shows (a notebook run with no page, e.g. by nbclient).
After hello it is no longer updated: every update would send the whole picture to the page.
"""

from __future__ import annotations

import base64
import contextlib
import math
import sys
import time

import anywidget
import numpy as np
from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from traitlets import Unicode

from .canvas import encode_png

__all__ = ["BitmapCanvas", "FrameTokens"]

_ESM = r"""
// One painter for every live canvas of the page: frames are decoded off the main thread as they arrive,
// and painted strictly in arrival order (so a diff never lands before the frame it builds on). Frames
// of several canvases decoded by then land in the same animation frame. A token is answered once
// everything before it is painted: that is how the kernel knows what is still in flight.
const painter = window.__liveCanvasPainter || (window.__liveCanvasPainter = { chain: Promise.resolve() });

// WebCodecs' ImageDecoder reads the bytes as they are; a Blob would copy them to the browser process first.
// The decoder stays open until its picture is painted (closed early, a picture was sometimes lost).
async function decode(bytes) {
  if (typeof ImageDecoder === "undefined") return createImageBitmap(new Blob([bytes], { type: "image/png" }));
  const decoder = new ImageDecoder({ data: bytes, type: "image/png" });
  try {
    const { image } = await decoder.decode();
    const close = image.close.bind(image);
    image.close = () => { close(); decoder.close(); };
    return image;  // a VideoFrame: drawImage takes it as it takes an ImageBitmap
  } catch (error) {
    decoder.close();
    throw error;
  }
}

function render({ model, el }) {
  el.classList.add("live-canvas");
  const box = document.createElement("div");
  box.className = "live-canvas-div";
  const canvas = document.createElement("canvas");
  canvas.style.display = "block";
  box.appendChild(canvas);
  el.appendChild(box);
  const context = canvas.getContext("2d");
  let painted = false;  // a frame from the kernel is on the canvas
  let alive = true;

  function size(width, height, pixelRatio) {
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    canvas.style.width = `${width / pixelRatio}px`;
    canvas.style.height = `${height / pixelRatio}px`;
  }
  const cursor = () => { canvas.style.cursor = model.get("cursor") || "default"; };
  cursor();
  model.on("change:cursor", cursor);

  const staticPicture = model.get("_static_png");
  if (staticPicture) {  // the picture before any page connected: shown until the kernel's first frame
    const image = new Image();
    image.onload = () => {
      if (painted || !alive) return;
      size(image.width, image.height, 1);  // drawn before any browser said its pixel ratio
      context.drawImage(image, 0, 0);
    };
    image.src = staticPicture;
  }

  function paint(message, bitmap) {
    try {
      if (!alive) return;
      if (message.full) size(message.width, message.height, message.ratio || 1);
      const width = bitmap.displayWidth || bitmap.width, height = bitmap.displayHeight || bitmap.height;
      if (!message.diff) context.clearRect(message.x, message.y, width, height);
      context.drawImage(bitmap, message.x, message.y);
      painted = true;
    } finally {
      bitmap.close();
    }
  }

  // One answer per animation frame, for the newest token painted: a tab in the background holds its
  // animation frames, and must not send a flood of answers when it comes back.
  let answerNumber = 0, answerScheduled = false;
  function answer(message) {
    answerNumber = Math.max(answerNumber, message.n);
    if (answerScheduled) return;
    answerScheduled = true;
    requestAnimationFrame(() => {
      answerScheduled = false;
      if (alive) model.send({ type: "shown", n: answerNumber });
    });
  }

  function onMessage(message, buffers) {
    if (message.type === "token") {
      painter.chain = painter.chain.then(() => answer(message));
    } else if (message.type === "frame" && buffers && buffers.length) {
      const data = buffers[0];
      const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data;
      const decoding = decode(bytes);
      decoding.catch(() => {});  // handled below, in turn; this only keeps it from counting as unhandled
      painter.chain = painter.chain.then(() => decoding).then((bitmap) => paint(message, bitmap)).catch((error) => {
        // A lost frame would leave later diffs painting over the wrong picture: ask for the whole one again.
        console.warn("live canvas: a frame could not be shown; asking for the whole picture", error);
        if (alive) model.send({ type: "hello", ratio: window.devicePixelRatio || 1 });
      });
      if (message.token) painter.chain = painter.chain.then(() => answer(message));
    }
  }
  model.on("msg:custom", onMessage);

  function onPress(event) {
    const box = canvas.getBoundingClientRect();
    if (!box.width || !box.height) return;
    model.send({
      type: "click",
      x: (event.clientX - box.left) * canvas.width / box.width,
      y: (event.clientY - box.top) * canvas.height / box.height,
      button: event.button + 1,
    });
  }
  canvas.addEventListener("mousedown", onPress);

  // The pixel ratio changes with the browser's zoom or a move to another screen (a projector): say it again,
  // and the kernel draws the figure at the new density and sends it whole.
  let media = null;
  function onRatioChange() {
    if (!alive) return;
    model.send({ type: "hello", ratio: window.devicePixelRatio || 1 });
    watchRatio();
  }
  function watchRatio() {
    media = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    media.addEventListener("change", onRatioChange, { once: true });
  }
  watchRatio();
  model.send({ type: "hello", ratio: window.devicePixelRatio || 1 });

  return () => {
    alive = false;
    media.removeEventListener("change", onRatioChange);
    model.off("change:cursor", cursor);
    model.off("msg:custom", onMessage);
    canvas.removeEventListener("mousedown", onPress);
  };
}
export default { render };
"""

_CSS = """
.live-canvas { line-height: 0; }
.live-canvas-div { display: inline-block; }
"""


class FrameTokens:
    """What the browser has painted, for the canvases of one widget.

    Frames are numbered in the order sent. A token follows a burst of frames (one change of the widget
    updates all its views: ``batch()``), or a lone frame; the browser answers a token once it has painted
    every frame before it, so one answer per change however many canvases changed (every message from
    the page costs it a round of kernel busy/idle updates)."""

    LOST_AFTER_S = 1.0  # no answer at all for this long: the tokens went to a page that is gone (reload, closed tab)

    def __init__(self):
        self.count = 0
        self.answered = 0  # frames numbered up to this are painted
        self._pending = {}  # token number -> when it was sent, until answered
        self._batching = 0
        self._last_canvas = None  # the canvas of the last frame that no token follows yet
        self._waiting_since = None  # when the first token after the last answer went out
        self._last_answer = time.monotonic()

    def number(self):
        self.count += 1
        return self.count

    def in_flight(self):
        """Tokens sent and not answered yet. When the page has answered nothing for ``LOST_AFTER_S``, those
        older than that count as lost; a slow page that still answers keeps them all counted, so the
        kernel never runs further ahead of it."""
        now = time.monotonic()
        silent = now - self._last_answer > self.LOST_AFTER_S
        # (answers may come on another thread: JupyterLab sends widget messages through a kernel subshell)
        for number, sent in list(self._pending.items()):
            if number <= self.answered or (silent and now - sent > self.LOST_AFTER_S):
                self._pending.pop(number, None)
        return len(self._pending)

    def frame_sent(self, canvas):
        """A frame went out: if not inside ``batch()``, returns the token number it should carry."""
        if self._batching:
            self._last_canvas = canvas
            return None
        number = self.number()
        self._token_sent(number)
        return number

    def answer(self, number):
        if not 0 < number <= self.count:  # not one of our tokens (a page of another kernel session, or junk)
            return
        self.answered = max(self.answered, number)
        self._waiting_since = None
        self._last_answer = time.monotonic()
        for older in [n for n in list(self._pending) if n <= self.answered]:
            self._pending.pop(older, None)

    def unanswered_for(self):
        """Seconds since the first token that no answer has followed (0 when the browser keeps answering):
        long means no page shows these frames (a closed or hidden tab, a cleared output)."""
        return 0.0 if self._waiting_since is None else time.monotonic() - self._waiting_since

    def _token_sent(self, number):
        now = time.monotonic()
        self._pending[number] = now
        if self._waiting_since is None:
            self._waiting_since = now

    @contextlib.contextmanager
    def batch(self, token=True):
        """Frames sent inside go out at once; one token follows the last of them (none with ``token=False``:
        a later token answers for them too)."""
        self._batching += 1
        try:
            yield
        finally:
            self._batching -= 1
            canvas = self._last_canvas
            if not self._batching:  # the outer batch ends: its frames (of inner batches too) get the token
                self._last_canvas = None
            if token and not self._batching and canvas is not None and not canvas.closed:
                number = self.number()
                self._token_sent(number)
                canvas.send({"type": "token", "n": number})


class BitmapCanvas(anywidget.AnyWidget, FigureCanvasAgg):
    """The Agg canvas of one figure, shown in the browser by a widget that paints frames in order and says
    when they are painted. ``draw`` and ``blit`` send what changed; the canvases of one widget share
    ``tokens`` (a ``FrameTokens``), which says how many changes the browser has not painted yet."""

    _esm = _ESM
    _css = _CSS
    _static_png = Unicode("").tag(sync=True)  # a data URL: the picture before any page connected (saved state)
    cursor = Unicode("default").tag(sync=True)  # the CSS cursor over the canvas (e.g. "crosshair" where a click acts)

    def __init__(self, figure, **kwargs):
        anywidget.AnyWidget.__init__(self, **kwargs)
        FigureCanvasAgg.__init__(self, figure)  # after the widget: traitlets' init would make a throwaway figure
        self.manager = None
        self._base_dpi = figure.dpi
        self.ratio = 1.0
        self.connected = False  # a browser view has said hello
        self._drawn = False  # the buffer holds a full draw of the figure
        self._last = None  # (h, w) uint32 pixels of the last frame sent
        self.frames_sent = 0
        self.tokens = FrameTokens()  # its own; a widget gives its canvases one to share
        self.closed = False
        self.on_msg(self._on_message)

    def close(self):
        self.closed = True
        super().close()

    # -- matplotlib's side ----------------------------------------------------

    def draw(self):
        FigureCanvasAgg.draw(self)  # fires draw_event: live views keep their backgrounds, paint the rest
        self._drawn = True
        if self.connected:
            self.send_frame()
        else:
            self._keep_static_picture()

    def draw_idle(self, *args, **kwargs):
        self.draw()

    def blit(self, bbox=None):
        if self.connected:
            self.send_frame()
        else:
            self._keep_static_picture()

    def _keep_static_picture(self):
        pixels = np.asarray(self.buffer_rgba())
        self._static_png = "data:image/png;base64," + base64.b64encode(encode_png(pixels)).decode("ascii")

    # -- frames -----------------------------------------------------------------

    def send_frame(self, full=False):
        """Send the rectangle of pixels that changed since the last frame (everything, if ``full`` or
        the size changed). Returns the frame's number, or None when nothing changed."""
        pixels = np.asarray(self.buffer_rgba())
        height, width, _ = pixels.shape
        current = pixels.view(np.uint32).reshape(height, width)
        if full or self._last is None or self._last.shape != current.shape:
            full, top, bottom, left, right = True, 0, height, 0, width
        else:
            changed = current != self._last
            rows, columns = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            if not len(rows):
                return None
            top, bottom, left, right = rows[0], rows[-1] + 1, columns[0], columns[-1] + 1
        region = current[top:bottom, left:right]
        diff = not full and sys.byteorder == "little" and bool((region >= 0xFF000000).all())
        if diff:
            # Opaque pixels only (alpha is the top byte): send the changed ones, the rest transparent, which
            # the browser paints over what it shows; runs of zeros cost almost nothing to encode and send.
            mask = changed[top:bottom, left:right]
            output = region * mask
            png = encode_png(output.view(np.uint8).reshape(*output.shape, 4), mask.any(axis=1))
        else:  # the whole rectangle replaces what is there (it may hold transparent pixels)
            png = encode_png(np.ascontiguousarray(pixels[top:bottom, left:right]))
        self._last = current.copy()
        self.frames_sent += 1
        message = {"type": "frame", "x": int(left), "y": int(top), "full": full, "diff": diff}
        if full:
            message.update(width=width, height=height, ratio=self.ratio)
        token = self.tokens.frame_sent(self)
        if token is not None:
            message["token"] = message["n"] = token
        self.send(message, buffers=[png])
        return self.frames_sent

    # -- the browser's side ---------------------------------------------------------

    def _on_message(self, widget, content, buffers):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "shown":
            try:
                self.tokens.answer(int(content.get("n", 0)))
            except (TypeError, ValueError, OverflowError):
                pass
        elif kind == "hello":
            self.connected = True
            ratio = content.get("ratio", 1)
            ratio = float(ratio) if isinstance(ratio, (int, float)) and 0.5 <= ratio <= 4 else 1.0
            if ratio != self.ratio:
                self.ratio = ratio
                self.figure.set_dpi(self._base_dpi * ratio)  # crisp on a high-density screen
                self._drawn = False
            if not self._drawn:  # a full draw (live views lay out their layers anew at a new size)
                FigureCanvasAgg.draw(self)
                self._drawn = True
            self.send_frame(full=True)  # a new view (or a reloaded page) gets the whole picture
        elif kind == "click":
            try:
                x, y, button = float(content["x"]), float(content["y"]), int(content.get("button", 1))
            except (KeyError, TypeError, ValueError, OverflowError):
                return
            if not (math.isfinite(x) and math.isfinite(y)):
                return
            height = self.figure.bbox.height
            # browser pixels count down from the top, matplotlib's display pixels up from the bottom
            MouseEvent("button_press_event", self, x, height - y, button=button)._process()
