"""What a write to a chart setting means, before the chart is configured. Pure logic, no CA.

The setting PVs (:mod:`~chartioc.iocs.chart.settings_group`) hand every
written value to the chart IOC through these: enum indexes checked and
turned into modes, source names cleaned, one Y slot set among the others.
"""

from __future__ import annotations

from collections.abc import Sequence

from chartioc.iocs.chart.engine import ChartConfig, ConfigError

__all__ = [
    "DEFAULTS",
    "FIT_CHOICES",
    "PAUSE_CHOICES",
    "SAMPLE_CHOICES",
    "check_choice",
    "choice_of",
    "mode_of",
    "source_name",
    "with_slot",
]

#: One place for the default settings: the PVs and the command line start from it.
DEFAULTS = ChartConfig()
#: Enum strings of ``Sample`` and ``Fit``, in the order of SAMPLE_MODES and FIT_MODES.
SAMPLE_CHOICES = ("Each update", "At rest")
FIT_CHOICES = ("Off", "Gaussian")
#: Enum strings of ``Pause``.
PAUSE_CHOICES = ("Run", "Pause")


def check_choice(label: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``; raises :class:`ConfigError` otherwise.

    caproto hands an enum index past the last string through to the putter
    as an int, and a stored bad index breaks every later read of the PV.
    """
    if isinstance(value, str) and value in choices:
        return value
    raise ConfigError(f"{label} index {value} not in 0..{len(choices) - 1}")


def mode_of(choice: str, choices: Sequence[str], modes: Sequence[str]) -> str:
    """The mode (``rest``) of an enum string (``At rest``), both lists in the same order."""
    return modes[list(choices).index(choice)]


def choice_of(mode: str, choices: Sequence[str], modes: Sequence[str]) -> str:
    """The enum string (``At rest``) of a mode (``rest``): the inverse of :func:`mode_of`."""
    return choices[list(modes).index(mode)]


def source_name(value: str) -> str:
    """A written source name without the blanks around it; refused if it holds a space."""
    name = value.strip()
    if any(c.isspace() for c in name):
        raise ConfigError("source PV names have no spaces")
    return name


def with_slot(ys: Sequence[str], slot: int, name: str) -> tuple[str, ...]:
    """The Y sources ``ys`` with slot ``slot`` (0 for Y1) set to ``name``; no blanks at the end.

    Computed from the engine's current sources at the time of the change, so
    that concurrent writes to Y1..Y4 do not undo each other.
    """
    if slot < 0:
        raise ValueError(f"Y slot {slot} < 0")
    padded = [*ys, *[""] * (slot + 1 - len(ys))]
    padded[slot] = name
    while padded and not padded[-1]:
        padded.pop()
    return tuple(padded)
