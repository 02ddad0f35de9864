"""Input hardening both IOCs share: malformed writes refused with a reason, never stored.

On its own, caproto reads an empty DBR_STRING as 0, wraps a too large integer,
stores an unknown enum index (after which the PV cannot be read) and refuses
text that is not a number without saying which PV. :func:`guard_inputs` makes
each of these a ValueError that names the field (the CA put fails and the IOC
logs one line, see :mod:`chartioc.iocs.common.logs`), and a refused write
leaves the channel's alarm as it was. :func:`refuse_writes` makes a channel
refuse every client write with a fixed reason (the motor record's fields the
simulator does not implement).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from caproto import AccessRights, CaprotoConversionError, CaprotoValueError, ChannelType

__all__ = ["guard_inputs", "refuse_writes"]

#: Ranges of the integer channel types, for values sent as text (caproto would wrap them).
_INT_RANGES = {ChannelType.INT: (-(2**15), 2**15 - 1), ChannelType.LONG: (-(2**31), 2**31 - 1)}
_NUMBERS = (ChannelType.DOUBLE, ChannelType.FLOAT, ChannelType.INT, ChannelType.LONG)


def _wire_strings(data: Any) -> list[str]:
    """DBR_STRING data as text (caproto hands over bytes, a str or a list of them)."""
    items = [data] if isinstance(data, bytes | bytearray | str) else list(data)
    return [
        (item if isinstance(item, str) else bytes(item).decode("latin-1")).strip("\x00 \t")
        for item in items
    ]


def _expected(channel: Any) -> str:
    if channel.data_type == ChannelType.ENUM:
        return "one of " + ", ".join(channel.enum_strings)
    if channel.data_type in _INT_RANGES:
        return "an integer"
    return "a number"


def _guard(channel: Any, what: str) -> None:
    """Wrap one writable channel's ``write_from_dbr`` (and an enum's ``verify_value``)."""
    kind = channel.data_type
    write_from_dbr = channel.write_from_dbr

    async def checked_write(data: Any, data_type: Any, metadata: Any, *, flags: int = 0) -> Any:
        if data_type == ChannelType.STRING and kind in (*_NUMBERS, ChannelType.ENUM):
            texts = _wire_strings(data)
            if all(not text for text in texts):  # caproto would read "" as 0
                raise ValueError(f"{what} must be {_expected(channel)}, not an empty string")
            if kind in _INT_RANGES:
                low, high = _INT_RANGES[kind]
                for text in texts:
                    try:
                        number = int(text)
                    except ValueError:
                        continue  # caproto refuses it below
                    if not low <= number <= high:  # caproto would wrap it silently
                        raise ValueError(f"{what} must be within {low}..{high}, not {number}")
        alarm = channel.alarm
        before = (alarm.status, alarm.severity)
        try:
            return await write_from_dbr(data, data_type, metadata, flags=flags)
        except Exception as ex:
            # caproto sets WRITE/MAJOR on a refused write and nothing clears it (VAL would
            # stay in alarm): put back what the record said, as an EPICS IOC never alarms.
            if (alarm.status, alarm.severity) != before:
                await alarm.write(status=before[0], severity=before[1])
            if isinstance(ex, CaprotoConversionError):
                shown = _wire_strings(data)[0] if data_type == ChannelType.STRING else data
                raise ValueError(f"{what} must be {_expected(channel)}, not {shown!r}") from None
            if isinstance(ex, CaprotoValueError):  # e.g. too many elements for a scalar
                raise ValueError(f"{what}: {ex}") from None
            raise

    channel.write_from_dbr = checked_write
    if kind == ChannelType.ENUM:
        verify_value = channel.verify_value

        async def checked_verify(value: Any) -> Any:
            # caproto passes an unknown index on unchecked: the PV could no longer be read.
            choices = channel.enum_strings
            valid = value in choices if isinstance(value, str) else 0 <= value < len(choices)
            if not valid:
                shown = repr(value) if isinstance(value, str) else int(value)
                raise ValueError(f"{what} must be {_expected(channel)}, not {shown}")
            return await verify_value(value)

        channel.verify_value = checked_verify


def _channels(pvdb: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every channel of ``pvdb`` once, record fields included, with its PV name."""
    seen: set[int] = set()
    for pvname, channel in pvdb.items():
        fields = getattr(channel, "fields", None) or {}
        entries = [(pvname, channel)]
        entries += [(f"{pvname}.{name}", f) for name, f in fields.items() if f is not channel]
        for name, target in entries:
            if id(target) not in seen:
                seen.add(id(target))
                yield name, target


def guard_inputs(pvdb: Mapping[str, Any], prefix: str = "") -> int:
    """Make every writable channel of ``pvdb`` refuse malformed input with a clear reason.

    caproto reads an empty DBR_STRING as 0, wraps a too large integer, stores an
    unknown enum index (after which the PV cannot be read) and refuses text that is not
    a number without saying which PV. Each of these becomes a ValueError naming the
    field: ``VELO must be a number, not 'abc'``. Returns how many channels were guarded.
    """
    count = 0
    for pvname, channel in _channels(pvdb):
        if not channel.check_access("", "") & AccessRights.WRITE:
            continue  # read-only: caproto answers "Write access denied"
        if "." in pvname:
            what = pvname.rsplit(".", 1)[1]
        elif getattr(channel, "fields", None):
            what = "VAL"
        else:
            what = pvname.removeprefix(prefix)
        _guard(channel, what)
        count += 1
    return count


def refuse_writes(channel: Any, reason: str) -> None:
    """Make every client write to ``channel`` fail with ``ValueError(reason)``.

    Only ``write_from_dbr`` (the path of a client's write) is replaced, so caproto's
    internal writes (a field whose getter mirrors VAL's metadata, such as HOPR) still
    work and reads never fail.
    """

    async def write_from_dbr(
        data: Any, data_type: ChannelType, metadata: Any, *, flags: int = 0
    ) -> None:
        raise ValueError(reason)

    channel.write_from_dbr = write_from_dbr
