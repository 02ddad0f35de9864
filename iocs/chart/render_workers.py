"""Draw charts in worker processes, so that the charts of one IOC use more than one core.

matplotlib holds the GIL while it draws, so charts drawn in threads of one
process share one core (on the machine of ``docs/performance.md`` 8 charts
of 640x480 at 10 frames/s need more than that). With ``--render-workers N``
the chart IOC starts N worker processes (``spawn``: no fork of a process
with threads and an event loop) and gives each chart to one of them, in
turn. A chart's :class:`RemoteRenderer` sends its
:class:`~chartioc.iocs.chart.model.ChartSnapshot` down a pipe (pickled:
the data to draw); the worker draws it with the chart's own
:class:`~chartioc.iocs.chart.render.renderer.ChartRenderer` (kept between
frames, so the blitting still works) and writes the RGB frame and its mono
image into a shared memory block of the chart; only the plot-area geometry
comes back through the pipe. One chart has one frame under way at a time, so
its block is never written while it is read.

A worker that dies (killed, out of memory) fails the frame under way with a
render error (that chart's ``Status_RBV``) and is started again for the next
one. Workers ignore SIGINT (Ctrl-C in the IOC's terminal stops the IOC, which
stops them) and end when the IOC's end of their pipe closes, also after a
kill -9 of the IOC.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import signal
import threading
import time
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from chartioc.iocs.chart.frame_draw import Drawn, draw_frame
from chartioc.iocs.chart.model import ChartSnapshot

__all__ = ["RemoteRenderer", "RenderPool"]

log = logging.getLogger(__name__)

#: Seconds a worker has to end after its pipe is closed before it is terminated.
STOP_TIMEOUT = 2.0


class _Worker:
    """One worker process and its pipe; one call at a time (a lock)."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.lock = threading.Lock()
        self.process: Any = None
        self.conn: Connection | None = None
        self.starts = 0

    def _start(self) -> Connection:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self.process = context.Process(
            target=worker_main, args=(theirs,), name=f"chartioc-render-{self.index}", daemon=True
        )
        self.process.start()
        theirs.close()
        self.conn = ours
        self.starts += 1
        if self.starts > 1:
            log.warning("render worker %d started again (start %d)", self.index, self.starts)
        return ours

    def start(self) -> None:
        """Start the process now (before the first frame needs it)."""
        with self.lock:
            if self.conn is None:
                self._start()

    def call(self, message: tuple[Any, ...]) -> tuple[Any, ...]:
        """Send ``message``, wait for the reply; RuntimeError if the worker died."""
        with self.lock:
            conn = self.conn if self.conn is not None else self._start()
            try:
                conn.send(message)
                reply: tuple[Any, ...] = conn.recv()
            except (EOFError, OSError) as ex:
                self._stop()
                code = self.process.exitcode if self.process is not None else None
                raise RuntimeError(f"render worker {self.index} died (exit {code})") from ex
            return reply

    def _stop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
            self.conn = None
        if self.process is not None:
            self.process.join(STOP_TIMEOUT)
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(STOP_TIMEOUT)
            self.process = None

    def stop(self) -> None:
        """Close the pipe (the worker ends), wait for it, terminate it if it does not.

        A frame under way has :data:`STOP_TIMEOUT` s to finish first."""
        locked = self.lock.acquire(timeout=STOP_TIMEOUT)
        try:
            self._stop()
        finally:
            if locked:
                self.lock.release()

    @property
    def pid(self) -> int | None:
        """The worker's process id, if it runs."""
        return self.process.pid if self.process is not None else None


class RenderPool:
    """The IOC's render worker processes; each chart gets one, in turn.

    Parameters
    ----------
    workers
        How many processes (at least 1).
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"render workers {workers} < 1")
        self.workers = [_Worker(i) for i in range(workers)]
        self._load = [0.0] * workers  # the pixels of the charts each worker draws
        self._ids = itertools.count(1)
        self._renderers: list[RemoteRenderer] = []

    def start(self) -> None:
        """Assign the charts and start every worker (they import matplotlib: a second or
        two; call it off the event loop)."""
        self.assign()
        for worker in self.workers:
            worker.start()

    def renderer(self, pixels: float = 1.0) -> RemoteRenderer:
        """A renderer for one more chart of ``pixels`` pixels; it gets its worker at
        :meth:`assign` (the first frame at the latest)."""
        remote = RemoteRenderer(self, next(self._ids), pixels)
        self._renderers.append(remote)
        return remote

    def assign(self) -> None:
        """Give every chart not on a worker yet one: the largest first, each to the worker
        that draws the fewest pixels so far (a 2048x2048 chart gets a worker of its own
        before the 640x480 ones share the others)."""
        for remote in sorted(self._renderers, key=lambda r: -r.pixels):
            if remote.worker is None:
                index = min(range(len(self.workers)), key=lambda i: (self._load[i], i))
                self._load[index] += remote.pixels
                remote.worker = self.workers[index]

    def pids(self) -> list[int]:
        """The running workers' process ids."""
        return [p for p in (w.pid for w in self.workers) if p is not None]

    def close(self) -> None:
        """Free every chart's shared memory and stop the workers."""
        for remote in self._renderers:
            remote.free()
        for worker in self.workers:
            worker.stop()


