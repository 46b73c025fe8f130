"""The one thin wrapper that connects ipywidgets sliders to a pure plot function."""

from __future__ import annotations

import gc
import io
import os
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image

__all__ = ["SliderFigure", "figure_png", "figure_rgba", "render_frame"]

_PAD_INCHES = 0.1  # the margin the inline backend leaves around a figure (savefig.pad_inches)
_MARGIN_INCHES = 0.3  # room drawn around the figure for labels that stick out of it


class _Canvas(FigureCanvasAgg):
    """Agg, with one renderer per canvas size shared by every figure a widget draws.

    A new figure normally gets a new Agg renderer, and with it empty caches:
    the metrics of every piece of text (tick labels, titles) are measured again
    and every TeX label (log-axis ticks such as 10^{-1}) is parsed again, about
    4 ms each. Every slider move draws a new figure of the same size, so the
    renderer, its buffer and those caches are kept and reused (the renderer
    clears its buffer before each drawing; the caches are keyed by text, font,
    size and dpi, so no pixel changes).
    """

    _renderers: dict = {}

    def get_renderer(self):
        width, height = self.get_width_height(physical=True)  # whole pixels, as Agg's own
        key = (width, height, self.figure.dpi)
        renderer = self._renderers.get(key)
        if renderer is None:
            if len(self._renderers) >= 8:  # a handful of sizes at a time; forget the oldest
                self._renderers.pop(next(iter(self._renderers)))
            renderer = self._renderers[key] = RendererAgg(width, height, self.figure.dpi)
        self.renderer, self._lastKey = renderer, key
        return renderer


def _draw_rgba(fig: Figure, region: Bbox) -> np.ndarray:
    """The figure drawn once by Agg over ``region`` (inches), as an (h, w, 4) uint8 array."""
    _Canvas(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", bbox_inches=region, dpi=fig.dpi)
    raw = np.frombuffer(buffer.getbuffer(), dtype=np.uint8)
    width = int(region.width * fig.dpi)
    for w in (width, width + 1, width - 1):  # Agg truncates the size in pixels
        if w > 0 and raw.size % (4 * w) == 0:
            return raw.reshape(-1, w, 4)
    raise RuntimeError("figure_png: unexpected size of the Agg buffer")


def figure_rgba(fig: Figure) -> np.ndarray:
    """The figure as (h, w, 4) uint8 pixels, cropped to its content like the notebook's inline backend.

    The inline backend saves with ``bbox_inches="tight"``, which lays the
    figure out twice: once to measure every artist, once to render the
    cropped image. Here the figure is drawn once by Agg, at its own size and
    dpi, over its area plus a margin of 0.3 inch on every side (labels may
    stick out of the figure; the inline image shows them), and the pixels are
    cropped to what was drawn plus the inline backend's 0.1-inch padding.
    When something is drawn up to the edge of that area (it sticks out even
    further) the figure is measured and drawn again over all of it.
    """
    width, height = fig.get_size_inches()
    region = Bbox.from_bounds(0, 0, width, height).padded(_MARGIN_INCHES)
    rgba = _draw_rgba(fig, region)
    pixels = rgba.view(np.uint32)[:, :, 0]  # one 32-bit word per RGBA pixel
    drawn = pixels != pixels[0, 0]  # differs from the corner: the background
    rows = np.flatnonzero(drawn.any(axis=1))
    cols = np.flatnonzero(drawn.any(axis=0))
    if rows.size and (rows[0] == 0 or cols[0] == 0 or rows[-1] == drawn.shape[0] - 1
                      or cols[-1] == drawn.shape[1] - 1):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight", pad_inches=_PAD_INCHES, dpi=fig.dpi)
        buffer.seek(0)
        return np.asarray(Image.open(buffer).convert("RGBA"))
    if rows.size:
        pad = int(round(_PAD_INCHES * fig.dpi))
        rgba = rgba[max(0, rows[0] - pad) : rows[-1] + 1 + pad, max(0, cols[0] - pad) : cols[-1] + 1 + pad]
    return rgba


def figure_png(fig: Figure) -> bytes:
    """:func:`figure_rgba` as a full-colour PNG, compressed lightly (zlib level 1).

    The widgets show ``ragmath.widgets._explorer.frame_png`` instead (a palette
    PNG, the same bytes as the website's explorer frames).
    """
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(figure_rgba(fig))).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def render_frame(plot: Callable[..., Figure], params: Mapping, fixed: Mapping) -> tuple[Figure, bytes]:
    """``plot(**params, **fixed)`` and its frame.

    The one code path of the live widget and of the site's explorer.
    """
    from ._explorer import frame_png

    fig = plot(**params, **fixed)
    return fig, frame_png(fig)


