"""The chart over pvAccess (``--pva``): EPICS base's pvinfo/pvget/pvmonitor, p4p, ophyd-async.

A chart IOC with ``--pva`` on private CA and PVA ports draws a motor of the
session's motor IOC. Its ``Pva1:Image`` NTNDArray must be the CA frame of the
same ``uniqueId``, pixel for pixel once decoded with the codec's own library
(lz4, blosc), and within a stated error for JPEG (PSNR above 30 dB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from chartioc.client.localca import IocProcess, epics_tool, free_ports

from conftest import (
    CHART_PORT,
    EXTRA_PORT,
    caget_value,
    charts_toml,
    run_tool,
    unique_prefix,
    wait_until,
)

pytestmark = pytest.mark.ca

PVA_TCP, PVA_UDP = free_ports(2, low=30000)
#: what a pvAccess client of these tests needs: search only this chart IOC
PVA_CLIENT = {
    "EPICS_PVA_ADDR_LIST": f"127.0.0.1:{PVA_UDP}",
    "EPICS_PVA_AUTO_ADDR_LIST": "NO",
    "EPICS_PVA_BROADCAST_PORT": str(PVA_UDP),
    "EPICS_PVA_SERVER_PORT": str(PVA_TCP),
}
WIDTH, HEIGHT = 320, 240


#: ColorLow may be written by user ``operator`` only (nobody here), Colormap not even read;
#: everything else written by all
RULES = """
write  *ColorLow  *  operator
read   *ColorLow  *  *
none   *Colormap  *  *
write  *          *  *
"""


@pytest.fixture(scope="module")
def chart(motor_ioc, ioc_log_dir, tmp_path_factory):
    """A one-chart IOC with --pva, a strip of one motor; yields its prefix."""
    motor = f"{motor_ioc.prefix}m11"
    prefix = unique_prefix("P")
    size = ["--width", str(WIDTH), "--height", str(HEIGHT)]
    rules = tmp_path_factory.mktemp("pva") / "rules"
    rules.write_text(RULES)
    ioc = IocProcess(
        "chartioc.iocs.chart.ioc",
        [
            "--prefix",
            prefix,
            f"{motor}.RBV",
            *size,
            "--max-rate",
            "20",
            "--pva",
            "--access",
            str(rules),
        ],
        port=CHART_PORT,
        ready_pv=f"{prefix}Charts_RBV",
        env={"EPICS_PVAS_SERVER_PORT": str(PVA_TCP), "EPICS_PVAS_BROADCAST_PORT": str(PVA_UDP)},
        log_path=ioc_log_dir / "pva-chart.log",
    )
    with ioc:
        ioc.motor = motor
        yield ioc, prefix


def pva_tool(*args: str, timeout: float = 20.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [epics_tool(args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **PVA_CLIENT},
    )


@pytest.fixture(scope="module")
def pva():
    from p4p.client.thread import Context

    ctx = Context("pva", conf=PVA_CLIENT, useenv=False, nt=False)  # raw Values
    yield ctx
    ctx.close()


def redraw(prefix: str) -> int:
    """Change the title (a new frame) and return the CA id of the frame that shows it."""
    before = int(caget_value(f"{prefix}image1:UniqueId_RBV"))
    assert run_tool("caput", "-c", f"{prefix}Title", f"t{time.monotonic():.3f}").returncode == 0
    assert wait_until(lambda: int(caget_value(f"{prefix}image1:UniqueId_RBV")) > before, 5)
    time.sleep(0.3)  # nothing else changes: this frame stays the newest
    return int(caget_value(f"{prefix}image1:UniqueId_RBV"))


def ca_frame(prefix: str) -> np.ndarray:
    import epics

    data = epics.caget(f"{prefix}image1:ArrayData", timeout=5, use_monitor=False)
    return np.asarray(data, dtype=np.uint8)[: WIDTH * HEIGHT * 3].reshape(HEIGHT, WIDTH, 3)


def pva_frame(pva, prefix: str, uid: int) -> tuple[np.ndarray, object]:
    """The PVA frame of id ``uid`` (waits for it), decoded with the peer's own library."""
    from chartioc.iocs.chart.codecs import decode

    value = None

    def arrived() -> bool:
        nonlocal value
        value = pva.get(f"{prefix}Pva1:Image", request="field()")
        return value.uniqueId == uid

    assert wait_until(arrived, 5), f"PVA frame {value.uniqueId}, CA frame {uid}"
    dims = [d.size for d in value.dimension]
    assert dims == [3, WIDTH, HEIGHT]
    data = np.asarray(value.value, dtype=np.uint8)
    assert value.compressedSize == data.size and value.uncompressedSize == WIDTH * HEIGHT * 3
    frame = decode(data, value.codec.name, (HEIGHT, WIDTH, 3))
    return frame, value


