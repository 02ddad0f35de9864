"""``--autosave``: chart settings survive a restart; a broken file never stops the IOC.

A motor IOC and a three-chart IOC (``--config``, ``--autosave FILE``), over
real CA: settings written with ``caput`` are back after a restart and drawn;
a truncated file and a file of random bytes each give a running IOC with the
configuration's settings and an ``IocStatus_RBV`` that says why; a kill -9
during a burst of 100 setting changes leaves a file that loads.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from chartioc.client.localca import IocProcess

from conftest import (
    CHART_PORT,
    SPARE_PORT,
    caget_value,
    charts_toml,
    run_tool,
    unique_prefix,
    wait_until,
)

PREFIX = unique_prefix("A")
IOC = f"{PREFIX}chart:"
SCAN = f"{IOC}scan:"


@pytest.fixture(scope="module")
def motor_ioc(ioc_log_dir):
    ioc = IocProcess(
        "chartioc.iocs.motor.ioc",
        ["--prefix", PREFIX, "--motors", "motor,motor2", "--update-rate", "20"],
        port=SPARE_PORT,
        ready_pv=f"{PREFIX}motor2.RBV",
        log_path=ioc_log_dir / "autosave-motor.log",
    )
    with ioc:
        yield ioc


@pytest.fixture
def chart_ioc(motor_ioc, tmp_path, ioc_log_dir):
    config = tmp_path / "charts.toml"
    config.write_text(charts_toml(PREFIX))
    ioc = IocProcess(
        "chartioc.iocs.chart.ioc",
        [
            *("--prefix", IOC, "--config", str(config), "--render-workers", "0"),
            *("--autosave", str(tmp_path / "auto.json")),
        ],
        port=CHART_PORT,
        ready_pv=f"{IOC}Charts_RBV",
        log_path=ioc_log_dir / "autosave-chart.log",
    )
    ioc.autosave = tmp_path / "auto.json"
    yield ioc
    ioc.stop()


def saved(path: Path) -> dict:
    """The PV -> value map of the autosave file (it must load); {} before the first save."""
    if not path.exists():
        return {}
    return {k: v["value"] for k, v in json.loads(path.read_text()).items()}


def caput(pv: str, value: str) -> None:
    result = run_tool("caput", "-c", "-w", "10", pv, value)
    assert result.returncode == 0, result.stderr


def drawing(chart: str) -> bool:
    """The chart drew a frame and says OK."""
    return int(caget_value(f"{chart}image1:UniqueId_RBV")) > 0 and caget_value(
        f"{chart}Status_RBV"
    ).startswith("OK")


def test_settings_written_with_caput_are_back_after_a_restart(chart_ioc):
    chart_ioc.start()
    assert wait_until(lambda: chart_ioc.autosave.exists(), 5)
    caput(f"{SCAN}Kind", "strip")
    caput(f"{SCAN}Y1", f"{PREFIX}motor2.RBV")
    caput(f"{SCAN}Window", "33")
    caput(f"{SCAN}Fit", "Off")
    caput(f"{SCAN}Codec", "lz4")  # the pvAccess image's settings are saved too
    caput(f"{SCAN}CodecQuality", "50")
    wanted = {"Kind": "strip", "Y1": f"{PREFIX}motor2.RBV", "Window": 33.0, "Fit": "Off"}

    def in_file() -> bool:
        values = saved(chart_ioc.autosave)
        kind = values[f"{SCAN}Kind"]
        codec = values.get(f"{SCAN}Codec") in ("lz4", 1) and values.get(f"{SCAN}CodecQuality") == 50
        return (
            (kind in ("strip", 0))
            and codec
            and all(values[f"{SCAN}{k}"] in (v, 0) for k, v in wanted.items() if k != "Kind")
        )

    assert wait_until(in_file, 5), saved(chart_ioc.autosave)
    chart_ioc.stop()
    chart_ioc.start()
    for name, value in (("Kind", "strip"), ("Y1", f"{PREFIX}motor2.RBV"), ("Fit", "Off")):
        assert caget_value(f"{SCAN}{name}") == value
    assert float(caget_value(f"{SCAN}Window")) == 33.0
    assert caget_value(f"{SCAN}Codec") == "lz4" and caget_value(f"{SCAN}CodecQuality") == "50"
    assert caget_value(f"{IOC}motors:Codec") == "none"
    assert caget_value(f"{IOC}motors:Window") == "30"  # the other charts: as configured
    assert wait_until(lambda: caget_value(f"{SCAN}InputsTotal_RBV") == "1", 5)  # drawn: strip
    assert wait_until(lambda: drawing(SCAN), 10), caget_value(f"{SCAN}Status_RBV")
    assert caget_value(f"{IOC}IocStatus_RBV") == "OK"


@pytest.mark.parametrize("damage", ["truncated", "random bytes"])
def test_a_broken_file_gives_a_running_ioc_with_the_configuration(chart_ioc, damage):
    chart_ioc.start()
    caput(f"{SCAN}Window", "44")
    assert wait_until(lambda: saved(chart_ioc.autosave).get(f"{SCAN}Window") == 44.0, 5)
    chart_ioc.stop()
    whole = chart_ioc.autosave.read_bytes()
    chart_ioc.autosave.write_bytes(
        whole[: len(whole) // 2] if damage == "truncated" else os.urandom(3000)
    )
    chart_ioc.start()
    assert caget_value(f"{IOC}IocStatus_RBV") == "autosave file unusable"
    message = run_tool("caget", "-S", "-t", "-w", "5", f"{IOC}IocStatusMessage_RBV").stdout
    assert "not JSON" in message or "unreadable" in message, message
    assert "auto.json.broken" in message
    assert chart_ioc.autosave.with_name("auto.json.broken").exists()
    assert caget_value(f"{SCAN}Window") == "60"  # the configuration's (its default)
    assert caget_value(f"{SCAN}Kind") == "xy"
    assert wait_until(lambda: drawing(SCAN), 10)
    # and it saves a good file again
    assert wait_until(lambda: saved(chart_ioc.autosave).get(f"{SCAN}Window") == 60.0, 5)


def test_kill_9_during_a_burst_of_changes_leaves_a_file_that_loads(chart_ioc):
    import epics

    chart_ioc.start()
    assert wait_until(lambda: chart_ioc.autosave.exists(), 5)
    values = [10.0 + i for i in range(100)]
    done: list[float] = []

    def burst() -> None:
        for value in values:
            try:  # the IOC is killed mid-burst: a put then fails or raises
                if epics.caput(f"{SCAN}Window", value, wait=True, timeout=2) != 1:
                    return
            except epics.ca.ChannelAccessException:
                return
            done.append(value)
            time.sleep(0.02)

    writer = threading.Thread(target=burst, daemon=True)
    writer.start()
    assert wait_until(lambda: len(done) >= 60, 20), len(done)
    chart_ioc.proc.kill()
    chart_ioc.proc.wait(5)
    writer.join(20)
    on_disk = saved(chart_ioc.autosave)  # loads: never half written
    assert on_disk[f"{SCAN}Window"] in [60.0, *values]
    chart_ioc.start()
    assert caget_value(f"{IOC}IocStatus_RBV") == "OK"
    assert float(caget_value(f"{SCAN}Window")) == on_disk[f"{SCAN}Window"]
    assert not list(chart_ioc.autosave.parent.glob("*.broken"))
