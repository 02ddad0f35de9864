"""Idle CPU, and scalar reads while the chart IOC draws at its maximum rate.

1. Idle: both IOCs up, nothing moving, nothing changing; CPU of each IOC
   over ``--idle-seconds`` (from /proc).
2. Under load: the motor posts RBV at 100 Hz, the chart IOC draws 640x480
   at ``MaxRate`` 100 (as fast as it can), one viewer monitors the image.
   Meanwhile scalar reads of ``Width`` (a CA read each, no monitor) every
   25 ms with pyepics, and a few runs of EPICS base ``caget`` (its wall
   time includes starting the process and the name search).

Usage::

    .venv/bin/python bench/load.py [--idle-seconds 20] [--reads 400]
"""

from __future__ import annotations

import argparse
import subprocess
import time
from collections.abc import Sequence

from common import beamline, keep_moving, percentiles, write_result

from chartioc.client.localca import epics_tool
from chartioc.client.procstats import cpu_seconds


def idle(bl, seconds: float) -> dict:
    """CPU percent of each IOC with nothing changing."""
    time.sleep(3.0)  # start-up frames and searches settle
    pids = {"chart": bl.chart_ioc.pid, "motor": bl.motor_ioc.pid}
    c0, t0 = {k: cpu_seconds(p) for k, p in pids.items()}, time.monotonic()
    time.sleep(seconds)
    dt = time.monotonic() - t0
    return {f"{k}_cpu_percent": (cpu_seconds(p) - c0[k]) / dt * 100 for k, p in pids.items()}


def mark(bl, frames_pv: str) -> tuple[int, float, float]:
    """(frames drawn, chart IOC CPU seconds, time) now."""
    import epics

    return epics.caget(frames_pv, use_monitor=False), cpu_seconds(bl.chart_ioc.pid), time.time()


def reads_under_load(bl, reads: int) -> dict:
    """Scalar read latency while frames are drawn as fast as the IOC can."""
    import epics

    chart = bl.chart
    epics.caput(chart + "MaxRate", 100, wait=True)
    viewer = epics.PV(chart + "image1:ArrayData", auto_monitor=True)
    viewer.wait_for_connection(5)
    width = epics.PV(chart + "Width", auto_monitor=False)
    width.wait_for_connection(5)
    frames_pv = chart + "FramesRendered_RBV"
    tool_times = []
    with keep_moving(bl.motor_pv, -8, 8):
        time.sleep(1.0)
        f0, c0, t0 = (
            epics.caget(frames_pv, use_monitor=False),
            cpu_seconds(bl.chart_ioc.pid),
            time.time(),
        )
        times = []
        for _ in range(reads):
            start = time.perf_counter()
            value = width.get(use_monitor=False, timeout=5)
            times.append((time.perf_counter() - start) * 1e3)
            if value is None:
                raise RuntimeError("a read timed out")
            time.sleep(0.025)
        for _ in range(10):
            start = time.perf_counter()
            subprocess.run([epics_tool("caget"), chart + "Width"], capture_output=True, timeout=10)
            tool_times.append((time.perf_counter() - start) * 1e3)
        f1, c1, t1 = (
            epics.caget(frames_pv, use_monitor=False),
            cpu_seconds(bl.chart_ioc.pid),
            time.time(),
        )
    viewer.disconnect()
    width.disconnect()
    p50, p99 = percentiles(times)
    (t50,) = percentiles(tool_times, (50,))
    return {
        "frames_per_s": (f1 - f0) / (t1 - t0),
        "chart_cpu_percent": (c1 - c0) / (t1 - t0) * 100,
        "reads": reads,
        "read_p50_ms": p50,
        "read_p99_ms": p99,
        "read_max_ms": max(times),
        "caget_tool_p50_ms": t50,
        "caget_tool_max_ms": max(tool_times),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Measure idle CPU, then reads under load; print and save."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--reads", type=int, default=400)
    args = parser.parse_args(argv)
    with beamline(motor_args=["--update-rate", "100", "--velocity", "2"]) as bl:
        quiet = idle(bl, args.idle_seconds)
        print(
            f"idle: chart IOC {quiet['chart_cpu_percent']:.2f}% CPU, "
            f"motor IOC {quiet['motor_cpu_percent']:.2f}% CPU over {args.idle_seconds:g} s"
        )
        busy = reads_under_load(bl, args.reads)
        print(
            f"drawing at {busy['frames_per_s']:.1f} frames/s "
            f"(chart IOC {busy['chart_cpu_percent']:.0f}% CPU): scalar read "
            f"p50 {busy['read_p50_ms']:.2f} ms, p99 {busy['read_p99_ms']:.2f} ms, "
            f"max {busy['read_max_ms']:.2f} ms; EPICS caget (whole process) "
            f"p50 {busy['caget_tool_p50_ms']:.0f} ms, max {busy['caget_tool_max_ms']:.0f} ms"
        )
    write_result("load", {"idle_seconds": args.idle_seconds, "idle": quiet, "busy": busy})


if __name__ == "__main__":
    main()
