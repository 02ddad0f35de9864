"""The Qt panel against a chart IOC that serves many charts (pytest-qt, offscreen).

A motor IOC (``motor``, ``motor2``, ``det``), a chart IOC started with
``--config`` (``motors``, ``scan``, ``stage``) and a one-chart chart IOC of
today's command line: the panel offers the charts its prefix lists in
``Charts_RBV``, shows the first (or ``select``), switches with
``show_chart`` or the chooser and closes the old chart's channels, follows
the list when the IOC restarts with another one, and shows no chooser for a
one-chart prefix or a prefix with no ``Charts_RBV``.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")  # the [test] extra installs it; a clear skip reason otherwise

from qtpy.QtCore import QEvent
from qtpy.QtWidgets import QApplication

from chartioc.client.localca import IocProcess
from chartioc.gui.channel import PVChannel
from chartioc.gui.chooser import chart_prefix, chart_to_show, parse_chart_names
from chartioc.gui.panel import ChartPanel

from conftest import CHART_PORT, EXTRA_PORT, SPARE_PORT, unique_prefix, wait_until

pytestmark = pytest.mark.ca
CHARTS = ("motors", "scan", "stage")
KINDS = {"motors": "strip", "scan": "xy", "stage": "map"}
SCREENSHOT = Path("/tmp/gui-charts.png")


def chart_toml(name: str, kind: str, x: str, ys: list[str]) -> str:
    """One small chart of a chart file."""
    lines = [f"[charts.{name}]", f'kind = "{kind}"']
    lines += [f'x = "{x}"'] if x else []
    lines += ["y = [" + ", ".join(f'"{y}"' for y in ys) + "]"]
    lines += ["width = 320", "height = 240", "max_rate = 10", ""]
    return "\n".join(lines)


def charts_toml(p: str) -> str:
    """The three charts of this module, for the motors of prefix ``p``."""
    return "\n".join(
        [
            chart_toml("motors", "strip", "", [f"{p}motor.RBV", f"{p}motor2.RBV"]),
            chart_toml("scan", "xy", f"{p}motor.RBV", [f"{p}det"]),
            chart_toml("stage", "map", f"{p}motor.RBV", [f"{p}motor2.RBV"]),
        ]
    )


class Setup:
    """The IOCs of this module, and pyepics helpers for their charts."""

    def __init__(self, log_dir: Path, tmp: Path) -> None:
        self.prefix = p = unique_prefix("G")
        self.ioc_prefix = f"{p}chart:"
        self.one_prefix = f"{p}one:"
        self.config = tmp / "charts.toml"
        self.config.write_text(charts_toml(p))
        self.other_config = tmp / "other.toml"  # the IOC restarted with other charts
        self.other_config.write_text(
            chart_toml("extra", "strip", "", [f"{p}motor2.RBV"])
            + "\n"
            + chart_toml("scan", "xy", f"{p}motor.RBV", [f"{p}det"])
        )
        self.motor_ioc = IocProcess(
            "chartioc.iocs.motor.ioc",
            [*("--prefix", p, "--motors", "motor,motor2", "--velocity", "4")],
            port=SPARE_PORT,
            ready_pv=f"{p}motor2.RBV",
            log_path=log_dir / "gui-charts-motor.log",
        )
        self.chart_ioc = IocProcess(
            "chartioc.iocs.chart.ioc",
            self.chart_args(self.config),
            port=CHART_PORT,
            ready_pv=f"{self.ioc_prefix}Charts_RBV",
            log_path=log_dir / "gui-charts-chart.log",
        )
        self.one_ioc = IocProcess(  # today's command line: one chart at the prefix
            "chartioc.iocs.chart.ioc",
            [
                *("--prefix", self.one_prefix, f"{p}motor.RBV", f"{p}det"),
                *("--width", "320", "--height", "240", "--max-rate", "10"),
            ],
            port=EXTRA_PORT,
            ready_pv=f"{self.one_prefix}Charts_RBV",
            log_path=log_dir / "gui-charts-one.log",
        )

    def chart_args(self, config: Path) -> list[str]:
        return ["--prefix", self.ioc_prefix, "--config", str(config)]

    def restart_chart_ioc(self, args: list[str]) -> None:
        self.chart_ioc.stop()
        self.chart_ioc.args = args
        self.chart_ioc.start()

    def chart(self, name: str) -> str:
        return chart_prefix(self.ioc_prefix, name)

    def get(self, pv: str):
        import epics

        return epics.caget(pv, timeout=5, use_monitor=False)

    def frame(self, chart: str) -> np.ndarray:
        """The newest frame of the chart at prefix ``chart``, (H, W, 3)."""
        import epics

        p = chart + "image1:"
        dims = [self.get(p + f"ArraySize{i}_RBV") for i in range(3)]
        shape = (dims[2], dims[1], dims[0])
        data = epics.caget(p + "ArrayData", count=int(np.prod(shape)), timeout=5, use_monitor=False)
        return np.asarray(data, dtype=np.uint8).reshape(shape)

    def uid(self, chart: str) -> int:
        return int(self.get(chart + "image1:UniqueId_RBV"))


@pytest.fixture(scope="module")
def setup(ioc_log_dir, tmp_path_factory) -> Iterator[Setup]:
    s = Setup(ioc_log_dir, tmp_path_factory.mktemp("gui-charts"))
    with s.motor_ioc, s.chart_ioc, s.one_ioc:
        connected = [f"{s.chart(n)}InputsConnected_RBV" for n in CHARTS]
        assert wait_until(lambda: all(s.get(pv) == 2 for pv in connected), 15)
        yield s


@pytest.fixture
def panel(setup, qtbot) -> Iterator[ChartPanel]:
    """A panel on the many-chart IOC's prefix, with the motor's controls."""
    widget = ChartPanel(setup.ioc_prefix, f"{setup.prefix}motor")
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.close()


def flush_deletes() -> None:
    """Run deleteLater() now, as the event loop would."""
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    QApplication.processEvents()
    gc.collect()


def live_channels(prefix: str = "") -> list[str]:
    """The PVs of the PVChannels under ``prefix`` whose Qt object still exists."""
    from qtpy import sip

    return sorted(
        obj.pvname
        for obj in gc.get_objects()
        if isinstance(obj, PVChannel) and not sip.isdeleted(obj) and obj.pvname.startswith(prefix)
    )


def subscribed(prefix: str) -> list[str]:
    """pyepics PVs under ``prefix`` that still call into a PVChannel (left open)."""
    import epics

    def ours(callbacks) -> bool:
        return any(isinstance(getattr(cb, "__self__", None), PVChannel) for cb in callbacks)

    return [
        obj.pvname
        for obj in gc.get_objects()
        if isinstance(obj, epics.PV)
        and obj.pvname.startswith(prefix)
        and (ours(obj.connection_callbacks) or ours(cb for cb, _ in obj.callbacks.values()))
    ]


def shows_the_pv_frame(setup: Setup, qtbot, panel: ChartPanel, chart: str) -> None:
    """Wait until no new frame comes and the panel painted the newest; compare the pixels."""
    qtbot.waitUntil(lambda: panel.image.shown_pixels() is not None, timeout=10000)
    last = -1
    for _ in range(60):
        uid = setup.uid(chart)
        qtbot.wait(300)
        if uid == setup.uid(chart) == last and panel.frame_id == uid:
            break
        last = uid
    else:
        raise AssertionError(f"{chart}: frames never settled")
    qtbot.wait(200)  # a repaint of the newest frame (the repaint timer is 33 ms)
    shown = panel.image.shown_pixels()
    assert shown is not None
    np.testing.assert_array_equal(shown, setup.frame(chart))


# --- the pure part --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (np.array([], dtype=np.uint8), ()),
        (None, ()),
        (np.frombuffer(b"motors scan stage\0\0", dtype=np.uint8), CHARTS),
        (b"a  b\0junk", ("a", "b")),
        ("a b a", ("a", "b")),
        (97, ("a",)),
    ],
)
def test_parse_chart_names(value, names):
    assert parse_chart_names(value) == names


def test_chart_to_show_keeps_the_shown_chart_else_the_wanted_else_the_first():
    assert chart_to_show((), "scan") == ""
    assert chart_to_show(CHARTS, "") == "motors"
    assert chart_to_show(CHARTS, "", "stage") == "stage"
    assert chart_to_show(CHARTS, "", "nosuch") == "motors"
    assert chart_to_show(CHARTS, "scan", "stage") == "scan"
    assert chart_to_show(("extra", "scan"), "stage") == "extra"
    assert chart_prefix("P:", "scan") == "P:scan:" and chart_prefix("P:", "") == "P:"


# --- against the IOCs -----------------------------------------------------------------


def test_the_chooser_lists_the_charts_and_the_panel_shows_the_first(setup, qtbot, panel):
    qtbot.waitUntil(lambda: panel.chart_names == CHARTS, timeout=10000)
    assert panel.chooser.isVisible()
    assert panel.chooser.names == CHARTS
    assert panel.chooser.combo.currentText() == "motors"
    assert panel.chart_name == "motors"
    assert panel.image.prefix == setup.chart("motors") + "image1:"
    assert "motors" in panel.windowTitle()
    qtbot.waitUntil(lambda: panel.chart.kind.currentText() == "strip", timeout=10000)
    shows_the_pv_frame(setup, qtbot, panel, setup.chart("motors"))
    qtbot.waitUntil(lambda: panel.motor is not None and panel.motor.rbv.text().endswith("mm"))
    report = panel.connection_report()
    assert "not connected" not in report and "chart motors of motors scan stage" in report


def test_show_chart_switches_everything_and_closes_the_old_charts_channels(setup, qtbot, panel):
    qtbot.waitUntil(lambda: panel.chart_name == "motors", timeout=10000)
    qtbot.waitUntil(lambda: panel.image.connected, timeout=10000)
    flush_deletes()
    old = setup.chart("motors")
    assert live_channels(old)
    before = len(live_channels())
    panel.show_chart("stage")
    flush_deletes()
    assert live_channels(old) == [] and subscribed(old) == []
    assert len(live_channels()) == before == PVChannel.open_count  # as many, none leaked
    assert "stage" in panel.windowTitle() and "motors" not in panel.windowTitle()
    assert panel.chooser.combo.currentText() == "stage"
    assert panel.chart.prefix == setup.chart("stage")
    qtbot.waitUntil(lambda: panel.chart.kind.currentText() == "map", timeout=10000)
    shows_the_pv_frame(setup, qtbot, panel, setup.chart("stage"))
    with pytest.raises(ValueError, match="no chart"):
        panel.show_chart("nosuch")
    # The user's choice in the combo box switches too.
    panel.chooser.combo.activated.emit(CHARTS.index("scan"))
    assert panel.chart_name == "scan"
    qtbot.waitUntil(lambda: panel.chart.kind.currentText() == "xy", timeout=10000)
    shows_the_pv_frame(setup, qtbot, panel, setup.chart("scan"))
    panel.resize(1000, 560)
    qtbot.wait(500)
    panel.grab().save(str(SCREENSHOT), "PNG")
    assert SCREENSHOT.stat().st_size > 10_000


def test_select_shows_that_chart_first_and_an_unknown_one_says_so(setup, qtbot):
    for select, shown in (("stage", "stage"), ("nosuch", "motors")):
        panel = ChartPanel(setup.ioc_prefix, "", select=select)
        qtbot.addWidget(panel)
        panel.show()
        qtbot.waitUntil(lambda p=panel, s=shown: p.chart_name == s, timeout=10000)
        if select == "nosuch":
            assert "no chart 'nosuch'" in panel.statusBar().currentMessage()
        qtbot.waitUntil(lambda p=panel: p.image.frame is not None, timeout=10000)
        panel.close()


def test_the_command_line_screenshot_of_a_selected_chart(setup, tmp_path):
    out = tmp_path / "panel.png"
    cmd = [sys.executable, "-m", "chartioc.gui.app", "--chart", setup.ioc_prefix]
    cmd += ["--motor", f"{setup.prefix}motor", "--select", "stage"]
    cmd += ["--screenshot", str(out), "--after", "2"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 10_000
    report = result.stdout.splitlines()[-1]
    assert "chart stage of motors scan stage" in report and "not connected" not in report, report


def test_a_one_chart_prefix_shows_no_chooser(setup, qtbot):
    charts_pv = setup.one_prefix + "Charts_RBV"
    panel = ChartPanel(setup.one_prefix, "")
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.dispatcher.last(charts_pv) is not None, timeout=10000)
    qtbot.waitUntil(lambda: panel.image.frame is not None, timeout=10000)
    assert panel.chart_names == () and panel.chart_name == ""
    assert not panel.chooser.isVisible()
    assert panel.image.prefix == setup.one_prefix + "image1:"
    assert panel.windowTitle() == f"chartioc: {setup.one_prefix}image1:"
    shows_the_pv_frame(setup, qtbot, panel, setup.one_prefix)
    assert "not connected" not in panel.connection_report()
    panel.close()
    # An older IOC, or none: no Charts_RBV, the prefix is the chart.
    panel = ChartPanel(f"{setup.prefix}nosuch:", "")
    qtbot.addWidget(panel)
    panel.show()
    qtbot.wait(1000)
    assert panel.chart_names == () and not panel.chooser.isVisible()
    assert panel.image.prefix == f"{setup.prefix}nosuch:image1:"
    assert "Charts_RBV" not in panel.connection_report()
    panel.close()


def test_the_chooser_follows_the_list_when_the_ioc_restarts(setup, qtbot):
    panels = {}
    for select in ("stage", "scan"):
        panels[select] = p = ChartPanel(setup.ioc_prefix, "", select=select)
        qtbot.addWidget(p)
        p.show()
        qtbot.waitUntil(lambda p=p, s=select: p.chart_name == s, timeout=10000)
    stage, scan = panels["stage"], panels["scan"]
    try:
        setup.restart_chart_ioc(setup.chart_args(setup.other_config))
        qtbot.waitUntil(lambda: stage.chart_names == ("extra", "scan"), timeout=30000)
        qtbot.waitUntil(lambda: scan.chart_names == ("extra", "scan"), timeout=30000)
        assert stage.chart_name == "extra"  # the chart shown is gone: the first
        assert scan.chart_name == "scan"  # still there: it stays
        assert stage.chooser.names == ("extra", "scan")
        qtbot.waitUntil(lambda: stage.chart.kind.currentText() == "strip", timeout=10000)
        qtbot.waitUntil(lambda: scan.image.connected, timeout=30000)
        # Restarted with today's command line: one chart at the prefix, no chooser, and
        # its frames. (The panel searched these PV names when it opened; their libca
        # channels were cleared when it switched away, so they are searched afresh
        # now, not after libca's back-off.)
        setup.restart_chart_ioc(["--prefix", setup.ioc_prefix, f"{setup.prefix}det"])
        qtbot.waitUntil(lambda: stage.chart_names == (), timeout=30000)
        assert stage.chart_name == "" and not stage.chooser.isVisible()
        assert stage.image.prefix == setup.ioc_prefix + "image1:"
        assert stage.windowTitle() == f"chartioc: {setup.ioc_prefix}image1:"
        qtbot.waitUntil(
            lambda: stage.image.connected and stage.image.frame is not None, timeout=10000
        )
    finally:
        setup.restart_chart_ioc(setup.chart_args(setup.config))
    qtbot.waitUntil(lambda: stage.chart_names == CHARTS, timeout=30000)
    assert stage.chart_name == "motors"
    for p in (stage, scan):
        p.close()
    flush_deletes()
    assert live_channels(setup.ioc_prefix) == [] and subscribed(setup.ioc_prefix) == []
