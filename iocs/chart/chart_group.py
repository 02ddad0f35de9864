"""One chart of the chart IOC: its PV group subscribes PVs, draws them, serves the frames.

Intake is lossless (every monitor update enters the histories of
:class:`~chartioc.iocs.chart.engine.ChartEngine`); drawing is lossy: a frame
is drawn only when something changed, at most ``MaxRate`` times a second, in
a worker thread so that Channel Access traffic never waits for matplotlib
(:class:`~chartioc.iocs.chart.render_loop.RenderLoop`). Sources that are
motor records are followed through ``Motors``
(:class:`~chartioc.iocs.chart.motor_link.MotorLink`) on the same monitor.
Every chart of one IOC shares the IOC's monitor (``parent.monitor``, see
:mod:`~chartioc.iocs.chart.ioc`): a PV several charts draw has one channel.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
from caproto import ChannelType
from caproto.server import PVGroup, SubGroup, pvproperty

from chartioc.client.ca.limits import MAX_STRING
from chartioc.client.ca.monitor import PVMonitor
from chartioc.iocs.chart.counts_group import CountsGroup
from chartioc.iocs.chart.engine import ChartConfig, ChartEngine, ConfigError, record_field
from chartioc.iocs.chart.error_note import ErrorNote
from chartioc.iocs.chart.fit_group import FitGroup
from chartioc.iocs.chart.image_group import ImageGroup, to_mono
from chartioc.iocs.chart.pva_group import PvaGroup
from chartioc.iocs.chart.render_loop import Frame, FrameRequest, RenderLoop
from chartioc.iocs.chart.render_workers import RenderPool
from chartioc.iocs.chart.settings import source_name, with_slot
from chartioc.iocs.chart.settings_group import SettingsGroup
from chartioc.iocs.chart.source_states import banner_problems
from chartioc.iocs.chart.sources import ChartSources, SourceHooks
from chartioc.iocs.chart.stats_group import StatsGroup
from chartioc.iocs.chart.status import unusable_summary
from chartioc.iocs.chart.status_group import StatusGroup

__all__ = ["ChartGroup"]

STATUS_PERIOD = 1.0
#: Seconds a source put waits for the named PV to connect and say its type. Within it a
#: PV that is not a number is refused at the put; EPICS caput -c waits 1 s by default.
#: A motor readback's put waits as long again for its record's type (At-rest sampling).
PUT_WAIT = 0.5


class ChartGroup(PVGroup):
    """One chart, ``{prefix}`` being e.g. ``BEAMLINE:chart:`` (one chart) or
    ``BEAMLINE:chart:scan:`` (chart ``scan`` of a many-chart IOC).

    PVs
    ---
    Settings: see :class:`SettingsGroup` (``Kind``, ``X``, ``Y1``..``Y4``, ``Z``, ...).
    Readbacks: ``RenderTime_RBV`` (ms), ``FramesRendered_RBV``, ``UpdatesReceived_RBV``,
    ``UpdatesCoalesced_RBV``: see :class:`CountsGroup`; ``InputsConnected_RBV``,
    ``InputsTotal_RBV``, ``Status_RBV`` (39 characters), ``StatusMessage_RBV`` (the whole
    status, a char waveform): see :class:`StatusGroup`.
    Statistics (``Peak*``, ``Pairs*``, ``Axes*``): see :class:`StatsGroup`. The Gaussian
    fit (``Fit*_RBV``): see :class:`FitGroup`. Images: ``image1:`` RGB1 and ``image2:``
    Mono (see :class:`ImageGroup`). The pvAccess image ``Pva1:Image`` (``--pva``) and its
    ``Codec``, ``CodecQuality``, ``CompressedSize_RBV``, ``CompressionRatio_RBV``: see
    :class:`PvaGroup`.

    ``Name_RBV``: the chart's name (its part of the prefix; in a one-chart IOC the last
    part of the IOC prefix).

    Parameters
    ----------
    config
        The chart's first settings.
    chart_name
        Its name, for ``Name_RBV``.
    monitor
        The monitor to follow the sources on; by default the parent group's
        ``monitor`` (one for the whole IOC), else one of the chart's own.
        The chart draws in a worker process of the parent's ``render_pool``
        if it has one, else in a thread of its own.
    paused
        Start with ``Pause`` set (settings restored by autosave).
    codec_settings
        ``Codec`` and ``CodecQuality`` restored by autosave.
    """

    image1 = SubGroup(ImageGroup, prefix="image1:", mode="RGB1")
    image2 = SubGroup(ImageGroup, prefix="image2:", mode="Mono")
    fit_pvs = SubGroup(FitGroup, prefix="Fit")
    settings = SubGroup(SettingsGroup, prefix="")
    stats = SubGroup(StatsGroup, prefix="")

    counts = SubGroup(CountsGroup, prefix="")  # RenderTime_RBV, FramesRendered_RBV, Updates*
    status_pvs = SubGroup(StatusGroup, prefix="")  # Inputs*_RBV, Status_RBV, StatusMessage_RBV
    pva = SubGroup(PvaGroup, prefix="")  # Codec, CodecQuality, Compress*_RBV; Pva1:Image
    name_rbv = pvproperty(
        value="",
        name="Name_RBV",
        dtype=ChannelType.STRING,
        read_only=True,
        doc="The chart's name",
    )

    def __init__(
        self,
        *args: Any,
        config: ChartConfig | None = None,
        chart_name: str = "",
        monitor: PVMonitor | None = None,
        paused: bool = False,
        codec_settings: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.chart_name = chart_name
        self._start_paused = paused
        self._start_codec = codec_settings
        if monitor is None:
            monitor = getattr(self.parent, "monitor", None)
        pool: RenderPool | None = getattr(self.parent, "render_pool", None)
        self.engine = ChartEngine(config or ChartConfig())
        self.render = RenderLoop(
            self._frame_request,
            self._publish,
            max_rate=lambda: self.engine.config.max_rate,
            paused=lambda: self.settings.paused,
            report=self._render_problem,
            width=self.engine.config.width,
            height=self.engine.config.height,
            remote=pool.renderer(self.engine.config.width * self.engine.config.height)
            if pool is not None
            else None,
        )
        hooks = SourceHooks(
            dirty=self.render.mark_dirty,
            updated=self.render.note_update,
            points_added=self._points_added,
            status_changed=self._update_status,
        )
        self.sources = ChartSources(self.engine, hooks, monitor)
        self.error = ErrorNote()  # the refused setting or render error the status shows
        self._config_lock = asyncio.Lock()  # one configuration change at a time
        self._tasks: list[asyncio.Task[None]] = []
        self.settings.attach(self)
        self.fit_pvs.attach(self._fit_points, self.render.mark_dirty)

    # -- settings (SettingsHandler) ------------------------------------------------------------
    async def configure(self, **changes: Any) -> None:
        """Validate and apply a configuration change; refuse with a status text."""
        async with self._config_lock:
            if callable(changes.get("ys")):  # from the current sources, under the lock
                changes["ys"] = changes["ys"](self.engine.config.ys)
            try:
                config = self.engine.config.with_(**changes)
            except ConfigError as ex:
                await self.refuse(str(ex))
                raise
            self.error.accept()
            old = set(self.engine.config.sources())
            self.engine.configure(config)
            await self.sources.follow(old)
            await self.status_pvs.publish_total(len(config.sources()))
            self.fit_pvs.mark_stale(reset=True)
            self.render.mark_dirty()

    async def set_source(self, slot: int | str, value: str) -> str:
        """A source put: refused if the name has spaces or the PV answers as no number."""
        try:
            name = source_name(value)
        except ConfigError as ex:
            await self.refuse(str(ex))
            raise
        answered = False
        if name:
            # A PV that answers within PUT_WAIT and is not a number is refused here; one
            # that answers later is checked when it connects.
            answered, refusal = await self.sources.refusal(name, PUT_WAIT)
            if refusal is not None:
                why = {name: (refusal.reason, refusal.brief)}
                await self.refuse(f"{name}: {refusal.reason}", unusable_summary(why))
                raise ConfigError(self.error.text)
        if isinstance(slot, str):
            await self.configure(**{slot: name})
        else:
            await self.configure(ys=lambda ys: with_slot(ys, slot, name))
        if answered and record_field(name, "DMOV"):  # At rest needs to know its motor
            await self.sources.wait_motor(name, PUT_WAIT)
        return name

    async def refuse(self, reason: str, short: str = "") -> None:
        """A refused setting: shown in the status until the next accepted one."""
        self.error.refuse(reason, short)
        await self._update_status()

    def clear(self) -> None:
        """Clear: forget every history and every point."""
        self.engine.clear()
        self.fit_pvs.mark_stale(reset=True)
        self.render.mark_dirty()

    def redraw(self) -> None:
        """Draw the newest state (after a pause)."""
        self.render.mark_dirty()

    # -- intake: what ChartSources tells --------------------------------------------------------
    def _points_added(self) -> None:
        cfg = self.engine.config
        if cfg.kind == "xy" and cfg.fit != "off":
            self.fit_pvs.mark_stale()

    def _fit_points(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The points of the xy statistics for the fit (a copy), or None with nothing to fit."""
        cfg = self.engine.config
        if cfg.kind != "xy" or cfg.fit == "off" or cfg.problem():
            return None
        return self.engine.stats_points()

    # -- drawing (RenderLoop's request and publish) -------------------------------------------
    async def _frame_request(self) -> FrameRequest:
        cfg = self.engine.config
        if cfg.problem():  # drawn too: a frame that names the problem replaces the old chart
            await self._update_status()
        x_box, y_box = self.sources.boxes()
        snap = self.engine.snapshot(
            time.time(), x_limits=x_box, y_limits=y_box, fit=self.fit_pvs.result
        )
        # the mono image only while someone monitors it; else made when read (ImageGroup)
        return FrameRequest(snap, cfg.width, cfg.height, mono=self.image2.wanted())

    async def _publish(self, frame: Frame) -> None:
        uid = await self.image1.publish(frame.rgb, timestamp=frame.timestamp)
        self.pva.publish(frame.rgb, uid, frame.timestamp)  # after CA; compressed in a thread
        if frame.mono is not None:
            await self.image2.publish(frame.mono, timestamp=frame.timestamp)
        else:
            rgb = frame.rgb
            await self.image2.publish_later(rgb.shape[:2], lambda: to_mono(rgb), frame.timestamp)
        await self.stats.publish_axes(frame.pixels, frame.limits)
        await self.counts.publish(frame, self.engine.updates_received)
        # Pairs and statistics: the same points and numbers the frame shows.
        pairs = None if self.engine.config.kind == "strip" else self.engine.pairs()
        await self.stats.publish(pairs, self.engine.peak_selection())

    async def _render_problem(self, report: str) -> None:
        if self.error.render_problem(report):
            await self._update_status()

    # -- status -------------------------------------------------------------------------------
    async def _update_status(self) -> None:
        """Publish the status (:class:`StatusGroup`) and the frames' banners."""
        inputs = self.sources.status_inputs(self.error.text, self.error.short, self.settings.paused)
        # the frames' banners: which sources are not numbers or not found
        for name, problem in banner_problems(self.engine.config.sources(), inputs).items():
            if self.engine.problem(name) != problem:
                self.engine.set_problem(name, problem)
                self.render.mark_dirty()
        await self.status_pvs.publish(inputs)

    @name_rbv.startup
    async def name_rbv(self, instance: Any, async_lib: Any) -> None:
        """Subscribe the sources, then start drawing and the status updates."""
        await self.name_rbv.write(self.chart_name[:MAX_STRING])
        await self.settings.show(self.engine.config, paused=self._start_paused)
        await self.pva.show(self._start_codec)
        await self.sources.follow(set())
        await self.status_pvs.publish_total(len(self.engine.config.sources()))
        self.render.mark_dirty()
        loop = asyncio.get_running_loop()
        sleep = async_lib.library.sleep
        self._tasks += [
            loop.create_task(self.render.run(sleep)),
            loop.create_task(self.fit_pvs.run(sleep)),
        ]
        self.fit_pvs.mark_stale(reset=True)
        while True:
            await self._update_status()
            await self.counts.publish_updates(self.engine.updates_received)
            await sleep(STATUS_PERIOD)
