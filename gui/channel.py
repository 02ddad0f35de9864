"""One PV for Qt widgets: pyepics underneath, Qt signals in the GUI thread on top.

pyepics runs its callbacks in libca's own threads. :class:`PVChannel`'s
callbacks only emit a private signal with a queued connection, so every
public signal (:attr:`PVChannel.changed`, :attr:`PVChannel.connection`) fires
in the thread the channel lives in (the GUI thread). No CA call is ever made
from a callback, and no Qt object is touched from a libca thread.

``EPICS_CA_MAX_ARRAY_BYTES`` is set (if unset) before libca loads, for libca
older than 3.16.1; newer libca sizes arrays itself.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from chartioc.client.ca.limits import MAX_ARRAY_BYTES

os.environ.setdefault("EPICS_CA_MAX_ARRAY_BYTES", str(MAX_ARRAY_BYTES))

import epics
from qtpy.QtCore import QObject, Qt, Signal, Slot

from chartioc.gui.frames import format_value
from chartioc.gui.lifetime import when_destroyed

__all__ = ["PVChannel", "PVEvent"]


@dataclass(frozen=True)
class PVEvent:
    """A PV's newest state as a widget sees it (value and display metadata)."""

    pvname: str
    value: Any = None
    connected: bool = True
    units: str = ""
    precision: int | None = None
    enum_strs: tuple[str, ...] = ()
    timestamp: float = 0.0
    severity: int = 0
    #: The PV's display limits (low, high), None when it has none (``form="ctrl"`` only).
    display_limits: tuple[float, float] | None = None

    def text(self) -> str:
        """The value as a readout shows it: enum string, or number with precision and units."""
        if not self.connected:
            return "disconnected"
        if self.value is None:
            return ""
        if self.enum_strs and isinstance(self.value, int) and 0 <= self.value < len(self.enum_strs):
            return self.enum_strs[self.value]
        return format_value(self.value, self.precision, self.units)


class _Relay(QObject):
    """The one object libca threads signal: it lives as long as the application.

    A libca thread never emits on a channel (which its owner may be
    destroying); it queues on its channel's list and wakes the relay, and
    the relay drains the channel in the GUI thread if it is still open.
    """

    wake = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.channels: dict[int, PVChannel] = {}
        # PyQt5's stubs leave out connect's connection type
        self.wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)  # type: ignore[call-arg]

    @Slot(object)
    def _drain(self, key: int) -> None:
        channel = self.channels.get(key)
        if channel is not None:
            channel._drain()


_relay: _Relay | None = None
_keys = itertools.count()


#: PVChannels open per PV name: libca's channel of a name is cleared with its last one.
_open_names: collections.Counter[str] = collections.Counter()


def _release(key: int, holder: list[epics.PV]) -> None:
    """Drop the PV in ``holder`` (once): its subscription and all its callbacks.

    pyepics' ``disconnect`` keeps libca's channel for a later PV of the name;
    for a name that never connected, libca keeps searching it with a back-off
    of up to minutes, so a panel opened on it again (a chart IOC restarted with
    another configuration) would wait that long. With the name's last channel
    the libca channel is cleared too (``ca.clear_channel``, as pyepics advises).
    """
    if _relay is not None:
        _relay.channels.pop(key, None)
    if holder:
        pv = holder.pop()
        chid = pv.chid
        pv.disconnect()
        PVChannel.open_count -= 1
        _open_names[pv.pvname] -= 1
        if _open_names[pv.pvname] <= 0:
            del _open_names[pv.pvname]
            if chid is not None and not _shared(pv.pvname):
                with contextlib.suppress(Exception):  # a channel libca let go already
                    epics.ca.clear_channel(chid)


def _shared(pvname: str) -> bool:
    """Does another pyepics PV of this process (not a PVChannel: a caget, a script's PV)
    still use libca's channel of ``pvname``? Its connection callbacks are on the channel."""
    try:
        entry = epics.ca._cache[epics.ca.current_context()].get(pvname)
    except Exception:
        return True  # not known: leave the channel alone
    return entry is not None and bool(getattr(entry, "callbacks", [None]))


