"""What every chart kind shares: the painter protocol and the static decorations.

A painter owns one :class:`~matplotlib.axes.Axes` and its artists for one
chart kind. The renderer drives it in three steps per frame:

1. :meth:`Painter.prepare` takes the snapshot's data and settles the axis
   limits (with hysteresis);
2. :meth:`Painter.static_key` tells whether anything in the background
   (title, labels, units, limits, connection state, ...) changed; only then
   :meth:`Painter.apply_static` updates it and the renderer draws the whole
   figure;
3. :meth:`Painter.update_artists` hands the new data to the moving
   (``animated``) artists, which the renderer draws on top of the cached
   background.

Between 2 and 3 on a full redraw, the renderer fits the decorations into the
frame (:meth:`Painter.set_detail`, :meth:`Painter.place`,
:meth:`Painter.fit_texts`): fonts shrink with the frame, and at small sizes
axis labels, then tick labels, then the title give way, so that no text is
ever cut off by the frame's edge. A chart with nothing to draw says so in a
centred message (``snap.message``) instead.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backend_bases import RendererBase
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import AutoLocator

from chartioc.iocs.chart.model import ChartSnapshot, Series
from chartioc.iocs.chart.render.layout import (
    BOX_PAD,
    MIN_FONT,
    PAD_PX,
    fit_lines,
    thin_ticks,
    wrap_words,
)
from chartioc.iocs.chart.render.limits import HysteresisLimits
from chartioc.iocs.chart.render.style import (
    BANNER_SIZE,
    DISCONNECTED_COLOUR,
    LABEL_SIZE,
    MESSAGE_COLOUR,
    TICK_SIZE,
    TITLE_SIZE,
    TRACE_COLOURS,
    TRACE_WIDTH,
)

__all__ = ["DETAIL_LEVELS", "EMPTY_SERIES", "Painter", "data_range", "trace_colour"]

#: Stand-in for a missing series (no ``x`` in an xy snapshot, say).
EMPTY_SERIES = Series(name="", label="", connected=True)
#: Detail levels the layout steps through until the decorations fit, one count across
#: (the y axes' decorations) and one down (title, legend, the x axis's decorations):
#: 0 everything; 1 fonts at 80 %; 2 no axis labels (down: nor legend); 3 no tick
#: labels; 4 (down) no title.
DETAIL_LEVELS = 5


def trace_colour(index: int) -> str:
    """Colour of series ``index``."""
    return TRACE_COLOURS[index % len(TRACE_COLOURS)]


def data_range(*arrays: np.ndarray) -> tuple[float, float]:
    """Smallest and largest finite value over the arrays, ``(nan, nan)`` if none."""
    lo = np.inf
    hi = -np.inf
    for a in arrays:
        finite = a[np.isfinite(a)]
        if finite.size:
            lo = min(lo, float(finite.min()))
            hi = max(hi, float(finite.max()))
    if lo > hi:
        return np.nan, np.nan
    return lo, hi


def aligned_xy(snap: ChartSnapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x and ys[0] values of an xy/map snapshot, cut to equal length, and their finite mask."""
    xs = snap.x if snap.x is not None else EMPTY_SERIES
    ys = snap.ys[0] if snap.ys else EMPTY_SERIES
    x = np.asarray(xs.values, dtype=np.float64)
    y = np.asarray(ys.values, dtype=np.float64)
    n = min(x.size, y.size)
    x, y = x[:n], y[:n]
    return x, y, np.isfinite(x) & np.isfinite(y)


def _series_key(s: Series) -> tuple[str, str, str, bool, str]:
    return (s.name, s.label, s.units, s.connected, s.problem)


def _in_axes_text(ax: Axes, y: float, colour: str, size: float, **kwargs: Any) -> Text:
    """A text centred at ``(0.5, y)`` of the axes, in a white box, left out of the layout."""
    text = ax.text(
        0.5,
        y,
        "",
        transform=ax.transAxes,
        ha="center",
        color=colour,
        fontsize=size,
        zorder=10,
        bbox={
            "boxstyle": f"square,pad={BOX_PAD}",
            "facecolor": "white",
            "edgecolor": colour,
            "alpha": 0.85,
        },
        visible=False,
        **kwargs,
    )
    text.set_in_layout(False)
    return text


