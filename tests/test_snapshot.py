"""``chartioc-snapshot``: shaping and consistent reads (pure), then PNGs of a running chart IOC."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from chartioc.client.snapshot import (
    Frame,
    SnapshotError,
    frame_shape,
    read_frame,
    shape_frame,
    write_png,
)

from conftest import Beamline, unique_prefix, wait_until

# -- pure ------------------------------------------------------------------------------


def test_frame_shape_follows_the_area_detector_sizes():
    assert frame_shape("RGB1", [3, 320, 240]) == (240, 320, 3)
    assert frame_shape("Mono", [320, 240, 0]) == (240, 320)
    with pytest.raises(SnapshotError) as err:
        frame_shape("RGB2", [320, 3, 240], "P:image1:")
    assert str(err.value) == "P:image1:ColorMode_RBV is 'RGB2': only Mono and RGB1 are supported"
    with pytest.raises(SnapshotError) as err:
        frame_shape("RGB1", [320, 240, 0], "P:image1:")
    assert str(err.value) == (
        "P:image1:ArraySize0/1/2_RBV are 320, 240, 0: RGB1 needs 3, W, H (W, H > 0)"
    )
    with pytest.raises(SnapshotError, match="P:ArraySize0/1/2_RBV are all 0: no frame yet"):
        frame_shape("Mono", [0, 0, 0], "P:")


def test_shape_frame_checks_the_length_and_the_type():
    rgb = np.arange(2 * 4 * 3, dtype=np.uint8)
    assert (shape_frame(rgb, "RGB1", [3, 4, 2])[1, 3] == [21, 22, 23]).all()
    signed = np.array([-1, 0, 1, 127], dtype=np.int8)  # DBR_CHAR data may come signed
    assert shape_frame(signed, "Mono", [2, 2, 0]).tolist() == [[255, 0], [1, 127]]
    with pytest.raises(SnapshotError) as err:
        shape_frame(rgb, "RGB1", [3, 4, 3], "P:image1:")
    assert str(err.value) == ("P:image1:ArrayData has 24 elements; the sizes say 3 x 4 x 3 = 36")
    with pytest.raises(SnapshotError, match="ArrayData is uint16: only 8-bit data"):
        shape_frame(np.zeros(4, dtype=np.uint16), "Mono", [2, 2, 0])


class FakeServer:
    """``read(suffix)`` of an image plugin whose frame changes after given reads."""

    def __init__(self, frames: list[tuple[int, np.ndarray]], change_after: list[int]) -> None:
        self.frames, self.change_after, self.reads = frames, change_after, 0
        self.index = 0

    def __call__(self, suffix: str):
        self.reads += 1
        if self.change_after and self.reads > self.change_after[0]:
            self.change_after.pop(0)
            self.index += 1
        uid, pixels = self.frames[self.index]
        h, w = pixels.shape[:2]
        return {
            "UniqueId_RBV": uid,
            "ColorMode_RBV": "RGB1",
            "ArraySize0_RBV": 3,
            "ArraySize1_RBV": w,
            "ArraySize2_RBV": h,
            "ArrayData": pixels.reshape(-1),
        }[suffix]


def rgb(h: int, w: int, value: int) -> np.ndarray:
    return np.full((h, w, 3), value, dtype=np.uint8)


def test_read_frame_reads_ids_sizes_and_data():
    server = FakeServer([(7, rgb(2, 3, 9))], [])
    frame = read_frame(server)
    assert frame.unique_id == 7 and frame.mode == "RGB1"
    assert frame.pixels.shape == (2, 3, 3) and (frame.pixels == 9).all()
    assert server.reads == 10  # id, mode, 3 sizes, data, 3 sizes, id


def test_read_frame_starts_over_when_a_new_frame_comes_in():
    # the frame changes (new size too) right after the data was read: read again
    server = FakeServer([(7, rgb(2, 3, 9)), (8, rgb(4, 5, 1))], [6])
    frame = read_frame(server)
    assert frame.unique_id == 8 and frame.pixels.shape == (4, 5, 3) and (frame.pixels == 1).all()
    assert server.reads == 20


def test_read_frame_gives_up_when_frames_keep_coming():
    frames = [(i, rgb(2, 2, i)) for i in range(100)]
    server = FakeServer(frames, list(range(1, 100, 2)))
    with pytest.raises(SnapshotError, match="new frames kept arriving"):
        read_frame(server, retries=3)


def test_write_png_round_trips_rgb_and_mono(tmp_path):
    pixels = np.random.default_rng(1).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    write_png(Frame(pixels, "RGB1", 1), tmp_path / "rgb.png")
    write_png(Frame(pixels[..., 0].copy(), "Mono", 1), tmp_path / "mono.png")
    with Image.open(tmp_path / "rgb.png") as image:
        assert image.mode == "RGB" and (np.asarray(image) == pixels).all()
    with Image.open(tmp_path / "mono.png") as image:
        assert image.mode == "L" and (np.asarray(image) == pixels[..., 0]).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mono.png", "rgb.png"]


def test_write_png_into_a_missing_folder_is_a_clear_error(tmp_path):
    target = tmp_path / "no" / "such" / "chart.png"
    with pytest.raises(SnapshotError, match=f"cannot write {target}: No such file"):
        write_png(Frame(rgb(2, 2, 0), "RGB1", 1), target)


# -- the program against a chart IOC -----------------------------------------------------


def snapshot(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "chartioc.client.snapshot", *args],
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
