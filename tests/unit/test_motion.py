"""Unit tests of the pure trapezoidal motion model."""

import math

import numpy as np
import pytest

from chartioc.iocs.motor.motion import plan_move, plan_stop, trapezoid_time


def sample(profile, n=4000):
    t = np.linspace(profile.t0, profile.t_end + 0.1, n)
    return t, np.array([profile.position(ti) for ti in t])


@pytest.mark.parametrize(
    ("distance", "velo", "accl"),
    [(2.5, 1.0, 0.2), (-3.0, 2.0, 0.5), (0.05, 1.0, 0.5), (10.0, 5.0, 0.0), (1e-6, 1.0, 0.1)],
)
def test_rest_to_rest_move_takes_trapezoid_time_and_ends_on_target(distance, velo, accl):
    x0 = 1.25
    target = x0 + distance
    p = plan_move(x0, 0.0, target, velo, accl, t0=10.0)
    expected = trapezoid_time(distance, velo, accl)
    assert p.duration == pytest.approx(expected, rel=0.10)
    assert p.position(p.t_end) == target  # exactly, not approximately
    assert p.position(p.t_end + 5) == target
    assert p.velocity(p.t_end) == 0.0
    _, x = sample(p)
    s = math.copysign(1.0, distance)
    assert np.all(s * (x - target) <= 0), "overshoot"
    assert np.all(s * np.diff(x) >= 0), "moved backwards"


def test_trapezoid_time_closed_form():
    # Full-speed move: ramp 0.2 s, cruise, ramp 0.2 s: D/V + ACCL.
    assert trapezoid_time(2.5, 1.0, 0.2) == pytest.approx(2.7)
    # Triangle: never reaches VELO; a = 5 mm/s^2, D = 0.05 -> 2*sqrt(0.01).
    assert trapezoid_time(0.05, 1.0, 0.2) == pytest.approx(0.2)
    assert trapezoid_time(3.0, 1.5, 0.0) == pytest.approx(2.0)


def test_speed_never_exceeds_velo_and_acceleration_is_bounded():
    p = plan_move(0.0, 0.0, 4.0, 2.0, 0.25, t0=0.0)
    t = np.linspace(0, p.t_end, 2001)
    v = np.array([p.velocity(ti) for ti in t])
    assert v.max() <= 2.0 + 1e-12
    assert np.abs(np.diff(v) / np.diff(t)).max() <= 2.0 / 0.25 + 1e-6


def test_retarget_forward_continues_without_stopping():
    first = plan_move(0.0, 0.0, 10.0, 1.0, 0.2, t0=0.0)
    t = 3.0
    x, v = first.position(t), first.velocity(t)
    second = plan_move(x, v, 5.0, 1.0, 0.2, t0=t)
    assert second.velocity(t + 0.01) > 0.9  # no stop in between
    assert second.position(second.t_end) == 5.0


def test_retarget_backwards_stops_then_reverses():
    first = plan_move(0.0, 0.0, 10.0, 1.0, 0.5, t0=0.0)
    t = 4.0
    x, v = first.position(t), first.velocity(t)
    second = plan_move(x, v, 1.0, 1.0, 0.5, t0=t)
    _, xs = sample(second)
    turn = second.segments[0].x_end
    assert turn == pytest.approx(x + 0.25, abs=1e-9)  # braking distance v^2 / 2a
    assert xs.max() <= turn
    assert second.position(second.t_end) == 1.0
    assert second.direction == -1


def test_stop_decelerates_to_rest_between_start_and_target():
    move = plan_move(0.0, 0.0, 5.0, 1.0, 0.2, t0=0.0)
    stop = plan_stop(move.position(1.0), move.velocity(1.0), 1.0, 0.2, t0=1.0)
    assert stop.duration == pytest.approx(0.2)
    assert 0.0 < stop.target < 5.0
    assert stop.target == pytest.approx(move.position(1.0) + 0.1)


def test_null_move_is_empty():
    p = plan_move(2.0, 0.0, 2.0, 1.0, 0.2, t0=1.0)
    assert p.duration == 0.0
    assert p.done(1.0)
    assert p.position(1.0) == 2.0


@pytest.mark.parametrize(("velo", "accl"), [(0.0, 0.1), (-1.0, 0.1), (math.nan, 0.1), (1.0, -0.1)])
def test_bad_speed_settings_are_refused(velo, accl):
    with pytest.raises(ValueError):
        plan_move(0.0, 0.0, 1.0, velo, accl, t0=0.0)


def test_ticks_keep_their_cadence_whatever_the_work_took() -> None:
    from chartioc.iocs.motor.motion import next_tick

    period = 0.02
    assert next_tick(1.0, 1.005, period) == pytest.approx(1.02)  # 5 ms of work: still on time
    assert next_tick(1.0, 1.019, period) == pytest.approx(1.02)
    assert next_tick(1.0, 1.03, period) == pytest.approx(1.02)  # late: post at once, stay on grid
    assert next_tick(1.0, 1.05, period) == pytest.approx(1.07)  # far behind: no burst
    # 1 s of ticks with 3 ms of work each: 50 posts, not 50 / (1 + 3/20)
    tick, now, posts = 0.0, 0.0, 0
    while now < 1.0 - 1e-9:
        posts += 1
        now += 0.003  # the work
        tick = next_tick(tick, now, period)
        now = max(now, tick)  # the sleep
    assert posts == 50