class RemoteRenderer:
    """One chart's renderer in a worker process: :meth:`draw` as the render thread's call."""

    def __init__(self, pool: RenderPool, chart_id: int, pixels: float) -> None:
        self.pool = pool
        self.chart_id = chart_id
        self.pixels = pixels
        self.worker: _Worker | None = None  # set by RenderPool.assign
        self._shm: shared_memory.SharedMemory | None = None

    def draw(self, snapshot: ChartSnapshot, width: int, height: int) -> Drawn:
        """Draw ``snapshot`` at ``width`` x ``height`` in the worker; the frame, copied out."""
        need = width * height * 4  # RGB, then mono
        if self._shm is None or self._shm.size < need:
            self.free()
            self._shm = shared_memory.SharedMemory(create=True, size=need)
        if self.worker is None:
            self.pool.assign()
        assert self.worker is not None
        reply = self.worker.call(("draw", self.chart_id, self._shm.name, width, height, snapshot))
        if reply[0] == "error":
            raise RuntimeError(reply[1])
        _, pixels, limits = reply
        buffer = np.ndarray((need,), dtype=np.uint8, buffer=self._shm.buf)
        rgb = buffer[: width * height * 3].reshape(height, width, 3).copy()
        mono = buffer[width * height * 3 : need].reshape(height, width).copy()
        del buffer  # no view may outlive the block
        return Drawn(rgb, mono, pixels, limits)

    def free(self) -> None:
        """Give the shared memory block back (the next frame makes another)."""
        if self._shm is not None:
            with contextlib.suppress(OSError):
                self._shm.close()
                self._shm.unlink()
            self._shm = None


def worker_main(conn: Connection) -> None:
    """A render worker: draw each request with that chart's renderer until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from chartioc.iocs.chart.render.renderer import ChartRenderer

    renderers: dict[int, ChartRenderer] = {}
    blocks: dict[int, shared_memory.SharedMemory] = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break  # the IOC closed the pipe, or is gone
        try:
            reply = _handle(message, renderers, blocks, ChartRenderer)
        except Exception as ex:  # the chart's render error, never the worker's end
            reply = ("error", f"{type(ex).__name__}: {ex}")
        try:
            conn.send(reply)
        except (EOFError, OSError):
            break
    for block in blocks.values():
        with contextlib.suppress(OSError):
            block.close()


def _attach(name: str) -> shared_memory.SharedMemory:
    """Open the IOC's block; the IOC owns it and unlinks it. (Python < 3.13 registers an
    attach with the resource tracker too; a spawned worker shares the IOC's tracker, where
    the name is registered already, so nothing more is to clean up.)"""
    return shared_memory.SharedMemory(name=name)


def _handle(
    message: tuple[Any, ...],
    renderers: dict[int, Any],
    blocks: dict[int, shared_memory.SharedMemory],
    renderer_class: Any,
) -> tuple[Any, ...]:
    _, chart_id, name, width, height, snapshot = message
    block = blocks.get(chart_id)
    if block is None or block.name.lstrip("/") != name.lstrip("/"):
        if block is not None:
            block.close()
        block = blocks[chart_id] = _attach(name)
    renderer = renderers.get(chart_id)
    if renderer is None:
        renderer = renderers[chart_id] = renderer_class(width, height)
    t0 = time.perf_counter()
    drawn = draw_frame(renderer, snapshot, width, height)
    need = width * height * 4
    out = np.ndarray((need,), dtype=np.uint8, buffer=block.buf)
    out[: width * height * 3] = drawn.rgb.reshape(-1)
    assert drawn.mono is not None  # draw_frame makes it unless told not to
    out[width * height * 3 : need] = drawn.mono.reshape(-1)
    del out
    log.debug("chart %d drawn in %.1f ms", chart_id, (time.perf_counter() - t0) * 1e3)
    return ("ok", drawn.pixels, drawn.limits)
