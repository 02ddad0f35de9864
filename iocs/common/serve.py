"""Run an IOC's PV database the way both chartioc IOCs need it.

:func:`serve` replaces caproto's ``run`` in both IOC mains. On top of it:

- **Any number of IOCs on one machine are all found.** A unicast search to
  a UDP port that several servers share reaches only one of them, so on one
  machine clients search by the loopback broadcast address
  (``EPICS_CA_ADDR_LIST=127.255.255.255``), which reaches every server on the
  port. A socket bound to ``0.0.0.0`` receives those broadcasts; one bound to
  ``127.0.0.1`` does not, so an IOC told ``--interfaces 127.0.0.1`` also
  listens on ``127.255.255.255`` (it still answers from ``127.0.0.1``).
- **Beacons follow EPICS' defaults and stay where the IOC is.** EPICS servers
  send beacons to ``EPICS_CAS_BEACON_ADDR_LIST``, which defaults to
  ``EPICS_CA_ADDR_LIST`` (and ``EPICS_CAS_AUTO_BEACON_ADDR_LIST`` to
  ``EPICS_CA_AUTO_ADDR_LIST``); caproto instead beacons to
  ``255.255.255.255`` unless both server variables are set. An IOC bound to
  loopback only beacons to the loopback broadcast address.
- caproto's server fix (:mod:`.caproto_fixes`) and quiet logs (:mod:`.logs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any

from chartioc.iocs.common import caproto_fixes
from chartioc.iocs.common.access import guarded
from chartioc.iocs.common.logs import quiet_noise, quiet_refused_writes

__all__ = [
    "LOOPBACK_BROADCAST",
    "beacon_environment",
    "is_loopback",
    "log_to_console",
    "pv_names",
    "run_ioc",
    "serve",
]

log = logging.getLogger(__name__)

#: Reaches every server on a UDP port of this machine, however many share it.
LOOPBACK_BROADCAST = "127.255.255.255"


def is_loopback(interface: str) -> bool:
    """True for a loopback unicast address such as ``127.0.0.1`` (not the broadcast one)."""
    try:
        address = ipaddress.ip_address(interface)
    except ValueError:
        return interface == "localhost"
    return address.is_loopback and interface != LOOPBACK_BROADCAST


def beacon_environment(env: Mapping[str, str], interfaces: Sequence[str]) -> dict[str, str]:
    """The beacon variables to set so that caproto beacons as EPICS base does.

    Parameters
    ----------
    env
        The environment (``os.environ``).
    interfaces
        The interfaces the IOC binds.

    Returns
    -------
    dict
        Variables to add to the environment; those already set stay as they are.
    """
    updates: dict[str, str] = {}
    if "EPICS_CAS_BEACON_ADDR_LIST" not in env and env.get("EPICS_CA_ADDR_LIST"):
        updates["EPICS_CAS_BEACON_ADDR_LIST"] = env["EPICS_CA_ADDR_LIST"]
    if "EPICS_CAS_AUTO_BEACON_ADDR_LIST" not in env and "EPICS_CA_AUTO_ADDR_LIST" in env:
        updates["EPICS_CAS_AUTO_BEACON_ADDR_LIST"] = env["EPICS_CA_AUTO_ADDR_LIST"]
    auto = {**env, **updates}.get("EPICS_CAS_AUTO_BEACON_ADDR_LIST", "YES").upper() != "NO"
    if interfaces and all(is_loopback(i) for i in interfaces) and auto:
        # caproto's automatic list is 255.255.255.255: off this machine, and no
        # client of a loopback-only IOC is there. Beacon where the clients are.
        listed = {**env, **updates}.get("EPICS_CAS_BEACON_ADDR_LIST", "").split()
        updates["EPICS_CAS_BEACON_ADDR_LIST"] = " ".join(
            dict.fromkeys([*listed, LOOPBACK_BROADCAST])
        )
        updates["EPICS_CAS_AUTO_BEACON_ADDR_LIST"] = "NO"
    return updates


def _loopback_context_class() -> type:
    """caproto's asyncio server ``Context`` that also hears loopback broadcasts."""
    from caproto.asyncio.server import Context
    from caproto.asyncio.utils import _create_udp_socket, _DatagramProtocol

    class LoopbackContext(Context):
        """An asyncio server context; loopback interfaces also listen on 127.255.255.255.

        The extra socket only receives: caproto answers a search from every
        socket in ``udp_socks``, and the answer must come from ``127.0.0.1``
        (clients take the server's address from the reply's source).
        """

        def __init__(self, pvdb: Mapping[str, Any], interfaces: Any = None) -> None:
            super().__init__(pvdb, interfaces)
            self._broadcast_transports: dict[str, asyncio.BaseTransport] = {}

        async def _create_broadcaster_transport(self, interface: str) -> None:
            await super()._create_broadcaster_transport(interface)
            if not is_loopback(interface) or LOOPBACK_BROADCAST in self._broadcast_transports:
                return
            sock = _create_udp_socket()
            sock.bind((LOOPBACK_BROADCAST, self.ca_server_port))
            transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: _DatagramProtocol(
                    parent=self,
                    identifier=LOOPBACK_BROADCAST,
                    queue=self.broadcaster_datagram_queue,
                ),
                sock=sock,
            )
            self._broadcast_transports[LOOPBACK_BROADCAST] = transport
            log.debug(
                "also listening for searches on %s:%d", LOOPBACK_BROADCAST, self.ca_server_port
            )

        async def run(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return await super().run(*args, **kwargs)
            finally:
                for transport in self._broadcast_transports.values():
                    transport.close()

    return LoopbackContext


def pv_names(pvdb: Mapping[str, Any]) -> list[str]:
    """Every name a client can use: the PVs and, for records, their fields (``NAME.RBV``)."""
    names = []
    for name, data in pvdb.items():
        names.append(name)
        fields = getattr(data, "fields", None) or {}
        names.extend(f"{name}.{field}" for field in sorted(fields))
    return list(dict.fromkeys(names))


def log_to_console(verbose: int = 0) -> None:
    """Our own loggers (``chartioc.*``) to stdout in caproto's format: INFO, DEBUG with ``-v``."""
    logger = logging.getLogger("chartioc")
    if any(getattr(h, "_chartioc", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname).1s %(asctime)s.%(msecs)03d %(module)12s:%(lineno)5d] %(message)s",
            datefmt="%H:%M:%S",
        )
    )
    handler._chartioc = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)


