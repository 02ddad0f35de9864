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

from caproto import ChannelType

__all__ = ["NUMERIC_TYPES", "SourceRefusal", "source_problem"]

#: Native types whose scalar value is charted (an enum as its index).
NUMERIC_TYPES = frozenset(
    {
        ChannelType.DOUBLE,
        ChannelType.FLOAT,
        ChannelType.LONG,
        ChannelType.INT,
        ChannelType.CHAR,  # a type a source may have (no PV is made here)
        ChannelType.ENUM,
    }
)


@dataclass(frozen=True)
class SourceRefusal:
    """Why a PV cannot be a chart source: ``reason`` in full, ``brief`` in a few words."""

    reason: str
    brief: str


def _elements(count: int) -> str:
    return f"{count:,} elements".replace(",", " ") if count >= 10_000 else f"{count} elements"


def source_problem(pvname: str, data_type: ChannelType, count: int) -> SourceRefusal | None:
    """Why ``pvname`` (native ``data_type``, ``count`` elements) cannot be charted, or None.

    Parameters
    ----------
    pvname
        The PV's name; a DBR_CHAR array named ``...ArrayData`` is called an image.
    data_type
        The native DBR type the server announced (``ChannelType.DOUBLE``, ...).
    count
        The native element count (1 for a scalar).

    Returns
    -------
    SourceRefusal or None
        None when the PV is a numeric scalar (an enum included).
    """
    if data_type == ChannelType.STRING:
        return SourceRefusal("a string, not a number", "a string")
    if data_type not in NUMERIC_TYPES:
        return SourceRefusal(f"DBR type {data_type.name}, not a number", data_type.name)
    if count > 1:
        if data_type == ChannelType.CHAR:  # a source's type, not a PV of ours
            if pvname.endswith("ArrayData"):
                return SourceRefusal(f"an image ({_elements(count)}), not a number", "an image")
            return SourceRefusal(f"a char array ({_elements(count)}), not a number", "an array")
        return SourceRefusal(f"an array ({_elements(count)}), not a number", "an array")
    return None
