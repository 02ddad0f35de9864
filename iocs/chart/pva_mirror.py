"""Every PV of the chart IOC also over pvAccess, under the same name (``--pva``).

A PVA-only client (Phoebus with ``pva://``, ophyd-async, ``pvget``) sees the
whole chart: settings, readbacks, statistics and fit. Each caproto channel
becomes a p4p ``SharedPV`` of the matching normative type:

- numbers: ``NTScalar`` (``d`` or ``i``, with ``display`` units, precision and
  limits and ``control`` limits); arrays ``ad``/``ai``;
- strings and the text char waveforms (``StatusMessage_RBV``, ``Charts_RBV``):
  ``NTScalar`` ``s``;
- enums (``Kind``, ``Fit``, ``Codec``...): ``NTEnum`` with the CA choices.

The image data (``image1:ArrayData``, ``image2:ArrayData``) is left out: over
pvAccess the frame is the chart's NTNDArray ``Pva1:Image``.

Values follow the CA side exactly: each channel's ``publish`` (caproto calls
it on every write) also posts the new value, with the channel's time stamp
and alarm (severity as on CA; CA's condition, such as ``WRITE``, as
``alarm.message``). A put goes the way a CA put goes, through the channel's
``write_from_dbr`` (its putter, the chart's validation, the same refusal and
``Status_RBV`` text); the reason of a refusal is the PVA put's error. Access
is the channel's own (read-only stays read-only) and the IOC's rules
(``--access``) for puts; pvAccess has no claimed host name, so a rule's
HOSTS are matched against the client's address (names resolved to
addresses at start, as ``check-client-ip`` does for CA) and USERS against
its account. Reads are not checked (p4p has no per-client read hook): a PV
that a ``none`` rule names is not served over pvAccess at all
(:func:`unreadable`), nor is a chart's image when its ``image1:ArrayData``
is named.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from caproto import AccessRights, AlarmStatus, ChannelByte, ChannelType

from chartioc.iocs.common.access import AccessRules, resolve_host, rights

__all__ = ["PvaMirror", "mirrored", "unreadable"]

log = logging.getLogger(__name__)

#: Metadata a change of which is posted too (the value and time stamp may stay).
_METADATA = (
    "units",
    "precision",
    "lower_disp_limit",
    "upper_disp_limit",
    "lower_ctrl_limit",
    "upper_ctrl_limit",
)
#: The pvAccess alarm status of a CA alarm condition (its name goes in ``alarm.message``).
_PVA_STATUS_RECORD = 3

_NUMBERS = {
    ChannelType.DOUBLE: "d",
    ChannelType.FLOAT: "d",
    ChannelType.LONG: "i",
    ChannelType.INT: "i",
}


def mirrored(name: str, channel: Any) -> bool:
    """True for the channels served over pvAccess too (all but the image data)."""
    return not name.endswith("ArrayData") and not isinstance(channel, ChannelByte)


def unreadable(rules: AccessRules, pvdb: Mapping[str, Any]) -> set[str]:
    """The PVs of ``pvdb`` that a ``none`` rule of ``rules`` names (for some host or user).

    pvAccess reads go unchecked (p4p gives no per-client read hook), so such a PV is
    not served over pvAccess at all rather than served to everyone.
    """
    return {name for name in pvdb if rules.may_hide(name)}


def _peer_address(peer: str) -> str:
    """``"127.0.0.1:53211"`` (or ``"[::1]:53211"``) -> the address part."""
    host = peer.rsplit(":", 1)[0] if ":" in peer else peer
    return host.strip("[]")


class _Entry:
    """One channel and its SharedPV: what to post, how to take a put."""

    def __init__(self, mirror: PvaMirror, name: str, channel: Any) -> None:
        from p4p.nt import NTEnum, NTScalar

        self.mirror, self.name, self.channel = mirror, name, channel
        self.own_access: Callable[[str, str], AccessRights] = channel.check_access
        dtype = channel.data_type
        if dtype == ChannelType.ENUM:
            self.nt: Any = NTEnum()
            self.kind = "enum"
        elif dtype in (ChannelType.STRING, ChannelType.CHAR):
            # CHAR channels here are the text waveforms (StatusMessage_RBV, Charts_RBV); the
            # images are ChannelByte (dtype=bytes, uint8) and are left out (mirrored())
            self.nt, self.kind = NTScalar("s"), "text"
        else:
            code = _NUMBERS.get(dtype, "d")
            array = (getattr(channel, "max_length", 1) or 1) > 1
            self.nt = NTScalar(
                ("a" + code) if array else code, display=True, control=True, form=True
            )
            self.kind = "array" if array else "number"
        self.pv: Any = None
        self._last: tuple[Any, float] | None = None

    def value(self) -> Any:
        """The channel's value as its NT type holds it."""
        ch = self.channel
        if self.kind == "enum":
            choices = list(ch.enum_strings)
            # caproto keeps a choice as written: the string, or the index (a CA put's)
            current = ch.value
            if isinstance(current, str):
                index = choices.index(current) if current in choices else 0
            else:
                index = int(current)
            value = self.nt.wrap({"index": index, "choices": choices}, timestamp=ch.timestamp)
        elif self.kind == "text":
            text = ch.value
            if isinstance(text, bytes | bytearray):
                text = text.decode("latin-1")
            value = self.nt.wrap(str(text).rstrip("\x00"), timestamp=ch.timestamp)
        else:
            value = self.nt.wrap(ch.value, timestamp=ch.timestamp)
            value["display.units"] = str(getattr(ch, "units", "") or "")
            value["display.precision"] = int(getattr(ch, "precision", 0) or 0)
            for field, attr in (
                ("display.limitLow", "lower_disp_limit"),
                ("display.limitHigh", "upper_disp_limit"),
                ("control.limitLow", "lower_ctrl_limit"),
                ("control.limitHigh", "upper_ctrl_limit"),
            ):
                value[field] = float(getattr(ch, attr, 0) or 0)
        severity = int(ch.alarm.severity)
        if severity:
            # pvAccess alarm status codes are not CA's: CA's condition goes in the message
            value["alarm.severity"] = severity
            value["alarm.status"] = _PVA_STATUS_RECORD
            value["alarm.message"] = AlarmStatus(int(ch.alarm.status)).name
        return value

    def post(self) -> None:
        """Post the channel's value if it changed (value or time stamp)."""
        if self.pv is None:
            return
        ch = self.channel
        key = (
            repr(ch.value),
            ch.timestamp,
            int(ch.alarm.severity),
            int(ch.alarm.status),
            *(getattr(ch, a, None) for a in _METADATA),
        )
        if key == self._last:
            return
        self._last = key
        try:
            self.pv.post(self.value())
        except Exception as ex:  # a value PVA cannot carry: logged once per change
            log.warning("%s: not posted over pvAccess: %s", self.name, ex)

    def wire_data(self, value: Any) -> tuple[list[Any], ChannelType]:
        """What a CA put of ``value`` (a PVA put's value) would carry."""
        if self.kind == "enum":
            if isinstance(value, str):
                return [value.encode()], ChannelType.STRING
            return [float(value)], ChannelType.DOUBLE  # an index, sent as caput sends it
        if self.kind == "text":
            return [str(value).encode()], ChannelType.STRING
        if self.kind == "array":
            return list(value), self.channel.data_type
        return [value], self.channel.data_type

    async def put(self, pv: Any, op: Any) -> None:
        """A PVA put: access checked, then written as a CA put is (same refusals)."""
        try:
            await self._put(op)
        except Exception as ex:  # never leave a client waiting for its put
            log.warning("%s: pvAccess put failed: %s", self.name, ex)
            op.done(error=str(ex) or type(ex).__name__)

    async def _put(self, op: Any) -> None:
        address, account = _peer_address(op.peer()), op.account()
        allowed = self.own_access(address, account)
        if self.mirror.rules is not None:
            allowed &= rights(self.mirror.rules, self.name, address, account)
        if AccessRights.WRITE not in allowed:
            log.info("refused pvAccess write by %s (%s): %s: no write access", account,
                     address, self.name)  # fmt: skip
            op.done(error="Write access denied")
            return
        request = op.value()
        try:
            field = request["value.index"] if self.kind == "enum" else request["value"]
            data, data_type = self.wire_data(field)
            await self.channel.write_from_dbr(data, data_type, None)
        except Exception as ex:
            reason = str(ex) or type(ex).__name__
            log.info("refused pvAccess write by %s (%s): %s: %s", account, address, self.name,
                     reason)  # fmt: skip
            op.done(error=reason)
            return
        self.post()
        op.done()


