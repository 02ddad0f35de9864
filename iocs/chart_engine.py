"""The chart IOC's core: configuration, histories and snapshots. Pure logic, no CA.

Intake is lossless: every value update enters a history. Drawing is lossy:
the IOC asks for a :meth:`ChartEngine.snapshot` only when something changed,
at most at the maximum frame rate.

Pairing for the ``xy`` and ``map`` kinds is sample-and-hold: ``xy`` adds a
point (latest X, new Y) on every Y update (the simulated detector posts after
each motor update, so pairs line up); ``map`` adds a point (latest X, latest
Y) on an update of either motor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .chart_model import CHART_KINDS, ChartKind, ChartSnapshot, PeakStats, Series
from .history import RingHistory
from .peakstats import compute_peak_stats

__all__ = ["LIMITS", "ChartConfig", "ChartEngine", "ConfigError"]

#: Bounds of the numeric settings: (low, high).
LIMITS = {
    "width": (64, 2048),
    "height": (64, 2048),
    "window": (1.0, 86400.0),
    "max_rate": (0.1, 100.0),
}
MAX_Y = 4
#: Longest PV name or title: the settings are DBR_STRING PVs (40 bytes with the NUL).
MAX_STRING = 39


class ConfigError(ValueError):
    """A refused configuration value; the message is short enough for a status PV."""


@dataclass(frozen=True)
class ChartConfig:
    """What to draw. Validate changes with :meth:`ChartConfig.with_`."""

    kind: ChartKind = "strip"
    x: str = ""
    ys: tuple[str, ...] = ()
    window: float = 60.0
    width: int = 640
    height: int = 480
    max_rate: float = 30.0
    title: str = ""

    def with_(self, **changes) -> ChartConfig:
        """A validated copy with ``changes``; raises :class:`ConfigError`."""
        for name, value in changes.items():
            if name in LIMITS:
                low, high = LIMITS[name]
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    raise ConfigError(f"{name} must be a number") from None
                if not math.isfinite(number) or not low <= number <= high:
                    raise ConfigError(f"{name} {value:g} outside {low:g}..{high:g}")
                changes[name] = int(number) if name in ("width", "height") else number
            elif name == "kind" and value not in CHART_KINDS:
                raise ConfigError(f"kind must be one of {', '.join(CHART_KINDS)}")
            elif name == "ys":
                ys = tuple(value)
                if len(ys) > MAX_Y:
                    raise ConfigError(f"at most {MAX_Y} Y sources")
                if any(len(y) > MAX_STRING for y in ys):
                    raise ConfigError(f"PV names longer than {MAX_STRING} chars")
                changes[name] = ys
            elif name in ("x", "title") and len(value) > MAX_STRING:
                raise ConfigError(f"{name} longer than {MAX_STRING} chars")
        return replace(self, **changes)

    def sources(self) -> list[str]:
        """Every PV this configuration needs, without blanks or repeats."""
        names = [self.x, *self.ys] if self.kind != "strip" else list(self.ys)
        return list(dict.fromkeys(n for n in names if n))

    def problem(self) -> str:
        """Why this configuration cannot draw, or ''."""
        ys = [y for y in self.ys if y]
        if self.kind == "strip" and not ys:
            return "no Y source"
        if self.kind in ("xy", "map") and not (self.x and ys):
            return f"{self.kind} needs X and Y1"
        return ""


def _label(pvname: str) -> str:
    """``BEAMLINE:motor.RBV`` -> ``motor.RBV``: the last part after the prefix."""
    return pvname.rsplit(":", 1)[-1] or pvname


@dataclass
class _Source:
    history: RingHistory
    connected: bool = False
    units: str = ""
    precision: int = 3
    latest: float = math.nan


@dataclass
class ChartEngine:
    """Histories and pairing for one chart; produces :class:`ChartSnapshot` s."""

    config: ChartConfig = field(default_factory=ChartConfig)
    capacity: int = 100_000
    updates_received: int = 0

    def __post_init__(self) -> None:
        self._sources: dict[str, _Source] = {}
        self._pair_x = RingHistory(self.capacity)
        self._pair_y = RingHistory(self.capacity)
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
            self._sources.setdefault(name, _Source(RingHistory(self.capacity)))
        if (old.kind, old.x, old.ys[:1]) != (config.kind, config.x, config.ys[:1]):
            self._pair_x.clear()
            self._pair_y.clear()

    def clear(self) -> None:
        """Forget every history (the ``Clear`` PV)."""
        for src in self._sources.values():
            src.history.clear()
        self._pair_x.clear()
        self._pair_y.clear()

    # -- intake ------------------------------------------------------------------------
    def ingest_value(self, pvname: str, value: object, timestamp: float) -> bool:
        """Enter one update; True when it belongs to this chart."""
        src = self._sources.get(pvname)
        if src is None:
            return False
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = math.nan
        self.updates_received += 1
        src.connected = True
        src.latest = number
        src.history.append(timestamp, number)
        cfg = self.config
        y1 = cfg.ys[0] if cfg.ys else ""
        pair = (cfg.kind == "xy" and pvname == y1) or (cfg.kind == "map" and pvname in (cfg.x, y1))
        if pair and cfg.x in self._sources and y1 in self._sources:
            x_latest = self._sources[cfg.x].latest
            y_latest = self._sources[y1].latest
            if not (math.isnan(x_latest) or math.isnan(y_latest)):
                self._pair_x.append(timestamp, x_latest)
                self._pair_y.append(timestamp, y_latest)
        return True

    def ingest_connection(self, pvname: str, connected: bool, timestamp: float) -> bool:
        """A source (dis)connected: a disconnection leaves a gap in its history."""
        src = self._sources.get(pvname)
        if src is None:
            return False
        src.connected = connected
        if not connected:
            src.history.append_gap(timestamp)
            src.latest = math.nan
            if self.config.kind in ("xy", "map"):
                self._pair_x.append_gap(timestamp)
                self._pair_y.append_gap(timestamp)
        return True

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
        """The paired (x, y) points of the xy/map chart, NaN gaps included."""
        return self._pair_x.values(), self._pair_y.values()

    def peak_stats(self) -> PeakStats | None:
        """Peak statistics of the xy chart's points, or None for other kinds."""
        if self.config.kind != "xy":
            return None
        x, y = self.pairs()
        return compute_peak_stats(x, y)

    def _series(self, name: str, times=None, values=None) -> Series:
        src = self._sources[name]
        if times is None:
            times, values = src.history.arrays()
        return Series(
            name=name,
            label=_label(name),
            units=src.units,
            precision=src.precision,
            connected=src.connected,
            times=times,
            values=values,
        )

    def snapshot(self, now: float, *, x_limits=None, y_limits=None) -> ChartSnapshot:
        """The frame to draw now."""
        cfg = self.config
        ys = [y for y in cfg.ys if y]
        if cfg.kind == "strip":
            return ChartSnapshot(
                kind="strip",
                now=now,
                window=cfg.window,
                ys=tuple(self._series(y) for y in ys),
                title=cfg.title,
            )
        times = self._pair_y.times()
        x_values, y_values = self.pairs()
        x = self._series(cfg.x, times, x_values)
        y = self._series(ys[0], times, y_values)
        return ChartSnapshot(
            kind=cfg.kind,
            now=now,
            window=cfg.window,
            ys=(y,),
            x=x,
            title=cfg.title,
            peak=self.peak_stats(),
            x_limits=x_limits,
            y_limits=y_limits,
        )
