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

caproto runs plain (non-async) subscription callbacks in a thread pool, out
of order; this class registers coroutine callbacks only, which caproto awaits
in order on the loop. Those callbacks only queue; one dispatcher task per
monitor hands the events to the listeners, so a slow listener or a metadata
read never holds up caproto's own callback loop.

Reconnection. When a server goes away, caproto searches again for its PVs,
backing off to one search every 5 s (``CAPROTO_CLIENT_MAX_RETRY_SEARCHES_
INTERVAL_SEC``); a restarted IOC could wait that long to be found. A monitor
therefore sends the search of every PV *that was connected before* again
every :data:`RESEARCH_PERIOD` seconds for the first
:data:`RESEARCH_WINDOW` seconds of an outage (the way libca re-searches at
once on a beacon anomaly), then leaves it to caproto's back-off. Names that
never connected (a typo) are left to caproto's back-off from the start.

A server that stops answering without closing its connections (hung, or the
network gone) is dropped by caproto after ``EPICS_CA_CONN_TMO`` (30 s) and an
echo; caproto 1.3.0 then neither reports the disconnection to its callbacks
nor searches for those PVs again. A watchdog task checks every
:data:`WATCH_PERIOD` seconds: a PV that caproto holds disconnected is
reported lost, and one that nothing is searching for is searched for again.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import caproto as ca
from caproto.asyncio.client import Context

__all__ = [
    "RESEARCH_PERIOD",
    "RESEARCH_WINDOW",
    "WATCH_PERIOD",
    "ChannelCount",
    "ConnectionChange",
    "Event",
    "Metadata",
    "NativeType",
    "PVMonitor",
    "ValueUpdate",
    "call_listeners",
]

log = logging.getLogger(__name__)

#: Seconds between repeated searches for a lost PV (see the module docstring).
RESEARCH_PERIOD = 0.5
#: Seconds of an outage during which lost PVs are searched every RESEARCH_PERIOD.
RESEARCH_WINDOW = 120.0
#: Seconds between the watchdog's checks of caproto's connection state.
WATCH_PERIOD = 1.0
#: Search requests per datagram (each at most 56 bytes for a 39-character name).
_SEARCHES_PER_DATAGRAM = 20
#: Subscription requests per TCP send (each 16 bytes with no payload).
_SUBSCRIPTIONS_PER_SEND = 1000


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


@dataclass(frozen=True)
class Metadata:
    """Display metadata read from the server at connection time."""

    units: str = ""
    precision: int = 3
    lower_ctrl_limit: float = 0.0
    upper_ctrl_limit: float = 0.0


@dataclass(frozen=True)
class ChannelCount:
    """What caproto's live circuits hold for one PV name: channels and subscriptions.

    Counted from caproto's own circuit state (the channels created on each
    circuit and the subscription requests sent on it), not from this
    monitor's tables: a second channel or subscription for a name shows here.
    """

    channels: int = 0
    subscriptions: int = 0


@dataclass(frozen=True)
class _Connected:
    """Queued: a PV connected; its metadata read is under way in ``metadata``."""

    pvname: str
    timestamp: float
    metadata: asyncio.Task
    native: NativeType | None = None


