"""Map chart: two motors' positions as a fading trail inside their soft-limit box."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Rectangle

from chartioc.iocs.chart.model import ChartSnapshot
from chartioc.iocs.chart.render.base import (
    EMPTY_SERIES,
    Painter,
    aligned_xy,
    data_range,
    trace_colour,
)
from chartioc.iocs.chart.render.decimate import dedupe_pixels
from chartioc.iocs.chart.render.style import (
    CROSSHAIR_COLOUR,
    LIMIT_BOX_COLOUR,
    TRACE_WIDTH,
    axis_label,
)

__all__ = ["MAP_MAX_POINTS", "MIN_ALPHA", "MapPainter"]

#: Newest points of the trail kept after pixel de-duplication.
MAP_MAX_POINTS = 4000
#: Opacity of the oldest segment of the trail (the newest is opaque).
MIN_ALPHA = 0.08


class MapPainter(Painter):
    """``x.values`` (horizontal) against ``ys[0].values`` (vertical).

    The trail fades from :data:`MIN_ALPHA` (oldest) to opaque (newest); a
    crosshair and a marker sit at the newest point; the soft-limit box
    ``x_limits`` by ``y_limits`` is outlined. Each axis spans its limits
    (when given) and the data, plus a margin, with hysteresis.
    """

    kind = "map"

    def __init__(self, ax: Axes, nseries: int) -> None:
        super().__init__(ax, nseries)
        self._rgba = np.array(to_rgba(trace_colour(0)))
        self.trail = LineCollection(
            [], linewidths=TRACE_WIDTH, animated=True, capstyle="round", joinstyle="round"
        )
        ax.add_collection(self.trail, autolim=False)
        self.animated.append(self.trail)
        self.hline = ax.axhline(0.0, color=CROSSHAIR_COLOUR, linewidth=1.0, animated=True)
        self.vline = ax.axvline(0.0, color=CROSSHAIR_COLOUR, linewidth=1.0, animated=True)
        self.animated += [self.hline, self.vline]
        self.head = self._line(
            trace_colour(0), linestyle="none", marker="o", markersize=8, markeredgecolor="black"
        )
        self.box = Rectangle(
            (0.0, 0.0), 1.0, 1.0, fill=False, edgecolor=LIMIT_BOX_COLOUR, linewidth=2.0, zorder=3
        )
        ax.add_patch(self.box)
        self.box.set_visible(False)
        self._x = np.empty(0)
        self._y = np.empty(0)

    def prepare(self, snap: ChartSnapshot) -> None:
        self._x, self._y, both = aligned_xy(snap)
        self.has_data = bool(both.any())
        for lim, data, box in (
            (self.xlim, self._x[both], snap.x_limits),
            (self.ylim, self._y[both], snap.y_limits),
        ):
            lo, hi = data_range(data)
            if box is not None:
                blo, bhi = sorted(box)
                lo = blo if not lo <= blo else lo
                hi = bhi if not hi >= bhi else hi
            lim.update(lo, hi)

    def static_key(self, snap: ChartSnapshot) -> Hashable:
        return (super().static_key(snap), snap.x_limits, snap.y_limits)

    def apply_static(self, snap: ChartSnapshot) -> None:
        super().apply_static(snap)
        xs = snap.x if snap.x is not None else EMPTY_SERIES
        ys = snap.ys[0] if snap.ys else EMPTY_SERIES
        self.ax.set_xlabel(axis_label(xs.label, xs.units))
        self.ax.set_ylabel(axis_label(ys.label, ys.units))
        self._apply_box(snap.x_limits, snap.y_limits)

    def _apply_box(self, xl: tuple[float, float] | None, yl: tuple[float, float] | None) -> None:
        """Outline the soft-limit box; a missing side spans the whole axis."""
        if xl is None and yl is None:
            self.box.set_visible(False)
            return
        x0, x1 = sorted(xl) if xl is not None else self.xlim.limits
        y0, y1 = sorted(yl) if yl is not None else self.ylim.limits
        self.box.set_bounds(x0, y0, x1 - x0, y1 - y0)
        self.box.set_visible(True)

    def update_artists(self, snap: ChartSnapshot) -> None:
        x, y = self._x, self._y
        if x.size:
            pix = self.ax.transData.transform(np.column_stack((x, y)))
            keep = dedupe_pixels(pix[:, 0], pix[:, 1])
            keep = keep[-MAP_MAX_POINTS:]
            x, y = x[keep], y[keep]
        points = np.column_stack((x, y))
        if points.shape[0] >= 2:
            segments = np.stack((points[:-1], points[1:]), axis=1)
            colours = np.tile(self._rgba, (segments.shape[0], 1))
            colours[:, 3] = np.linspace(MIN_ALPHA, 1.0, segments.shape[0])
        else:
            segments = np.empty((0, 2, 2))
            colours = np.empty((0, 4))
        # matplotlib's stubs ask for sequences; (N, 2, 2) and (N, 4) arrays are that
        self.trail.set_segments(segments)  # type: ignore[arg-type]
        self.trail.set_color(colours)  # type: ignore[arg-type]
        finite = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        if finite.size:
            i = finite[-1]
            self.hline.set_ydata([y[i], y[i]])
            self.vline.set_xdata([x[i], x[i]])
            self.head.set_data([x[i]], [y[i]])
        for artist in (self.hline, self.vline, self.head):
            artist.set_visible(bool(finite.size))
