"""Soak: the chart IOC drawing 10 frames/s for 10 minutes; RSS, open files and threads.

The motor moves back and forth (RBV at 20 Hz), the chart IOC draws a
640x480 strip chart at ``MaxRate`` 10, and one viewer monitors the image.
Every ``--every`` seconds the IOCs' RSS, file descriptors and threads are
read from /proc. RSS growth is measured from the first sample after the
warm-up (the histories fill and matplotlib's caches warm during the first
minute) to the last; growth from the very first sample is printed too.

Usage::

    .venv/bin/python bench/soak.py [--minutes 10] [--every 10] [--warmup 60]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from common import beamline, keep_moving, write_result

from chartioc.client.procstats import sample


def span(values) -> list[int]:
    """[min, max] of ``values``."""
    values = list(values)
    return [min(values), max(values)]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the soak; print a line per sample and a summary; save."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=60.0)
    args = parser.parse_args(argv)
    samples = []
    with beamline(
        chart_args=["BENCH:motor.RBV", "--max-rate", "10"], motor_args=["--update-rate", "20"]
    ) as bl:
        import epics

        viewer = epics.PV(bl.chart + "image1:ArrayData", auto_monitor=True)
        viewer.wait_for_connection(5)
        frames_pv = bl.chart + "FramesRendered_RBV"
        with keep_moving(bl.motor_pv):
            t0 = time.monotonic()
            while (elapsed := time.monotonic() - t0) <= args.minutes * 60:
                chart, motor = sample(bl.chart_ioc.pid), sample(bl.motor_ioc.pid)
                frames = epics.caget(frames_pv, use_monitor=False)
                row = {"t": elapsed, "frames": frames, "chart": vars(chart), "motor": vars(motor)}
                samples.append(row)
                print(
                    f"{elapsed:6.0f} s  frames {frames:6d}  chart RSS {chart.rss / 2**20:7.1f} MiB"
                    f" fds {chart.fds:3d} threads {chart.threads:3d}  |  motor RSS "
                    f"{motor.rss / 2**20:6.1f} MiB fds {motor.fds:3d} threads {motor.threads:3d}",
                    flush=True,
                )
                time.sleep(args.every)
        viewer.disconnect()
    warm = next((s for s in samples if s["t"] >= args.warmup), samples[0])
    last = samples[-1]
    summary = {}
    for ioc in ("chart", "motor"):
        values = [s[ioc] for s in samples if s["t"] >= warm["t"]]
        summary[ioc] = {
            "rss_start_mib": samples[0][ioc]["rss"] / 2**20,
            "rss_warm_mib": warm[ioc]["rss"] / 2**20,
            "rss_end_mib": last[ioc]["rss"] / 2**20,
            "rss_growth_percent": (last[ioc]["rss"] / warm[ioc]["rss"] - 1) * 100,
            "rss_growth_from_start_percent": (last[ioc]["rss"] / samples[0][ioc]["rss"] - 1) * 100,
            "fds_min_max": span(v["fds"] for v in values),
            "threads_min_max": [
                min(v["threads"] for v in values),
                max(v["threads"] for v in values),
            ],
        }
        print(
            f"{ioc}: RSS {summary[ioc]['rss_warm_mib']:.1f} -> {summary[ioc]['rss_end_mib']:.1f} "
            f"MiB ({summary[ioc]['rss_growth_percent']:+.2f}% after warm-up, "
            f"{summary[ioc]['rss_growth_from_start_percent']:+.2f}% from start), fds "
            f"{summary[ioc]['fds_min_max']}, threads {summary[ioc]['threads_min_max']}"
        )
    fps = (last["frames"] - samples[0]["frames"]) / (last["t"] - samples[0]["t"])
    print(f"frames/s over the run: {fps:.2f}")
    write_result(
        "soak",
        {
            "minutes": args.minutes,
            "warmup_s": args.warmup,
            "frames_per_s": fps,
            **summary,
            "samples": samples,
        },
    )


if __name__ == "__main__":
    main()
