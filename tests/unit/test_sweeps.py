"""Sweeps of a live xy chart and the sweep its statistics describe (pure logic, no CA)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chartioc.iocs.chart.sweeps import SweepTracker, latest_complete_sweep, sweep_travel


def starts_of(xs) -> list[int]:
    tracker = SweepTracker()
    for x in xs:
        tracker.add(float(x))
    return tracker.starts()


def test_a_turn_starts_a_sweep_after_the_turning_point() -> None:
    x = [0, 1, 2, 3, 2, 1, 0, 1, 2]
    assert starts_of(x) == [0, 4, 7]  # 3 ends the first sweep, 0 the second


def test_repeated_positions_and_a_motor_at_rest_are_no_turn() -> None:
    assert starts_of([0, 0, 1, 1, 1, 2, 2, 3, 3, 3]) == [0]


def test_jitter_within_the_dead_band_is_no_turn() -> None:
    # a 6 mm sweep, then encoder jitter of 0.01 mm at rest (< 1 % of the travel)
    x = [*np.linspace(-3, 3, 61), 2.99, 3.0, 2.995, 3.0]
    assert starts_of(x) == [0]
    # but a real move back is a turn, however slow
    assert starts_of([*np.linspace(-3, 3, 61), 2.9, 2.8, 2.7]) == [0, 61]


def test_a_gap_ends_a_sweep() -> None:
    assert starts_of([0, 1, 2, math.nan, 3, 4]) == [0, 4]
    assert starts_of([math.nan, math.nan, 1, 2]) == [2]


def test_starts_inside_a_window_of_the_newest_points() -> None:
    tracker = SweepTracker()
    for x in [0, 1, 2, 3, 2, 1, 0, 1, 2]:
        tracker.add(float(x))
    assert tracker.starts(first=5) == [5, 7]  # the sweep that began at 4 is cut at 5
    assert tracker.starts(first=9) == []
    tracker.clear()
    assert tracker.starts() == [] and tracker.count == 0


def test_travel_includes_the_turning_point() -> None:
    x = np.array([0.0, 1.0, 2.0, 3.0, 2.0, 1.0, 0.0])
    assert sweep_travel(x, 0, 4) == 3.0
    assert sweep_travel(x, 4, 7) == 3.0  # from 3 (the turning point) down to 0


def back_and_forth(n_sweeps: int, lo: float = -3.0, hi: float = 3.0, step: float = 0.1):
    out = []
    for k in range(n_sweeps):
        leg = np.arange(lo, hi + step / 2, step)
        out.append(leg if k % 2 == 0 else leg[::-1][1:])
    return np.concatenate(out)


def test_the_newest_sweep_counts_once_it_reaches_the_far_end() -> None:
    done = back_and_forth(3)  # -3 -> 3 -> -3 -> 3
    starts = starts_of(done)
    assert latest_complete_sweep(done, starts) == (starts[-1], done.size)
    # halfway back: the sweep before it is the latest complete one
    halfway = np.concatenate((done, np.arange(2.9, -0.05, -0.1)))
    starts = starts_of(halfway)
    assert latest_complete_sweep(halfway, starts) == (starts[-2], starts[-1])


def test_a_narrower_range_takes_over_after_two_sweeps() -> None:
    legs = [back_and_forth(2), np.arange(-2.9, 1.05, 0.1), np.arange(0.9, -1.05, -0.1)]
    x = np.concatenate(legs)
    starts = starts_of(x)
    # the sweeps: -3..3, 3..-3, -3..1, 1..-1: the last is shorter than the one before
    assert len(starts) == 4
    assert latest_complete_sweep(x, starts) == (starts[-2], starts[-1])
    x = np.concatenate((x, np.arange(-0.9, 1.05, 0.1)))  # and back to 1: as far as 1..-1
    starts = starts_of(x)
    assert latest_complete_sweep(x, starts) == (starts[-1], x.size)


def test_a_tweak_after_a_sweep_keeps_the_sweep() -> None:
    x = np.concatenate((np.linspace(-3, 3, 61), [2.9]))
    starts = starts_of(x)
    assert latest_complete_sweep(x, starts) == (0, 61)


@pytest.mark.parametrize("xs", [[], [1.0]])
def test_few_points(xs) -> None:
    x = np.asarray(xs, dtype=float)
    assert latest_complete_sweep(x, starts_of(x)) == (0, x.size)


def test_a_sweep_over_one_flank_has_no_centre_or_width():
    """Live statistics show a centre only when the sweep brackets the peak."""
    from chartioc.iocs.chart.peakstats import compute_sweep_stats
    from chartioc.iocs.motor.gaussian import gaussian

    def det(xs):
        return np.array([gaussian([x], [1.0], 1.0, 1000.0, 0.0) for x in xs])

    flank = np.linspace(1.5, 4.0, 30)  # past the peak at 1.0: one flank only
    one_side = compute_sweep_stats(flank, det(flank))
    assert np.isnan(one_side.cen) and np.isnan(one_side.fwhm)
    assert one_side.max[1] > 0 and one_side.npoints == 30  # max and com still shown
    whole = np.linspace(-3.0, 5.0, 60)
    both = compute_sweep_stats(whole, det(whole))
    assert abs(both.cen - 1.0) < 0.02 and abs(both.fwhm - 2.3548) < 0.05
