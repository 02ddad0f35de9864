"""End-to-end latency: from a motor RBV update to a pyepics client receiving a frame showing it.

The motor IOC posts RBV at 20 Hz while the motor moves back and forth; the
chart IOC draws a 640x480 strip chart of it. A pyepics client monitors RBV
and image1:ArrayData. The chart IOC stamps each frame with the server time
stamp of the newest sample it shows (``ChartSnapshot.newest_time``), so
every RBV update ``u`` is first shown by the first frame whose stamp is at
or after ``u``'s stamp; its latency is that frame's arrival time minus
``u``'s stamp (one machine, one clock). Every update counts, also the
ones coalesced into a later frame.

Runs at two frame-rate caps: the default ``MaxRate`` (30 Hz, above the
update rate: every update is drawn at once) and 10 Hz (below it: updates
wait for the next frame slot, so latency is about half a frame period more).

Each run starts from rest: the motor has stood still for longer than the
chart's 10 s window, so the y axis is fitted to a constant, and the move
begins as the run does. Its first :data:`FROM_REST_S` seconds (the axes
grow with the move: full redraws) are one phase, the rest another; the
figures are given for each.

Usage::

    .venv/bin/python bench/latency.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import bisect
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from common import beamline, keep_moving, percentiles, write_result
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DOCS = Path(__file__).resolve().parents[1] / "docs"
WINDOW_S = 10.0  #: the strip chart's window
FROM_REST_S = 10.0  #: the first phase: the first seconds of a move from rest


def measure(bl, max_rate: float, seconds: float) -> dict:
    """Latencies (ms) of every RBV update shown within the run, at this frame-rate cap."""
    import epics

    epics.caput(f"{bl.chart}MaxRate", max_rate, wait=True)
    lock = threading.Lock()
    updates: list[float] = []  # server stamps of RBV updates
    frames: list[tuple[float, float]] = []  # (frame stamp, arrival)

    def on_rbv(timestamp: float = 0.0, **_: object) -> None:
        with lock:
            updates.append(timestamp)

    def on_frame(timestamp: float = 0.0, **_: object) -> None:
        arrived = time.time()
        with lock:
            frames.append((timestamp, arrived))

    rbv = epics.PV(f"{bl.motor_pv}.RBV", form="time", callback=on_rbv)
    data = epics.PV(
        f"{bl.chart}image1:ArrayData", form="time", auto_monitor=True, callback=on_frame
    )
    rbv.wait_for_connection(5)
    data.wait_for_connection(5)
    time.sleep(WINDOW_S + 0.5)  # at rest for a whole window: the axes fit a constant
    with lock:  # only updates made while both monitors run
        updates.clear()
        frames.clear()
    start = time.time()
    with keep_moving(bl.motor_pv):
        time.sleep(seconds - 0.5)
    time.sleep(0.5)
    rbv.disconnect()
    data.disconnect()
    with lock:
        stamps = sorted(updates)
        shown = sorted(frames)
    latencies, phase = [], []
    frame_stamps = [f[0] for f in shown]
    for u in stamps:
        i = bisect.bisect_left(frame_stamps, u - 1e-6)
        if i < len(shown):
            latencies.append((min(a for _, a in shown[i:]) - u) * 1e3)
            phase.append("from_rest" if u - start < FROM_REST_S else "moving")
    p50, p99 = percentiles(latencies)
    phases = {}
    for name in ("from_rest", "moving"):
        these = [v for v, p in zip(latencies, phase, strict=True) if p == name]
        q50, q99 = percentiles(these)
        phases[name] = {
            "shown": len(these),
            "p50_ms": q50,
            "p99_ms": q99,
            "max_ms": max(these) if these else float("nan"),
        }
    return {
        "max_rate": max_rate,
        "updates": len(stamps),
        "frames": len(shown),
        "shown": len(latencies),
        "p50_ms": p50,
        "p99_ms": p99,
        "max_ms": max(latencies) if latencies else float("nan"),
        "phases": phases,
        "latencies_ms": latencies,
    }


def plot(runs: list[dict]) -> None:
    """Write the latency distributions to docs/latency.png."""
    fig = Figure(figsize=(7, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    top = max(max(r["latencies_ms"], default=1) for r in runs)
    bins = np.linspace(0, top * 1.02, 60)
    for run in runs:
        ax.hist(
            run["latencies_ms"],
            bins=bins,
            alpha=0.6,
            label=f"MaxRate {run['max_rate']:g} Hz: p50 {run['p50_ms']:.1f}, "
            f"p99 {run['p99_ms']:.1f} ms",
        )
    ax.axvline(25, color="k", ls="--", lw=0.8)
    ax.axvline(50, color="k", ls=":", lw=0.8)
    ax.set_xlabel("RBV update -> frame received by pyepics (ms)")
    ax.set_ylabel("updates")
    ax.set_title("End-to-end latency, 640x480 RGB strip chart, RBV at 20 Hz")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(DOCS / "latency.png")
    print(f"-> {DOCS / 'latency.png'}")


def main(argv: Sequence[str] | None = None) -> None:
    """Measure at each MaxRate; print, save and plot."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rates", type=float, nargs="+", default=[30.0, 10.0])
    args = parser.parse_args(argv)
    runs = []
    with beamline(
        chart_args=["BENCH:motor.RBV", "--window", str(WINDOW_S)],
        motor_args=["--update-rate", "20"],
    ) as bl:
        for rate in args.rates:
            run = measure(bl, rate, args.seconds)
            print(
                f"MaxRate {rate:g}: {run['updates']} updates, {run['frames']} frames, "
                f"latency p50 {run['p50_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms, "
                f"max {run['max_ms']:.1f} ms"
            )
            for name, ph in run["phases"].items():
                print(
                    f"  {name:9}: {ph['shown']} updates, p50 {ph['p50_ms']:.1f} ms, "
                    f"p99 {ph['p99_ms']:.1f} ms, max {ph['max_ms']:.1f} ms"
                )
            runs.append(run)
    plot(runs)
    for run in runs:
        run.pop("latencies_ms")
    write_result("latency", {"seconds": args.seconds, "runs": runs})


if __name__ == "__main__":
    main()
