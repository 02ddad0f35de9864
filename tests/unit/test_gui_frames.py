"""Pure logic behind the PVImage widget: shaping frames, fitting, rates, readouts."""

from __future__ import annotations

import numpy as np
import pytest

from chartioc.gui.frames import FrameAssembler, RateMeter, fit_rect, format_value


def rgb_sizes(asm: FrameAssembler, w: int, h: int) -> None:
    asm.set_mode("RGB1")
    for i, v in enumerate((3, w, h)):
        asm.set_size(i, v)


def test_rgb1_frame_is_shaped_h_w_3():
    asm = FrameAssembler()
    rgb_sizes(asm, 4, 2)
    data = np.arange(24, dtype=np.uint8)
    frame = asm.set_data(data, 12.5)
    assert frame is not None and frame.pixels.shape == (2, 4, 3)
    assert frame.pixels[1, 3].tolist() == [21, 22, 23]
    assert (frame.width, frame.height, frame.mode, frame.timestamp) == (4, 2, "RGB1", 12.5)


def test_mono_frame_is_shaped_h_w():
    asm = FrameAssembler()
    asm.set_mode("Mono")
    asm.set_size(0, 5)
    asm.set_size(1, 3)
    asm.set_size(2, 0)
    frame = asm.set_data(np.arange(15, dtype=np.uint8), 0.0)
    assert frame is not None and frame.pixels.shape == (3, 5)
    assert frame.pixels[2, 0] == 10


def test_data_before_its_sizes_is_held_then_shaped():
    # areaDetector posts the sizes after the data: a resize must not show a garbled frame.
    asm = FrameAssembler()
    rgb_sizes(asm, 2, 2)
    assert asm.set_data(np.zeros(3 * 4 * 4, dtype=np.uint8), 1.0) is None  # a 4x4 frame
    assert "waiting" in asm.problem
    assert asm.set_size(1, 4) is None  # 4 wide, 2 high: still not the data's size
    frame = asm.set_size(2, 4)
    assert frame is not None and frame.pixels.shape == (4, 4, 3)
    assert asm.problem == ""


def test_data_longer_than_the_sizes_is_never_cut_to_fit():
    asm = FrameAssembler()
    rgb_sizes(asm, 2, 1)
    assert asm.set_data(np.arange(100, dtype=np.uint8), 0.0) is None


def test_unsupported_colour_mode_is_reported_not_guessed():
    asm = FrameAssembler()
    rgb_sizes(asm, 2, 2)
    asm.set_mode("Bayer")
    assert asm.set_data(np.zeros(12, dtype=np.uint8), 0.0) is None
    assert asm.problem == "colour mode Bayer not supported"


def test_frames_are_numbered():
    asm = FrameAssembler()
    rgb_sizes(asm, 1, 1)
    numbers = [asm.set_data(np.zeros(3, dtype=np.uint8), 0.0).number for _ in range(3)]
    assert numbers == [1, 2, 3]


@pytest.mark.parametrize(
    ("src", "dst", "rect"),
    [
        ((640, 480), (640, 480), (0, 0, 640, 480)),
        ((640, 480), (800, 480), (80, 0, 640, 480)),  # pillarbox
        ((640, 480), (320, 600), (0, 180, 320, 240)),  # letterbox
        ((100, 100), (0, 50), (0, 0, 0, 0)),
    ],
)
def test_fit_rect_keeps_the_aspect_and_centres(src, dst, rect):
    assert fit_rect(*src, *dst) == rect


def test_rate_meter_counts_over_its_window():
    meter = RateMeter(window=2.0)
    for i in range(21):
        meter.tick(10.0 + i * 0.1)  # 10 per second for 2 s
    assert meter.rate(12.0) == pytest.approx(10.0)
    assert meter.rate(20.0) == 0.0  # all events too old


def test_readout_format_uses_precision_and_units():
    assert format_value(1.23456, 3, "mm") == "1.235 mm"
    assert format_value(np.float32(2.5), 1, "s") == "2.5 s"
    assert format_value(7, 3, "") == "7"
    assert format_value("text", None) == "text"


def test_reset_forgets_sizes_so_a_returning_source_is_shaped_afresh():
    asm = FrameAssembler()
    rgb_sizes(asm, 2, 2)
    asm.reset()
    assert asm.set_data(np.zeros(12, dtype=np.uint8), 0.0) is None  # old sizes are gone
    rgb_sizes(asm, 2, 2)
    assert asm.shape() == (2, 2, 3)
