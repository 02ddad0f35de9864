"""pvAccess against Channel Access: viewers, server CPU per frame, latency, codec sizes and cost.

The chart IOC runs with ``--pva``; the motor moves back and forth (RBV at
20 Hz) and a 640x480 chart is drawn at ``MaxRate`` 10.

* **viewers**: 1 and 20 viewers (bench/image_client.py, each its own
  process) over CA (pyepics, ``image1:ArrayData``) and over pvAccess (p4p,
  ``Pva1:Image``) with codec none and lz4, one set-up after the other in one
  run: frames each viewer got, ids missing, the chart IOC's CPU per frame
  drawn, the viewers' CPU per frame (receiving, and decoding for PVA).
* **latency**: at ``MaxRate`` 30 (every RBV update drawn at once), one CA and
  one pvAccess viewer of the same frames at the same time, codec none and
  lz4: from the RBV update (the frame's time stamp) to the viewer, p50/p99.
* **codecs**: the strip, xy, map and grid charts drawn by the live IOC; each
  frame (from CA) compressed in this process with every codec: bytes, ratio
  and CPU per frame (median of 20).

Usage::

    .venv/bin/python bench/pva.py [--seconds 15] [--viewers 1 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from common import beamline, frames_and_cpu, keep_moving, last_json, start_ready, write_result

from chartioc.client.localca import free_ports
from chartioc.iocs.chart.codecs import CODECS, encode

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT = 640, 480


def pva_environment() -> dict[str, str]:
    """Private pvAccess ports: the IOC's (EPICS_PVAS_*) and its clients' (EPICS_PVA_*)."""
    tcp, udp = free_ports(2, low=30000)
    return {
        "EPICS_PVAS_SERVER_PORT": str(tcp),
        "EPICS_PVAS_BROADCAST_PORT": str(udp),
        "EPICS_PVA_ADDR_LIST": f"127.0.0.1:{udp}",
        "EPICS_PVA_AUTO_ADDR_LIST": "NO",
        "EPICS_PVA_BROADCAST_PORT": str(udp),
        "EPICS_PVA_SERVER_PORT": str(tcp),
    }


def caput(pv: str, value: object) -> None:
    import epics

    if epics.caput(pv, value, wait=True, timeout=10) != 1:
        raise RuntimeError(f"caput {pv} {value!r} failed")


def start_viewers(bl, protos: Sequence[str], seconds: float) -> list[subprocess.Popen]:
    """One bench/image_client.py per entry of ``protos``, each connected when this returns."""
    script = str(HERE / "image_client.py")
    return start_ready(
        [[sys.executable, script, proto, bl.chart, str(seconds)] for proto in protos]
    )


def viewers(bl, proto: str, n: int, seconds: float) -> dict:
    """``n`` viewers over ``proto`` for ``seconds``: their frames and the IOC's CPU."""
    procs = start_viewers(bl, [proto] * n, seconds)
    f0, c0, t0 = frames_and_cpu(bl)
    time.sleep(seconds - 1.0)
    f1, c1, t1 = frames_and_cpu(bl)
    rows = last_json(procs, seconds + 30)
    frames = f1 - f0
    got = [r["frames"] for r in rows]
    return {
        "proto": proto,
        "viewers": n,
        "server_fps": frames / (t1 - t0),
        "fps_each_min": min(got) / seconds,
        "fps_each_max": max(got) / seconds,
        "missing_total": sum(r["missing"] for r in rows),
        "server_cpu_per_frame_ms": (c1 - c0) / frames * 1e3 if frames else float("nan"),
        "viewer_cpu_per_frame_ms": statistics.median(
            r["cpu_s"] / r["frames"] * 1e3 for r in rows if r["frames"]
        ),
    }


def latency(bl, codec: str, seconds: float) -> dict:
    """One CA and one pvAccess viewer of the same frames at once: latency side by side.

    ``MaxRate`` 30 with the 20 Hz source: every RBV update is drawn at once, so the
    latency is the frame path's, not the wait for the next frame slot.
    """
    caput(f"{bl.chart}Codec", codec)
    ca_row, pva_row = last_json(start_viewers(bl, ["ca", "pva"], seconds), seconds + 30)
    return {
        "codec": codec,
        "ca_p50_ms": ca_row["latency_p50_ms"],
        "ca_p99_ms": ca_row["latency_p99_ms"],
        "pva_p50_ms": pva_row["latency_p50_ms"],
        "pva_p99_ms": pva_row["latency_p99_ms"],
        "frames": (ca_row["frames"], pva_row["frames"]),
    }


