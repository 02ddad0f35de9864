"""The chart IOC follows its motor sources through ``Motors``, one CA channel per PV.

Real IOC subprocesses over CA on 127.0.0.1 (``conftest.Beamline``: a motor IOC
with ``motor`` and ``motor2``, a chart IOC). The map's limit box comes from
the motors' HLM/LLM, At-rest points from their DMOV, both through the
chart's ``Motors``; and a PV that is a source and a motor field at once is
one channel with one subscription. Channels are counted twice: by the chart
IOC itself from caproto's circuit state (``kill -USR1`` logs the report,
``ChartServer.channel_report``), and from outside, as the TCP circuits the
chart IOC's process holds to the motor IOC (``/proc``).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from chartioc.client.localca import epics_tool
from chartioc.iocs.chart.render.style import LIMIT_BOX_COLOUR, TRACE_COLOURS

from conftest import (
    EXTRA_PORT,
    SPARE_PORT,
    Beamline,
    caget_value,
    count_colour,
    run_tool,
    wait_until,
)

REPORT = re.compile(r"CA channel (\S+): channels=(\d+) subscriptions=(\d+)$")
FRAMES = Path(os.environ.get("CHART_TEST_FRAMES", "/tmp/chartioc-test-frames"))


@pytest.fixture(scope="module")
def beamline(ioc_log_dir):
    with Beamline(ioc_log_dir, tag="motors").running() as bl:
        yield bl


def caput(pv: str, value: object, wait: bool = True) -> None:
    args = ["-c", "-w", "20"] if wait else []
    result = run_tool("caput", *args, pv, str(value), timeout=30)
    assert result.returncode == 0, result.stderr


def configure(bl: Beamline, **settings: object) -> None:
    for name, value in settings.items():
        caput(bl.chart + name, value)
    assert wait_until(lambda: bl.get("Status_RBV").startswith("OK"), 5), bl.get("Status_RBV")


def save(img: np.ndarray, name: str) -> None:
    FRAMES.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).save(FRAMES / f"{name}.png")


def channel_report(bl: Beamline) -> dict[str, tuple[int, int]]:
    """Ask the chart IOC for its channel report (SIGUSR1) and read it from its log."""
    log = Path(bl.chart_ioc.log_path)
    before = log.read_text().count("CA channels:")
    os.kill(bl.chart_ioc.pid, signal.SIGUSR1)
    assert wait_until(lambda: log.read_text().count("CA channels:") > before, 5)
    time.sleep(0.2)  # the report's lines follow its head line
    lines = log.read_text().splitlines()
    head = max(i for i, line in enumerate(lines) if "CA channels:" in line)
    report = {}
    for line in lines[head + 1 :]:
        match = REPORT.search(line)
        if match is None:
            break
        report[match[1]] = (int(match[2]), int(match[3]))
    return report


def circuits_to(pid: int, port: int) -> int:
    """Established TCP connections of process ``pid`` to ``port`` on this machine (/proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for row in path.read_text().splitlines()[1:]:
            fields = row.split()
            remote, state, inode = fields[2], fields[3], fields[9]
            if state == "01" and inode in inodes and int(remote.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


@contextlib.contextmanager
def frames_published(bl: Beamline) -> Iterator[list[np.ndarray]]:
    """Every ``image1:ArrayData`` frame posted from now on, in order (a CA monitor)."""
    import epics

    frames: list[np.ndarray] = []
    ready = threading.Event()

    def on_frame(value: object = None, **_: object) -> None:
        if ready.is_set():
            frames.append(np.asarray(value, dtype=np.uint8).copy())
        else:
            ready.set()  # the value the subscription starts with: an old frame

    pv = epics.PV(bl.chart + "image1:ArrayData", auto_monitor=True, callback=on_frame)
    try:
        assert pv.wait_for_connection(timeout=5)
        assert ready.wait(5), "no first frame"
        yield frames
    finally:
        pv.clear_callbacks()
        pv.disconnect()


def box_columns(bl: Beamline, img: np.ndarray, x: float) -> int:
    """Pixels of the limit box's colour in the frame column of data x (and its neighbours)."""
    left, top, right, bottom = bl.get("AxesPx_RBV")
    x0, x1, _, _ = bl.get("AxesLimits_RBV")
    col = round(left + (x - x0) / (x1 - x0) * (right - left))
    strip = img[int(top) : int(bottom), col - 2 : col + 3]
    return count_colour(strip, LIMIT_BOX_COLOUR, tol=30)


def box_edges(bl: Beamline, img: np.ndarray) -> tuple[int, int]:
    """Pixels of the limit box's colour along the plot area's left and right edges."""
    left, top, right, bottom = (round(v) for v in bl.get("AxesPx_RBV"))
    area = img[top:bottom]
    return (
        count_colour(area[:, left - 2 : left + 3], LIMIT_BOX_COLOUR, tol=30),
        count_colour(area[:, right - 3 : right + 2], LIMIT_BOX_COLOUR, tol=30),
    )


def test_the_map_box_moves_with_a_caput_of_hlm_in_the_next_frame(beamline):
    bl, p = beamline, beamline.prefix
    for pv, value in (("motor.HLM", 3), ("motor.LLM", -3), ("motor2.HLM", 2), ("motor2.LLM", -2)):
        caput(p + pv, value)
    configure(bl, Y2="", X=f"{p}motor.RBV", Y1=f"{p}motor2.RBV", Kind="map")
    caput(p + "motor.VAL", 1.0)
    caput(p + "motor2.VAL", -1.0)
    # the box is x -3..3 by y -2..2: its right edge is a vertical line at x = 3
    assert wait_until(lambda: bl.get("AxesLimits_RBV")[1] >= 3, 3), bl.get("AxesLimits_RBV")
    time.sleep(0.3)
    before = bl.frame()
    save(before, "map-box-hlm3")
    assert box_columns(bl, before, 3.0) > 100
    shape = before.shape
    with frames_published(bl) as frames:
        caput(p + "motor.HLM", 5)  # the chart was idle: the next frame is drawn for this
        assert wait_until(lambda: frames, 3), "no frame after caput HLM"
    after = frames[0].reshape(shape)
    save(after, "map-box-hlm5")
    assert wait_until(lambda: bl.get("AxesLimits_RBV")[1] >= 5, 3), bl.get("AxesLimits_RBV")
    assert box_columns(bl, after, 5.0) > 100  # the right edge moved to x = 5
    assert box_columns(bl, after, 3.0) < 40  # only the top and bottom edges cross x = 3
    assert count_colour(after, TRACE_COLOURS[0], tol=60) > 10  # the trail is still there
    # HLM <= LLM: no soft limits (this motor IOC then stores HLM = LLM = 0), so the box
    # spans the whole x axis: its sides are the plot area's left and right edges.
    caput(p + "motor.HLM", -3)
    assert float(caget_value(p + "motor.HLM")) <= float(caget_value(p + "motor.LLM"))
    assert wait_until(lambda: min(box_edges(bl, bl.frame())) > 50, 3), box_edges(bl, bl.frame())
    spans = bl.frame()
    save(spans, "map-box-no-x-limits")
    assert box_columns(bl, spans, 5.0) < 40  # no edge at the old HLM
    caput(p + "motor.HLM", 10)
    caput(p + "motor.LLM", -10)
    caput(p + "motor2.VAL", 0.0)
    caput(p + "motor.VAL", 0.0)


def test_at_rest_points_come_through_motors(beamline):
    bl, p = beamline, beamline.prefix
    configure(bl, Kind="xy", X=f"{p}motor.RBV", Y1=f"{p}det", Y2="", Sample="At rest")
    caput(p + "motor.VAL", 0.0)
    caput(bl.chart + "Clear", 1)
    targets = [0.5, 1.0, 1.5]
    for target in targets:
        caput(p + "motor.VAL", target)  # -w: the put completes when the motor is at rest
    assert wait_until(lambda: bl.get("PeakPoints_RBV") == 3, 5), bl.get("PeakPoints_RBV")
    x = np.asarray(bl.get("PairsX_RBV"))[:3]
    np.testing.assert_array_equal(x, targets)
    assert caget_value(bl.chart + "PeakBasis_RBV") == "scan points"


def test_at_rest_with_the_bare_record_name_as_x(beamline):
    # BEAMLINE:motor (CA reads its .VAL) is a motor record by its .RTYP, not by its name
    bl, p = beamline, beamline.prefix
    configure(bl, Kind="xy", X=f"{p}motor", Y1=f"{p}det", Y2="", Sample="At rest")
    caput(p + "motor.VAL", 0.0)
    caput(bl.chart + "Clear", 1)
    for target in (0.5, 1.0):
        caput(p + "motor.VAL", target)
    assert wait_until(lambda: bl.get("PeakPoints_RBV") == 2, 5), bl.get("PeakPoints_RBV")
    # the pairs as published (read each until it holds both points: PVs read one by one)
    assert wait_until(lambda: len(np.atleast_1d(bl.get("PairsX_RBV"))) == 2, 5)
    np.testing.assert_array_equal(bl.get("PairsX_RBV"), [0.5, 1.0])
    # a PV with no record fields (the detector, a caproto PV: its .RTYP never answers)
    # as X: the status says why no point comes
    caput(bl.chart + "X", f"{p}det")
    caput(bl.chart + "Y1", f"{p}motor.RBV")

    def message() -> str:
        return run_tool("caget", "-S", "-t", "-w", "5", bl.chart + "StatusMessage_RBV").stdout

    assert wait_until(lambda: f"at rest: {p}det.RTYP no answer" in message(), 8), message()
    configure(bl, X=f"{p}motor.RBV", Y1=f"{p}det", Sample="Each update")
    caput(p + "motor.VAL", 0.0)


def test_two_motors_at_rest_take_one_point_when_the_last_one_stops(beamline):
    bl, p = beamline, beamline.prefix
    configure(
        bl,
        Kind="grid",
        X=f"{p}motor.RBV",
        Y1=f"{p}motor2.RBV",
        Z=f"{p}det",
        Sample="At rest",
    )
    caput(p + "motor.VAL", 0.0)
    caput(p + "motor2.VAL", 0.0)
    caput(bl.chart + "Clear", 1)

    def points() -> int:
        return int(np.count_nonzero(~np.isnan(np.asarray(bl.get("PairsX_RBV")))))

    assert wait_until(lambda: points() == 0, 3)
    # motor2 stops long before motor (4 s to go): no point then, one when motor stops too
    caput(p + "motor.VELO", 0.5)
    caput(p + "motor.VAL", 2.0, wait=False)
    caput(p + "motor2.VAL", 0.2)
    assert caget_value(p + "motor.DMOV") == "0", "motor stopped before motor2"
    caput(p + "motor.VAL", 2.0)  # waits for the end of the move
    assert wait_until(lambda: points() == 1, 3), points()
    time.sleep(0.5)
    assert points() == 1
    x, y = bl.get("PairsX_RBV")[0], bl.get("PairsY_RBV")[0]
    assert (x, y) == (2.0, 0.2)
    caput(p + "motor.VELO", 4)
    caput(p + "motor.VAL", 0.0)
    caput(p + "motor2.VAL", 0.0)


def test_two_sources_on_one_motor_share_its_channels(beamline):
    bl, p = beamline, beamline.prefix
    # motor.RBV is X and followed by Motors; motor2.RBV is Y1 and followed by Motors too
    configure(
        bl,
        Kind="grid",
        X=f"{p}motor.RBV",
        Y1=f"{p}motor2.RBV",
        Z=f"{p}det",
        Sample="At rest",
    )
    assert circuits_to(bl.chart_ioc.pid, EXTRA_PORT) == 1  # one context, one circuit
    report = channel_report(bl)
    for motor in ("motor", "motor2"):
        for field in ("RBV", "DMOV", "HLM", "LLM", "EGU", "PREC"):
            assert report.get(f"{p}{motor}.{field}") == (1, 1), (motor, field, report)
    assert report.get(f"{p}det") == (1, 1)
    # every PV the IOC holds: one channel, at most one subscription (a probed-only PV: 0)
    assert all(ch == 1 and subs <= 1 for ch, subs in report.values()), report


def settled_count(bl: Beamline) -> int:
    """UpdatesReceived_RBV once it held still for a publication period: it is published
    with frames and once a second."""
    received = bl.get("UpdatesReceived_RBV")
    for _ in range(10):
        time.sleep(1.1)
        now = bl.get("UpdatesReceived_RBV")
        if now == received:
            break
        received = now
    return received


def test_a_source_motors_follow_already_has_its_value_at_once(beamline):
    bl, p = beamline, beamline.prefix
    configure(bl, Kind="strip", Y1=f"{p}det", Y2=f"{p}motor.VAL", Y3="", Y4="")
    report = channel_report(bl)
    assert report.get(f"{p}motor.RBV") == (1, 1)  # Motors follows it; no source does
    received = settled_count(bl)
    # A new source on a channel that is there already: no new subscription, so no fresh
    # value from the server; the chart takes the value the channel has.
    caput(bl.chart + "Y3", f"{p}motor.RBV")
    assert wait_until(lambda: bl.get("InputsConnected_RBV") == 3, 3)
    assert wait_until(lambda: bl.get("Status_RBV") == "OK: 3/3 inputs", 3), bl.get("Status_RBV")
    assert bl.get("UpdatesReceived_RBV") == received + 1  # its value, entered once
    # its trace, the third, drawn (bounded: under load the frame may come a few later)
    assert wait_until(lambda: count_colour(bl.frame(), TRACE_COLOURS[2], tol=40) > 20, 5)
    save(bl.frame(), "strip-adopted-source")
    assert channel_report(bl).get(f"{p}motor.RBV") == (1, 1)
    configure(bl, Y1=f"{p}motor.RBV", Y2=f"{p}det", Y3="")


def test_alarm_only_events_of_a_source_are_not_counted_as_updates(beamline, tmp_path):
    """An EPICS base softIoc ai record (scanned each second) whose alarm limit is changed:
    its value stays, its severity changes (an alarm-only event, DBE_ALARM). UpdatesReceived_RBV
    counts value updates only: not that event, but the next value."""
    from chartioc.client.localca import server_environment

    bl = beamline
    name = f"{bl.prefix}soft:ai"
    db = tmp_path / "ai.db"
    db.write_text(
        f'record(ai, "{name}") {{ field(SCAN, "1 second") field(VAL, "1") '
        'field(HIHI, "5") field(HHSV, "MAJOR") }\n'
    )
    env = {**os.environ, **server_environment(SPARE_PORT)}  # the module's spare port
    ioc = subprocess.Popen(
        [epics_tool("softIoc"), "-d", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        assert wait_until(lambda: caget_value(name) == "1", 10)
        for setting, value in (("Kind", "strip"), ("Y2", ""), ("Y3", ""), ("Y4", "")):
            caput(bl.chart + setting, value)
        caput(bl.chart + "Y1", name)
        # a bound, not a figure: the chart IOC's search of a PV that just appeared
        assert wait_until(lambda: bl.get("InputsConnected_RBV") == 1, 15), bl.get("Status_RBV")
        received = settled_count(bl)
        run_tool("caput", f"{name}.HIHI", "0.5")  # in HIHI alarm at its next scan, value 1

        def major() -> bool:
            return "MAJOR" in run_tool("caget", "-d", "DBR_STS_DOUBLE", name).stdout

        assert wait_until(major, 5)
        assert settled_count(bl) == received  # the alarm-only event is not an update
        run_tool("caput", name, "2")  # a value
        assert wait_until(lambda: bl.get("UpdatesReceived_RBV") == received + 1, 5)
    finally:
        configure(bl, Y1=f"{bl.prefix}motor.RBV")
        ioc.stdin.close()  # type: ignore[union-attr]
        ioc.terminate()
        ioc.wait(10)
