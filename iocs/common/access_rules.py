"""Access rules for the IOCs, the pure part: parse a rules file, find the first match.

The format and its meaning are described in :mod:`chartioc.iocs.common.access`,
which applies the rules to caproto's channels. Here a rule's right is its
action's name (``write``, ``read`` or ``none``); no Channel Access library is
imported.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["ACTIONS", "AccessRules", "Action", "Rule", "RulesError"]

#: What a rule allows: ``write`` (read and write), ``read`` or ``none``.
Action = Literal["write", "read", "none"]
ACTIONS: tuple[Action, ...] = ("write", "read", "none")
#: The action when no rule matches.
DEFAULT_ACTION: Action = "read"


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

    def matches(self, pvname: str, host: str, user: str) -> bool:
        """Whether this rule speaks for ``pvname`` accessed by ``user`` on ``host``."""
        return (
            any(fnmatch.fnmatchcase(pvname, p) for p in self.pvs)
            and any(fnmatch.fnmatchcase(host.lower(), h.lower()) for h in self.hosts)
            and any(fnmatch.fnmatchcase(user, u) for u in self.users)
        )


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
            if action not in ACTIONS:
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
