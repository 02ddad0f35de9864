"""Can a PV be a chart source? Pure logic on its native DBR type and element count.

A chart draws numbers: one value per update. A source (``X``, ``Y1`` ..
``Y4``, ``Z``) must therefore be a scalar of a numeric DBR type: DBR_DOUBLE,
DBR_FLOAT, DBR_LONG, DBR_SHORT (``INT``), DBR_CHAR with one element, or
DBR_ENUM, charted as its index (0, 1, 2, ...; the way EPICS strip tools such
as StripTool chart an enum). Refused, with a reason a person can read:

- DBR_STRING (a ``stringin``, a motor's ``.EGU``): a string, not a number,
  even when its text looks like one;
- any array (more than one element: a waveform, ``AxesPx_RBV``), the first
  element of a waveform being no time series;
- a DBR_CHAR array: text (``StatusMessage_RBV``, a long string ``PV$``) or an
  image (areaDetector ``ArrayData``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["NUMERIC_TYPES", "SourceRefusal", "source_problem"]

#: Native DBR types, by name, whose scalar value is charted (an enum as its index).
#: Names, not caproto's ``ChannelType``: this module imports no Channel Access library.
NUMERIC_TYPES = frozenset({"DOUBLE", "FLOAT", "LONG", "INT", "CHAR", "ENUM"})


@dataclass(frozen=True)
class SourceRefusal:
    """Why a PV cannot be a chart source: ``reason`` in full, ``brief`` in a few words."""

    reason: str
    brief: str


def _elements(count: int) -> str:
    return f"{count:,} elements".replace(",", " ") if count >= 10_000 else f"{count} elements"


def source_problem(pvname: str, data_type: Enum | str, count: int) -> SourceRefusal | None:
    """Why ``pvname`` (native ``data_type``, ``count`` elements) cannot be charted, or None.

    Parameters
    ----------
    pvname
        The PV's name; a DBR_CHAR array named ``...ArrayData`` is called an image.
    data_type
        The native DBR type the server announced: caproto's ``ChannelType.DOUBLE``
        (any enum member named for the type) or its name, ``"DOUBLE"``.
    count
        The native element count (1 for a scalar).

    Returns
    -------
    SourceRefusal or None
        None when the PV is a numeric scalar (an enum included).
    """
    name = data_type if isinstance(data_type, str) else data_type.name
    if name == "STRING":
        return SourceRefusal("a string, not a number", "a string")
    if name not in NUMERIC_TYPES:
        return SourceRefusal(f"DBR type {name}, not a number", name)
    if count > 1:
        if name == "CHAR":  # a source's type, not a PV of ours
            if pvname.endswith("ArrayData"):
                return SourceRefusal(f"an image ({_elements(count)}), not a number", "an image")
            return SourceRefusal(f"a char array ({_elements(count)}), not a number", "an array")
        return SourceRefusal(f"an array ({_elements(count)}), not a number", "an array")
    return None
