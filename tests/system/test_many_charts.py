"""One chart IOC serving three charts from a configuration file, over real CA.

A motor IOC (``motor``, ``motor2``, ``det``) and a chart IOC started with
``--config`` (a strip of both motors, the xy of the scan with its fit, the map
of the two motors): every chart serves frames pyepics reads as (H, W, 3), has
settings of its own, is listed in ``Charts_RBV``; a PV three charts draw has
one CA channel in the chart IOC (its SIGUSR1 channel report, from caproto's
client circuits); every chart's intake is lossless; a kill -9 of the motor IOC
is a gap in all three, and all three resume.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import numpy as np
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

CHARTS = ("motors", "scan", "stage")


class ManyCharts:
    """The two IOCs of this module and pyepics helpers for chart ``name``'s PVs."""

    def __init__(self, log_dir: Path, tmp: Path) -> None:
        self.prefix = unique_prefix("K")
        self.ioc_prefix = f"{self.prefix}chart:"
        config = tmp / "charts.toml"
        config.write_text(charts_toml(self.prefix))
        self.motor_ioc = IocProcess(
            "chartioc.iocs.motor.ioc",
            [
                *("--prefix", self.prefix, "--motors", "motor,motor2"),
                *("--velocity", "4", "--acceleration", "0.05", "--update-rate", "20"),
            ],
            port=SPARE_PORT,
            ready_pv=f"{self.prefix}motor2.RBV",
            log_path=log_dir / "many-motor.log",
        )
        self.chart_log = log_dir / "many-chart.log"
        self.chart_ioc = IocProcess(
            "chartioc.iocs.chart.ioc",
            ["--prefix", self.ioc_prefix, "--config", str(config)],
            port=CHART_PORT,
            ready_pv=f"{self.ioc_prefix}Charts_RBV",
            log_path=self.chart_log,
        )

    def chart(self, name: str) -> str:
        return f"{self.ioc_prefix}{name}:"

    def get(self, name: str, suffix: str):
        import epics

        return epics.caget(self.chart(name) + suffix, timeout=5, use_monitor=False)

    def put(self, name: str, suffix: str, value) -> int:
        import epics

        return epics.caput(self.chart(name) + suffix, value, wait=True, timeout=10)

    def frame(self, name: str) -> np.ndarray:
        import epics

        p = self.chart(name) + "image1:"
        dims = [epics.caget(p + f"ArraySize{i}_RBV", use_monitor=False) for i in range(3)]
        shape = (dims[2], dims[1], dims[0])
        data = epics.caget(p + "ArrayData", count=int(np.prod(shape)), timeout=5, use_monitor=False)
        return np.asarray(data, dtype=np.uint8).reshape(shape)

    def uid(self, name: str) -> int:
        return int(self.get(name, "image1:UniqueId_RBV"))

    def all_connected(self) -> bool:
        return all(self.get(n, "InputsConnected_RBV") == 2 for n in CHARTS)

    def move(self, motor: str, target: float) -> None:
        result = run_tool("caput", "-c", "-w", "20", f"{self.prefix}{motor}.VAL", str(target))
        assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def many(ioc_log_dir, tmp_path_factory):
    setup = ManyCharts(ioc_log_dir, tmp_path_factory.mktemp("many"))
    with setup.motor_ioc, setup.chart_ioc:
        assert wait_until(setup.all_connected, 15), [
            setup.get(n, "StatusMessage_RBV") for n in CHARTS
        ]
        yield setup


def test_charts_rbv_lists_the_charts_and_each_names_itself(many):
    listed = run_tool("caget", "-S", "-t", "-w", "5", f"{many.ioc_prefix}Charts_RBV")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == list(CHARTS)
    for name in CHARTS:
        assert caget_value(f"{many.chart(name)}Name_RBV") == name
    assert caget_value(f"{many.ioc_prefix}IocStatus_RBV") == "OK"


def test_every_chart_serves_rgb_frames_and_has_settings_of_its_own(many):
    for name in CHARTS:
        assert wait_until(lambda n=name: many.uid(n) > 0, 10), name
        frame = many.frame(name)
        assert frame.shape == (240, 320, 3), (name, frame.shape)
        assert frame.std() > 0, f"{name}: a blank frame"
    assert many.get("scan", "Kind") == 1 or many.get("scan", "Kind") == "xy"
    assert many.put("scan", "Width", 400) == 1
    try:
        assert wait_until(lambda: many.frame("scan").shape == (240, 400, 3), 5)
        for other in ("motors", "stage"):
            assert many.get(other, "Width") == 320
            assert many.frame(other).shape == (240, 320, 3)
    finally:
        many.put("scan", "Width", 320)


def channel_report(many, since: int) -> list[str]:
    """The chart IOC's channel report lines logged after byte ``since`` of its log."""
    many.chart_ioc.proc.send_signal(signal.SIGUSR1)

    def lines() -> list[str]:
        text = many.chart_log.read_bytes()[since:].decode(errors="replace")
        return [line for line in text.splitlines() if "CA channel" in line]

    assert wait_until(lambda: any("CA channels:" in line for line in lines()), 5)
    time.sleep(0.2)  # the rest of the report
    return lines()


def test_a_pv_three_charts_draw_has_one_channel_and_one_subscription(many):
    report = channel_report(many, many.chart_log.stat().st_size)
    rbv = f"{many.prefix}motor.RBV"
    ours = [line for line in report if f"CA channel {rbv}:" in line]
    assert len(ours) == 1 and ours[0].endswith("channels=1 subscriptions=1"), report
    assert all("channels=1 " in line for line in report if "CA channel " in line), report


def test_every_chart_takes_every_update_of_its_sources(many):
    def posts() -> int:
        return int(caget_value(f"{many.prefix}motor:RbvPosts_RBV"))

    def received(name: str) -> int:
        return int(many.get(name, "UpdatesReceived_RBV"))

    time.sleep(1.5)  # at rest, every counter settled (the status loop publishes each second)
    before = posts(), {n: received(n) for n in ("motors", "stage")}
    many.move("motor", 2.0)
    many.move("motor", 0.0)
    time.sleep(1.5)
    after = posts(), {n: received(n) for n in ("motors", "stage")}
    grown = after[0] - before[0]
    assert grown > 20
    for name in ("motors", "stage"):  # motor2 stood still: only motor.RBV posted
        assert after[1][name] - before[1][name] == grown, (name, before, after)


def test_a_killed_motor_ioc_is_a_gap_in_every_chart_and_all_resume(many):
    many.motor_ioc.proc.kill()
    many.motor_ioc.proc.wait(5)
    try:
        for name in CHARTS:
            assert wait_until(
                lambda n=name: str(many.get(n, "Status_RBV")).startswith("DISCONNECTED"), 10
            ), (name, many.get(name, "Status_RBV"))
    finally:
        many.motor_ioc.start()
    assert wait_until(many.all_connected, 25)
    before = {n: many.uid(n) for n in CHARTS}
    many.move("motor", 1.0)
    many.move("motor", 0.0)
    for name in CHARTS:
        assert wait_until(lambda n=name: many.uid(n) > before[n], 5), name
        assert wait_until(lambda n=name: str(many.get(n, "Status_RBV")).startswith("OK"), 5), (
            name,
            many.get(name, "Status_RBV"),
        )
