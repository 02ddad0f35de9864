"""When the chart takes a point at rest. Pure logic, no Channel Access.

With ``Sample`` = ``At rest`` the xy and grid charts take one point of the
latest values each time the motors come to rest: when the last moving
motor's done-moving flag (the motor record's ``.DMOV``) goes from 0 to 1.
The first value after a (re)connection is never a move's end, whatever it
reads: a motor that was already at rest when it was found, or that stopped
during an outage, takes no point.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["RestTrigger", "done_flag"]


def done_flag(value: object) -> float:
    """A done-moving value as 0.0 or 1.0 (any number as a float); NaN for what is no number."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


class RestTrigger:
    """The At-rest trigger of a set of motors, each known by a name (its record name).

    Feed it every done-moving value with :meth:`update` and every lost
    connection with :meth:`lost`; :meth:`update` says when to take a point.
    """

    def __init__(self) -> None:
        self._done: dict[str, float] = {}

    @property
    def motors(self) -> tuple[str, ...]:
        """The motors followed, in the order given to :meth:`follow`."""
        return tuple(self._done)

    def follow(self, motors: Iterable[str]) -> None:
        """Follow ``motors``: those followed already keep their last value, new ones have none."""
        self._done = {m: self._done.get(m, math.nan) for m in dict.fromkeys(motors)}

    def update(self, motor: str, value: object) -> bool:
        """A done-moving value of ``motor``; True when a point is to be taken now.

        True only for a transition 0 -> 1 of this motor while every other
        followed motor reads 1. Values of motors not followed are ignored.
        """
        if motor not in self._done:
            return False
        before, done = self._done[motor], done_flag(value)
        self._done[motor] = done
        return before == 0 and done == 1 and all(v == 1 for v in self._done.values())

    def lost(self, motor: str) -> None:
        """``motor``'s done-moving flag disconnected: its next value is a first value."""
        if motor in self._done:
            self._done[motor] = math.nan
