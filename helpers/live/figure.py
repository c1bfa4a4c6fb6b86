"""Live figures: blitting, fast text and a fast colour map (matplotlib only; see helpers.live)."""

from __future__ import annotations

import io
import math
import weakref

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text

from .. import style as _style

__all__ = ["GlyphText", "LiveFigure", "SurfaceImage", "compose_png"]



# ---------------------------------------------------------------------------
# Fast text: glyph bitmaps rendered once, then stamped
# ---------------------------------------------------------------------------

# matplotlib lays out and rasterises every glyph of every Text on every draw (about 1 ms for a
# 16-character label here); the views repaint ~45 numbers per slider move. GlyphText keeps each
# glyph's bitmap (per font, size, dpi, angle and quarter-pixel offset) and stamps it into the Agg
# buffer, which is ~10x faster. Kerning is ignored (the labels are digits and short names).
_GLYPHS = {}  # (font id, size, dpi, glyph index, angle, fx, fy) -> (alpha bitmap, left, top)
_CHARS = {}  # (font key, char) -> (ft font, glyph index, advance in pixels)
_METRICS = {}  # font key -> (line height, descent) in pixels
_GCS = weakref.WeakKeyDictionary()  # renderer -> a graphics context for stamping text


def _glyph_api_available():
    # The per-glyph calls below are matplotlib's own (backend_agg draws text with them since 3.11);
    # they are private, so any other matplotlib falls back to ordinary Text.
    from matplotlib import ft2font
    from matplotlib.backends.backend_agg import RendererAgg

    return (all(hasattr(ft2font.FT2Font, name) for name in ("_layout", "_set_transform", "_render_glyph"))
            and hasattr(ft2font, "RenderMode") and hasattr(RendererAgg, "_prepare_font"))


FAST_TEXT = _glyph_api_available()


def _agg_fast_path(renderer):
    from matplotlib.backends.backend_agg import RendererAgg

    return FAST_TEXT and isinstance(renderer, RendererAgg)


