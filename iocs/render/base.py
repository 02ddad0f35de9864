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
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from chartioc.iocs.chart_model import ChartSnapshot, Series
from chartioc.iocs.render.limits import HysteresisLimits
from chartioc.iocs.render.style import (
    BANNER_SIZE,
    DISCONNECTED_COLOUR,
    TICK_SIZE,
    TITLE_SIZE,
    TRACE_COLOURS,
    TRACE_WIDTH,
)

__all__ = ["EMPTY_SERIES", "Painter", "data_range", "trace_colour"]

#: Stand-in for a missing series (no ``x`` in an xy snapshot, say).
EMPTY_SERIES = Series(name="", label="", connected=True)


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
        self._banner = ax.text(
            0.5,
            0.96,
            "",
            transform=ax.transAxes,
            ha="center",
            va="top",
            color=DISCONNECTED_COLOUR,
            fontsize=BANNER_SIZE,
            fontweight="bold",
            zorder=10,
            bbox={"facecolor": "white", "edgecolor": DISCONNECTED_COLOUR, "alpha": 0.85},
            visible=False,
        )
        ax.tick_params(labelsize=TICK_SIZE)
        ax.grid(True, color="#e0e0e0", linewidth=0.8)
        ax.set_axisbelow(True)

    # -- helpers for subclasses -------------------------------------------------
    def _line(self, colour: str, **kwargs: object) -> Line2D:
        kwargs.setdefault("linewidth", TRACE_WIDTH)
        (line,) = self.ax.plot([], [], color=colour, animated=True, **kwargs)
        self.animated.append(line)
        return line

    def _columns(self) -> int:
        """Width of the axes in pixels (one decimation bin per column)."""
        return max(1, round(self.ax.bbox.width))

    def place(self, rect: tuple[float, float, float, float]) -> None:
        """Put the axes (and anything beside them) in ``rect``, in figure fractions."""
        self.ax.set_position(rect)

    # -- the three steps ----------------------------------------------------------
    def prepare(self, snap: ChartSnapshot) -> None:
        """Take the snapshot's data and update :attr:`xlim`/:attr:`ylim`."""
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
        )

    def apply_static(self, snap: ChartSnapshot) -> None:
        """Update title, limits and the disconnected banner; subclasses add labels."""
        ax = self.ax
        ax.set_title(snap.title, loc="left", fontsize=TITLE_SIZE)
        ax.set_xlim(*self.xlim.limits)
        ax.set_ylim(*self.ylim.limits)
        inputs = list(snap.ys)
        if snap.x is not None:
            inputs.insert(0, snap.x)
        if snap.z is not None:
            inputs.append(snap.z)
        lost = [
            f"{s.label or s.name}: {s.problem}"
            if s.problem
            else f"DISCONNECTED: {s.label or s.name}"
            for s in inputs
            if not s.connected
        ]
        self._banner.set_text("\n".join(lost))
        self._banner.set_visible(bool(lost))

    def update_artists(self, snap: ChartSnapshot) -> None:
        """Give the animated artists the new data."""
        raise NotImplementedError
