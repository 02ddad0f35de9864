"""A bounded history of (time stamp, value) samples for one source.

:class:`RingHistory` keeps the newest ``capacity`` samples in two
preallocated float64 arrays. Appending is O(1) and never allocates; once
full, each new sample overwrites the oldest. A gap (the source
disconnected) is stored as a NaN value so that a plotted line breaks there.

The chart IOC appends from its event loop while a render thread reads
copies, so every method takes a short internal lock: a reader always sees a
consistent pair of arrays.
"""

from __future__ import annotations

import math
import threading

import numpy as np

__all__ = ["RingHistory"]


class RingHistory:
    """Ring buffer of (time stamp, value) pairs, oldest overwritten first.

    Parameters
    ----------
    capacity : int
        Maximum number of samples kept; fixed for the life of the buffer.

    Raises
    ------
    ValueError
        If ``capacity`` is less than 1.

    Examples
    --------
    >>> h = RingHistory(3)
    >>> for i in range(5):
    ...     h.append(float(i), 10.0 * i)
    >>> h.values().tolist()
    [20.0, 30.0, 40.0]
    >>> len(h), h.total_appended
    (3, 5)
    """

    __slots__ = ("_capacity", "_count", "_head", "_lock", "_times", "_total", "_values")

    def __init__(self, capacity: int) -> None:
        capacity = int(capacity)
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self._capacity = capacity
        self._times = np.empty(capacity, dtype=np.float64)
        self._values = np.empty(capacity, dtype=np.float64)
        self._head = 0  # index of the next write
        self._count = 0
        self._total = 0
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """Maximum number of samples kept."""
        return self._capacity

    @property
    def total_appended(self) -> int:
        """Samples (gaps included) appended since creation or the last :meth:`clear`.

        Unlike ``len()``, this keeps counting once the buffer is full, so a
        consumer can prove that no update was lost.
        """
        return self._total

    @property
    def dropped(self) -> int:
        """Samples overwritten because the buffer was full (``total_appended - len``)."""
        return self._total - self._count

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(capacity={self._capacity}, len={self._count}, "
            f"total_appended={self._total})"
        )

    def append(self, t: float, v: float) -> None:
        """Add one sample, overwriting the oldest when full.

        Parameters
        ----------
        t : float
            Time stamp (seconds since the epoch).
        v : float
            Value; NaN is stored as a gap.
        """
        with self._lock:
            head = self._head
            self._times[head] = t
            self._values[head] = v
            head += 1
            self._head = 0 if head == self._capacity else head
            if self._count < self._capacity:
                self._count += 1
            self._total += 1

    def append_gap(self, t: float) -> None:
        """Add a gap at time ``t`` (a NaN value, so that a plotted line breaks)."""
        self.append(t, math.nan)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Return copies of the time stamps and values, oldest first.

        Returns
        -------
        times, values : numpy.ndarray
            Two new float64 arrays of length ``len(self)``.
        """
        with self._lock:
            n = self._count
            if n < self._capacity:
                return self._times[:n].copy(), self._values[:n].copy()
            head = self._head
            times = np.concatenate((self._times[head:], self._times[:head]))
            values = np.concatenate((self._values[head:], self._values[:head]))
            return times, values

    def times(self) -> np.ndarray:
        """Return a copy of the time stamps, oldest first."""
        return self.arrays()[0]

    def values(self) -> np.ndarray:
        """Return a copy of the values, oldest first."""
        return self.arrays()[1]

    def latest(self) -> tuple[float, float] | None:
        """Return the newest ``(time stamp, value)``, or None when empty."""
        with self._lock:
            if self._count == 0:
                return None
            i = self._head - 1  # -1 wraps to the last slot
            return float(self._times[i]), float(self._values[i])

    def clear(self) -> None:
        """Forget every sample and reset :attr:`total_appended` to zero."""
        with self._lock:
            self._head = 0
            self._count = 0
            self._total = 0
