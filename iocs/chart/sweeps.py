"""Sweeps of a live xy chart: runs of points in which x moves one way. Pure logic, no CA.

A motor driven back and forth posts its positions in arrival order; peak
statistics over all of them in that order are meaningless (the crossings of
the way out and the way back cancel, fwhm comes out near 0), and a line
joining them in that order draws the way back across the way out.
:class:`SweepTracker` cuts the stream of x positions into **sweeps**: a new
sweep starts when x turns round, that is when it has come back from the
farthest point of the current sweep by more than a dead band
(:data:`DEADBAND` of the current sweep's travel, so encoder jitter at rest
is not a turn), and after every gap (a NaN: the source was lost, nothing is
known about the move in between).

The point where x turned (the farthest point) ends the old sweep; the new
sweep starts with the next point. A sweep's **travel** is the distance it
covered from where it started, the turning point included.

:func:`latest_complete_sweep` picks the sweep that the live statistics
describe: the newest sweep once it has travelled at least as far as the one
before it (it has reached the far end: a complete pass over the range just
swept), otherwise the one before it (the newest complete pass, while the
next is under way).
"""

from __future__ import annotations

import math
from bisect import bisect_left

import numpy as np

__all__ = ["DEADBAND", "SweepTracker", "latest_complete_sweep", "sweep_travel"]

#: A turn is a move back of more than this fraction of the current sweep's travel.
DEADBAND = 0.01
#: ... and of more than this fraction of |x| (float resolution; 0 travel at rest).
_RESOLUTION = 1e-9


class SweepTracker:
    """Split a stream of x positions into sweeps, one point at a time (O(1) each).

    Points are numbered from 0 in the order :meth:`add` receives them (gaps
    included), like the pair histories of the chart engine; :meth:`starts`
    returns the numbers at which sweeps begin.

    Parameters
    ----------
    deadband : float
        A turn is a move back by more than ``deadband`` times the travel of
        the current sweep.
    max_sweeps : int
        Start numbers kept at most; beyond, the older half is forgotten.
    """

    def __init__(self, deadband: float = DEADBAND, max_sweeps: int = 100_000) -> None:
        self.deadband = deadband
        self.max_sweeps = max_sweeps
        self._starts: list[int] = []
        self.clear()

    def clear(self) -> None:
        """Forget every point; the next point is number 0."""
        self._starts.clear()
        self._count = 0
        self._direction = 0  # +1, -1, or 0 while not known
        self._origin = math.nan  # where the current sweep started
        self._extreme = math.nan  # farthest x of the current sweep
        self._extreme_at = -1

    @property
    def count(self) -> int:
        """Points added since the last :meth:`clear`."""
        return self._count

    def _start(self, i: int) -> None:
        self._starts.append(i)
        if len(self._starts) > self.max_sweeps:
            del self._starts[: self.max_sweeps // 2]

    def add(self, x: float) -> None:
        """Take the next point's x (NaN for a gap)."""
        i = self._count
        self._count += 1
        if not math.isfinite(x):
            self._direction = 0
            self._origin = math.nan
            return
        if math.isnan(self._origin):  # first point, or first after a gap
            self._start(i)
            self._origin = self._extreme = x
            self._extreme_at = i
            return
        floor = _RESOLUTION * max(abs(x), 1.0)
        if self._direction == 0:
            if abs(x - self._origin) > floor:
                self._direction = 1 if x > self._origin else -1
                self._extreme, self._extreme_at = x, i
            return
        if (x - self._extreme) * self._direction >= 0:
            self._extreme, self._extreme_at = x, i
            return
        back = abs(x - self._extreme)
        if back > max(self.deadband * abs(self._extreme - self._origin), floor):
            # turned round at the extreme: a new sweep from the point after it
            self._start(self._extreme_at + 1)
            self._origin = self._extreme
            self._direction = -self._direction
            self._extreme, self._extreme_at = x, i

    def starts(self, first: int = 0) -> list[int]:
        """Numbers of the points where sweeps begin, from point ``first`` on.

        A sweep that began before ``first`` (its start fell out of a ring
        buffer) is reported as beginning at ``first``. Starts before that one
        are forgotten: ``first`` is expected not to decrease until
        :meth:`clear`.
        """
        s = self._starts
        i = bisect_left(s, first)
        if i > 1:
            del s[: i - 1]
            i = 1
        inside = s[i:]
        if i == 1 and first < self._count and (not inside or inside[0] > first):
            inside.insert(0, first)
        return inside


def sweep_travel(x: np.ndarray, start: int, stop: int) -> float:
    """How far sweep ``x[start:stop]`` went: its span, the turning point before it included."""
    lo = max(start - 1, 0)
    seg = x[lo:stop]
    seg = seg[np.isfinite(seg)]
    return float(seg.max() - seg.min()) if seg.size else 0.0


def latest_complete_sweep(
    x: np.ndarray, starts: list[int], deadband: float = DEADBAND
) -> tuple[int, int]:
    """``(start, stop)`` of the sweep the live statistics describe.

    Parameters
    ----------
    x : numpy.ndarray
        Positions of all points, NaN for gaps.
    starts : list of int
        Indices into ``x`` where sweeps begin (increasing, the first is 0).
    deadband : float
        The newest sweep counts as complete when its travel is at least
        ``1 - deadband`` of the previous sweep's.

    Returns
    -------
    tuple of int
        ``(0, 0)`` with no points; the newest sweep when it is the only one or
        complete; else the sweep before it.
    """
    n = x.size
    if n == 0 or not starts:
        return 0, 0
    bounds = [*starts, n]
    last = (bounds[-2], bounds[-1])
    if len(starts) == 1:
        return last
    prev = (bounds[-3], bounds[-2])
    if sweep_travel(x, *last) >= (1.0 - deadband) * sweep_travel(x, *prev):
        return last
    return prev
