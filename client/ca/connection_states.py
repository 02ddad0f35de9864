"""Connection bookkeeping of followed PVs: up or down, lost since when, the last outage.

Pure: no Channel Access here. :class:`~chartioc.client.ca.monitor.PVMonitor`
marks every connection and loss it hands out to its listeners; the times are
the local epoch seconds it saw them at, given by the caller. Waiting for PVs
to connect polls these states on the event loop.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

__all__ = ["ConnectionStates", "StateChange"]


@dataclass(frozen=True)
class StateChange:
    """A PV went ``up`` (or down); for a reconnection, ``down_since`` is when it was lost."""

    up: bool
    down_since: float | None = None


class ConnectionStates:
    """Per PV: connected or not, since when a PV that is down was lost, its last outage.

    Attributes
    ----------
    connected
        Connection state of every followed PV (False until it first connects).
    down_since
        When each PV that is down now was lost; PVs that never connected are not in it.
    outages
        The last completed outage of each PV: (lost, back).
    """

    def __init__(self) -> None:
        self.connected: dict[str, bool] = {}
        self.down_since: dict[str, float] = {}
        self.outages: dict[str, tuple[float, float]] = {}

    def follow(self, name: str) -> None:
        """Start following ``name``: not connected, and never lost."""
        self.connected[name] = False

    def mark(self, name: str, up: bool, now: float) -> StateChange | None:
        """``name`` is up (or down) at ``now``; the change, or None if it already was."""
        if self.connected.get(name) == up:
            return None
        self.connected[name] = up
        if not up:
            self.down_since[name] = now
            return StateChange(up=False)
        lost = self.down_since.pop(name, None)
        if lost is not None:
            self.outages[name] = (lost, now)
        return StateChange(up=True, down_since=lost)

    def lost_within(self, window: float, now: float) -> set[str]:
        """The PVs down now that were lost less than ``window`` seconds before ``now``."""
        return {name for name, t in self.down_since.items() if now - t < window}

    async def wait_connected(self, names: list[str], timeout: float) -> None:
        """Wait until ``names`` are all connected; raise TimeoutError after ``timeout`` s if not."""
        deadline = time.monotonic() + timeout
        while not all(self.connected.get(n) for n in names):
            if time.monotonic() > deadline:
                missing = [n for n in names if not self.connected.get(n)]
                raise TimeoutError(f"not connected within {timeout} s: {', '.join(missing)}")
            await asyncio.sleep(0.02)

    def forget(self, name: str) -> None:
        """Stop following ``name``: its state and its outages go."""
        for table in (self.connected, self.down_since, self.outages):
            table.pop(name, None)
