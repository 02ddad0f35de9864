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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from caproto.asyncio.client import Context

from chartioc.client.ca.monitor import Event, Listener, Metadata, PVMonitor

__all__ = ["MOTOR_FIELDS", "MotorState", "Motors"]

#: The fields each motor subscribes; ``running`` is this project's mock-motor PV.
MOTOR_FIELDS = ("VAL", "RBV", "running", "DMOV", "MOVN", "EGU", "PREC", "HLM", "LLM", "TWV")


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
    """

    def __init__(
        self,
        prefix: str,
        names: Sequence[str],
        context: Context | None = None,
        *,
        timeout: float = 5.0,
    ) -> None:
        if not names:
            raise ValueError("Motors needs at least one motor name")
        self.prefix = prefix
        self.names = list(names)
        self.monitor = PVMonitor(context, timeout=timeout)

    def pvname(self, name: str, field: str) -> str:
        """The PV name of ``field`` of motor ``name`` (``BEAMLINE:motor.RBV``)."""
        self._check(name)
        return f"{self.prefix}{name}.{field}"

    def _check(self, name: str) -> None:
        if name not in self.names:
            raise KeyError(f"unknown motor {name!r}; known: {', '.join(self.names)}")

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every update and connection change, in order."""
        self.monitor.add_listener(listener)

    async def start(self) -> None:
        """Subscribe every field of every motor (returns without waiting for connections)."""
        await self.monitor.add(self.pvname(n, f) for n in self.names for f in MOTOR_FIELDS)

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until every field of every motor is connected."""
        await self.monitor.wait_connected(timeout=timeout)

    def _value(self, name: str, field: str):
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

    async def move(self, name: str, target: float, *, wait: bool = True, timeout=None) -> None:
        """Move motor ``name`` to ``target``; with ``wait``, return when the move has ended."""
        await self.monitor.write(
            self.pvname(name, "VAL"), float(target), wait=wait, timeout=timeout
        )

    async def stop(self, name: str) -> None:
        """Stop motor ``name`` (STOP=1)."""
        await self.monitor.write(self.pvname(name, "STOP"), 1, wait=False, timeout=None)

    async def tweak(self, name: str, direction: int, *, wait: bool = True, timeout=None) -> None:
        """Move motor ``name`` by +TWV (``direction > 0``) or -TWV (``direction < 0``)."""
        if direction == 0:
            raise ValueError("tweak direction must be +1 or -1")
        field = "TWF" if direction > 0 else "TWR"
        await self.monitor.write(self.pvname(name, field), 1, wait=wait, timeout=timeout)

    async def close(self) -> None:
        """Unsubscribe everything (and close the context if it was made here)."""
        await self.monitor.close()

    async def __aenter__(self) -> Motors:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()


def _first(value, default):
    """``value`` unless it is None (0 and '' are real values)."""
    return default if value is None else value


__all__ += ["Event"]
