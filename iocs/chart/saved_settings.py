"""What the chart IOC's autosave file holds, and how it goes back into the charts. Pure logic.

The file is caproto's autosave format (``caproto.server.autosave``): a JSON
object ``{PV name: {"value": ..., "fields": {}}}`` holding every setting of
:data:`SAVED_SETTINGS` of every chart. At start the values are checked like
a ``caput`` (:meth:`~chartioc.iocs.chart.config.ChartConfig.with_`) and laid
over the configuration's: a value that does not fit is reported and the
configuration's kept; a PV of a chart the configuration no longer has is
reported and ignored. Nothing here raises for what a file holds except
:func:`parse_saved` (a file that is no autosave file at all).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chartioc.client.ca.limits import MAX_STRING
from chartioc.iocs.chart.codecs import CODECS
from chartioc.iocs.chart.config import FIT_MODES, SAMPLE_MODES, ChartConfig, ConfigError
from chartioc.iocs.chart.model import CHART_KINDS
from chartioc.iocs.chart.settings import (
    FIT_CHOICES,
    PAUSE_CHOICES,
    SAMPLE_CHOICES,
    mode_of,
    source_name,
    with_slot,
)

__all__ = [
    "SAVED_SETTINGS",
    "Note",
    "Restored",
    "SavedFileError",
    "apply_saved",
    "parse_saved",
]

#: The settings autosave keeps, by PV name (under each chart's prefix).
SAVED_SETTINGS = (
    "Kind",
    "X",
    "Y1",
    "Y2",
    "Y3",
    "Y4",
    "Z",
    "Window",
    "Width",
    "Height",
    "MaxRate",
    "Title",
    "Sample",
    "Fit",
    "Colormap",
    "ColorLow",
    "ColorHigh",
    "Pause",
    "Codec",
    "CodecQuality",
)
_NUMBERS = {
    "Window": "window",
    "Width": "width",
    "Height": "height",
    "MaxRate": "max_rate",
    "ColorLow": "color_low",
    "ColorHigh": "color_high",
}
_ENUMS = {
    "Kind": CHART_KINDS,
    "Sample": SAMPLE_CHOICES,
    "Fit": FIT_CHOICES,
    "Pause": PAUSE_CHOICES,
    "Codec": CODECS,
}
_MODES = {
    "Sample": ("sample", SAMPLE_CHOICES, SAMPLE_MODES),
    "Fit": ("fit", FIT_CHOICES, FIT_MODES),
}


class SavedFileError(ValueError):
    """The text is no autosave file (truncated, not JSON, not an object of PVs)."""


@dataclass(frozen=True)
class Note:
    """One thing to report about the restore: ``text`` in full, ``short`` for a DBR_STRING."""

    text: str
    short: str
    problem: bool = False  #: the IOC status says so (not only the log and the message)


@dataclass(frozen=True)
class Restored:
    """The charts' settings after the restore, their ``Pause``, and what to report."""

    charts: dict[str, ChartConfig]
    paused: dict[str, bool] = field(default_factory=dict)
    #: chart -> its pvAccess image settings the file gave (``Codec``, ``CodecQuality``)
    codecs: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    #: chart -> the settings the file gave it
    settings: dict[str, tuple[str, ...]] = field(default_factory=dict)


