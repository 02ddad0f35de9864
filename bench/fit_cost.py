"""What the live Gaussian fit costs, and whether it slows the drawing.

Not a test: it measures and prints, with no pass/fail.

1. ``fit_gaussian`` time for 100 ... 100,000 noisy points (median of runs).
2. Frames/s of a 640x480 xy chart drawn by ``ChartRenderer`` alone, while a
   second thread fits the same points at the chart IOC's pace (the pause
   after each fit from ``fit_pause``), and while it fits without any pause
   (the worst case), measured side by side in one run, for 10,000 and
   100,000 points. The ratios show what sharing the machine (2 cores, one
   GIL) with the fit costs the frames.

Usage::

    .venv/bin/python bench/fit_cost.py [--seconds S]
"""

from __future__ import annotations

import argparse
import threading
import time

import numpy as np
from common import percentiles, write_result

from chartioc.iocs.chart.fit import fit_gaussian, gaussian
from chartioc.iocs.chart.fit_group import fit_pause
from chartioc.iocs.chart.model import ChartSnapshot, Series
from chartioc.iocs.chart.peakstats import compute_peak_stats
from chartioc.iocs.chart.render.renderer import ChartRenderer

SIZES = (100, 1_000, 10_000, 100_000)
CHART_POINTS = (10_000, 100_000)


def noisy_peak(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of a scan across a Gaussian peak, with noise."""
    rng = np.random.default_rng(seed)
    x = np.linspace(-3.0, 5.0, n)
    return x, gaussian(x, 1000.0, 1.0, 0.6, 20.0) + rng.normal(0.0, 10.0, n)


def fit_times(seconds: float) -> list[dict]:
    """Median and p99 time of one fit per size."""
    rows = []
    for n in SIZES:
        x, y = noisy_peak(n)
        times: list[float] = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or len(times) < 3:
            t0 = time.perf_counter()
            result = fit_gaussian(x, y)
            times.append((time.perf_counter() - t0) * 1e3)
        p50, p99 = percentiles(times)
        rows.append({"points": n, "p50_ms": p50, "p99_ms": p99, "centre": result.centre})
        print(f"fit of {n:>7,} points: p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  ({len(times)} fits)")
    return rows


def frames_per_second(snap: ChartSnapshot, seconds: float) -> float:
    """Frames/s of one renderer drawing ``snap`` for ``seconds``."""
    renderer = ChartRenderer(640, 480)
    renderer.render(snap)
    frames, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        renderer.invalidate() if frames % 10 == 0 else None  # some full redraws, as live
        renderer.render(snap)
        frames += 1
    return frames / (time.perf_counter() - t0)


def frames_while_fitting(snap, x, y, seconds: float, paced: bool) -> tuple[float, float]:
    """(frames/s, fits/s) while a thread fits (x, y), paced like the chart IOC or not."""
    stop = threading.Event()
    fits = 0

    def fit_loop() -> None:
        nonlocal fits
        while not stop.is_set():
            t0 = time.perf_counter()
            fit_gaussian(x, y)
            fits += 1
            if paced:
                stop.wait(fit_pause(time.perf_counter() - t0))

    worker = threading.Thread(target=fit_loop, daemon=True)
    worker.start()
    try:
        fps = frames_per_second(snap, seconds)
    finally:
        stop.set()
        worker.join()
    return fps, fits / seconds


def drawing_with_and_without_fits(seconds: float) -> list[dict]:
    """xy chart frames/s alone, with paced fits, with unpaced fits; per chart size."""
    rows = []
    for n in CHART_POINTS:
        x, y = noisy_peak(n)
        snap = ChartSnapshot(
            "xy",
            0.0,
            60.0,
            (Series("det", "det", "counts", values=y),),
            x=Series("m", "m", "mm", values=x),
            peak=compute_peak_stats(x, y),
            fit=fit_gaussian(x, y),
        )
        alone = frames_per_second(snap, seconds)
        paced, paced_fits = frames_while_fitting(snap, x, y, seconds, paced=True)
        busy, busy_fits = frames_while_fitting(snap, x, y, seconds, paced=False)
        print(
            f"xy chart of {n:>7,} points: {alone:5.0f} frames/s alone, {paced:5.0f} with fits "
            f"at the IOC's pace ({paced_fits:.1f}/s, ratio {paced / alone:.2f}), {busy:5.0f} "
            f"fitting without pause ({busy_fits:.1f}/s, ratio {busy / alone:.2f})"
        )
        rows.append(
            {
                "points": n,
                "alone_fps": alone,
                "paced_fps": paced,
                "paced_fits_per_s": paced_fits,
                "busy_fps": busy,
                "busy_fits_per_s": busy_fits,
            }
        )
    return rows


def main() -> None:
    """Measure, print, save bench/results/fit_cost.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    args = parser.parse_args()
    write_result(
        "fit_cost",
        {"fits": fit_times(args.seconds), "drawing": drawing_with_and_without_fits(args.seconds)},
    )


if __name__ == "__main__":
    main()
