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

import contextlib
import functools
import os
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from chartioc.client.localca import MAX_ARRAY_BYTES

os.environ.setdefault("EPICS_CA_MAX_ARRAY_BYTES", MAX_ARRAY_BYTES)

import epics
from qtpy.QtCore import QObject, Qt, Signal, Slot

from .frames import format_value
from .lifetime import when_destroyed

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

    def text(self) -> str:
        """The value as a readout shows it: enum string, or number with precision and units."""
        if not self.connected:
            return "disconnected"
        if self.value is None:
            return ""
        if self.enum_strs and isinstance(self.value, int) and 0 <= self.value < len(self.enum_strs):
            return self.enum_strs[self.value]
        return format_value(self.value, self.precision, self.units)


def _release(holder: list[epics.PV]) -> None:
    """Drop the PV in ``holder`` (once): its subscription and all its callbacks."""
    if holder:
        pv = holder.pop()
        pv.disconnect()
        PVChannel.open_count -= 1


class PVChannel(QObject):
    """One pyepics PV (monitored, whatever its size) as Qt signals in this object's thread.

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
    _from_ca = Signal(object)

    #: Channels open in this process (for leak checks).
    open_count: ClassVar[int] = 0

    def __init__(self, pvname: str, *, form: str = "ctrl", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pvname = pvname
        self.last: PVEvent | None = None
        self.connected = False
        self._closed = False
        self._from_ca.connect(self._on_ca, Qt.QueuedConnection)
        PVChannel.open_count += 1
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
        holder = self._holder
        when_destroyed(self, functools.partial(_release, holder))

    # --- libca threads: emit only --------------------------------------------------

    def _ca_value(self, pvname: str = "", value: Any = None, **kw: Any) -> None:
        enum_strs = kw.get("enum_strs") or ()
        precision = kw.get("precision")
        event = PVEvent(
            pvname=self.pvname,
            value=value,
            connected=True,
            units=kw.get("units") or "",
            precision=int(precision) if precision is not None else None,
            enum_strs=tuple(enum_strs),
            timestamp=float(kw.get("timestamp") or time.time()),
            severity=int(kw.get("severity") or 0),
        )
        self._emit(event)

    def _ca_connection(self, pvname: str = "", conn: bool = False, **kw: Any) -> None:
        self._emit(bool(conn))

    def _emit(self, item: object) -> None:
        # RuntimeError: the Qt object is gone; its destroyed handler drops the PV.
        with contextlib.suppress(RuntimeError):
            self._from_ca.emit(item)

    # --- this object's thread ------------------------------------------------------

    @Slot(object)
    def _on_ca(self, item: object) -> None:
        if self._closed:
            return
        if isinstance(item, bool):
            self.connected = item
            if not item and self.last is not None:
                self.last = PVEvent(pvname=self.pvname, value=self.last.value, connected=False)
            self.connection.emit(item)
            return
        assert isinstance(item, PVEvent)
        self.connected = True
        self.last = item
        self.changed.emit(item)

    def put(self, value: Any) -> bool:
        """Write ``value`` without waiting; False when the PV is not connected."""
        if not self._holder or not self.connected:
            return False
        self._holder[0].put(value, wait=False)
        return True

    def close(self) -> None:
        """Drop the subscription and every callback; no signal fires after this."""
        if self._closed:
            return
        self._closed = True
        _release(self._holder)
        with contextlib.suppress(TypeError, RuntimeError):
            self._from_ca.disconnect()
