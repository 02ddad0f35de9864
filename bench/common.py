"""Shared pieces of the benchmark scripts: a local beamline, percentiles, result files.

Each benchmark prints its figures and writes them to ``bench/results/<name>.json``;
``bench/report.py`` turns those files into ``docs/performance.md``. Nothing
here asserts: figures are for people to read and compare.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from chartioc.client.beamline import LocalBeamline
from chartioc.client.localca import (
    client_environment,
    free_ports,
    put_epics_tools_on_path,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
LOGS = RESULTS / "logs"


def machine() -> str:
    """A one-line description of where the figures were measured."""
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )


def percentiles(values: Sequence[float], qs: Sequence[float] = (50, 99)) -> list[float]:
    """The ``qs`` percentiles of ``values`` (NaN when empty)."""
    if len(values) == 0:
        return [float("nan")] * len(qs)
    return [float(v) for v in np.percentile(np.asarray(values, dtype=float), qs)]


def write_result(name: str, result: dict) -> Path:
    """Save ``result`` (JSON-able) as ``bench/results/<name>.json``, stamped with the machine."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "name": name,
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        **result,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"-> {path}")
    return path


@contextlib.contextmanager
def beamline(
    chart_args: Sequence[str] = (),
    motor_args: Sequence[str] = (),
    prefix: str = "BENCH:",
    spare_ports: int = 0,
) -> Iterator[LocalBeamline]:
    """Start both IOCs (the chart IOC strips the motor's RBV unless told otherwise)."""
    ports = free_ports(3 + spare_ports)
    motor_port, chart_port, repeater = ports[:3]
    os.environ.update(client_environment([motor_port, chart_port], repeater))
    put_epics_tools_on_path()
    LOGS.mkdir(parents=True, exist_ok=True)
    bl = LocalBeamline(
        prefix,
        motor_port=motor_port,
        chart_port=chart_port,
        motor_args=["--velocity", "1", "--acceleration", "0.1", *motor_args],
        chart_args=list(chart_args) or None,
        log_dir=LOGS,
        tag="bench",
    )
    with bl.started():
        yield bl


@contextlib.contextmanager
def keep_moving(motor_pv: str, low: float = -5.0, high: float = 5.0) -> Iterator[None]:
    """Move the motor back and forth between ``low`` and ``high`` until the block ends."""
    import epics

    stop = threading.Event()

    def run() -> None:
        epics.ca.use_initial_context()
        target = high
        while not stop.is_set():
            epics.caput(f"{motor_pv}.VAL", target, wait=True, timeout=60)
            target = low if target == high else high

    thread = threading.Thread(target=run, name="keep-moving", daemon=True)
    thread.start()
    try:
        time.sleep(0.5)  # the first move is under way
        yield
    finally:
        stop.set()
        epics.caput(f"{motor_pv}.STOP", 1, wait=True, timeout=5)
        thread.join(timeout=30)


def start_ready(commands: Sequence[Sequence[str]]) -> list[subprocess.Popen]:
    """Start each command (a bench client) and wait until each printed ``ready``; read
    each one's last line (JSON) when it ends, with :func:`last_json`."""
    procs = [
        subprocess.Popen(list(cmd), stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        for cmd in commands
    ]
    for proc in procs:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"a client did not connect: {' '.join(proc.args)}")
    return procs


def last_json(procs: Sequence[subprocess.Popen], timeout: float) -> list[dict]:
    """The JSON line each of ``procs`` printed last, once it ended."""
    return [json.loads(p.communicate(timeout=timeout)[0].strip().splitlines()[-1]) for p in procs]


def start_subscribers(plugins: Sequence[str], seconds: float) -> list[subprocess.Popen]:
    """One bench/subscriber.py per image plugin prefix (repeat one for several viewers of
    it), each connected when this returns; read each one's JSON line when it ends."""
    script = str(HERE / "subscriber.py")
    return start_ready([[sys.executable, script, plugin, str(seconds)] for plugin in plugins])


def frames_and_cpu(bl: LocalBeamline) -> tuple[int, float, float]:
    """The chart's ``FramesRendered_RBV``, the chart IOC's CPU seconds and the time, now."""
    import epics

    from chartioc.client.procstats import cpu_seconds

    frames = epics.caget(f"{bl.chart}FramesRendered_RBV", use_monitor=False)
    return int(frames), cpu_seconds(bl.chart_ioc.pid), time.time()
