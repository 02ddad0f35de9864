"""The chart IOC against a motor IOC, both subprocesses, over real CA on 127.0.0.1."""

from __future__ import annotations

import time

import numpy as np
import pytest

from chartioc.client.procstats import cpu_seconds
from chartioc.iocs.chart.peakstats import compute_sweep_stats
from chartioc.iocs.chart.render.style import (
    DISCONNECTED_COLOUR,
    LIMIT_BOX_COLOUR,
    PROBLEM_COLOUR,
    TRACE_COLOURS,
)

from conftest import (
    Beamline,
    caget_value,
    count_colour,
    monitors_before_completions,
    run_tool,
    wait_until,
)


@pytest.fixture(scope="module")
def beamline(ioc_log_dir):
    with Beamline(ioc_log_dir).running() as bl:
        yield bl


def test_ophyd_image_plugin_reads_the_frame(beamline):
    # First in this module: pyepics caches PV objects by name, and ophyd needs its own
    # PV class; a plain pyepics caget of ArrayData before ophyd would hand ophyd the
    # plain class.
    from ophyd.areadetector.plugins import ImagePlugin

    plugin = ImagePlugin(beamline.chart + "image1:", name="img")
    plugin.array_data.wait_for_connection(timeout=5)
    image = plugin.image
    assert image.shape == (240, 320, 3)
    plugin.destroy()


def test_a_motor_move_draws_frames_with_the_trace(beamline):
    bl = beamline
    before = bl.uid()
    assert bl.put("motor.VAL", 1.0, prefix=bl.prefix) == 1
    assert wait_until(lambda: bl.uid() > before, 2.0)
    img = bl.frame()
    assert img.shape == (240, 320, 3) and img.dtype == np.uint8
    assert count_colour(img, TRACE_COLOURS[0], tol=40) > 10  # the motor trace
    assert count_colour(img, TRACE_COLOURS[1], tol=40) > 10  # the detector trace
    mono = bl.frame("image2:")
    assert mono.shape == (240, 320)
    # Mono is the luma of the RGB frame (same frame id: nothing moves now).
    time.sleep(0.3)
    rgb, mono = bl.frame(), bl.frame("image2:")
    np.testing.assert_array_equal(mono, luma(rgb))