def serve(
    pvdb: Mapping[str, Any],
    *,
    interfaces: Iterable[str] | None = None,
    log_pv_names: bool = False,
    startup_hook: Callable[..., Any] | None = None,
    verbose: int = 0,
    environ: MutableMapping[str, str] | None = None,
) -> None:
    """Serve ``pvdb`` until Ctrl-C or SIGTERM-free exit (caproto's ``run``, with the above).

    Parameters
    ----------
    pvdb
        The PV database.
    interfaces
        Interfaces to bind (caproto's ``--interfaces``); default from
        ``EPICS_CAS_INTF_ADDR_LIST`` (``0.0.0.0``).
    log_pv_names
        Log the PV names at start-up.
    startup_hook
        caproto's start-up hook.
    verbose
        ``-v`` count: our own log at DEBUG when set.
    environ
        The environment to read and complete (default ``os.environ``).
    """
    from caproto import get_server_address_list

    environ = os.environ if environ is None else environ
    interfaces = list(interfaces) if interfaces else list(get_server_address_list())
    environ.update(beacon_environment(environ, interfaces))
    caproto_fixes.apply()
    quiet_refused_writes()
    quiet_noise()
    log_to_console(verbose)
    if log_pv_names:  # caproto's list leaves out the record fields (BEAMLINE:motor.RBV)
        log.info("PVs available:\n%s", "\n".join("    " + name for name in pv_names(pvdb)))
    context_class = _loopback_context_class()

    async def _run() -> None:
        context = context_class(pvdb, interfaces)  # caproto's queues need the running loop
        await context.run(startup_hook=startup_hook)

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a clean stop, no traceback
        asyncio.run(_run())


def run_ioc(
    group_class: Callable[..., Any],
    ioc_options: Mapping[str, Any],
    run_options: Mapping[str, Any],
) -> None:
    """Build an IOC's ``PVGroup`` from its parsed options and serve it (both IOC mains).

    Parameters
    ----------
    group_class
        The IOC's group (``MotorIOC``, ``ChartIOC``).
    ioc_options
        Its keyword arguments, with ``access`` (the rules or None) among them.
    run_options
        ``interfaces``, ``log_pv_names`` and ``verbose`` from the command line.
    """
    options = dict(ioc_options)
    access = options.pop("access")
    log_to_console(run_options["verbose"])  # what building the IOC logs is formatted too
    ioc = group_class(**options)
    serve(
        guarded(ioc.pvdb, access),
        interfaces=run_options["interfaces"],
        log_pv_names=run_options["log_pv_names"],
        verbose=run_options["verbose"],
    )
