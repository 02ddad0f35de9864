"""The mock motor IOC driven by pyepics ``epics.Motor``, ophyd ``EpicsMotor`` and bluesky."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import epics
import numpy as np
import pytest

from chartioc.client.localca import IocProcess

from conftest import SPARE_PORT, caget_value, monitors_before_completions, run_tool, unique_prefix


@pytest.fixture
def pyepics_motor(motor):
    return epics.Motor(motor, timeout=5.0)


def test_pyepics_move_with_wait_returns_0_and_reaches_target(pyepics_motor, motor):
    assert pyepics_motor.move(3, wait=True, timeout=10) == 0
    assert float(caget_value(f"{motor}.RBV")) == 3.0
    assert pyepics_motor.get_position(readback=True) == pytest.approx(3.0)


def test_pyepics_target_beyond_hlm_gives_limit_codes_and_no_motion(pyepics_motor, motor):
    assert pyepics_motor.move(11, wait=True) == -12  # checked by pyepics: outside soft limits
    # Sent anyway: the IOC flags LVIO and pyepics reports the soft-limit violation.
    assert pyepics_motor.move(11, wait=True, ignore_limits=True, timeout=10) == -4
    assert float(caget_value(f"{motor}.RBV")) == 0.0
    assert caget_value(f"{motor}.LVIO") == "1"


def test_pyepics_tweak_forward_moves_by_twv(pyepics_motor, motor):
    pyepics_motor.put("TWV", 0.4, wait=True)
    pyepics_motor.tweak("forward", wait=True)
    assert float(caget_value(f"{motor}.RBV")) == pytest.approx(0.4)
    pyepics_motor.tweak("reverse", wait=True)
    assert float(caget_value(f"{motor}.RBV")) == pytest.approx(0.0)


def test_pyepics_sees_the_final_rbv_and_dmov_before_every_put_completion(motor):
    """The motor record's order: a move's last monitors, then its put-callback (100 moves)."""
    run_tool("caput", "-c", f"{motor}.ACCL", "0.01")
    rbv, dmov = f"{motor}.RBV", f"{motor}.DMOV"
    puts = [(t, {rbv: t, dmov: 1}) for t in [0.05, 0.0] * 50]
    wrong = monitors_before_completions([rbv, dmov], f"{motor}.VAL", puts)
    assert wrong == [], f"{len(wrong)} of 100: {wrong[:3]}"


@pytest.mark.parametrize("field", ["TWF", "TWR", "HOMF"])
def test_tweak_and_home_complete_after_rbv_dmov_movn_and_running(motor, field):
    run_tool("caput", "-c", f"{motor}.ACCL", "0.01")
    run_tool("caput", "-c", f"{motor}.TWV", "0.05")
    run_tool("caput", "-c", "-w", "10", f"{motor}.VAL", "0.2")
    watched = [f"{motor}.{f}" for f in ("RBV", "DMOV", "MOVN")] + [f"{motor}.running"]
    rest = {watched[1]: 1, watched[2]: 0, watched[3]: 0}
    step = {"TWF": 0.05, "TWR": -0.05, "HOMF": None}[field]
    puts = []
    position = 0.2
    for _ in range(5):
        position = 0.0 if step is None else position + step
        puts.append((1, {watched[0]: position, **rest}))
    wrong = monitors_before_completions(watched, f"{motor}.{field}", puts)
    assert wrong == [], f"{len(wrong)} of 5: {wrong[:3]}"


#: ophyd-async runs in a process of its own: aioca's channels outlive an event loop,
#: and their callbacks would land in the closed loop of a test that ran before.
OPHYD_ASYNC_MOVES = """
import asyncio, json, sys
from ophyd_async.core import init_devices
from ophyd_async.epics.motor import Motor

def keep(reading):  # a subscription keeps a signal's cache live
    pass

async def moves(prefix):
    async with init_devices(connect=True):
        m = Motor(prefix)
    for signal in (m.user_readback, m.motor_done_move):
        signal.subscribe_reading(keep)
    done = []
    for i in range(20):
        target = 0.05 if i % 2 == 0 else 0.0
        await m.set(target)
        rbv = await m.user_readback.get_value(cached=True)
        dmov = await m.motor_done_move.get_value(cached=True)
        done.append((target, rbv, dmov))
    for signal in (m.user_readback, m.motor_done_move):
        signal.clear_sub(keep)
    return done

