"""xy chart: one series against another (a scan), with peak markers.

What the chart shows, so that it does not mislead:

- **No line across a turn, no line over ground not sampled.** The line is
  broken wherever x turned round (``snap.sweeps``, see
  :mod:`~chartioc.iocs.chart.sweeps`): a motor's way back is never joined to its
  way out. And two points further apart in x than :data:`JOIN_FACTOR` times
  the median step between points are not joined either: a return move
  sampled only at its end (``At rest``), or too fast for the readback rate,
  would otherwise draw straight lines under the curve. A point joined to
  neither neighbour is drawn as a marker.
- **The statistics' points stand out.** The points the peak statistics are
  computed from (``snap.peak_range``) are drawn in the trace colour, the
  others in a pale tint of it; the statistics box names them in its first
  line (``stats: last sweep, 61 pts`` or ``stats: scan points, 21 pts``).
- **No "nan".** A statistic that is not defined (fwhm with one crossing)
  reads ``—``; with no points at all there is no box, and the centred
  message says what the chart is waiting for.
- **Inside the frame.** The box shrinks, and drops its least important
  lines (fit, max, then the basis line), to fit inside the axes at any
  frame size; in a thumbnail it falls back to a short form (``cen 0.5``,
  3 significant digits) rather than cut a number.
- The newest point has a ring, so a live sweep shows where the motor is.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg

from chartioc.iocs.chart.model import ChartSnapshot, PeakStats
from chartioc.iocs.chart.render.base import (
    EMPTY_SERIES,
    Painter,
    aligned_xy,
    data_range,
    trace_colour,
)
from chartioc.iocs.chart.render.decimate import minmax_decimate
from chartioc.iocs.chart.render.layout import BOX_PAD, PAD_PX, fit_lines
from chartioc.iocs.chart.render.style import (
    CEN_COLOUR,
    FIT_COLOUR,
    FWHM_COLOUR,
    MAX_COLOUR,
    OLD_POINTS_TINT,
    TICK_SIZE,
    axis_label,
    tint,
)

__all__ = ["JOIN_FACTOR", "UNDEFINED", "XYPainter", "broken_at", "lone_points", "segment_cuts"]

#: Above this many points the line is drawn without markers.
MAX_MARKERS = 200
#: Points of the drawn fit curve.
FIT_SAMPLES = 400
#: How a statistic that is not defined reads in the box.
UNDEFINED = "\u2014"
#: Points further apart in x than this many median steps are not joined by the line.
JOIN_FACTOR = 4.0


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def _number(value: float, precision: int) -> str:
    return f"{value:.{precision}f}" if math.isfinite(value) else UNDEFINED


def _precision(series_precision: int) -> int:
    return min(max(int(series_precision), 0), 12)


def segment_cuts(x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Mask ``cut`` of the points not joined to the point before them.

    ``cut[i]`` is True where a sweep begins (``starts``) and where the step
    from ``x[i - 1]`` is longer than :data:`JOIN_FACTOR` times the median of
    the non-zero steps. Gaps (NaN) break a line by themselves.
    """
    n = x.size
    cut = np.zeros(n, dtype=bool)
    if n < 2:
        return cut
    cut[starts[(starts > 0) & (starts < n)]] = True
    with np.errstate(invalid="ignore"):
        dx = np.abs(np.diff(x))
        steps = dx[np.isfinite(dx) & (dx > 0)]
        if steps.size:
            cut[1:] |= dx > JOIN_FACTOR * float(np.median(steps))
    return cut


