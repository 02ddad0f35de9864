"""A simulated motor axis with motor-record coordinates: pure logic, no Channel Access.

The axis moves in *dial* coordinates (the physical position); users see
*user* coordinates, ``user = sign * dial + offset`` where ``sign`` is +1 for
DIR=Pos and -1 for DIR=Neg, as in the EPICS motor record. Soft limits are kept
in dial coordinates (DHLM/DLLM) and shown in user coordinates (HLM/LLM); when
the two dial limits are equal, soft limits are disabled, as in the motor record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntFlag

from chartioc.iocs.motor.motion import MotionProfile, plan_move, plan_stop

__all__ = [
    "MAX_ACCL",
    "MAX_POSITION",
    "RAW_MAX",
    "VELO_RANGE",
    "Axis",
    "Msta",
    "finite",
    "msta_word",
    "positive",
    "raw_steps",
    "within",
]

#: Largest magnitude of a position, offset, soft limit or tweak step (EGU). Beyond it a
#: double no longer resolves 1e-7 EGU, and sums of positions and offsets stay finite.
MAX_POSITION = 1e9
#: Slowest and fastest VELO (EGU/s): every planned move lasts a finite, representable time.
VELO_RANGE = (1e-9, 1e9)
#: Longest ACCL (s).
MAX_ACCL = 1e3
#: RRBV and RVAL are DBR_LONG: raw step counts saturate at +-RAW_MAX.
RAW_MAX = 2**31 - 1


class Msta(IntFlag):
    """Bits of the motor record's MSTA (motor status) word that the simulator sets."""

    DIRECTION = 1 << 0  # last direction: 1 = positive
    DONE = 1 << 1
    PLUS_LS = 1 << 2
    HOMELS = 1 << 3
    POSITION = 1 << 5  # closed-loop position control
    HOME = 1 << 7
    MOVING = 1 << 10
    MINUS_LS = 1 << 13
    HOMED = 1 << 14


def msta_word(*, positive: bool, moving: bool, homed: bool, at_home: bool) -> int:
    """The MSTA word for the given state of a simulated (limit-switch free) axis."""
    bits = Msta.POSITION
    if positive:
        bits |= Msta.DIRECTION
    bits |= Msta.MOVING if moving else Msta.DONE
    if homed:
        bits |= Msta.HOMED
    if at_home:
        bits |= Msta.HOME | Msta.HOMELS
    return int(bits)


