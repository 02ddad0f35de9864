"""The chart IOC's render loop: draw when something changed, at most MaxRate frames a second.

:class:`RenderLoop` sleeps on an event that only :meth:`RenderLoop.mark_dirty`
and :meth:`RenderLoop.note_update` set, so an idle chart costs nothing. When
woken it waits out the frame period, asks its ``request`` for a snapshot
(made on the event loop, immutable), draws it with its own
:class:`~chartioc.iocs.chart.render.renderer.ChartRenderer` in its one
render thread, and hands the :class:`Frame` to ``publish``. The renderer is
touched by that thread only; Channel Access never waits for matplotlib.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from chartioc.iocs.chart.frame_draw import Drawn, draw_frame
from chartioc.iocs.chart.model import ChartSnapshot
from chartioc.iocs.chart.render.renderer import ChartRenderer
from chartioc.iocs.chart.render_workers import RemoteRenderer

__all__ = ["CATCH_UP", "PAUSED_POLL", "Frame", "FrameRequest", "RenderLoop", "next_due"]

log = logging.getLogger(__name__)

#: Seconds between looks at the pause flag while paused and something changed.
PAUSED_POLL = 0.1
#: Seconds the loop rests after a failed frame.
ERROR_PAUSE = 1.0
#: How much of a frame period a late frame may be made up by drawing the next one sooner.
CATCH_UP = 0.5


def next_due(due: float, now: float, period: float) -> float:
    """When the frame after one drawn at ``now`` (it was due at ``due``) may be drawn.

    One ``period`` after the slot it was due in, so that a frame drawn late (its
    update came late, or the IOC was busy) does not push every later one back
    and make the chart fall below ``MaxRate`` while its source updates at that
    rate; but never sooner than ``(1 - CATCH_UP)`` of a period after this
    frame. On average at most ``1 / period`` frames a second.
    """
    return max(due + period, now + period * (1.0 - CATCH_UP))


@dataclass(frozen=True)
class FrameRequest:
    """What to draw next: the snapshot, its frame size, and whether the mono image too."""

    snapshot: ChartSnapshot
    width: int
    height: int
    mono: bool = True


@dataclass(frozen=True)
class Frame:
    """One drawn frame and what was measured drawing it."""

    rgb: np.ndarray  #: (height, width, 3) uint8
    #: (height, width) uint8, the luma of ``rgb``; None when the request did not ask for it
    #: (a render worker makes it all the same)
    mono: np.ndarray | None
    pixels: tuple[float, ...]  #: plot area in frame pixels: left, top, right, bottom
    limits: tuple[float, ...]  #: data at the plot area's edges: x0, x1, y0, y1
    snapshot: ChartSnapshot
    timestamp: float  #: when the newest sample it shows was taken (epoch s)
    render_ms: float  #: time to draw it, in the render thread and back
    number: int  #: frames drawn so far, this one included
    coalesced: int  #: updates drawn together with a later one, so far


class RenderLoop:
    """Draw frames of the chart when it changed, paced by its maximum frame rate.

    Parameters
    ----------
    request
        Called on the event loop for each frame: what to draw.
    publish
        Called on the event loop with each drawn frame.
    max_rate
        The highest frame rate now, in Hz.
    paused
        True while drawing is paused (changes wait until it is False).
    report
        Called with ``"render error: ..."`` when a frame fails, and with ``""``
        after the next frame that did not.
    width, height
        The renderer's first frame size.
    remote
        Draw in a render worker process with this renderer (see
        :mod:`~chartioc.iocs.chart.render_workers`) instead of in the thread.
    """

    def __init__(
        self,
        request: Callable[[], Awaitable[FrameRequest]],
        publish: Callable[[Frame], Awaitable[None]],
        *,
        max_rate: Callable[[], float],
        paused: Callable[[], bool],
        report: Callable[[str], Awaitable[None]],
        width: int,
        height: int,
        remote: RemoteRenderer | None = None,
    ) -> None:
        self._request = request
        self._publish = publish
        self._max_rate = max_rate
        self._paused = paused
        self._report = report
        self.remote = remote
        # the render thread's only (a worker process holds it instead with ``remote``)
        self.renderer = ChartRenderer(width, height) if remote is None else None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
        self._dirty = asyncio.Event()
        self._pending = 0  # updates since the last frame
        self._failed = False
        self.frames = 0
        self.coalesced = 0

    def mark_dirty(self) -> None:
        """Something to draw changed (a setting, a connection, a fit, ...)."""
        self._dirty.set()

    def note_update(self) -> None:
        """An update entered the histories: draw it (counted for ``coalesced``)."""
        self._pending += 1
        self._dirty.set()

    async def run(self, sleep: Callable[[float], Awaitable[object]]) -> None:
        """Draw forever; a failed frame is reported and the loop goes on after a pause."""
        due = 0.0
        while True:
            try:
                due = await self._once(sleep, due)
            except asyncio.CancelledError:
                raise
            except Exception as ex:  # never let drawing stop silently
                log.exception("render loop")
                self._failed = True
                await self._report(f"render error: {ex}")
                await sleep(ERROR_PAUSE)

    async def _once(self, sleep: Callable[[float], Awaitable[object]], due: float) -> float:
        """Wait for a change and the time ``due``, draw one frame, publish it; return when the
        next frame is due (see :func:`next_due`)."""
        await self._dirty.wait()
        if self._paused():
            await sleep(PAUSED_POLL)
            return due
        wait = due - time.monotonic()
        if wait > 0:
            await sleep(wait)
        self._dirty.clear()
        pending, self._pending = self._pending, 0
        self.coalesced += max(pending - 1, 0)
        request = await self._request()
        due = next_due(due, time.monotonic(), 1.0 / self._max_rate())
        t0 = time.perf_counter()
        loop = asyncio.get_running_loop()
        rgb, mono, (pixels, limits) = await loop.run_in_executor(
            self._executor, self._draw, request
        )
        self.frames += 1
        snap = request.snapshot
        frame = Frame(
            rgb=rgb,
            mono=mono,
            pixels=tuple(float(v) for v in pixels),
            limits=tuple(float(v) for v in limits),
            snapshot=snap,
            # The frame's time stamp is when its newest sample was taken (see ChartSnapshot).
            timestamp=snap.newest_time(default=time.time()),
            render_ms=(time.perf_counter() - t0) * 1e3,
            number=self.frames,
            coalesced=self.coalesced,
        )
        await self._publish(frame)
        if self._failed:
            self._failed = False
            await self._report("")
        return due

    def _draw(
        self, request: FrameRequest
    ) -> tuple[np.ndarray, np.ndarray | None, tuple[tuple[float, ...], tuple[float, ...]]]:
        """Runs in the render thread (the only place the renderer is touched)."""
        drawn: Drawn
        if self.remote is not None:  # the thread waits; a worker process draws
            drawn = self.remote.draw(request.snapshot, request.width, request.height)
        else:
            assert self.renderer is not None
            drawn = draw_frame(
                self.renderer, request.snapshot, request.width, request.height, request.mono
            )
        return drawn.rgb, drawn.mono, (drawn.pixels, drawn.limits)

    def shutdown(self) -> None:
        """Stop the render thread (a frame being drawn finishes on its own)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