class _Context(Context):
    """caproto's asyncio ``Context``, with subscriptions that survive a server lost early.

    caproto 1.3.0 queues a subscription for (re)activation when its PV connects
    and activates the queue every 0.1 s. If the server goes away in between,
    its activation task waits for the PV up to the PV's timeout and, when the
    outage is longer, raises: the task ends and no subscription of the context
    is ever activated again (PVs connect, no values come). Here only
    subscriptions of connected PVs are activated, each once; the others are
    marked to be activated when their PV connects again.
    """

    async def _activate_subscriptions(self) -> None:
        with self.subscriptions_lock:
            queued = {sub for subs in self.subscriptions_to_activate.values() for sub in subs}
            self.subscriptions_to_activate.clear()
        commands: dict[Any, list] = {}
        for sub in queued:
            if sub.pv.connected:
                try:
                    command = await sub.compose_command(timeout=1.0)
                except Exception as ex:  # lost meanwhile: as below
                    log.debug("%s: subscription not activated: %s", sub.pv.name, ex)
                else:
                    if command is not None:
                        commands.setdefault(sub.pv.circuit_manager, []).append(command)
                    continue
            with sub.callback_lock:
                sub.needs_reactivation = bool(sub.callbacks)  # activated on reconnection
        for cm, batch in commands.items():
            for i in range(0, len(batch), _SUBSCRIPTIONS_PER_SEND):
                try:
                    await cm.send(*batch[i : i + _SUBSCRIPTIONS_PER_SEND])
                except Exception as ex:  # the circuit died: reactivated on reconnection
                    log.debug("subscriptions not sent on %s: %s", cm, ex)
                    break


def _native_type(pv: Any) -> NativeType | None:
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


def _scalar(data: Any) -> Any:
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


