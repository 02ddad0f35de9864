"""Which points the xy chart's peak statistics cover, and those statistics. Pure logic, no CA.

``At rest`` (a step scan): every point, in arrival order, with bluesky's
``PeakStats`` definitions. ``Each update`` (a live sweep): the points of
the latest complete sweep only (see :mod:`~chartioc.iocs.chart.sweeps`),
com over x. The :class:`PeakSelection` says which (``basis``) and where
they are (``start``/``stop``).
"""

from __future__ import annotations

from dataclasses import dataclass

from chartioc.iocs.chart.config import ChartConfig, SampleMode
from chartioc.iocs.chart.model import PeakStats
from chartioc.iocs.chart.pairing import PairHistory
from chartioc.iocs.chart.peakstats import compute_peak_stats, compute_sweep_stats, empty_peak_stats
from chartioc.iocs.chart.sweeps import latest_complete_sweep

__all__ = ["STATS_BASIS", "PeakSelection", "select_peak"]

#: What the statistics of the xy chart are computed over, per sample mode (frame and PV text).
STATS_BASIS: dict[SampleMode, str] = {"rest": "scan points", "update": "last sweep"}


@dataclass(frozen=True)
class PeakSelection:
    """Peak statistics of the xy chart and the points they are computed from.

    ``start``/``stop`` index the arrays of :meth:`ChartEngine.pairs` (gaps
    included); ``basis`` says in words which points they are.
    """

    stats: PeakStats
    start: int
    stop: int
    basis: str


def select_peak(config: ChartConfig, pairs: PairHistory) -> PeakSelection | None:
    """Peak statistics of an xy chart's points and the points they cover; None for other kinds.

    Parameters
    ----------
    config : ChartConfig
        The chart's settings: its kind and sample mode. With a configuration
        problem: no points, NaN statistics.
    pairs : PairHistory
        The chart's points.
    """
    if config.kind != "xy":
        return None
    basis = STATS_BASIS[config.sample]
    if config.problem():
        return PeakSelection(empty_peak_stats(), 0, 0, basis)
    x, y = pairs.xy()
    if config.sample == "rest":
        return PeakSelection(compute_peak_stats(x, y), 0, x.size, basis)
    start, stop = latest_complete_sweep(x, pairs.sweep_starts())
    return PeakSelection(compute_sweep_stats(x[start:stop], y[start:stop]), start, stop, basis)
