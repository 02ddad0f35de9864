"""Strip chart: every series against "seconds ago" over a fixed window.

What the chart shows, so that it does not mislead:

- **Values hold until the next update.** A Channel Access monitor posts a
  value when it changes; between two posts the PV *had* the older value.
  Each trace is drawn as steps (``steps-post``), and the newest value runs
  on to the right edge (now) while its source is connected, as EPICS strip
  tools do; a disconnection (a NaN gap) ends it. A PV that never changes
  is therefore a flat line across the chart, not an invisible single point.
- **One y axis per unit.** Traces are grouped by their units, in the order
  Y1..Y4: the first group's axis is on the left, the second's on the right,
  a third and fourth stand further right, side by side. Each axis has its
  own limits and is labelled with the names of its traces and their units
  (``motor.RBV (mm)``); an axis of one trace has its label and tick labels
  in that trace's colour. A legend (names, units, colours) is shown only
  when an axis carries more than one trace.
- A constant trace gets limits of +-5 % around its value (+-0.5 around 0,
  see :func:`~chartioc.iocs.chart.render.limits.padded`): a flat line in the
  middle of its axis. With several axes, the constant of axis ``g`` of
  ``n`` sits at ``(g + 1) / (n + 1)`` of the height instead, so that two
  constants on different axes are not drawn on top of each other.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backend_bases import RendererBase
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from chartioc.iocs.chart.model import ChartSnapshot, Series
from chartioc.iocs.chart.render.base import Painter, data_range, trace_colour
from chartioc.iocs.chart.render.decimate import minmax_decimate
from chartioc.iocs.chart.render.layout import MIN_FONT, PAD_PX
from chartioc.iocs.chart.render.limits import HysteresisLimits, padded
from chartioc.iocs.chart.render.style import TICK_SIZE, TRACE_WIDTH, axis_label

__all__ = ["StripPainter", "held_to_now", "shown_values", "unit_groups", "visible_slice"]

#: Colour of the label and ticks of an axis shared by several traces.
SHARED_AXIS_COLOUR = "#000000"


def _seconds_ago(value: float, _pos: object = None) -> str:
    return f"{-value + 0.0:g}"  # + 0.0 turns -0.0 into 0.0


def visible_slice(x: np.ndarray, lo: float, hi: float) -> slice:
    """Slice of sorted ``x`` inside ``[lo, hi]`` plus one neighbour on each side.

    The neighbours let a line enter and leave the axes at the edges.
    """
    i0 = max(int(np.searchsorted(x, lo, side="left")) - 1, 0)
    i1 = int(np.searchsorted(x, hi, side="right")) + 1
    return slice(i0, i1)


def unit_groups(series: Sequence[Series]) -> list[tuple[str, tuple[int, ...]]]:
    """Series indices grouped by units, groups in the order their first series comes."""
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(series):
        groups.setdefault(s.units.strip(), []).append(i)
    return [(units, tuple(idx)) for units, idx in groups.items()]


def held_to_now(x: np.ndarray, y: np.ndarray, connected: bool) -> tuple[np.ndarray, np.ndarray]:
    """Hold the newest value to x = 0 (now), unless it is a gap or its source is lost."""
    if connected and y.size and np.isfinite(y[-1]) and x[-1] < 0.0:
        return np.append(x, 0.0), np.append(y, y[-1])
    return x, y


def shown_values(x: np.ndarray, y: np.ndarray, window: float) -> np.ndarray:
    """The values a step trace of sorted ``x`` shows in ``[-window, 0]``.

    The samples inside, plus the last one before ``-window`` when it is
    still held at the left edge (no sample exactly at the edge).
    """
    inside = (x >= -window) & (x <= 0.0)
    values = y[inside]
    before = int(np.searchsorted(x, -window, side="left"))
    if before > 0 and (before >= x.size or x[before] > -window):
        values = np.append(values, y[before - 1])
    return values


class StripPainter(Painter):
    """Each series in ``snap.ys`` against ``times - now`` over ``[-window, 0]``.

    The x axis never moves (labelled "seconds ago", so the ticks read
    ``window ... 0``); each y axis follows its visible data with
    hysteresis. See the module docstring for steps, holding and units.
    """

    kind = "strip"

    def __init__(self, ax: Axes, nseries: int) -> None:
        super().__init__(ax, nseries)
        self.twins: list[Axes] = []
        self.groups: list[tuple[str, tuple[int, ...]]] = []
        self.group_limits: list[HysteresisLimits] = [self.ylim]
        self.lines: list[Line2D] = []
        self._data: list[tuple[np.ndarray, np.ndarray]] = []
        self._window = 1.0
        self._no_data: frozenset[int] = frozenset()
        self._legend: Legend | None = None
        self._legend_items: tuple[list[Line2D], list[str]] = ([], [])
        self._legend_ncol = 0
        ax.xaxis.set_major_formatter(FuncFormatter(_seconds_ago))
        ax.set_xlabel("seconds ago")

    # -- axes ---------------------------------------------------------------------
    def axes_list(self) -> list[Axes]:
        return [self.ax, *self.twins]

    def _numbers_on(self, axis: object) -> bool:
        """The time axis always; a y axis while one of its traces has data."""
        if axis is self.ax.xaxis:
            return True
        for g, (_units, idx) in enumerate(self.groups):
            if self.axis_of(g).yaxis is axis:
                return any(i not in self._no_data for i in idx)
        return self.has_data

    def _tick_axes(self) -> list[Axis]:
        return [self.ax.xaxis, *(ax.yaxis for ax in self.axes_list())]

    def axis_of(self, group: int) -> Axes:
        """The axes of unit group ``group`` (0: left, then right ones)."""
        return self.ax if group == 0 else self.twins[group - 1]

    def _regroup(self, snap: ChartSnapshot) -> None:
        groups = unit_groups(snap.ys)
        if groups == self.groups and len(self.lines) == len(snap.ys):
            return
        for line in self.lines:
            line.remove()
            self.animated.remove(line)
            self._full_size.pop(line, None)
        for twin in self.twins:
            twin.remove()
        self.twins = []
        self.groups = groups
        self.ylim.reset()
        self.group_limits = [self.ylim] + [HysteresisLimits() for _ in groups[1:]]
        for _ in groups[1:]:
            twin = self.ax.twinx()
            twin.grid(False)
            self.twins.append(twin)
        lines: dict[int, Line2D] = {}
        for g, (_units, idx) in enumerate(groups):
            for i in idx:
                lines[i] = self._line(trace_colour(i), ax=self.axis_of(g), drawstyle="steps-post")
        self.lines = [lines[i] for i in range(len(snap.ys))]

    # -- the three steps ----------------------------------------------------------
    def prepare(self, snap: ChartSnapshot) -> None:
        window = float(snap.window) if snap.window > 0 else 1.0
        self._window = window
        self.xlim.default = (-window, 0.0)
        self._regroup(snap)
        self._data = []
        shown: list[list[np.ndarray]] = [[] for _ in self.groups]
        group_of = {i: g for g, (_u, idx) in enumerate(self.groups) for i in idx}
        no_data = set()
        for i, s in enumerate(snap.ys):
            x, y = self._relative(s, snap.now)
            x, y = held_to_now(x, y, s.connected)
            sl = visible_slice(x, -window, 0.0)
            x, y = x[sl], y[sl]
            self._data.append((x, y))
            values = shown_values(x, y, window)
            shown[group_of[i]].append(values)
            if not np.isfinite(values).any():
                no_data.add(i)
        ngroups = len(self.groups)
        for g, (lim, group_values) in enumerate(zip(self.group_limits, shown, strict=False)):
            lo, hi = data_range(*group_values)
            if ngroups > 1 and lo == hi:
                # a constant: its own height on each axis (see the module docstring)
                plo, phi = padded(lo, hi, lim.margin)
                below = (phi - plo) * (g + 1) / (ngroups + 1)
                lim.hold(lo - below, lo - below + (phi - plo))
            else:
                lim.update(lo, hi)
        self._no_data = frozenset(no_data)
        self.has_data = len(no_data) < len(snap.ys)

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
        return (
            super().static_key(snap),
            self._window,
            tuple(self.groups),
            tuple(lim.limits for lim in self.group_limits),
            self._no_data,
        )

    def _label(self, snap: ChartSnapshot, i: int) -> str:
        s = snap.ys[i]
        label = axis_label(s.label or s.name, s.units)
        return f"{label}: no data" if i in self._no_data else label

    def apply_static(self, snap: ChartSnapshot) -> None:
        super().apply_static(snap)
        shared = False
        for g, (units, idx) in enumerate(self.groups):
            ax = self.axis_of(g)
            ax.set_ylim(*self.group_limits[g].limits)
            names = ", ".join(snap.ys[i].label or snap.ys[i].name for i in idx)
            colour = trace_colour(idx[0]) if len(idx) == 1 else SHARED_AXIS_COLOUR
            label = axis_label(names, units)
            if len(idx) == 1 and idx[0] in self._no_data:
                label += ": no data"
            ax.set_ylabel(label, color=colour)
            ax.tick_params(axis="y", labelcolor=colour)
            shared = shared or len(idx) > 1
        if shared:
            handles = [
                Line2D([], [], color=trace_colour(i), linewidth=TRACE_WIDTH)
                for i in range(len(snap.ys))
            ]
            self._legend_items = (handles, [self._label(snap, i) for i in range(len(snap.ys))])
        else:
            self._legend_items = ([], [])
        self._legend_ncol = 0  # rebuilt by fit_texts

    def _make_legend(self, ncol: int, size: float | None = None) -> Legend | None:
        if self._legend is not None:
            self._legend.remove()
            self._legend = None
        handles, labels = self._legend_items
        if not handles or self.detail_down >= 2:
            return None
        self._legend = self.ax.legend(
            handles,
            labels,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncol=ncol,
            frameon=False,
            fontsize=size or self.font(TICK_SIZE),
            borderaxespad=0.1,
            handlelength=1.5,
            columnspacing=1.0,
        )
        return self._legend

    def fit_texts(self, renderer: RendererBase, width: int, height: int) -> None:
        """Extra right axes side by side; the legend in as many columns as fit; the title above."""
        for g in range(2, len(self.groups)):
            inner = self.axis_of(g - 1)
            reach = inner.yaxis.get_tightbbox(renderer)
            offset_px = (reach.x1 - self.ax.bbox.x1 + PAD_PX) if reach is not None else 0.0
            points = max(offset_px, 0.0) * 72.0 / self.ax.figure.dpi
            self.axis_of(g).spines["right"].set_position(("outward", points))
        super().fit_texts(renderer, width, height)
        handles = self._legend_items[0]
        legend = None
        room = self.ax.bbox.x1 - PAD_PX  # the legend ends at the axes' right edge
        tries = [(ncol, None) for ncol in range(min(len(handles), 4), 0, -1)] + [(1, MIN_FONT)]
        for ncol, size in tries:
            legend = self._make_legend(ncol, size)
            if legend is None or legend.get_window_extent(renderer).width <= room:
                break
        else:  # not even one column fits: no legend (the axis labels name the traces)
            if self._legend is not None:
                self._legend.remove()
                self._legend = legend = None
        title = self._title
        pad_pt = 6.0
        if legend is not None and title.get_visible():
            lbox = legend.get_window_extent(renderer)
            tbox = title.get_window_extent(renderer)
            if tbox.x1 + 2 * PAD_PX > lbox.x0:  # side by side they would overlap
                pad_pt += lbox.height * 72.0 / self.ax.figure.dpi
        self.ax.set_title(title.get_text(), loc="left", pad=pad_pt, fontsize=title.get_fontsize())

    def update_artists(self, snap: ChartSnapshot) -> None:
        columns = self._columns()
        for line, (x, y) in zip(self.lines, self._data, strict=False):
            if x.size > 2 * columns:
                x, y = minmax_decimate(x, y, -self._window, 0.0, columns)
            line.set_data(x, y)