class GlyphText(Artist):
    """A text label that is cheap to redraw: ``set_text``, ``get_text``, ``set_color`` like a Text.

    Supports ``ha`` (left, center, right), ``va`` (top, center, bottom, baseline), several lines,
    and a rotation about the anchor (in display degrees). Other renderers (PDF, SVG) get an
    ordinary matplotlib Text with the same properties.
    """

    def __init__(self, x, y, text="", *, fontsize, color, ha="center", va="center", rotation=0.0, linespacing=1.25,
                 fontweight="normal", transform=None, zorder=3, visible=True):
        super().__init__()
        self._x, self._y, self._text, self._color = x, y, text, color
        self.ha, self.va, self.rotation, self.linespacing = ha, va, float(rotation), linespacing
        self.font = FontProperties(size=fontsize, weight=fontweight)
        if transform is not None:
            self.set_transform(transform)
        self.set_zorder(zorder)
        self.set_visible(visible)
        self._last_signature = None
        self._last_mask = None

    def get_text(self):
        return self._text

    def set_text(self, text):
        self._text = str(text)
        self.stale = True

    def get_color(self):
        return self._color

    def set_color(self, color):
        self._color = color
        self.stale = True

    def get_position(self):
        return self._x, self._y

    def set_position(self, xy):
        self._x, self._y = xy
        self.stale = True

    def get_fontsize(self):
        return self.font.get_size_in_points()

    def _as_text(self):
        return Text(self._x, self._y, self._text, fontproperties=self.font, color=self._color, ha=self.ha,
                    va=self.va, rotation=self.rotation, rotation_mode="anchor", linespacing=self.linespacing,
                    transform=self.get_transform(), figure=self.get_figure(root=False))

    def _font_key(self, renderer):
        return (self.font.get_file() or self.font.get_weight(), self.font.get_size_in_points(), renderer.dpi)

    def _char(self, renderer, key, char):
        info = _CHARS.get((key, char))
        if info is None:
            from matplotlib.backends.backend_agg import get_hinting_flag

            font = renderer._prepare_font(self.font)
            # One character alone: laid out in pairs, "ff" or "fi" (as in "inf") became one ligature glyph.
            items = font._layout(char, flags=get_hinting_flag())
            if not items:  # nothing to draw (a control character)
                info = (None, 0, 0.0)
            else:
                item = items[0]
                glyph = item.ft_object.load_glyph(item.glyph_index, get_hinting_flag())
                info = (item.ft_object, item.glyph_index, glyph.horiAdvance / 64)  # 26.6 fixed point
            _CHARS[(key, char)] = info
        return info

    def _metrics(self, renderer, key):
        metrics = _METRICS.get(key)
        if metrics is None:
            _, height, descent = renderer.get_text_width_height_descent("lp", self.font, False)
            metrics = _METRICS[key] = (height, descent)
        return metrics

    def _compose(self, renderer, anchor_x, anchor_y):
        """One alpha mask for the whole label: (mask, left, top) in whole pixels, y upwards."""
        from matplotlib.backends.backend_agg import get_hinting_flag
        from matplotlib.ft2font import RenderMode

        key = self._font_key(renderer)
        size = self.font.get_size_in_points()
        height, descent = self._metrics(renderer, key)
        lines = self._text.split("\n")
        pitch = self.linespacing * height
        block = height + (len(lines) - 1) * pitch
        top = {"top": 0.0, "center": block / 2, "bottom": block, "baseline": height - descent}[self.va]
        cos, sin = math.cos(math.radians(self.rotation)), math.sin(math.radians(self.rotation))
        flags = get_hinting_flag()
        angle = round(self.rotation, 2)
        matrix = None
        dpi = renderer.dpi
        placed = []  # (bitmap, left, top)
        for i, line in enumerate(lines):
            glyphs = [_CHARS.get((key, c)) or self._char(renderer, key, c) for c in line]
            width = sum(g[2] for g in glyphs)
            dx = {"left": 0.0, "center": -width / 2, "right": -width}[self.ha]
            dy = top - (height - descent) - i * pitch  # this line's baseline, upwards from the anchor
            for font, index, advance in glyphs:
                if font is None:
                    continue
                ox = anchor_x + dx * cos - dy * sin
                oy = anchor_y + dx * sin + dy * cos
                ix, iy = math.floor(ox), math.floor(oy)
                fx, fy = int((ox - ix) * 4 + 0.5), int((oy - iy) * 4 + 0.5)  # quarter pixels
                glyph_key = (id(font), size, dpi, index, angle, fx, fy)
                glyph = _GLYPHS.get(glyph_key)
                if glyph is None:
                    if matrix is None:
                        matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
                    font.set_size(size, dpi)
                    font._set_transform(matrix, [16 * fx, 16 * fy])  # 26.6 fixed point
                    bitmap = font._render_glyph(index, flags, RenderMode.NORMAL)
                    glyph = _GLYPHS[glyph_key] = (np.array(bitmap.buffer), bitmap.left, bitmap.top)
                if glyph[0].size:
                    placed.append((glyph[0], ix + glyph[1], iy + glyph[2]))
                dx += advance
        if not placed:
            return None
        left = min(p[1] for p in placed)
        right = max(p[1] + p[0].shape[1] for p in placed)
        top_edge = max(p[2] for p in placed)
        bottom = min(p[2] - p[0].shape[0] for p in placed)
        mask = np.zeros((top_edge - bottom, right - left), dtype=np.uint8)
        for bitmap, x0, y0 in placed:
            rows, cols = bitmap.shape
            region = mask[top_edge - y0 : top_edge - y0 + rows, x0 - left : x0 - left + cols]
            np.maximum(region, bitmap, out=region)
        return mask, left, top_edge

    def draw(self, renderer):
        if not self.get_visible() or not self._text:
            return
        if not _agg_fast_path(renderer):
            self._as_text().draw(renderer)
            return

        anchor_x, anchor_y = self.get_transform().transform((self._x, self._y))
        canvas_height = int(renderer.height)
        signature = (self._text, anchor_x, anchor_y, renderer.dpi, canvas_height)
        if signature != self._last_signature:  # unchanged labels reuse their mask
            self._last_mask = self._compose(renderer, anchor_x, anchor_y)
            self._last_signature = signature
        if self._last_mask is not None:
            gc = _GCS.get(renderer)
            if gc is None:  # one graphics context per renderer, reused: making one costs as much as a label
                gc = _GCS[renderer] = renderer.new_gc()
                gc.set_antialiased(True)
            gc.set_foreground(self._color)
            gc.set_alpha(self.get_alpha())
            mask, left, top_edge = self._last_mask
            renderer._renderer.draw_text_image(mask, left, canvas_height - top_edge + mask.shape[0], 0, gc)
        self.stale = False



# ---------------------------------------------------------------------------
# Blitting: shared by every live view
# ---------------------------------------------------------------------------