class FrameCache:
    """Frames already drawn, by key: this process's own, and those a site build stored on disk.

    The live widget asks here before drawing. A frame it drew once is kept in
    memory (the most recent ``size``); a frame the explorer build rendered (``make
    book`` writes them into ``_build/explorers/frames/<key>.png``, see
    :func:`ragmath.widgets._explorer.frame_key`) is read from disk, so in a local
    copy of the book every grid value of every widget shows at once. Off-grid
    values are drawn live. The directory is ``RAGMATH_FRAMES`` when set (empty:
    none), else ``_build/explorers/frames`` beside the ragmath package.
    """

    def __init__(self, size: int = 512, directory: str | os.PathLike | None = None):
        self.size = size
        self.memory: OrderedDict[str, bytes] = OrderedDict()
        if directory is None:
            env = os.environ.get("RAGMATH_FRAMES")
            default = Path(__file__).resolve().parents[2] / "_build/explorers/frames"
            directory = env if env is not None else default
        self.directory = Path(directory) if directory else None
        self.hits = {"memory": 0, "disk": 0, "drawn": 0}

    def get(self, key: str | None) -> bytes | None:
        if key is None:
            return None
        data = self.memory.get(key)
        if data is not None:
            self.memory.move_to_end(key)
            self.hits["memory"] += 1
            return data
        if self.directory is not None:
            try:
                data = (self.directory / f"{key}.png").read_bytes()
            except OSError:
                return None
            self.hits["disk"] += 1
            self.put(key, data)
            return data
        return None

    def put(self, key: str | None, data: bytes) -> None:
        if key is None:
            return
        self.memory[key] = data
        self.memory.move_to_end(key)
        while len(self.memory) > self.size:
            self.memory.popitem(last=False)


FRAMES = FrameCache()


class SliderFigure(widgets.VBox):
    """Sliders above the figure drawn by ``plot(**slider_values)``.

    All the computing and drawing happens in ``plot``, a pure function that is
    tested on its own; this class only reads the sliders, calls ``plot`` and
    shows the figure it returns, as a PNG in an ``ipywidgets.Image``: the bytes
    of ``ragmath.widgets._explorer.frame_png``, exactly what the website's
    explorer shows for the same values. Values already drawn (by this widget, or
    by the site build: :class:`FrameCache`) are shown without drawing again.
    The values of the latest move are in ``.params``; ``.figure`` is the figure
    they draw (drawn when first asked for, if the PNG came from the cache), so
    tests can move a slider and check what was drawn.

    Parameters
    ----------
    plot : callable returning a matplotlib Figure
    controls : mapping of parameter name to an ipywidgets value widget
    fixed : extra keyword arguments passed to ``plot`` unchanged
    """

    def __init__(self, plot: Callable[..., Figure], controls: Mapping[str, widgets.ValueWidget], **fixed):
        self.plot = plot
        self.controls = dict(controls)
        self.fixed = fixed
        self.image = widgets.Image(format="png")
        self._figure: Figure | None = None
        self._keys: tuple | None = None  # (source hash, digest of fixed), computed on first use
        self.params: dict = {}
        box = widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([box, self.image])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, change) -> None:
        self.update()

    @property
    def figure(self) -> Figure:
        """The figure of the current values (drawn now if the PNG came from the cache)."""
        if self._figure is None:
            self._figure = self.plot(**self.params, **self.fixed)
        return self._figure

    def frame_key(self, params: Mapping | None = None) -> str | None:
        """The cache key of the frame of ``params`` (default: the current values); None if uncacheable."""
        from ._explorer import fixed_digest, frame_key, plot_source_hash

        if self._keys is None:
            self._keys = (plot_source_hash(self.plot), fixed_digest(self.fixed))
        return frame_key(*self._keys, self.params if params is None else params)

    def render(self, params: Mapping) -> tuple[Figure, bytes]:
        """Draw the figure of ``params`` and its frame (``render_frame``, as the site's explorer does)."""
        return render_frame(self.plot, params, self.fixed)

    def update(self) -> Figure | None:
        """Show the frame of the current slider values; return the figure if it was drawn."""
        self.params = {name: control.value for name, control in self.controls.items()}
        key = self.frame_key()
        data = FRAMES.get(key)
        if data is not None:
            self._figure = None
            self.image.value = data
            return None
        # Python's cyclic garbage collector would otherwise run in the middle of the
        # redraw (a figure allocates thousands of objects) and traverse the discarded
        # figures: one move in ten or so took twice as long. It runs after the new
        # image has been sent instead, while the reader looks at it.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._figure, data = self.render(self.params)
            FRAMES.hits["drawn"] += 1
            FRAMES.put(key, data)
            self.image.value = data
        finally:
            if collecting:
                gc.enable()
        return self._figure
