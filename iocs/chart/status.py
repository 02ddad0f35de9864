"""The chart IOC's status, in two lengths. Pure logic, no CA.

``Status_RBV`` is a DBR_STRING: 39 characters. ``StatusMessage_RBV`` is a
char waveform (areaDetector's name for the same idea) that carries the
whole message. :func:`compose_status` builds both from a
:class:`StatusInputs`.

The long message lists every state that applies, most pressing first,
separated by ``"; "``::

    <last refused setting>; <configuration problem>; DISCONNECTED: <PVs>;
    not found: <PVs>; <PV>: <why it is not a number>; connecting: <PVs>; paused

or, when none applies, ``OK: n/m inputs`` (``OK: n/m reconnected HH:MM:SS,
gap N s`` for 5 minutes after an outage). The short status is the first of
these states, fitted into 39 characters without cutting a name in two: full
PV names if they fit, else the names without their prefix (``motor.RBV``,
as the chart's legend shows them), else a count (``DISCONNECTED: 2 PVs (see
StatusMessage)``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from chartioc.client.ca.limits import MAX_STRING
from chartioc.iocs.chart.model import label

__all__ = [
    "MESSAGE_LENGTH",
    "RECONNECTED_SHOWN",
    "Status",
    "StatusInputs",
    "compose_status",
    "fit_text",
    "unusable_summary",
]

#: Characters StatusMessage_RBV holds (six 39-character sources with reasons fit easily).
MESSAGE_LENGTH = 1024
#: Seconds the OK status tells of the last outage.
RECONNECTED_SHOWN = 300.0
_SEE = " (see StatusMessage)"
_SEPARATOR = "; "


@dataclass(frozen=True)
class Status:
    """``short`` for Status_RBV (at most 39 characters), ``long`` for StatusMessage_RBV."""

    short: str
    long: str


@dataclass(frozen=True)
class StatusInputs:
    """Everything the status is made of.

    Attributes
    ----------
    connected, total
        Usable sources connected, sources configured.
    error, error_short
        The last refused setting (shown until the next accepted one), and a
        39-character form of it ('' lets :func:`fit_text` shorten it).
    problem
        Why the configuration cannot draw (``xy needs X and Y1``), or ''.
    disconnected
        Sources that were connected and are lost.
    not_found
        Sources that never connected within the search time.
    connecting
        Sources still within the search time.
    unusable
        Source name -> (reason, brief reason): connected, and not a number.
    paused
        Drawing is paused.
    outage
        (lost, back) of the latest outage of a source (epoch s), or None.
    now
        The time (epoch s) the status is for.
    """

    connected: int = 0
    total: int = 0
    error: str = ""
    error_short: str = ""
    problem: str = ""
    disconnected: Sequence[str] = ()
    not_found: Sequence[str] = ()
    connecting: Sequence[str] = ()
    unusable: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    paused: bool = False
    outage: tuple[float, float] | None = None
    now: float = 0.0


def fit_text(text: str, limit: int = MAX_STRING) -> str:
    """``text`` if it fits in ``limit`` characters, else cut at a space and ended with '...'."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 3]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "..."


def _names(head: str, names: Sequence[str], limit: int) -> str:
    """``head: A B`` with full names, else labels, else a count, within ``limit``."""
    for form in (" ".join(names), " ".join(label(n) for n in names)):
        if len(head) + 2 + len(form) <= limit:
            return f"{head}: {form}"
    count = f"{head}: {len(names)} PV{'s' if len(names) != 1 else ''}"
    return count + _SEE if len(count + _SEE) <= limit else fit_text(count, limit)


def unusable_summary(unusable: Mapping[str, tuple[str, str]], limit: int = MAX_STRING) -> str:
    """Sources that are not numbers (name -> (reason, brief)), within ``limit`` characters.

    One source: ``BEAMLINE:motor.EGU: a string, not a number`` if it fits, else
    the name without its prefix (``motor.EGU: ...``), else the brief reason
    (``AxesPx_RBV: an array, not a number``, ``AxesPx_RBV: an array``).
    """
    items = list(unusable.items())
    if len(items) == 1:
        name, (reason, brief) = items[0]
        short = label(name)
        forms = (f"{name}: {reason}", f"{short}: {reason}", f"{short}: {brief}, not a number")
        for text in (*forms, f"{short}: {brief}"):
            if len(text) <= limit:
                return text
        return fit_text(f"{label(name)}: {brief}", limit)
    text = ", ".join(f"{label(n)}: {brief}" for n, (_, brief) in items)
    if len(text) <= limit:
        return text
    count = f"{len(items)} PVs not numbers"
    return count + _SEE if len(count + _SEE) <= limit else fit_text(count, limit)


def _ok(inputs: StatusInputs) -> tuple[str, str]:
    text = f"OK: {inputs.connected}/{inputs.total} inputs"
    if inputs.outage is None:
        return text, text
    lost, back = inputs.outage
    if inputs.now - back >= RECONNECTED_SHOWN:
        return text, text
    gap = back - lost
    clock = time.strftime("%H:%M:%S", time.localtime(back))
    text = f"OK: {inputs.connected}/{inputs.total} reconnected {clock}"
    gap_text = f", gap {gap:.0f} s" if gap < 99.5 else f", gap {gap / 60:.0f} min"
    short = text + gap_text if len(text + gap_text) <= MAX_STRING else text
    return fit_text(short), text + gap_text


def compose_status(inputs: StatusInputs) -> Status:
    """The short and the long status of ``inputs`` (see the module docstring)."""
    parts: list[tuple[str, str]] = []  # (short, long) of each state, most pressing first
    if inputs.error:
        parts.append((inputs.error_short or fit_text(inputs.error), inputs.error))
    if inputs.problem:
        parts.append((fit_text(inputs.problem), inputs.problem))
    for head, names in (
        ("DISCONNECTED", inputs.disconnected),
        ("not found", inputs.not_found),
    ):
        if names:
            parts.append((_names(head, names, MAX_STRING), f"{head}: {' '.join(names)}"))
    if inputs.unusable:
        long = _SEPARATOR.join(f"{n}: {reason}" for n, (reason, _) in inputs.unusable.items())
        parts.append((unusable_summary(inputs.unusable), long))
    if inputs.connecting:
        names = inputs.connecting
        parts.append((_names("connecting", names, MAX_STRING), f"connecting: {' '.join(names)}"))
    if inputs.paused:
        parts.append(("paused", "paused"))
    if not parts:
        parts.append(_ok(inputs))
    long = _SEPARATOR.join(text for _, text in parts)
    return Status(short=parts[0][0], long=fit_text(long, MESSAGE_LENGTH - 1))
