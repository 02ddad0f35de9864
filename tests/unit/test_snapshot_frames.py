"""``chartioc-snapshot``, the pure part: shaping, consistent reads, PNG writing."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from chartioc.client.tools.snapshot import (
    Frame,
    SnapshotError,
    frame_shape,
    read_frame,
    shape_frame,
    write_png,
)

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
