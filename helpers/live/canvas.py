"""The browser side of live figures: ipympl's canvas with a faster, skip-proof frame path (see helpers.live)."""

from __future__ import annotations

import base64
import contextlib
import itertools
import struct
import sys
import time
import zlib

import numpy as np
from ipympl.backend_nbagg import Canvas, FigureManager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from traitlets import Bool, Enum

__all__ = ["FastCanvas", "FrameLedger", "attach_canvas", "encode_png"]

# ---------------------------------------------------------------------------
# The browser side: ipympl canvas, frames, PNG encoding
# ---------------------------------------------------------------------------

_figure_numbers = itertools.count(1)


_ZERO_BLOCKS = {}  # length -> raw deflate bytes of that many zero bytes, ending at a full flush


def _zero_block(length):
    block = _ZERO_BLOCKS.get(length)
    if block is None:
        compressor = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
        block = compressor.compress(bytes(length)) + compressor.flush(zlib.Z_FULL_FLUSH)
        if len(_ZERO_BLOCKS) > 512:
            _ZERO_BLOCKS.clear()
        _ZERO_BLOCKS[length] = block
    return block


def encode_png(rgba, changed_rows=None):
    """PNG bytes of an (h, w, 4) uint8 array, quickly.

    ipympl sends "diff" frames: the changed pixels, every other pixel transparent black. Runs of
    rows with no change (``changed_rows`` False) are all zeros, and their compressed form is
    cached; only the other rows go through zlib (level 1, run-length strategy, "Sub" row filter).
    The result is an ordinary PNG that any decoder reads.
    """
    height, width, _ = rgba.shape
    if changed_rows is None:
        changed_rows = np.ones(height, dtype=bool)
    # PNG row filter "Sub" (each byte minus the same byte of the pixel to its left): smooth colours
    # and runs become runs of small numbers, which compress 2-3x better; an all-zero row stays all
    # zero and is marked filter "None", so the cached zero blocks still fit it.
    flat = rgba.reshape(height, width * 4)
    rows = np.empty((height, width * 4 + 1), dtype=np.uint8)
    rows[:, 0] = changed_rows
    rows[:, 1:5] = flat[:, :4]
    np.subtract(flat[:, 4:], flat[:, :-4], out=rows[:, 5:])
    edges = np.flatnonzero(np.diff(changed_rows.astype(np.int8))) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [height]])

    compressor = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_RLE)  # raw deflate: we add the zlib frame
    parts = [b"\x78\x01"]
    adler = 1
    for start, stop in zip(starts, stops):
        chunk = rows[start:stop]
        if changed_rows[start]:
            parts.append(compressor.compress(chunk))
            parts.append(compressor.flush(zlib.Z_FULL_FLUSH))  # later blocks never refer back past here
            adler = zlib.adler32(chunk, adler)
        else:
            parts.append(_zero_block(chunk.size))
            a, b = adler & 0xFFFF, adler >> 16  # Adler-32 over zeros: a stays, b grows by a per byte
            adler = (((b + chunk.size * a) % 65521) << 16) | a
    parts.append(compressor.flush(zlib.Z_FINISH))
    parts.append(struct.pack(">I", adler))

    def chunk_bytes(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk_bytes(b"IHDR", header) + chunk_bytes(b"IDAT", b"".join(parts))
            + chunk_bytes(b"IEND", b""))


