"""Strip chart: every series against "seconds ago" over a fixed window."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from chartioc.iocs.chart_model import ChartSnapshot, Series
from chartioc.iocs.render.base import Painter, data_range, trace_colour
from chartioc.iocs.render.decimate import minmax_decimate
from chartioc.iocs.render.style import LABEL_SIZE, TICK_SIZE, TRACE_WIDTH, axis_label

__all__ = ["StripPainter"]


def _seconds_ago(value: float, _pos: object = None) -> str:
    return f"{-value + 0.0:g}"  # + 0.0 turns -0.0 into 0.0


def visible_slice(x: np.ndarray, lo: float, hi: float) -> slice:
    """Slice of sorted ``x`` inside ``[lo, hi]`` plus one neighbour on each side.

    The neighbours let a line enter and leave the axes at the edges.
    """
    i0 = max(int(np.searchsorted(x, lo, side="left")) - 1, 0)
    i1 = int(np.searchsorted(x, hi, side="right")) + 1
    return slice(i0, i1)


class StripPainter(Painter):
    """Each series in ``snap.ys`` against ``times - now`` over ``[-window, 0]``.

    The x axis never moves (labelled "seconds ago", so the ticks read
    ``window ... 0``); the y axis follows the visible data with hysteresis.
    """

    kind = "strip"

    def __init__(self, ax: Axes, nseries: int) -> None:
        super().__init__(ax, nseries)
        self.lines = [self._line(trace_colour(i)) for i in range(nseries)]
        self._data: list[tuple[np.ndarray, np.ndarray]] = []
        self._window = 1.0
        ax.xaxis.set_major_formatter(FuncFormatter(_seconds_ago))
        ax.set_xlabel("seconds ago", fontsize=LABEL_SIZE)

    def prepare(self, snap: ChartSnapshot) -> None:
        window = float(snap.window) if snap.window > 0 else 1.0
        self._window = window
        self.xlim.default = (-window, 0.0)
        self._data = []
        visible = []
        for s in snap.ys:
            x, y = self._relative(s, snap.now)
            sl = visible_slice(x, -window, 0.0)
            x, y = x[sl], y[sl]
            self._data.append((x, y))
            inside = (x >= -window) & (x <= 0.0)
            visible.append(y if inside.all() else y[inside])
        self.ylim.update(*data_range(*visible))

    @staticmethod
    def _relative(s: Series, now: float) -> tuple[np.ndarray, np.ndarray]:
        t = np.asarray(s.times, dtype=np.float64)
        v = np.asarray(s.values, dtype=np.float64)
        n = min(t.size, v.size)
        t, v = t[:n], v[:n]
        if n > 1 and np.any(t[1:] < t[:-1]):
            order = np.argsort(t, kind="stable")
            t, v = t[order], v[order]
        return t - now, v

    def static_key(self, snap: ChartSnapshot) -> Hashable:
        return (super().static_key(snap), self._window)

    def apply_static(self, snap: ChartSnapshot) -> None:
        super().apply_static(snap)
        ax = self.ax
        units = {s.units for s in snap.ys}
        if len(snap.ys) == 1:
            ylabel = axis_label(snap.ys[0].label, snap.ys[0].units)
        else:
            ylabel = units.pop() if len(units) == 1 else ""
        ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        if snap.ys:
            handles = [
                Line2D([], [], color=trace_colour(i), linewidth=TRACE_WIDTH)
                for i in range(len(snap.ys))
            ]
            ax.legend(
                handles,
                [axis_label(s.label or s.name, s.units) for s in snap.ys],
                loc="lower right",
                bbox_to_anchor=(1.0, 1.0),
                ncol=min(len(snap.ys), 4),
                frameon=False,
                fontsize=TICK_SIZE,
                borderaxespad=0.1,
                handlelength=1.5,
                columnspacing=1.0,
            )

    def update_artists(self, snap: ChartSnapshot) -> None:
        columns = self._columns()
        for line, (x, y) in zip(self.lines, self._data, strict=False):
            if x.size > 2 * columns:
                x, y = minmax_decimate(x, y, -self._window, 0.0, columns)
            line.set_data(x, y)