class LiveFigure:
    """A figure whose value-dependent artists are animated and repainted by blitting."""

    kind = ""

    def __init__(self, figsize, style):
        self.style = style or _style.current()
        self.figure = Figure(figsize=figsize, dpi=self.style.dpi, facecolor="white")
        FigureCanvasAgg(self.figure)  # headless default; widgets.py swaps in an ipympl canvas
        self._animated = []  # repainted on every change, on top of ...
        self._layer = []  # ... a middle layer, repainted only when marked dirty, on top of ...
        self._layer_dirty = True
        self._layer_background = None
        self._background = None  # ... the static picture of the last full draw
        self.figure.canvas.mpl_connect("draw_event", self._on_draw)

    def _animate(self, artist):
        artist.set_animated(True)
        self._animated.append(artist)
        self._animated.sort(key=lambda a: a.get_zorder())  # painted in zorder, as a full draw would
        return artist

    def _glyph_text(self, ax, x, y, **kwargs):
        """An animated GlyphText in data coordinates (or ``transform=``) of ``ax``."""
        kwargs.setdefault("transform", ax.transData)
        kwargs.setdefault("color", self.style.text)
        text = GlyphText(x, y, **kwargs)
        ax.add_artist(text)
        return self._animate(text)

    def _text_size(self, text, fontsize, weight="normal"):
        """(width, height) in inches of ``text`` as matplotlib lays it out."""
        renderer = self.figure.canvas.get_renderer()
        width, height, _ = renderer.get_text_width_height_descent(
            text, FontProperties(size=fontsize, weight=weight), False
        )
        return width / self.figure.dpi, height / self.figure.dpi

    def _box(self, ax, anchor_transform, x, y, width, height, animated=True, **kwargs):
        """A rounded box, ``width`` x ``height`` inches, its lower-left corner (x, y) inches from the
        point that ``anchor_transform`` puts at the origin."""
        box = FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0,rounding_size=0.07",
                             transform=self.figure.dpi_scale_trans + anchor_transform, **kwargs)
        ax.add_patch(box)
        box.set_clip_on(False)
        return self._animate(box) if animated else box

    def _in_layer(self, artist):
        """Register an artist of the middle layer (slow to paint, changes less often)."""
        artist.set_animated(True)
        self._layer.append(artist)
        return artist

    def clear(self):
        """Empty the figure and forget its layers, to lay it out anew (the next render is a full draw)."""
        self.figure.clear()
        self._animated, self._layer = [], []
        self._background = self._layer_background = None
        self._layer_dirty = True

    def _on_draw(self, event):
        # After a full draw: keep the static picture, then paint the animated artists on it.
        if event.canvas.is_saving():  # savefig draws animated artists itself
            return
        self._background = event.canvas.copy_from_bbox(self.figure.bbox)
        self._layer_dirty = True
        self._paint_layer_and_animated()

    def _paint_layer_and_animated(self):
        canvas = self.figure.canvas
        renderer = canvas.get_renderer()  # once: Figure.draw_artist would look it up per artist
        if self._layer:
            if self._layer_dirty or self._layer_background is None:
                for artist in self._layer:
                    artist.draw(renderer)
                self._layer_background = canvas.copy_from_bbox(self.figure.bbox)
                self._layer_dirty = False
        self._paint_animated(renderer)

    def _paint_animated(self, renderer=None):
        renderer = renderer or self.figure.canvas.get_renderer()
        for artist in self._animated:
            if artist.get_visible():
                artist.draw(renderer)

    def render(self, how="blit"):
        """Show the current artists: "full" redraws everything, "blit" repaints the animated
        artists on the kept background, None does nothing. Returns what was done."""
        canvas = self.figure.canvas
        if how is None:
            return None
        if how == "full" or self._background is None:
            canvas.draw()
            return "full"
        if self._layer and not self._layer_dirty and self._layer_background is not None:
            canvas.restore_region(self._layer_background)
        else:
            canvas.restore_region(self._background)
        self._paint_layer_and_animated()
        canvas.blit(self.figure.bbox)
        return "blit"

    def rgba(self):
        """The current frame as an (h, w, 4) uint8 array."""
        if self._background is None:
            self.figure.canvas.draw()
        return np.asarray(self.figure.canvas.buffer_rgba()).copy()

    def to_png(self):
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.figure.dpi)
        return buffer.getvalue()


def _at_base_dpi(view):
    """The view's frame at the dpi of its style: a page with a high pixel density makes the live figure
    draw at a multiple of it, which the static picture (for GitHub, nbviewer) must not inherit."""
    from PIL import Image

    frame = view.rgba()
    factor = view.figure.dpi / view.style.dpi
    if abs(factor - 1) < 1e-6:
        return frame
    size = (max(1, round(frame.shape[1] / factor)), max(1, round(frame.shape[0] / factor)))
    return np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.BOX))


