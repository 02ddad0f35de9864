"""Sample-and-hold pairing of the xy, map and grid charts. Pure logic, no CA.

Which update adds a point (:func:`point_on_update`), which change of the
settings makes the points meaningless (:func:`pairing_changed`), and the
points themselves (:class:`PairHistory`: x, y and z aligned, with the
sweeps of x). See :mod:`~chartioc.iocs.chart.engine` for the rules in words.
"""

from __future__ import annotations

import math

import numpy as np

from chartioc.iocs.chart.config import ChartConfig
from chartioc.iocs.chart.history import RingHistory
from chartioc.iocs.chart.sweeps import SweepTracker

__all__ = ["PairHistory", "pairing_changed", "point_on_update"]

#: The settings the points depend on: a change of one starts the points afresh.
_PAIRING_SETTINGS = ("kind", "x", "z", "sample", "y1")


def pairing_changed(old: ChartConfig, new: ChartConfig) -> bool:
    """Do the points taken under ``old`` mean something else under ``new``?"""
    return any(getattr(old, k) != getattr(new, k) for k in _PAIRING_SETTINGS)


def point_on_update(config: ChartConfig, pvname: str) -> bool:
    """Does a value update of ``pvname`` add a point at once?

    ``map``: an update of either motor. With ``sample="update"``: an update
    of Y1 (``xy``) or of Z (``grid``). Never for ``strip``, nor for
    ``sample="rest"`` (a point each time the motors come to rest).
    """
    cfg = config
    if cfg.kind == "map":
        return pvname in (cfg.x, cfg.y1)
    if cfg.sample == "update":
        return pvname == (cfg.y1 if cfg.kind == "xy" else cfg.z if cfg.kind == "grid" else "")
    return False


class PairHistory:
    """The points of an xy/map/grid chart: x, y (and z) rings aligned, the sweeps of x.

    Parameters
    ----------
    capacity : int
        Points kept; the oldest are overwritten first.
    """

    def __init__(self, capacity: int) -> None:
        self._x = RingHistory(capacity)
        self._y = RingHistory(capacity)
        self._z = RingHistory(capacity)
        self._sweeps = SweepTracker()

    def clear(self) -> None:
        """Forget every point and every sweep."""
        for ring in (self._x, self._y, self._z):
            ring.clear()
        self._sweeps.clear()

    def add(self, timestamp: float, x: float, y: float, z: float | None = None) -> None:
        """Add one point; ``z`` only for a grid chart."""
        self._x.append(timestamp, x)
        self._y.append(timestamp, y)
        self._sweeps.add(x)
        if z is not None:
            self._z.append(timestamp, z)

    def add_gap(self, timestamp: float, *, grid: bool) -> None:
        """A source was lost: break the lines (and the sweep) here; ``grid`` gaps z too."""
        self._x.append_gap(timestamp)
        self._y.append_gap(timestamp)
        self._sweeps.add(math.nan)
        if grid:
            self._z.append_gap(timestamp)

    def times(self) -> np.ndarray:
        """The time stamp of each point."""
        return self._y.times()

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) values of the points, NaN gaps included."""
        return self._x.values(), self._y.values()

    def z(self) -> np.ndarray:
        """The Z value of each grid point, aligned with :meth:`xy`."""
        return self._z.values()

    def sweep_starts(self) -> list[int]:
        """Indices into :meth:`xy` where sweeps of x begin (the first is 0)."""
        first = self._x.total_appended - len(self._x)
        return [s - first for s in self._sweeps.starts(first)]