class FrameLedger:
    """Which frames the browser of one explorer may not have shown yet.

    ipympl's browser side shows a frame by loading it into an image, and a frame that arrives while
    the previous one of the same canvas is still loading replaces it. So frames go out at once, and
    each is a diff that covers every pixel changed since the last frame known to be shown: a skipped
    frame then loses nothing (no ghost digits). What is known to be shown comes from one "draw"
    event (a token) sent after a burst of frames (one control change moves all views): the browser
    answers it once it has processed every frame sent before it. A frame counts as shown only after
    the *next* answer too, which leaves its image a whole round trip to load. One token at a time.

    The lead canvas (the explorer's first view) goes first: in a change, the other canvases' frames
    wait for the answer to the lead's token. The browser decodes a frame only when it is done with the
    messages in front of it, and handling a frame there costs ~10 ms (ipympl re-encodes the previous
    picture), so the lead is shown sooner when the others come after it. Under fast moves the others
    are thereby sent at the pace of the browser's answers.
    """

    LOST_AFTER_S = 5.0  # a token unanswered this long went to a page that is gone (reload, no browser)

    def __init__(self):
        self.count = 0  # frames and tokens, numbered in the order they were sent
        self.token = None  # (number, canvas, time sent) of the draw event awaiting its answer
        self.answered_numbers = (0, 0)  # the last two answered tokens, older first
        self.unannounced = None  # the canvas of the last frame that no token follows yet
        self.batching = 0
        self.lead = None  # a canvas whose frames never wait (None: no canvas waits)
        self.held = {}  # canvases with a rendered frame waiting for the lead's answer (an ordered set)

    @property
    def shown(self):
        """Frames numbered up to this are on screen for sure."""
        return self.answered_numbers[0]

    def number(self):
        self.count += 1
        return self.count

    def may_send(self, canvas):
        """False: hold the frame until the next answer (a lead frame of this change, or a token, is out)."""
        self._forget_lost_token()
        if self.lead is None or canvas is self.lead or canvas.syncing_data_url:
            return True
        if self.token is None and self.unannounced is not self.lead:
            return True
        self.held[canvas] = True
        return False

    def frame_sent(self, canvas):
        self.unannounced = canvas
        if not self.batching:
            self.announce()

    def _forget_lost_token(self):
        if self.token is not None and time.monotonic() - self.token[2] > self.LOST_AFTER_S:
            self.token = None  # frames stay unconfirmed; the next token confirms them

    def announce(self):
        self._forget_lost_token()
        canvas = self.unannounced
        if self.token is None and canvas is not None and not canvas.syncing_data_url:
            self.unannounced = None
            # right after the canvas' own frame, so its browser side answers (it stays silent to a
            # draw event that comes after its own answer and before a new frame)
            self.token = (self.number(), canvas, time.monotonic())
            canvas.send_event("draw")

    def answer(self, canvas):
        if self.token is None or self.token[1] is not canvas:
            return  # not an answer to our token (another page on the same kernel): ignore
        self.answered_numbers = (self.answered_numbers[1], self.token[0])
        self.token = None
        held, self.held = list(self.held), {}
        with self.batch():
            for waiting in held:
                waiting.send_frame()

    def in_flight(self):
        """1 while a token awaits its answer (for less than ``LOST_AFTER_S``), else 0."""
        self._forget_lost_token()
        return int(self.token is not None)

    @contextlib.contextmanager
    def batch(self, token=True):
        """Frames sent inside go out at once; the token follows the last of them (always: ``token`` is
        there so that a widget can drive this ledger and helpers.live.bitmap's ``FrameTokens`` alike)."""
        self.batching += 1
        try:
            yield
        finally:
            self.batching -= 1
            if not self.batching:
                self.announce()