def luma(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma, integer maths: what image2 must hold for an image1 frame."""
    return ((rgb.astype(np.uint32) @ np.array([299, 587, 114]) + 500) // 1000).astype(np.uint8)


def test_the_mono_image_is_the_newest_frame_when_read_or_first_monitored(beamline):
    """While nobody monitors image2:ArrayData the IOC makes the mono frame only when it is
    read or monitored: a read, and a new monitor's first value, are still the newest frame."""
    from caproto.threading.client import Context

    bl = beamline
    for target, read in ((2.0, True), (-1.0, False)):  # frames drawn with no mono monitor
        before = bl.uid()
        assert bl.put("motor.VAL", target, prefix=bl.prefix) == 1
        assert wait_until(lambda b=before: bl.uid() > b, 2.0)
        time.sleep(0.3)  # at rest: no newer frame
        assert bl.get("image2:UniqueId_RBV") == bl.uid()
        if read:  # (the last frame's mono is made by the subscription below)
            np.testing.assert_array_equal(bl.frame("image2:"), luma(bl.frame()))
    ctx = Context()
    (data,) = ctx.get_pvs(f"{bl.chart}image2:ArrayData", timeout=5)
    updates: list[np.ndarray] = []

    def on_update(sub, response) -> None:  # held here: caproto keeps only a weak reference
        updates.append(np.asarray(response.data).copy())

    sub = data.subscribe(data_type="time")
    sub.add_callback(on_update)
    try:
        assert wait_until(lambda: len(updates) >= 1, 5.0)
        rgb = bl.frame()
        n = rgb.shape[0] * rgb.shape[1]
        np.testing.assert_array_equal(updates[0][:n].reshape(rgb.shape[:2]), luma(rgb))
        before = len(updates)
        assert bl.put("motor.VAL", 0.5, prefix=bl.prefix) == 1  # monitored: made at once
        assert wait_until(lambda: len(updates) > before, 2.0)
        time.sleep(0.3)
        np.testing.assert_array_equal(updates[-1][:n].reshape(rgb.shape[:2]), luma(bl.frame()))
    finally:
        sub.clear()
        ctx.disconnect()


def test_caget_shows_the_area_detector_pvs(beamline):
    bl = beamline
    out = run_tool("caget", "-# 12", f"{bl.chart}image1:ArrayData").stdout
    assert out.split()[1] == "12"
    assert caget_value(f"{bl.chart}image1:ColorMode_RBV") == "RGB1"
    assert caget_value(f"{bl.chart}image2:ColorMode_RBV") == "Mono"
    assert caget_value(f"{bl.chart}image1:DataType_RBV") == "UInt8"
    assert caget_value(f"{bl.chart}image1:PluginType_RBV").startswith("NDPluginStdArrays")
    assert caget_value(f"{bl.chart}image1:NDimensions_RBV") == "3"
    assert caget_value(f"{bl.chart}image2:NDimensions_RBV") == "2"
    assert caget_value(f"{bl.chart}Status_RBV").startswith("OK")


def test_peak_statistics_match_a_numpy_reference(beamline):
    bl = beamline
    assert bl.put("Kind", "xy") == 1
    assert bl.put("X", f"{bl.prefix}motor.RBV") == 1
    assert bl.put("Y1", f"{bl.prefix}det") == 1
    bl.put("det:motor:cen", 0.3, prefix=bl.prefix)
    bl.put("det:sigma", 0.4, prefix=bl.prefix)
    bl.put("motor.VAL", -1.5, prefix=bl.prefix)
    assert bl.put("Clear", 1) == 1
    for target in np.linspace(-1.5, 1.5, 7):  # a scan
        bl.put("motor.VAL", float(target), prefix=bl.prefix)
    time.sleep(0.5)
    # Sample "Each update": the statistics cover the last sweep, PairsX/Y[PeakFrom:+n]. A
    # readback of the move to -1.5 may still arrive after Clear (another circuit): the scan
    # then begins with a turn, and those points are left out.
    n, first = int(bl.get("PeakPoints_RBV")), int(bl.get("PeakFrom_RBV"))
    x = np.asarray(bl.get("PairsX_RBV"))[first : first + n]
    y = np.asarray(bl.get("PairsY_RBV"))[first : first + n]
    assert n > 20 and len(x) == n
    # Independent reference: bluesky PeakStats definitions written out in numpy
    # (points in scan order, not sorted; crossings interpolated at half maximum).
    assert bl.get("PeakMax_RBV") == pytest.approx(y.max())
    assert bl.get("PeakMaxX_RBV") == pytest.approx(x[np.argmax(y)])
    assert bl.get("PeakMin_RBV") == pytest.approx(y.min())
    mid = (y.max() + y.min()) / 2
    i = np.flatnonzero(np.diff((y > mid).astype(int)))
    crossings = [x[k] + (mid - y[k]) * (x[k + 1] - x[k]) / (y[k + 1] - y[k]) for k in i]
    assert bl.get("PeakCen_RBV") == pytest.approx(np.mean(crossings), rel=1e-6)
    assert bl.get("PeakFwhm_RBV") == pytest.approx(abs(crossings[-1] - crossings[0]), rel=1e-6)
    assert bl.get("PeakCen_RBV") == pytest.approx(0.3, abs=0.05)
    bl.put("Kind", "strip")
    bl.put("Y1", f"{bl.prefix}motor.RBV")


def test_map_of_two_motors_with_their_soft_limit_box(beamline):
    bl = beamline
    p = bl.prefix
    bl.put("motor2.HLM", 3.0, prefix=p)
    bl.put("motor2.LLM", -3.0, prefix=p)
    assert bl.put("X", f"{p}motor.RBV") == 1
    assert bl.put("Y1", f"{p}motor2.RBV") == 1
    assert bl.put("Kind", "map") == 1
    bl.put("motor.VAL", 1.0, prefix=p)
    bl.put("motor2.VAL", -1.0, prefix=p)
    time.sleep(0.5)
    x, y = np.asarray(bl.get("PairsX_RBV")), np.asarray(bl.get("PairsY_RBV"))
    n = int(np.count_nonzero(~np.isnan(x)))
    assert (x[n - 1], y[n - 1]) == (1.0, -1.0)  # the newest point is where the motors are
    img = bl.frame()
    assert count_colour(img, LIMIT_BOX_COLOUR, tol=30) > 100  # the box outline
    assert count_colour(img, TRACE_COLOURS[0], tol=60) > 10  # the trail
    bl.put("Kind", "strip")
    bl.put("Y1", f"{p}motor.RBV")
    bl.put("motor2.VAL", 0.0, prefix=p)


def test_settings_that_cannot_draw_replace_the_frame_at_once(beamline):
    bl = beamline
    before = bl.uid()
    bl.put("motor.VAL", 0.4, prefix=bl.prefix)  # a fresh strip frame to replace
    assert wait_until(lambda: bl.uid() > before, 2.0)
    time.sleep(0.2)
    old_id, old = bl.uid(), bl.frame()
    assert count_colour(old, PROBLEM_COLOUR, tol=30) == 0
    result = run_tool("caput", "-c", f"{bl.chart}Kind", "grid")  # no Z: it cannot draw
    assert result.returncode == 0, result.stderr
    # within about a frame period (MaxRate 20 Hz); the deadline only bounds a failure
    assert wait_until(lambda: bl.uid() > old_id, 2.0), "the old frame stayed published"
    assert wait_until(lambda: count_colour(bl.frame(), PROBLEM_COLOUR, tol=30) > 200, 2.0)
    new = bl.frame()
    assert new.shape == old.shape and np.abs(new.astype(int) - old).max() > 100
    h, w = new.shape[:2]
    centre = new[h // 4 : 3 * h // 4, w // 8 : 7 * w // 8]
    assert count_colour(centre, PROBLEM_COLOUR, tol=30) > 0.9 * count_colour(
        new, PROBLEM_COLOUR, tol=30
    )  # the problem box is in the middle
    assert count_colour(new, TRACE_COLOURS[0], tol=40) == 0  # no chart left over
    assert bl.get("Status_RBV") == "grid needs X, Y1 and Z"
    assert caget_value(f"{bl.chart}PeakBasis_RBV") == ""
    assert bl.put("Kind", "strip") == 1
    assert wait_until(lambda: bl.get("Status_RBV").startswith("OK"), 3), bl.get("Status_RBV")
    assert wait_until(lambda: count_colour(bl.frame(), PROBLEM_COLOUR, tol=30) == 0, 2.0)


def test_live_sweep_statistics_are_those_of_the_last_sweep(beamline):
    bl, p = beamline, beamline.prefix
    sigma, cen = 1.0, 0.5
    for pv, value in (("det:sigma", sigma), ("det:motor:cen", cen), ("det:noise", 0.0)):
        assert bl.put(pv, value, prefix=p) == 1
    assert bl.put("motor2.VAL", 0.0, prefix=p) == 1  # on the peak along motor2
    assert bl.put("Kind", "xy") == 1
    assert bl.put("X", f"{p}motor.RBV") == 1
    assert bl.put("Y1", f"{p}det") == 1
    assert bl.put("Sample", "Each update") == 1
    assert bl.put("motor.VAL", 0.0, prefix=p) == 1
    assert bl.put("Clear", 1) == 1
    for target in (-3.0, 3.0, -3.0, 3.0, -3.0):  # 0 -> -3, then back and forth 4 times
        assert bl.put("motor.VAL", target, prefix=p) == 1  # returns when the move has ended

    def settled():
        n = bl.get("PeakPoints_RBV")
        return n > 20 and caget_value(f"{bl.chart}PeakBasis_RBV") == "last sweep" and n

    n = wait_until(settled, 5.0)
    assert n, (bl.get("PeakPoints_RBV"), caget_value(f"{bl.chart}PeakBasis_RBV"))
    time.sleep(0.3)  # the frame after the last update
    n, first = int(bl.get("PeakPoints_RBV")), int(bl.get("PeakFrom_RBV"))
    x = np.asarray(bl.get("PairsX_RBV"))
    y = np.asarray(bl.get("PairsY_RBV"))
    sweep_x, sweep_y = x[first : first + n], y[first : first + n]
    assert first + n == x.size  # the last sweep, 3 -> -3 ...
    assert np.all(np.diff(sweep_x) <= 0) and sweep_x[-1] == -3.0  # ... in one direction
    assert sweep_x[0] > 2.0  # from (next to) the far end
    fwhm = 2 * np.sqrt(2 * np.log(2)) * sigma
    assert bl.get("PeakCen_RBV") == pytest.approx(cen, rel=0.02)
    assert bl.get("PeakFwhm_RBV") == pytest.approx(fwhm, rel=0.02)
    # the PVs are the statistics of exactly those published points
    ours = compute_sweep_stats(sweep_x, sweep_y)
    assert bl.get("PeakCen_RBV") == pytest.approx(ours.cen, rel=1e-6)
    assert bl.get("PeakFwhm_RBV") == pytest.approx(ours.fwhm, rel=1e-6)
    assert bl.get("PeakCom_RBV") == pytest.approx(ours.com, rel=1e-6)
    assert bl.get("PeakMax_RBV") == pytest.approx(ours.max[1], rel=1e-6)
    img = bl.frame()
    assert count_colour(img, TRACE_COLOURS[0], tol=40) > 50  # the sweep, drawn
    bl.put("Kind", "strip")
    bl.put("Y1", f"{p}motor.RBV")
    bl.put("Y2", f"{p}det")
    bl.put("motor.VAL", 0.0, prefix=p)


def test_bad_settings_keep_the_ioc_serving(beamline):
    bl = beamline
    result = run_tool("caput", f"{bl.chart}Width", "100000")
    assert "width 100000 outside 64..2048" in result.stderr
    assert bl.get("Status_RBV") == "width 100000 outside 64..2048"
    assert bl.get("Width") == 320
    before = bl.uid()
    bl.put("motor.VAL", 0.2, prefix=bl.prefix)
    assert wait_until(lambda: bl.uid() > before, 2.0)
    refused = run_tool("caput", f"{bl.chart}Kind", "pie")  # caput checks enum strings itself
    assert refused.returncode != 0 and "invalid" in refused.stderr
    assert run_tool("caput", "-c", f"{bl.chart}Kind", "7").returncode != 0  # no such index
    assert bl.get("Kind") == 0  # still strip
    assert bl.put("Y3", "NO:SUCH:PV") == 1
    assert wait_until(lambda: "SUCH:PV" in bl.get("Status_RBV"), 3), bl.get("Status_RBV")
    assert bl.get("InputsConnected_RBV") == 2 and bl.get("InputsTotal_RBV") == 3
    bl.put("Y3", "")
    assert wait_until(lambda: bl.get("Status_RBV").startswith("OK"), 3)


def test_no_frames_and_little_cpu_when_nothing_changes(beamline):
    bl = beamline
    time.sleep(1.0)
    frames = bl.get("FramesRendered_RBV")
    pid = bl.chart_ioc.pid
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(5.0)
    used = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
    assert bl.get("FramesRendered_RBV") == frames
    assert used < 0.02, f"idle CPU {used:.1%}"


def test_motor_ioc_restart_shows_disconnected_then_resumes(beamline):
    bl = beamline
    bl.motor_ioc.stop()
    assert wait_until(lambda: bl.get("Status_RBV").startswith("DISCONNECTED"), 5)
    time.sleep(0.3)
    assert count_colour(bl.frame(), DISCONNECTED_COLOUR, tol=30) > 20
    bl.motor_ioc.start()
    # caproto's client searches again at about 1, 2, 4, 8 s, then every 5 s.
    assert wait_until(lambda: bl.get("InputsConnected_RBV") == 2, 20)
    before, received = bl.uid(), bl.get("UpdatesReceived_RBV")
    # A fresh caput process: the test's own pyepics channels may still be reconnecting.
    moved = run_tool("caput", "-c", "-w", "10", f"{bl.prefix}motor.VAL", "0.7")
    assert moved.returncode == 0, moved.stderr
    assert wait_until(lambda: bl.uid() > before, 2.0), (
        f"no frame; updates received {received} -> {bl.get('UpdatesReceived_RBV')}"
    )
    # Under load the banner-free frame may come a few frames later: bounded waits.
    assert wait_until(lambda: count_colour(bl.frame(), DISCONNECTED_COLOUR, tol=30) == 0, 5)
    assert wait_until(lambda: bl.get("Status_RBV").startswith("OK"), 5), bl.get("Status_RBV")


def test_a_setting_put_completes_after_its_readbacks(beamline):
    """A put-callback on a setting completes after the monitors it caused (as a record's)."""
    bl = beamline
    total, window = f"{bl.chart}InputsTotal_RBV", f"{bl.chart}Window"
    source, old_window = f"{bl.prefix}motor.VAL", bl.get("Window")
    puts = [(source, {total: 3}), ("", {total: 2})] * 5
    assert monitors_before_completions([total], f"{bl.chart}Y3", puts) == []
    puts = [(w, {window: w}) for w in (20.0, 30.0, 40.0, 50.0)]
    assert monitors_before_completions([window], window, puts) == []
    status = f"{bl.chart}Status_RBV"
    refused = [(100000, {status: "width 100000 outside 64..2048"})]
    assert monitors_before_completions([status], f"{bl.chart}Width", refused) == []
    bl.put("Window", old_window)


def test_a_caput_that_leaves_at_once_is_carried_out(beamline):
    """``caput`` without ``-c`` sends its write and closes: the write must still be done."""
    bl = beamline
    old = bl.get("Window")
    lost = []
    for i in range(20):
        value = 40 + i
        assert run_tool("caput", f"{bl.chart}Window", str(value)).returncode == 0
        if float(caget_value(f"{bl.chart}Window")) != value:
            lost.append(value)
    bl.put("Window", old)
    assert lost == []
