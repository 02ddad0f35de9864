"""ChartRenderer: a ChartSnapshot in, an RGB uint8 frame out.

One :class:`~matplotlib.figure.Figure` with a
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` lives as long as
the renderer (the matplotlib gallery's ``canvasagg.py``); no pyplot. The
moving artists are ``animated``: a full ``canvas.draw()`` paints only the
static parts, which are then cached and restored on later frames, and the
moving artists are drawn on top (the gallery's ``blitting.py``). A full
redraw happens only when something static changes: chart kind, size,
title, labels or units, axis limits, connection state.

On each full redraw the decorations are fitted into the frame
(:mod:`~chartioc.iocs.chart.render.margins`): the axes' margins are
measured from the decorations' extents (tick labels, axis labels, title,
legend, colour bar), and when they would take more than half the frame the
painter steps down a detail level (smaller fonts, then no axis labels, no
tick labels, no title). Every text stays inside the
frame at every allowed size. A snapshot with a ``problem`` is drawn by
:class:`~chartioc.iocs.chart.render.problem.ProblemPainter`: a frame that says
why the settings cannot draw.
"""

from __future__ import annotations

import time

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from chartioc.client.ca.limits import FRAME_SIDES
from chartioc.iocs.chart.model import ChartSnapshot
from chartioc.iocs.chart.render.base import Painter
from chartioc.iocs.chart.render.grid import GridPainter
from chartioc.iocs.chart.render.layout import font_scale, line_scale
from chartioc.iocs.chart.render.map import MapPainter
from chartioc.iocs.chart.render.margins import Margins, axes_rect, default_margins, fit_margins
from chartioc.iocs.chart.render.problem import ProblemPainter
from chartioc.iocs.chart.render.strip import StripPainter
from chartioc.iocs.chart.render.xy import XYPainter

__all__ = ["ChartRenderer"]

_PAINTERS: dict[str, type[Painter]] = {
    "strip": StripPainter,
    "xy": XYPainter,
    "map": MapPainter,
    "grid": GridPainter,
    "problem": ProblemPainter,
}


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
        self._rect_px: Margins | None = None  # the last layout's margins
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

    def _margins(self) -> Margins:
        """Margins (left, right, top, bottom) in pixels: the last layout's, or the defaults."""
        if self._rect_px is not None:
            return self._rect_px
        return default_margins(self._width, self._height)

    def _axes_rect(self) -> tuple[float, float, float, float]:
        """Axes position in figure fractions at the current margins."""
        return axes_rect(self._width, self._height, self._margins())

    def _layout(self, painter: Painter) -> None:
        """Fit the margins to the painter's decorations (:func:`fit_margins`)."""
        renderer = self._canvas.get_renderer()
        self._rect_px = fit_margins(painter, renderer, self._width, self._height, self._margins())

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
