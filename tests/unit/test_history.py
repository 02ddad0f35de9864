"""Unit tests of the bounded (time stamp, value) ring buffer."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from chartioc.iocs.chart.history import RingHistory


def test_empty() -> None:
    h = RingHistory(4)
    assert len(h) == 0
    assert h.capacity == 4
    assert h.total_appended == 0
    assert h.latest() is None
    t, v = h.arrays()
    assert t.shape == v.shape == (0,)
    assert t.dtype == v.dtype == np.float64


@pytest.mark.parametrize("capacity", [0, -3])
def test_bad_capacity(capacity: int) -> None:
    with pytest.raises(ValueError):
        RingHistory(capacity)


def test_fills_in_order_before_wrapping() -> None:
    h = RingHistory(5)
    for i in range(3):
        h.append(100.0 + i, float(i))
    assert len(h) == 3
    np.testing.assert_array_equal(h.times(), [100.0, 101.0, 102.0])
    np.testing.assert_array_equal(h.values(), [0.0, 1.0, 2.0])
    assert h.latest() == (102.0, 2.0)


@pytest.mark.parametrize("n", [5, 6, 7, 12, 13, 1000])
def test_wraps_keeping_newest_oldest_first(n: int) -> None:
    h = RingHistory(5)
    for i in range(n):
        h.append(float(i), 2.0 * i)
    expected = np.arange(n - 5, n, dtype=float)
    t, v = h.arrays()
    np.testing.assert_array_equal(t, expected)
    np.testing.assert_array_equal(v, 2.0 * expected)
    assert len(h) == 5
    assert h.total_appended == n
    assert h.dropped == n - 5
    assert h.latest() == (float(n - 1), 2.0 * (n - 1))


def test_capacity_one() -> None:
    h = RingHistory(1)
    h.append(1.0, 10.0)
    h.append(2.0, 20.0)
    assert h.arrays()[0].tolist() == [2.0]
    assert h.latest() == (2.0, 20.0)
    assert h.total_appended == 2


def test_storage_never_grows() -> None:
    h = RingHistory(8)
    before = (h._times, h._values)
    for i in range(100):
        h.append(float(i), float(i))
    assert h._times is before[0] and h._values is before[1]
    assert h._times.size == 8


def test_arrays_are_copies() -> None:
    h = RingHistory(3)
    for i in range(4):
        h.append(float(i), float(i))
    t, v = h.arrays()
    t[:] = -1
    v[:] = -1
    np.testing.assert_array_equal(h.values(), [1.0, 2.0, 3.0])


def test_gap_is_nan() -> None:
    h = RingHistory(4)
    h.append(1.0, 1.0)
    h.append_gap(2.0)
    h.append(3.0, 3.0)
    t, v = h.arrays()
    np.testing.assert_array_equal(t, [1.0, 2.0, 3.0])
    assert math.isnan(v[1])
    assert h.total_appended == 3


def test_clear_resets_counter() -> None:
    h = RingHistory(3)
    for i in range(10):
        h.append(float(i), float(i))
    h.clear()
    assert len(h) == 0
    assert h.total_appended == 0
    assert h.latest() is None
    h.append(20.0, 5.0)
    assert h.arrays()[1].tolist() == [5.0]


def test_concurrent_reader_sees_consistent_pairs() -> None:
    """Values are always 3 x time: a torn read would break the relation."""
    h = RingHistory(64)
    stop = threading.Event()
    bad: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            t, v = h.arrays()
            if t.shape != v.shape or not np.array_equal(v, 3.0 * t):
                bad.append("torn")
            if t.size > 1 and np.any(np.diff(t) <= 0):
                bad.append("unordered")

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(20_000):
            h.append(float(i), 3.0 * i)
    finally:
        stop.set()
        thread.join()
    assert not bad
    assert h.total_appended == 20_000


def test_a_snapshot_knows_the_time_of_its_newest_sample():
    from chartioc.iocs.chart.model import ChartSnapshot, Series

    a = Series("A", "a", times=np.array([1.0, 5.0]), values=np.array([0.0, 1.0]))
    b = Series("B", "b", times=np.array([2.0, 7.5]), values=np.array([0.0, 1.0]))
    empty = Series("C", "c")
    snap = ChartSnapshot(kind="xy", now=10.0, window=60.0, ys=(a,), x=b)
    assert snap.newest_time(default=99.0) == 7.5
    none = ChartSnapshot(kind="strip", now=10.0, window=60.0, ys=(empty,))
    assert none.newest_time(default=99.0) == 99.0
