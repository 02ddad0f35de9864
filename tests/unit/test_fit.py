"""The Gaussian fit (pure logic)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chartioc.iocs.chart.fit import FWHM_PER_SIGMA, FitResult, fit_gaussian, gaussian, initial_guess

X = np.linspace(-3.0, 5.0, 41)


@pytest.mark.parametrize(
    ("amplitude", "centre", "sigma", "offset"),
    [(1000.0, 1.0, 0.5, 0.0), (50.0, -2.0, 1.5, 10.0), (-80.0, 2.5, 0.7, 100.0), (1e-6, 0, 1, 0)],
)
def test_noise_free_data_is_fitted_exactly(amplitude, centre, sigma, offset) -> None:
    result = fit_gaussian(X, gaussian(X, amplitude, centre, sigma, offset))
    assert result.ok and result.npoints == X.size
    assert result.amplitude == pytest.approx(amplitude, rel=1e-6)
    assert result.centre == pytest.approx(centre, rel=1e-6, abs=1e-9)
    assert result.sigma == pytest.approx(sigma, rel=1e-6)
    assert result.offset == pytest.approx(offset, rel=1e-6, abs=1e-9 * abs(amplitude))
    assert result.r_squared == pytest.approx(1.0, abs=1e-9)
    assert result.fwhm == pytest.approx(FWHM_PER_SIGMA * sigma)


def test_noisy_data_is_close_and_r_squared_below_one() -> None:
    rng = np.random.default_rng(1)
    y = gaussian(X, 100.0, 0.8, 0.6, 5.0) + rng.normal(0, 2.0, X.size)
    result = fit_gaussian(X, y)
    assert result.ok
    assert result.centre == pytest.approx(0.8, abs=0.05)
    assert result.sigma == pytest.approx(0.6, rel=0.1)
    assert 0.95 < result.r_squared < 1.0


def test_points_order_and_nan_gaps_do_not_matter() -> None:
    y = gaussian(X, 10.0, 1.0, 0.5, 1.0)
    order = np.random.default_rng(2).permutation(X.size)
    xs, ys = X[order].copy(), y[order].copy()
    xs[3] = np.nan
    ys[7] = np.inf
    result = fit_gaussian(xs, ys)
    assert result.ok and result.npoints == X.size - 2
    assert result.centre == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("n", [0, 1, 4])
def test_it_waits_for_more_points_than_parameters(n: int) -> None:
    result = fit_gaussian(X[:n], X[:n])
    assert result.status == "waiting" and result.npoints == n
    assert "needs 5" in result.message
    assert math.isnan(result.centre) and np.isnan(result.curve([0.0, 1.0])).all()


def test_five_points_are_enough() -> None:
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    assert fit_gaussian(x, gaussian(x, 3.0, 0.1, 0.4, 0.0)).ok


@pytest.mark.parametrize(
    ("x", "y", "why"),
    [
        (X, np.full(X.size, 7.0), "flat"),
        (np.repeat([0.0, 1.0], 5), np.arange(10.0), "distinct x"),
    ],
)
def test_unfittable_data_fails_with_a_reason(x, y, why: str) -> None:
    result = fit_gaussian(x, y)
    assert result.status == "failed" and why in result.message


def test_a_step_does_not_raise() -> None:
    y = np.where(X > 1.0, 1.0, 0.0)  # no peak: fails or fits, never raises
    assert fit_gaussian(X, y).status in ("ok", "failed")


def test_different_lengths_raise() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        fit_gaussian([1.0, 2.0], [1.0])


def test_points_crowded_near_the_peak_still_fit_a_peak() -> None:
    # A motor scan sampled on every update: most points near the peak, few at the
    # edges. The median is high, which once made the fit take the peak for a dip.
    x = np.concatenate([np.linspace(-2.0, 2.0, 9), np.repeat(np.linspace(0.2, 0.8, 7), 10)])
    y = gaussian(x, 1000.0, 0.5, 1.0, 0.0)
    result = fit_gaussian(x, y)
    assert result.ok and result.centre == pytest.approx(0.5, rel=1e-6)
    assert result.r_squared == pytest.approx(1.0, abs=1e-9)


def test_initial_guess_of_a_dip() -> None:
    y = gaussian(X, -40.0, 2.0, 0.5, 100.0)
    amplitude, centre, sigma, offset = initial_guess(X, y, dip=True)
    assert amplitude < 0 and centre == pytest.approx(2.0, abs=0.2)
    assert offset == pytest.approx(100.0, abs=1.0) and sigma > 0


def test_curve_of_an_ok_result() -> None:
    result = FitResult("ok", amplitude=2.0, centre=1.0, sigma=0.5, offset=1.0, npoints=9)
    assert result.curve([1.0])[0] == pytest.approx(3.0)


def test_the_chart_ioc_imports_scipy_only_for_a_fit() -> None:
    """scipy costs about a second of start-up: the IOC's modules leave it out, a fit loads it."""
    import subprocess
    import sys

    script = (
        "import sys, numpy as np\n"
        "import chartioc.iocs.chart.ioc\n"
        "assert 'scipy' not in sys.modules, 'scipy imported with the chart IOC'\n"
        "from chartioc.iocs.chart.fit import fit_gaussian, gaussian\n"
        "x = np.linspace(-3, 3, 30)\n"
        "assert fit_gaussian(x, gaussian(x, 1.0, 0.0, 1.0, 0.0)).ok\n"
        "assert 'scipy.optimize' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
