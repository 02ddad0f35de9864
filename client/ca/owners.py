"""Who follows each PV of a shared monitor: a PV is kept while any owner follows it.

Pure: no Channel Access here. Several users (the chart IOC's sources and its
motors) follow PVs through one
:class:`~chartioc.client.ca.monitor.PVMonitor`, each as an owner: any
hashable, None by default. The monitor subscribes a PV when it is first
added and drops it when :meth:`Owners.unowned` says nobody follows it any more.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

__all__ = ["Owners"]


class Owners:
    """The owners of each PV name."""

    def __init__(self) -> None:
        self._owners: dict[str, set[Hashable]] = {}

    def add(self, names: Iterable[str], owner: Hashable) -> list[str]:
        """``owner`` follows ``names``; returns them in order, each once."""
        wanted = list(dict.fromkeys(names))
        for name in wanted:
            self._owners.setdefault(name, set()).add(owner)
        return wanted

    def discard(self, names: Iterable[str], owner: Hashable) -> list[str]:
        """``owner`` stops following ``names`` (those it did not follow are left alone).

        Returns ``names`` as a list; a name whose last owner went stays known
        (:meth:`unowned`) until :meth:`forget`.
        """
        names = list(names)
        for name in names:
            self._owners.get(name, set()).discard(owner)
        return names

    def unowned(self, names: Iterable[str]) -> list[str]:
        """Those of ``names`` that no owner follows."""
        return [name for name in names if not self._owners.get(name)]

    def forget(self, name: str) -> None:
        """Drop every owner of ``name``."""
        self._owners.pop(name, None)

    def of(self, owner: Hashable) -> set[str]:
        """The names ``owner`` follows."""
        return {name for name, owners in self._owners.items() if owner in owners}
