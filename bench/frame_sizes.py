"""Frame size: frames/s and server CPU per frame at 640x480, 1280x720 and 1920x1080, live.

The motor moves back and forth with RBV at 100 Hz; the chart IOC strips it
at ``MaxRate`` 60 (above the target of 30) and one image subscriber
(bench/subscriber.py, pyepics) takes every frame. For each size (set over
CA: ``Width``, ``Height``) it measures the frames drawn a second, the chart
IOC's CPU per frame (drawing, publishing and the 100 Hz intake), the
frames the subscriber got and the ids it missed.

Usage::

    .venv/bin/python bench/frame_sizes.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence

from common import beamline, keep_moving, start_subscribers, write_result

from chartioc.client.procstats import cpu_seconds

SIZES = ((640, 480), (1280, 720), (1920, 1080))


def measure(bl, width: int, height: int, seconds: float) -> dict:
    """One size: frames/s, CPU per frame, what the subscriber got."""
    import epics

    for name, value in (("Width", width), ("Height", height)):
        epics.caput(f"{bl.chart}{name}", value, wait=True)
    time.sleep(2.0)  # the new size is drawn
    (sub,) = start_subscribers([f"{bl.chart}image1:"], seconds + 1.0)
    frames_pv = f"{bl.chart}FramesRendered_RBV"

    def reading() -> tuple[int, float, float]:
        frames = epics.caget(frames_pv, use_monitor=False)
        return frames, cpu_seconds(bl.chart_ioc.pid), time.time()

    f0, c0, t0 = reading()
    time.sleep(seconds)
    f1, c1, t1 = reading()
    out, _ = sub.communicate(timeout=seconds + 30)
    got = json.loads(out.strip().splitlines()[-1])
    frames = f1 - f0
    row = {
        "width": width,
        "height": height,
        "fps": frames / (t1 - t0),
        "cpu_ms_per_frame": (c1 - c0) / frames * 1e3 if frames else float("nan"),
        "cpu_s_per_s": (c1 - c0) / (t1 - t0),
        "subscriber_fps": got["ids"] / (seconds + 1.0),
        "missing": got["missing"],
    }
    print(
        f"{width}x{height}: {row['fps']:.1f} frames/s, {row['cpu_ms_per_frame']:.1f} ms CPU a "
        f"frame ({row['cpu_s_per_s']:.2f} CPU-s/s); subscriber {row['subscriber_fps']:.1f} "
        f"frames/s, {row['missing']} ids missing"
    )
    return row


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    with (
        beamline(
            chart_args=["BENCH:motor.RBV", "--max-rate", "60", "--window", "10"],
            motor_args=["--update-rate", "100", "--velocity", "2"],
        ) as bl,
        keep_moving(bl.motor_pv),
    ):
        rows = [measure(bl, w, h, args.seconds) for w, h in SIZES]
    write_result("frame_sizes", {"seconds": args.seconds, "rows": rows})


if __name__ == "__main__":
    main()
