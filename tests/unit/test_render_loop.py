"""The render loop on its own (no IOC, no CA): frames only when dirty, paced, paused,
coalesced, resized, and a failed frame reported, with a real renderer and a fake sleep."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from chartioc.iocs.chart.engine import ChartConfig, ChartEngine
from chartioc.iocs.chart.image_group import to_mono
from chartioc.iocs.chart.render_loop import PAUSED_POLL, Frame, FrameRequest, RenderLoop

STEP = 10.0  # s: a timeout only for a loop that never draws (a failure), never a measure


class Harness:
    def __init__(self) -> None:
        self.engine = ChartEngine(ChartConfig(ys=("BL:a",), width=160, height=120))
        self.engine.ingest_connection("BL:a", True, 99.0)
        self.engine.ingest_value("BL:a", 1.0, 99.5)
        self.size = (160, 120)
        self.paused = False
        self.mono = True
        self.fail = False
        self.frames: list[Frame] = []
        self.reports: list[str] = []
        self.sleeps: list[float] = []
        self.published = asyncio.Event()
        self.loop = RenderLoop(
            self.request,
            self.publish,
            max_rate=lambda: (
                0.2
            ),  # a 5 s period: longer than any first draw, and the sleeps are fake
            paused=lambda: self.paused,
            report=self.report,
            width=160,
            height=120,
        )

    async def request(self) -> FrameRequest:
        if self.fail:
            self.fail = False
            raise RuntimeError("no snapshot")
        return FrameRequest(self.engine.snapshot(100.0), *self.size, mono=self.mono)

    async def publish(self, frame: Frame) -> None:
        self.frames.append(frame)
        self.published.set()

    async def report(self, text: str) -> None:
        self.reports.append(text)

    async def sleep(self, seconds: float) -> Any:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)

    async def next_frame(self) -> Frame:
        self.published.clear()
        await asyncio.wait_for(self.published.wait(), STEP)
        return self.frames[-1]

    async def idle(self) -> None:
        """Let the loop run as far as it can without a change."""
        for _ in range(50):
            await asyncio.sleep(0)


def test_frames_only_when_something_changed() -> None:
    async def scenario() -> None:
        h = Harness()
        task = asyncio.ensure_future(h.loop.run(h.sleep))
        await h.idle()
        assert h.frames == []  # nothing marked: nothing drawn
        for _ in range(3):
            h.loop.note_update()
        frame = await h.next_frame()
        assert frame.number == 1 and frame.coalesced == 2  # three updates, one frame
        assert frame.rgb.shape == (120, 160, 3) and frame.rgb.dtype == np.uint8
        np.testing.assert_array_equal(frame.mono, to_mono(frame.rgb))
        assert frame.timestamp == 99.5  # the newest sample's time
        assert len(frame.pixels) == 4 and len(frame.limits) == 4
        await h.idle()
        assert len(h.frames) == 1  # idle means idle
        h.loop.mark_dirty()
        frame = await h.next_frame()
        assert frame.number == 2 and frame.coalesced == 2
        # the second frame waited out the rest of the frame period (1 / 0.2 Hz), not all of it
        assert h.sleeps and all(0 < s < 5.0 for s in h.sleeps)
        task.cancel()
        h.loop.shutdown()

    asyncio.run(scenario())


def test_paused_draws_nothing_until_run_and_a_new_size_resizes() -> None:
    async def scenario() -> None:
        h = Harness()
        task = asyncio.ensure_future(h.loop.run(h.sleep))
        h.paused = True
        h.loop.note_update()
        await h.idle()
        assert h.frames == [] and PAUSED_POLL in h.sleeps  # it looks again, draws nothing
        h.paused = False
        h.size = (200, 100)
        frame = await h.next_frame()
        assert frame.rgb.shape == (100, 200, 3) and frame.mono.shape == (100, 200)
        task.cancel()
        h.loop.shutdown()

    asyncio.run(scenario())


def test_a_failed_frame_is_reported_and_the_loop_goes_on() -> None:
    async def scenario() -> None:
        h = Harness()
        task = asyncio.ensure_future(h.loop.run(h.sleep))
        h.fail = True
        h.loop.mark_dirty()
        await h.idle()
        assert h.reports == ["render error: no snapshot"] and h.frames == []
        h.loop.mark_dirty()
        await h.next_frame()
        await h.idle()
        assert h.reports == ["render error: no snapshot", ""]  # recovered
        assert not task.done()
        task.cancel()
        h.loop.shutdown()

    asyncio.run(scenario())


def test_next_due_makes_up_a_late_frame_but_never_draws_faster_on_average() -> None:
    from chartioc.iocs.chart.render_loop import CATCH_UP, next_due

    period = 0.1
    assert next_due(1.0, 1.0, period) == pytest.approx(1.1)  # on time: one period on
    assert next_due(1.0, 1.03, period) == pytest.approx(1.1)  # 30 ms late: made up
    assert next_due(1.0, 1.2, period) == pytest.approx(1.2 + period * (1 - CATCH_UP))
    assert next_due(0.0, 50.0, period) == pytest.approx(50.0 + period * (1 - CATCH_UP))
    # frames drawn as soon as allowed, each a random amount late: never above the rate
    rng = np.random.default_rng(1)
    due, now, times = 0.0, 0.0, []
    for _ in range(1000):
        now = max(now, due) + rng.uniform(0, 0.08)
        times.append(now)
        due = next_due(due, now, period)
    assert len(times) / (times[-1] - times[0]) <= 1 / period + 1e-9
    assert min(np.diff(times)) >= period * (1 - CATCH_UP) - 1e-9


def test_the_mono_image_only_when_the_request_asks_for_it() -> None:
    async def scenario() -> None:
        h = Harness()
        task = asyncio.ensure_future(h.loop.run(h.sleep))
        h.mono = False
        h.loop.mark_dirty()
        frame = await h.next_frame()
        assert frame.mono is None and frame.rgb.shape == (120, 160, 3)
        h.mono = True
        h.loop.mark_dirty()
        frame = await h.next_frame()
        np.testing.assert_array_equal(frame.mono, to_mono(frame.rgb))
        task.cancel()
        h.loop.shutdown()

    asyncio.run(scenario())