def finite(value: object, what: str, *, limit: float | None = None) -> float:
    """Return ``value`` as a finite float or raise :class:`ValueError` naming ``what``.

    With ``limit``, ``|value|`` must not exceed it either.
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, not {number!r}")
    if limit is not None and abs(number) > limit:
        raise ValueError(f"{what} must be within +-{limit:g}, not {number:g}")
    return number


def positive(
    value: object, what: str, *, allow_zero: bool = False, limit: float | None = None
) -> float:
    """Return ``value`` as a finite float > 0 (>= 0 with ``allow_zero``), else ValueError.

    With ``limit``, the value must not exceed it either.
    """
    number = finite(value, what)
    if number < 0 or (number == 0 and not allow_zero):
        raise ValueError(f"{what} must be {'>=' if allow_zero else '>'} 0, not {number:g}")
    if limit is not None and number > limit:
        raise ValueError(f"{what} must be <= {limit:g}, not {number:g}")
    return number


def within(value: float, what: str, low: float, high: float) -> float:
    """Return ``value`` when ``low <= value <= high``, else raise ValueError naming ``what``."""
    if not low <= value <= high:
        raise ValueError(f"{what} must be within {low:g}..{high:g}, not {value:g}")
    return value


def raw_steps(position: float, mres: float) -> int:
    """``position / mres`` rounded to whole steps, saturated at +-:data:`RAW_MAX` (DBR_LONG)."""
    steps = position / mres if mres else 0.0
    if math.isnan(steps):
        return 0
    return round(min(max(steps, -RAW_MAX), RAW_MAX))


@dataclass
class Axis:
    """State of one simulated axis: position, speed settings, coordinates and limits.

    Times are seconds on any monotonic clock; the caller passes ``now``.
    """

    velo: float = 1.0
    accl: float = 0.2
    dial_high: float = 10.0
    dial_low: float = -10.0
    offset: float = 0.0
    sign: int = 1
    dial_position: float = 0.0
    homed: bool = False

    def __post_init__(self) -> None:
        self.profile = MotionProfile((), self.dial_position, 0.0)

    # -- coordinates -------------------------------------------------------
    def to_user(self, dial: float) -> float:
        """Convert a dial position to user coordinates."""
        return self.sign * dial + self.offset

    def to_dial(self, user: float) -> float:
        """Convert a user position to dial coordinates."""
        return (user - self.offset) * self.sign

    @property
    def user_limits(self) -> tuple[float, float]:
        """(LLM, HLM) in user coordinates."""
        a, b = self.to_user(self.dial_low), self.to_user(self.dial_high)
        return (min(a, b), max(a, b))

    @property
    def limits_enabled(self) -> bool:
        """False when the dial limits are equal (the motor record's 'no limits')."""
        return self.dial_high != self.dial_low

    def set_user_limit(self, which: str, value: float) -> None:
        """Set HLM (``which='high'``) or LLM (``'low'``) in user coordinates.

        Raises :class:`ValueError` when the new limit would put HLM below LLM.
        """
        value = finite(value, "HLM" if which == "high" else "LLM", limit=MAX_POSITION)
        llm, hlm = self.user_limits
        if which == "high":
            hlm = value
        else:
            llm = value
        if hlm < llm:
            raise ValueError(f"HLM ({hlm:g}) must not be below LLM ({llm:g})")
        d1, d2 = self.to_dial(llm), self.to_dial(hlm)
        self.dial_low, self.dial_high = min(d1, d2), max(d1, d2)

    def set_dial_limit(self, which: str, value: float) -> None:
        """Set DHLM (``which='high'``) or DLLM (``'low'``) in dial coordinates."""
        value = finite(value, "DHLM" if which == "high" else "DLLM", limit=MAX_POSITION)
        high = value if which == "high" else self.dial_high
        low = value if which == "low" else self.dial_low
        if high < low:
            raise ValueError(f"DHLM ({high:g}) must not be below DLLM ({low:g})")
        self.dial_high, self.dial_low = high, low

    def within_limits(self, user_target: float) -> bool:
        """True when a user-coordinate target lies inside the soft limits.

        A target beyond +-:data:`MAX_POSITION` is outside even when the limits are off.
        """
        if not abs(user_target) <= MAX_POSITION:
            return False
        if not self.limits_enabled:
            return True
        return self.dial_low <= self.to_dial(user_target) <= self.dial_high

    # -- motion ------------------------------------------------------------
    def position(self, now: float) -> float:
        """User position at ``now``."""
        return self.to_user(self.dial(now))

    def dial(self, now: float) -> float:
        """Dial position at ``now``."""
        return self.profile.position(now)

    def moving(self, now: float) -> bool:
        """True while a planned motion has not ended."""
        return not self.profile.done(now)

    def move_to(self, user_target: float, now: float, velo: float | None = None) -> MotionProfile:
        """Plan a move (or retarget the move in flight) to a user-coordinate target."""
        dial_target = self.to_dial(finite(user_target, "target"))
        self.profile = plan_move(
            self.dial(now),
            self.profile.velocity(now),
            dial_target,
            self.velo if velo is None else velo,
            self.accl,
            now,
        )
        return self.profile

    def stop(self, now: float) -> MotionProfile:
        """Decelerate to rest; the move in flight is abandoned."""
        self.profile = plan_stop(
            self.dial(now), self.profile.velocity(now), self.velo, self.accl, now
        )
        return self.profile

    def redefine(self, user_value: float, *, freeze_offset: bool, now: float) -> None:
        """SET mode: make the current position read ``user_value`` without moving.

        With a variable offset (FOFF=Variable) the user offset changes; with a
        frozen offset the dial position is redefined instead.
        """
        user_value = finite(user_value, "VAL", limit=MAX_POSITION)
        dial = self.dial(now)
        if freeze_offset:
            self.dial_position = self.to_dial(user_value)
            self.profile = MotionProfile((), self.dial_position, now)
        else:
            self.offset = user_value - self.sign * dial

    def direction_positive(self, now: float) -> bool:
        """True when the present (or last) motion runs towards positive dial values."""
        return self.profile.direction >= 0