def test_pvinfo_shows_an_ntndarray_and_pvget_reads_its_fields(chart):
    _, prefix = chart
    info = pva_tool("pvinfo", f"{prefix}Pva1:Image")
    assert info.returncode == 0, info.stderr
    assert "epics:nt/NTNDArray:1.0" in info.stdout and "codec_t codec" in info.stdout
    got = pva_tool("pvget", "-r", "uniqueId,dimension,attribute,codec", f"{prefix}Pva1:Image")
    assert got.returncode == 0, got.stderr
    assert "int uniqueId" in got.stdout and "ColorMode" in got.stdout
    assert [int(line.split()[-1]) for line in got.stdout.splitlines() if "int size" in line] == [
        3,
        WIDTH,
        HEIGHT,
    ]


def test_pvmonitor_sees_frames_follow_a_motor_move(chart):
    ioc, prefix = chart
    proc = subprocess.Popen(
        [epics_tool("pvmonitor"), "-r", "uniqueId", f"{prefix}Pva1:Image"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **PVA_CLIENT},
    )
    try:
        time.sleep(1.0)
        assert run_tool("caput", "-c", "-w", "10", f"{ioc.motor}.VAL", "2").returncode == 0
        time.sleep(0.5)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
        run_tool("caput", "-c", "-w", "10", f"{ioc.motor}.VAL", "0")
    ids = [int(line.split()[-1]) for line in out.splitlines() if "uniqueId" in line]
    assert len(ids) >= 5 and ids == sorted(ids), out[-500:]  # a 0.5-s move at 20 frames/s


@pytest.mark.parametrize("codec", ["none", "lz4", "blosc"])
def test_lossless_codecs_give_the_ca_frame_of_the_same_id(chart, pva, codec):
    _, prefix = chart
    assert run_tool("caput", "-c", f"{prefix}Codec", codec).returncode == 0
    uid = redraw(prefix)
    reference = ca_frame(prefix)
    frame, value = pva_frame(pva, prefix, uid)
    assert value.codec.name == ("" if codec == "none" else codec)
    assert value.codec.parameters == 5  # pvData's pvUByte, as ADCore's converter reads it
    np.testing.assert_array_equal(frame, reference)
    size = f"{prefix}CompressedSize_RBV"  # written on the event loop once the frame is out
    assert wait_until(lambda: int(caget_value(size)) == value.compressedSize, 5)
    ratio = float(caget_value(f"{prefix}CompressionRatio_RBV"))
    if codec != "none":
        assert ratio > 10, ratio  # a chart is mostly flat colour
    run_tool("caput", "-c", f"{prefix}Codec", "none")


def test_jpeg_decodes_within_30_db_psnr(chart, pva):
    _, prefix = chart
    assert run_tool("caput", "-c", f"{prefix}CodecQuality", "90").returncode == 0
    assert run_tool("caput", "-c", f"{prefix}Codec", "jpeg").returncode == 0
    uid = redraw(prefix)
    reference = ca_frame(prefix)
    frame, value = pva_frame(pva, prefix, uid)
    assert value.codec.name == "jpeg"
    mse = np.mean((frame.astype(float) - reference) ** 2)
    assert 10 * np.log10(255**2 / max(mse, 1e-9)) > 30
    # at 320x240 the text and edges weigh more: the 20x target is bench/codecs.py's, 640x480
    assert value.uncompressedSize / value.compressedSize > 10
    run_tool("caput", "-c", f"{prefix}Codec", "none")


def test_a_quality_outside_1_to_100_is_refused(chart):
    _, prefix = chart
    refused = run_tool("caput", "-c", f"{prefix}CodecQuality", "0")
    assert refused.returncode != 0
    assert caget_value(f"{prefix}CodecQuality") == "90"


OPHYD_ASYNC_READ = """
import asyncio, json, sys
import numpy as np
from ophyd_async.core import init_devices
from ophyd_async.epics.core import epics_signal_r

async def read(pv):
    async with init_devices(connect=True):
        image = epics_signal_r(np.ndarray, "pva://" + pv)
    value = await image.get_value()
    print(json.dumps({"shape": list(value.shape), "sum": int(np.asarray(value, np.int64).sum())}))

asyncio.run(asyncio.wait_for(read(sys.argv[1]), 30))
"""


