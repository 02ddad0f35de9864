"""The mock motor IOC driven by EPICS base caget/caput/camonitor over real CA."""

from __future__ import annotations

import subprocess
import time

import pytest

from chartioc.client.localca import epics_tool
from chartioc.iocs.motor.motion import trapezoid_time

from conftest import caget_value, run_tool


def test_caget_reads_rbv_with_units_and_record_type(motor):
    assert float(caget_value(f"{motor}.RBV")) == 0.0
    assert caget_value(f"{motor}.RTYP") == "motor"
    assert caget_value(f"{motor}.EGU") == "mm"
    info = run_tool("caget", "-d", "DBR_CTRL_DOUBLE", f"{motor}.VAL").stdout
    assert "Units:            mm" in info
    assert "Hi ctrl limit:    10" in info and "Lo ctrl limit:    -10" in info


def test_caput_callback_returns_only_after_the_move(motor):
    run_tool("caput", f"{motor}.VELO", "2")
    start = time.monotonic()
    result = run_tool("caput", "-c", "-w", "10", f"{motor}.VAL", "2.5")
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    expected = trapezoid_time(2.5, 2.0, 0.1)  # 1.35 s
    # The put-callback cannot come back before the motion has run its course.
    assert elapsed >= 0.9 * expected, elapsed
    assert elapsed < expected + 2.0, elapsed
    assert float(caget_value(f"{motor}.RBV")) == 2.5
    assert caget_value(f"{motor}.DMOV") == "1"