class Painter:
    """Base class of the per-kind painters.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw into; the painter creates its artists there.
    nseries : int
        Number of y series the snapshots will carry.
    """

    kind: str = ""

    def __init__(self, ax: Axes, nseries: int) -> None:
        self.ax = ax
        self.nseries = nseries
        self.xlim = HysteresisLimits()
        self.ylim = HysteresisLimits()
        #: moving artists, drawn in this order on every frame
        self.animated: list[Artist] = []
        #: font scale and line scale for the frame size (set by the renderer)
        self.scale = 1.0
        self.line_scale = 1.0
        #: detail levels, see :data:`DETAIL_LEVELS` (``detail`` is the larger of the two)
        self.detail = 0
        self.detail_across = 0
        self.detail_down = 0
        #: whether the last snapshot had anything to draw (set by :meth:`prepare`)
        self.has_data = True
        self._title_text = ""
        self._title = ax.set_title("", loc="left", fontsize=TITLE_SIZE)
        self._message_text = ""
        self._banner_lines: list[str] = []
        #: line width and marker size of each animated line at full size
        self._full_size: dict[Line2D, tuple[float, float]] = {}
        #: axes whose tick locator :func:`thin_ticks` replaced
        self._thinned: set[Axis] = set()
        #: axis labels as apply_static set them (a layout pass may shorten them)
        self._labels: dict[Text, str] = {}
        # At the bottom: the stats box (drawn over the background) holds the top right.
        self._banner = _in_axes_text(
            ax, 0.04, DISCONNECTED_COLOUR, BANNER_SIZE, va="bottom", fontweight="bold"
        )
        self._message = _in_axes_text(ax, 0.5, MESSAGE_COLOUR, LABEL_SIZE, va="center")
        patch = self._message.get_bbox_patch()
        if patch is not None:  # _in_axes_text gave it a box
            patch.set_edgecolor("#c0c0c0")
        ax.tick_params(labelsize=TICK_SIZE)
        ax.grid(True, color="#e0e0e0", linewidth=0.8)
        ax.set_axisbelow(True)

    # -- helpers for subclasses -------------------------------------------------
    def _line(self, colour: str, ax: Axes | None = None, **kwargs: Any) -> Line2D:
        kwargs.setdefault("linewidth", TRACE_WIDTH)
        (line,) = (ax or self.ax).plot([], [], color=colour, animated=True, **kwargs)
        line.set_in_layout(False)
        self.animated.append(line)
        self._full_size[line] = (line.get_linewidth(), line.get_markersize())
        return line

    def _columns(self) -> int:
        """Width of the axes in pixels (one decimation bin per column)."""
        return max(1, round(self.ax.bbox.width))

    def font(self, size: float) -> float:
        """``size`` (points) for this frame size and detail level."""
        factor = 0.8 if self.detail >= 1 else 1.0
        return max(MIN_FONT, size * self.scale * factor)

    def axes_list(self) -> list[Axes]:
        """Every axes of the chart (the layout measures their decorations)."""
        return [self.ax]

    def _numbers_on(self, axis: object) -> bool:
        """Whether ``axis`` has tick labels: not while it only spans its default (no data)."""
        return self.has_data

    def _tick_axes(self) -> list[Axis]:
        """The axes' x and y axis objects whose crowded tick labels may be thinned."""
        return [self.ax.xaxis, self.ax.yaxis]

    def place(self, rect: tuple[float, float, float, float]) -> None:
        """Put the axes (and anything beside them) in ``rect``, in figure fractions."""
        self.ax.set_position(rect)

    # -- layout -------------------------------------------------------------------
    def set_detail(self, across: int, down: int = 0) -> None:
        """Show the decorations of the detail levels (see :data:`DETAIL_LEVELS`), at their fonts.

        ``across`` thins what takes width (y labels, y tick labels), ``down``
        what takes height (x label, x tick labels, legend, title).
        """
        self.detail = max(across, down)
        self.detail_across, self.detail_down = across, down
        for line, (width, marker) in self._full_size.items():
            line.set_linewidth(width * self.line_scale)
            line.set_markersize(marker * self.line_scale)
        for axis in self._thinned:
            axis.set_major_locator(AutoLocator())
        self._thinned.clear()
        for ax in self.axes_list():
            ax.xaxis.label.set_visible(down < 2)
            ax.yaxis.label.set_visible(across < 2)
            ax.xaxis.label.set_fontsize(self.font(LABEL_SIZE))
            ax.yaxis.label.set_fontsize(self.font(LABEL_SIZE))
            ax.tick_params(labelsize=self.font(TICK_SIZE))
            x_ticks = down < 3 and ax is self.ax and self._numbers_on(ax.xaxis)
            y_ticks = across < 3 and self._numbers_on(ax.yaxis)
            ax.xaxis.set_tick_params(labelbottom=x_ticks)
            side = str(ax.yaxis.get_label_position())  # stubs: an x axis's "top"/"bottom"
            if side == "left":
                ax.yaxis.set_tick_params(labelleft=y_ticks)
            else:
                ax.yaxis.set_tick_params(labelright=y_ticks)
            for axis, shown in ((ax.xaxis, x_ticks), (ax.yaxis, y_ticks)):
                axis.get_offset_text().set_visible(shown)
                axis.get_offset_text().set_fontsize(self.font(TICK_SIZE))
        title = self._title
        title.set_visible(down < 4 and bool(self._title_text))
        title.set_text(self._title_text)
        title.set_fontsize(self.font(TITLE_SIZE))

    def begin_layout(self) -> None:
        """Remember the axis labels that :meth:`apply_static` set, before a layout shortens them."""
        self._labels = {
            label: label.get_text()
            for ax in self.axes_list()
            for label in (ax.xaxis.label, ax.yaxis.label)
        }

    def fit_texts(self, renderer: RendererBase, width: int, height: int) -> None:
        """Fit the title into the frame; labels, banner and message along or into the axes.

        Called by the renderer after every :meth:`place` of a layout; the
        texts come from the last :meth:`apply_static`.
        """
        for axis in self._tick_axes():
            if thin_ticks(axis, renderer):
                self._thinned.add(axis)
        box = self.ax.bbox
        for label, text in self._labels.items():
            label.set_text(text)
            if label.get_visible() and text:
                vertical = label.get_rotation() % 180 == 90
                length = box.height if vertical else box.width
                room_w, room_h = (width, length) if vertical else (length, height)
                size = float(label.get_fontsize())
                fit_lines(label, [(0, text)], renderer, room_w, room_h, size)
        title = self._title
        if title.get_visible():
            room = width - self.ax.bbox.x0 - PAD_PX
            fit_lines(title, [(0, self._title_text)], renderer, room, height, self.font(TITLE_SIZE))
        room_w, room_h = box.width - 2 * PAD_PX, box.height - 2 * PAD_PX
        banner_lines = [line for line in self._banner_lines if line]
        if banner_lines:
            fit_lines(
                self._banner,
                list(enumerate(banner_lines)),
                renderer,
                room_w,
                0.5 * room_h,
                self.font(BANNER_SIZE),
            )
        else:
            self._banner.set_visible(False)
        if not self.has_data and self._message_text:
            self._message.set_fontsize(self.font(LABEL_SIZE))
            lines = wrap_words(self._message_text.split(" "), self._message, renderer, room_w)
            fit_lines(
                self._message,
                list(enumerate(lines)),
                renderer,
                room_w,
                room_h,
                self.font(LABEL_SIZE),
            )
        else:
            self._message.set_visible(False)

    # -- the three steps ----------------------------------------------------------
    def prepare(self, snap: ChartSnapshot) -> None:
        """Take the snapshot's data, update :attr:`xlim`/:attr:`ylim` and :attr:`has_data`."""
        raise NotImplementedError

    def static_key(self, snap: ChartSnapshot) -> Hashable:
        """Everything the background depends on; a change forces a full redraw."""
        x = snap.x if snap.x is not None else EMPTY_SERIES
        return (
            snap.title,
            tuple(_series_key(s) for s in snap.ys),
            _series_key(x),
            self.xlim.limits,
            self.ylim.limits,
            self.has_data,
            snap.message if not self.has_data else "",
        )

    def apply_static(self, snap: ChartSnapshot) -> None:
        """Update title, limits, the disconnected banner and the message; subclasses add labels."""
        ax = self.ax
        self._title_text = snap.title
        ax.set_xlim(*self.xlim.limits)
        ax.set_ylim(*self.ylim.limits)
        inputs = list(snap.ys)
        if snap.x is not None:
            inputs.insert(0, snap.x)
        if snap.z is not None:
            inputs.append(snap.z)
        self._banner_lines = [
            f"{s.label or s.name}: {s.problem}"
            if s.problem
            else f"DISCONNECTED: {s.label or s.name}"
            for s in inputs
            if not s.connected
        ]
        self._banner.set_text("\n".join(self._banner_lines))
        self._banner.set_visible(bool(self._banner_lines))
        self._message_text = snap.message or "no data"
        self._message.set_text(self._message_text)
        self._message.set_visible(not self.has_data)

    def update_artists(self, snap: ChartSnapshot) -> None:
        """Give the animated artists the new data."""
        raise NotImplementedError