def broken_at(
    x: np.ndarray, y: np.ndarray, cut: np.ndarray, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:
    """Points ``lo:hi`` with a NaN before each cut point inside, so that a line breaks there."""
    xs, ys = x[lo:hi], y[lo:hi]
    at = np.flatnonzero(cut[lo + 1 : hi]) + 1
    if at.size:
        xs = np.insert(xs, at, np.nan)
        ys = np.insert(ys, at, np.nan)
    return xs, ys


def lone_points(finite: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Mask of the finite points joined to neither neighbour (drawn as markers)."""
    n = finite.size
    joined = np.zeros(n + 1, dtype=bool)  # joined[i]: a segment from point i - 1 to i
    joined[1:n] = finite[1:] & finite[:-1] & ~cut[1:]
    return finite & ~joined[:n] & ~joined[1:]


def _decimated(
    x: np.ndarray, y: np.ndarray, lo: float, hi: float, columns: int
) -> tuple[np.ndarray, np.ndarray]:
    if x.size > 2 * columns and hi > lo:
        return minmax_decimate(x, y, lo, hi, columns)
    return x, y


class XYPainter(Painter):
    """``ys[0].values`` against ``x.values`` as broken lines + markers.

    With ``snap.peak``: a vertical line at ``cen``, a star at the maximum, a
    horizontal bar of length ``fwhm`` centred on ``cen`` at half maximum
    (``(max + min) / 2``, the level bluesky's crossings use) and a text box
    with the basis, cen, fwhm and max, in the top corner away from the peak
    and under the data. With an ok ``snap.fit``: the fitted curve, dashed,
    over the whole x range, and its centre and sigma in the text box. All of
    these move with the data and are redrawn on every frame.
    """

    kind = "xy"

    def __init__(self, ax: Axes, nseries: int) -> None:
        super().__init__(ax, nseries)
        colour = trace_colour(0)
        pale = tint(colour, OLD_POINTS_TINT)
        self.old_line = self._line(pale, marker="o", markersize=3)
        self.old_lone = self._line(pale, linestyle="none", marker="o", markersize=3)
        self.line = self._line(colour, marker="o", markersize=4)
        self.lone = self._line(colour, linestyle="none", marker="o", markersize=4)
        self.fit_line = self._line(FIT_COLOUR, linewidth=1.5, linestyle="--")
        self.cen_line = self._line(CEN_COLOUR, linewidth=1.5)
        self.fwhm_bar = self._line(FWHM_COLOUR, linewidth=2.0, marker="|", markersize=10)
        self.max_marker = self._line(
            MAX_COLOUR, linestyle="none", marker="*", markersize=12, markerfacecolor="#ffd700"
        )
        self.head = self._line(
            MAX_COLOUR,
            linestyle="none",
            marker="o",
            markersize=9,
            markerfacecolor="none",
            markeredgewidth=1.5,
        )
        self.text = ax.text(
            0.98,
            0.97,
            "",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=TICK_SIZE,
            family="monospace",
            multialignment="left",
            animated=True,
            zorder=9,
            bbox={
                "boxstyle": f"square,pad={BOX_PAD}",
                "facecolor": "white",
                "edgecolor": "#808080",
                "alpha": 0.85,
            },
        )
        self.text.set_in_layout(False)
        self.animated.insert(0, self.text)  # drawn first: the data stays on top of the box
        self._x = np.empty(0)
        self._y = np.empty(0)
        self._finite = np.zeros(0, dtype=bool)

    def prepare(self, snap: ChartSnapshot) -> None:
        self._x, self._y, both = aligned_xy(snap)
        self._finite = both
        self.has_data = bool(both.any())
        self.xlim.update(*data_range(self._x[both]))
        self.ylim.update(*data_range(self._y[both]))

    def apply_static(self, snap: ChartSnapshot) -> None:
        super().apply_static(snap)
        xs = snap.x if snap.x is not None else EMPTY_SERIES
        ys = snap.ys[0] if snap.ys else EMPTY_SERIES
        self.ax.set_xlabel(axis_label(xs.label, xs.units))
        self.ax.set_ylabel(axis_label(ys.label, ys.units))

    def update_artists(self, snap: ChartSnapshot) -> None:
        x, y, n = self._x, self._y, self._x.size
        starts = np.asarray([s for s in snap.sweeps if 0 < s < n], dtype=np.intp)
        cut = segment_cuts(x, starts)
        lo, hi = snap.peak_range if snap.peak_range is not None else (0, n)
        lo, hi = max(0, min(lo, n)), max(0, min(hi, n))
        columns = self._columns()
        xlo, xhi = self.xlim.limits
        x_in, y_in = _decimated(*broken_at(x, y, cut, lo, hi), xlo, xhi, columns)
        bx, by = broken_at(x, y, cut, 0, lo)
        ax_, ay_ = broken_at(x, y, cut, hi, n)
        x_out = np.concatenate((bx, [np.nan], ax_))
        y_out = np.concatenate((by, [np.nan], ay_))
        x_out, y_out = _decimated(x_out, y_out, xlo, xhi, columns)
        want_marker = "o" if int(self._finite.sum()) <= MAX_MARKERS else "None"
        for line, (lx, ly) in ((self.line, (x_in, y_in)), (self.old_line, (x_out, y_out))):
            if line.get_marker() != want_marker:
                line.set_marker(want_marker)
            line.set_data(lx, ly)
        lone = lone_points(self._finite, cut)
        in_range = np.zeros(n, dtype=bool)
        in_range[lo:hi] = True
        self.lone.set_data(x[lone & in_range], y[lone & in_range])
        self.old_lone.set_data(x[lone & ~in_range], y[lone & ~in_range])
        newest = np.flatnonzero(self._finite)
        if newest.size:
            self.head.set_data([x[newest[-1]]], [y[newest[-1]]])
        self.head.set_visible(bool(newest.size))
        self._update_peak(snap)
        self._update_fit(snap)
        self._update_text(snap)

    def _update_fit(self, snap: ChartSnapshot) -> None:
        fit = snap.fit
        if fit is None or not fit.ok or not self.has_data:
            self.fit_line.set_visible(False)
            return
        lo, hi = self.xlim.limits
        xs = np.linspace(lo, hi, FIT_SAMPLES)
        self.fit_line.set_data(xs, fit.curve(xs))
        self.fit_line.set_visible(True)

    def _update_peak(self, snap: ChartSnapshot) -> None:
        peak: PeakStats | None = snap.peak
        if peak is None or peak.npoints == 0 or not self.has_data:
            for artist in (self.cen_line, self.fwhm_bar, self.max_marker):
                artist.set_visible(False)
            return
        xmax, ymax = peak.max
        ymin = peak.min[1]
        ylo, yhi = self.ylim.limits
        self.cen_line.set_data([peak.cen, peak.cen], [ylo, yhi])
        self.cen_line.set_visible(_finite(peak.cen))
        self.max_marker.set_data([xmax], [ymax])
        self.max_marker.set_visible(_finite(xmax, ymax))
        half = (ymax + ymin) / 2
        self.fwhm_bar.set_data([peak.cen - peak.fwhm / 2, peak.cen + peak.fwhm / 2], [half, half])
        self.fwhm_bar.set_visible(_finite(peak.cen, peak.fwhm, half))

    def stats_lines(self, snap: ChartSnapshot, short: bool = False) -> list[tuple[int, str]]:
        """``(priority, line)`` of the statistics box; the largest priority is dropped first.

        ``short``: the thumbnail form, ``cen 0.5`` and ``fwhm 2.35`` with three
        significant digits, and the basis without the count.
        """
        peak = snap.peak
        if peak is None or peak.npoints == 0 or not self.has_data:
            return []
        if short:
            return [
                (2, snap.peak_basis or "stats"),
                (0, f"cen {peak.cen:.3g}" if _finite(peak.cen) else f"cen {UNDEFINED}"),
                (1, f"fwhm {peak.fwhm:.3g}" if _finite(peak.fwhm) else f"fwhm {UNDEFINED}"),
            ]
        xp = _precision(snap.x.precision if snap.x is not None else 3)
        yp = _precision(snap.ys[0].precision if snap.ys else 3)
        basis = f"{snap.peak_basis}, " if snap.peak_basis else ""
        xmax, ymax = peak.max
        lines = [
            (2, f"stats: {basis}{peak.npoints} pts"),
            (0, f"cen  {_number(peak.cen, xp)}"),
            (1, f"fwhm {_number(peak.fwhm, xp)}"),
            (3, f"max  {_number(ymax, yp)} @ {_number(xmax, xp)}"),
        ]
        fit = snap.fit
        if fit is not None and fit.ok:
            lines.append((4, f"fit  {_number(fit.centre, xp)} \u03c3 {_number(fit.sigma, xp)}"))
        return lines

    def _update_text(self, snap: ChartSnapshot) -> None:
        lines = self.stats_lines(snap)
        peak = snap.peak
        if not lines or peak is None:
            self.text.set_visible(False)
            return
        # keep the box clear of the peak: top left when the peak is in the right half
        xlo, xhi = self.xlim.limits
        where = peak.cen if _finite(peak.cen) else peak.max[0]
        right_half = _finite(where) and where > (xlo + xhi) / 2
        self.text.set_position((0.02 if right_half else 0.98, 0.97))
        self.text.set_horizontalalignment("left" if right_half else "right")
        box = self.ax.bbox
        renderer = cast(FigureCanvasAgg, self.ax.figure.canvas).get_renderer()
        size = self.font(TICK_SIZE)
        room_h = 0.94 * box.height - 2
        if fit_lines(self.text, lines, renderer, 0.96 * box.width - 2, room_h, size, cut=False):
            return
        # a thumbnail: the short form, on the side with more room; it may reach over the
        # tick labels, never past the frame's edge
        frame_w = self.ax.figure.bbox.width
        from_left = box.x0 + 0.02 * box.width  # a left-aligned box grows to the right
        from_right = box.x0 + 0.98 * box.width  # a right-aligned box grows to the left
        left_aligned = frame_w - from_left > from_right
        self.text.set_position((0.02 if left_aligned else 0.98, 0.97))
        self.text.set_horizontalalignment("left" if left_aligned else "right")
        room_w = (frame_w - from_left if left_aligned else from_right) - PAD_PX
        fit_lines(self.text, self.stats_lines(snap, short=True), renderer, room_w, room_h, size)