class PVChannel(QObject):
    """One pyepics PV (monitored, whatever its size) as Qt signals in this object's thread.

    Updates that arrive faster than the GUI thread takes them are coalesced:
    a run of value updates becomes its newest one (connection changes are
    never dropped), so a stalled GUI holds at most one frame per channel.

    Parameters
    ----------
    pvname
        The PV.
    form
        pyepics form: ``"ctrl"`` (units, precision, enum strings with each
        update) or ``"time"`` (server time stamps; use it for big arrays).
    parent
        Qt parent.

    Signals
    -------
    changed(PVEvent)
        A new value (also after a reconnection).
    connection(bool)
        Connected or disconnected.
    """

    changed = Signal(object)
    connection = Signal(bool)

    #: Channels open in this process (for leak checks).
    open_count: ClassVar[int] = 0

    def __init__(self, pvname: str, *, form: str = "ctrl", parent: QObject | None = None) -> None:
        global _relay
        super().__init__(parent)
        if _relay is None:
            _relay = _Relay()
        self.pvname = pvname
        self.last: PVEvent | None = None
        self.connected = False
        self._closed = False
        self._lock = threading.Lock()
        self._items: list[PVEvent | bool] = []
        self._key = next(_keys)
        _relay.channels[self._key] = self
        PVChannel.open_count += 1
        _open_names[pvname] += 1
        # auto_monitor=True: pyepics would not monitor arrays over 65,536 elements.
        pv = epics.PV(
            pvname,
            form=form,
            auto_monitor=True,
            callback=self._ca_value,
            connection_callback=self._ca_connection,
        )
        # The holder, not self, is what the clean-up sees: a channel destroyed
        # by its Qt parent without close() still drops its subscription.
        self._holder: list[epics.PV] = [pv]
        when_destroyed(self, functools.partial(_release, self._key, self._holder))

    # --- libca threads: queue and wake, never touch a Qt object but the relay -----------

    def _ca_value(self, pvname: str = "", value: Any = None, **kw: Any) -> None:
        enum_strs = kw.get("enum_strs") or ()
        precision = kw.get("precision")
        low, high = kw.get("lower_disp_limit"), kw.get("upper_disp_limit")
        limits = (float(low), float(high)) if low is not None and high is not None else None
        event = PVEvent(
            pvname=self.pvname,
            value=value,
            connected=True,
            units=kw.get("units") or "",
            precision=int(precision) if precision is not None else None,
            enum_strs=tuple(enum_strs),
            timestamp=float(kw.get("timestamp") or time.time()),
            severity=int(kw.get("severity") or 0),
            display_limits=limits if limits is not None and limits[0] < limits[1] else None,
        )
        self._queue(event)

    def _ca_connection(self, pvname: str = "", conn: bool = False, **kw: Any) -> None:
        self._queue(bool(conn))

    def _queue(self, item: PVEvent | bool) -> None:
        with self._lock:
            wake = not self._items
            if isinstance(item, PVEvent) and self._items and isinstance(self._items[-1], PVEvent):
                self._items[-1] = item  # coalesce a run of values into the newest
            else:
                self._items.append(item)
        if wake and _relay is not None:
            _relay.wake.emit(self._key)

    # --- this object's thread ------------------------------------------------------

    def _drain(self) -> None:
        with self._lock:
            items, self._items = self._items, []
        for item in items:
            if self._closed:
                return
            if isinstance(item, bool):
                self.connected = item
                if not item and self.last is not None:
                    self.last = PVEvent(pvname=self.pvname, value=self.last.value, connected=False)
                self.connection.emit(item)
            else:
                self.connected = True
                self.last = item
                self.changed.emit(item)

    def put(self, value: Any) -> str:
        """Write ``value`` without waiting; return why not, or an empty string."""
        pv = self._holder[0] if self._holder else None
        if pv is None or not pv.connected:  # pyepics' own flag: put would block on it
            return f"{self.pvname} is not connected; nothing written"
        if not pv.write_access:
            return f"{self.pvname}: no write access"
        try:
            pv.put(value, wait=False)
        except (epics.ca.ChannelAccessException, TypeError, ValueError) as ex:
            return f"{self.pvname}: write failed ({ex})"
        return ""

    def close(self) -> None:
        """Drop the subscription and every callback; no signal fires after this."""
        if self._closed:
            return
        self._closed = True
        _release(self._key, self._holder)
