"""Monitor scalar PVs over caproto's asyncio client, in the caller's event loop.

:class:`PVMonitor` subscribes any scalar PVs and delivers typed events, in
order, to async or plain listeners: :class:`ValueUpdate` (value with the
server's time stamp) and :class:`ConnectionChange`. It reads units and
precision on every (re)connection. It never blocks the loop.

Any PV may be given, whatever its type: a monitor never interprets values
(strings stay strings) and never raises or logs a traceback for one. Each
connection reports the PV's :class:`NativeType` (its native DBR type and
element count, as the server announced them), so that a user such as the
chart IOC can decide whether a PV is a number. Only the first element of
an array is subscribed and read (``data_count=1``): following an image PV
by mistake costs one byte per update, not the whole frame.

The parts, each in a module of its own: the events (``events.py``), plain
values and metadata from CA payloads (``payloads.py``), the channels and
subscriptions, whose caproto callbacks only queue for one dispatcher task
(``channels.py``), each PV's connection state and outages
(``connection_states.py``), the owners who share the PVs (``owners.py``),
the repeated searches for lost PVs and the watchdog for those caproto drops
silently (``reconnect.py``), the context with caproto's fix
(``context.py``). Here: the tables of each PV's state, kept from the queued
events one at a time, which then go to the listeners.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Hashable, Iterable
from typing import Any

from caproto.asyncio.client import Context

from chartioc.client.ca.channels import Channels, Connected, Queued
from chartioc.client.ca.connection_states import ConnectionStates
from chartioc.client.ca.context import ChannelCount, MonitorContext, channel_counts
from chartioc.client.ca.events import (
    ConnectionChange,
    Event,
    Listener,
    NativeType,
    ValueUpdate,
    call_listeners,
)
from chartioc.client.ca.owners import Owners
from chartioc.client.ca.payloads import Metadata
from chartioc.client.ca.reconnect import (
    RESEARCH_PERIOD,
    RESEARCH_WINDOW,
    WATCH_PERIOD,
    Reconnector,
)

__all__ = [
    "RESEARCH_PERIOD",
    "RESEARCH_WINDOW",
    "WATCH_PERIOD",
    "ChannelCount",
    "ConnectionChange",
    "Event",
    "Listener",
    "Metadata",
    "NativeType",
    "PVMonitor",
    "ValueUpdate",
    "call_listeners",
]

log = logging.getLogger(__name__)


class PVMonitor:
    """Subscribe scalar PVs and deliver ordered, typed events to listeners.

    Parameters
    ----------
    context
        A caproto asyncio ``Context`` to share; one is created (and closed by
        :meth:`close`) when not given. The one created here carries the fix of
        :class:`~chartioc.client.ca.context.MonitorContext`; a plain caproto
        ``Context`` passed in does not.
    timeout
        Default timeout in seconds for reads and writes.
    research_period
        Seconds between repeated searches for a PV that was connected and was
        lost (for the first :data:`RESEARCH_WINDOW` seconds of the outage);
        None leaves reconnection to caproto's back-off alone.
    values_only
        Subscribe with the value event mask only (``DBE_VALUE``): alarm-only
        events (a severity change with the same value) are not delivered, so
        :attr:`updates_received` counts value updates. Default: value and
        alarm events, as ``camonitor`` subscribes.

    Sharing: several users (the chart IOC's sources and its
    :class:`~chartioc.client.ca.motors.Motors`) may follow PVs through one
    monitor, each as an ``owner`` of :meth:`add` and :meth:`remove`. A PV has
    one channel and one subscription however many owners follow it, and is
    dropped when its last owner removes it.

    Attributes
    ----------
    connected
        Connection state of every followed PV.
    metadata
        Units, precision and control limits read at the last connection.
    native
        Native DBR type and element count of each PV at its last connection.
    latest
        The newest :class:`ValueUpdate` of each PV.
    down_since
        When each PV that is down now was lost (local epoch s); PVs that never
        connected are not in it.
    outages
        The last completed outage of each PV: (lost, back), local epoch s.
    """

    def __init__(
        self,
        context: Context | None = None,
        *,
        timeout: float = 5.0,
        research_period: float | None = RESEARCH_PERIOD,
        values_only: bool = False,
    ) -> None:
        self._own_context = context is None
        self._context = context
        self._channels = Channels(timeout, values_only=values_only)
        self._pvs = self._channels.pvs  # the followed PVs and their subscriptions (the same
        self._subs = self._channels.subs  # tables as the channels')
        self._states = ConnectionStates()
        self._reconnector = Reconnector(self._channels, self._states, research_period)
        self._owners = Owners()  # who follows each PV (see add)
        self._changing = asyncio.Lock()  # one add or drop at a time: one subscription per PV
        self._listeners: list[Listener] = []
        self.connected = self._states.connected
        self.metadata: dict[str, Metadata] = {}
        self.native: dict[str, NativeType] = {}
        self.latest: dict[str, ValueUpdate] = {}
        self.down_since = self._states.down_since
        self.outages = self._states.outages
        self.updates_received = 0

    @property
    def context(self) -> Context:
        """The caproto context (created on first use)."""
        if self._context is None:
            self._context = MonitorContext()
        return self._context

    @property
    def timeout(self) -> float:
        """Default timeout in seconds for reads and writes (metadata reads too)."""
        return self._channels.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self._channels.timeout = seconds

    @property
    def research_period(self) -> float | None:
        """Seconds between repeated searches for a lost PV; None: caproto's back-off only."""
        return self._reconnector.research_period

    @research_period.setter
    def research_period(self, seconds: float | None) -> None:
        self._reconnector.research_period = seconds

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` (plain or async) for every event, in order."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener`` (one that was never added is ignored)."""
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    async def _emit(self, event: Event) -> None:
        await call_listeners(self._listeners, event)

    # -- the dispatcher's handler: events in the order caproto delivered them --------------
    async def _handle(self, item: Queued) -> None:
        name = item.pvname
        if name not in self._pvs:
            return  # removed since it was queued
        if isinstance(item, ValueUpdate):
            self.updates_received += 1
            self.latest[name] = item
            await self._emit(item)
            return
        up = isinstance(item, Connected)
        if isinstance(item, Connected):
            metadata = await self._channels.metadata(item)
            if metadata is not None:
                self.metadata[name] = metadata
            if item.native is not None:
                self.native[name] = item.native
        change = self._states.mark(name, up, item.timestamp)
        if change is None:
            return
        if not up:
            self._reconnector.lost()
        native = self.native.get(name) if up else None
        await self._emit(
            ConnectionChange(name, up, item.timestamp, down_since=change.down_since, native=native)
        )

    # -- public API -------------------------------------------------------------------------
    async def add(self, pvnames: Iterable[str], *, owner: Hashable = None) -> None:
        """Search, subscribe and keep following ``pvnames`` (returns without waiting).

        ``owner`` says who follows them (any hashable; None by default): a PV
        already followed gets no second channel or subscription, only one more
        owner. Adding a PV twice with the same owner is the same as once.
        """
        wanted = self._owners.add(pvnames, owner)
        async with self._changing:
            await self._subscribe([n for n in wanted if n not in self._pvs])

    async def _subscribe(self, names: list[str]) -> None:
        if not names:
            return
        if self._channels.queue is None:
            self._channels.start(self._handle)
            self._reconnector.start(self.context)
        for name in names:
            self._states.follow(name)
        await self._channels.open(self.context, names)

    async def remove(self, pvnames: Iterable[str], *, owner: Hashable = None) -> None:
        """``owner`` stops following ``pvnames``; a PV no owner follows any more is dropped:
        its callbacks go and its events stop."""
        await self._drop(self._owners.discard(pvnames, owner))

    async def _drop(self, pvnames: Iterable[str], *, force: bool = False) -> None:
        """Stop following those of ``pvnames`` no owner follows (with ``force``: all)."""
        async with self._changing:  # owners are looked at once no add is under way
            await self._unsubscribe(list(pvnames) if force else self._owners.unowned(pvnames))

    async def _unsubscribe(self, pvnames: list[str]) -> None:
        for name in pvnames:
            self._owners.forget(name)
            await self._channels.close(name)
            self._states.forget(name)
            for table in (self.latest, self.metadata, self.native):
                table.pop(name, None)

    async def probe(self, pvname: str, timeout: float) -> NativeType | None:
        """The native type of ``pvname`` if it connects within ``timeout`` s, else None.

        A PV this monitor follows answers from its last connection at once.
        Another is looked up on the monitor's context, so that its channel is
        the one a later :meth:`add` uses; :meth:`release` it if it is not
        added. Never raises for a missing or odd PV.
        """
        if pvname in self._pvs:
            return self.native.get(pvname) if self.connected.get(pvname) else None
        return await self._channels.probe(self.context, pvname, timeout)

    async def release(self, pvname: str) -> None:
        """Leave the channel of a probed PV idle (cleared on its server) unless it is followed."""
        if pvname not in self._pvs and self._context is not None:
            await self._channels.release(self._context, pvname)

    async def wait_connected(
        self, pvnames: Iterable[str] | None = None, timeout: float = 5.0
    ) -> None:
        """Wait until ``pvnames`` (default: all) are connected; raise TimeoutError if not."""
        names = list(self._pvs if pvnames is None else pvnames)
        await self._states.wait_connected(names, timeout)

    def followed(self, owner: Hashable = None) -> set[str]:
        """The PVs ``owner`` follows (see :meth:`add`)."""
        return self._owners.of(owner)

    def is_followed(self, pvname: str) -> bool:
        """Does any owner follow ``pvname``? (Then :meth:`add` makes no new subscription, and
        the new owner finds its state in ``connected``, ``native``, ``latest``.)"""
        return pvname in self._pvs

    def channel_counts(self) -> dict[str, ChannelCount]:
        """A debug report: channels and subscriptions per PV name on the live circuits.

        Read from caproto's circuit state of this monitor's context (every PV
        it holds, followed or only probed), like EPICS' ``dbcar`` report of an
        IOC's CA links. Empty before the context exists.
        """
        return {} if self._context is None else channel_counts(self._context)

    async def write(
        self, pvname: str, value: Any, *, wait: bool = True, timeout: float | None
    ) -> None:
        """Write ``value``; with ``wait`` the call returns when the server's put completes."""
        pv = self._pvs.get(pvname)
        if pv is None:
            (pv,) = await self.context.get_pvs(pvname, timeout=self.timeout)
            await pv.wait_for_connection(timeout=self.timeout)
        data = value if isinstance(value, list | tuple) else [value]
        await pv.write(data, wait=wait, timeout=timeout)

    async def close(self) -> None:
        """Drop every subscription; close the context if this object made it."""
        await self._drop(list(self._pvs), force=True)
        await self._channels.stop()
        await self._reconnector.stop()
        if self._own_context and self._context is not None:
            await self._context.disconnect()
            self._context = None
