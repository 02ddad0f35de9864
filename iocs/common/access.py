"""Access rules for the IOCs, in the spirit of an EPICS access security (ASG) file.

A rules file lists, in order, which hosts and users may do what to which PVs;
the first rule that matches decides. When no rule matches, a client may read
and not write. Read-only PVs (readbacks, images) stay read-only whatever a
rule says: a rule can only take rights away from them.

Format: one rule per line, ``#`` starts a comment::

    # ACTION  PVS                     HOSTS                  USERS
    write     BEAMLINE:motor.*        ctrl-pc1,ctrl-pc2      *
    write     BEAMLINE:chart:*        *                      operator,alice
    none      BEAMLINE:det:noise      *                      *
    read      *                       *                      *

ACTION is ``write`` (read and write), ``read`` or ``none``; PVS, HOSTS and
USERS are comma-separated shell patterns (``*``, ``?``, ``[...]``), matched
case-sensitively for PVs and users, case-insensitively for hosts.

Hosts and users are what the client reports (the CA host name and user name
messages), as in EPICS base before host names were checked against
addresses: these rules keep honest clients from mistakes, they are not a
firewall. A line ``check-client-ip`` in the file changes that for HOSTS, as
EPICS' ``asCheckClientIP`` does: a rule's HOSTS are then matched against the
client's IP address (its TCP peer, which it cannot choose), each host name in
them resolved to its addresses when the file is loaded (a pattern such as
``10.0.1.*`` is matched against the address as written); the host name a
client claims is then ignored, in the logs too.

Parsing and the first match are pure (:mod:`chartioc.iocs.common.access_rules`).
The check itself is caproto's own hook, ``ChannelData.check_access(hostname,
username)``: :func:`apply_rules` wraps it for every PV of a ``pvdb``.
"""

from __future__ import annotations

import argparse
import logging
import socket
from collections.abc import Mapping
from typing import Any

from caproto import AccessRights

from chartioc.iocs.common.access_rules import AccessRules, Action, RulesError

__all__ = [
    "AccessRules",
    "RulesError",
    "apply_rules",
    "check_client_ip",
    "guarded",
    "resolve_host",
    "rights",
]

log = logging.getLogger(__name__)

#: Channel Access rights of each rule action.
RIGHTS: dict[Action, AccessRights] = {
    "write": AccessRights.READ | AccessRights.WRITE,
    "read": AccessRights.READ,
    "none": AccessRights.NO_ACCESS,
}


def rights(rules: AccessRules, pvname: str | tuple[str, ...], host: str, user: str) -> AccessRights:
    """The CA rights that ``rules`` give ``user`` on ``host`` for a PV (``AccessRules.action``)."""
    return RIGHTS[rules.action(pvname, host, user)]


def _wrap(channel: Any, names: tuple[str, ...], rules: AccessRules) -> None:
    own = channel.check_access

    def check_access(hostname: str | None, username: str | None) -> AccessRights:
        return own(hostname, username) & rights(rules, names, hostname or "", username or "")

    channel.check_access = check_access


def apply_rules(pvdb: Mapping[str, Any], rules: AccessRules) -> int:
    """Make every PV of ``pvdb``, record fields included, answer with ``rules``.

    A record (caproto ``record=...``) answers to ``NAME`` and ``NAME.VAL``;
    each field to ``NAME.FIELD``. Each channel keeps its own limit: a
    read-only PV stays read-only. Returns how many channels were wrapped.
    """
    seen: set[int] = set()
    for pvname, channel in list(pvdb.items()):
        fields = getattr(channel, "fields", None) or {}
        entries = [(channel, (pvname, f"{pvname}.VAL") if fields else (pvname,))]
        entries += [(f, (f"{pvname}.{name}",)) for name, f in fields.items() if f is not channel]
        for target, names in entries:
            if id(target) not in seen:
                seen.add(id(target))
                _wrap(target, names, rules)
    return len(seen)


def resolve_host(name: str) -> tuple[str, ...]:
    """The IPv4 addresses of host ``name`` (none, with a warning, if it does not resolve)."""
    try:
        infos = socket.getaddrinfo(name, None, family=socket.AF_INET)
    except OSError:
        log.warning("access rules: host %s does not resolve: it matches no client", name)
        return ()
    return tuple(sorted({str(info[4][0]) for info in infos}))


def check_client_ip() -> None:
    """Make each circuit's host name, for access checks and logs, its client's IP address.

    caproto keeps the host name a client claims as ``VirtualCircuit.client_hostname``
    and checks access with it; this makes that attribute the TCP peer's address
    (the claimed name is kept as ``claimed_hostname``). For every IOC of this process.
    """
    from caproto.asyncio.server import VirtualCircuit

    def peer(self: Any) -> str:
        return str(self.circuit.address[0])

    def claimed(self: Any, value: str | None) -> None:
        self.claimed_hostname = value

    VirtualCircuit.client_hostname = property(peer, claimed)


def guarded(pvdb: dict[str, Any], access: AccessRules | None) -> dict[str, Any]:
    """``pvdb`` with ``access`` applied (unchanged when None), ready for caproto's ``run``."""
    if access is not None:
        if access.check_client_ip:
            access = access.resolved(resolve_host)
            check_client_ip()
        count = apply_rules(pvdb, access)
        log.info("access rules from %s: %d rules on %d channels%s", access.source,
                 len(access.rules), count,
                 ", hosts matched by client address" if access.check_client_ip else "")  # fmt: skip
    return pvdb


def add_access_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--access FILE`` to an IOC's argument parser."""
    parser.add_argument(
        "--access",
        metavar="FILE",
        help="access rules file (see chartioc.iocs.common.access); default: everyone may write",
    )


def rules_from_args(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> AccessRules | None:
    """The rules named by ``--access``, or None; a bad file is a command-line error."""
    if not args.access:
        return None
    try:
        return AccessRules.load(args.access)
    except RulesError as ex:
        parser.error(str(ex))
        raise  # parser.error exits; this line is for type checkers
