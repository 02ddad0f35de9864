"""The chart IOC's inputs: its sources, their motors, and every event into the engine.

One :class:`~chartioc.client.ca.monitor.PVMonitor` carries every channel of
the IOC, for all its charts: each chart's configured sources (the chart's
:class:`ChartSources` is their owner) and the fields of their motors
(:class:`~chartioc.iocs.chart.motor_link.MotorLink`, one ``Motors`` each). A
PV several charts follow has one channel and one subscription; each chart
takes every event of its own sources (lossless for each). The events enter
the :class:`~chartioc.iocs.chart.engine.ChartEngine` in order; done-moving
flags go to the :class:`~chartioc.iocs.chart.triggers.RestTrigger`, which takes the points
of At-rest sampling. What changed is told through :class:`SourceHooks`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from caproto import ChannelType

from chartioc.client.ca.monitor import ConnectionChange, Event, NativeType, PVMonitor, ValueUpdate
from chartioc.iocs.chart.engine import ChartEngine
from chartioc.iocs.chart.limit_box import Box, map_box
from chartioc.iocs.chart.motor_link import MotorLink
from chartioc.iocs.chart.motor_names import motor_record, rest_motors, rest_problem
from chartioc.iocs.chart.source_check import SourceRefusal, source_problem
from chartioc.iocs.chart.source_states import status_inputs
from chartioc.iocs.chart.status import StatusInputs
from chartioc.iocs.chart.triggers import RestTrigger

__all__ = ["ChartSources", "SourceHooks"]

log = logging.getLogger(__name__)

#: Native types of sources without a precision field: whole numbers (enum indexes). Compared
#: with what a source's server announces; no PV is made with them here.
_WHOLE_NUMBER_TYPES = (ChannelType.ENUM, ChannelType.CHAR, ChannelType.INT, ChannelType.LONG)


@dataclass(frozen=True)
class SourceHooks:
    """What :class:`ChartSources` tells the IOC."""

    dirty: Callable[[], None]  #: something to draw changed
    updated: Callable[[], None]  #: an update (or a point at rest) entered the histories
    points_added: Callable[[], None]  #: the xy/map/grid pairs grew
    status_changed: Callable[[], Awaitable[None]]  #: publish the status now


class ChartSources:
    """Follow the engine's configured sources and feed their events into it."""

    def __init__(
        self, engine: ChartEngine, hooks: SourceHooks, monitor: PVMonitor | None = None
    ) -> None:
        self.engine = engine
        self.hooks = hooks
        # one channel per PV for the whole IOC (every chart, Motors included)
        self._own_monitor = monitor is None
        self.monitor = PVMonitor(values_only=True) if monitor is None else monitor
        self.monitor.add_listener(self._on_event)  # before this chart's Motors' listeners
        self.motor_link = MotorLink(self.monitor, self._on_motor_event)
        self.trigger = RestTrigger()
        self.unusable: dict[str, SourceRefusal] = {}  # connected sources that are no numbers
        self._followed_since: dict[str, float] = {}  # monotonic time each source was added

    # -- following -------------------------------------------------------------------------
    async def refusal(self, name: str, wait: float) -> tuple[bool, SourceRefusal | None]:
        """(answered within ``wait`` s, why it cannot be a source or None) of a PV to be."""
        native = await self.monitor.probe(name, wait)
        refusal = None if native is None else source_problem(name, native.data_type, native.count)
        if refusal is not None:
            await self.monitor.release(name)
        return native is not None, refusal

    async def follow(self, old: set[str]) -> None:
        """Follow the configured sources (and their motors) instead of ``old``."""
        cfg = self.engine.config
        wanted = set(cfg.sources())
        now = time.monotonic()
        for name in old - wanted:
            self._followed_since.pop(name, None)
            self.unusable.pop(name, None)
        adopted = sorted(n for n in wanted - old if self.monitor.is_followed(n))
        for name in wanted - old:
            self._followed_since[name] = now
        await self.monitor.remove(old - wanted, owner=self)
        await self.monitor.add(sorted(wanted - old), owner=self)
        for name in adopted:  # followed already (by Motors): no new events, take its state
            self._adopt(name)
        await self.motor_link.follow(cfg.sources())
        self.trigger.follow(rest_motors(cfg))

    async def wait_motor(self, name: str, timeout: float) -> None:
        """Wait up to ``timeout`` s until it is known whether ``name``'s record is a motor."""
        await self.motor_link.wait_checked(name, timeout)

    def _adopt(self, name: str) -> None:
        """A new source the monitor followed already: enter its connection and latest value,
        as a subscription of its own would (a PV that is down connects later, with events)."""
        if not self.monitor.connected.get(name):
            return
        native = self.monitor.native.get(name)
        if self._refused_type(name, native):
            return
        self._connected(name, native, time.time())
        latest = self.monitor.latest.get(name)
        if latest is not None:
            self._ingest(latest)

    # -- what the frame and the status need ----------------------------------------------------
    def boxes(self) -> tuple[Box | None, Box | None]:
        """The map's limit box from its motors' soft limits: (x side, y side)."""
        cfg = self.engine.config
        return map_box(cfg.kind, cfg.x, cfg.y1, self.motor_link.limits)

    def status_inputs(self, error: str, error_short: str, paused: bool) -> StatusInputs:
        """The state the status is made of (see :mod:`~chartioc.iocs.chart.source_states`)."""
        cfg = self.engine.config
        sources = cfg.sources()
        return status_inputs(
            sources=sources,
            connected=self.engine.connected_count()[0],
            disconnected=set(self.engine.disconnected()),
            down_since=self.monitor.down_since,
            outages=self.monitor.outages,
            followed_since=self._followed_since,
            unusable={n: (r.reason, r.brief) for n, r in self.unusable.items()},
            error=error,
            error_short=error_short,
            problem=cfg.problem()
            or rest_problem(cfg, self.motor_link.verdicts, self.motor_link.unanswered),
            paused=paused,
            monotonic=time.monotonic(),
            now=time.time(),
        )

    # -- intake ------------------------------------------------------------------------------
    async def _on_event(self, event: Event) -> None:
        if not self.engine.follows(event.pvname):
            return  # another chart's source (the monitor is the IOC's)
        if isinstance(event, ValueUpdate):
            self._ingest(event)
        elif event.connected and self._refused_type(event.pvname, event.native):
            await self.hooks.status_changed()
        elif event.connected:
            self.motor_link.source_connected(event.pvname)
            if self._connected(event.pvname, event.native, event.timestamp, event.down_since):
                await self.hooks.status_changed()
        else:
            self.unusable.pop(event.pvname, None)
            if self.engine.ingest_connection(event.pvname, False, event.timestamp):
                log.warning("%s disconnected: a gap in its history from now", event.pvname)
                self.hooks.dirty()
                await self.hooks.status_changed()

    def _ingest(self, event: ValueUpdate) -> None:
        if event.pvname in self.unusable:
            return  # not a number: never charted
        taken = self.engine.points_taken
        if self.engine.ingest_value(event.pvname, event.value, event.timestamp):
            self.hooks.updated()
        if self.engine.points_taken != taken:
            self.hooks.points_added()

    def _connected(
        self, name: str, native: NativeType | None, timestamp: float, down: float | None = None
    ) -> bool:
        """A source (re)connected and is a number: its units, and the end of a gap."""
        self.unusable.pop(name, None)
        md = self.monitor.metadata.get(name)
        if md is not None:
            whole = native is not None and native.data_type in _WHOLE_NUMBER_TYPES
            self.engine.set_metadata(name, md.units, 0 if whole else md.precision)
        self._motor_units(name)
        if not self.engine.ingest_connection(name, True, timestamp):
            return False
        if down is not None:
            log.warning("%s reconnected after %.1f s", name, timestamp - down)
        self.hooks.dirty()
        return True

    def _refused_type(self, pvname: str, native: NativeType | None) -> bool:
        """A source connected: True (and marked unusable) when it is not a number."""
        if native is None or pvname not in self.engine.config.sources():
            return False
        refusal = source_problem(pvname, native.data_type, native.count)
        if refusal is None:
            return False
        if self.unusable.get(pvname) != refusal:
            log.warning("%s: %s (%s); not charted", pvname, refusal.reason, native)
        self.unusable[pvname] = refusal
        return True

    def _on_motor_event(self, record: str, field: str, event: Event) -> None:
        """An event of a followed motor: done moving, soft limits, units."""
        if field == "DMOV":
            if isinstance(event, ConnectionChange):
                if not event.connected:
                    self.trigger.lost(record)
            elif self.trigger.update(record, event.value) and self.engine.take_point(
                event.timestamp
            ):
                self.hooks.updated()
                self.hooks.points_added()
        elif field in ("HLM", "LLM"):
            if isinstance(event, ValueUpdate) and self.engine.config.kind == "map":
                self.hooks.dirty()
        elif field in ("EGU", "PREC") and isinstance(event, ValueUpdate):
            for name in self.engine.config.sources():
                if motor_record(name) == record and self._motor_units(name):
                    self.hooks.dirty()

    def _motor_units(self, name: str) -> bool:
        """Units and precision of a motor source from its motor; False if it is none."""
        units = self.motor_link.units(name)
        if units is not None:
            self.engine.set_metadata(name, *units)
        return units is not None

    async def close(self) -> None:
        """Stop following anything: the motors, then the sources (a monitor of its own is
        closed; the IOC's shared one stays open for the other charts)."""
        await self.motor_link.close()
        self.monitor.remove_listener(self._on_event)
        if self._own_monitor:
            await self.monitor.close()
        else:
            await self.monitor.remove(self.monitor.followed(self), owner=self)
