"""Route PV updates to widget slots in the GUI thread (after BEC's ``BECDispatcher``).

``connect_slot(slot, pvname)`` subscribes ``slot`` to ``pvname``: the slot is
called with a :class:`~chartioc.gui.channel.PVEvent` on every update and
connection change, always in the GUI thread. One :class:`PVChannel` per PV
is shared by all its slots; the last slot to leave closes it. A slot bound
to a QObject is disconnected when that object is destroyed, so a closed
panel leaves no subscription behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from qtpy import sip
from qtpy.QtCore import QObject

from chartioc.gui.channel import PVChannel, PVEvent
from chartioc.gui.lifetime import when_destroyed

__all__ = ["PVDispatcher", "Slot"]

log = logging.getLogger(__name__)

Slot = Callable[[PVEvent], Any]


def _owner(slot: Slot) -> QObject | None:
    owner = getattr(slot, "__self__", None)
    return owner if isinstance(owner, QObject) else None


class PVDispatcher(QObject):
    """Shared PV subscriptions for a panel's widgets, delivered in the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._channels: dict[str, PVChannel] = {}
        self._slots: dict[str, list[Slot]] = {}
        self._watched: set[int] = set()
        slots = self._slots
        when_destroyed(self, slots.clear)  # its channels (children) close themselves

    @property
    def pvnames(self) -> list[str]:
        """The PVs with at least one slot."""
        return list(self._channels)

    def slot_count(self) -> int:
        """How many (slot, PV) connections exist."""
        return sum(len(s) for s in self._slots.values())

    def connect_slot(self, slot: Slot, pvname: str) -> None:
        """Call ``slot(event)`` for every update of ``pvname``, starting with the newest."""
        channel = self._channels.get(pvname)
        if channel is None:
            channel = PVChannel(pvname, parent=self)
            channel.changed.connect(self._deliver)
            channel.connection.connect(lambda up, name=pvname: self._on_connection(name, up))
            self._channels[pvname] = channel
            self._slots[pvname] = []
        if slot in self._slots[pvname]:
            return
        self._slots[pvname].append(slot)
        owner = _owner(slot)
        if owner is not None and id(owner) not in self._watched:
            key = id(owner)  # the slot holds the wrapper: the id stays valid
            self._watched.add(key)
            when_destroyed(owner, lambda: self._forget_owner(key))
        if channel.last is not None:
            self._call(slot, channel.last)

    def disconnect_slot(self, slot: Slot, pvname: str) -> None:
        """Stop calling ``slot`` for ``pvname``; close the PV when no slot is left."""
        slots = self._slots.get(pvname)
        if not slots or slot not in slots:
            return
        slots.remove(slot)
        if not slots:
            self._close_channel(pvname)

    def disconnect_all(self) -> None:
        """Close every subscription."""
        for pvname in list(self._channels):
            self._close_channel(pvname)
        self._watched.clear()

    def put(self, pvname: str, value: Any) -> str:
        """Write to a PV that has a slot, without waiting; return why not, or ``""``."""
        channel = self._channels.get(pvname)
        if channel is None:
            return f"{pvname} is not open here; nothing written"
        return channel.put(value)

    def disconnected(self) -> list[str]:
        """The PVs with slots that are not connected now."""
        return [name for name, channel in self._channels.items() if not channel.connected]

    def last(self, pvname: str) -> PVEvent | None:
        """The newest event of ``pvname``, if any."""
        channel = self._channels.get(pvname)
        return None if channel is None else channel.last

    # --- internals ---------------------------------------------------------------------

    def _deliver(self, event: PVEvent) -> None:
        for slot in list(self._slots.get(event.pvname, ())):
            self._call(slot, event)

    def _on_connection(self, pvname: str, up: bool) -> None:
        if up:
            return  # the value that follows a connection is delivered by _deliver
        channel = self._channels.get(pvname)
        if channel is not None and channel.last is not None:
            self._deliver(channel.last)
        else:
            self._deliver(PVEvent(pvname=pvname, connected=False))

    def _call(self, slot: Slot, event: PVEvent) -> None:
        try:
            slot(event)
        except RuntimeError as ex:  # the C++ side of the slot's widget is gone
            log.debug("dropping slot %r of %s: %s", slot, event.pvname, ex)
            self.disconnect_slot(slot, event.pvname)

    def _forget_owner(self, key: int) -> None:
        self._watched.discard(key)
        for pvname, slots in list(self._slots.items()):
            for slot in [s for s in slots if id(getattr(s, "__self__", None)) == key]:
                self.disconnect_slot(slot, pvname)

    def _close_channel(self, pvname: str) -> None:
        channel = self._channels.pop(pvname, None)
        self._slots.pop(pvname, None)
        if channel is not None:
            channel.close()
            if not sip.isdeleted(channel):
                channel.setParent(None)
                channel.deleteLater()
