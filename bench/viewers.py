"""Draw once in the IOC, or plot in every viewer: total CPU for 1, 5 and 20 viewers.

Two motors move back and forth all the time, RBV at 50 Hz. Three ways to
show both, each viewer a 640x480 window (offscreen) that redraws at 10 Hz a
1,000-point window of the two motors (bench/viewer.py):

* **chartioc**: one chart IOC draws a 640x480 strip of both RBVs (a 20 s
  window: 1,000 points a trace) at ``MaxRate`` 10; each viewer is a
  ``PVImage`` of its RGB image. CPU: the chart IOC's plus the viewers'.
* **pyqtgraph**: each viewer monitors both RBVs itself (pyepics) and
  redraws a pyqtgraph plot (what PyDM's time plot does). CPU: the viewers'.
* **matplotlib**: the same with a matplotlib Qt canvas (what a bluesky
  ``LivePlot`` or a script does). CPU: the viewers'.

The motor IOC is common to all three and left out. Measured side by side
in one run, one set-up at a time: CPU-s/s of all the processes, and each
viewer's achieved redraws a second (min and median).

Usage::

    .venv/bin/python bench/viewers.py [--seconds 10] [--counts 1 5 20]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from common import HERE, beamline, keep_moving, write_result

from chartioc.client.procstats import cpu_seconds

KINDS = ("chartioc", "pyqtgraph", "matplotlib")
WINDOW_S = 20.0  #: the strip's window: 20 s at 50 Hz = 1,000 points a trace


def run_viewers(
    label: str, kind: str, sources: list[str], n: int, seconds: float, ioc_pid: int | None
) -> dict:
    """Start ``n`` viewers of ``kind``, measure them (and the IOC) for ``seconds``."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE / "viewer.py"), str(seconds), kind, *sources],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for _ in range(n)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a {kind} viewer did not start")
        time.sleep(1.0)  # start-up work done before the window opens
        ioc0 = cpu_seconds(ioc_pid) if ioc_pid else 0.0
        t0 = time.monotonic()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, _ = proc.communicate(timeout=seconds + 60)
            results.append(json.loads(out.strip().splitlines()[-1]))
        ioc_cpu = (cpu_seconds(ioc_pid) - ioc0) / (time.monotonic() - t0) if ioc_pid else 0.0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
    rates = [r["paints"] / r["seconds"] for r in results]
    viewers_cpu = sum(r["cpu_s"] / r["seconds"] for r in results)
    paints = sum(r["paints"] for r in results)
    row = {
        "kind": label,
        "viewers": n,
        "total_cpu_s_per_s": ioc_cpu + viewers_cpu,
        "ioc_cpu_s_per_s": ioc_cpu,
        "viewers_cpu_s_per_s": viewers_cpu,
        "viewer_ms_per_paint": sum(r["cpu_s"] for r in results) / paints * 1e3
        if paints
        else float("nan"),
        "rate_min": min(rates),
        "rate_median": statistics.median(rates),
    }
    print(
        f"{label:10} x{n:<3} total {row['total_cpu_s_per_s']:.2f} CPU-s/s (IOC {ioc_cpu:.2f}, "
        f"viewers {viewers_cpu:.2f}, {row['viewer_ms_per_paint']:.1f} ms a paint); "
        f"redraws/s min {row['rate_min']:.1f} median {row['rate_median']:.1f}"
    )
    return row


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    p = "BENCH:"
    rbvs = [f"{p}motor.RBV", f"{p}motor2.RBV"]
    chart = [*rbvs, "--window", str(WINDOW_S), "--max-rate", "10"]
    chart += ["--width", "640", "--height", "480"]
    rows = []
    with (
        beamline(
            chart_args=chart, motor_args=["--motors", "motor,motor2", "--update-rate", "50"]
        ) as bl,
        keep_moving(f"{p}motor"),
        keep_moving(f"{p}motor2", -4.0, 4.0),
    ):
        time.sleep(WINDOW_S)  # the chart's window fills
        for n in args.counts:
            for kind in args.kinds:
                if kind == "chartioc":
                    image = [f"{bl.chart}image1:"]
                    pid = bl.chart_ioc.pid
                    rows.append(run_viewers(kind, "pvimage", image, n, args.seconds, pid))
                else:  # the chart IOC is stopped meanwhile: it would draw, uncounted
                    os.kill(bl.chart_ioc.pid, signal.SIGSTOP)
                    try:
                        rows.append(run_viewers(kind, kind, rbvs, n, args.seconds, None))
                    finally:
                        os.kill(bl.chart_ioc.pid, signal.SIGCONT)
                    time.sleep(2.0)  # it catches up with the updates it missed
    write_result("viewers", {"seconds": args.seconds, "rows": rows})


if __name__ == "__main__":
    main()
