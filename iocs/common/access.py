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
firewall.

The check itself is caproto's own hook, ``ChannelData.check_access(hostname,
username)``: :func:`apply_rules` wraps it for every PV of a ``pvdb``.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from caproto import AccessRights

__all__ = ["AccessRules", "Rule", "RulesError", "apply_rules", "guarded"]

log = logging.getLogger(__name__)

_ACTIONS = {
    "write": AccessRights.READ | AccessRights.WRITE,
    "read": AccessRights.READ,
    "none": AccessRights.NO_ACCESS,
}


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the line."""


def _patterns(field: str) -> tuple[str, ...]:
    return tuple(p for p in (s.strip() for s in field.split(",")) if p)


@dataclass(frozen=True)
class Rule:
    """One line of a rules file."""

    action: str
    pvs: tuple[str, ...]
    hosts: tuple[str, ...]
    users: tuple[str, ...]

    def matches(self, pvname: str, host: str, user: str) -> bool:
        """Whether this rule speaks for ``pvname`` accessed by ``user`` on ``host``."""
        return (
            any(fnmatch.fnmatchcase(pvname, p) for p in self.pvs)
            and any(fnmatch.fnmatchcase(host.lower(), h.lower()) for h in self.hosts)
            and any(fnmatch.fnmatchcase(user, u) for u in self.users)
        )

    @property
    def rights(self) -> AccessRights:
        """The rights this rule grants."""
        return _ACTIONS[self.action]


@dataclass(frozen=True)
class AccessRules:
    """An ordered list of rules; the first match decides, otherwise read-only."""

    rules: tuple[Rule, ...] = ()
    source: str = "<no rules>"

    @classmethod
    def parse(cls, text: str, source: str = "<text>") -> AccessRules:
        """Rules from the text of a rules file; raises :class:`RulesError`."""
        rules = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) != 4:
                raise RulesError(
                    f"{source}:{number}: need ACTION PVS HOSTS USERS, got {len(fields)} fields"
                )
            action = fields[0].lower()
            if action not in _ACTIONS:
                raise RulesError(f"{source}:{number}: action must be write, read or none")
            pvs, hosts, users = (_patterns(f) for f in fields[1:])
            if not (pvs and hosts and users):
                raise RulesError(f"{source}:{number}: empty pattern list")
            rules.append(Rule(action, pvs, hosts, users))
        return cls(tuple(rules), source)

    @classmethod
    def load(cls, path: str | Path) -> AccessRules:
        """Rules from a file; raises :class:`RulesError` (also when it cannot be read)."""
        try:
            text = Path(path).read_text()
        except OSError as ex:
            raise RulesError(f"cannot read rules file {path}: {ex.strerror}") from None
        return cls.parse(text, str(path))

    def rights(self, pvname: str | tuple[str, ...], host: str, user: str) -> AccessRights:
        """What ``user`` on ``host`` may do to a PV (before the PV's own limits).

        ``pvname`` may be several names of one channel (``rec`` and ``rec.VAL``):
        the first rule that matches any of them decides.
        """
        names = (pvname,) if isinstance(pvname, str) else pvname
        for rule in self.rules:
            if any(rule.matches(name, host, user) for name in names):
                return rule.rights
        return AccessRights.READ


def _wrap(channel, names: tuple[str, ...], rules: AccessRules) -> None:
    own = channel.check_access

    def check_access(hostname, username):
        return own(hostname, username) & rules.rights(names, hostname or "", username or "")

    channel.check_access = check_access


def apply_rules(pvdb: Mapping[str, object], rules: AccessRules) -> int:
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


def guarded(pvdb: dict, access: AccessRules | None) -> dict:
    """``pvdb`` with ``access`` applied (unchanged when None), ready for caproto's ``run``."""
    if access is not None:
        count = apply_rules(pvdb, access)
        log.info("access rules from %s: %d rules on %d channels", access.source,
                 len(access.rules), count)  # fmt: skip
    return pvdb


def add_access_argument(parser) -> None:
    """Add ``--access FILE`` to an IOC's argument parser."""
    parser.add_argument(
        "--access",
        metavar="FILE",
        help="access rules file (see chartioc.iocs.common.access); default: everyone may write",
    )


def rules_from_args(parser, args) -> AccessRules | None:
    """The rules named by ``--access``, or None; a bad file is a command-line error."""
    if not args.access:
        return None
    try:
        return AccessRules.load(args.access)
    except RulesError as ex:
        parser.error(str(ex))
        raise  # parser.error exits; this line is for type checkers