def parse_saved(text: str) -> dict[str, Any]:
    """The PV -> value map of an autosave file's text; raises :class:`SavedFileError`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as ex:
        raise SavedFileError(
            f"not JSON ({ex.msg} at line {ex.lineno}, column {ex.colno})"
        ) from None
    if not isinstance(data, dict):
        raise SavedFileError(f"not a JSON object of PVs but {type(data).__name__}")
    values = {}
    for pvname, entry in data.items():
        if not isinstance(entry, dict) or "value" not in entry:
            raise SavedFileError(f'{pvname[:60]}: no {{"value": ...}}')
        values[pvname] = entry["value"]
    return values


def _locate(pvname: str, prefixes: Mapping[str, str]) -> tuple[str, str] | None:
    """(chart, setting) of a saved PV name: the longest chart prefix it has."""
    best = None
    for chart, prefix in prefixes.items():
        rest = pvname[len(prefix) :]
        longer = best is None or len(prefix) > len(prefixes[best[0]])
        if pvname.startswith(prefix) and rest in SAVED_SETTINGS and longer:
            best = (chart, rest)
    return best


def _enum_string(setting: str, value: Any) -> Any:
    """An enum setting saved as its index (caproto keeps a ``caput`` by index as written)
    as its string; any other value as it is."""
    choices = _ENUMS.get(setting)
    if choices is None or isinstance(value, bool) or not isinstance(value, int):
        return value
    if not 0 <= value < len(choices):
        raise ConfigError(f"{setting} index {value} not in 0..{len(choices) - 1}")
    return choices[value]


def _change(config: ChartConfig, setting: str, value: Any) -> ChartConfig:
    """``config`` with one saved setting; raises :class:`ConfigError` for a bad value."""
    if setting in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{setting} must be a number")
        return config.with_(**{_NUMBERS[setting]: value})
    value = _enum_string(setting, value)
    if not isinstance(value, str):
        raise ConfigError(f"{setting} must be a string")
    if setting == "Kind":
        if value not in CHART_KINDS:
            raise ConfigError(f"Kind must be one of {', '.join(CHART_KINDS)}")
        return config.with_(kind=value)
    if setting in _MODES:
        key, choices, modes = _MODES[setting]
        if value not in choices:
            raise ConfigError(f"{setting} must be one of {', '.join(choices)}")
        return config.with_(**{key: mode_of(value, choices, modes)})
    if setting in ("X", "Z"):
        return config.with_(**{setting.lower(): source_name(value)})
    if setting.startswith("Y"):
        return config.with_(ys=with_slot(config.ys, int(setting[1:]) - 1, source_name(value)))
    if setting == "Colormap":
        return config.with_(colormap=value.strip())
    return config.with_(title=value)


def _codec_setting(setting: str, value: Any) -> Any:
    """A saved ``Codec`` (a choice) or ``CodecQuality`` (1..100), checked as a caput is."""
    if setting == "Codec":
        value = _enum_string(setting, value)
        if value not in CODECS:
            raise ConfigError(f"Codec must be one of {', '.join(CODECS)}")
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise ConfigError("CodecQuality must be a whole number 1..100")
    return value


def apply_saved(
    values: Mapping[str, Any],
    prefixes: Mapping[str, str],
    charts: Mapping[str, ChartConfig],
) -> Restored:
    """Lay the saved ``values`` (from :func:`parse_saved`) over the charts' settings.

    Parameters
    ----------
    values
        Saved PV name -> value.
    prefixes
        Chart name -> the chart's full PV prefix.
    charts
        Chart name -> its settings from the command line or the configuration file.
    """
    configs = dict(charts)
    paused: dict[str, bool] = {}
    codecs: dict[str, dict[str, Any]] = {}
    notes: list[Note] = []
    restored: dict[str, list[str]] = {}
    # Y slots in order, so that Y2 saved before Y1 still lands in slot 2
    ordered = sorted(values.items(), key=lambda item: item[0])
    for pvname, value in ordered:
        where = _locate(pvname, prefixes)
        if where is None:
            notes.append(
                Note(
                    f"autosave: {pvname} is no setting of a configured chart; ignored",
                    "autosave: unknown PV ignored",
                )
            )
            continue
        chart, setting = where
        try:
            if setting == "Pause":
                value = _enum_string(setting, value)
                if value not in PAUSE_CHOICES:
                    raise ConfigError(f"Pause must be one of {', '.join(PAUSE_CHOICES)}")
                paused[chart] = value == PAUSE_CHOICES[1]
            elif setting in ("Codec", "CodecQuality"):
                codecs.setdefault(chart, {})[setting] = _codec_setting(setting, value)
            else:
                configs[chart] = _change(configs[chart], setting, value)
        except ConfigError as ex:
            shown = repr(value)[:MAX_STRING]
            notes.append(
                Note(
                    f"autosave: {pvname} = {shown} refused ({ex}); the configured value kept",
                    "autosave: a saved value refused",
                    problem=True,
                )
            )
            continue
        restored.setdefault(chart, []).append(setting)
    return Restored(
        charts=configs,
        paused=paused,
        codecs=codecs,
        notes=tuple(notes),
        settings={chart: tuple(names) for chart, names in restored.items()},
    )
