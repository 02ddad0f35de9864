"""Unit tests of the min/max decimation and the pixel de-duplication."""

from __future__ import annotations

import numpy as np
import pytest

from chartioc.iocs.chart.render.decimate import dedupe_pixels, minmax_decimate


def columns_of(x: np.ndarray, lo: float, hi: float, columns: int) -> np.ndarray:
    return np.clip(np.floor((x - lo) * columns / (hi - lo)), -1, columns)


def segments(x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split at NaN in y into runs of finite points."""
    out = []
    gap = np.flatnonzero(np.isnan(y))
    for part in np.split(np.arange(y.size), gap):
        part = part[~np.isnan(y[part])]
        if part.size:
            out.append((x[part], y[part]))
    return out


@pytest.fixture
def noisy() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = np.sort(rng.uniform(-60.0, 0.0, 20_000))
    y = np.cumsum(rng.normal(0.0, 1.0, x.size))
    return x, y


def test_per_column_extremes_are_kept(noisy: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = noisy
    cols = 500
    dx, dy = minmax_decimate(x, y, -60.0, 0.0, cols)
    assert dx.size <= 2 * (cols + 2)
    c_in = columns_of(x, -60.0, 0.0, cols)
    c_out = columns_of(dx, -60.0, 0.0, cols)
    for c in np.unique(c_in):
        sel_in = c_in == c
        sel_out = c_out == c
        assert dy[sel_out].min() == y[sel_in].min()
        assert dy[sel_out].max() == y[sel_in].max()


def test_output_is_an_ordered_subset(noisy: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = noisy
    dx, dy = minmax_decimate(x, y, -60.0, 0.0, 300)
    idx = np.searchsorted(x, dx)
    np.testing.assert_array_equal(x[idx], dx)
    np.testing.assert_array_equal(y[idx], dy)
    assert np.all(np.diff(idx) > 0)  # original order, no duplicates


def test_spike_survives() -> None:
    x = np.linspace(0.0, 1.0, 10_001)
    y = np.zeros_like(x)
    y[4321] = 100.0
    y[7000] = -50.0
    dx, dy = minmax_decimate(x, y, 0.0, 1.0, 100)
    assert dy.max() == 100.0 and dy.min() == -50.0
    assert dx[np.argmax(dy)] == x[4321]
    assert dx.size <= 2 * 100


def test_sparse_data_is_unchanged() -> None:
    x = np.arange(10.0)
    y = x**2
    dx, dy = minmax_decimate(x, y, 0.0, 10.0, 100)
    np.testing.assert_array_equal(dx, x)
    np.testing.assert_array_equal(dy, y)


def test_min_max_order_follows_time() -> None:
    x = np.array([0.1, 0.2, 0.3, 0.4])
    y = np.array([0.0, 5.0, -5.0, 1.0])  # max before min in one column
    dx, dy = minmax_decimate(x, y, 0.0, 1.0, 1)
    np.testing.assert_array_equal(dy, [5.0, -5.0])
    np.testing.assert_array_equal(dx, [0.2, 0.3])


def test_gaps_stay_gaps() -> None:
    x = np.linspace(0.0, 10.0, 5001)
    y = np.sin(x)
    y[2000:2100] = np.nan  # x in [4, 4.2)
    y[2500] = np.nan  # a single NaN sample
    dx, dy = minmax_decimate(x, y, 0.0, 10.0, 50)
    ref = segments(x, y)
    got = segments(dx, dy)
    assert len(got) == len(ref) == 3
    for (rx, ry), (gx, gy) in zip(ref, got, strict=True):
        # each output run lies within one input run and reaches its extremes
        assert rx[0] <= gx[0] and gx[-1] <= rx[-1]
        assert gy.min() == ry.min() and gy.max() == ry.max()
    assert np.isnan(dy).sum() == 2


def test_points_outside_range_get_edge_bins() -> None:
    x = np.linspace(-2.0, 2.0, 4001)
    y = x.copy()
    dx, _dy = minmax_decimate(x, y, -1.0, 1.0, 10)
    assert dx.min() == -2.0 and dx.max() == 2.0
    assert dx.size <= 2 * 12


def test_empty_and_all_nan() -> None:
    for y in (np.empty(0), np.full(5, np.nan)):
        dx, dy = minmax_decimate(np.arange(float(y.size)), y, 0.0, 1.0, 10)
        assert dx.size == dy.size == 0


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        minmax_decimate(np.arange(3.0), np.arange(2.0), 0.0, 1.0, 10)
    with pytest.raises(ValueError):
        minmax_decimate(np.arange(3.0), np.arange(3.0), 0.0, 1.0, 0)
    with pytest.raises(ValueError):
        minmax_decimate(np.arange(3.0), np.arange(3.0), 1.0, 1.0, 10)


def test_dedupe_pixels() -> None:
    px = np.array([0.1, 0.5, 0.9, 1.2, 1.3, 5.0, 5.5, 5.6])
    py = np.array([0.0, 0.2, 0.3, 0.1, 0.1, 2.0, 2.1, 2.2])
    keep = dedupe_pixels(px, py)
    np.testing.assert_array_equal(keep, [0, 3, 5, 7])  # first, new pixels, last


def test_dedupe_keeps_gaps_and_short_paths() -> None:
    px = np.array([1.0, 1.1, np.nan, 1.2, 1.3])
    py = np.zeros(5)
    np.testing.assert_array_equal(dedupe_pixels(px, py), [0, 2, 3, 4])
    np.testing.assert_array_equal(dedupe_pixels(np.zeros(2), np.zeros(2)), [0, 1])
    assert dedupe_pixels(np.empty(0), np.empty(0)).size == 0
