"""The charts file of ``chartioc-chart --config charts.toml``: many charts, one IOC. Pure logic.

Each ``[charts.NAME]`` table is one chart, served under ``{prefix}NAME:``;
its keys start from :data:`~chartioc.iocs.chart.settings.DEFAULTS` and are
applied with :meth:`ChartConfig.with_ <chartioc.iocs.chart.config.ChartConfig.with_>`::

    [charts.scan]
    kind = "xy"                  # strip, xy, map or grid
    x = "BEAMLINE:m1.RBV"
    y = ["BEAMLINE:det"]         # 1..4 PV names, or one string
    fit = "gaussian"             # off or gaussian (or the PV words Off, Gaussian)

A file that cannot be used raises :class:`ChartFileError`, one line naming
the file, the line and the key: ``charts.toml:7: charts.scan.width: ...``.
A chart that is valid but cannot draw yet (an xy chart without X) is not an
error: the IOC shows it in the chart's status.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chartioc.client.ca.limits import MAX_STRING
from chartioc.iocs.chart.config import (
    FIT_MODES,
    LIMITS,
    MAX_Y,
    SAMPLE_MODES,
    ChartConfig,
    ConfigError,
)
from chartioc.iocs.chart.model import CHART_KINDS
from chartioc.iocs.chart.settings import DEFAULTS, FIT_CHOICES, SAMPLE_CHOICES, source_name
from chartioc.iocs.chart.toml_lines import dotted, find_line, key_lines

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["CHART_KEYS", "ChartFileError", "ChartsFile", "load_charts", "parse_charts"]

#: The keys of a ``[charts.NAME]`` table, in the order the docs list them.
CHART_KEYS = (
    "kind",
    "x",
    "y",
    "z",
    "window",
    "width",
    "height",
    "max_rate",
    "title",
    "sample",
    "fit",
    "colormap",
    "color_limits",
)
#: A chart name is part of its PV prefix, ``{prefix}NAME:``.
_NAME = re.compile(r"[A-Za-z0-9_-]{1,20}")
_NAME_RULE = "1..20 characters of A-Z a-z 0-9 _ -"
#: Numeric keys: what they are, and whether they are whole numbers.
_NUMBERS = {
    "window": ("a number of seconds", False),
    "width": ("a whole number of pixels", True),
    "height": ("a whole number of pixels", True),
    "max_rate": ("a rate in Hz", False),
}
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")
_EXAMPLE_PV = "BEAMLINE:det"


class ChartFileError(ValueError):
    """A charts file that cannot be used.

    Parameters
    ----------
    path
        The file, as given.
    reason
        What is wrong and what was expected.
    line
        Line number (from 1), None if unknown.
    key
        Key path in the file, e.g. ``("charts", "scan", "width")``; empty if none.
    """

    def __init__(
        self, path: str, reason: str, line: int | None = None, key: Sequence[str] = ()
    ) -> None:
        self.path = path
        self.reason = " ".join(reason.splitlines())  # one line, whatever the parts held
        self.line = line
        self.key = tuple(key)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        key = f" {dotted(self.key)}:" if self.key else ""
        return f"{where}:{key} {self.reason}"


@dataclass(frozen=True)
class ChartsFile:
    """The charts of one file, by name, in the order of the file."""

    path: str
    charts: dict[str, ChartConfig]


class _RefusedError(Exception):
    """A refused value of one key: the reason, before the file and line are known."""


def load_charts(path: str | os.PathLike[str]) -> ChartsFile:
    """Read and check the charts file ``path``; raises :class:`ChartFileError`."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as file:
            data = file.read()
    except OSError as err:
        raise ChartFileError(name, f"cannot read: {err.strerror or err}") from None
    try:
        text = data.decode("utf-8-sig")  # a byte order mark is not an error
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        byte = f"byte 0x{data[err.start]:02x}"
        raise ChartFileError(
            name, f"not UTF-8 text ({byte}), expected a UTF-8 file", line
        ) from None
    return parse_charts(text, name)


