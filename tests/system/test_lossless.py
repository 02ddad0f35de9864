"""Lossless intake: every RBV update the motor IOC posts enters the chart's history.

A motor IOC publishing RBV at 50 Hz moves one motor back and forth for two minutes
(retargeted before each end, so it never rests); a chart IOC charts that RBV as its
only source. Read at rest before and after, the motor's ``:RbvPosts_RBV`` and the
chart's ``UpdatesReceived_RBV`` must grow by exactly the same number. Both counters
include the RBV posts of the startup; the deltas do not (and the value a monitor
delivers on connection is no post). ``pytest -s`` prints the figures.

Run it alone: ``pytest -s tests/system/test_lossless.py`` (about 2.5 minutes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from chartioc.client.localca import IocProcess

from conftest import CHART_PORT, SPARE_PORT, caget_value, unique_prefix, wait_until

RUN_SECONDS = 120.0
UPDATE_RATE = 50.0
LEG = 5.0  # the motor heads for +-LEG and turns 1 before it gets there


def settled(read: Callable[[], int], quiet: float = 2.5, timeout: float = 30.0) -> int:
    """The value of ``read()`` once it has not changed for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    value, since = read(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now_value = read()
        if now_value != value:
            value, since = now_value, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return value
    raise TimeoutError(f"still changing after {timeout} s (last {value})")


@pytest.mark.ca
@pytest.mark.timeout(RUN_SECONDS + 120)
def test_chart_history_gets_every_rbv_post_at_50_hz(ioc_log_dir: Path) -> None:
    import epics

    prefix = unique_prefix("L")
    motor_pv, chart = f"{prefix}m", f"{prefix}chart:"
    motor_ioc = IocProcess(
        "chartioc.iocs.motor.ioc",
        [
            *("--prefix", prefix, "--motors", "m", "--update-rate", str(UPDATE_RATE)),
            *("--velocity", "2", "--acceleration", "0.2"),
        ],
        port=SPARE_PORT,
        ready_pv=f"{motor_pv}.RBV",
        log_path=ioc_log_dir / "lossless-motor.log",
    )
    chart_ioc = IocProcess(
        "chartioc.iocs.chart.ioc",
        [
            *("--prefix", chart, f"{motor_pv}.RBV", "--kind", "strip", "--window", "30"),
            *("--width", "320", "--height", "240", "--max-rate", "10"),
        ],
        port=CHART_PORT,
        ready_pv=f"{chart}UpdatesReceived_RBV",
        log_path=ioc_log_dir / "lossless-chart.log",
    )

    def posted() -> int:
        return int(caget_value(f"{motor_pv}:RbvPosts_RBV"))

    def received() -> int:
        return int(caget_value(f"{chart}UpdatesReceived_RBV"))

    with motor_ioc, chart_ioc:
        assert wait_until(lambda: caget_value(f"{chart}InputsConnected_RBV") == "1", 15)
        motor_before, chart_before = settled(posted), settled(received)

        val = epics.PV(f"{motor_pv}.VAL")
        rbv = epics.PV(f"{motor_pv}.RBV", auto_monitor=False)
        assert val.wait_for_connection(5) and rbv.wait_for_connection(5)
        legs, target = 0, LEG
        end = time.monotonic() + RUN_SECONDS
        while time.monotonic() < end:
            val.put(target)  # no wait: a retarget of the move in flight
            legs += 1
            turn = min(end - time.monotonic(), 20.0)
            wait_until(lambda t=target: abs(rbv.get(use_monitor=False) - t) < 1.0, turn)
            target = -target
        val.put(0.0, wait=True, timeout=30)
        assert caget_value(f"{motor_pv}.DMOV") == "1"

        motor_after, chart_after = settled(posted), settled(received)
        motor_delta, chart_delta = motor_after - motor_before, chart_after - chart_before
        frames = caget_value(f"{chart}FramesRendered_RBV")
        coalesced = caget_value(f"{chart}UpdatesCoalesced_RBV")
    print(
        f"\nlossless: {RUN_SECONDS:.0f} s at {UPDATE_RATE:g} Hz, {legs} legs: "
        f"motor posted {motor_delta} RBV updates ({motor_before} -> {motor_after}), "
        f"chart received {chart_delta} ({chart_before} -> {chart_after}); "
        f"{frames} frames, {coalesced} updates coalesced into them"
    )
    assert legs > 2 and motor_delta > 0  # it did move back and forth
    assert chart_delta == motor_delta
