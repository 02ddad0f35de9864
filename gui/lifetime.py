"""Run clean-up code when a Qt object is destroyed, safely.

Connecting ``obj.destroyed`` to a lambda or ``functools.partial`` crashes
PyQt5 when the object's Python wrapper goes before its C++ object (the
slot proxy then calls a freed callable; seen here under pytest-qt). The
callbacks here are held by one long-lived QObject, keyed by the C++
address of the watched object, and called from a bound slot of that
QObject, so they outlive any wrapper.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from qtpy import sip
from qtpy.QtCore import QObject, Slot

__all__ = ["pending_count", "when_destroyed"]

log = logging.getLogger(__name__)


#: sip's stubs say ``unwrapinstance`` returns None; it returns the C++ object's address.
_address = cast(Callable[[QObject], int], sip.unwrapinstance)


class _Reaper(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.callbacks: dict[int, list[Callable[[], None]]] = {}

    def watch(self, obj: QObject, callback: Callable[[], None]) -> None:
        key = _address(obj)
        if key not in self.callbacks:
            self.callbacks[key] = []
            obj.destroyed.connect(self.on_destroyed)
        self.callbacks[key].append(callback)

    @Slot(QObject)
    def on_destroyed(self, obj: QObject) -> None:
        for callback in self.callbacks.pop(_address(obj), []):
            try:
                callback()
            except Exception:  # clean-up must go on for the other callbacks
                log.exception("clean-up after a destroyed Qt object")


_reaper: _Reaper | None = None


def when_destroyed(obj: QObject, callback: Callable[[], None]) -> None:
    """Call ``callback()`` (in the GUI thread) when the C++ side of ``obj`` is destroyed.

    ``callback`` must not need ``obj``: by then only its address is left.
    """
    global _reaper
    if _reaper is None:
        _reaper = _Reaper()
    _reaper.watch(obj, callback)


def pending_count() -> int:
    """How many watched objects are still alive (for leak checks)."""
    return 0 if _reaper is None else len(_reaper.callbacks)
