"""Fan-out: 1, 5 and 20 image subscribers at once (640x480 RGB, 10 frames/s).

The motor moves back and forth (RBV at 20 Hz); the chart IOC draws a
640x480 strip chart at ``MaxRate`` 10. Each subscriber is its own process
(bench/subscriber.py, pyepics) monitoring ``image1:ArrayData`` and
``UniqueId_RBV``; it reports the frames it got and the frame ids missing
between its first and last. The chart IOC's CPU time comes from /proc.

* CPU per frame: chart IOC CPU seconds / frames drawn (drawing included).
* per subscriber: CPU per frame / subscribers.
* marginal: (CPU per frame with N - CPU per frame with 1) / (N - 1), what one
  more subscriber costs the server per frame.

Usage::

    .venv/bin/python bench/fanout.py [--seconds 20] [--counts 1 5 20]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from common import beamline, frames_and_cpu, keep_moving, last_json, start_subscribers, write_result


def run_count(bl, n: int, seconds: float) -> dict:
    """Measure with ``n`` subscribers for ``seconds``."""

    procs = start_subscribers([f"{bl.chart}image1:"] * n, seconds)
    f0, c0, t0 = frames_and_cpu(bl)
    time.sleep(seconds - 1.0)
    f1, c1, t1 = frames_and_cpu(bl)
    results = last_json(procs, seconds + 30)
    frames = f1 - f0
    cpu_per_frame_ms = (c1 - c0) / frames * 1e3 if frames else float("nan")
    return {
        "subscribers": n,
        "server_fps": frames / (t1 - t0),
        "fps_each_min": min(r["ids"] for r in results) / seconds,
        "fps_each_max": max(r["ids"] for r in results) / seconds,
        "missing_total": sum(r["missing"] for r in results),
        "frames_each": [r["ids"] for r in results],
        "cpu_per_frame_ms": cpu_per_frame_ms,
        "cpu_per_frame_per_subscriber_ms": cpu_per_frame_ms / n,
        "server_cpu_percent": (c1 - c0) / (t1 - t0) * 100,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Measure each subscriber count; print and save."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--max-rate", type=float, default=10.0)
    args = parser.parse_args(argv)
    rows = []
    with (
        beamline(
            chart_args=["BENCH:motor.RBV", "--max-rate", str(args.max_rate)],
            motor_args=["--update-rate", "20"],
        ) as bl,
        keep_moving(bl.motor_pv),
    ):
        for n in args.counts:
            row = run_count(bl, n, args.seconds)
            if rows and n > 1:
                base = rows[0]["cpu_per_frame_ms"]
                row["marginal_ms"] = (row["cpu_per_frame_ms"] - base) / (n - rows[0]["subscribers"])
            rows.append(row)
            print(
                f"{n:2d} subscribers: server {row['server_fps']:.1f} frames/s, each got "
                f"{row['fps_each_min']:.1f}-{row['fps_each_max']:.1f} frames/s, "
                f"missing ids {row['missing_total']}, CPU/frame {row['cpu_per_frame_ms']:.2f} ms "
                f"({row['cpu_per_frame_per_subscriber_ms']:.2f} ms per subscriber"
                + (f", marginal {row['marginal_ms']:.2f} ms" if "marginal_ms" in row else "")
                + f"), server CPU {row['server_cpu_percent']:.0f}%"
            )
    write_result("fanout", {"seconds": args.seconds, "max_rate": args.max_rate, "rows": rows})


if __name__ == "__main__":
    main()
