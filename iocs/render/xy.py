"""xy chart: one series against another (a scan), with peak markers."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes

from chartioc.iocs.chart_model import ChartSnapshot, PeakStats
from chartioc.iocs.render.base import EMPTY_SERIES, Painter, aligned_xy, data_range, trace_colour
from chartioc.iocs.render.decimate import minmax_decimate
from chartioc.iocs.render.style import (
    CEN_COLOUR,
    FIT_COLOUR,
    FWHM_COLOUR,
    LABEL_SIZE,
    MAX_COLOUR,
    TICK_SIZE,
    axis_label,
)

__all__ = ["XYPainter"]

#: Above this many points the line is drawn without markers.
MAX_MARKERS = 200
#: Points of the drawn fit curve.
FIT_SAMPLES = 400


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


class XYPainter(Painter):
    """``ys[0].values`` against ``x.values`` as line + markers.

    With ``snap.peak``: a vertical line at ``cen``, a star at the maximum, a
    horizontal bar of length ``fwhm`` centred on ``cen`` at half maximum
    (``(max + min) / 2``, the level bluesky's crossings use) and a text box
    with cen, fwhm and max, in the top corner away from the peak and under
    the data. With an ok ``snap.fit``: the fitted curve, dashed, over the
    whole x range, and its centre and sigma in the text box. All of these
    move with the data and are redrawn on every frame.
    """

    kind = "xy"

    def __init__(self, ax: Axes, nseries: int) -> None:
        super().__init__(ax, nseries)
        self.line = self._line(trace_colour(0), marker="o", markersize=4)
        self.fit_line = self._line(FIT_COLOUR, linewidth=1.5, linestyle="--")
        self.cen_line = self._line(CEN_COLOUR, linewidth=1.5)
        self.fwhm_bar = self._line(FWHM_COLOUR, linewidth=2.0, marker="|", markersize=10)
        self.max_marker = self._line(
            MAX_COLOUR, linestyle="none", marker="*", markersize=12, markerfacecolor="#ffd700"
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
            bbox={"facecolor": "white", "edgecolor": "#808080", "alpha": 0.85},
        )
        self.animated.insert(0, self.text)  # drawn first: the data stays on top of the box
        self._x = np.empty(0)
        self._y = np.empty(0)

    def prepare(self, snap: ChartSnapshot) -> None:
        self._x, self._y, both = aligned_xy(snap)
        self.xlim.update(*data_range(self._x[both]))
        self.ylim.update(*data_range(self._y[both]))

    def apply_static(self, snap: ChartSnapshot) -> None:
        super().apply_static(snap)
        xs = snap.x if snap.x is not None else EMPTY_SERIES
        ys = snap.ys[0] if snap.ys else EMPTY_SERIES
        self.ax.set_xlabel(axis_label(xs.label, xs.units), fontsize=LABEL_SIZE)
        self.ax.set_ylabel(axis_label(ys.label, ys.units), fontsize=LABEL_SIZE)

    def update_artists(self, snap: ChartSnapshot) -> None:
        x, y = self._x, self._y
        columns = self._columns()
        if x.size > 2 * columns:
            lo, hi = self.xlim.limits
            if np.all(x[1:] >= x[:-1]):
                x, y = minmax_decimate(x, y, lo, hi, columns)
            elif np.all(x[1:] <= x[:-1]):
                x, y = minmax_decimate(x[::-1], y[::-1], lo, hi, columns)
        want_marker = "o" if x.size <= MAX_MARKERS else "None"
        if self.line.get_marker() != want_marker:
            self.line.set_marker(want_marker)
        self.line.set_data(x, y)
        self._update_peak(snap)
        self._update_fit(snap)

    def _update_fit(self, snap: ChartSnapshot) -> None:
        fit = snap.fit
        if fit is None or not fit.ok:
            self.fit_line.set_visible(False)
            return
        lo, hi = self.xlim.limits
        xs = np.linspace(lo, hi, FIT_SAMPLES)
        self.fit_line.set_data(xs, fit.curve(xs))
        self.fit_line.set_visible(True)
        if self.text.get_visible():
            prec = snap.ys[0].precision if snap.ys else 3
            prec = min(max(int(prec), 0), 12)
            self.text.set_text(
                f"{self.text.get_text()}\nfit  {fit.centre:.{prec}f} \u03c3 {fit.sigma:.{prec}f}"
            )

    def _update_peak(self, snap: ChartSnapshot) -> None:
        peak: PeakStats | None = snap.peak
        if peak is None:
            for artist in (self.cen_line, self.fwhm_bar, self.max_marker, self.text):
                artist.set_visible(False)
            return
        prec = snap.ys[0].precision if snap.ys else 3
        prec = min(max(int(prec), 0), 12)
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
        self.text.set_text(
            f"cen  {peak.cen:.{prec}f}\nfwhm {peak.fwhm:.{prec}f}\nmax  {ymax:.{prec}f}"
            f" @ {xmax:.{prec}f}"
        )
        # keep the box clear of the peak: top left when the peak is in the right half
        xlo, xhi = self.xlim.limits
        where = peak.cen if _finite(peak.cen) else xmax
        right_half = _finite(where) and where > (xlo + xhi) / 2
        self.text.set_position((0.02, 0.97) if right_half else (0.98, 0.97))
        self.text.set_horizontalalignment("left" if right_half else "right")
        self.text.set_visible(True)
