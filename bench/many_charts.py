"""Many charts in one chart IOC: frames/s per chart, missing frame ids, CPU and RSS.

A motor IOC moves 8 motors back and forth (RBV at 10 Hz). Side by side, in one run:

1. one chart IOC (``--config``) with 8 strip charts of 640x480 at ``MaxRate`` 10,
   each of one motor, one image subscriber (bench/subscriber.py) per chart,
   drawn in threads of the IOC (``--render-workers 0``), in 1 and in 2 worker
   processes;
2. the same 8 charts plus a ninth of 2048x2048 (a strip of four motors),
   with its own subscriber too (2 workers);
3. 8 one-chart IOCs (today's command line), one chart each, the same 8 subscribers.

For each: frames/s each chart's subscriber got (min and mean), missing frame
ids, the IOCs' CPU (CPU-s/s, render workers included) and RSS (the sum over
the IOC and its workers). Charts drawn in threads of one process share one
core (matplotlib holds the GIL); workers let them use more. The motors move
back and forth for 12 s before each measurement, so the axes have grown to
the motion and the frames are blitted, as in a steady scan.

Usage::

    .venv/bin/python bench/many_charts.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import textwrap
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from common import LOGS, keep_moving, start_subscribers, write_result

from chartioc.client.localca import (
    IocProcess,
    client_environment,
    free_ports,
    put_epics_tools_on_path,
)
from chartioc.client.procstats import cpu_seconds, sample

PREFIX = "MANY:"
MOTORS = [f"m{i}" for i in range(1, 9)]
CHART_MODULE = "chartioc.iocs.chart.ioc"
#: seconds of drawing before a measurement: a whole sweep of the motors (10 s)
WARM_UP = 12.0
#: the one-chart IOCs' settings: those of the config's charts
ONE_CHART_ARGS = ("--window", "30", "--max-rate", "10")


def config_text(big: bool) -> str:
    """8 strip charts of 640x480, one motor each; with ``big`` a ninth of 2048x2048."""
    tables = [
        textwrap.dedent(
            f"""\
            [charts.{m}]
            kind = "strip"
            y = ["{PREFIX}{m}.RBV"]
            window = 30
            max_rate = 10
            """
        )
        for m in MOTORS
    ]
    if big:
        tables.append(
            textwrap.dedent(
                f"""\
                [charts.big]
                kind = "strip"
                y = ["{PREFIX}m1.RBV", "{PREFIX}m2.RBV", "{PREFIX}m3.RBV", "{PREFIX}m4.RBV"]
                window = 30
                width = 2048
                height = 2048
                max_rate = 10
                """
            )
        )
    return "\n".join(tables)


def with_children(pids: Sequence[int]) -> list[int]:
    """``pids`` and their child processes (the render workers)."""
    found = list(pids)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid in pids:
                found.append(int(entry.name))
    return found


def measure(pids: Sequence[int], plugins: dict[str, str], seconds: float) -> dict:
    """Subscribe to every chart for ``seconds``; frames/s per chart, CPU and RSS of ``pids``
    and their children."""
    pids = with_children(pids)
    procs = start_subscribers(list(plugins.values()), seconds)
    busy0 = machine_busy()
    c0, t0 = sum(cpu_seconds(p) for p in pids), time.monotonic()
    results = [
        json.loads(p.communicate(timeout=seconds + 60)[0].strip().splitlines()[-1]) for p in procs
    ]
    elapsed = time.monotonic() - t0
    busy = machine_busy()
    machine = (busy[0] - busy0[0]) / max(busy[1] - busy0[1], 1)
    cpu = (sum(cpu_seconds(p) for p in pids) - c0) / elapsed
    rss = sum(sample(p).rss for p in pids) / 2**20
    charts = {}
    for name, result in zip(plugins, results, strict=True):
        charts[name] = {
            "fps": result["ids"] / seconds,
            "missing": result["missing"],
        }
    return {
        "charts": charts,
        "cpu_s_per_s": cpu,
        "rss_mib": rss,
        "processes": len(pids),
        "machine_busy": machine,
    }


def machine_busy() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


@contextlib.contextmanager
def many_chart_ioc(port: int, big: bool, tag: str, workers: int) -> Iterator[IocProcess]:
    path = LOGS / f"many-{tag}.toml"
    path.write_text(config_text(big))
    ioc = IocProcess(
        CHART_MODULE,
        [
            *("--prefix", f"{PREFIX}chart:", "--config", str(path)),
            *("--render-workers", str(workers)),
        ],
        port=port,
        ready_pv=f"{PREFIX}chart:Charts_RBV",
        log_path=LOGS / f"many-{tag}.log",
    )
    with ioc:
        time.sleep(WARM_UP)  # connected, axes grown to the motion, caches warm
        yield ioc


def summary(label: str, row: dict, names: Sequence[str]) -> str:
    fps = [row["charts"][n]["fps"] for n in names]
    missing = sum(row["charts"][n]["missing"] for n in names)
    return (
        f"{label}: {len(names)} charts at {min(fps):.2f}-{max(fps):.2f} frames/s "
        f"(mean {sum(fps) / len(fps):.2f}), missing ids {missing}; "
        f"CPU {row['cpu_s_per_s']:.2f} CPU-s/s, RSS {row['rss_mib']:.0f} MiB "
        f"in {row['processes']} process(es); machine {row['machine_busy']:.0%} busy"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Measure the three set-ups in one run; print and save."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    ports = free_ports(3 + len(MOTORS))
    motor_port, chart_port, repeater, *single_ports = ports
    os.environ.update(client_environment([motor_port, chart_port, *single_ports], repeater))
    put_epics_tools_on_path()
    LOGS.mkdir(parents=True, exist_ok=True)
    motor_ioc = IocProcess(
        "chartioc.iocs.motor.ioc",
        [
            *("--prefix", PREFIX, "--motors", ",".join(MOTORS), "--update-rate", "10"),
            *("--velocity", "1", "--acceleration", "0.1"),
        ],
        port=motor_port,
        ready_pv=f"{PREFIX}{MOTORS[-1]}.RBV",
        log_path=LOGS / "many-motor.log",
    )
    rows = {}
    with motor_ioc, contextlib.ExitStack() as moving:
        for m in MOTORS:
            moving.enter_context(keep_moving(f"{PREFIX}{m}"))
        eight = {m: f"{PREFIX}chart:{m}:image1:" for m in MOTORS}
        for workers in (0, 1, 2):
            with many_chart_ioc(chart_port, False, "eight", workers) as ioc:
                row = rows[f"eight_in_one_w{workers}"] = measure([ioc.pid], eight, args.seconds)
            print(summary(f"8 charts, one IOC, {workers} render workers", row, MOTORS))
        nine = {**eight, "big": f"{PREFIX}chart:big:image1:"}
        for workers in (0, 2):
            with many_chart_ioc(chart_port, True, "nine", workers) as ioc:
                row = rows[f"eight_plus_big_w{workers}"] = measure([ioc.pid], nine, args.seconds)
            print(summary(f"8 charts beside a 2048x2048 one, {workers} workers", row, MOTORS))
            print(summary("  the 2048x2048 chart", row, ["big"]))
        with contextlib.ExitStack() as stack:
            iocs = []
            for m, port in zip(MOTORS, single_ports, strict=True):
                chart = f"{PREFIX}one{m}:"
                iocs.append(
                    stack.enter_context(
                        IocProcess(
                            CHART_MODULE,
                            [*("--prefix", chart, f"{PREFIX}{m}.RBV"), *ONE_CHART_ARGS],
                            port=port,
                            ready_pv=f"{chart}Charts_RBV",
                            log_path=LOGS / f"many-one-{m}.log",
                        )
                    )
                )
            time.sleep(WARM_UP)
            singles = {m: f"{PREFIX}one{m}:image1:" for m in MOTORS}
            rows["eight_iocs"] = measure([i.pid for i in iocs], singles, args.seconds)
        print(summary("8 one-chart IOCs", rows["eight_iocs"], MOTORS))
    ratio = rows["eight_in_one_w0"]["rss_mib"] / rows["eight_iocs"]["rss_mib"]
    print(f"RSS of one 8-chart IOC / 8 one-chart IOCs: {ratio:.2f}")
    write_result("many_charts", {"seconds": args.seconds, "rows": rows, "rss_ratio": ratio})


if __name__ == "__main__":
    main()
