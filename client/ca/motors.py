"""``Motors``: follow and drive N motors (motor-record PVs) over caproto's asyncio client.

Inside an IOC it shares the IOC's event loop; from a plain script, run it
under ``asyncio.run``::

    import asyncio
    from chartioc.client.ca.motors import Motors

    async def main():
        motors = Motors("BEAMLINE:", ["motor"])
        motors.add_listener(print)            # every ValueUpdate / ConnectionChange
        await motors.start()
        await motors.wait_connected(timeout=5)
        await motors.move("motor", 2.5)        # returns when the move has ended
        print(motors.state("motor"))
        await motors.close()

    asyncio.run(main())

Several users in one process share one :class:`PVMonitor` (and so one CA
channel per PV): give it as ``monitor``. The chart IOC does so, and follows
only the fields it reads (``fields``); see :func:`is_motor_record` for how it
tells a motor record from any other PV.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from caproto.asyncio.client import Context

from chartioc.client.ca.monitor import Event, Listener, Metadata, PVMonitor, call_listeners

__all__ = ["MOTOR_FIELDS", "MOTOR_RECORD_TYPE", "MotorState", "Motors", "is_motor_record"]

log = logging.getLogger(__name__)

#: The fields each motor subscribes; ``running`` is this project's mock-motor PV.
MOTOR_FIELDS = ("VAL", "RBV", "running", "DMOV", "MOVN", "EGU", "PREC", "HLM", "LLM", "TWV")
#: What a motor record's ``.RTYP`` field reads.
MOTOR_RECORD_TYPE = "motor"


@dataclass(frozen=True)
class MotorState:
    """The latest known values of one motor's fields (None until received)."""

    name: str
    connected: bool
    val: float | None
    rbv: float | None
    running: bool | None
    dmov: bool | None
    egu: str
    prec: int
    hlm: float | None
    llm: float | None
    twv: float | None
    rbv_timestamp: float | None