KINDS = {
    # kind: the settings that make it (besides Kind)
    "strip": {"Y1": "BENCH:motor.RBV", "Y2": "BENCH:motor2.RBV"},
    "xy": {"X": "BENCH:motor.RBV", "Y1": "BENCH:det", "Y2": ""},
    "map": {"X": "BENCH:motor.RBV", "Y1": "BENCH:motor2.RBV"},
    "grid": {"X": "BENCH:motor.RBV", "Y1": "BENCH:motor2.RBV", "Z": "BENCH:det"},
}


def codec_costs(bl, settle: float) -> list[dict]:
    """Each kind's live frame compressed with every codec: bytes, ratio, CPU per frame."""
    import epics

    rows = []
    for kind, settings in KINDS.items():
        for name, value in settings.items():
            caput(f"{bl.chart}{name}", value)
        caput(f"{bl.chart}Kind", kind)
        time.sleep(settle)  # a few seconds of data drawn
        data = epics.caget(f"{bl.chart}image1:ArrayData", use_monitor=False, timeout=10)
        frame = np.asarray(data, np.uint8)[: WIDTH * HEIGHT * 3].reshape(HEIGHT, WIDTH, 3)
        for codec in CODECS:
            times = []
            for _ in range(20):
                t0 = time.process_time()
                sent = encode(frame, codec, 90)
                times.append(time.process_time() - t0)
            rows.append({
                "kind": kind,
                "codec": codec,
                "bytes": sent.compressed,
                "ratio": sent.ratio,
                "cpu_ms": statistics.median(times) * 1e3,
            })  # fmt: skip
            print(f"{kind:5s} {codec:5s}: {sent.compressed:7d} bytes, {sent.ratio:6.1f}x, "
                  f"{rows[-1]['cpu_ms']:.2f} ms")  # fmt: skip
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    """Run both parts; print and save."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--viewers", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--settle", type=float, default=4.0)
    args = parser.parse_args(argv)
    os.environ.update(pva_environment())
    chart_args = ["BENCH:motor.RBV", "--max-rate", "10", "--width", str(WIDTH), "--height",
                  str(HEIGHT), "--pva"]  # fmt: skip
    rows: list[dict] = []
    with (
        beamline(
            chart_args=chart_args, motor_args=["--motors", "motor,motor2", "--update-rate", "20"]
        ) as bl,  # fmt: skip
        keep_moving(bl.motor_pv),
    ):
        for n in args.viewers:
            for proto, codec in (("ca", "none"), ("pva", "none"), ("pva", "lz4")):
                caput(f"{bl.chart}Codec", codec)
                row = viewers(bl, proto, n, args.seconds) | {"codec": codec}
                rows.append(row)
                print(
                    f"{n:2d} {proto} ({codec:4s}) viewers: server {row['server_fps']:.1f} frames/s,"
                    f" each {row['fps_each_min']:.1f}-{row['fps_each_max']:.1f}, missing "
                    f"{row['missing_total']}, server CPU/frame {row['server_cpu_per_frame_ms']:.2f}"
                    f" ms, viewer CPU/frame {row['viewer_cpu_per_frame_ms']:.2f} ms"
                )
        caput(f"{bl.chart}MaxRate", 30)
        lat = []
        for codec in ("none", "lz4"):
            lat.append(latency(bl, codec, args.seconds))
            r = lat[-1]
            print(
                f"latency, codec {codec}: CA p50 {r['ca_p50_ms']:.1f} p99 {r['ca_p99_ms']:.1f}"
                f" ms; PVA p50 {r['pva_p50_ms']:.1f} p99 {r['pva_p99_ms']:.1f} ms; frames"
                f" {r['frames']}"
            )
        caput(f"{bl.chart}MaxRate", 10)
        caput(f"{bl.chart}Codec", "none")
        codecs = codec_costs(bl, args.settle)
    write_result(
        "pva", {"seconds": args.seconds, "viewers": rows, "latency": lat, "codecs": codecs}
    )


if __name__ == "__main__":
    main()