def test_ophyd_async_reads_the_frame_as_an_ndarray(chart):
    _, prefix = chart
    redraw(prefix)
    reference = ca_frame(prefix)
    proc = subprocess.run(
        [sys.executable, "-c", OPHYD_ASYNC_READ, f"{prefix}Pva1:Image"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **PVA_CLIENT},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.splitlines()[-1])
    assert got["shape"] == [HEIGHT, WIDTH, 3]
    assert got["sum"] == int(reference.astype(np.int64).sum())


def test_every_setting_and_readback_is_there_over_pva_too(chart, pva):
    _, prefix = chart
    got = pva_tool("pvget", f"{prefix}Width", f"{prefix}Kind", f"{prefix}Status_RBV")
    assert got.returncode == 0, got.stderr
    assert f"{WIDTH}" in got.stdout and "strip" in got.stdout and "OK" in got.stdout
    window = pva.get(f"{prefix}Window")
    assert window.value == float(caget_value(f"{prefix}Window"))
    assert window.display.units == "s"
    kind = pva.get(f"{prefix}Kind")
    assert list(kind.value.choices) == ["strip", "xy", "map", "grid"]
    uid = pva.get(f"{prefix}image1:UniqueId_RBV")
    assert abs(uid.value - int(caget_value(f"{prefix}image1:UniqueId_RBV"))) <= 1


def test_a_pva_put_is_a_ca_put(chart, pva):
    _, prefix = chart
    old = float(caget_value(f"{prefix}Window"))
    pva.put(f"{prefix}Window", 30.0)
    assert float(caget_value(f"{prefix}Window")) == 30.0
    assert pva.get(f"{prefix}Window").value == 30.0
    pva.put(f"{prefix}Window", old)


@pytest.mark.parametrize(
    ("setting", "pva_value", "ca_value"),
    [("Width", 100000, "100000"), ("Window", float("nan"), "nan"), ("Kind", 99, "99")],
)
def test_a_bad_pva_put_is_refused_with_the_ca_reason(chart, pva, setting, pva_value, ca_value):
    from p4p.client.thread import RemoteError

    _, prefix = chart
    before = caget_value(f"{prefix}{setting}")
    ca = run_tool("caput", f"{prefix}{setting}", ca_value)  # libca prints the reason
    value = {"value.index": pva_value} if setting == "Kind" else pva_value
    with pytest.raises(RemoteError) as refused:
        pva.put(f"{prefix}{setting}", value)
    reason = str(refused.value)
    assert reason and reason in ca.stderr, (reason, ca.stderr)
    assert caget_value(f"{prefix}{setting}") == before
    assert caget_value(f"{prefix}Status_RBV").startswith(reason[:20])


def test_the_access_rules_hold_over_pva(chart, pva):
    from p4p.client.thread import RemoteError

    _, prefix = chart
    assert run_tool("caput", f"{prefix}ColorLow", "3").returncode != 0  # CA: read only
    with pytest.raises(RemoteError, match="Write access denied"):
        pva.put(f"{prefix}ColorLow", 3.0)
    assert caget_value(f"{prefix}ColorLow") == "0"
    pva.put(f"{prefix}ColorHigh", 0.0)  # the others: writable by anyone


def test_the_mono_frame_is_the_luma_of_the_same_frame(chart, pva):
    import epics

    _, prefix = chart
    uid = redraw(prefix)
    pva_frame(pva, prefix, uid)  # the codec thread has posted this frame
    value = pva.get(f"{prefix}Pva2:Image", request="field()")  # the first client: made now
    assert value.uniqueId == uid
    assert [d.size for d in value.dimension] == [WIDTH, HEIGHT]
    assert [a.value for a in value.attribute if a.name == "ColorMode"] == [0]
    mono = np.asarray(value.value, np.uint8).reshape(HEIGHT, WIDTH)
    data = epics.caget(f"{prefix}image2:ArrayData", timeout=5, use_monitor=False)
    np.testing.assert_array_equal(
        mono, np.asarray(data, np.uint8)[: WIDTH * HEIGHT].reshape(HEIGHT, WIDTH)
    )


