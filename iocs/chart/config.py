"""The chart IOC's settings: :class:`ChartConfig`, validated, and their bounds. Pure logic.

A setting that cannot be used raises :class:`ConfigError` with a message short
enough for ``Status_RBV``. The PV names and titles are DBR_STRING PVs, so they
are at most :data:`~chartioc.client.ca.limits.MAX_STRING` characters; the frame
sides are :data:`~chartioc.client.ca.limits.FRAME_SIDES`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import matplotlib as mpl

from chartioc.client.ca.limits import FRAME_SIDES, MAX_STRING
from chartioc.iocs.chart.model import CHART_KINDS, ChartKind

__all__ = [
    "FIT_MODES",
    "LIMITS",
    "MAX_Y",
    "SAMPLE_MODES",
    "ChartConfig",
    "ConfigError",
    "FitMode",
    "SampleMode",
    "record_field",
]

#: Bounds of the numeric settings: (low, high).
LIMITS = {
    "width": FRAME_SIDES,
    "height": FRAME_SIDES,
    "window": (1.0, 86400.0),
    "max_rate": (0.1, 100.0),
}
#: Most Y sources (Y1 .. Y4).
MAX_Y = 4
SampleMode = Literal["update", "rest"]
#: When xy and grid take a point: on every update of Y1 (xy) or Z (grid), or
#: each time the motors come to rest.
SAMPLE_MODES: tuple[SampleMode, ...] = ("update", "rest")
FitMode = Literal["off", "gaussian"]
#: Fit of the xy chart.
FIT_MODES: tuple[FitMode, ...] = ("off", "gaussian")
#: Readback fields of a motor record whose record has .DMOV, .HLM, .LLM.
_MOTOR_FIELDS = ("RBV", "VAL", "DRBV")


def record_field(pvname: str, field_name: str) -> str | None:
    """``BEAMLINE:m1.RBV``, ``DMOV`` -> ``BEAMLINE:m1.DMOV``; a bare record name
    (``BEAMLINE:m1``, its ``.VAL``) the same; None for any other field or an empty name.

    Whether the record is a motor record is known only once its ``.RTYP`` answers
    (:mod:`~chartioc.iocs.chart.motor_link`; :func:`~chartioc.iocs.chart.motor_names.rest_problem`).
    """
    if not pvname:
        return None
    if "." not in pvname:
        return f"{pvname}.{field_name}"
    base, _, name = pvname.rpartition(".")
    if name not in _MOTOR_FIELDS:
        return None
    return f"{base}.{field_name}"


def _alternatives(names: tuple[str, ...]) -> str:
    """``("a", "b", "c")`` -> ``"a, b or c"``."""
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _number(name: str, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number") from None
    if not math.isfinite(number):
        raise ConfigError(f"{name} must be finite")
    return number


class ConfigError(ValueError):
    """A refused configuration value; the message is short enough for a status PV."""


@dataclass(frozen=True)
class ChartConfig:
    """What to draw. Validate changes with :meth:`ChartConfig.with_`."""

    kind: ChartKind = "strip"
    x: str = ""
    ys: tuple[str, ...] = ()
    window: float = 60.0
    width: int = 640
    height: int = 480
    max_rate: float = 30.0
    title: str = ""
    z: str = ""  #: value PV of the grid chart
    sample: SampleMode = "update"
    fit: FitMode = "gaussian"
    colormap: str = "viridis"
    #: grid colour scale; equal low and high (the default) follow the data
    color_low: float = 0.0
    color_high: float = 0.0

    def with_(self, **changes: Any) -> ChartConfig:
        """A validated copy with ``changes``; raises :class:`ConfigError`."""
        for name, value in changes.items():
            if name in LIMITS:
                low, high = LIMITS[name]
                number = _number(name, value)
                if not low <= number <= high:
                    raise ConfigError(f"{name} {number:g} outside {low:g}..{high:g}")
                changes[name] = int(number) if name in ("width", "height") else number
            elif name in ("color_low", "color_high"):
                changes[name] = _number(name, value)
            elif name == "kind" and value not in CHART_KINDS:
                raise ConfigError(f"kind must be {_alternatives(CHART_KINDS)}")
            elif name == "sample" and value not in SAMPLE_MODES:
                raise ConfigError(f"sample must be {_alternatives(SAMPLE_MODES)}")
            elif name == "fit" and value not in FIT_MODES:
                raise ConfigError(f"fit must be {_alternatives(FIT_MODES)}")
            elif name == "colormap" and value not in mpl.colormaps:
                raise ConfigError(f"unknown colormap {str(value)[:20] or '(empty)'}")
            elif name == "ys":
                ys = tuple(value)
                if len(ys) > MAX_Y:
                    raise ConfigError(f"at most {MAX_Y} Y sources")
                if any(len(y) > MAX_STRING for y in ys):
                    raise ConfigError(f"PV names longer than {MAX_STRING} chars")
                changes[name] = ys
            elif name in ("x", "z", "title") and len(value) > MAX_STRING:
                raise ConfigError(f"{name} longer than {MAX_STRING} chars")
        return replace(self, **changes)

    @property
    def y1(self) -> str:
        """The first Y source, or ''."""
        return self.ys[0] if self.ys else ""

    def sources(self) -> list[str]:
        """Every PV this configuration needs, without blanks or repeats."""
        if self.kind == "strip":
            names = list(self.ys)
        elif self.kind == "grid":
            names = [self.x, self.y1, self.z]
        else:
            names = [self.x, *self.ys]
        return list(dict.fromkeys(n for n in names if n))

    def motors(self) -> list[str]:
        """The position sources of the chart: X for xy, X and Y1 for map and grid."""
        if self.kind == "xy":
            return [self.x] if self.x else []
        if self.kind in ("map", "grid"):
            return [n for n in (self.x, self.y1) if n]
        return []

    def rest_triggers(self) -> list[str]:
        """The ``.DMOV`` PVs that take a point with ``sample="rest"`` (xy and grid)."""
        if self.sample != "rest" or self.kind not in ("xy", "grid"):
            return []
        dmovs = [record_field(m, "DMOV") for m in self.motors()]
        return [d for d in dmovs if d]

    def problem(self) -> str:
        """Why this configuration cannot draw, or ''."""
        ys = [y for y in self.ys if y]
        if self.kind == "strip" and not ys:
            return "no Y source"
        if self.kind in ("xy", "map") and not (self.x and ys):
            return f"{self.kind} needs X and Y1"
        if self.kind == "grid" and not (self.x and ys and self.z):
            return "grid needs X, Y1 and Z"
        at_rest = self.sample == "rest" and self.kind in ("xy", "grid")
        if at_rest and len(self.rest_triggers()) != len(self.motors()):
            return "sample at rest needs motor .RBV"  # or the motor record's name
        return ""
