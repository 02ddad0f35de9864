"""Live analysis over real CA: the chart IOC's fit and grid charts of bluesky scans.

A motor IOC and a chart IOC run as subprocesses; ophyd's ``EpicsMotor`` and
``EpicsSignalRO`` in this process are scanned by bluesky's ``RunEngine``,
and bluesky's own ``PeakStats`` runs on the scan's documents.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import Beamline, caget_value, run_tool, wait_until

bluesky = pytest.importorskip("bluesky")
ophyd = pytest.importorskip("ophyd")

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "bluesky_scan.py"
#: The top of viridis, the colour of the largest value with automatic colour limits.
VIRIDIS_TOP = np.array([253, 231, 37])


@pytest.fixture(scope="module")
def beamline(ioc_log_dir):
    with Beamline(ioc_log_dir, tag="analysis").running() as bl:
        yield bl


@pytest.fixture(scope="module")
def devices(beamline):
    p = beamline.prefix
    m = ophyd.EpicsMotor(f"{p}motor", name="m")
    m2 = ophyd.EpicsMotor(f"{p}motor2", name="m2")
    det = ophyd.EpicsSignalRO(f"{p}det", name="det")
    for device in (m, m2, det):
        device.wait_for_connection(timeout=5)
    yield m, m2, det
    for device in (m, m2, det):
        device.destroy()


def configure(bl: Beamline, **settings) -> None:
    """Write chart settings in order and wait until the chart is drawing them."""
    for name, value in settings.items():
        assert bl.put(name, value) == 1, name
    assert wait_until(lambda: bl.get("Status_RBV").startswith("OK"), 5), bl.get("Status_RBV")


def clear(bl: Beamline) -> None:
    assert bl.put("Clear", 1) == 1
    assert wait_until(lambda: bl.get("PeakPoints_RBV") == 0, 3)


def test_bluesky_peakstats_and_the_fit_agree_with_the_chart_ioc(beamline, devices):
    from bluesky import RunEngine
    from bluesky.callbacks.fitting import PeakStats
    from bluesky.plans import scan

    bl, p = beamline, beamline.prefix
    m, _m2, det = devices
    for pv, value in (("det:motor:cen", 1.0), ("det:sigma", 0.5), ("det:noise", 0.0)):
        assert bl.put(pv, value, prefix=p) == 1
    configure(bl, Kind="xy", X=f"{p}motor.RBV", Y1=f"{p}det", Sample="At rest", Fit="Gaussian")
    clear(bl)
    stats = PeakStats("m", "det")
    RunEngine({})(scan([det], m, -1.0, 3.0, 21), stats)

    assert wait_until(lambda: bl.get("PeakPoints_RBV") == 21, 5), bl.get("PeakPoints_RBV")
    # The chart's points are the scan's points: one per step, taken when the motor stopped.
    n = 21
    np.testing.assert_array_equal(np.asarray(bl.get("PairsX_RBV"))[:n], stats.x_data)
    np.testing.assert_array_equal(np.asarray(bl.get("PairsY_RBV"))[:n], stats.y_data)
    assert bl.get("PeakCen_RBV") == pytest.approx(stats.cen, rel=1e-6)
    assert bl.get("PeakCom_RBV") == pytest.approx(stats.com, rel=1e-6)
    assert bl.get("PeakFwhm_RBV") == pytest.approx(stats.fwhm, rel=1e-6)
    assert bl.get("PeakMaxX_RBV") == pytest.approx(stats.max[0], rel=1e-6)
    assert bl.get("PeakMax_RBV") == pytest.approx(stats.max[1], rel=1e-6)

    assert wait_until(lambda: bl.get("FitPoints_RBV") == n, 5)
    assert caget_value(f"{bl.chart}FitStatus_RBV") == "OK"
    assert bl.get("FitCen_RBV") == pytest.approx(1.0, rel=0.02)
    assert bl.get("FitSigma_RBV") == pytest.approx(0.5, rel=0.02)
    assert bl.get("FitAmp_RBV") == pytest.approx(1000.0, rel=0.02)
    assert bl.get("FitRSquared_RBV") > 0.999
    assert bl.get("FitFwhm_RBV") == pytest.approx(2 * math.sqrt(2 * math.log(2)) * 0.5, rel=0.02)


def test_the_fit_waits_for_enough_points_and_clear_resets_it(beamline, devices):
    bl, p = beamline, beamline.prefix
    configure(bl, Kind="xy", X=f"{p}motor.RBV", Y1=f"{p}det", Sample="At rest")
    clear(bl)
    for target in (0.0, 0.5, 1.0):
        assert bl.put("motor.VAL", target, prefix=p) == 1
    assert wait_until(lambda: bl.get("FitPoints_RBV") == 3, 5), bl.get("FitPoints_RBV")
    assert caget_value(f"{bl.chart}FitStatus_RBV") == "Waiting"
    assert math.isnan(bl.get("FitCen_RBV"))
    out = run_tool("caget", "-d", "DBR_STS_DOUBLE", f"{bl.chart}FitCen_RBV").stdout
    assert "INVALID" in out  # the parameters carry an invalid alarm while not OK
    for target in (1.5, 2.0):
        assert bl.put("motor.VAL", target, prefix=p) == 1
    assert wait_until(lambda: caget_value(f"{bl.chart}FitStatus_RBV") == "OK", 5)
    assert bl.put("Fit", "Off") == 1
    assert wait_until(lambda: caget_value(f"{bl.chart}FitStatus_RBV") == "Off", 5)
    assert bl.put("Fit", "Gaussian") == 1
    assert wait_until(lambda: caget_value(f"{bl.chart}FitStatus_RBV") == "OK", 5)
    clear(bl)
    assert wait_until(lambda: caget_value(f"{bl.chart}FitStatus_RBV") == "Waiting", 5)


def test_grid_scan_puts_the_brightest_cell_at_the_peak(beamline, devices):
    from bluesky import RunEngine
    from bluesky.plans import grid_scan

    bl, p = beamline, beamline.prefix
    m, m2, det = devices
    for pv, value in (("det:motor:cen", 0.5), ("det:motor2:cen", -1.0), ("det:sigma", 0.6)):
        assert bl.put(pv, value, prefix=p) == 1
    configure(
        bl,
        Kind="grid",
        X=f"{p}motor.RBV",
        Y1=f"{p}motor2.RBV",
        Z=f"{p}det",
        Sample="At rest",
        Colormap="viridis",
        ColorLow=0.0,
        ColorHigh=0.0,
    )
    clear(bl)
    RunEngine({})(grid_scan([det], m, -1.5, 1.5, 7, m2, -1.5, 1.5, 7, snake_axes=True))
    assert wait_until(lambda: np.count_nonzero(~np.isnan(bl.get("PairsX_RBV"))) == 49, 5)

    left, top, right, bottom = bl.get("AxesPx_RBV")
    x0, x1, y0, y1 = bl.get("AxesLimits_RBV")
    assert (x0, x1, y0, y1) == pytest.approx((-1.75, 1.75, -1.75, 1.75))
    frame = bl.frame()
    area = frame[int(top) : int(bottom), int(left) : int(right)].astype(int)
    bright = np.abs(area - VIRIDIS_TOP).max(axis=-1) <= 8
    rows, cols = np.nonzero(bright)
    cell_px = (right - left) / 7 * (bottom - top) / 7
    assert 0.5 * cell_px < rows.size < 1.5 * cell_px, (rows.size, cell_px)  # one cell
    # the bright cell's centre, from pixels back to motor positions
    col = left + cols.mean() + 0.5
    row = top + rows.mean() + 0.5
    x = x0 + (col - left) / (right - left) * (x1 - x0)
    y = y1 - (row - top) / (bottom - top) * (y1 - y0)
    assert x == pytest.approx(0.5, abs=0.1)
    assert y == pytest.approx(-1.0, abs=0.1)


def test_grid_colour_limits_and_colormap_are_settable(beamline):
    bl = beamline
    assert bl.put("Colormap", "gray") == 1
    assert bl.put("ColorLow", 0.0) == 1
    assert bl.put("ColorHigh", 5000.0) == 1  # far above the peak: every cell is dark

    def brightest() -> int:
        # the plot area moves when the colour bar's labels change width: read it each time
        left, top, right, bottom = (int(v) for v in bl.get("AxesPx_RBV"))
        return int(bl.frame()[top + 2 : bottom - 2, left + 2 : right - 2].max())

    # 1000 of 5000 on gray: no cell brighter than a fifth (the frame follows the puts)
    assert wait_until(lambda: brightest() < 80, 10), brightest()
    refused = run_tool("caput", "-c", "-w", "5", f"{bl.chart}Colormap", "no_such_map")
    assert refused.returncode != 0
    assert caget_value(f"{bl.chart}Colormap") == "gray"
    assert "unknown colormap" in bl.get("Status_RBV")
    assert bl.put("ColorHigh", 0.0) == 1
    assert bl.put("Colormap", "viridis") == 1


def test_the_documented_example_runs(beamline):
    bl = beamline
    result = subprocess.run(
        [
            sys.executable,
            str(EXAMPLE),
            "--motor-prefix",
            bl.prefix,
            "--chart",
            bl.chart,
            "--points",
            "11",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "agree" in result.stdout, result.stdout
