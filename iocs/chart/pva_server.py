"""The chart IOC's pvAccess server: p4p's, in the IOC process beside caproto (``--pva``).

p4p (the pvxs libraries in its wheel) runs its server in threads of its own;
the chart IOC adds its PVs (:class:`~p4p.server.raw.SharedPV`) to one
:class:`~p4p.server.StaticProvider` before the server starts, and posts to
them from the event loop or from the thread that compressed a frame.

Bound like the CA side: ``EPICS_PVAS_INTF_ADDR_LIST`` and the other
``EPICS_PVAS_*`` variables are read from the environment, as every EPICS 7
server reads them; when ``EPICS_PVAS_INTF_ADDR_LIST`` is unset the server
listens where caproto does (``--interfaces``). A server that listens on
loopback only sends its beacons to the loopback broadcast address, never off
the machine (unless ``EPICS_PVAS_BEACON_ADDR_LIST`` says otherwise).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["PvaServer", "server_config"]

log = logging.getLogger(__name__)

_LOOPBACK_BROADCAST = "127.255.255.255"


def _loopback(address: str) -> bool:
    return address.startswith("127.") or address == "localhost"


def server_config(interfaces: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    """The ``EPICS_PVAS_*`` settings the server gets on top of the environment's."""
    conf: dict[str, str] = {}
    if "EPICS_PVAS_INTF_ADDR_LIST" not in environ and interfaces:
        conf["EPICS_PVAS_INTF_ADDR_LIST"] = " ".join(interfaces)
    given = conf.get("EPICS_PVAS_INTF_ADDR_LIST", environ.get("EPICS_PVAS_INTF_ADDR_LIST", ""))
    listening = given.split()
    if listening and all(_loopback(a) for a in listening):
        conf.setdefault("EPICS_PVAS_AUTO_BEACON_ADDR_LIST", "NO")
        if "EPICS_PVAS_BEACON_ADDR_LIST" not in environ:
            conf["EPICS_PVAS_BEACON_ADDR_LIST"] = _LOOPBACK_BROADCAST
    return conf


class PvaServer:
    """The pvAccess PVs of one chart IOC, and the p4p server that serves them.

    Parameters
    ----------
    interfaces
        Where caproto listens (``--interfaces``): the default for
        ``EPICS_PVAS_INTF_ADDR_LIST``.
    """

    def __init__(self, interfaces: Sequence[str] = ()) -> None:
        from p4p.server import StaticProvider

        self.interfaces = tuple(interfaces)
        self.provider = StaticProvider("chartioc")
        self.names: list[str] = []
        self._server: Any = None

    def add(self, name: str, pv: Any) -> None:
        """Serve ``pv`` (a p4p ``SharedPV``, opened) as ``name``."""
        self.provider.add(name, pv)
        self.names.append(name)

    @property
    def running(self) -> bool:
        """True once :meth:`start` ran and until :meth:`stop`."""
        return self._server is not None

    def start(self) -> None:
        """Start serving (in p4p's threads); logs where."""
        from p4p.server import Server

        conf = server_config(self.interfaces, os.environ)
        self._server = Server(providers=[self.provider], conf=conf, useenv=True)
        where = self._server.conf()
        log.info(
            "pvAccess: %d PVs on %s, TCP port %s, UDP port %s",
            len(self.names),
            where.get("EPICS_PVAS_INTF_ADDR_LIST", "?"),
            where.get("EPICS_PVAS_SERVER_PORT", "?"),
            where.get("EPICS_PVAS_BROADCAST_PORT", "?"),
        )

    def stop(self) -> None:
        """Stop serving: clients are disconnected (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
