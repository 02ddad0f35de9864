"""The chart's statistics PVs: peak statistics, the plotted points, where the plot area is.

A small group like :class:`~chartioc.iocs.chart.fit_group.FitGroup`: the
numbers come from :class:`~chartioc.iocs.chart.engine.ChartEngine` and the
renderer; this group only publishes them, and only what changed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from caproto import ChannelType
from caproto.server import PVGroup, pvproperty

from chartioc.iocs.chart.engine import PeakSelection
from chartioc.iocs.chart.peakstats import empty_peak_stats

__all__ = ["PAIR_PV_LENGTH", "StatsGroup", "published_pairs"]

PAIR_PV_LENGTH = 10_000  #: points published in PairsX_RBV / PairsY_RBV


def _stat(name: str, doc: str) -> Any:
    return pvproperty(value=math.nan, name=name, read_only=True, precision=4, doc=doc)


def _axes(name: str, doc: str) -> Any:
    return pvproperty(
        value=[math.nan] * 4, name=name, max_length=4, read_only=True, precision=4, doc=doc
    )


def _pairs(name: str, doc: str) -> Any:
    return pvproperty(value=[0.0], name=name, max_length=PAIR_PV_LENGTH, read_only=True, doc=doc)


def published_pairs(
    x: np.ndarray, y: np.ndarray, start: int | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """The finite points of ``x``, ``y`` that fit the PVs (the newest), and where in them
    the point at index ``start`` of ``x``/``y`` is (0 if none)."""
    keep = ~(np.isnan(x) | np.isnan(y))
    cut = max(int(keep.sum()) - PAIR_PV_LENGTH, 0)  # finite points not published
    first = 0 if start is None else max(int(keep[:start].sum()) - cut, 0)
    return x[keep][cut:], y[keep][cut:], first


class StatsGroup(PVGroup):
    """Statistics of the chart (the SubGroup prefix is '': ``{prefix}PeakMax_RBV``, ...).

    Peak statistics of the xy chart: ``PeakMax_RBV``, ``PeakMaxX_RBV``,
    ``PeakMin_RBV``, ``PeakMinX_RBV``, ``PeakCen_RBV``, ``PeakCom_RBV``,
    ``PeakFwhm_RBV``, ``PeakPoints_RBV``, ``PeakFrom_RBV``, ``PeakBasis_RBV``;
    the plotted points: ``PairsX_RBV``, ``PairsY_RBV``
    (``PairsX_RBV[PeakFrom_RBV : PeakFrom_RBV + PeakPoints_RBV]`` are the
    points of the statistics). Where the plot area is: ``AxesPx_RBV``,
    ``AxesLimits_RBV``.
    """

    peak_max = _stat("PeakMax_RBV", "Largest y of the xy chart")
    peak_max_x = _stat("PeakMaxX_RBV", "x of the largest y")
    peak_min = _stat("PeakMin_RBV", "Smallest y of the xy chart")
    peak_min_x = _stat("PeakMinX_RBV", "x of the smallest y")
    peak_cen = _stat("PeakCen_RBV", "Centre: midpoint of the half-maximum crossings")
    peak_com = _stat("PeakCom_RBV", "Centre of mass")
    peak_fwhm = _stat("PeakFwhm_RBV", "Full width at half maximum")
    peak_points = pvproperty(
        value=0,
        name="PeakPoints_RBV",
        dtype=ChannelType.LONG,
        read_only=True,
        doc="Points the statistics are computed on",
    )
    peak_from = pvproperty(
        value=0,
        name="PeakFrom_RBV",
        dtype=ChannelType.LONG,
        read_only=True,
        doc="Index in PairsX_RBV/PairsY_RBV of the first point of the statistics",
    )
    peak_basis = pvproperty(
        value="",
        name="PeakBasis_RBV",
        dtype=ChannelType.STRING,
        read_only=True,
        doc="Points of the statistics: scan points (At rest) or last sweep (Each update)",
    )
    pairs_x = _pairs("PairsX_RBV", "x of the plotted xy/map points (newest last)")
    pairs_y = _pairs("PairsY_RBV", "y of the plotted xy/map points (newest last)")
    axes_px = _axes("AxesPx_RBV", "Plot area in frame pixels: left, top, right, bottom")
    axes_limits = _axes("AxesLimits_RBV", "Data at the plot area's edges: x0, x1, y0, y1")

    async def publish_axes(self, pixels: Sequence[float], limits: Sequence[float]) -> None:
        """Where the frame's plot area is (written only when it moved)."""
        for pv, values in ((self.axes_px, pixels), (self.axes_limits, limits)):
            numbers = [float(v) for v in values]
            if list(pv.value) != numbers:
                await pv.write(numbers)

    async def publish(
        self,
        pairs: tuple[np.ndarray, np.ndarray] | None,
        selection: PeakSelection | None,
    ) -> None:
        """The plotted points (None for a strip chart) and the statistics of ``selection``.

        Charts without statistics (strip, map, grid: ``selection`` None)
        publish NaN, and only once.
        """
        first = 0
        if pairs is not None:
            start = None if selection is None else selection.start
            x, y, first = published_pairs(*pairs, start)
            if len(x) or len(self.pairs_x.value):  # and once more when a Clear emptied them
                await self.pairs_x.write(x)
                await self.pairs_y.write(y)
        if self.peak_from.value != first:
            await self.peak_from.write(first)
        stats = selection.stats if selection is not None else empty_peak_stats()
        basis = selection.basis if selection is not None and stats.npoints else ""
        if selection is None and self.peak_points.value == 0 and not self.peak_basis.value:
            return  # no statistics, and the PVs say so already
        if self.peak_basis.value != basis:
            await self.peak_basis.write(basis)
        for pv, value in (
            (self.peak_max, stats.max[1]),
            (self.peak_max_x, stats.max[0]),
            (self.peak_min, stats.min[1]),
            (self.peak_min_x, stats.min[0]),
            (self.peak_cen, stats.cen),
            (self.peak_com, stats.com),
            (self.peak_fwhm, stats.fwhm),
        ):
            await pv.write(float(value))
        await self.peak_points.write(stats.npoints)
