"""Trapezoidal motion model of a simulated motor: pure logic, no Channel Access.

A move is planned as a short list of constant-acceleration :class:`Segment` s.
Positions are evaluated analytically at any time, so the model does not drift
with the update rate, never passes a segment's end point, and finishes exactly
on the target.

Conventions follow the EPICS motor record: ``velo`` is the slew speed in
engineering units per second (VELO) and ``accl`` the time in seconds to reach
it from rest (ACCL), so the acceleration is ``velo / accl``; ``accl == 0``
means an instantaneous change of speed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["MotionProfile", "Segment", "next_tick", "plan_move", "plan_stop", "trapezoid_time"]


@dataclass(frozen=True)
class Segment:
    """Motion at constant acceleration ``a`` for ``duration`` seconds from ``t0``."""

    t0: float
    duration: float
    x0: float
    v0: float
    a: float

    @property
    def t_end(self) -> float:
        """Time at which the segment ends."""
        return self.t0 + self.duration

    @property
    def x_end(self) -> float:
        """Position at the end of the segment."""
        d = self.duration
        return self.x0 + self.v0 * d + 0.5 * self.a * d * d

    @property
    def v_end(self) -> float:
        """Velocity at the end of the segment."""
        return self.v0 + self.a * self.duration

    def position(self, t: float) -> float:
        """Position at time ``t``, clamped to the segment's span (motion is monotonic)."""
        dt = min(max(t - self.t0, 0.0), self.duration)
        x = self.x0 + self.v0 * dt + 0.5 * self.a * dt * dt
        lo, hi = sorted((self.x0, self.x_end))
        return min(max(x, lo), hi)

    def velocity(self, t: float) -> float:
        """Velocity at time ``t``."""
        dt = min(max(t - self.t0, 0.0), self.duration)
        return self.v0 + self.a * dt


@dataclass(frozen=True)
class MotionProfile:
    """A planned motion: segments back to back, ending at rest on ``target``."""

    segments: tuple[Segment, ...]
    target: float
    t0: float

    @property
    def t_end(self) -> float:
        """Time at which the motion ends."""
        return self.segments[-1].t_end if self.segments else self.t0

    @property
    def duration(self) -> float:
        """Total duration in seconds."""
        return self.t_end - self.t0

    @property
    def direction(self) -> int:
        """+1 or -1: the sign of the final approach (0 for a null move)."""
        for seg in reversed(self.segments):
            v = seg.v0 if seg.v0 != 0.0 else seg.v_end
            if v != 0.0:
                return 1 if v > 0 else -1
        return 0

    def done(self, t: float) -> bool:
        """True once the motion has ended at time ``t``."""
        return t >= self.t_end

    def _segment(self, t: float) -> Segment | None:
        for seg in self.segments:
            if t < seg.t_end:
                return seg
        return None

    def position(self, t: float) -> float:
        """Position at time ``t``; exactly ``target`` from the end on."""
        seg = self._segment(t)
        return self.target if seg is None else seg.position(t)

    def velocity(self, t: float) -> float:
        """Velocity at time ``t``; zero from the end on."""
        seg = self._segment(t)
        return 0.0 if seg is None else seg.velocity(t)


def _acceleration(velo: float, accl: float) -> float:
    if not (math.isfinite(velo) and velo > 0):
        raise ValueError(f"velocity must be finite and > 0, not {velo!r}")
    if not (math.isfinite(accl) and accl >= 0):
        raise ValueError(f"acceleration time must be finite and >= 0, not {accl!r}")
    return math.inf if accl == 0 else velo / accl


def trapezoid_time(distance: float, velo: float, accl: float) -> float:
    """Time of a rest-to-rest move over ``distance`` with slew ``velo`` and ramp ``accl``."""
    a = _acceleration(velo, accl)
    d = abs(distance)
    if math.isinf(a):
        return d / velo
    if d >= velo * velo / a:  # reaches full speed: ramp, cruise, ramp
        return d / velo + velo / a
    return 2.0 * math.sqrt(d / a)  # triangle


def _ramp(t0: float, x0: float, v0: float, v1: float, a: float) -> Segment | None:
    """Change speed from v0 to v1 at |acceleration| a (instant when a is infinite)."""
    if v0 == v1 or math.isinf(a):
        return None
    dur = abs(v1 - v0) / a
    return Segment(t0, dur, x0, v0, math.copysign(a, v1 - v0))


def plan_stop(x0: float, v0: float, velo: float, accl: float, t0: float) -> MotionProfile:
    """Decelerate from velocity ``v0`` at ``x0`` to rest, as the motor record's STOP does."""
    a = _acceleration(velo, accl)
    seg = _ramp(t0, x0, v0, 0.0, a)
    if seg is None:
        return MotionProfile((), x0, t0)
    return MotionProfile((seg,), seg.x_end, t0)


def plan_move(
    x0: float, v0: float, target: float, velo: float, accl: float, t0: float
) -> MotionProfile:
    """Plan a move from position ``x0`` and velocity ``v0`` to rest at ``target``.

    A move already in flight is retargeted: when it heads away from the new
    target, or cannot stop before it, it first decelerates to rest and then
    moves back, as a real motor must. A move that starts from rest never
    passes its target.
    """
    a = _acceleration(velo, accl)
    segments: list[Segment] = []
    t, x, v = t0, x0, v0
    d = target - x
    stop_dist = 0.0 if math.isinf(a) else v * v / (2 * a)
    if v != 0.0 and (d * v <= 0 or stop_dist > abs(d)):
        stop = plan_stop(x, v, velo, accl, t)
        segments.extend(stop.segments)
        t, x, v = stop.t_end, stop.target, 0.0
        d = target - x
    if d == 0.0:
        return MotionProfile(tuple(segments), target, t0)

    s = 1.0 if d > 0 else -1.0
    dist, u0 = abs(d), abs(v)
    # Highest speed that still leaves room to brake: capped at VELO.
    peak = velo if math.isinf(a) else min(velo, math.sqrt((2 * a * dist + u0 * u0) / 2))
    # Distances of the ramp to the peak speed and of the final ramp to rest.
    d_ramp = 0.0 if math.isinf(a) else abs(peak * peak - u0 * u0) / (2 * a)
    d_brake = 0.0 if math.isinf(a) else peak * peak / (2 * a)
    d_cruise = max(dist - d_ramp - d_brake, 0.0)

    ramp = _ramp(t, x, s * u0, s * peak, a)
    if ramp is not None:
        segments.append(ramp)
        t, x = ramp.t_end, ramp.x_end
    if d_cruise > 0:
        cruise = Segment(t, d_cruise / peak, x, s * peak, 0.0)
        segments.append(cruise)
        t, x = cruise.t_end, cruise.x_end
    brake = _ramp(t, x, s * peak, 0.0, a)
    if brake is not None:
        # Absorb rounding so that the last segment ends on the target exactly.
        brake = Segment(brake.t0, brake.duration, target - s * d_brake, s * peak, brake.a)
        segments.append(brake)
    return MotionProfile(tuple(segments), target, t0)


def next_tick(tick: float, now: float, period: float) -> float:
    """When to post next, on a clock of ``period`` whose last tick was ``tick``.

    Ticks keep their cadence whatever the work between them took (sleeping a
    whole period after the work would post less often than asked); a loop
    that fell more than a period behind (it just posted, late) posts next a
    period after ``now`` and keeps its cadence from there, rather than posting
    the missed ticks in a burst.
    """
    nxt = tick + period
    return nxt if nxt > now - period else now + period
