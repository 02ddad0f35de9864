"""Plain Python values from Channel Access payloads, whatever the DBR type.

Pure: the payloads are read by duck typing (``data[0]``, ``getattr``), no
Channel Access library is imported. :class:`~chartioc.client.ca.monitor.PVMonitor`
turns each update into :func:`first_value` and each connection's DBR_CTRL
read into :class:`Metadata` with :func:`parse_metadata`; neither ever raises
for an odd PV.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Metadata", "first_value", "parse_metadata"]


@dataclass(frozen=True)
class Metadata:
    """Display metadata read from the server at connection time."""

    units: str = ""
    precision: int = 3
    lower_ctrl_limit: float = 0.0
    upper_ctrl_limit: float = 0.0


def first_value(data: Any) -> Any:
    """First element of a CA payload as a plain Python value (str for strings/enums)."""
    try:
        value = data[0]
    except (TypeError, IndexError):
        value = data
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if hasattr(value, "item"):
        return value.item()
    return value


def _number(value: Any, default: float) -> float:
    """A metadata field as a float: DBR_CTRL_CHAR limits are single bytes (b'\\x00')."""
    if isinstance(value, bytes):
        return float(value[0]) if len(value) == 1 else default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def parse_metadata(md: Any) -> Metadata:
    """Display metadata of any DBR_CTRL type; fields a type lacks take the defaults."""
    units = getattr(md, "units", b"")
    if isinstance(units, bytes):
        units = units.decode("latin-1")
    if not isinstance(units, str):
        units = ""
    return Metadata(
        units=units.rstrip("\x00"),
        precision=int(_number(getattr(md, "precision", 3), 3)),
        lower_ctrl_limit=_number(getattr(md, "lower_ctrl_limit", 0.0), 0.0),
        upper_ctrl_limit=_number(getattr(md, "upper_ctrl_limit", 0.0), 0.0),
    )
