"""The chart IOC's live Gaussian fit: PVs ``Fit*`` and the task that keeps them current.

Fits run in a thread of their own, one at a time, on a copy of the xy
chart's points; frames never wait for a fit, and a fit never waits for a
frame. While a fit runs, new points only mark the fit as stale, so a burst
of updates costs one more fit, not one per update; and after each fit the
next waits three times as long as that one took (:func:`fit_pause`), so the
fit takes at most a quarter of a core and leaves the rest to the drawing.

scipy (about a second to import) is imported in the fit thread as soon as
the chart asks for a fit (at start, for a chart configured with one), not
with the IOC's modules: the IOC answers before it is loaded, and the first
fit waits only for what is left of the import.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from caproto import AlarmSeverity, AlarmStatus, ChannelType
from caproto.server import PVGroup, pvproperty

from chartioc.client.ca.limits import MAX_STRING
from chartioc.iocs.chart.fit import FitResult, fit_gaussian, load_solver

__all__ = ["FIT_STATES", "FitGroup"]

log = logging.getLogger(__name__)

#: Values of ``FitStatus_RBV``, in enum order.
FIT_STATES = ("Off", "Waiting", "OK", "Failed")
_STATE_INDEX = {"off": 0, "waiting": 1, "ok": 2, "failed": 3}
#: Shortest time between the starts of two fits.
MIN_FIT_PERIOD = 0.1
#: After a fit of t seconds, wait at least PAUSE_FACTOR * t before the next one.
PAUSE_FACTOR = 3.0


def fit_pause(elapsed: float) -> float:
    """Seconds from the end of a fit that took ``elapsed`` s to the start of the next.

    Fits take at most a quarter of one core however large the chart is, and
    start at most every :data:`MIN_FIT_PERIOD` s.
    """
    return max(MIN_FIT_PERIOD - elapsed, PAUSE_FACTOR * elapsed)


def _report_solver(done: Future[Any]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.error("the fit cannot run: scipy.optimize did not import (%s)", done.exception())


def timed_fit(x: np.ndarray, y: np.ndarray) -> tuple[FitResult, float]:
    """:func:`fit_gaussian` and the seconds it took (not counting a wait for the thread)."""
    t0 = time.perf_counter()
    result = fit_gaussian(x, y)
    return result, time.perf_counter() - t0


Points = Callable[[], tuple[np.ndarray, np.ndarray] | None]


def _param(name: str, doc: str) -> Any:
    # One alarm for the parameters, apart from the status PVs (caproto shares an
    # alarm per alarm_group).
    return pvproperty(
        value=math.nan, name=name, read_only=True, precision=4, alarm_group="fit", doc=doc
    )


class FitGroup(PVGroup):
    """Gaussian fit of the xy chart: ``{prefix}Fit...`` PVs (the SubGroup prefix is ``Fit``).

    ``FitAmp_RBV``, ``FitCen_RBV``, ``FitSigma_RBV``, ``FitOffset_RBV``,
    ``FitFwhm_RBV``: the curve ``offset + amp * exp(-(x - cen)^2 / (2 sigma^2))``;
    NaN with INVALID severity unless the status is OK. ``FitRSquared_RBV``:
    goodness of fit (1 = perfect). ``FitStatus_RBV``: Off, Waiting (not more
    points than parameters yet), OK, Failed; ``FitMessage_RBV`` says why.
    ``FitPoints_RBV``: points in the last fit; ``FitTime_RBV``: its duration.
    """

    amplitude = _param("Amp_RBV", "Fitted amplitude (peak height over the offset)")
    centre = _param("Cen_RBV", "Fitted centre")
    sigma = _param("Sigma_RBV", "Fitted standard deviation")
    offset = _param("Offset_RBV", "Fitted constant background")
    fwhm = _param("Fwhm_RBV", "Fitted full width at half maximum (2.3548 sigma)")
    r_squared = _param("RSquared_RBV", "Goodness of fit: coefficient of determination R^2")
    points = pvproperty(
        value=0, name="Points_RBV", dtype=ChannelType.LONG, read_only=True, doc="Points fitted"
    )
    status = pvproperty(
        value="Off",
        name="Status_RBV",
        dtype=ChannelType.ENUM,
        enum_strings=FIT_STATES,
        read_only=True,
        doc="Off, Waiting, OK, Failed",
    )
    message = pvproperty(
        value="",
        name="Message_RBV",
        dtype=ChannelType.STRING,
        read_only=True,
        doc="Why the fit waits or failed",
    )
    fit_time = pvproperty(
        value=0.0,
        name="Time_RBV",
        units="ms",
        precision=1,
        read_only=True,
        doc="Duration of the last fit",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result: FitResult | None = None
        self._stale = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fit")
        self._points: Points = lambda: None
        self._on_result: Callable[[], None] = lambda: None
        self._generation = 0
        self._solver_requested = False
        self.fits_done = 0

    def attach(self, points: Points, on_result: Callable[[], None]) -> None:
        """``points()`` gives the (x, y) to fit, or None when fitting is off;
        ``on_result()`` is called after each published result (to redraw)."""
        self._points = points
        self._on_result = on_result

    def mark_stale(self, reset: bool = False) -> None:
        """New points (or, with ``reset``, a new chart or a Clear): fit again soon."""
        if reset:
            self._generation += 1
            self.result = None
        self._stale.set()

    async def run(self, sleep: Callable[[float], Awaitable[object]]) -> None:
        """Fit whenever the points changed, paced by :func:`fit_pause`; forever."""
        loop = asyncio.get_running_loop()
        next_start = 0.0
        while True:
            await self._stale.wait()
            wait = next_start - time.monotonic()
            if wait > 0:
                await sleep(wait)
            self._stale.clear()
            generation = self._generation
            points = self._points()
            if points is not None and not self._solver_requested:
                self._solver_requested = True
                warm = self._executor.submit(load_solver)  # ahead of the first fit, same thread
                warm.add_done_callback(_report_solver)
            if points is None and self.status.value == "Off":
                continue  # fitting is off and already says so
            if points is None:
                result = FitResult("off")
                elapsed = 0.0
            else:
                result, seconds = await loop.run_in_executor(self._executor, timed_fit, *points)
                elapsed = seconds * 1e3
                next_start = time.monotonic() + fit_pause(seconds)
            if generation != self._generation:
                continue  # the chart changed while fitting: that result is of old points
            self.fits_done += 1
            await self.publish(result, elapsed)
            self.result = result if result.ok else None
            self._on_result()

    async def publish(self, result: FitResult, elapsed_ms: float) -> None:
        """Write one result to the PVs (invalid alarm on the parameters unless OK)."""
        if result.ok:
            alarm = {"status": AlarmStatus.NO_ALARM, "severity": AlarmSeverity.NO_ALARM}
        else:
            alarm = {"status": AlarmStatus.CALC, "severity": AlarmSeverity.INVALID_ALARM}
        for pv, value in (
            (self.amplitude, result.amplitude),
            (self.centre, result.centre),
            (self.sigma, result.sigma),
            (self.offset, result.offset),
            (self.fwhm, result.fwhm),
            (self.r_squared, result.r_squared),
        ):
            # verify_value=False: caproto's alarm-limit check would reset the alarm
            await pv.write(float(value), verify_value=False, **alarm)
        await self.points.write(result.npoints)
        await self.message.write(result.message[:MAX_STRING])
        await self.fit_time.write(elapsed_ms)
        await self.status.write(FIT_STATES[_STATE_INDEX[result.status]])

    def shutdown(self) -> None:
        """Stop the fit thread (a running fit finishes on its own)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