def parse_charts(text: str, path: str = "<config>") -> ChartsFile:
    """Check the TOML ``text`` of a charts file; ``path`` names it in messages.

    Raises
    ------
    ChartFileError
        The first problem found, with its line and key path.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _syntax_error(text, path, str(err)) from None

    def error(key: Sequence[str], reason: str) -> ChartFileError:
        return ChartFileError(path, reason, find_line(text, key), key)

    for key in data:
        if key != "charts":
            raise error((key,), "unknown top-level key, expected only [charts.NAME] tables")
    if "charts" not in data:
        raise ChartFileError(
            path, "no [charts.NAME] table, expected at least one, e.g. [charts.scan]"
        )
    tables = data["charts"]
    if not isinstance(tables, dict):
        raise error(("charts",), f"expected [charts.NAME] tables, got {_got(tables)}")
    if not tables:
        raise error(("charts",), "no charts, expected at least one [charts.NAME] table")
    charts: dict[str, ChartConfig] = {}
    names: dict[str, str] = {}  # lower case -> as written
    for name, table in tables.items():
        key = ("charts", name)
        if not _NAME.fullmatch(name):
            raise error(
                key, f"bad chart name {_got(name)}, expected {_NAME_RULE} (for {{prefix}}NAME:)"
            )
        first = names.setdefault(name.lower(), name)
        if first != name:
            at = find_line(text, ("charts", first))
            seen = f"chart {first!r}" + (f" (line {at})" if at else "")
            raise error(key, f"same name as {seen} but for case, expected names that differ")
        if not isinstance(table, dict):
            raise error(key, f"expected a table [{dotted(key)}], got {_got(table)}")
        config = DEFAULTS
        for option, value in table.items():
            try:
                config = config.with_(**_changes(option, value))
            except _RefusedError as refused:
                raise error((*key, option), str(refused)) from None
            except ConfigError as refused:
                raise error((*key, option), f"{refused}{_hint(option)}") from None
        charts[name] = config
    return ChartsFile(path=path, charts=charts)


def _syntax_error(text: str, path: str, message: str) -> ChartFileError:
    """A one-line :class:`ChartFileError` of a ``tomllib`` message."""
    position = _TOML_POSITION.search(message)
    reason = message[: position.start()] if position else message
    line: int | None = None
    if position and position.group(1):
        line = int(position.group(1))
        reason += f" (column {position.group(2)})"
    elif position:
        line = max(len(text.splitlines()), 1)
        reason += " (at the end of the file)"
    key = _key_at(text, line)
    if reason.startswith("Cannot declare") and key:
        first = find_line(text, key)
        seen = f" (first on line {first})" if first and first != line else ""
        return ChartFileError(
            path, f"table declared twice{seen}, expected one [{dotted(key)}] table", line, key
        )
    if reason.startswith("Cannot overwrite a value") and key:
        return ChartFileError(path, "key given twice, expected each key once", line, key)
    return ChartFileError(path, f"invalid TOML: {reason}", line)


def _key_at(text: str, line: int | None) -> tuple[str, ...]:
    """The key path given on ``line`` of ``text``, or ()."""
    for number, key, _header in key_lines(text):
        if number == line:
            return key
    return ()


def _changes(option: str, value: object) -> dict[str, Any]:
    """The :meth:`ChartConfig.with_` keyword arguments of one key of a chart table."""
    convert = _CONVERTERS.get(option)
    if convert is None:
        near = difflib.get_close_matches(option, CHART_KEYS, n=1)
        expected = f"did you mean {near[0]!r}?" if near else f"expected {', '.join(CHART_KEYS)}"
        raise _RefusedError(f"unknown key {option!r}, {expected}")
    return convert(option, value)


def _kind(option: str, value: object) -> dict[str, Any]:
    return {"kind": _word(value, CHART_KINDS)}


def _sample(option: str, value: object) -> dict[str, Any]:
    return {"sample": _word(value, SAMPLE_MODES, SAMPLE_CHOICES)}


def _fit(option: str, value: object) -> dict[str, Any]:
    return {"fit": _word(value, FIT_MODES, FIT_CHOICES)}


def _word(value: object, modes: Sequence[str], choices: Sequence[str] = ()) -> str:
    """The mode named by ``value``, in any case: a mode (``rest``) or its PV word (``At rest``).

    ``choices`` are the enum strings of the PV, in the order of ``modes``.
    """
    words = {m: m for m in modes} | {c.lower(): modes[i] for i, c in enumerate(choices)}
    if isinstance(value, str) and value.strip().lower() in words:
        return words[value.strip().lower()]
    spellings = [f'"{w}"' for w in (*modes, *choices)]
    expected = f"{', '.join(spellings[:-1])} or {spellings[-1]}"
    raise _RefusedError(f"expected {expected} (any case), got {_got(value)}")


def _source(option: str, value: object) -> dict[str, Any]:
    """X or Z: one PV name, or '' for none."""
    if not isinstance(value, str):
        raise _RefusedError(f"expected a PV name such as {_EXAMPLE_PV!r}, got {_got(value)}")
    return {option: _pv_name(value, option.upper(), empty_ok=True)}


def _ys(option: str, value: object) -> dict[str, Any]:
    """Y: 1..4 PV names, or one string."""
    if isinstance(value, str):
        return {"ys": (_pv_name(value, "Y1", empty_ok=True),) if value.strip() else ()}
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_Y:
        raise _RefusedError(
            f"expected a list of 1..{MAX_Y} PV names such as [{_EXAMPLE_PV!r}], got {_got(value)}"
        )
    ys = []
    for slot, name in enumerate(value, start=1):
        if not isinstance(name, str):
            raise _RefusedError(f"Y{slot}: expected a PV name (a string), got {_got(name)}")
        ys.append(_pv_name(name, f"Y{slot}", empty_ok=False))
    return {"ys": tuple(ys)}


def _pv_name(value: str, label: str, empty_ok: bool) -> str:
    """A PV name without the blanks around it; refused if it cannot be a CA name."""
    name = value.strip()
    if not name and not empty_ok:
        raise _RefusedError(f"{label}: empty PV name, expected a PV name such as {_EXAMPLE_PV!r}")
    bad = next((c for c in name if not 33 <= ord(c) <= 126 and not c.isspace()), None)
    if bad is not None:
        raise _RefusedError(
            f"{label}: PV name {_got(value)} holds {bad!r}, expected printable ASCII characters"
        )
    try:
        name = source_name(name)
    except ConfigError:
        raise _RefusedError(
            f"{label}: PV name {_got(value)} holds a blank, expected none"
        ) from None
    if len(name) > MAX_STRING:
        raise _RefusedError(
            f"{label}: PV name of {len(name)} characters, expected at most {MAX_STRING}"
        )
    return name


def _number(option: str, value: object) -> dict[str, Any]:
    """window, width, height, max_rate: a number inside :data:`LIMITS`."""
    what, whole = _NUMBERS[option]
    low, high = LIMITS[option]
    expected = f"expected {what} {low:g}..{high:g}, got {_got(value)}"
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        raise _RefusedError(expected)
    if not low <= value <= high:  # nan too
        raise _RefusedError(expected)
    return {option: value}


def _title(option: str, value: object) -> dict[str, Any]:
    if not isinstance(value, str):
        raise _RefusedError(f"expected a string, got {_got(value)}")
    if len(value) > MAX_STRING:
        raise _RefusedError(f"title of {len(value)} characters, expected at most {MAX_STRING}")
    return {"title": value}


def _colormap(option: str, value: object) -> dict[str, Any]:
    if not isinstance(value, str):
        raise _RefusedError(f"expected a colormap name such as 'viridis', got {_got(value)}")
    return {"colormap": value}


def _color_limits(option: str, value: object) -> dict[str, Any]:
    """``[low, high]``; equal follow the data; reversed ends are swapped, as on the PVs."""
    expected = "expected two finite numbers [low, high] (equal: follow the data)"
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)
    ):
        raise _RefusedError(f"{expected}, got {_got(value)}")
    low, high = value
    if not (math.isfinite(low) and math.isfinite(high)):
        raise _RefusedError(f"{expected}, got {_got(value)}")
    return {"color_low": float(low), "color_high": float(high)}


def _hint(option: str) -> str:
    """What was expected, after a :class:`ConfigError` message."""
    return ", expected a matplotlib colormap name such as viridis" if option == "colormap" else ""


_CONVERTERS: dict[str, Callable[[str, object], dict[str, Any]]] = {
    "kind": _kind,
    "x": _source,
    "y": _ys,
    "z": _source,
    "window": _number,
    "width": _number,
    "height": _number,
    "max_rate": _number,
    "title": _title,
    "sample": _sample,
    "fit": _fit,
    "colormap": _colormap,
    "color_limits": _color_limits,
}


def _got(value: object) -> str:
    """A value as the file would write it, short: ``'wide'``, ``true``, ``an array``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return "an array of tables"
        text = repr(value)
        return text if len(text) <= 50 else f"an array of {len(value)}"
    text = repr(value)
    return text if len(text) <= 50 else text[:46] + "...'"
