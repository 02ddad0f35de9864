"""Frame codecs (iocs/chart/codecs.py): lossless round trips, JPEG within a stated error."""

from __future__ import annotations

import numpy as np
import pytest

from chartioc.iocs.chart.codecs import CODECS, decode, encode


def chart_like(h: int = 120, w: int = 160) -> np.ndarray:
    """Flat white with a dark frame and a coloured line: what a chart mostly is."""
    img = np.full((h, w, 3), 255, np.uint8)
    img[10, 10:-10] = img[-10, 10:-10] = img[10:-10, 10] = img[10:-10, -10] = 40
    cols = np.arange(20, w - 20)
    rows = (h / 2 + (h / 4) * np.sin(cols / 9)).astype(int)
    img[rows, cols] = (31, 119, 180)
    return img


@pytest.mark.parametrize("codec", ["none", "lz4", "blosc"])
@pytest.mark.parametrize("mono", [False, True])
def test_lossless_codecs_give_the_frame_back(codec, mono):
    frame = chart_like()
    if mono:
        frame = frame[..., 0].copy()
    sent = encode(frame, codec)
    assert sent.uncompressed == frame.nbytes
    assert sent.codec == ("" if codec == "none" else codec)
    np.testing.assert_array_equal(decode(sent.data, sent.codec, frame.shape), frame)


def test_lossless_codecs_shrink_a_chart_many_times():
    frame = chart_like(480, 640)
    assert encode(frame, "lz4").ratio > 10
    assert encode(frame, "blosc").ratio > 10
    assert encode(frame, "none").ratio == 1


def test_jpeg_is_close_and_small():
    frame = chart_like(480, 640)
    sent = encode(frame, "jpeg", 90)
    back = decode(sent.data, "jpeg", frame.shape)
    mse = np.mean((back.astype(float) - frame) ** 2)
    psnr = 10 * np.log10(255**2 / mse)
    assert psnr > 30, psnr  # the stated error: PSNR above 30 dB at quality 90
    assert sent.ratio > 20


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="not one of none, lz4, blosc, jpeg"):
        encode(chart_like(), "zip")
    with pytest.raises(ValueError, match=r"quality 0 outside 1\.\.100"):
        encode(chart_like(), "jpeg", 0)
    with pytest.raises(ValueError, match="uint8"):
        encode(np.zeros((4, 4), np.float64), "lz4")
    assert CODECS == ("none", "lz4", "blosc", "jpeg")
