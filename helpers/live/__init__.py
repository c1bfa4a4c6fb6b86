"""The live-figure layer: what makes a matplotlib figure redraw fast enough to feel alive in a browser.

Every live view of the course (the explorer's three views, the backward step-through, the training
playground) is a ``LiveFigure``. ``attach_canvas`` gives it a ``FastCanvas``, ipympl's widget canvas with
a faster frame path (a figure that changes on a click or a slider); the training playground, which redraws
20+ times a second while it plays, gives its views a ``BitmapCanvas`` instead, a canvas with its own small
browser side (anywidget). What is here knows nothing about networks; ``draw.py`` says what each view means and
``widgets.py`` wires controls to views.

- ``LiveFigure``: a figure whose value-dependent artists are *animated*: a full draw paints the static
  parts once and keeps them as a background; a change restores the background and repaints only the
  animated artists (blitting), with an optional middle layer (e.g. a colour map) repainted only when it
  changes.
- ``GlyphText``: a label that stamps cached glyph bitmaps instead of laying out text on every draw.
- ``SurfaceImage``: values on a grid painted in colour over an axes, cheaper than AxesImage.
- ``FastCanvas``, ``encode_png``: frames sent at once as diffs that survive skipped frames, encoded
  quickly; a frame ledger shared by the canvases of one widget confirms what the browser has shown.
- ``BitmapCanvas``, ``FrameTokens``: frames decoded off the page's main thread and painted in order (none
  dropped), only the changed rectangle sent, and answered once painted, so a frame can be in flight while
  the kernel renders the next; clicks come back as matplotlib mouse events.
- ``compose_png``: one static picture of several views, for pages without a kernel.

Three modules: ``figure`` (matplotlib only; what ``draw.py`` builds on), ``canvas`` (ipympl) and ``bitmap``
(anywidget), the browser sides that ``widgets.py`` attaches. ``draw.py`` therefore never imports ipywidgets.
"""

from .figure import GlyphText, LiveFigure, SurfaceImage, compose_png

__all__ = ["BitmapCanvas", "FastCanvas", "FrameLedger", "FrameTokens", "GlyphText", "LiveFigure", "SurfaceImage",
           "attach_canvas", "compose_png", "encode_png"]


def __getattr__(name):
    # The canvas side imports ipympl (and so ipywidgets); drawing code never needs it, so it loads on first use.
    if name in ("FastCanvas", "FrameLedger", "attach_canvas", "encode_png"):
        from . import canvas

        return getattr(canvas, name)
    if name in ("BitmapCanvas", "FrameTokens"):
        from . import bitmap

        return getattr(bitmap, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
