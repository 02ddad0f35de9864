"""Pure logic behind ``chartioc-table``: cells, rows and headers as text; no Channel Access.

A table has a ``seq`` column, a ``time`` column and one column per PV. Every
cell is right-aligned; columns are two spaces apart. Values are formatted as
an EPICS display would show them (:func:`format_value`): floats with the PV's
precision, enums by their strings, followed by the PV's units. Each value
cell has one more character, :data:`MARK` (``*``) after the value of the PV
whose update made the row, a space otherwise: a row whose values look the
same as the row before still shows which PV posted.

:class:`TableFormatter` prints the header before the first row and again
every ``header_every`` rows (50 by default). A column starts as wide as its
PV name or :data:`DISCONNECTED`, whichever is longer; a wider value widens
the column for good and the header is printed again before that row, so that
the columns stay aligned under their names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

__all__ = [
    "DISCONNECTED",
    "HEADER_EVERY",
    "MARK",
    "TableFormatter",
    "format_time",
    "format_value",
]

#: What a cell shows while its PV is not connected.
DISCONNECTED = "<disconnected>"
#: After the value of the PV whose update made the row.
MARK = "*"
#: Rows between two headers.
HEADER_EVERY = 50
#: Largest precision applied (more digits than a double holds mean nothing).
MAX_PRECISION = 17

_SEP = "  "


def format_value(
    value: Any,
    precision: int | None = None,
    units: str = "",
    enum_strings: Sequence[str] = (),
) -> str:
    """One value as an EPICS display shows it, units appended.

    Parameters
    ----------
    value
        A float, int, bool, str (or bytes), or None (no value yet: empty text).
    precision
        Digits after the point for floats (PREC); negative means exponential
        notation with ``-precision`` digits; None means the shortest form (``g``).
    units
        Engineering units (EGU), appended after one space when not empty.
    enum_strings
        The PV's enum strings: an integer value is shown as its string.

    Returns
    -------
    str
        E.g. ``1.250 mm``, ``nan mm``, ``Go``, ``42 counts``.
    """
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if enum_strings and isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < len(enum_strings):
            return enum_strings[value]
        return str(value)
    if isinstance(value, bool):
        text = str(int(value))
    elif isinstance(value, float):
        text = _format_float(value, precision)
    else:
        text = str(value)
    return f"{text} {units}" if units else text


def _format_float(value: float, precision: int | None) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if precision is None:
        return f"{value:g}"
    if precision < 0:
        return f"{value:.{min(-precision, MAX_PRECISION)}e}"
    return f"{value:.{min(precision, MAX_PRECISION)}f}"


def format_time(timestamp: float) -> str:
    """Local wall-clock time of a Unix ``timestamp`` to the millisecond: ``12:03:04.123``."""
    return datetime.fromtimestamp(timestamp).strftime("%H:%M:%S.%f")[:-3]


class TableFormatter:
    """Header and row lines of a live table with one column per PV.

    Parameters
    ----------
    names
        Column titles, one per PV (the PV names).
    header_every
        The header is printed before the first row and again every this many
        rows; 0 prints it once.
    """

    def __init__(self, names: Sequence[str], header_every: int = HEADER_EVERY) -> None:
        if header_every < 0:
            raise ValueError("header_every must be >= 0")
        self.names = list(names)
        self.header_every = header_every
        self.widths = [5, len("00:00:00.000")] + [
            max(len(name), len(DISCONNECTED)) for name in self.names
        ]
        self.rows_printed = 0
        self._rows_since_header: int | None = None  # None: no header printed yet

    def header(self) -> str:
        """The header line with the current column widths."""
        return self._join(["seq", "time", *self.names])

    def lines(
        self, seq: int, timestamp: float, cells: Sequence[str], updated: int | None = None
    ) -> list[str]:
        """The lines to print for one row: the header first when one is due, then the row.

        Parameters
        ----------
        seq
            Row number shown in the ``seq`` column.
        timestamp
            Unix time of the row, shown as local time (:func:`format_time`).
        cells
            The formatted value of every PV column (see :func:`format_value`).
        updated
            Index of the PV column whose update made the row (marked with
            :data:`MARK`); None marks none.
        """
        if len(cells) != len(self.names):
            raise ValueError(f"{len(cells)} cells for {len(self.names)} columns")
        texts = [str(seq), format_time(timestamp), *cells]
        widened = False
        for i, text in enumerate(texts):
            if len(text) > self.widths[i]:
                self.widths[i] = len(text)
                widened = True
        out = []
        due = self._rows_since_header is None or (
            self.header_every > 0 and self._rows_since_header >= self.header_every
        )
        if due or widened:
            out.append(self.header())
            self._rows_since_header = 0
        marks = ["" for _ in cells]
        if updated is not None:
            marks[updated] = MARK
        out.append(self._join(texts, marks))
        self._rows_since_header = (self._rows_since_header or 0) + 1
        self.rows_printed += 1
        return out

    def _join(self, texts: Sequence[str], marks: Sequence[str] | None = None) -> str:
        # seq right-aligned, time left-aligned (fixed width anyway), values right-aligned,
        # each followed by its one-character mark slot
        marks = marks if marks is not None else ["" for _ in texts[2:]]
        parts = [f"{texts[0]:>{self.widths[0]}}", f"{texts[1]:<{self.widths[1]}}"]
        parts += [
            f"{t:>{w}}{m:<1}" for t, w, m in zip(texts[2:], self.widths[2:], marks, strict=True)
        ]
        return _SEP.join(parts).rstrip()
