"""caproto's side of a monitor's PVs: channels, subscriptions, callbacks that only queue.

caproto runs plain (non-async) subscription callbacks in a thread pool, out
of order; :class:`Channels` registers coroutine callbacks only, which
caproto awaits in order on the loop. Those callbacks only queue (a value, a
loss, a connection with its metadata read under way); one dispatcher task
hands each item in turn to the handler of the
:class:`~chartioc.client.ca.monitor.PVMonitor`, so a slow listener or a
metadata read never holds up caproto's own callback loop.

Only the first element of an array is subscribed and read (``data_count=1``):
following an image PV by mistake costs one byte per update, not the whole
frame. A PV may also be probed (its native type, before it is followed) and
released again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from caproto import SubscriptionType
from caproto.asyncio.client import Context

from chartioc.client.ca.events import ConnectionChange, NativeType, ValueUpdate, native_type
from chartioc.client.ca.payloads import Metadata, first_value, parse_metadata

__all__ = ["Channels", "Connected", "Queued"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connected:
    """Queued: a PV connected; its metadata read is under way in ``metadata``."""

    pvname: str
    timestamp: float
    metadata: asyncio.Task
    native: NativeType | None = None


#: What the callbacks queue, in the order caproto delivered it.
Queued = ValueUpdate | ConnectionChange | Connected


class Channels:
    """A monitor's PVs on caproto: per PV one channel and subscription, callbacks that queue.

    One dispatcher task (:meth:`start`) hands what is queued to the monitor in
    order; :meth:`probe` and :meth:`release` look at a PV that is not followed.

    Parameters
    ----------
    timeout
        Seconds for the search of new PVs and for each metadata read.

    Attributes
    ----------
    pvs
        caproto's PV of each followed name.
    subs
        Its subscription (DBR_TIME, one element).
    reading
        The metadata reads under way, by name.
    queue
        Where the callbacks put what caproto reports; None until :meth:`start`
        (and after :meth:`stop`): the callbacks then queue nothing.
    """

    def __init__(self, timeout: float, *, values_only: bool = False) -> None:
        self.timeout = timeout
        #: caproto's event mask of each subscription (None: its default, value and alarm)
        self.mask = SubscriptionType.DBE_VALUE if values_only else None
        self.pvs: dict[str, Any] = {}
        self.subs: dict[str, Any] = {}
        self.reading: dict[str, asyncio.Task[Metadata | None]] = {}
        self.queue: asyncio.Queue[Queued] | None = None
        self._tokens: dict[str, tuple[int, int]] = {}  # connection, subscription callback ids
        self._dispatcher: asyncio.Task | None = None

    def start(self, handle: Callable[[Queued], Awaitable[None]]) -> None:
        """Queue what caproto reports from now on; one task awaits ``handle(item)`` for each."""
        self.queue = asyncio.Queue()
        self._dispatcher = asyncio.ensure_future(self._dispatch(self.queue, handle))

    async def stop(self) -> None:
        """Stop the dispatcher task (and wait for its end); queue nothing more."""
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
        self._dispatcher = self.queue = None

    @staticmethod
    async def _dispatch(
        queue: asyncio.Queue[Queued], handle: Callable[[Queued], Awaitable[None]]
    ) -> None:
        """The dispatcher: items in the order caproto delivered them, one at a time."""
        while True:
            item = await queue.get()
            try:
                await handle(item)
            except Exception:  # never let the dispatcher die
                log.exception("monitor dispatcher failed on %r", item)

    async def open(self, context: Context, names: list[str]) -> None:
        """Search ``names`` on ``context`` and subscribe each, its callbacks registered."""
        pvs = await context.get_pvs(*names, timeout=self.timeout)
        for pv in pvs:
            self.pvs[pv.name] = pv
            # Bound methods: caproto keeps weak references, so nothing outlives this object.
            conn_token = pv.connection_state_callback.add_callback(self._on_connection, run=True)
            # One element: the first of an array (a monitor of scalars never needs more).
            sub = pv.subscribe(data_type="time", data_count=1, mask=self.mask)
            sub_token = sub.add_callback(self._on_value)
            self.subs[pv.name] = sub
            self._tokens[pv.name] = (conn_token, sub_token)

    async def close(self, name: str) -> None:
        """Remove the callbacks of ``name`` (the last one unsubscribes); cancel its read."""
        pv = self.pvs.pop(name, None)
        sub = self.subs.pop(name, None)
        conn_token, sub_token = self._tokens.pop(name, (None, None))
        if pv is not None and conn_token is not None:
            pv.connection_state_callback.remove_callback(conn_token)
        if sub is not None and sub_token is not None:
            try:
                await sub.remove_callback(sub_token)  # the last one unsubscribes
            except Exception:  # the circuit may already be gone
                log.debug("unsubscribing %s failed", name, exc_info=True)
        reading = self.reading.pop(name, None)
        if reading is not None:
            reading.cancel()

    async def metadata(self, item: Connected) -> Metadata | None:
        """Wait for the metadata read of a queued connection: what it read, or None.

        None when the read failed (logged when the answer was not understood)
        or was cancelled (the PV was lost or dropped meanwhile).
        """
        task = item.metadata
        await asyncio.wait({task})  # returns when done, failed or cancelled
        if self.reading.get(item.pvname) is task:
            del self.reading[item.pvname]
        if task.cancelled():
            return None
        if task.exception() is not None:  # one line, no traceback
            log.warning("%s: metadata not understood: %r", item.pvname, task.exception())
            return None
        return task.result()

    async def probe(self, context: Context, name: str, timeout: float) -> NativeType | None:
        """The native type of ``name`` on ``context`` if it connects within ``timeout`` s.

        None when it does not (not found in time, or no such name); never raises.
        """
        try:
            (pv,) = await context.get_pvs(name, timeout=self.timeout)
            await pv.wait_for_connection(timeout=timeout)
        except Exception as ex:  # not found in time, or no such name: nothing known
            log.debug("%s: no answer within %.1f s (%s)", name, timeout, type(ex).__name__)
            return None
        return native_type(pv)

    async def release(self, context: Context, name: str) -> None:
        """Leave the channel of ``name`` idle (cleared on its server) if it has no subscription."""
        try:
            (pv,) = await context.get_pvs(name, timeout=self.timeout)
            await pv.go_idle()  # caproto ignores it for a PV with subscriptions
        except Exception as ex:
            log.debug("%s: not left idle: %s", name, ex)

    # -- caproto callbacks: coroutines (run in order on the loop) that only queue ------------
    async def _on_connection(self, pv: Any, state: str) -> None:
        name = pv.name
        if name not in self.pvs or self.queue is None:
            return  # removed, or closed
        now = time.time()
        if state == "connected":
            reading = asyncio.ensure_future(self._read_metadata(pv))
            self.reading[name] = reading
            self.queue.put_nowait(Connected(name, now, reading, native_type(pv)))
        else:
            lost = self.reading.pop(name, None)
            if lost is not None:
                lost.cancel()  # do not hold the events up for a server that went away
            self.queue.put_nowait(ConnectionChange(name, False, now))

    async def _on_value(self, sub: Any, response: Any) -> None:
        if self.queue is None:
            return
        md = response.metadata
        self.queue.put_nowait(
            ValueUpdate(
                sub.pv.name,
                first_value(response.data),
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
        return parse_metadata(md.metadata)
