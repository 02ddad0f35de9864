"""What a write to a motor-record field may be: pure checks, no Channel Access.

Each ``check_*`` function takes the value a client wrote (and the settings it
depends on) and returns the value to store, or raises :class:`ValueError`
with the reason the client is told. The field putters of
:class:`~chartioc.iocs.motor.record.MotorGroup` call them before they change
the axis or the published fields. Which fields the simulator implements, and
what a write to any other says, are here too.
"""

from __future__ import annotations

from chartioc.client.ca.limits import MAX_STRING, MAX_UNITS
from chartioc.iocs.motor.axis import MAX_ACCL, MAX_POSITION, VELO_RANGE, finite, positive, within

__all__ = [
    "MAX_PREC",
    "SUPPORTED_FIELDS",
    "check_acceleration",
    "check_description",
    "check_max_velocity",
    "check_offset",
    "check_precision",
    "check_step",
    "check_units",
    "check_velocity",
    "direction_sign",
    "unsupported_reason",
    "velocity_units",
]

#: Writable motor-record fields the simulator implements (VAL is the record itself).
SUPPORTED_FIELDS = frozenset(
    {
        *("DVAL", "STOP", "SPMG", "TWV", "TWF", "TWR", "HOMF", "HOMR"),
        *("VELO", "ACCL", "VMAX", "HLM", "LLM", "DHLM", "DLLM", "OFF", "DIR"),
        *("SET", "FOFF", "EGU", "PREC", "MRES", "DESC"),
    }
)
#: Largest PREC (display precision).
MAX_PREC = 15


def unsupported_reason(name: str) -> str:
    """What a write to the unsupported field ``name`` answers."""
    hint = "; write VAL or DVAL" if name == "RVAL" else ""
    return f"{name} is not supported by the simulator{hint}"


def velocity_units(egu: str) -> str:
    """VELO's units: ``EGU/s``, EGU cut to fit CA's 7 characters (as the motor record's /sec)."""
    return f"{egu[: MAX_UNITS - 2]}/s"


def check_velocity(value: object, vmax: float) -> float:
    """VELO: > 0, within :data:`~chartioc.iocs.motor.axis.VELO_RANGE`, not above ``vmax``.

    ``vmax`` is VMAX; 0 means no maximum.
    """
    velo = within(positive(value, "VELO"), "VELO", *VELO_RANGE)
    if vmax > 0 and velo > vmax:
        raise ValueError(f"VELO ({velo:g}) must not exceed VMAX ({vmax:g})")
    return velo


def check_max_velocity(value: object, velo: float) -> float:
    """VMAX: 0 (no maximum) or at least ``velo`` (VELO), at most the fastest VELO."""
    vmax = finite(value, "VMAX")
    if vmax < 0 or (0 < vmax < velo):
        raise ValueError(f"VMAX must be 0 or >= VELO ({velo:g}), not {vmax:g}")
    return within(vmax, "VMAX", 0.0, VELO_RANGE[1])


def check_acceleration(value: object) -> float:
    """ACCL: seconds to reach VELO, >= 0 and <= :data:`~chartioc.iocs.motor.axis.MAX_ACCL`."""
    return positive(value, "ACCL", allow_zero=True, limit=MAX_ACCL)


def check_offset(value: object) -> float:
    """OFF: the user offset, a finite number within +-MAX_POSITION."""
    return finite(value, "OFF", limit=MAX_POSITION)


def direction_sign(value: object) -> int:
    """DIR: the sign between dial and user coordinates, -1 for ``Neg``, else +1 (``Pos``)."""
    return -1 if value == "Neg" else 1


def check_step(value: object, field: str) -> float:
    """TWV or MRES (named by ``field``): a step > 0 and <= MAX_POSITION."""
    return positive(value, field, limit=MAX_POSITION)


def check_precision(value: float) -> int:
    """PREC: a display precision within 0..:data:`MAX_PREC`."""
    prec = int(value)
    if not 0 <= prec <= MAX_PREC:
        raise ValueError(f"PREC must be within 0..{MAX_PREC}, not {prec}")
    return prec


def check_units(value: str) -> str:
    """EGU: engineering units, at most ``MAX_UNITS`` (7) characters, what CA can carry."""
    if len(value) > MAX_UNITS:
        raise ValueError(f"EGU must be at most {MAX_UNITS} characters (CA units), not {len(value)}")
    return value


def check_description(value: str) -> str:
    """DESC: a description of at most ``MAX_STRING`` (39) characters, one DBR_STRING."""
    if len(value) > MAX_STRING:
        raise ValueError(f"DESC must be at most {MAX_STRING} characters, not {len(value)}")
    return value
