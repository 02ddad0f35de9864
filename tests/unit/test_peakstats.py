"""compute_peak_stats against bluesky's own PeakStats callback, fed with documents."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bluesky.callbacks.fitting import PeakStats as BlueskyPeakStats

from chartioc.iocs.chart.model import PeakStats
from chartioc.iocs.chart.peakstats import compute_peak_stats

RTOL = 1e-9


def bluesky_stats(x: np.ndarray, y: np.ndarray) -> BlueskyPeakStats:
    """Run bluesky's PeakStats over start, descriptor, event and stop documents."""
    ps = BlueskyPeakStats("motor", "det")
    ps("start", {"uid": "run", "time": 0.0})
    ps("descriptor", {"uid": "desc", "run_start": "run", "name": "primary", "data_keys": {}})
    for i, (xi, yi) in enumerate(zip(x.tolist(), y.tolist(), strict=True)):
        doc = {
            "uid": f"ev{i}",
            "descriptor": "desc",
            "seq_num": i + 1,
            "time": float(i),
            "data": {"motor": xi, "det": yi},
            "timestamps": {"motor": float(i), "det": float(i)},
        }
        ps("event", doc)
    ps("stop", {"uid": "stop", "run_start": "run", "time": 1.0, "exit_status": "success"})
    return ps


def assert_close(ours: float, theirs: float | None) -> None:
    if theirs is None:
        assert math.isnan(ours)
    else:
        assert ours == pytest.approx(float(theirs), rel=RTOL, abs=1e-12)


def assert_matches_bluesky(x: np.ndarray, y: np.ndarray) -> PeakStats:
    ours = compute_peak_stats(x, y)
    theirs = bluesky_stats(x, y)
    for ours_pair, theirs_pair in ((ours.max, theirs.max), (ours.min, theirs.min)):
        assert_close(ours_pair[0], theirs_pair[0])
        assert_close(ours_pair[1], theirs_pair[1])
    assert_close(ours.cen, theirs.cen)
    assert_close(ours.com, theirs.com)
    assert_close(ours.fwhm, theirs.fwhm)
    assert ours.npoints == len(x)
    return ours


def gaussian(x: np.ndarray, centre: float, sigma: float, amp: float = 1.0) -> np.ndarray:
    return amp * np.exp(-0.5 * ((x - centre) / sigma) ** 2)


def test_gaussian() -> None:
    x = np.linspace(-5.0, 5.0, 41)
    y = gaussian(x, 0.7, 1.1, 1000.0)
    ours = assert_matches_bluesky(x, y)
    # sanity against the analytic answer (sampling limits the accuracy)
    assert ours.cen == pytest.approx(0.7, abs=0.02)
    assert ours.fwhm == pytest.approx(2 * math.sqrt(2 * math.log(2)) * 1.1, rel=0.02)


def test_noisy_peak() -> None:
    rng = np.random.default_rng(1234)
    x = np.linspace(10.0, 20.0, 101)
    y = gaussian(x, 14.2, 0.8, 50.0) + 5.0 + rng.normal(0.0, 2.0, x.size)
    ours = assert_matches_bluesky(x, y)
    assert 13.5 < ours.cen < 15.0


def test_asymmetric_peak() -> None:
    x = np.linspace(0.0, 10.0, 60)
    sigma = np.where(x < 3.0, 0.5, 2.0)
    y = 20.0 * np.exp(-0.5 * ((x - 3.0) / sigma) ** 2) + 1.0
    ours = assert_matches_bluesky(x, y)
    assert ours.cen > ours.max[0]  # the long tail pulls cen to the right


def test_monotonic_ramp_has_one_crossing() -> None:
    x = np.linspace(-1.0, 1.0, 21)
    y = 3.0 * x + 7.0
    ours = assert_matches_bluesky(x, y)
    assert ours.cen == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(ours.fwhm)
    assert ours.max == (1.0, 10.0)
    assert ours.min == (-1.0, 4.0)


def test_reverse_scan_is_not_sorted() -> None:
    """Like bluesky, points are taken in scan order, not sorted by x."""
    x = np.linspace(5.0, -5.0, 31)
    y = gaussian(x, -1.3, 1.5)
    assert_matches_bluesky(x, y)


def test_two_peaks_use_first_and_last_crossing() -> None:
    x = np.linspace(0.0, 20.0, 201)
    y = gaussian(x, 5.0, 1.0) + gaussian(x, 15.0, 1.0)
    ours = assert_matches_bluesky(x, y)
    assert ours.fwhm > 10.0


def test_flat_has_no_crossings() -> None:
    x = np.arange(5.0)
    y = np.full(5, 2.0)
    ours = assert_matches_bluesky(x, y)
    assert math.isnan(ours.cen) and math.isnan(ours.fwhm)
    assert ours.max == (0.0, 2.0)


def test_nan_pairs_are_dropped() -> None:
    x = np.linspace(-3.0, 3.0, 25)
    y = gaussian(x, 0.2, 0.9)
    xs = x.copy()
    ys = y.copy()
    ys[[3, 10]] = np.nan
    xs[20] = np.nan
    keep = np.ones(x.size, bool)
    keep[[3, 10, 20]] = False
    with_gaps = compute_peak_stats(xs, ys)
    assert with_gaps == compute_peak_stats(x[keep], y[keep])
    assert with_gaps.npoints == keep.sum()


@pytest.mark.parametrize("n", [0, 1])
def test_too_few_points(n: int) -> None:
    stats = compute_peak_stats(np.arange(n, dtype=float), np.ones(n))
    assert stats.npoints == n
    values = [*stats.max, *stats.min, stats.cen, stats.com, stats.fwhm]
    assert all(math.isnan(v) for v in values)


def test_only_nans() -> None:
    stats = compute_peak_stats([np.nan, 1.0, 2.0], [1.0, np.nan, np.nan])
    assert stats.npoints == 0
    assert math.isnan(stats.cen)


def test_length_mismatch() -> None:
    with pytest.raises(ValueError):
        compute_peak_stats([1.0, 2.0], [1.0])