class FastCanvas(Canvas):
    """ipympl's canvas, sending frames at once, as diffs that survive skipped frames, with a faster
    encoder.

    A rendered frame (``draw`` or ``blit``) is encoded and sent immediately; a frame with no change
    is not sent. See ``FrameLedger`` for why that is safe and how frames are confirmed. matplotlib's
    ``draw_idle`` (after the browser's refresh, a resize, a new pixel ratio) renders and sends a full
    frame at once, instead of asking the browser to ask back. Canvases of one explorer share a ledger
    (``canvas.ledger``); a lone canvas has its own.

    ``get_diff_image`` follows matplotlib's WebAgg implementation (full frame first and after any
    transparency or resize, otherwise only changed pixels, the rest transparent), encoded by
    ``encode_png``. The data URL kept for pages without a kernel gets its "data:" prefix, which
    ipympl 0.10 leaves off when it updates it after a draw.
    """

    # Set as class defaults, so the browser's first view already has them (set after construction,
    # the resize handle was drawn before the change arrived).
    resizable = Bool(False).tag(sync=True)
    header_visible = Bool(False).tag(sync=True)
    footer_visible = Bool(False).tag(sync=True)
    toolbar_visible = Enum(["visible", "hidden", "fade-in-fade-out", True, False], default_value=False).tag(sync=True)

    _ledger = None
    _unshown = ()  # (number, changed pixels or None for a full frame) of frames perhaps not shown yet

    @property
    def ledger(self):
        if self._ledger is None:
            self._ledger = FrameLedger()
        return self._ledger

    @ledger.setter
    def ledger(self, ledger):
        self._ledger = ledger

    def draw(self):
        FigureCanvasAgg.draw(self)  # fires draw_event: the views keep their backgrounds, paint the rest
        self._frame_ready()

    def draw_idle(self):
        # matplotlib's "draw when you can" comes after the browser's refresh (first show, page reload,
        # resize) or a new pixel ratio: the browser waits for this frame, so it never waits for a token
        FigureCanvasAgg.draw(self)
        self.send_frame()

    def blit(self, bbox=None):
        self._frame_ready()

    def _frame_ready(self):
        self._png_is_old = True
        if self.ledger.may_send(self):
            self.manager.refresh_all()

    def send_frame(self):
        """Send what the buffer holds now (a frame held back by the ledger)."""
        self._png_is_old = True
        self.manager.refresh_all()

    def _handle_message(self, object, content, buffers):
        super()._handle_message(object, content, buffers)
        if content["type"] == "initialized":  # a browser is there: confirm the frames it got meanwhile
            # ipympl's browser side turns "resizable" on by itself once its connection is live, and then
            # draws a resize handle; saying our value again (after that) takes the handle away.
            self.send_state("resizable")
            self.ledger.unannounced = self
            self.ledger.announce()

    def handle_draw(self, event):
        # Only ever the browser's answer to a token: this canvas never asks the browser to ask back.
        self.ledger.answer(self)

    def get_diff_image(self):
        if not self._png_is_old:
            return None
        self._png_is_old = False
        pixels = np.asarray(self.get_renderer().buffer_rgba())
        buffer = pixels.view(np.uint32).squeeze(2)
        if sys.byteorder == "little":  # RGBA bytes read as one uint32: alpha is the top byte
            transparent = bool((buffer < 0xFF000000).any())
        else:
            transparent = bool((pixels[:, :, 3] != 255).any())
        shown = self.ledger.shown
        unshown = [(number, mask) for number, mask in self._unshown if number > shown]
        # What this frame changes, or None when a diff cannot say it (new size, transparency)
        expressible = buffer.shape == self._last_buff.shape and not transparent
        changed = buffer != self._last_buff if expressible else None
        if self._force_full or changed is None or any(mask is None for _, mask in unshown):
            self.set_image_mode("full")
            output, covered_rows = buffer, None
        else:
            if not changed.any():
                # Nothing new: the last frame sent shows this already, and no later frame can replace it.
                self._unshown = unshown
                return None
            self.set_image_mode("diff")
            covered = changed
            for _, mask in unshown:
                covered = covered | mask  # the pixels of frames the browser may have skipped
            output = buffer * covered  # other pixels become 0: transparent, "keep what is there"
            covered_rows = covered.any(axis=1)
        unshown.append((self.ledger.number(), changed))
        if len(unshown) > 8:  # a long burst before an answer: keep one union, numbered as its newest
            masks = [mask for _, mask in unshown]
            union = None if any(m is None for m in masks) else np.logical_or.reduce(masks)
            unshown = [(unshown[-1][0], union)]
        self._unshown = unshown
        self._last_buff = buffer.copy()
        self._force_full = False
        return encode_png(output.view(np.uint8).reshape((*output.shape, 4)), covered_rows)

    def send_binary(self, data):
        if self.syncing_data_url:  # no browser has connected yet: keep the picture for static pages
            frame = self._last_buff.view(np.uint8).reshape((*self._last_buff.shape, 4))
            self._data_url = "data:image/png;base64," + base64.b64encode(encode_png(frame)).decode("ascii")
        self.send({"data": '{"type": "binary"}'}, buffers=[data])
        self.ledger.frame_sent(self)


def attach_canvas(figure, canvas_class=None):
    """Give ``figure`` an ipympl canvas (a widget) without going through pyplot."""
    canvas = (canvas_class or FastCanvas)(figure)
    FigureManager(canvas, next(_figure_numbers))  # the manager sends each rendered frame to the browser
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.toolbar_visible = False
    canvas.resizable = False
    return canvas

