"""ChartRenderer: a ChartSnapshot in, an RGB uint8 frame out.

One :class:`~matplotlib.figure.Figure` with a
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` lives as long as
the renderer (the matplotlib gallery's ``canvasagg.py``); no pyplot. The
moving artists are ``animated``: a full ``canvas.draw()`` paints only the
static parts, which are then cached and restored on later frames, and the
moving artists are drawn on top (the gallery's ``blitting.py``). A full
redraw happens only when something static changes: chart kind, size,
title, labels or units, axis limits, connection state.

On each full redraw the decorations are fitted into the frame: the axes'
margins are measured from the decorations' extents (tick labels, axis
labels, title, legend, colour bar), and when they would take more than
half the frame the painter steps down a detail level (smaller fonts, then
no axis labels, no tick labels, no title). Every text stays inside the
frame at every allowed size. A snapshot with a ``problem`` is drawn by
:class:`~chartioc.iocs.chart.render.problem.ProblemPainter`: a frame that says
why the settings cannot draw.
"""

from __future__ import annotations

import time

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from chartioc.client.ca.limits import FRAME_SIDES
from chartioc.iocs.chart.model import ChartSnapshot
from chartioc.iocs.chart.render.base import DETAIL_LEVELS, Painter
from chartioc.iocs.chart.render.grid import GridPainter
from chartioc.iocs.chart.render.layout import PAD_PX, font_scale, line_scale
from chartioc.iocs.chart.render.map import MapPainter
from chartioc.iocs.chart.render.problem import ProblemPainter
from chartioc.iocs.chart.render.strip import StripPainter
from chartioc.iocs.chart.render.style import MARGINS_PX
from chartioc.iocs.chart.render.xy import XYPainter

__all__ = ["ChartRenderer"]

_PAINTERS: dict[str, type[Painter]] = {
    "strip": StripPainter,
    "xy": XYPainter,
    "map": MapPainter,
    "grid": GridPainter,
    "problem": ProblemPainter,
}
#: The plot area keeps at least this fraction of each side; decorations give way first.
MIN_PLOT_FRACTION = 0.5
#: Layout passes, beyond the detail steps, to let the margins settle.
_LAYOUT_PASSES = 4


def _check_size(width: int, height: int) -> tuple[int, int]:
    w, h = int(width), int(height)
    low, high = FRAME_SIDES
    if not (low <= w <= high and low <= h <= high):
        raise ValueError(f"frame size {w}x{h} outside [{low}, {high}]")
    return w, h


def _rgb_copy(rgba: np.ndarray) -> np.ndarray:
    """New C-contiguous RGB copy of an RGBA image.

    Channel by channel is about 5x faster than copying the strided
    ``rgba[..., :3]`` view in one go.
    """
    out = np.empty((*rgba.shape[:2], 3), dtype=np.uint8)
    for c in range(3):
        out[..., c] = rgba[..., c]
    return out


