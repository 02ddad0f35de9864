"""``chartioc-chart``: the chart IOC. Subscribes PVs, draws charts, serves them as image PVs.

Intake is lossless (every monitor update enters the histories of
:class:`~chartioc.iocs.chart.engine.ChartEngine`); drawing is lossy: a frame
is drawn only when something changed, at most ``MaxRate`` times a second, in
a worker thread so that Channel Access traffic never waits for matplotlib.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from caproto import ChannelType
from caproto.server import PVGroup, SubGroup, pvproperty, template_arg_parser

from chartioc.client.ca.monitor import ConnectionChange, Event, NativeType, PVMonitor, ValueUpdate
from chartioc.iocs.chart.engine import (
    FIT_MODES,
    LIMITS,
    SAMPLE_MODES,
    ChartConfig,
    ChartEngine,
    ConfigError,
    record_field,
)
from chartioc.iocs.chart.fit_group import FitGroup
from chartioc.iocs.chart.image_group import ImageGroup, to_mono
from chartioc.iocs.chart.model import CHART_KINDS
from chartioc.iocs.chart.peakstats import empty_peak_stats
from chartioc.iocs.chart.render.renderer import ChartRenderer
from chartioc.iocs.chart.source_check import SourceRefusal, source_problem
from chartioc.iocs.chart.status import (
    MESSAGE_LENGTH,
    StatusInputs,
    compose_status,
    unusable_summary,
)
from chartioc.iocs.common.access import add_access_argument, guarded, rules_from_args
from chartioc.iocs.common.serve import serve

__all__ = ["ChartIOC", "main", "parse_args"]

log = logging.getLogger(__name__)

#: One place for the default settings: the PVs and the command line start from it.
DEFAULTS = ChartConfig()

PAIR_PV_LENGTH = 10_000  #: points published in PairsX_RBV / PairsY_RBV
STATUS_PERIOD = 1.0
#: Seconds a source put waits for the named PV to connect and say its type. Within it a
#: PV that is not a number is refused at the put; EPICS caput -c waits 1 s by default.
PUT_WAIT = 0.5
#: Seconds after a source is configured before one that never connected reads "not found".
SEARCH_TIME = 2.0
#: Native types of sources without a precision field: whole numbers (enum indexes). Compared
#: with what a source's server announces; no PV is made with them here.
_WHOLE_NUMBER_TYPES = (ChannelType.ENUM, ChannelType.CHAR, ChannelType.INT, ChannelType.LONG)
#: Enum strings of ``Sample`` and ``Fit``, in the order of SAMPLE_MODES and FIT_MODES.
SAMPLE_CHOICES = ("Each update", "At rest")
FIT_CHOICES = ("Off", "Gaussian")


def _string(name: str, value: str, doc: str, read_only: bool = False):
    return pvproperty(
        value=value, name=name, dtype=ChannelType.STRING, doc=doc, read_only=read_only
    )


def _text_pv(name: str, value: str, doc: str, max_length: int):
    """A read-only text PV longer than a DBR_STRING: a char waveform, as areaDetector's
    ``StatusMessage_RBV`` (``caget -S`` prints it as text). A text PV, not an image: image
    PVs are ``dtype=bytes`` (see ``image_group.py``)."""
    return pvproperty(
        value=value,
        name=name,
        dtype=ChannelType.CHAR,  # text, not an image
        max_length=max_length,
        read_only=True,
        doc=doc,
    )


def _as_number(value: object) -> float:
    """A monitor value as a float; NaN for anything that is not a number."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _stat(name: str, doc: str):
    return pvproperty(value=math.nan, name=name, read_only=True, precision=4, doc=doc)


def _limit_sources(pvname: str) -> tuple[str, str] | None:
    """``BEAMLINE:m1.RBV`` -> (``BEAMLINE:m1.LLM``, ``BEAMLINE:m1.HLM``); None if not a field."""
    low, high = record_field(pvname, "LLM"), record_field(pvname, "HLM")
    return None if low is None or high is None else (low, high)


def _axes_pv(name: str, doc: str):
    return pvproperty(
        value=[math.nan] * 4, name=name, max_length=4, read_only=True, precision=4, doc=doc
    )