class PvaMirror:
    """The chart IOC's PVs over pvAccess; values posted on every CA publish.

    Parameters
    ----------
    pvdb
        The IOC's PV database (every channel of :func:`mirrored` is served).
    rules
        The IOC's access rules (``--access``), or None: everyone may write
        what CA lets them write.
    """

    def __init__(self, pvdb: Mapping[str, Any], rules: AccessRules | None = None) -> None:
        # no claimed host names over pvAccess: HOSTS matched by address, names resolved
        by_address = replace(rules, check_client_ip=True) if rules is not None else None
        self.rules = by_address.resolved(resolve_host) if by_address is not None else None
        hidden = unreadable(rules, pvdb) if rules is not None else set()
        if hidden:
            log.warning(
                "pvAccess: %d PVs left out, an access rule may deny reading them (pvAccess "
                "reads are not checked): %s",
                len(hidden),
                " ".join(sorted(hidden)[:10]),
            )
        self.hidden = hidden
        self.entries = [
            _Entry(self, n, ch) for n, ch in pvdb.items() if mirrored(n, ch) and n not in hidden
        ]
        for entry in self.entries:
            self._follow(entry)

    @staticmethod
    def _follow(entry: _Entry) -> None:
        own = entry.channel.publish

        async def publish(flags: Any, *args: Any, **kwargs: Any) -> Any:
            result = await own(flags, *args, **kwargs)
            entry.post()
            return result

        entry.channel.publish = publish

    def serve(self, server: Any) -> None:
        """Open a SharedPV for every channel and add it to ``server`` (in the event loop)."""
        from p4p.server.asyncio import SharedPV

        for entry in self.entries:
            handler = _Handler(entry)
            entry.pv = SharedPV(handler=handler, initial=entry.value())
            server.add(entry.name, entry.pv)


class _Handler:
    """p4p's handler of one mirrored PV: puts go to :meth:`_Entry.put`."""

    def __init__(self, entry: _Entry) -> None:
        self.entry = entry

    async def put(self, pv: Any, op: Any) -> None:
        await self.entry.put(pv, op)