def test_pydm_p4p_plugin_shows_the_mono_frame_upright(chart, qtbot, monkeypatch, tmp_path):
    """PyDM's image view over ``pva://``: the frame it shows is the CA mono frame.

    PyDM's p4p plugin reshapes the data in the NTNDArray's dimension order, widest
    first ([W, H]); its image view's ``dimensionOrder`` WidthFirst turns that back
    into (H, W). (The RGB frame, [3, W, H], it cannot turn back: use the mono one.)
    """
    import epics

    _, prefix = chart
    for key, value in PVA_CLIENT.items():
        monkeypatch.setenv(key, value)  # before PyDM's p4p plugin makes its context
    from pydm.widgets.image import PyDMImageView

    uid = redraw(prefix)
    view = PyDMImageView()
    view.dimensionOrder = PyDMImageView.DimensionOrder.WidthFirst
    view.colorMap = PyDMImageView.Monochrome  # grey levels as sent (the default is a colour map)
    view.imageChannel = f"pva://{prefix}Pva2:Image"
    view.resize(WIDTH + 80, HEIGHT + 80)
    view.show()
    qtbot.addWidget(view)
    item = view.getImageItem()
    qtbot.waitUntil(lambda: item.image is not None, timeout=10000)
    data = epics.caget(f"{prefix}image2:ArrayData", timeout=5, use_monitor=False)
    mono = np.asarray(data, np.uint8)[: WIDTH * HEIGHT].reshape(HEIGHT, WIDTH)
    assert int(caget_value(f"{prefix}image1:UniqueId_RBV")) == uid  # still the same frame
    np.testing.assert_array_equal(np.asarray(item.image), mono)
    view.grab().save(str(tmp_path / "pydm-pva-mono.png"))
    view.imageChannel = ""


def test_every_chart_of_a_many_chart_ioc_has_its_pva_image(motor_ioc, ioc_log_dir, tmp_path):
    from p4p.client.thread import Context

    prefix = unique_prefix("Q")
    config = tmp_path / "charts.toml"
    config.write_text(charts_toml(motor_ioc.prefix))
    tcp, udp = free_ports(2, low=31000)
    ioc = IocProcess(
        "chartioc.iocs.chart.ioc",
        ["--prefix", prefix, "--config", str(config), "--pva"],
        port=EXTRA_PORT,
        ready_pv=f"{prefix}Charts_RBV",
        env={"EPICS_PVAS_SERVER_PORT": str(tcp), "EPICS_PVAS_BROADCAST_PORT": str(udp)},
        log_path=ioc_log_dir / "pva-many.log",
    )
    client = {"EPICS_PVA_ADDR_LIST": f"127.0.0.1:{udp}", "EPICS_PVA_AUTO_ADDR_LIST": "NO"}
    with ioc:
        ctx = Context("pva", conf=client, useenv=False, nt=False)
        try:
            assert ctx.get(f"{prefix}Charts_RBV").value == "motors scan stage"  # a char waveform
            for name in ("motors", "scan", "stage"):
                assert ctx.get(f"{prefix}{name}:Name_RBV").value == name
                frame = None

                def drawn(name=name) -> bool:
                    nonlocal frame
                    frame = ctx.get(f"{prefix}{name}:Pva1:Image")
                    return frame.uniqueId > 0

                assert wait_until(drawn, 10), name
                assert [d.size for d in frame.dimension] == [3, 320, 240]
        finally:
            ctx.close()


def test_a_pv_a_rule_hides_is_not_served_over_pva(chart, pva):
    from p4p.client.thread import TimeoutError as PvaTimeout

    _, prefix = chart
    assert "no read access" in run_tool("caget", "-w", "1", f"{prefix}Colormap").stdout
    with pytest.raises(PvaTimeout):  # pvAccess reads go unchecked: not served at all
        pva.get(f"{prefix}Colormap", timeout=1.0)


def test_the_alarm_of_a_refused_put_shows_over_pva(chart, pva):
    _, prefix = chart
    run_tool("caput", f"{prefix}Height", "100000")  # refused: WRITE alarm, MAJOR
    assert "WRITE" in run_tool("caget", "-a", f"{prefix}Height").stdout

    def alarmed() -> bool:
        alarm = pva.get(f"{prefix}Height").alarm
        return alarm.severity == 2 and alarm.message == "WRITE"

    assert wait_until(alarmed, 3), pva.get(f"{prefix}Height").alarm
    run_tool("caput", f"{prefix}Height", str(HEIGHT))