class ChartIOC(PVGroup):
    """The chart IOC, ``{prefix}`` being e.g. ``BEAMLINE:chart:``.

    PVs
    ---
    Configuration (validated; a refused value leaves the setting and says why in Status_RBV):
    ``Kind`` (strip, xy, map, grid), ``X``, ``Y1``..``Y4``, ``Z`` (source PV names),
    ``Window`` (s), ``Width``, ``Height`` (pixels), ``MaxRate`` (Hz), ``Title``, ``Clear``,
    ``Pause``, ``Sample`` (Each update, At rest), ``Fit`` (Off, Gaussian), ``Colormap``,
    ``ColorLow``, ``ColorHigh``.

    Readbacks: ``RenderTime_RBV`` (ms), ``FramesRendered_RBV``, ``UpdatesReceived_RBV``,
    ``UpdatesCoalesced_RBV``, ``InputsConnected_RBV``, ``InputsTotal_RBV``, ``Status_RBV``
    (39 characters), ``StatusMessage_RBV`` (the whole status, a char waveform).

    Peak statistics of the xy chart: ``PeakMax_RBV``, ``PeakMaxX_RBV``, ``PeakMin_RBV``,
    ``PeakMinX_RBV``, ``PeakCen_RBV``, ``PeakCom_RBV``, ``PeakFwhm_RBV``, ``PeakPoints_RBV``,
    ``PeakFrom_RBV``, ``PeakBasis_RBV``; the plotted points: ``PairsX_RBV``, ``PairsY_RBV``.
    The Gaussian fit: ``Fit*_RBV`` (see :class:`FitGroup`). Where the plot area is:
    ``AxesPx_RBV``, ``AxesLimits_RBV``.

    Images: ``image1:`` RGB1 and ``image2:`` Mono (see :class:`ImageGroup`).
    """

    image1 = SubGroup(ImageGroup, prefix="image1:", mode="RGB1")
    image2 = SubGroup(ImageGroup, prefix="image2:", mode="Mono")
    fit_pvs = SubGroup(FitGroup, prefix="Fit")

    kind = pvproperty(
        value="strip",
        name="Kind",
        dtype=ChannelType.ENUM,
        enum_strings=CHART_KINDS,
        doc="Chart kind: strip, xy, map or grid",
    )
    x = _string("X", "", "X source PV (xy, map, grid)")
    y1 = _string("Y1", "", "Y source PV 1 (strip, xy, map, grid)")
    y2 = _string("Y2", "", "Y source PV 2 (strip)")
    y3 = _string("Y3", "", "Y source PV 3 (strip)")
    y4 = _string("Y4", "", "Y source PV 4 (strip)")
    window = pvproperty(
        value=DEFAULTS.window,
        name="Window",
        units="s",
        precision=1,
        lower_disp_limit=LIMITS["window"][0],
        upper_disp_limit=LIMITS["window"][1],
        doc="Strip chart time window",
    )
    width = pvproperty(
        value=DEFAULTS.width,
        name="Width",
        units="px",
        dtype=ChannelType.LONG,
        lower_disp_limit=LIMITS["width"][0],
        upper_disp_limit=LIMITS["width"][1],
        doc="Frame width",
    )
    height = pvproperty(
        value=DEFAULTS.height,
        name="Height",
        units="px",
        dtype=ChannelType.LONG,
        lower_disp_limit=LIMITS["height"][0],
        upper_disp_limit=LIMITS["height"][1],
        doc="Frame height",
    )
    max_rate = pvproperty(
        value=DEFAULTS.max_rate,
        name="MaxRate",
        units="Hz",
        precision=1,
        lower_disp_limit=LIMITS["max_rate"][0],
        upper_disp_limit=LIMITS["max_rate"][1],
        doc="Maximum frame rate",
    )
    title = _string("Title", "", "Chart title")
    z = _string("Z", "", "Value PV of the grid chart")
    sample = pvproperty(
        value=SAMPLE_CHOICES[SAMPLE_MODES.index(DEFAULTS.sample)],
        name="Sample",
        dtype=ChannelType.ENUM,
        enum_strings=SAMPLE_CHOICES,
        doc="xy/grid: a point on each update of Y1/Z, or each time the motors come to rest",
    )
    fit = pvproperty(
        value=FIT_CHOICES[FIT_MODES.index(DEFAULTS.fit)],
        name="Fit",
        dtype=ChannelType.ENUM,
        enum_strings=FIT_CHOICES,
        doc="Fit of the xy chart: Off or Gaussian",
    )
    colormap = _string("Colormap", DEFAULTS.colormap, "Colour map of the grid chart")
    color_low = pvproperty(
        value=DEFAULTS.color_low,
        name="ColorLow",
        precision=4,
        doc="Grid colour scale low end (ColorLow = ColorHigh: follow the data)",
    )
    color_high = pvproperty(
        value=DEFAULTS.color_high,
        name="ColorHigh",
        precision=4,
        doc="Grid colour scale high end (ColorLow = ColorHigh: follow the data)",
    )
    clear = pvproperty(
        value=0, name="Clear", dtype=ChannelType.INT, doc="Write 1 to forget every history"
    )
    pause = pvproperty(
        value="Run",
        name="Pause",
        dtype=ChannelType.ENUM,
        enum_strings=("Run", "Pause"),
        doc="Pause drawing (intake goes on)",
    )

    render_time = pvproperty(
        value=0.0,
        name="RenderTime_RBV",
        units="ms",
        precision=1,
        read_only=True,
        doc="Time to draw the last frame",
    )
    frames_rendered = pvproperty(
        value=0,
        name="FramesRendered_RBV",
        dtype=ChannelType.LONG,
        read_only=True,
        doc="Frames drawn",
    )
    updates_received = pvproperty(
        value=0,
        name="UpdatesReceived_RBV",
        dtype=ChannelType.LONG,
        read_only=True,
        doc="Monitor updates entered in the histories",
    )
    updates_coalesced = pvproperty(
        value=0,
        name="UpdatesCoalesced_RBV",
        dtype=ChannelType.LONG,
        read_only=True,
        doc="Updates drawn together with a later one",
    )
    inputs_connected = pvproperty(
        value=0,
        name="InputsConnected_RBV",
        dtype=ChannelType.LONG,
        read_only=True,
        doc="Source PVs connected",
    )
    inputs_total = pvproperty(
        value=0,
        name="InputsTotal_RBV",
        dtype=ChannelType.LONG,
        read_only=True,
        doc="Source PVs configured",
    )
    status = _string(
        "Status_RBV", "starting", "What the IOC is doing, or what went wrong", read_only=True
    )
    status_message = _text_pv(
        "StatusMessage_RBV",
        "starting",
        "The whole status: every PV name, every reason (caget -S)",
        MESSAGE_LENGTH,
    )

    peak_max = _stat("PeakMax_RBV", "Largest y of the xy chart")
    peak_max_x = _stat("PeakMaxX_RBV", "x of the largest y")
    peak_min = _stat("PeakMin_RBV", "Smallest y of the xy chart")
    peak_min_x = _stat("PeakMinX_RBV", "x of the smallest y")
    peak_cen = _stat("PeakCen_RBV", "Centre: midpoint of the half-maximum crossings")
    peak_com = _stat("PeakCom_RBV", "Centre of mass")
    peak_fwhm = _stat("PeakFwhm_RBV", "Full width at half maximum")
    peak_points = pvproperty(
        value=0,
        name="PeakPoints_RBV",
        dtype=ChannelType.LONG,
        read_only=True,
        doc="Points the statistics are computed on",
    )
    peak_from = pvproperty(
        value=0,
        name="PeakFrom_RBV",
        dtype=ChannelType.LONG,
        read_only=True,
        doc="Index in PairsX_RBV/PairsY_RBV of the first point of the statistics",
    )
    peak_basis = _string(
        "PeakBasis_RBV",
        "",
        "Points of the statistics: scan points (At rest) or last sweep (Each update)",
        read_only=True,
    )
    pairs_x = pvproperty(
        value=[0.0],
        name="PairsX_RBV",
        max_length=PAIR_PV_LENGTH,
        read_only=True,
        doc="x of the plotted xy/map points (newest last)",
    )
    pairs_y = pvproperty(
        value=[0.0],
        name="PairsY_RBV",
        max_length=PAIR_PV_LENGTH,
        read_only=True,
        doc="y of the plotted xy/map points (newest last)",
    )
    axes_px = _axes_pv("AxesPx_RBV", "Plot area in frame pixels: left, top, right, bottom")
    axes_limits = _axes_pv("AxesLimits_RBV", "Data at the plot area's edges: x0, x1, y0, y1")

    def __init__(self, *args, config: ChartConfig | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.engine = ChartEngine(config or ChartConfig())
        self.renderer = ChartRenderer(self.engine.config.width, self.engine.config.height)
        self.monitor = PVMonitor()
        self.monitor.add_listener(self._on_event)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
        self._dirty = asyncio.Event()
        self._pending = 0  # updates since the last frame
        self._coalesced = 0
        self._frames = 0
        self._limits: dict[str, float] = {}
        self._limit_pvs: set[str] = set()
        self._error = ""  # the last refused setting, shown until the next good one
        self._error_short = ("", "")  # (long, 39-character form) of the last refusal
        self._unusable: dict[str, SourceRefusal] = {}  # connected sources that are no numbers
        self._followed_since: dict[str, float] = {}  # monotonic time each PV was added
        self._config_lock = asyncio.Lock()  # one configuration change at a time
        self._render_task: asyncio.Task | None = None
        self._fit_task: asyncio.Task | None = None
        self._rest_pvs: dict[str, float] = {}  # .DMOV of the motors -> latest value
        self.fit_pvs.attach(self._fit_points, self._dirty.set)

    # -- configuration -----------------------------------------------------------------------
    async def _configure(self, **changes) -> None:
        """Validate and apply a configuration change; refuse with a status text."""
        async with self._config_lock:
            await self._configure_locked(**changes)

    async def _configure_locked(self, **changes) -> None:
        if "ys" in changes and callable(changes["ys"]):
            changes["ys"] = changes["ys"](self.engine.config.ys)
        try:
            config = self.engine.config.with_(**changes)
        except ConfigError as ex:
            await self._refuse(str(ex))
            raise
        self._error = ""
        old_sources = set(self.engine.config.sources()) | self._limit_pvs | set(self._rest_pvs)
        self.engine.configure(config)
        await self._subscribe(old_sources)
        self.fit_pvs.mark_stale(reset=True)
        self._dirty.set()

    async def _subscribe(self, old: set[str]) -> None:
        cfg = self.engine.config
        wanted = set(cfg.sources())
        self._limit_pvs = set()
        if cfg.kind == "map":
            for src in (cfg.x, cfg.ys[0] if cfg.ys else ""):
                pair = _limit_sources(src) if src else None
                if pair:
                    self._limit_pvs.update(pair)
        wanted |= self._limit_pvs
        triggers = cfg.rest_triggers()
        self._rest_pvs = {pv: self._rest_pvs.get(pv, math.nan) for pv in triggers}
        wanted |= set(triggers)
        now = time.monotonic()
        for name in old - wanted:
            self._followed_since.pop(name, None)
            self._unusable.pop(name, None)
        for name in wanted - old:
            self._followed_since[name] = now
        await self.monitor.remove(old - wanted)
        await self.monitor.add(sorted(wanted - old))
        await self.inputs_total.write(len(cfg.sources()))

    # -- intake --------------------------------------------------------------------------------
    async def _on_event(self, event: Event) -> None:
        if isinstance(event, ValueUpdate):
            if event.pvname in self._unusable:
                return  # not a number: never charted
            if event.pvname in self._limit_pvs:
                self._limits[event.pvname] = _as_number(event.value)
                self._dirty.set()
            if event.pvname in self._rest_pvs:
                self._on_rest_pv(event.pvname, event.value, event.timestamp)
            taken = self.engine.points_taken
            if self.engine.ingest_value(event.pvname, event.value, event.timestamp):
                self._pending += 1
                self._dirty.set()
            if self.engine.points_taken != taken:
                self._points_changed()
        elif isinstance(event, ConnectionChange):
            if event.connected and self._refused_type(event.pvname, event.native):
                await self._update_status()
                return
            self._unusable.pop(event.pvname, None)
            md = self.monitor.metadata.get(event.pvname)
            if md is not None:
                whole = event.native is not None and event.native.data_type in _WHOLE_NUMBER_TYPES
                precision = 0 if whole else md.precision
                self.engine.set_metadata(event.pvname, md.units, precision)
            if self.engine.ingest_connection(event.pvname, event.connected, event.timestamp):
                if not event.connected:
                    log.warning("%s disconnected: a gap in its history from now", event.pvname)
                elif event.down_since is not None:
                    log.warning(
                        "%s reconnected after %.1f s",
                        event.pvname,
                        event.timestamp - event.down_since,
                    )
                self._dirty.set()
                await self._update_status()

    def _refused_type(self, pvname: str, native: NativeType | None) -> bool:
        """A source connected: True (and marked unusable) when it is not a number."""
        if native is None or pvname not in self.engine.config.sources():
            return False
        refusal = source_problem(pvname, native.data_type, native.count)
        if refusal is None:
            return False
        if self._unusable.get(pvname) != refusal:
            log.warning("%s: %s (%s); not charted", pvname, refusal.reason, native)
        self._unusable[pvname] = refusal
        return True

    def _on_rest_pv(self, pvname: str, value: object, timestamp: float) -> None:
        """A motor's .DMOV: take a point when the last moving motor comes to rest."""
        try:
            done = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            done = math.nan
        before = self._rest_pvs[pvname]
        self._rest_pvs[pvname] = done
        # A transition 0 -> 1 only: the first value after (re)connecting is not a move's end.
        at_rest = before == 0 and done == 1 and all(v == 1 for v in self._rest_pvs.values())
        if at_rest and self.engine.take_point(timestamp):
            self._pending += 1
            self._dirty.set()
            self._points_changed()

    def _points_changed(self) -> None:
        cfg = self.engine.config
        if cfg.kind == "xy" and cfg.fit != "off":
            self.fit_pvs.mark_stale()

    def _fit_points(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The points of the xy statistics for the fit (a copy), or None with nothing to fit."""
        cfg = self.engine.config
        if cfg.kind != "xy" or cfg.fit == "off" or cfg.problem():
            return None
        return self.engine.stats_points()

    # -- drawing -----------------------------------------------------------------------------
    def _box(self, src: str) -> tuple[float, float] | None:
        pair = _limit_sources(src)
        if pair is None or not all(p in self._limits for p in pair):
            return None
        low, high = self._limits[pair[0]], self._limits[pair[1]]
        return (low, high) if high > low else None

    def _draw(self, snap, width: int, height: int):
        """Runs in the render thread (the only place the renderer is touched).

        Returns the RGB and mono frames and the plot area's geometry.
        """
        if (self.renderer.width, self.renderer.height) != (width, height):
            self.renderer.resize(width, height)
        rgb = self.renderer.render(snap)
        return rgb, to_mono(rgb), self.renderer.geometry()

    async def _render_loop(self, async_lib) -> None:
        last = 0.0
        while True:
            try:
                last = await self._render_once(async_lib, last)
            except asyncio.CancelledError:
                raise
            except Exception as ex:  # never let drawing stop silently
                log.exception("render loop")
                self._error = f"render error: {ex}"[:39]
                await self._update_status()
                await async_lib.library.sleep(1.0)

    async def _render_once(self, async_lib, last: float) -> float:
        """Wait for a change, draw one frame, publish it; return when it was drawn."""
        loop = asyncio.get_running_loop()
        await self._dirty.wait()
        if self.pause.value == "Pause":
            await async_lib.library.sleep(0.1)
            return last
        wait = last + 1.0 / self.engine.config.max_rate - time.monotonic()
        if wait > 0:
            await async_lib.library.sleep(wait)
        self._dirty.clear()
        pending, self._pending = self._pending, 0
        self._coalesced += max(pending - 1, 0)
        cfg = self.engine.config
        if cfg.problem():  # drawn too: a frame that names the problem replaces the old chart
            await self._update_status()
        x_box = self._box(cfg.x) if cfg.kind == "map" else None
        y_box = self._box(cfg.ys[0]) if cfg.kind == "map" and cfg.ys else None
        snap = self.engine.snapshot(
            time.time(), x_limits=x_box, y_limits=y_box, fit=self.fit_pvs.result
        )
        last = time.monotonic()
        t0 = time.perf_counter()
        rgb, mono, (pixels, limits) = await loop.run_in_executor(
            self._executor, self._draw, snap, cfg.width, cfg.height
        )
        elapsed_ms = (time.perf_counter() - t0) * 1e3
        self._frames += 1
        # The frame's time stamp is when its newest sample was taken (see ChartSnapshot).
        stamp = snap.newest_time(default=time.time())
        await self.image1.publish(rgb, timestamp=stamp)
        await self.image2.publish(mono, timestamp=stamp)
        for pv, values in ((self.axes_px, pixels), (self.axes_limits, limits)):
            values = [float(v) for v in values]
            if list(pv.value) != values:
                await pv.write(values)
        await self.render_time.write(elapsed_ms)
        await self.frames_rendered.write(self._frames)
        await self.updates_received.write(self.engine.updates_received)
        await self.updates_coalesced.write(self._coalesced)
        await self._publish_stats()
        if self._error.startswith("render error"):
            self._error = ""
        return last

    async def _publish_stats(self) -> None:
        """Pairs and peak statistics: the same points and numbers the frame shows.

        ``PairsX_RBV[PeakFrom_RBV : PeakFrom_RBV + PeakPoints_RBV]`` are the
        points the statistics are computed from (``PeakBasis_RBV`` says which);
        charts without statistics (strip, map, grid, a problem) publish NaN.
        """
        cfg = self.engine.config
        selection = self.engine.peak_selection()
        first = 0
        if cfg.kind != "strip":
            x, y = self.engine.pairs()
            keep = ~(np.isnan(x) | np.isnan(y))
            cut = max(int(keep.sum()) - PAIR_PV_LENGTH, 0)  # finite points not published
            x, y = x[keep][cut:], y[keep][cut:]
            if len(x) or len(self.pairs_x.value):  # and once more when a Clear emptied them
                await self.pairs_x.write(x)
                await self.pairs_y.write(y)
            if selection is not None:
                first = max(int(keep[: selection.start].sum()) - cut, 0)
        if self.peak_from.value != first:
            await self.peak_from.write(first)
        stats = selection.stats if selection is not None else empty_peak_stats()
        basis = selection.basis if selection is not None and stats.npoints else ""
        if selection is None and self.peak_points.value == 0 and not self.peak_basis.value:
            return  # no statistics, and the PVs say so already
        if self.peak_basis.value != basis:
            await self.peak_basis.write(basis)
        for pv, value in (
            (self.peak_max, stats.max[1]),
            (self.peak_max_x, stats.max[0]),
            (self.peak_min, stats.min[1]),
            (self.peak_min_x, stats.min[0]),
            (self.peak_cen, stats.cen),
            (self.peak_com, stats.com),
            (self.peak_fwhm, stats.fwhm),
        ):
            await pv.write(float(value))
        await self.peak_points.write(stats.npoints)

    def _status_inputs(self) -> StatusInputs:
        """The state the status is made of (see :mod:`chart_status`)."""
        connected, total = self.engine.connected_count()
        sources = self.engine.config.sources()
        down = set(self.engine.disconnected())
        now = time.monotonic()
        lost: list[str] = []  # were connected: an outage
        not_found: list[str] = []  # never answered: a typo, or an IOC that is not up
        connecting: list[str] = []  # not yet answered, within SEARCH_TIME
        for name in sources:
            if name in self._unusable or name not in down:
                continue
            if name in self.monitor.down_since:
                lost.append(name)
            elif now - self._followed_since.get(name, now) >= SEARCH_TIME:
                not_found.append(name)
            else:
                connecting.append(name)
        outages = [o for n, o in self.monitor.outages.items() if n in sources]
        long_error, short_error = self._error_short
        return StatusInputs(
            connected=connected,
            total=total,
            error=self._error,
            error_short=short_error if long_error == self._error else "",
            problem=self.engine.config.problem(),
            disconnected=lost,
            not_found=not_found,
            connecting=connecting,
            unusable={n: (r.reason, r.brief) for n, r in self._unusable.items() if n in sources},
            paused=self.pause.value == "Pause",
            outage=max(outages, key=lambda o: o[1]) if outages else None,
            now=time.time(),
        )

    async def _update_status(self) -> None:
        """Publish InputsConnected_RBV, Status_RBV and StatusMessage_RBV when they changed."""
        inputs = self._status_inputs()
        self._mark_problems(inputs)
        if self.inputs_connected.value != inputs.connected:
            await self.inputs_connected.write(inputs.connected)
        status = compose_status(inputs)
        if self.status.value != status.short:
            await self.status.write(status.short)
        if self.status_message.value != status.long:
            await self.status_message.write(status.long)

    def _mark_problems(self, inputs: StatusInputs) -> None:
        """Tell the frames which sources are not numbers or not found (their banner)."""
        for name in self.engine.config.sources():
            if name in inputs.unusable:
                problem = inputs.unusable[name][1]  # brief: "a string", "an image"
            elif name in inputs.not_found:
                problem = "not found"
            else:
                problem = ""
            if self.engine.problem(name) != problem:
                self.engine.set_problem(name, problem)
                self._dirty.set()

    async def _refuse(self, reason: str, short: str = "") -> None:
        """A refused setting: shown in the status until the next accepted one."""
        self._error = reason
        self._error_short = (reason, short)
        await self._update_status()

    @status.startup
    async def status(self, instance, async_lib):
        """Subscribe the sources, then start drawing and the status updates."""
        cfg = self.engine.config
        await self.kind.write(cfg.kind, verify_value=False)
        await self.x.write(cfg.x, verify_value=False)
        for pv, name in zip(
            (self.y1, self.y2, self.y3, self.y4), (*cfg.ys, "", "", "", ""), strict=False
        ):
            await pv.write(name, verify_value=False)
        for pv, value in (
            (self.window, cfg.window),
            (self.width, cfg.width),
            (self.height, cfg.height),
            (self.max_rate, cfg.max_rate),
            (self.title, cfg.title),
            (self.z, cfg.z),
            (self.sample, SAMPLE_CHOICES[SAMPLE_MODES.index(cfg.sample)]),
            (self.fit, FIT_CHOICES[FIT_MODES.index(cfg.fit)]),
            (self.colormap, cfg.colormap),
            (self.color_low, cfg.color_low),
            (self.color_high, cfg.color_high),
        ):
            await pv.write(value, verify_value=False)
        await self._subscribe(set())
        self._dirty.set()
        loop = asyncio.get_running_loop()
        self._render_task = loop.create_task(self._render_loop(async_lib))
        self._fit_task = loop.create_task(self.fit_pvs.run(async_lib.library.sleep))
        self.fit_pvs.mark_stale(reset=True)
        while True:
            await self._update_status()
            await self.updates_received.write(self.engine.updates_received)
            await async_lib.library.sleep(STATUS_PERIOD)

    # -- putters -----------------------------------------------------------------------------
    @kind.putter
    async def kind(self, instance, value):
        """Kind: strip, xy, map or grid."""
        await self._configure(kind=value)

    async def _source_put(self, slot: int | str, value: str) -> str:
        name = value.strip()
        if name and any(c.isspace() for c in name):
            await self._refuse("source PV names have no spaces")
            raise ConfigError(self._error)
        if name:
            # A PV that answers within PUT_WAIT and is not a number is refused here; one
            # that answers later is checked when it connects (_refused_type).
            native = await self.monitor.probe(name, PUT_WAIT)
            refusal = (
                None if native is None else source_problem(name, native.data_type, native.count)
            )
            if refusal is not None:
                await self.monitor.release(name)
                why = {name: (refusal.reason, refusal.brief)}
                await self._refuse(f"{name}: {refusal.reason}", unusable_summary(why))
                raise ConfigError(self._error)
        if isinstance(slot, str):
            await self._configure(**{slot: name})
        else:

            def with_slot(ys: tuple[str, ...]) -> tuple[str, ...]:
                # From the engine's current sources, under the lock: concurrent puts
                # to Y1..Y4 must not undo each other.
                padded = list(ys) + [""] * (4 - len(ys))
                padded[slot] = name
                while padded and not padded[-1]:
                    padded.pop()
                return tuple(padded)

            await self._configure(ys=with_slot)
        return name

    async def _choice(self, name: str, value, choices: Sequence[str]) -> str:
        """An enum put: caproto hands an out-of-range index through as an int; refuse it."""
        if value in choices:
            return value
        await self._refuse(f"{name} index {value} not in 0..{len(choices) - 1}")
        raise ConfigError(self._error)

    @x.putter
    async def x(self, instance, value):
        """X source PV."""
        return await self._source_put("x", value)

    @y1.putter
    async def y1(self, instance, value):
        """Y source PV 1."""
        return await self._source_put(0, value)

    @y2.putter
    async def y2(self, instance, value):
        """Y source PV 2."""
        return await self._source_put(1, value)

    @y3.putter
    async def y3(self, instance, value):
        """Y source PV 3."""
        return await self._source_put(2, value)

    @y4.putter
    async def y4(self, instance, value):
        """Y source PV 4."""
        return await self._source_put(3, value)

    @z.putter
    async def z(self, instance, value):
        """Z: value PV of the grid chart."""
        return await self._source_put("z", value)

    @sample.putter
    async def sample(self, instance, value):
        """Sample: Each update, or At rest (a point each time the motors stop)."""
        choice = await self._choice("Sample", value, SAMPLE_CHOICES)
        await self._configure(sample=SAMPLE_MODES[SAMPLE_CHOICES.index(choice)])

    @fit.putter
    async def fit(self, instance, value):
        """Fit: Off or Gaussian."""
        choice = await self._choice("Fit", value, FIT_CHOICES)
        await self._configure(fit=FIT_MODES[FIT_CHOICES.index(choice)])

    @colormap.putter
    async def colormap(self, instance, value):
        """Colormap: a matplotlib colour map name (viridis, gray, inferno, ...)."""
        name = value.strip()
        await self._configure(colormap=name)
        return name

    @color_low.putter
    async def color_low(self, instance, value):
        """ColorLow: low end of the grid colour scale."""
        await self._configure(color_low=value)

    @color_high.putter
    async def color_high(self, instance, value):
        """ColorHigh: high end of the grid colour scale."""
        await self._configure(color_high=value)

    @window.putter
    async def window(self, instance, value):
        """Window: seconds shown by the strip chart."""
        await self._configure(window=value)

    @width.putter
    async def width(self, instance, value):
        """Width in pixels (64..2048)."""
        await self._configure(width=value)

    @height.putter
    async def height(self, instance, value):
        """Height in pixels (64..2048)."""
        await self._configure(height=value)

    @max_rate.putter
    async def max_rate(self, instance, value):
        """Maximum frame rate in Hz (0.1..100)."""
        await self._configure(max_rate=value)

    @title.putter
    async def title(self, instance, value):
        """Chart title."""
        await self._configure(title=value)

    @clear.putter
    async def clear(self, instance, value):
        """Clear: 1 forgets every history; the PV reads 0 again."""
        if value:
            self.engine.clear()
            self.fit_pvs.mark_stale(reset=True)
            self._dirty.set()
        return 0

    @pause.putter
    async def pause(self, instance, value):
        """Pause: intake goes on, drawing stops; Run draws the newest state."""
        value = await self._choice("Pause", value, ("Run", "Pause"))
        if value == "Run":
            self._dirty.set()
        return value


def _word(modes: Sequence[str], choices: Sequence[str]):
    """An argparse type: a mode (``rest``) or its PV enum string (``At rest``), any case."""
    names = {m.lower(): m for m in modes} | {
        c.lower(): m for c, m in zip(choices, modes, strict=True)
    }

    def convert(text: str) -> str:
        try:
            return names[text.strip().lower()]
        except KeyError:
            words = ", ".join([*modes, *(repr(c) for c in choices)])
            raise argparse.ArgumentTypeError(f"{text!r}: one of {words}") from None

    return convert


def parse_args(argv: Sequence[str] | None = None):
    """Parse the command line into (IOC kwargs, caproto run kwargs)."""
    parser, split_args = template_arg_parser(
        default_prefix="BEAMLINE:chart:",
        desc="Chart IOC: draws PVs with matplotlib and serves the frames as image PVs.",
        supported_async_libs=["asyncio"],
    )
    parser.add_argument(
        "sources", nargs="*", metavar="PV", help="Y source PVs (strip: up to 4; others: Y1)"
    )
    parser.add_argument("--kind", choices=CHART_KINDS, default="strip")
    parser.add_argument("--x", default="", help="X source PV (xy, map, grid)")
    parser.add_argument("--z", default="", help="value PV (grid)")
    parser.add_argument(
        "--y",
        nargs="+",
        action="extend",
        default=[],
        metavar="PV",
        help="Y source PVs, as the positional PVs (strip: up to 4; others: Y1)",
    )
    parser.add_argument(
        "--sample",
        type=_word(SAMPLE_MODES, SAMPLE_CHOICES),
        default=DEFAULTS.sample,
        metavar="{update,rest}",
        help="xy/grid: a point on every update, or each time the motors come to rest; "
        "the PV's words 'Each update' and 'At rest' work too",
    )
    parser.add_argument(
        "--fit",
        type=_word(FIT_MODES, FIT_CHOICES),
        default=DEFAULTS.fit,
        metavar="{off,gaussian}",
        help="xy fit (or the PV's words 'Off', 'Gaussian')",
    )
    parser.add_argument("--colormap", default=DEFAULTS.colormap, help="grid colour map")
    parser.add_argument(
        "--color-limits",
        nargs=2,
        type=float,
        metavar=("LOW", "HIGH"),
        default=(DEFAULTS.color_low, DEFAULTS.color_high),
        help="grid colour scale (equal: follow the data)",
    )
    parser.add_argument("--window", type=float, default=DEFAULTS.window, help="strip window, s")
    parser.add_argument("--width", type=int, default=DEFAULTS.width)
    parser.add_argument("--height", type=int, default=DEFAULTS.height)
    parser.add_argument(
        "--max-rate", type=float, default=DEFAULTS.max_rate, help="frames per second, max"
    )
    parser.add_argument("--title", default="")
    add_access_argument(parser)
    args = parser.parse_args(argv)
    try:
        config = ChartConfig().with_(
            kind=args.kind,
            x=args.x,
            ys=(*args.sources, *args.y),
            window=args.window,
            width=args.width,
            height=args.height,
            max_rate=args.max_rate,
            title=args.title,
            z=args.z,
            sample=args.sample,
            fit=args.fit,
            colormap=args.colormap,
            color_low=args.color_limits[0],
            color_high=args.color_limits[1],
        )
    except ConfigError as ex:
        parser.error(str(ex))
    ioc_options, run_options = split_args(args)
    run_options["verbose"] = args.verbose or 0
    ioc_options.pop("macros", None)
    ioc_options["access"] = rules_from_args(parser, args)
    ioc_options["config"] = config
    return ioc_options, run_options


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``chartioc-chart``."""
    ioc_options, run_options = parse_args(argv)
    access = ioc_options.pop("access")
    ioc = ChartIOC(**ioc_options)
    serve(
        guarded(ioc.pvdb, access),
        interfaces=run_options["interfaces"],
        log_pv_names=run_options["log_pv_names"],
        verbose=run_options["verbose"],
    )


if __name__ == "__main__":
    main()
