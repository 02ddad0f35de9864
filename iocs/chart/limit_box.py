"""The map chart's soft-limit box from its motors' limits. Pure logic, no Channel Access.

The map draws X against Y1; when a source is a motor, its soft limits
(``.LLM`` and ``.HLM`` of the motor record) are that axis' side of the box.
A side is known only when both limits are finite numbers and ``HLM > LLM``
(the motor record reads ``HLM <= LLM`` as no limits at all); with one side
unknown the box spans the whole other axis, with neither there is none.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["Box", "Limits", "box_side", "map_box"]

#: One side of the box: (low, high).
Box = tuple[float, float]
#: A source's motor limits as received, (LLM, HLM); None when it is no motor.
Limits = tuple[object, object]


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def box_side(limits: Limits | None) -> Box | None:
    """(LLM, HLM) as a side of the box; None when a limit is missing or HLM <= LLM."""
    if limits is None:
        return None
    low, high = (_number(v) if v is not None else math.nan for v in limits)
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return None
    return low, high


def map_box(
    kind: str, x: str, y1: str, limits_of: Callable[[str], Limits | None]
) -> tuple[Box | None, Box | None]:
    """(x side, y side) of the box for a chart of ``kind`` drawing ``x`` against ``y1``.

    ``limits_of(source)`` gives the (LLM, HLM) of a source's motor, or None.
    Only the map has a box: other kinds get (None, None).
    """
    if kind != "map":
        return None, None
    return (
        box_side(limits_of(x)) if x else None,
        box_side(limits_of(y1)) if y1 else None,
    )
