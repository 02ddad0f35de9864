"""Load: 50 CA clients connect, monitor and disconnect in a loop for 60 s against the chart IOC.

The clients are real, separate CA clients: four worker processes run ten
caproto asyncio contexts each (chartioc's, with its fix of circuits that
fail to connect) (every context has its own UDP socket and TCP
circuit: one client to the IOC), and ten slots each start an EPICS base
``camonitor`` process, let it run one to three seconds and kill it (SIGKILL or
SIGTERM, in turn), then start the next. Every fifth caproto client also
monitors the RGB image. The motor moves all the time, so frames flow.

Afterwards a scalar ``caget`` answers within 1 s, and the IOC's open file
descriptors and threads come back to exactly what they were before the load.
"""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from chartioc.client.localca import epics_tool
from chartioc.client.procstats import sample

from conftest import Beamline, run_tool, same_fds_and_threads, wait_until

LOAD_SECONDS = 60.0
WORKERS = 4
CLIENTS_PER_WORKER = 10
CAMONITOR_SLOTS = 10  #: 4 x 10 + 10 = 50 clients at any time
#: the IOC may take this long to close what the clients left (a bound, not a figure)
SETTLE_SECONDS = 15.0

WORKER = """
import asyncio, json, random, sys, time
# chartioc's own context: a plain caproto 1.3.0 Context leaves a PV for good on a
# circuit whose TCP connect took over 2 s (a client starved on 2 busy cores did, once
# in about 600 cycles; chartioc.client.ca.context says how it is fixed)
from chartioc.client.ca.context import MonitorContext as Context

prefix, clients, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
SCALARS = ["image1:UniqueId_RBV", "FramesRendered_RBV", "Status_RBV", "InputsConnected_RBV"]
TIMEOUT = 20.0
totals = {"cycles": 0, "failures": 0, "updates": 0, "image_bytes": 0, "errors": []}

def state(ctx, subs):
    # where a client that got no first update is stuck: its circuit, channels, subscriptions
    out = []
    for sub, _cb in subs:
        pv, cm = sub.pv, sub.pv.circuit_manager
        circuit = "none" if cm is None else (
            f"transport={cm.transport is not None} ready={cm._ready.is_set()} "
            f"dead={cm.dead.is_set()} sub_known={sub.subscriptionid in cm.subscriptions}"
        )
        out.append(f"{pv.name.rsplit(':', 1)[-1]}: connected={pv.connected} {circuit} "
                   f"sid={sub.subscriptionid} react={sub.needs_reactivation}")
    queued = sum(len(v) for v in ctx.subscriptions_to_activate.values())
    return "; ".join(out) + f"; queued={queued}"

async def client(index, deadline):
    names = [prefix + s for s in SCALARS]
    if index % 5 == 0:
        names.append(prefix + "image1:ArrayData")
    while time.monotonic() < deadline:
        ctx = Context()
        first = {n: asyncio.Event() for n in names}
        subs = []
        stage, started = "connect", time.monotonic()
        try:
            # Bounds, not figures: on 2 cores shared with other test workers a connect
            # took over 10 s once (the IOC was starved, not stuck); the test prints them.
            pvs = await ctx.get_pvs(*names, timeout=TIMEOUT)

            for pv in pvs:
                async def on_update(sub, response, name=pv.name):
                    totals["updates"] += 1
                    if name.endswith("ArrayData"):
                        totals["image_bytes"] += len(response.data)
                    first[name].set()

                sub = pv.subscribe(data_type="time")
                sub.add_callback(on_update)
                subs.append((sub, on_update))
            stage = "first update"
            try:
                await asyncio.wait_for(asyncio.gather(*(e.wait() for e in first.values())), TIMEOUT)
            except asyncio.TimeoutError:
                missing = [n[len(prefix):] for n, e in first.items() if not e.is_set()]
                stage = f"first update of {' '.join(missing)} [{state(ctx, subs)}]"
                raise
            await asyncio.sleep(random.uniform(1.0, 3.0))  # monitoring
            totals["cycles"] += 1
        except Exception as ex:
            totals["failures"] += 1
            took = time.monotonic() - started
            totals["errors"].append(f"{stage} after {took:.1f} s: {ex!r}"[:2000])
        finally:
            await ctx.disconnect()

async def main():
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(i, deadline) for i in range(clients)))

asyncio.run(main())
print(json.dumps(totals), flush=True)
"""


