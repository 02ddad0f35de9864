"""One chart source: its history and what is known of it. Pure logic, no CA.

:class:`SourceHistory` is what :class:`~chartioc.iocs.chart.engine.ChartEngine`
keeps per source PV: the lossless history of its values (a NaN gap where
it disconnected), its connection, units, precision, latest value and the
reason it is not charted, and the :class:`~chartioc.iocs.chart.model.Series`
a snapshot shows of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from chartioc.iocs.chart.history import RingHistory
from chartioc.iocs.chart.model import Series, label

__all__ = ["SourceHistory"]


@dataclass
class SourceHistory:
    """The history of one source PV and what is known of it."""

    name: str  #: the PV name
    history: RingHistory
    connected: bool = False
    units: str = ""
    precision: int = 3
    latest: float = math.nan
    problem: str = ""  #: why it is not charted: not a number, not found

    def receive(self, value: object, timestamp: float) -> None:
        """Enter one value update; a value that is not a number enters as NaN."""
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = math.nan
        self.connected = True
        self.latest = number
        self.history.append(timestamp, number)

    def set_connected(self, connected: bool, timestamp: float) -> None:
        """The source (dis)connected: a disconnection leaves a gap and no latest value."""
        self.connected = connected
        if not connected:
            self.history.append_gap(timestamp)
            self.latest = math.nan

    def clear(self) -> None:
        """Forget the history but the newest sample, if it has a value and the source is connected.

        The present is still known, and a strip chart holds that value on to
        now (a PV that does not change would otherwise vanish for good).
        """
        newest = self.history.latest()
        self.history.clear()
        if newest is not None and math.isfinite(newest[1]) and self.connected:
            self.history.append(*newest)

    def series(self, times: np.ndarray | None = None, values: np.ndarray | None = None) -> Series:
        """What a snapshot shows of the source: its own history, or ``times``/``values``.

        Parameters
        ----------
        times, values : numpy.ndarray, optional
            The samples to show (the xy/map/grid pairs); both or neither.
        """
        if times is None or values is None:
            times, values = self.history.arrays()
        return Series(
            name=self.name,
            label=label(self.name),
            units=self.units,
            precision=self.precision,
            connected=self.connected,
            problem=self.problem,
            times=times,
            values=values,
        )