class Motors:
    """Follow and drive motors ``{prefix}{name}`` for each name.

    Parameters
    ----------
    prefix
        PV prefix, e.g. ``BEAMLINE:``.
    names
        Motor names, e.g. ``["motor"]`` for ``BEAMLINE:motor``.
    context
        A caproto asyncio ``Context`` to share (one is made when None).
    timeout
        Default timeout of reads and connection waits, in seconds.
    monitor
        A :class:`PVMonitor` to share with other users (instead of ``context``):
        a field someone else follows too has one channel and one subscription,
        and :meth:`close` leaves the monitor open for them.
    fields
        The fields to follow (default :data:`MOTOR_FIELDS`); :meth:`state`
        reads None for the others.
    """

    def __init__(
        self,
        prefix: str,
        names: Sequence[str],
        context: Context | None = None,
        *,
        timeout: float = 5.0,
        monitor: PVMonitor | None = None,
        fields: Sequence[str] = MOTOR_FIELDS,
    ) -> None:
        if not names:
            raise ValueError("Motors needs at least one motor name")
        if monitor is not None and context is not None:
            raise ValueError("give Motors a context or a monitor, not both")
        self.prefix = prefix
        self.names = list(names)
        self.fields = tuple(fields)
        self._shared = monitor is not None
        self.monitor = monitor if monitor is not None else PVMonitor(context, timeout=timeout)
        self._listeners: list[Listener] = []
        self._pvnames = {self.pvname(n, f) for n in self.names for f in self.fields}
        self.monitor.add_listener(self._relay)

    def pvname(self, name: str, field: str) -> str:
        """The PV name of ``field`` of motor ``name`` (``BEAMLINE:motor.RBV``)."""
        self._check(name)
        return f"{self.prefix}{name}.{field}"

    def _check(self, name: str) -> None:
        if name not in self.names:
            raise KeyError(f"unknown motor {name!r}; known: {', '.join(self.names)}")

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every update and connection change of these motors'
        fields, in order (a shared monitor's other PVs are not passed on)."""
        self._listeners.append(listener)

    async def _relay(self, event: Event) -> None:
        if event.pvname in self._pvnames:
            await call_listeners(self._listeners, event)

    def field_of(self, pvname: str) -> tuple[str, str] | None:
        """(motor name, field) of one of these motors' PVs, else None."""
        if pvname not in self._pvnames:
            return None
        for name in self.names:
            head = f"{self.prefix}{name}."
            if pvname.startswith(head) and pvname[len(head) :] in self.fields:
                return name, pvname[len(head) :]
        return None

    async def start(self) -> None:
        """Subscribe every field of every motor (returns without waiting for connections)."""
        await self.monitor.add(sorted(self._pvnames), owner=self._owner)

    @property
    def _owner(self) -> Hashable:
        return self if self._shared else None

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until every field of every motor is connected."""
        await self.monitor.wait_connected(sorted(self._pvnames), timeout=timeout)

    def _value(self, name: str, field: str) -> Any:
        update = self.monitor.latest.get(self.pvname(name, field))
        return None if update is None else update.value

    def metadata(self, name: str) -> Metadata:
        """Units, precision and control limits of the motor's RBV."""
        return self.monitor.metadata.get(self.pvname(name, "RBV"), Metadata())

    def state(self, name: str) -> MotorState:
        """The latest known state of motor ``name``."""
        rbv = self.monitor.latest.get(self.pvname(name, "RBV"))
        egu = self._value(name, "EGU")
        connected = self.monitor.connected.get(self.pvname(name, "RBV"), False)
        running, dmov = self._value(name, "running"), self._value(name, "DMOV")
        return MotorState(
            name=name,
            connected=bool(connected),
            val=self._value(name, "VAL"),
            rbv=None if rbv is None else rbv.value,
            running=None if running is None else bool(running),
            dmov=None if dmov is None else bool(dmov),
            egu=_first(egu, self.metadata(name).units),
            prec=int(_first(self._value(name, "PREC"), self.metadata(name).precision)),
            hlm=self._value(name, "HLM"),
            llm=self._value(name, "LLM"),
            twv=self._value(name, "TWV"),
            rbv_timestamp=None if rbv is None else rbv.timestamp,
        )

    async def move(
        self, name: str, target: float, *, wait: bool = True, timeout: float | None = None
    ) -> None:
        """Move motor ``name`` to ``target``; with ``wait``, return when the move has ended."""
        await self.monitor.write(
            self.pvname(name, "VAL"), float(target), wait=wait, timeout=timeout
        )

    async def stop(self, name: str) -> None:
        """Stop motor ``name`` (STOP=1)."""
        await self.monitor.write(self.pvname(name, "STOP"), 1, wait=False, timeout=None)

    async def tweak(
        self, name: str, direction: int, *, wait: bool = True, timeout: float | None = None
    ) -> None:
        """Move motor ``name`` by +TWV (``direction > 0``) or -TWV (``direction < 0``)."""
        if direction == 0:
            raise ValueError("tweak direction must be +1 or -1")
        field = "TWF" if direction > 0 else "TWR"
        await self.monitor.write(self.pvname(name, field), 1, wait=wait, timeout=timeout)

    async def close(self) -> None:
        """Unsubscribe everything (and close the context if it was made here).

        With a shared monitor only these motors' fields go (those nobody else
        follows); the monitor stays open.
        """
        self.monitor.remove_listener(self._relay)
        if self._shared:
            await self.monitor.remove(sorted(self._pvnames), owner=self._owner)
        else:
            await self.monitor.close()

    async def __aenter__(self) -> Motors:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _first(value: Any, default: Any) -> Any:
    """``value`` unless it is None (0 and '' are real values)."""
    return default if value is None else value


async def is_motor_record(monitor: PVMonitor, record: str, timeout: float) -> bool | None:
    """Is ``record`` a motor record? Its ``.RTYP`` read once on ``monitor``'s context.

    True when it reads :data:`MOTOR_RECORD_TYPE`, False for another record
    type, None when nothing answered within ``timeout`` s (no such record, a
    server that is not up yet, or a server without record fields, such as a
    plain caproto PV). The channel is left idle afterwards. Never raises.
    """
    name = f"{record}.RTYP"
    try:
        (pv,) = await monitor.context.get_pvs(name, timeout=timeout)
        await pv.wait_for_connection(timeout=timeout)
        reading = await pv.read(timeout=timeout)
    except Exception as ex:  # no answer (in time): nothing known
        log.debug("%s: no answer within %.1f s (%s)", name, timeout, type(ex).__name__)
        return None
    with contextlib.suppress(Exception):
        await pv.go_idle()
    value: Any = reading.data[0] if len(reading.data) else b""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return str(value).strip() == MOTOR_RECORD_TYPE


__all__ += ["Event"]