def camonitor_slot(pvs: list[str], stop: threading.Event, counts: dict) -> None:
    """Start camonitor, let it run 1-3 s, kill it (SIGKILL/SIGTERM in turn), again."""
    signals = itertools.cycle((signal.SIGKILL, signal.SIGTERM))
    lifetimes = itertools.cycle((1.0, 2.0, 3.0, 1.5, 2.5))
    while not stop.is_set():
        proc = subprocess.Popen(
            [epics_tool("camonitor"), *pvs],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stop.wait(next(lifetimes))
        proc.send_signal(next(signals))
        proc.wait(10)
        counts["camonitor"] = counts.get("camonitor", 0) + 1


@contextmanager
def moving(motor: str) -> Iterator[None]:
    """Move the motor between -3 and 3 until the block ends."""
    stop = threading.Event()

    def run() -> None:
        for target in itertools.cycle(("3", "-3")):
            if stop.is_set():
                return
            run_tool("caput", "-c", "-w", "10", f"{motor}.VAL", target)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(15)


def timed_caget(pv: str) -> tuple[float, subprocess.CompletedProcess]:
    """Wall time of one EPICS ``caget`` process (search, connect, read) and its result."""
    t0 = time.monotonic()
    result = run_tool("caget", "-w", "1", pv, timeout=10)
    return time.monotonic() - t0, result


@pytest.fixture(scope="module")
def beamline(ioc_log_dir):
    with Beamline(ioc_log_dir, tag="load").running() as bl:
        yield bl


@pytest.mark.timeout(LOAD_SECONDS + 120)
def test_fifty_clients_come_and_go_for_a_minute(beamline):
    bl = beamline
    pid = bl.chart_ioc.pid
    scalar = f"{bl.chart}Width"
    assert timed_caget(scalar)[1].returncode == 0
    before = sample(pid)
    frames_before = bl.get("FramesRendered_RBV")

    stop = threading.Event()
    counts: dict = {}
    monitors = [f"{bl.chart}image1:UniqueId_RBV", f"{bl.chart}Status_RBV"]
    slots = [
        threading.Thread(target=camonitor_slot, args=(monitors, stop, counts), daemon=True)
        for _ in range(CAMONITOR_SLOTS)
    ]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, bl.chart, str(CLIENTS_PER_WORKER), str(LOAD_SECONDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    peak = before
    caget_during = []
    try:
        with moving(f"{bl.prefix}motor"):
            for slot in slots:
                slot.start()
            deadline = time.monotonic() + LOAD_SECONDS
            while time.monotonic() < deadline:
                stop.wait(5.0)
                now = sample(pid)
                peak = max(peak, now, key=lambda s: s.fds)
                caget_during.append(timed_caget(scalar)[0])
            stop.set()
            results = []
            for w in workers:
                out, err = w.communicate(timeout=60)  # a last cycle may wait 2 x 20 s
                assert w.returncode == 0, err[-2000:]
                results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        stop.set()
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait(5)
        for slot in slots:
            slot.join(15)

    totals = {k: sum(r[k] for r in results) for k in ("cycles", "failures", "updates")}
    image_mb = sum(r["image_bytes"] for r in results) / 1e6
    frames = bl.get("FramesRendered_RBV") - frames_before

    took, result = timed_caget(scalar)
    assert result.returncode == 0 and result.stdout.split()[-1] == "320", result
    settled = wait_until(lambda: same_fds_and_threads(sample(pid), before), SETTLE_SECONDS, 0.2)
    after = sample(pid)
    print(
        f"\n{WORKERS * CLIENTS_PER_WORKER} caproto clients: {totals['cycles']} connect-monitor-"
        f"disconnect cycles, {totals['failures']} failed, {totals['updates']} updates, "
        f"{image_mb:.0f} MB of images; {counts.get('camonitor', 0)} camonitor processes "
        f"killed; {frames} frames drawn in {LOAD_SECONDS:.0f} s\n"
        f"caget during the load: max {max(caget_during):.2f} s; after: {took:.2f} s\n"
        f"chart IOC fds {before.fds} -> peak {peak.fds} -> {after.fds}, threads "
        f"{before.threads} -> {after.threads}, RSS {before.rss / 2**20:.0f} -> "
        f"{after.rss / 2**20:.0f} MiB"
    )
    errors = [e for r in results for e in r["errors"]]
    assert totals["failures"] == 0, errors[:5]
    assert totals["cycles"] >= WORKERS * CLIENTS_PER_WORKER * 5
    assert took < 1.0, f"caget took {took:.2f} s after the load"
    assert settled, f"fds/threads {before.fds}/{before.threads} -> {after.fds}/{after.threads}"
