"""Access rules for the IOCs, the pure part: parse a rules file, find the first match.

The format and its meaning are described in :mod:`chartioc.iocs.common.access`,
which applies the rules to caproto's channels. Here a rule's right is its
action's name (``write``, ``read`` or ``none``); no Channel Access library is
imported.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

__all__ = ["ACTIONS", "CHECK_CLIENT_IP", "AccessRules", "Action", "Rule", "RulesError"]

#: What a rule allows: ``write`` (read and write), ``read`` or ``none``.
Action = Literal["write", "read", "none"]
ACTIONS: tuple[Action, ...] = ("write", "read", "none")
#: The action when no rule matches.
DEFAULT_ACTION: Action = "read"
#: A line of its own that makes HOSTS match the client's address (EPICS' asCheckClientIP).
CHECK_CLIENT_IP = "check-client-ip"
#: Characters that make a HOSTS entry a pattern (not resolved to addresses).
_WILDCARDS = frozenset("*?[")


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the line."""


def _patterns(field: str) -> tuple[str, ...]:
    return tuple(p for p in (s.strip() for s in field.split(",")) if p)


@dataclass(frozen=True)
class Rule:
    """One line of a rules file."""

    action: Action
    pvs: tuple[str, ...]
    hosts: tuple[str, ...]
    users: tuple[str, ...]

    def names(self, pvname: str) -> bool:
        """Whether this rule's PVS patterns name ``pvname`` (whoever accesses it)."""
        return any(fnmatch.fnmatchcase(pvname, p) for p in self.pvs)

    def matches(self, pvname: str, host: str, user: str) -> bool:
        """Whether this rule speaks for ``pvname`` accessed by ``user`` on ``host``."""
        return (
            self.names(pvname)
            and any(fnmatch.fnmatchcase(host.lower(), h.lower()) for h in self.hosts)
            and any(fnmatch.fnmatchcase(user, u) for u in self.users)
        )


@dataclass(frozen=True)
class AccessRules:
    """An ordered list of rules; the first match decides, otherwise read-only."""

    rules: tuple[Rule, ...] = ()
    source: str = "<no rules>"
    #: True: a rule's HOSTS are matched against the client's address (its TCP peer),
    #: host names resolved to addresses (:meth:`resolved`); False: against the host
    #: name the client claims.
    check_client_ip: bool = False

    @classmethod
    def parse(cls, text: str, source: str = "<text>") -> AccessRules:
        """Rules from the text of a rules file; raises :class:`RulesError`."""
        rules = []
        check_ip = False
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.lower() == CHECK_CLIENT_IP:
                check_ip = True
                continue
            fields = line.split()
            if len(fields) != 4:
                raise RulesError(
                    f"{source}:{number}: need ACTION PVS HOSTS USERS, got {len(fields)} fields"
                )
            action = fields[0].lower()
            if action not in ACTIONS:
                raise RulesError(f"{source}:{number}: action must be write, read or none")
            pvs, hosts, users = (_patterns(f) for f in fields[1:])
            if not (pvs and hosts and users):
                raise RulesError(f"{source}:{number}: empty pattern list")
            rules.append(Rule(action, pvs, hosts, users))
        return cls(tuple(rules), source, check_ip)

    @classmethod
    def load(cls, path: str | Path) -> AccessRules:
        """Rules from a file; raises :class:`RulesError` (also when it cannot be read)."""
        try:
            text = Path(path).read_text()
        except OSError as ex:
            raise RulesError(f"cannot read rules file {path}: {ex.strerror}") from None
        return cls.parse(text, str(path))

    def resolved(self, resolve: Callable[[str], tuple[str, ...]]) -> AccessRules:
        """With ``check_client_ip``: each HOSTS name that is not a pattern joined by the
        addresses ``resolve(name)`` gives (a name that resolves to none matches no
        address); unchanged otherwise."""
        if not self.check_client_ip:
            return self
        rules = []
        for rule in self.rules:
            hosts: list[str] = []
            for host in rule.hosts:
                hosts.append(host)
                if not _WILDCARDS & set(host):
                    hosts += [a for a in resolve(host) if a not in hosts]
            rules.append(replace(rule, hosts=tuple(hosts)))
        return replace(self, rules=tuple(rules))

    def may_hide(self, pvname: str) -> bool:
        """Whether a ``none`` rule names ``pvname``: some client may not even read it."""
        return any(rule.action == "none" and rule.names(pvname) for rule in self.rules)

    def action(self, pvname: str | tuple[str, ...], host: str, user: str) -> Action:
        """What ``user`` on ``host`` may do to a PV (before the PV's own limits).

        ``pvname`` may be several names of one channel (``rec`` and ``rec.VAL``):
        the first rule that matches any of them decides; ``read`` when none does.
        """
        names = (pvname,) if isinstance(pvname, str) else pvname
        for rule in self.rules:
            if any(rule.matches(name, host, user) for name in names):
                return rule.action
        return DEFAULT_ACTION
