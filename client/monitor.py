"""Monitor scalar PVs over caproto's asyncio client, in the caller's event loop.

:class:`PVMonitor` subscribes any scalar PVs and delivers typed events, in
order, to async or plain listeners: :class:`ValueUpdate` (value with the
server's time stamp) and :class:`ConnectionChange`. It reads units and
precision on every (re)connection. It never blocks the loop.

caproto runs plain (non-async) subscription callbacks in a thread pool, out
of order; this class registers coroutine callbacks only, which caproto awaits
in order on the loop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from caproto.asyncio.client import Context

__all__ = ["ConnectionChange", "Event", "Metadata", "PVMonitor", "ValueUpdate"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValueUpdate:
    """A monitor update: ``value`` as posted by the server at ``timestamp`` (epoch s)."""

    pvname: str
    value: Any
    timestamp: float
    severity: int = 0


@dataclass(frozen=True)
class ConnectionChange:
    """A PV connected or disconnected; ``timestamp`` is the local time it was seen."""

    pvname: str
    connected: bool
    timestamp: float


Event = ValueUpdate | ConnectionChange
Listener = Callable[[Event], Awaitable[None] | None]


@dataclass(frozen=True)
class Metadata:
    """Display metadata read from the server at connection time."""

    units: str = ""
    precision: int = 3
    lower_ctrl_limit: float = 0.0
    upper_ctrl_limit: float = 0.0


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
        :meth:`close`) when not given.
    timeout
        Default timeout in seconds for reads and writes.
    """

    def __init__(self, context: Context | None = None, *, timeout: float = 5.0) -> None:
        self._own_context = context is None
        self._context = context
        self.timeout = timeout
        self._pvs: dict[str, Any] = {}
        self._subs: dict[str, Any] = {}
        self._callbacks: list[Callable] = []  # strong refs: caproto keeps weak ones
        self._listeners: list[Listener] = []
        self.connected: dict[str, bool] = {}
        self.metadata: dict[str, Metadata] = {}
        self.latest: dict[str, ValueUpdate] = {}
        self.updates_received = 0

    @property
    def context(self) -> Context:
        """The caproto context (created on first use)."""
        if self._context is None:
            self._context = Context()
        return self._context

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` (plain or async) for every event, in order."""
        self._listeners.append(listener)

    async def _emit(self, event: Event) -> None:
        for listener in self._listeners:
            try:
                result = listener(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("listener failed on %r", event)

    async def add(self, pvnames: Iterable[str]) -> None:
        """Search, subscribe and keep following ``pvnames`` (returns without waiting)."""
        names = [n for n in pvnames if n not in self._pvs]
        if not names:
            return
        for name in names:
            self.connected[name] = False

        async def on_connection(pv, state: str) -> None:
            up = state == "connected"
            if up:
                try:
                    md = await pv.read(data_type="control", timeout=self.timeout)
                    self.metadata[pv.name] = _metadata(md.metadata)
                except Exception as ex:  # a failed read leaves the old metadata
                    log.warning("%s: could not read metadata: %s", pv.name, ex)
            if self.connected.get(pv.name) == up:
                return
            self.connected[pv.name] = up
            await self._emit(ConnectionChange(pv.name, up, time.time()))

        async def on_value(sub, response) -> None:
            md = response.metadata
            update = ValueUpdate(
                sub.pv.name,
                _scalar(response.data),
                float(getattr(md, "timestamp", time.time())),
                int(getattr(md, "severity", 0)),
            )
            self.updates_received += 1
            self.latest[update.pvname] = update
            await self._emit(update)

        self._callbacks += [on_connection, on_value]
        pvs = await self.context.get_pvs(
            *names, connection_state_callback=on_connection, timeout=self.timeout
        )
        for pv in pvs:
            self._pvs[pv.name] = pv
            sub = pv.subscribe(data_type="time")
            sub.add_callback(on_value)
            self._subs[pv.name] = sub

    async def remove(self, pvnames: Iterable[str]) -> None:
        """Stop following ``pvnames``."""
        for name in pvnames:
            sub = self._subs.pop(name, None)
            if sub is not None:
                try:
                    await sub.clear()
                except Exception:
                    log.debug("clearing %s failed", name, exc_info=True)
            self._pvs.pop(name, None)
            self.connected.pop(name, None)
            self.latest.pop(name, None)

    async def wait_connected(self, pvnames: Iterable[str] | None = None, timeout: float = 5.0):
        """Wait until ``pvnames`` (default: all) are connected; raise TimeoutError if not."""
        names = list(self._pvs if pvnames is None else pvnames)
        deadline = time.monotonic() + timeout
        while not all(self.connected.get(n) for n in names):
            if time.monotonic() > deadline:
                missing = [n for n in names if not self.connected.get(n)]
                raise TimeoutError(f"not connected within {timeout} s: {', '.join(missing)}")
            await asyncio.sleep(0.02)

    async def write(self, pvname: str, value: Any, *, wait: bool = True, timeout: float | None):
        """Write ``value``; with ``wait`` the call returns when the server's put completes."""
        pv = self._pvs.get(pvname)
        if pv is None:
            (pv,) = await self.context.get_pvs(pvname, timeout=self.timeout)
            await pv.wait_for_connection(timeout=self.timeout)
        data = value if isinstance(value, list | tuple) else [value]
        await pv.write(data, wait=wait, timeout=timeout)

    async def close(self) -> None:
        """Drop every subscription; close the context if this object made it."""
        for sub in self._subs.values():
            try:
                await sub.clear()
            except Exception:  # the circuit may already be gone
                log.debug("clearing %s failed", sub, exc_info=True)
        self._subs.clear()
        self._pvs.clear()
        self._callbacks.clear()
        if self._own_context and self._context is not None:
            await self._context.disconnect()
            self._context = None


def _metadata(md: Any) -> Metadata:
    units = getattr(md, "units", b"")
    if isinstance(units, bytes):
        units = units.decode("latin-1")
    return Metadata(
        units=units,
        precision=int(getattr(md, "precision", 3)),
        lower_ctrl_limit=float(getattr(md, "lower_ctrl_limit", 0.0)),
        upper_ctrl_limit=float(getattr(md, "upper_ctrl_limit", 0.0)),
    )
