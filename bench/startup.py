"""Start-up: from launch to the first PV answering, for both IOCs; and the first fit.

Not a test: it measures and prints, with no pass/fail.

1. Import time of each IOC's module (``python -c "import ..."``, wall time),
   and of the chart IOC with scipy.optimize imported too: what the lazy
   import of scipy (only a fit needs it) saves.
2. Launch to first answer, for the motor IOC and the chart IOC (idle
   machine, a running motor IOC as the chart's source): the process is
   started and a CA search for one of its PVs is sent every 5 ms over UDP
   until the IOC answers it; then a caproto read of that PV, timed too.
3. The first fit: an xy chart with the fit on, launched while the motor
   moves (a point on every update), timed from launch to the first fit
   result (OK or Failed) and that fit's own ``FitTime_RBV``; the chart IOC
   as it ships (scipy imported in the fit thread once a fit is asked for)
   beside one that imports scipy.optimize before it starts.

Usage::

    .venv/bin/python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from caproto import SearchRequest, VersionRequest
from common import LOGS, beamline, keep_moving, write_result

from chartioc.client.beamline import CHART_MODULE, MOTOR_MODULE
from chartioc.client.localca import free_ports, server_environment
from chartioc.iocs.chart.fit_group import FIT_STATES

#: Runs the chart IOC's module with scipy.optimize imported first (the eager variant).
EAGER = (
    "import runpy, sys, scipy.optimize; sys.argv[0] = 'chartioc-chart'; "
    f"runpy.run_module({CHART_MODULE!r}, run_name='__main__')"
)


def import_seconds(statement: str, runs: int) -> float:
    """Median wall time of ``python -c statement``."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def search_packet(pv: str) -> bytes:
    """A CA version + search request for ``pv``."""
    return bytes(VersionRequest(0, 13)) + bytes(SearchRequest(pv, 1, 13))


def launch(cmd: Sequence[str], port: int, pv: str, log_name: str) -> tuple[subprocess.Popen, float]:
    """Start ``cmd`` as an IOC on ``port``; seconds until it answers a search for ``pv``."""
    env = {**os.environ, **server_environment(port)}
    log = open(LOGS / log_name, "ab")  # noqa: SIM115
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.005)
    packet = search_packet(pv)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, "--interfaces", "127.0.0.1"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    try:
        while time.perf_counter() - t0 < 60:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd} exited with {proc.returncode}")
            sock.sendto(packet, ("127.0.0.1", port))
            try:
                sock.recvfrom(1024)
                return proc, time.perf_counter() - t0
            except TimeoutError:
                continue
        raise TimeoutError(f"{pv} not found in 60 s")
    finally:
        sock.close()


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def read_seconds(pv: str) -> float:
    """Wall time of one caproto read of ``pv`` (search, circuit, read)."""
    from caproto.sync.client import read

    t0 = time.perf_counter()
    read(pv, timeout=10, repeater=False)
    return time.perf_counter() - t0


def first_answers(runs: int) -> dict:
    """Launch-to-first-answer of both IOCs (median of ``runs``), a motor IOC running."""
    rows: dict[str, list[tuple[float, float]]] = {"motor": [], "chart": []}
    with beamline() as bl:
        (port,) = free_ports(1)
        os.environ["EPICS_CA_ADDR_LIST"] += f" 127.0.0.1:{port}"
        for i in range(runs):
            prefix = f"SU{i}:"
            cases = {
                "motor": ([sys.executable, "-m", MOTOR_MODULE, "--prefix", prefix], "motor.RBV"),
                "chart": (
                    [sys.executable, "-m", CHART_MODULE, "--prefix", prefix, f"{bl.motor_pv}.RBV"],
                    "Charts_RBV",
                ),
            }
            for name, (cmd, pv) in cases.items():
                proc, found = launch(cmd, port, prefix + pv, f"startup-{name}.log")
                try:
                    rows[name].append((found, read_seconds(prefix + pv)))
                finally:
                    stop(proc)
    result = {}
    for name, values in rows.items():
        found = statistics.median(v[0] for v in values)
        read = statistics.median(v[1] for v in values)
        spread = (min(v[0] for v in values), max(v[0] for v in values))
        result[name] = {"first_answer_s": found, "then_read_s": read, "range_s": spread}
        print(
            f"{name:5} IOC: launch to first answer {found:.2f} s "
            f"(range {spread[0]:.2f}..{spread[1]:.2f}), then a read {read * 1e3:.0f} ms"
        )
    return result


def first_fit(runs: int) -> dict:
    """Launch to first fit result, shipped (lazy scipy) beside eager, the motor moving."""
    from caproto.threading.client import Context

    result: dict[str, dict] = {}
    with beamline(motor_args=["--update-rate", "20"]) as bl:
        (port,) = free_ports(1)
        os.environ["EPICS_CA_ADDR_LIST"] += f" 127.0.0.1:{port}"
        ctx = Context()
        rows: dict[str, list[tuple[float, float, float]]] = {"lazy": [], "eager": []}
        with keep_moving(bl.motor_pv, -3.0, 3.0):
            for i in range(runs):
                for variant in ("lazy", "eager"):
                    prefix = f"FF{variant}{i}:"
                    args = [
                        *("--prefix", prefix, "--kind", "xy", "--x", f"{bl.motor_pv}.RBV"),
                        *(f"{bl.prefix}det", "--fit", "gaussian", "--sample", "update"),
                    ]
                    head = ["-m", CHART_MODULE] if variant == "lazy" else ["-c", EAGER]
                    t0 = time.perf_counter()
                    proc, found = launch(
                        [sys.executable, *head, *args],
                        port,
                        prefix + "Charts_RBV",
                        "startup-fit.log",
                    )
                    try:
                        status, took = ctx.get_pvs(prefix + "FitStatus_RBV", prefix + "FitTime_RBV")
                        deadline = time.perf_counter() + 30
                        while time.perf_counter() < deadline:
                            state = FIT_STATES[status.read(timeout=5).data[0]]
                            if state in ("OK", "Failed"):
                                break
                            time.sleep(0.01)
                        at = time.perf_counter() - t0
                        rows[variant].append((found, at, float(took.read(timeout=5).data[0])))
                    finally:
                        stop(proc)
        ctx.disconnect()
    for variant, values in rows.items():
        found = statistics.median(v[0] for v in values)
        at = statistics.median(v[1] for v in values)
        took_ms = statistics.median(v[2] for v in values)
        result[variant] = {"first_answer_s": found, "first_fit_s": at, "fit_ms": took_ms}
        print(
            f"xy chart with fit, {variant:5}: first answer {found:.2f} s, first fit result "
            f"{at:.2f} s after launch, that fit took {took_ms:.1f} ms"
        )
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each (median)")
    args = parser.parse_args(argv)
    LOGS.mkdir(parents=True, exist_ok=True)
    imports = {
        "motor_s": import_seconds(f"import {MOTOR_MODULE}", args.runs),
        "chart_s": import_seconds(f"import {CHART_MODULE}", args.runs),
        "chart_with_scipy_s": import_seconds(f"import {CHART_MODULE}, scipy.optimize", args.runs),
    }
    print(
        f"import: motor IOC {imports['motor_s']:.2f} s, chart IOC {imports['chart_s']:.2f} s, "
        f"chart IOC + scipy.optimize {imports['chart_with_scipy_s']:.2f} s"
    )
    answers = first_answers(args.runs)
    fits = first_fit(args.runs)
    write_result("startup", {"runs": args.runs, "imports": imports, **answers, "fit": fits})


if __name__ == "__main__":
    main()