class PVMonitor:
    """Subscribe scalar PVs and deliver ordered, typed events to listeners.

    Parameters
    ----------
    context
        A caproto asyncio ``Context`` to share; one is created (and closed by
        :meth:`close`) when not given. The one created here carries the fix of
        :class:`_Context`; a plain caproto ``Context`` passed in does not.
    timeout
        Default timeout in seconds for reads and writes.
    research_period
        Seconds between repeated searches for a PV that was connected and was
        lost (for the first :data:`RESEARCH_WINDOW` seconds of the outage);
        None leaves reconnection to caproto's back-off alone.

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
    ) -> None:
        self._own_context = context is None
        self._context = context
        self.timeout = timeout
        self.research_period = research_period
        self._pvs: dict[str, Any] = {}
        self._subs: dict[str, Any] = {}
        self._tokens: dict[str, tuple[int, int]] = {}  # connection, subscription callback ids
        self._owners: dict[str, set[Hashable]] = {}  # who follows each PV (see add)
        self._changing = asyncio.Lock()  # one add or drop at a time: one subscription per PV
        self._listeners: list[Listener] = []
        self._queue: asyncio.Queue | None = None
        self._dispatcher: asyncio.Task | None = None
        self._researcher: asyncio.Task | None = None
        self._watchdog: asyncio.Task | None = None
        self._reading: dict[str, asyncio.Task[Metadata | None]] = {}  # metadata reads under way
        self.connected: dict[str, bool] = {}
        self.metadata: dict[str, Metadata] = {}
        self.native: dict[str, NativeType] = {}
        self.latest: dict[str, ValueUpdate] = {}
        self.down_since: dict[str, float] = {}
        self.outages: dict[str, tuple[float, float]] = {}
        self.updates_received = 0

    @property
    def context(self) -> Context:
        """The caproto context (created on first use)."""
        if self._context is None:
            self._context = _Context()
        return self._context

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` (plain or async) for every event, in order."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener`` (one that was never added is ignored)."""
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    async def _emit(self, event: Event) -> None:
        await call_listeners(self._listeners, event)

    # -- caproto callbacks: coroutines (run in order on the loop) that only queue ------------
    async def _on_connection(self, pv: Any, state: str) -> None:
        name = pv.name
        if name not in self._pvs or self._queue is None:
            return  # removed, or closed
        now = time.time()
        if state == "connected":
            reading = asyncio.ensure_future(self._read_metadata(pv))
            self._reading[name] = reading
            self._queue.put_nowait(_Connected(name, now, reading, _native_type(pv)))
        else:
            lost = self._reading.pop(name, None)
            if lost is not None:
                lost.cancel()  # do not hold the events up for a server that went away
            self._queue.put_nowait(ConnectionChange(name, False, now))

    async def _on_value(self, sub: Any, response: Any) -> None:
        if self._queue is None:
            return
        md = response.metadata
        self._queue.put_nowait(
            ValueUpdate(
                sub.pv.name,
                _scalar(response.data),
                float(getattr(md, "timestamp", time.time())),
                int(getattr(md, "severity", 0)),
            )
        )

    async def _read_metadata(self, pv: Any) -> Metadata | None:
        """Units, precision and limits, or None; never raises (whatever the PV's type)."""
        try:
            md = await pv.read(data_type="control", data_count=1, timeout=self.timeout)
        except Exception as ex:  # a failed read leaves the old metadata
            log.warning("%s: could not read metadata: %s", pv.name, ex)
            return None
        return _metadata(md.metadata)

    # -- the dispatcher: one task, events in the order caproto delivered them ---------------
    async def _dispatch(self) -> None:
        assert self._queue is not None
        while True:
            item = await self._queue.get()
            try:
                await self._handle(item)
            except Exception:  # never let the dispatcher die
                log.exception("monitor dispatcher failed on %r", item)

    async def _handle(self, item: ValueUpdate | ConnectionChange | _Connected) -> None:
        name = item.pvname
        if name not in self._pvs:
            return  # removed since it was queued
        if isinstance(item, ValueUpdate):
            self.updates_received += 1
            self.latest[name] = item
            await self._emit(item)
            return
        if isinstance(item, _Connected):
            await asyncio.wait({item.metadata})  # returns when done, failed or cancelled
            if self._reading.get(name) is item.metadata:
                del self._reading[name]
            task = item.metadata
            if not task.cancelled() and task.exception() is not None:  # one line, no traceback
                log.warning("%s: metadata not understood: %r", name, task.exception())
            elif not task.cancelled() and task.result() is not None:
                self.metadata[name] = task.result()
            if item.native is not None:
                self.native[name] = item.native
            up, now = True, item.timestamp
        else:
            up, now = False, item.timestamp
        if self.connected.get(name) == up:
            return
        self.connected[name] = up
        lost = None
        if up:
            lost = self.down_since.pop(name, None)
            if lost is not None:
                self.outages[name] = (lost, now)
        else:
            self.down_since[name] = now
            self._start_researcher()
        native = self.native.get(name) if up else None
        await self._emit(ConnectionChange(name, up, now, down_since=lost, native=native))

    # -- fast reconnection ----------------------------------------------------------------
    def _start_researcher(self) -> None:
        if self.research_period is None:
            return
        if self._researcher is None or self._researcher.done():
            self._researcher = asyncio.ensure_future(self._research())

    def _lost_recently(self) -> set[str]:
        now = time.time()
        return {n for n, t in self.down_since.items() if now - t < RESEARCH_WINDOW}

    async def _research(self) -> None:
        """Search again for lost PVs every ``research_period`` s while any is down."""
        assert self.research_period is not None
        while self._lost_recently():
            await asyncio.sleep(self.research_period)
            lost = self._lost_recently()
            if not lost:
                return
            try:
                await self._resend_searches(lost)
            except Exception as ex:  # the network may be down too: try again later
                log.debug("search for %s not sent: %s", sorted(lost), ex)

    async def _resend_searches(self, names: set[str]) -> None:
        """Send caproto's own unanswered searches for ``names`` once more, now."""
        broadcaster = self.context.broadcaster
        requests = [
            ca.SearchRequest(item.name, search_id, ca.DEFAULT_PROTOCOL_VERSION)
            for search_id, item in broadcaster.results.unanswered_searches.items()
            if item.name in names
        ]
        version = ca.VersionRequest(0, ca.DEFAULT_PROTOCOL_VERSION)
        for i in range(0, len(requests), _SEARCHES_PER_DATAGRAM):
            await broadcaster.send(version, *requests[i : i + _SEARCHES_PER_DATAGRAM])

    # -- the watchdog ----------------------------------------------------------------------
    async def _watch(self) -> None:
        """Catch what caproto does not report: lost PVs, and lost PVs nobody searches for."""
        orphans: set[tuple[str, int]] = set()
        while True:
            await asyncio.sleep(WATCH_PERIOD)
            try:
                orphans = await self._check(orphans)
            except Exception:  # never let the watchdog die
                log.exception("monitor watchdog")

    async def _check(self, suspects: set[tuple[str, int]]) -> set[tuple[str, int]]:
        """One round of the watchdog; returns the PVs to look at again next round."""
        if self._queue is None:
            return set()
        searching = {
            item.name for item in self.context.broadcaster.results.unanswered_searches.values()
        }
        orphans: set[tuple[str, int]] = set()
        for name, pv in list(self._pvs.items()):
            if pv.connected:
                continue
            if self.connected.get(name) and name not in self._reading:
                # caproto dropped the circuit without calling back (an unresponsive server).
                log.warning("%s: lost without notice from caproto", name)
                self._queue.put_nowait(ConnectionChange(name, False, time.time()))
            cm = pv.circuit_manager
            if cm is None or not cm.dead.is_set() or name in searching:
                continue  # never found (caproto searches), connecting, or being searched for
            orphans.add((name, id(cm)))
        # Searched for again only when seen orphaned twice in a row, on the same dead circuit:
        # a search answered a moment ago gets its new circuit within milliseconds.
        again = orphans & suspects
        if again:
            names = sorted(name for name, _ in again)
            log.warning("searching again for %s (caproto gave up on them)", ", ".join(names))
            await self.context.reconnect([(n, self._pvs[n].priority) for n in names])
        return orphans - again

    # -- public API -------------------------------------------------------------------------
    async def add(self, pvnames: Iterable[str], *, owner: Hashable = None) -> None:
        """Search, subscribe and keep following ``pvnames`` (returns without waiting).

        ``owner`` says who follows them (any hashable; None by default): a PV
        already followed gets no second channel or subscription, only one more
        owner. Adding a PV twice with the same owner is the same as once.
        """
        wanted = list(dict.fromkeys(pvnames))
        for name in wanted:
            self._owners.setdefault(name, set()).add(owner)
        async with self._changing:
            await self._subscribe([n for n in wanted if n not in self._pvs])

    async def _subscribe(self, names: list[str]) -> None:
        if not names:
            return
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._dispatcher = asyncio.ensure_future(self._dispatch())
            self._watchdog = asyncio.ensure_future(self._watch())
        for name in names:
            self.connected[name] = False
        pvs = await self.context.get_pvs(*names, timeout=self.timeout)
        for pv in pvs:
            self._pvs[pv.name] = pv
            # Bound methods: caproto keeps weak references, so nothing outlives this object.
            conn_token = pv.connection_state_callback.add_callback(self._on_connection, run=True)
            # One element: the first of an array (a monitor of scalars never needs more).
            sub = pv.subscribe(data_type="time", data_count=1)
            sub_token = sub.add_callback(self._on_value)
            self._subs[pv.name] = sub
            self._tokens[pv.name] = (conn_token, sub_token)

    async def remove(self, pvnames: Iterable[str], *, owner: Hashable = None) -> None:
        """``owner`` stops following ``pvnames``; a PV no owner follows any more is dropped:
        its callbacks go and its events stop."""
        names = list(pvnames)
        for name in names:
            self._owners.get(name, set()).discard(owner)
        await self._drop(names)

    async def _drop(self, pvnames: Iterable[str], *, force: bool = False) -> None:
        """Stop following those of ``pvnames`` no owner follows (with ``force``: all)."""
        async with self._changing:  # owners are looked at once no add is under way
            await self._unsubscribe([n for n in pvnames if force or not self._owners.get(n)])

    async def _unsubscribe(self, pvnames: list[str]) -> None:
        for name in pvnames:
            self._owners.pop(name, None)
            pv = self._pvs.pop(name, None)
            sub = self._subs.pop(name, None)
            conn_token, sub_token = self._tokens.pop(name, (None, None))
            if pv is not None and conn_token is not None:
                pv.connection_state_callback.remove_callback(conn_token)
            if sub is not None and sub_token is not None:
                try:
                    await sub.remove_callback(sub_token)  # the last one unsubscribes
                except Exception:  # the circuit may already be gone
                    log.debug("unsubscribing %s failed", name, exc_info=True)
            reading = self._reading.pop(name, None)
            if reading is not None:
                reading.cancel()
            for table in (self.connected, self.latest, self.metadata, self.native, self.down_since):
                table.pop(name, None)
            self.outages.pop(name, None)

    async def probe(self, pvname: str, timeout: float) -> NativeType | None:
        """The native type of ``pvname`` if it connects within ``timeout`` s, else None.

        A PV this monitor follows answers from its last connection at once.
        Another is looked up on the monitor's context, so that its channel is
        the one a later :meth:`add` uses; :meth:`release` it if it is not
        added. Never raises for a missing or odd PV.
        """
        if pvname in self._pvs:
            return self.native.get(pvname) if self.connected.get(pvname) else None
        try:
            (pv,) = await self.context.get_pvs(pvname, timeout=self.timeout)
            await pv.wait_for_connection(timeout=timeout)
        except Exception as ex:  # not found in time, or no such name: nothing known
            log.debug("%s: no answer within %.1f s (%s)", pvname, timeout, type(ex).__name__)
            return None
        return _native_type(pv)

    async def release(self, pvname: str) -> None:
        """Leave the channel of a probed PV idle (cleared on its server) unless it is followed."""
        if pvname in self._pvs or self._context is None:
            return
        try:
            (pv,) = await self.context.get_pvs(pvname, timeout=self.timeout)
            await pv.go_idle()  # caproto ignores it for a PV with subscriptions
        except Exception as ex:
            log.debug("%s: not left idle: %s", pvname, ex)

    async def wait_connected(
        self, pvnames: Iterable[str] | None = None, timeout: float = 5.0
    ) -> None:
        """Wait until ``pvnames`` (default: all) are connected; raise TimeoutError if not."""
        names = list(self._pvs if pvnames is None else pvnames)
        deadline = time.monotonic() + timeout
        while not all(self.connected.get(n) for n in names):
            if time.monotonic() > deadline:
                missing = [n for n in names if not self.connected.get(n)]
                raise TimeoutError(f"not connected within {timeout} s: {', '.join(missing)}")
            await asyncio.sleep(0.02)

    def followed(self, owner: Hashable = None) -> set[str]:
        """The PVs ``owner`` follows (see :meth:`add`)."""
        return {name for name, owners in self._owners.items() if owner in owners}

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
        if self._context is None:
            return {}
        channels: dict[str, int] = {}
        subscriptions: dict[str, int] = {}
        for cm in list(self._context.circuit_managers.values()):
            if cm.dead.is_set():
                continue
            for chan in list(cm.circuit.channels.values()):
                if chan.states[ca.CLIENT] is not ca.CONNECTED:
                    continue
                channels[chan.name] = channels.get(chan.name, 0) + 1
                subscriptions[chan.name] = subscriptions.get(chan.name, 0) + len(chan.subscriptions)
        return {n: ChannelCount(channels[n], subscriptions[n]) for n in sorted(channels)}

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
        for task in (self._dispatcher, self._researcher, self._watchdog):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._dispatcher = self._researcher = self._watchdog = None
        self._queue = None
        if self._own_context and self._context is not None:
            await self._context.disconnect()
            self._context = None


async def call_listeners(listeners: list[Listener], event: Event) -> None:
    """Call each listener with ``event`` in turn (awaiting coroutines); one that fails is logged."""
    for listener in list(listeners):
        try:
            result = listener(event)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("listener failed on %r", event)


def _number(value: Any, default: float) -> float:
    """A metadata field as a float: DBR_CTRL_CHAR limits are single bytes (b'\\x00')."""
    if isinstance(value, bytes):
        return float(value[0]) if len(value) == 1 else default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _metadata(md: Any) -> Metadata:
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
