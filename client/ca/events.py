"""What a :class:`~chartioc.client.ca.monitor.PVMonitor` hands its listeners, and how.

:class:`ValueUpdate` (a value with the server's time stamp) and
:class:`ConnectionChange` (with the PV's :class:`NativeType` on a connection)
are the :data:`Event` s; :func:`call_listeners` gives one to every listener,
plain or async, in turn.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import caproto as ca

__all__ = [
    "ConnectionChange",
    "Event",
    "Listener",
    "NativeType",
    "ValueUpdate",
    "call_listeners",
    "native_type",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValueUpdate:
    """A monitor update: ``value`` as posted by the server at ``timestamp`` (epoch s)."""

    pvname: str
    value: Any
    timestamp: float
    severity: int = 0


@dataclass(frozen=True)
class NativeType:
    """What the server says a PV is, at connection: its native DBR type and element count.

    ``count`` is the most elements the PV can hold (a waveform's NELM, an
    image's largest frame), 1 for a scalar.
    """

    data_type: ca.ChannelType
    count: int

    def __str__(self) -> str:
        return f"DBR_{self.data_type.name} x {self.count}"


@dataclass(frozen=True)
class ConnectionChange:
    """A PV connected or disconnected; ``timestamp`` is the local time it was seen.

    For a reconnection, ``down_since`` is when the PV was lost (local epoch
    seconds): no data arrived from then until ``timestamp``. On a connection,
    ``native`` is the PV's native type (None if the server did not say).
    """

    pvname: str
    connected: bool
    timestamp: float
    down_since: float | None = None
    native: NativeType | None = None


Event = ValueUpdate | ConnectionChange
Listener = Callable[[Event], Awaitable[None] | None]


def native_type(pv: Any) -> NativeType | None:
    """The native type and count a connected caproto PV's channel was created with."""
    channel = getattr(pv, "channel", None)
    data_type = getattr(channel, "native_data_type", None)
    count = getattr(channel, "native_data_count", None)
    if data_type is None or count is None:
        return None
    try:
        return NativeType(ca.ChannelType(data_type), int(count))
    except (TypeError, ValueError):
        return None


async def call_listeners(listeners: list[Listener], event: Event) -> None:
    """Call each listener with ``event`` in turn (awaiting coroutines); one that fails is logged."""
    for listener in list(listeners):
        try:
            result = listener(event)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("listener failed on %r", event)
