"""The chart IOC's motors: sources that are motor records, followed through ``Motors``.

A source named like a motor-record field (:func:`~chartioc.iocs.chart.motor_names.motor_record`)
is a candidate; it is followed as a motor once its record's ``.RTYP`` reads
``motor`` (:func:`~chartioc.client.ca.motors.is_motor_record`, read once; a
record that does not answer is asked again when its source connects). Each
motor is one :class:`~chartioc.client.ca.motors.Motors` on the chart IOC's
own :class:`~chartioc.client.ca.monitor.PVMonitor`, so a field that is also a
source (``m1.RBV`` as X) has one channel and one subscription. The motors
supply the map's limit box (HLM, LLM), the done-moving flags of At-rest
sampling (DMOV), and the sources' units and precision (EGU, PREC).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable

from chartioc.client.ca.monitor import Event, PVMonitor
from chartioc.client.ca.motors import Motors, is_motor_record
from chartioc.iocs.chart.limit_box import Limits
from chartioc.iocs.chart.motor_names import CHART_MOTOR_FIELDS, motor_record

__all__ = ["CHECK_TIMEOUT", "MotorEvent", "MotorLink"]

log = logging.getLogger(__name__)

#: Seconds a record's ``.RTYP`` has to answer before the record counts as unknown.
CHECK_TIMEOUT = 2.0

#: ``on_event(record, field, event)``: an event of a followed motor's field.
MotorEvent = Callable[[str, str, Event], Awaitable[None] | None]


class MotorLink:
    """Follow the chart's motor sources through ``Motors``, one per motor record.

    Parameters
    ----------
    monitor
        The chart IOC's monitor; every motor's fields are followed through it.
    on_event
        Called for every event of a followed field (value or connection), in
        the monitor's order, after the chart's own listener has seen it.
    check_timeout
        Seconds a record's ``.RTYP`` may take to answer.
    """

    def __init__(
        self, monitor: PVMonitor, on_event: MotorEvent, *, check_timeout: float = CHECK_TIMEOUT
    ) -> None:
        self.monitor = monitor
        self._on_event = on_event
        self._timeout = check_timeout
        self._motors: dict[str, Motors] = {}  # record -> its Motors (wanted, and a motor)
        self._verdicts: dict[str, bool] = {}  # record -> is a motor record (it answered)
        #: records whose .RTYP did not answer while a source on them was connected: a PV
        #: with no record fields (a caproto PV), or a record too slow to answer
        self.unanswered: set[str] = set()
        self._checks: dict[str, asyncio.Task[None]] = {}
        self._wanted: set[str] = set()
        self._lock = asyncio.Lock()  # one change of the followed motors at a time

    @property
    def records(self) -> list[str]:
        """The motor records followed now."""
        return sorted(self._motors)

    @property
    def verdicts(self) -> dict[str, bool]:
        """Record -> is it a motor record, for each record whose ``.RTYP`` answered."""
        return dict(self._verdicts)

    def motors(self, record: str) -> Motors | None:
        """The ``Motors`` of ``record`` if it is followed."""
        return self._motors.get(record)

    async def follow(self, sources: Iterable[str]) -> None:
        """Follow the motors of ``sources``; stop following those no source names any more.

        A record not known yet is checked in the background (see
        :meth:`wait_checked`); a known motor is followed at once.
        """
        records = {r for r in (motor_record(s) for s in sources) if r}
        async with self._lock:
            self._wanted = records
            for record in sorted(set(self._motors) - records):
                await self._motors.pop(record).close()
            for record in sorted(records - set(self._motors)):
                verdict = self._verdicts.get(record)
                if verdict:
                    await self._start(record)
                elif verdict is None:
                    self._check(record)

    def source_connected(self, source: str) -> None:
        """A source connected: check its record again if it never answered."""
        record = motor_record(source)
        if record in self._wanted and record not in self._verdicts:
            self._check(record)

    def _source_connected(self, record: str) -> bool:
        """Is a followed PV of ``record`` (a source on it) connected?"""
        return any(
            up and motor_record(name) == record for name, up in self.monitor.connected.items()
        )

    async def wait_checked(self, source: str, timeout: float) -> None:
        """Wait up to ``timeout`` s for the check of ``source``'s record, if one runs."""
        record = motor_record(source)
        task = self._checks.get(record) if record else None
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=timeout)

    def limits(self, source: str) -> Limits | None:
        """(LLM, HLM) of ``source``'s motor as received (None each until then); None if no
        motor is followed for it."""
        record = motor_record(source)
        motors = self._motors.get(record) if record else None
        if motors is None or record is None:
            return None
        state = motors.state(record)
        return state.llm, state.hlm

    def units(self, source: str) -> tuple[str, int] | None:
        """(EGU, PREC) of ``source``'s motor (the RBV's metadata until they arrive); None if
        no motor is followed for it."""
        record = motor_record(source)
        motors = self._motors.get(record) if record else None
        if motors is None or record is None:
            return None
        state = motors.state(record)
        return state.egu, state.prec

    def _check(self, record: str) -> None:
        running = self._checks.get(record)
        if running is None or running.done():
            self._checks[record] = asyncio.ensure_future(self._run_check(record))

    async def _run_check(self, record: str) -> None:
        verdict = await is_motor_record(self.monitor, record, self._timeout)
        if verdict is None:
            if self._source_connected(record):  # its server answers, its .RTYP does not
                self.unanswered.add(record)
            log.debug("%s.RTYP: no answer; asked again when the source connects", record)
            return
        self.unanswered.discard(record)
        self._verdicts[record] = verdict
        if not verdict:
            log.debug("%s is not a motor record", record)
            return
        async with self._lock:
            if record in self._wanted and record not in self._motors:
                log.info("%s is a motor record: followed through Motors", record)
                await self._start(record)

    async def _start(self, record: str) -> None:
        motors = Motors("", [record], monitor=self.monitor, fields=CHART_MOTOR_FIELDS)
        motors.add_listener(functools.partial(self._relay, record, motors))
        self._motors[record] = motors
        await motors.start()

    async def _relay(self, record: str, motors: Motors, event: Event) -> None:
        where = motors.field_of(event.pvname)
        if where is None:
            return
        result = self._on_event(record, where[1], event)
        if result is not None:
            await result

    async def close(self) -> None:
        """Stop every check and every motor (the monitor stays open)."""
        for task in self._checks.values():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._checks.clear()
        async with self._lock:
            self._wanted = set()
            for record in sorted(self._motors):
                await self._motors.pop(record).close()