print(json.dumps(asyncio.run(asyncio.wait_for(moves(sys.argv[1]), 60))))
"""


def test_ophyd_async_set_then_cached_readback_and_dmov_are_the_target_and_1(motor):
    """ophyd-async's Motor.set() returns on the put completion; its cache must be current."""
    run_tool("caput", "-c", f"{motor}.ACCL", "0.01")
    proc = subprocess.run(
        [sys.executable, "-c", OPHYD_ASYNC_MOVES, motor],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    moves = json.loads(proc.stdout.splitlines()[-1])
    assert len(moves) == 20
    wrong = [m for m in moves if m[1] != pytest.approx(m[0], abs=1e-9) or m[2] != 1]
    assert wrong == [], f"{len(wrong)} of 20 (target, cached RBV, cached DMOV): {wrong[:3]}"


# -- ophyd --------------------------------------------------------------------------------
ophyd = pytest.importorskip("ophyd")


@pytest.fixture
def ophyd_motor(motor):
    m = ophyd.EpicsMotor(motor, name="m")
    m.wait_for_connection(timeout=5)  # the acceptance figure: connected within 5 s
    yield m
    m.destroy()


def test_ophyd_set_wait_succeeds(ophyd_motor, motor):
    status = ophyd_motor.set(1.5)
    status.wait(timeout=10)
    assert status.success
    assert ophyd_motor.position == pytest.approx(1.5)
    assert float(caget_value(f"{motor}.RBV")) == 1.5
    assert ophyd_motor.egu == "mm"
    assert ophyd_motor.limits == (-10.0, 10.0)


def test_ophyd_target_beyond_hlm_raises_limit_error(ophyd_motor, motor):
    with pytest.raises(ophyd.utils.LimitError):
        ophyd_motor.set(10.5)
    time.sleep(0.2)
    assert float(caget_value(f"{motor}.RBV")) == 0.0


def test_ophyd_stop_halts_within_0_3_s_between_start_and_target(ophyd_motor, motor):
    run_tool("caput", "-c", f"{motor}.VELO", "2")
    status = ophyd_motor.set(8.0)
    time.sleep(1.0)
    t_stop = time.time()
    ophyd_motor.stop()
    deadline = time.monotonic() + 5
    while not status.done and time.monotonic() < deadline:
        time.sleep(0.01)
    assert status.done  # the move ended (ophyd sees DMOV go back to 1)
    assert ophyd_motor.motor_done_move.get() == 1
    time.sleep(0.3)
    rbv = ophyd_motor.user_readback.read()["m"]
    assert 0.0 < rbv["value"] < 8.0
    # The last RBV update (server time stamp) is when the motor came to rest.
    assert rbv["timestamp"] - t_stop < 0.3
    assert float(caget_value(f"{motor}.RBV")) == pytest.approx(rbv["value"], abs=1e-4)


# -- bluesky ------------------------------------------------------------------------------
bluesky = pytest.importorskip("bluesky")


@pytest.fixture(scope="module")
def scan_ioc(ioc_log_dir):
    """A motor IOC of its own (one motor, one detector) for the scan."""
    prefix = unique_prefix("S")
    ioc = IocProcess(
        "chartioc.iocs.motor.ioc",
        ["--prefix", prefix, "--velocity", "5", "--acceleration", "0.05"],
        port=SPARE_PORT,
        ready_pv=f"{prefix}det:sigma",
        log_path=ioc_log_dir / "scan-ioc.log",
    )
    ioc.prefix = prefix
    with ioc:
        yield ioc


def test_bluesky_scan_runs_and_detector_peaks_at_the_centre(scan_ioc):
    from bluesky import RunEngine
    from bluesky.plans import scan

    p = scan_ioc.prefix
    assert run_tool("caput", "-c", f"{p}det:motor:cen", "0.4").returncode == 0
    assert run_tool("caput", "-c", f"{p}det:sigma", "0.3").returncode == 0
    m = ophyd.EpicsMotor(f"{p}motor", name="m")
    det = ophyd.EpicsSignalRO(f"{p}det", name="det")
    m.wait_for_connection(timeout=5)
    det.wait_for_connection(timeout=5)
    rows: list[dict] = []
    RE = RunEngine({})
    RE(scan([det], m, -1, 1, 11), lambda name, doc: rows.append(doc) if name == "event" else None)
    assert len(rows) == 11
    xs = np.array([r["data"]["m"] for r in rows])
    ys = np.array([r["data"]["det"] for r in rows])
    np.testing.assert_allclose(xs, np.linspace(-1, 1, 11))
    assert xs[np.argmax(ys)] == pytest.approx(0.4)
    np.testing.assert_allclose(ys, 1000 * np.exp(-((xs - 0.4) ** 2) / (2 * 0.3**2)), rtol=1e-9)
    m.destroy()
    det.destroy()
