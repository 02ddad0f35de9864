"""``chartioc-snapshot`` against a running chart IOC."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import Beamline, unique_prefix, wait_until

# -- the program against a chart IOC -----------------------------------------------------


def snapshot(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "chartioc.client.tools.snapshot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
    )


@pytest.fixture(scope="module")
def beamline(ioc_log_dir):
    bl = Beamline(ioc_log_dir, tag="snapshot")
    with bl.motor_ioc, bl.chart_ioc:
        assert wait_until(lambda: bl.get("InputsConnected_RBV") == 2, 10)
        # a trace to draw, then hold the picture still: paused, nothing is drawn
        assert bl.put("motor.VAL", 1.0, prefix=bl.prefix) == 1
        first = bl.uid()
        assert wait_until(lambda: bl.uid() > first, 10)
        assert bl.put("Pause", "Pause") == 1
        yield bl


@pytest.mark.parametrize(("plugin", "mode"), [("image1:", "RGB"), ("image2:", "L")])
def test_the_png_has_the_pixels_of_the_image_pv(beamline, tmp_path, plugin, mode):
    out = tmp_path / "chart.png"
    for _ in range(3):  # a frame drawn as Pause came in may still be published: read again
        uid = beamline.uid()
        result = snapshot(beamline.chart + plugin, "-o", str(out))
        assert result.returncode == 0, result.stderr
        expected = beamline.frame(plugin)
        if beamline.uid() == uid:  # the same frame all along
            break
    else:
        pytest.fail("the chart kept drawing while paused")
    kind = "RGB1" if mode == "RGB" else "Mono"
    assert result.stdout == f"{out}: 320 x 240 {kind}, frame {uid}\n"
    assert result.stderr == ""
    with Image.open(out) as image:
        assert image.mode == mode
        pixels = np.asarray(image)
    assert pixels.shape == expected.shape
    assert (pixels == expected).all()
    assert len(np.unique(pixels)) > 5  # a drawn chart, not a blank frame


def test_a_missing_pv_is_one_line_and_exit_1(tmp_path):
    prefix = unique_prefix("NOPE") + "image1:"
    out = tmp_path / "chart.png"
    result = snapshot(prefix, "-o", str(out), "--timeout", "1", "-q")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"chartioc-snapshot: no answer from {prefix}ArrayData within 1 s (and 5 more PVs)\n"
    )
    assert not out.exists()


def test_an_unwritable_output_is_one_line_and_exit_1(beamline, tmp_path):
    out = tmp_path / "missing" / "chart.png"
    result = snapshot(beamline.chart + "image1:", "-o", str(out))
    assert result.returncode == 1
    assert result.stderr.startswith(f"chartioc-snapshot: cannot write {out}: ")
    assert result.stderr.count("\n") == 1


def test_output_is_required():
    result = snapshot("X:image1:")
    assert result.returncode == 2
    assert "-o/--output" in result.stderr
