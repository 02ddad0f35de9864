"""Render worker processes draw what the render thread draws; a dead worker is replaced.

One real worker process (spawned, about 2 s for its imports), no Channel Access.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from chartioc.iocs.chart.config import ChartConfig
from chartioc.iocs.chart.engine import ChartEngine
from chartioc.iocs.chart.frame_draw import draw_frame
from chartioc.iocs.chart.render.renderer import ChartRenderer
from chartioc.iocs.chart.render_workers import RenderPool

T0 = 1_700_000_000.0


def snapshot(n: int = 50):
    engine = ChartEngine(ChartConfig(kind="strip", ys=("A:m1.RBV",), window=30))
    engine.ingest_connection("A:m1.RBV", True, T0)
    for i in range(n):
        engine.ingest_value("A:m1.RBV", np.sin(i / 5), T0 + i * 0.1)
    return engine.snapshot(T0 + n * 0.1)


@pytest.fixture(scope="module")
def pool():
    pool = RenderPool(1)
    pool.start()
    yield pool
    pool.close()


def test_a_worker_draws_the_frame_the_thread_draws(pool):
    remote = pool.renderer()
    snap = snapshot()
    drawn = remote.draw(snap, 320, 240)
    local = draw_frame(ChartRenderer(320, 240), snap, 320, 240)
    assert drawn.rgb.shape == (240, 320, 3) and drawn.mono.shape == (240, 320)
    assert np.array_equal(drawn.rgb, local.rgb)
    assert np.array_equal(drawn.mono, local.mono)
    assert drawn.pixels == local.pixels and drawn.limits == local.limits
    bigger = remote.draw(snap, 400, 300)  # a resize: a larger shared block
    assert bigger.rgb.shape == (300, 400, 3)


def test_charts_on_one_worker_keep_renderers_of_their_own(pool):
    a, b = pool.renderer(), pool.renderer()
    first = a.draw(snapshot(20), 200, 150)
    b.draw(snapshot(80), 320, 240)
    assert np.array_equal(a.draw(snapshot(20), 200, 150).rgb, first.rgb)


def test_a_drawing_error_is_the_charts_and_the_worker_goes_on(pool):
    remote = pool.renderer()
    with pytest.raises(RuntimeError, match="Error"):
        remote.draw(None, 320, 240)  # type: ignore[arg-type]
    assert remote.draw(snapshot(), 320, 240).rgb.shape == (240, 320, 3)


def test_a_killed_worker_fails_one_frame_and_is_started_again(pool):
    remote = pool.renderer()
    remote.draw(snapshot(), 320, 240)
    (pid,) = pool.pids()
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    with pytest.raises(RuntimeError, match="died"):
        remote.draw(snapshot(), 320, 240)
    assert remote.draw(snapshot(), 320, 240).rgb.shape == (240, 320, 3)
    assert pool.pids() and pool.pids() != [pid]


def test_close_frees_the_shared_memory_and_ends_the_workers():
    pool = RenderPool(1)
    remote = pool.renderer()
    remote.draw(snapshot(), 320, 240)
    assert remote._shm is not None
    name = remote._shm.name.lstrip("/")
    (pid,) = pool.pids()
    assert (Path("/dev/shm") / name).exists()
    pool.close()
    assert not (Path("/dev/shm") / name).exists()
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    with pytest.raises(ValueError, match="render workers 0"):
        RenderPool(0)
