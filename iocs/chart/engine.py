"""The chart IOC's core: histories, pairing and snapshots. Pure logic, no CA.

The settings it follows are a :class:`~chartioc.iocs.chart.config.ChartConfig`.

Intake is lossless: every value update enters a history. Drawing is lossy:
the IOC asks for a :meth:`ChartEngine.snapshot` only when something changed,
at most at the maximum frame rate.

Pairing for the ``xy``, ``map`` and ``grid`` kinds is sample-and-hold: ``xy``
adds a point (latest X, new Y) on every Y update (the simulated detector
posts after each motor update, so pairs line up); ``map`` adds a point
(latest X, latest Y) on an update of either motor; ``grid`` adds a point
(latest X, latest Y1, new Z) on every Z update. With ``sample="rest"``, xy
and grid add a point only when :meth:`ChartEngine.take_point` is called,
which the chart IOC does each time the motors come to rest (their ``.DMOV``
goes to 1): one point per step of a step scan, the points a scan records.

Peak statistics of the xy chart depend on how points are taken. ``At rest``
(a step scan): every point, in arrival order, with bluesky's ``PeakStats``
definitions. ``Each update`` (a live sweep): the points of the latest
complete sweep only (see :mod:`~chartioc.iocs.chart.sweeps`), because statistics
over a motor going back and forth in arrival order mean nothing. The
snapshot says which (``peak_basis``) and where they are (``peak_range``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# FIT_MODES, LIMITS, SAMPLE_MODES, ConfigError and record_field are re-exported for
# iocs/chart/ioc.py, which imports them from here; new code imports them from config.
from chartioc.iocs.chart.config import (
    FIT_MODES,
    LIMITS,
    SAMPLE_MODES,
    ChartConfig,
    ConfigError,
    record_field,
)
from chartioc.iocs.chart.fit import FitResult
from chartioc.iocs.chart.history import RingHistory
from chartioc.iocs.chart.model import ChartSnapshot, PeakStats
from chartioc.iocs.chart.pairing import PairHistory, pairing_changed, point_on_update
from chartioc.iocs.chart.peak_selection import PeakSelection, select_peak
from chartioc.iocs.chart.source_history import SourceHistory

__all__ = [
    "FIT_MODES",
    "LIMITS",
    "SAMPLE_MODES",
    "ChartConfig",
    "ChartEngine",
    "ConfigError",
    "PeakSelection",
    "record_field",
]


@dataclass
class ChartEngine:
    """Histories and pairing for one chart; produces :class:`ChartSnapshot` s."""

    config: ChartConfig = field(default_factory=ChartConfig)
    capacity: int = 100_000
    updates_received: int = 0

    def __post_init__(self) -> None:
        self._sources: dict[str, SourceHistory] = {}
        self._pairs = PairHistory(self.capacity)
        #: points added to the xy/map/grid pairs since the start
        self.points_taken = 0
        self.configure(self.config)

    # -- configuration ---------------------------------------------------------------
    def configure(self, config: ChartConfig) -> None:
        """Apply a (validated) configuration; histories of kept sources survive."""
        old = self.config
        self.config = config
        wanted = config.sources()
        for name in list(self._sources):
            if name not in wanted:
                del self._sources[name]
        for name in wanted:
            self._sources.setdefault(name, SourceHistory(name, RingHistory(self.capacity)))
        if pairing_changed(old, config):
            self._pairs.clear()

    def clear(self) -> None:
        """Forget every history and every point (the ``Clear`` PV).

        Each source keeps its newest sample, if it has a value: the present
        is still known, and a strip chart holds that value on to now (a PV
        that does not change would otherwise vanish from the chart for good).
        """
        for src in self._sources.values():
            src.clear()
        self._pairs.clear()

    # -- intake ------------------------------------------------------------------------
    def follows(self, pvname: str) -> bool:
        """Is ``pvname`` one of this chart's sources?"""
        return pvname in self._sources

    def ingest_value(self, pvname: str, value: object, timestamp: float) -> bool:
        """Enter one update; True when it belongs to this chart."""
        src = self._sources.get(pvname)
        if src is None:
            return False
        self.updates_received += 1
        src.receive(value, timestamp)
        if point_on_update(self.config, pvname):
            self.take_point(timestamp)
        return True

    def _latest(self, name: str) -> float:
        src = self._sources.get(name)
        return math.nan if src is None else src.latest

    def take_point(self, timestamp: float) -> bool:
        """Add a point of the latest values to the xy/map/grid pairs; True if added.

        Nothing is added while a value is missing (not yet received, or lost
        with its connection).
        """
        cfg = self.config
        if cfg.kind == "strip":
            return False
        x, y = self._latest(cfg.x), self._latest(cfg.y1)
        z = self._latest(cfg.z) if cfg.kind == "grid" else 0.0
        if math.isnan(x) or math.isnan(y) or math.isnan(z):
            return False
        self._pairs.add(timestamp, x, y, z if cfg.kind == "grid" else None)
        self.points_taken += 1
        return True

    def ingest_connection(self, pvname: str, connected: bool, timestamp: float) -> bool:
        """A source (dis)connected: a disconnection leaves a gap in its history."""
        src = self._sources.get(pvname)
        if src is None:
            return False
        src.set_connected(connected, timestamp)
        if not connected and self.config.kind != "strip":
            self._pairs.add_gap(timestamp, grid=self.config.kind == "grid")
        return True

    def set_problem(self, pvname: str, problem: str) -> None:
        """Why a source is not charted (``a string``, ``not found``), or '' (also when lost)."""
        src = self._sources.get(pvname)
        if src is not None:
            src.problem = problem

    def problem(self, pvname: str) -> str:
        """What :meth:`set_problem` said of ``pvname`` ('' if nothing, or not a source)."""
        src = self._sources.get(pvname)
        return "" if src is None else src.problem

    def set_metadata(self, pvname: str, units: str, precision: int) -> None:
        """Units and precision of a source, for axis labels."""
        src = self._sources.get(pvname)
        if src is not None:
            src.units, src.precision = units, precision

    # -- state -------------------------------------------------------------------------
    def connected_count(self) -> tuple[int, int]:
        """(connected sources, all sources)."""
        return sum(s.connected for s in self._sources.values()), len(self._sources)

    def disconnected(self) -> list[str]:
        """Names of the sources that are not connected."""
        return [n for n, s in self._sources.items() if not s.connected]

    def history_length(self, pvname: str) -> int:
        """Number of samples (gaps included) held for ``pvname``."""
        src = self._sources.get(pvname)
        return 0 if src is None else src.history.total_appended

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """The paired (x, y) points of the xy/map/grid chart, NaN gaps included."""
        return self._pairs.xy()

    def grid_values(self) -> np.ndarray:
        """The Z value of each grid point, aligned with :meth:`pairs`."""
        return self._pairs.z()

    def sweep_starts(self) -> list[int]:
        """Indices into :meth:`pairs` where sweeps of x begin (the first is 0)."""
        return self._pairs.sweep_starts()

    def peak_selection(self) -> PeakSelection | None:
        """Peak statistics of the xy chart and their points; None for other kinds.

        ``At rest``: every point in arrival order, bluesky's definitions.
        ``Each update``: the latest complete sweep, com over x
        (:func:`~chartioc.iocs.chart.peakstats.compute_sweep_stats`). With a
        configuration problem: no points, NaN statistics.
        """
        return select_peak(self.config, self._pairs)

    def peak_stats(self) -> PeakStats | None:
        """Peak statistics of the xy chart (see :meth:`peak_selection`), None for other kinds."""
        selection = self.peak_selection()
        return None if selection is None else selection.stats

    def stats_points(self) -> tuple[np.ndarray, np.ndarray]:
        """The xy points the statistics (and the fit) are computed from, gaps included."""
        x, y = self.pairs()
        selection = self.peak_selection()
        if selection is None:
            return x, y
        return x[selection.start : selection.stop], y[selection.start : selection.stop]

    def message(self) -> str:
        """What a frame with nothing to draw says: which sources have sent no value yet."""
        cfg = self.config
        waiting = [n for n in cfg.sources() if math.isnan(self._sources[n].latest)]
        if waiting:
            return f"waiting for data: {', '.join(waiting)}"
        if cfg.kind == "strip":
            return f"no data in the last {cfg.window:g} s"
        if cfg.rest_triggers():
            return "no points yet: one each time the motors stop"
        trigger = cfg.z if cfg.kind == "grid" else cfg.y1 if cfg.kind == "xy" else "a motor"
        return f"no points yet: one on each update of {trigger}"

    def snapshot(
        self,
        now: float,
        *,
        x_limits: tuple[float, float] | None = None,
        y_limits: tuple[float, float] | None = None,
        fit: FitResult | None = None,
    ) -> ChartSnapshot:
        """The frame to draw now; ``fit`` is the latest fit of the xy chart, if any.

        A configuration that cannot draw (:meth:`ChartConfig.problem`) gives a
        snapshot with only ``problem`` and ``title`` set.
        """
        cfg = self.config
        problem = cfg.problem()
        if problem:
            return ChartSnapshot(
                kind=cfg.kind, now=now, window=cfg.window, ys=(), title=cfg.title, problem=problem
            )
        ys = [y for y in cfg.ys if y]
        if cfg.kind == "strip":
            return ChartSnapshot(
                kind="strip",
                now=now,
                window=cfg.window,
                ys=tuple(self._sources[y].series() for y in ys),
                title=cfg.title,
                message=self.message(),
            )
        times = self._pairs.times()
        x_values, y_values = self.pairs()
        x = self._sources[cfg.x].series(times, x_values)
        y = self._sources[ys[0]].series(times, y_values)
        z = self._sources[cfg.z].series(times, self.grid_values()) if cfg.kind == "grid" else None
        clim = (cfg.color_low, cfg.color_high) if cfg.color_low != cfg.color_high else None
        selection = self.peak_selection()
        return ChartSnapshot(
            kind=cfg.kind,
            now=now,
            window=cfg.window,
            ys=(y,),
            x=x,
            title=cfg.title,
            peak=None if selection is None else selection.stats,
            peak_range=None if selection is None else (selection.start, selection.stop),
            peak_basis="" if selection is None else selection.basis,
            sweeps=tuple(self.sweep_starts()[1:]) if cfg.kind == "xy" else (),
            message=self.message(),
            x_limits=x_limits,
            y_limits=y_limits,
            fit=fit if cfg.kind == "xy" else None,
            z=z,
            colormap=cfg.colormap,
            color_limits=clim,
        )
