"""Long churn: clients connect, monitor the image, disconnect, for 10 minutes; does RSS level off?

The motor moves all the time; the chart IOC draws a 640x480 strip at 10
frames/s. ``--clients`` caproto clients (each its own asyncio context: its
own circuit) in two worker processes loop: connect to ``image1:ArrayData``
and ``image1:UniqueId_RBV``, wait for the first frame, monitor for 1-3 s,
disconnect. Every 10 s the chart IOC's RSS, open files and threads are
read from /proc. Target: RSS at the last minute within 5 % of minute 2, and
file descriptors and threads back to where they started once the churn
stops.

Usage::

    .venv/bin/python bench/churn.py [--minutes 10] [--clients 20]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence

from common import beamline, keep_moving, write_result

from chartioc.client.procstats import sample

CHURNER = """
import asyncio, json, random, sys, time
from chartioc.client.ca.context import MonitorContext as Context  # caproto's, fixed: see test_load

prefix, clients, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
done = {"cycles": 0, "failures": 0}

async def client(deadline):
    while time.monotonic() < deadline:
        ctx = Context()
        try:
            pvs = await ctx.get_pvs(prefix + "ArrayData", prefix + "UniqueId_RBV", timeout=20)
            first = asyncio.Event()
            async def on_update(sub, response):
                first.set()
            subs = [pv.subscribe(data_type="time") for pv in pvs]
            for sub in subs:
                sub.add_callback(on_update)
            await asyncio.wait_for(first.wait(), 20)
            await asyncio.sleep(random.uniform(1.0, 3.0))
            done["cycles"] += 1
        except Exception:
            done["failures"] += 1
        finally:
            await ctx.disconnect()

async def main():
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(deadline) for _ in range(clients)))

asyncio.run(main())
print(json.dumps(done), flush=True)
"""


def rss_at(samples: Sequence[dict], minute: float) -> float:
    """Mean RSS (MiB) of the samples within half a minute of ``minute``: one sample
    swings by a few frames (10 MiB) with the frames in flight."""
    near = [s["rss_mib"] for s in samples if abs(s["minute"] - minute) <= 0.5]
    return sum(near) / len(near)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    with (
        beamline(
            chart_args=["BENCH:motor.RBV", "--max-rate", "10", "--width", "640", "--height", "480"]
        ) as bl,
        keep_moving(bl.motor_pv),
    ):
        pid = bl.chart_ioc.pid
        time.sleep(2.0)
        start = sample(pid)
        per = [args.clients // 2, args.clients - args.clients // 2]
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", CHURNER, bl.chart + "image1:", str(n), str(seconds)],
                stdout=subprocess.PIPE,
                text=True,
            )
            for n in per
        ]
        samples = []
        t0 = time.monotonic()
        while any(w.poll() is None for w in workers):
            time.sleep(10.0)
            now = sample(pid)
            minute = (time.monotonic() - t0) / 60
            samples.append({"minute": minute, "rss_mib": now.rss / 2**20, "fds": now.fds,
                            "threads": now.threads})  # fmt: skip
            print(f"minute {minute:5.2f}: RSS {now.rss / 2**20:6.1f} MiB, fds {now.fds}, "
                  f"threads {now.threads}", flush=True)  # fmt: skip
        totals = [json.loads(w.communicate()[0].strip().splitlines()[-1]) for w in workers]
        time.sleep(15.0)  # the IOC closes what the clients left
        end = sample(pid)
    at2, last = rss_at(samples, 2.0), rss_at(samples, samples[-1]["minute"] - 0.5)
    result = {
        "minutes": args.minutes,
        "clients": args.clients,
        "cycles": sum(t["cycles"] for t in totals),
        "failures": sum(t["failures"] for t in totals),
        "rss_start_mib": start.rss / 2**20,
        "rss_minute2_mib": at2,
        "rss_last_mib": last,
        "growth_pct": (last / at2 - 1) * 100,
        "fds": (start.fds, end.fds),
        "threads": (start.threads, end.threads),
        "samples": samples,
    }
    print(
        f"{result['cycles']} cycles, {result['failures']} failed; RSS {start.rss / 2**20:.0f} -> "
        f"{at2:.0f} (minute 2) -> {last:.0f} MiB (last, {result['growth_pct']:+.1f} %); fds "
        f"{start.fds} -> {end.fds}, threads {start.threads} -> {end.threads}"
    )
    write_result("churn", result)


if __name__ == "__main__":
    main()
