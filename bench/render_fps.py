"""Frames per second of ChartRenderer against the original per-frame approach.

Not a test: it measures and prints, with no pass/fail. Each case draws a
640x480 strip chart of two traces whose histories (RingHistory, full) get
one new point per frame, so every frame differs, and times

* ``ChartRenderer.render`` (persistent figure, blitting, decimation), and
* the same renderer forced to redraw in full every frame (``invalidate()``
  first: what a frame costs when the axes change every time), and
* the "original approach" of the sandbox this project replaces, on the same
  data: a new Figure per frame, ``tight_layout``, ``savefig`` to JPEG in
  memory, decoded with PIL into an int32 array. It is given the benefit of
  ``Figure`` + ``FigureCanvasAgg`` instead of pyplot (no figure manager).

Only the drawing is timed (the same snapshot is handed to each approach);
copying the histories into a snapshot costs tens of microseconds.

Targets from the issue: >= 60 frames/s with 2 x 1,000 points, >= 30 frames/s
with 2 x 10,000 points, >= 10x the original approach.

Usage::

    .venv/bin/python bench/render_fps.py [--frames N] [--seconds S] [--points 1000 10000]
"""

from __future__ import annotations

import argparse
import io
import math
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from common import write_result
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from chartioc.iocs.chart.history import RingHistory
from chartioc.iocs.chart.model import ChartSnapshot, Series
from chartioc.iocs.chart.render import TRACE_COLOURS, ChartRenderer

WIDTH, HEIGHT = 640, 480
DT = 0.01  # seconds between points


@dataclass
class Result:
    """Outcome of timing one renderer on one case."""

    frames: int
    seconds: float
    full_redraws: int | None = None

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else math.nan


class Feed:
    """Two full histories that get one new point per frame each."""

    def __init__(self, points: int, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.window = points * DT
        self.histories = [RingHistory(points), RingHistory(points)]
        self.now = 0.0
        self.walk = 0.0
        for _ in range(points):
            self.step()

    def step(self) -> None:
        self.now += DT
        self.walk += self.rng.normal(0.0, 0.02)
        self.histories[0].append(self.now, math.sin(self.now * 0.7) + self.walk)
        self.histories[1].append(
            self.now, 0.5 * math.cos(self.now * 2.3) + self.rng.normal(0, 0.05)
        )

    def snapshot(self) -> ChartSnapshot:
        ys = []
        for i, (label, h) in enumerate(zip(("motor", "det"), self.histories, strict=True)):
            t, v = h.arrays()
            ys.append(Series(f"BL:{label}", label, ("mm", "counts")[i], times=t, values=v))
        return ChartSnapshot("strip", self.now, self.window, tuple(ys), title="bench")


def original_frame(snap: ChartSnapshot) -> np.ndarray:
    """The replaced approach: new figure, tight_layout, JPEG encode, PIL decode to int32."""
    fig = Figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for i, s in enumerate(snap.ys):
        ax.plot(s.times - snap.now, s.values, color=TRACE_COLOURS[i], label=s.label)
    ax.set_xlim(-snap.window, 0)
    ax.set_xlabel("seconds ago")
    ax.set_title(snap.title)
    ax.legend()
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="jpeg")
    out.seek(0)
    return np.asarray(Image.open(out), dtype=np.int32)


def run(
    draw: Callable[[ChartSnapshot], np.ndarray], feed: Feed, frames: int, seconds: float
) -> Result:
    """Time ``draw`` for ``frames`` frames or ``seconds``, whichever ends first."""
    n = 0
    busy = 0.0
    while n < frames and busy < seconds:
        feed.step()
        snap = feed.snapshot()
        t0 = time.perf_counter()
        frame = draw(snap)
        busy += time.perf_counter() - t0
        if frame.shape[:2] != (HEIGHT, WIDTH):
            raise RuntimeError(f"frame of shape {frame.shape}")
        n += 1
    return Result(n, busy)


def main(argv: Sequence[str] | None = None) -> None:
    """Run every case and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=300, help="frames per run (max)")
    parser.add_argument("--seconds", type=float, default=5.0, help="time per run (max)")
    parser.add_argument(
        "--points", type=int, nargs="+", default=[1000, 10000], help="points per trace"
    )
    args = parser.parse_args(argv)

    print(
        f"# {WIDTH}x{HEIGHT} strip chart, 2 traces, new point every frame; "
        f"matplotlib {matplotlib.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    rows = []
    for points in args.points:
        renderer = ChartRenderer(WIDTH, HEIGHT)
        renderer.render(Feed(points).snapshot())  # first frame: full draw, not timed
        full_before = renderer.full_redraws
        ours = run(renderer.render, Feed(points, seed=1), args.frames, args.seconds)
        ours.full_redraws = renderer.full_redraws - full_before
        print(f"2 x {points}: renderer    {ours.fps:.1f} frames/s ({ours.frames} frames)")

        full_only = ChartRenderer(WIDTH, HEIGHT)

        def redraw(snap: ChartSnapshot, r: ChartRenderer = full_only) -> np.ndarray:
            r.invalidate()
            return r.render(snap)

        full = run(redraw, Feed(points, seed=1), args.frames, args.seconds)
        print(f"2 x {points}: full redraw {full.fps:.1f} frames/s ({full.frames} frames)")
        orig = run(original_frame, Feed(points, seed=1), args.frames, args.seconds)
        print(f"2 x {points}: original    {orig.fps:.1f} frames/s ({orig.frames} frames)")
        rows.append((points, ours, full, orig))

    print()
    print(
        "| points per trace | ChartRenderer fps (full redraws/frames) "
        "| always full redraw fps | original fps | ratio |"
    )
    print("|---:|---:|---:|---:|---:|")
    for points, ours, full, orig in rows:
        print(
            f"| 2 x {points:,} | {ours.fps:.1f} ({ours.full_redraws}/{ours.frames}) "
            f"| {full.fps:.1f} | {orig.fps:.1f} | {ours.fps / orig.fps:.1f}x |"
        )
    write_result(
        "render_fps",
        {
            "size": [WIDTH, HEIGHT],
            "rows": [
                {
                    "points": points,
                    "fps": ours.fps,
                    "frames": ours.frames,
                    "full_redraws": ours.full_redraws,
                    "full_redraw_fps": full.fps,
                    "original_fps": orig.fps,
                    "ratio": ours.fps / orig.fps,
                }
                for points, ours, full, orig in rows
            ],
        },
    )


if __name__ == "__main__":
    main()