def test_camonitor_shows_rbv_stepping_and_running_1_then_0(motor):
    mon = subprocess.Popen(
        [epics_tool("camonitor"), "-t", "n", f"{motor}.RBV", f"{motor}.running", f"{motor}.DMOV"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(0.5)  # initial values
        assert run_tool("caput", "-c", "-w", "10", f"{motor}.VAL", "1.5").returncode == 0
        time.sleep(0.3)
    finally:
        mon.terminate()
    out = mon.communicate(timeout=5)[0]
    rows = [line.split() for line in out.splitlines() if line.startswith(motor)]
    rbv = [float(r[-1]) for r in rows if r[0].endswith(".RBV")]
    running = [r[-1] for r in rows if r[0].endswith(".running")]
    dmov = [r[-1] for r in rows if r[0].endswith(".DMOV")]
    assert len(rbv) >= 5, out  # 0.4 s of motion at 20 Hz
    assert rbv == sorted(rbv) and rbv[0] == 0.0 and rbv[-1] == 1.5
    assert running == ["0", "1", "0"]
    assert dmov == ["1", "0", "1"]


def caput_in_background(pv: str, value: str) -> subprocess.Popen:
    """``caput -c`` that returns at once; ``.wait()`` gives its exit code when the put completes."""
    return subprocess.Popen(
        [epics_tool("caput"), "-c", "-w", "20", pv, value],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize("bad", ["abc", "nan", "inf", "-inf", ""])
def test_bad_val_is_refused_and_nothing_moves(motor, bad):
    run_tool("caput", "-c", "-w", "10", f"{motor}.VAL", "1")
    assert run_tool("caput", "-c", "-w", "5", f"{motor}.VAL", bad).returncode != 0
    result = run_tool("caput", f"{motor}.VAL", bad)
    assert "Channel write request failed" in result.stderr, result.stderr
    assert float(caget_value(f"{motor}.VAL")) == 1.0
    assert float(caget_value(f"{motor}.RBV")) == 1.0
    assert caget_value(f"{motor}.DMOV") == "1"


@pytest.mark.parametrize(
    ("field", "bad", "reason"),
    [
        ("VELO", "0", "VELO must be > 0"),
        ("VELO", "-1", "VELO must be > 0"),
        ("VELO", "nan", "finite"),
        ("ACCL", "-0.5", "ACCL must be >= 0"),
        ("HLM", "-20", "must not be below LLM"),
        ("LLM", "20", "must not be below LLM"),
        ("TWV", "0", "TWV must be > 0"),
        ("PREC", "99", "PREC must be within"),
        ("OFF", "nan", "OFF must be a finite number"),
        ("MRES", "0", "MRES must be > 0"),
        ("VMAX", "-1", "VMAX must be 0 or >= VELO"),
        ("RVAL", "5", "RVAL is not supported"),
        ("DHLM", "-50", "must not be below DLLM"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(motor, field, bad, reason):
    before = caget_value(f"{motor}.{field}")
    # caput -c exits non-zero; plain caput prints the IOC's reason.
    assert run_tool("caput", "-c", "-w", "5", f"{motor}.{field}", bad).returncode != 0
    result = run_tool("caput", f"{motor}.{field}", bad)
    assert reason in result.stderr, result.stderr
    assert caget_value(f"{motor}.{field}") == before
    # ... and the IOC keeps serving.
    assert caget_value(f"{motor}.RTYP") == "motor"


def test_target_beyond_hlm_sets_lvio_and_does_not_move(motor):
    result = run_tool("caput", "-c", "-w", "5", f"{motor}.VAL", "12")
    assert result.returncode == 0  # accepted, as by the motor record
    assert caget_value(f"{motor}.LVIO") == "1"
    assert float(caget_value(f"{motor}.RBV")) == 0.0
    assert float(caget_value(f"{motor}.VAL")) == 0.0
    run_tool("caput", "-c", "-w", "5", f"{motor}.VAL", "0.5")
    assert caget_value(f"{motor}.LVIO") == "0"


def test_hlm_change_updates_val_control_limit_first(motor):
    assert run_tool("caput", "-c", f"{motor}.HLM", "4").returncode == 0
    info = run_tool("caget", "-d", "DBR_CTRL_DOUBLE", f"{motor}.VAL").stdout
    assert "Hi ctrl limit:    4" in info


def test_stop_halts_between_start_and_target(motor):
    run_tool("caput", f"{motor}.VELO", "1")
    mover = caput_in_background(f"{motor}.VAL", "5")
    time.sleep(1.0)
    assert run_tool("caput", f"{motor}.STOP", "1").returncode == 0
    assert mover.wait(5) == 0  # the put-callback completes when the motor stops
    rbv = float(caget_value(f"{motor}.RBV"))
    assert 0.3 < rbv < 2.0
    assert float(caget_value(f"{motor}.VAL")) == pytest.approx(rbv)  # VAL := RBV
    assert caget_value(f"{motor}.STOP") == "0"


def test_spmg_pause_holds_the_move_and_go_resumes_it(motor):
    run_tool("caput", f"{motor}.VELO", "2")
    assert run_tool("caput", f"{motor}.SPMG", "Pause").returncode == 0
    assert run_tool("caput", "-c", "-w", "5", f"{motor}.VAL", "1").returncode == 0
    time.sleep(0.3)
    assert float(caget_value(f"{motor}.RBV")) == 0.0  # paused: no motion
    assert float(caget_value(f"{motor}.VAL")) == 1.0
    assert run_tool("caput", f"{motor}.SPMG", "Go").returncode == 0
    time.sleep(1.2)
    assert float(caget_value(f"{motor}.RBV")) == 1.0


def test_spmg_stop_refuses_motion_and_keeps_val_at_rbv(motor):
    assert run_tool("caput", f"{motor}.SPMG", "Stop").returncode == 0
    assert run_tool("caput", "-c", "-w", "5", f"{motor}.VAL", "2").returncode == 0
    assert float(caget_value(f"{motor}.RBV")) == 0.0
    assert float(caget_value(f"{motor}.VAL")) == 0.0


def test_retarget_during_a_move(motor):
    run_tool("caput", f"{motor}.VELO", "1")
    mover = caput_in_background(f"{motor}.VAL", "5")
    time.sleep(0.6)
    assert run_tool("caput", "-c", "-w", "20", f"{motor}.VAL", "-0.5").returncode == 0
    assert mover.wait(5) == 0
    assert float(caget_value(f"{motor}.RBV")) == -0.5


def test_tweak_and_home(motor):
    assert run_tool("caput", f"{motor}.TWV", "0.25").returncode == 0
    assert run_tool("caput", "-c", "-w", "5", f"{motor}.TWF", "1").returncode == 0
    assert float(caget_value(f"{motor}.RBV")) == 0.25
    assert run_tool("caput", "-c", "-w", "5", f"{motor}.TWR", "1").returncode == 0
    assert run_tool("caput", "-c", "-w", "5", f"{motor}.TWR", "1").returncode == 0
    assert float(caget_value(f"{motor}.RBV")) == -0.25
    assert run_tool("caput", "-c", "-w", "5", f"{motor}.HOMF", "1").returncode == 0
    assert float(caget_value(f"{motor}.DRBV")) == 0.0
    assert caget_value(f"{motor}.ATHM") == "1"
    assert int(caget_value(f"{motor}.MSTA")) & (1 << 14)  # HOMED


def test_offset_and_set_mode(motor):
    assert run_tool("caput", "-c", f"{motor}.OFF", "1").returncode == 0
    assert float(caget_value(f"{motor}.RBV")) == 1.0
    assert float(caget_value(f"{motor}.HLM")) == 11.0
    assert run_tool("caput", "-c", f"{motor}.SET", "Set").returncode == 0
    assert run_tool("caput", "-c", "-w", "5", f"{motor}.VAL", "3").returncode == 0
    assert run_tool("caput", "-c", f"{motor}.SET", "Use").returncode == 0
    assert float(caget_value(f"{motor}.RBV")) == 3.0
    assert float(caget_value(f"{motor}.DRBV")) == 0.0  # no motion, offset changed
    assert float(caget_value(f"{motor}.OFF")) == 3.0
    run_tool("caput", "-c", f"{motor}.OFF", "0")


def test_readbacks_are_read_only(motor):
    info = run_tool("cainfo", f"{motor}.RBV").stdout
    assert "Access:           read, no write" in info
    run_tool("caput", f"{motor}.RBV", "3")
    assert float(caget_value(f"{motor}.RBV")) == 0.0


@pytest.mark.parametrize(
    ("pv", "bad", "reason"),
    [
        ("sigma", "0", "sigma must be > 0"),
        ("noise", "-1", "noise must be >= 0"),
        ("amp", "inf", "amp must be a finite number"),
    ],
)
def test_detector_settings_are_validated(motor_ioc, pv, bad, reason):
    name = f"{motor_ioc.prefix}det:{pv}"
    before = caget_value(name)
    result = run_tool("caput", name, bad)
    assert reason in result.stderr, result.stderr
    assert caget_value(name) == before


def test_stop_after_pause_mid_move_abandons_the_target(motor):
    run_tool("caput", f"{motor}.VELO", "1")
    mover = caput_in_background(f"{motor}.VAL", "5")
    time.sleep(0.5)
    assert run_tool("caput", f"{motor}.SPMG", "Pause").returncode == 0
    assert mover.wait(5) == 0  # the move ended (paused at rest)
    assert run_tool("caput", f"{motor}.SPMG", "Stop").returncode == 0
    rbv = float(caget_value(f"{motor}.RBV"))
    assert 0.0 < rbv < 5.0
    assert float(caget_value(f"{motor}.VAL")) == pytest.approx(rbv, abs=1e-4)
    assert run_tool("caput", f"{motor}.SPMG", "Go").returncode == 0
    time.sleep(0.5)
    assert float(caget_value(f"{motor}.RBV")) == pytest.approx(rbv, abs=1e-4)  # no motion


def test_homing_is_refused_while_paused(motor):
    run_tool("caput", "-c", "-w", "5", f"{motor}.VAL", "0.5")
    assert run_tool("caput", f"{motor}.SPMG", "Pause").returncode == 0
    result = run_tool("caput", f"{motor}.HOMF", "1")
    assert "homing needs SPMG Go or Move" in result.stderr
    assert float(caget_value(f"{motor}.RBV")) == 0.5