class ChartRenderer:
    """Render :class:`~chartioc.iocs.chart.model.ChartSnapshot` objects to RGB frames.

    Parameters
    ----------
    width, height : int
        Frame size in pixels, each within ``FRAME_SIDES`` (64..2048).
    dpi : float, optional
        Figure resolution; scales fonts and line widths relative to pixels.

    Notes
    -----
    Not thread-safe: use one renderer from one thread at a time (the chart
    IOC renders in a worker thread). :meth:`render` returns a **new** array
    every call, so the caller may keep or publish it while the next frame is
    drawn.
    """

    def __init__(self, width: int, height: int, dpi: float = 100.0) -> None:
        self._width, self._height = _check_size(width, height)
        self._dpi = float(dpi)
        self._figure = Figure(figsize=(self._width / dpi, self._height / dpi), dpi=dpi)
        self._figure.patch.set_facecolor("white")
        self._canvas = FigureCanvasAgg(self._figure)
        self._painter: Painter | None = None
        self._painter_key: tuple[str, int] | None = None
        self._static_key: object = None
        self._background: object = None
        self._rect_px: tuple[float, float, float, float] | None = None  # left, right, top, bottom
        #: wall-clock seconds :meth:`render` took last time
        self.last_render_seconds: float = 0.0
        #: frames drawn in full (static parts included)
        self.full_redraws: int = 0
        #: frames drawn by restoring the cached background and the moving artists
        self.blits: int = 0

    # -- properties ----------------------------------------------------------------
    @property
    def width(self) -> int:
        """Frame width in pixels."""
        return self._width

    @property
    def height(self) -> int:
        """Frame height in pixels."""
        return self._height

    @property
    def frames(self) -> int:
        """Frames rendered (``full_redraws + blits``)."""
        return self.full_redraws + self.blits

    @property
    def figure(self) -> Figure:
        """The persistent figure (for inspection; do not draw on it)."""
        return self._figure

    @property
    def axes(self) -> Axes | None:
        """The axes of the current chart, None before the first frame."""
        return self._painter.ax if self._painter is not None else None

    # -- public API ------------------------------------------------------------------
    def resize(self, width: int, height: int) -> None:
        """Change the frame size; the next frame is a full redraw.

        Raises
        ------
        ValueError
            If a side is outside ``FRAME_SIDES``.
        """
        w, h = _check_size(width, height)
        if (w, h) == (self._width, self._height):
            return
        self._width, self._height = w, h
        self._figure.set_size_inches(w / self._dpi, h / self._dpi)
        self._rect_px = None
        if self._painter is not None:
            self._painter.place(self._axes_rect())
        self.invalidate()

    def invalidate(self) -> None:
        """Force a full redraw on the next :meth:`render`."""
        self._static_key = None
        self._background = None

    def render(self, snap: ChartSnapshot) -> np.ndarray:
        """Draw one frame.

        Parameters
        ----------
        snap : ChartSnapshot
            What to show.

        Returns
        -------
        numpy.ndarray
            A new ``(height, width, 3)`` uint8 C-contiguous RGB array.

        Raises
        ------
        ValueError
            If ``snap.kind`` is not a known chart kind.
        """
        t0 = time.perf_counter()
        painter = self._painter_for(snap)
        painter.prepare(snap)
        key = painter.static_key(snap)
        canvas = self._canvas
        if self._background is None or key != self._static_key:
            painter.scale = font_scale(self._width, self._height)
            painter.line_scale = line_scale(self._width, self._height)
            painter.apply_static(snap)
            self._layout(painter)
            painter.update_artists(snap)
            canvas.draw()  # animated artists are skipped here
            self._background = canvas.copy_from_bbox(self._figure.bbox)
            self._static_key = key
            self.full_redraws += 1
        else:
            canvas.restore_region(self._background)
            painter.update_artists(snap)
            self.blits += 1
        for artist in painter.animated:
            if artist.get_visible():
                self._figure.draw_artist(artist)
        frame = _rgb_copy(np.asarray(canvas.buffer_rgba()))
        if frame.shape != (self._height, self._width, 3):  # pragma: no cover - guard
            raise RuntimeError(f"canvas is {frame.shape}, expected {self._height}x{self._width}")
        self.last_render_seconds = time.perf_counter() - t0
        return frame

    def geometry(self) -> tuple[tuple[float, float, float, float], tuple[float, ...]]:
        """Where the plot area of the last frame is, for clients that map pixels to data.

        Returns
        -------
        tuple
            ``((left, top, right, bottom), (xmin, xmax, ymin, ymax))``: the
            axes' box in frame pixels (row 0 at the top) and the data limits
            at its edges (for a strip chart, x is seconds relative to now).

        Raises
        ------
        RuntimeError
            Before the first frame.
        """
        ax = self._current_painter().ax
        box = ax.bbox
        pixels = (box.x0, self._height - box.y1, box.x1, self._height - box.y0)
        return pixels, (*ax.get_xlim(), *ax.get_ylim())

    def data_to_pixel(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """Map data coordinates of the current axes to frame pixel coordinates.

        Parameters
        ----------
        x, y : array_like
            Data coordinates (for a strip chart, x is seconds relative to
            ``now``: negative in the past).

        Returns
        -------
        numpy.ndarray
            ``(..., 2)`` float array of ``(column, row)``; row 0 is the top
            of the frame and pixel ``(c, r)`` covers ``[c, c+1) x [r, r+1)``,
            so ``np.floor`` gives array indices ``frame[row, column]``.

        Raises
        ------
        RuntimeError
            Before the first frame.
        """
        painter = self._current_painter()
        xy = np.stack(np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float)), axis=-1)
        disp = painter.ax.transData.transform(xy.reshape(-1, 2)).reshape(xy.shape)
        disp[..., 1] = self._height - disp[..., 1]
        return disp

    # -- internals -------------------------------------------------------------------
    def _current_painter(self) -> Painter:
        if self._painter is None:
            raise RuntimeError("no frame rendered yet")
        return self._painter

    def _margins(self) -> tuple[float, float, float, float]:
        """Margins (left, right, top, bottom) in pixels: the last layout's, or the defaults."""
        if self._rect_px is not None:
            return self._rect_px
        w, h = self._width, self._height
        left, right, top, bottom = MARGINS_PX
        # small frames: never give the margins more than 40 % of a side
        return (
            min(left, 0.25 * w),
            min(right, 0.05 * w),
            min(top, 0.15 * h),
            min(bottom, 0.25 * h),
        )

    def _axes_rect(
        self, margins: tuple[float, float, float, float] | None = None
    ) -> tuple[float, float, float, float]:
        """Axes position in figure fractions from pixel margins (left, right, top, bottom)."""
        w, h = self._width, self._height
        left, right, top, bottom = margins if margins is not None else self._margins()
        return (left / w, bottom / h, (w - left - right) / w, (h - top - bottom) / h)

    def _overhang(
        self, painter: Painter, renderer: RendererBase, margins: tuple[float, float, float, float]
    ) -> tuple[float, float, float, float]:
        """How far the decorations reach beyond the plot rectangle (left, right, top, bottom)."""
        w, h = self._width, self._height
        left, right, top, bottom = margins
        x0, x1, y0, y1 = left, w - right, bottom, h - top
        reach = [0.0, 0.0, 0.0, 0.0]
        for ax in painter.axes_list():
            box = ax.get_tightbbox(renderer)
            if box is None:
                continue
            reach[0] = max(reach[0], x0 - box.x0)
            reach[1] = max(reach[1], box.x1 - x1)
            reach[2] = max(reach[2], box.y1 - y1)
            reach[3] = max(reach[3], y0 - box.y0)
        return reach[0], reach[1], reach[2], reach[3]

    def _layout(self, painter: Painter) -> None:
        """Margins that hold every decoration, at the most detail that leaves room to plot.

        Width and height are handled apart: when the y-axis decorations leave
        too little width, they give way (``across`` level); when the title,
        legend and x-axis decorations leave too little height, those do
        (``down`` level). See :meth:`Painter.set_detail`.
        """
        renderer = self._canvas.get_renderer()
        w, h = self._width, self._height
        margins = self._margins()
        across = down = 0
        top = DETAIL_LEVELS - 1
        painter.begin_layout()
        for _ in range(2 * DETAIL_LEVELS + _LAYOUT_PASSES):
            painter.set_detail(across, down)
            painter.place(self._axes_rect(margins))
            painter.fit_texts(renderer, w, h)
            reach = self._overhang(painter, renderer, margins)
            wanted = [max(r, 0.0) + PAD_PX for r in reach]
            wide_enough = w - wanted[0] - wanted[1] >= MIN_PLOT_FRACTION * w
            tall_enough = h - wanted[2] - wanted[3] >= MIN_PLOT_FRACTION * h
            if not wide_enough and across < top:
                across += 1
                continue
            if not tall_enough and down < top:
                down += 1
                continue
            if not wide_enough:
                wanted[0], wanted[1] = min(wanted[0], 0.25 * w), min(wanted[1], 0.25 * w)
            if not tall_enough:
                wanted[2], wanted[3] = min(wanted[2], 0.25 * h), min(wanted[3], 0.25 * h)
            # grow at once; shrink only by more than 4 px (no jitter between frames)
            new = tuple(
                want if want > have or want < have - 4 else have
                for want, have in zip(wanted, margins, strict=True)
            )
            if new == margins:
                break
            margins = new  # type: ignore[assignment]
        else:
            painter.place(self._axes_rect(margins))
            painter.fit_texts(renderer, w, h)
        self._rect_px = margins

    def _painter_for(self, snap: ChartSnapshot) -> Painter:
        kind = "problem" if snap.problem else snap.kind
        try:
            cls = _PAINTERS[kind]
        except KeyError:
            raise ValueError(f"unknown chart kind {snap.kind!r}") from None
        pkey = (kind, len(snap.ys))
        if self._painter is None or pkey != self._painter_key:
            self._figure.clear()
            ax = self._figure.add_axes(self._axes_rect())
            self._painter = cls(ax, len(snap.ys))
            self._painter.place(self._axes_rect())
            self._painter_key = pkey
            self.invalidate()
        return self._painter