def compose_png(views, gap=12):
    """One PNG of the views' current frames: side by side, or ``views`` as a list of rows (lists)."""
    from PIL import Image

    rows = views if views and isinstance(views[0], (list, tuple)) else [views]
    row_images = []
    for row in rows:
        frames = [_at_base_dpi(view) for view in row]
        height = max(frame.shape[0] for frame in frames)
        width = sum(frame.shape[1] for frame in frames) + gap * (len(frames) - 1)
        image = np.full((height, width, 4), 255, dtype=np.uint8)
        left = 0
        for frame in frames:
            image[: frame.shape[0], left : left + frame.shape[1]] = frame
            left += frame.shape[1] + gap
        row_images.append(image)
    width = max(image.shape[1] for image in row_images)
    height = sum(image.shape[0] for image in row_images) + gap * (len(row_images) - 1)
    picture = np.full((height, width, 4), 255, dtype=np.uint8)
    top = 0
    for image in row_images:
        picture[top : top + image.shape[0], : image.shape[1]] = image
        top += image.shape[0] + gap
    buffer = io.BytesIO()
    Image.fromarray(picture[:, :, :3]).save(buffer, format="png")
    return buffer.getvalue()


def _interpolation_weights(grid, targets):
    """For each target: the index i of the grid interval it falls in and its fraction t in it, so that
    f(target) = (1 - t) f[i] + t f[i + 1] (clamped at the ends)."""
    index = np.clip(np.searchsorted(grid, targets) - 1, 0, len(grid) - 2)
    t = np.clip((targets - grid[index]) / (grid[index + 1] - grid[index]), 0.0, 1.0)
    return index, t


class SurfaceImage(Artist):
    """Values on a grid, painted in colour over the whole of ``axes``.

    Bilinear between the grid points (which sit exactly at the sampled weights), computed at the
    axes' pixel size with two small matrix products and a colour lookup table: a few times cheaper
    than AxesImage's general resampler, which matters because hidden-weight sliders change it on
    every move.
    """

    def __init__(self, axes, cmap, norm):
        super().__init__()
        self.axes = axes
        self.mappable = ScalarMappable(norm=norm, cmap=cmap)  # what the colour bar shows
        self.norm = norm
        self._lut = (self.mappable.get_cmap()(np.linspace(0, 1, 256)) * 255).round().astype(np.uint8)
        self._data = None
        self._pixels = None  # (key, rgba)

    def set_data(self, data, grid_u, grid_v):
        self._data, self.grid_u, self.grid_v = np.asarray(data, dtype=float), grid_u, grid_v
        self._pixels = None
        self.stale = True

    def get_array(self):
        return self._data

    def set_clim(self, low, high):
        self.mappable.set_clim(low, high)
        self._pixels = None
        self.stale = True

    def draw(self, renderer):
        if self._data is None or not self.get_visible():
            return
        box = self.axes.bbox
        x0, y0 = round(box.x0), round(box.y0)
        width, height = round(box.x1) - x0, round(box.y1) - y0
        key = (x0, y0, width, height, self.norm.vmin, self.norm.vmax)
        if self._pixels is None or self._pixels[0] != key:
            to_data = self.axes.transData.inverted()
            us = to_data.transform(np.column_stack([x0 + 0.5 + np.arange(width), np.full(width, y0 + 0.5)]))[:, 0]
            vs = to_data.transform(np.column_stack([np.full(height, x0 + 0.5), y0 + 0.5 + np.arange(height)]))[:, 1]
            # bilinear: first along v (rows), then along u (columns); gathers, no matrix products
            row, t = _interpolation_weights(self.grid_v, vs)
            rows = self._data.take(row, axis=0) * (1 - t)[:, None] + self._data.take(row + 1, axis=0) * t[:, None]
            col, t = _interpolation_weights(self.grid_u, us)
            values = rows.take(col, axis=1) * (1 - t) + rows.take(col + 1, axis=1) * t
            span = (self.norm.vmax - self.norm.vmin) or 1.0
            values -= self.norm.vmin
            values *= 255 / span
            values += 0.5
            np.clip(values, 0, 255, out=values)
            rgba = self._lut.take(values.astype(np.intp), axis=0)  # Agg takes the bottom row first
            self._pixels = (key, rgba)
        gc = renderer.new_gc()
        gc.set_clip_rectangle(box)
        renderer.draw_image(gc, x0, y0, self._pixels[1])
        gc.restore()
        self.stale = False


