"""Gaussian fit of y against x: ``offset + amplitude * exp(-(x - centre)^2 / (2 sigma^2))``.

Pure logic (numpy and scipy, no CA). The chart IOC runs :func:`fit_gaussian`
in a thread of its own, never on the drawing path, and publishes the
result as PVs.

The fit is scipy's Levenberg-Marquardt least squares (``curve_fit``) with an
analytic Jacobian, started from the data's own shape: offset at the
baseline, amplitude to the extreme, centre at the extreme, sigma from the
width at half height. A dip (a negative peak) is fitted as well as a peak.
Goodness of fit is the coefficient of determination R² (1 for a perfect
fit, 0 for no better than the mean).

scipy is imported on first use, not with this module: it costs about a
second, and only a chart with a fit needs it. :func:`load_solver` imports
it ahead of time (the chart IOC starts it in the fit thread as soon as a
chart asks for a fit, so the first fit waits only for what is left of it).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from chartioc.iocs.chart.peakstats import as_pairs

__all__ = [
    "FWHM_PER_SIGMA",
    "PARAMETERS",
    "FitResult",
    "FitStatus",
    "fit_gaussian",
    "gaussian",
    "load_solver",
]

#: The four fitted parameters, in the order of :func:`gaussian`'s arguments.
PARAMETERS = ("amplitude", "centre", "sigma", "offset")
#: ``fwhm = FWHM_PER_SIGMA * sigma`` for a Gaussian.
FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
#: Most function evaluations one fit may use (bounds its time).
MAX_EVALUATIONS = 2000
#: R² of a peak fit above which no dip is tried.
GOOD_ENOUGH = 0.95

FitStatus = Literal["off", "waiting", "ok", "failed"]


def gaussian(
    x: np.ndarray, amplitude: float, centre: float, sigma: float, offset: float
) -> np.ndarray:
    """``offset + amplitude * exp(-(x - centre)^2 / (2 sigma^2))``."""
    return offset + amplitude * np.exp(-0.5 * ((x - centre) / sigma) ** 2)


def _jacobian(
    x: np.ndarray, amplitude: float, centre: float, sigma: float, offset: float
) -> np.ndarray:
    u = (x - centre) / sigma
    e = np.exp(-0.5 * u * u)
    return np.column_stack((e, amplitude * e * u / sigma, amplitude * e * u * u / sigma, e * 0 + 1))


@dataclass(frozen=True)
class FitResult:
    """Outcome of one fit.

    ``status`` is ``"ok"`` with finite parameters, ``"waiting"`` when there
    are not more points than parameters yet, ``"failed"`` when the fit did
    not converge or the data cannot be fitted (``message`` says why), and
    ``"off"`` when fitting is switched off. Parameters are NaN unless ok.
    """

    status: FitStatus
    amplitude: float = math.nan
    centre: float = math.nan
    sigma: float = math.nan
    offset: float = math.nan
    r_squared: float = math.nan
    npoints: int = 0
    message: str = ""

    @property
    def fwhm(self) -> float:
        """Full width at half maximum of the fitted curve."""
        return FWHM_PER_SIGMA * self.sigma

    @property
    def ok(self) -> bool:
        """True when the parameters are valid."""
        return self.status == "ok"

    def curve(self, x: ArrayLike) -> np.ndarray:
        """The fitted curve at ``x`` (NaN everywhere unless ok)."""
        xa = np.asarray(x, dtype=np.float64)
        if not self.ok:
            return np.full(xa.shape, math.nan)
        return gaussian(xa, self.amplitude, self.centre, self.sigma, self.offset)


def initial_guess(x: np.ndarray, y: np.ndarray, dip: bool = False) -> tuple[float, ...]:
    """Start values (amplitude, centre, sigma, offset) of a peak (or, with ``dip``, a dip).

    The baseline is the median of the lowest (for a dip: highest) fifth of
    the points; the extreme is the peak; sigma comes from the spread of x
    over the points beyond half height.
    """
    k = int(np.argmin(y)) if dip else int(np.argmax(y))
    order = np.sort(y)
    fifth = max(1, y.size // 5)
    offset = float(np.median(order[-fifth:] if dip else order[:fifth]))
    amplitude = float(y[k]) - offset
    half = offset + amplitude / 2
    beyond = (y < half) if dip else (y > half)
    span = float(np.ptp(x[beyond])) if beyond.sum() >= 2 else 0.0
    sigma = span / FWHM_PER_SIGMA if span > 0 else float(np.ptp(x)) / 10
    if not sigma > 0:
        sigma = 1.0
    return amplitude, float(x[k]), sigma, offset


@cache
def load_solver() -> tuple[Callable[..., Any], type[Warning]]:
    """scipy's ``curve_fit`` and ``OptimizeWarning``, imported on the first call."""
    from scipy.optimize import OptimizeWarning, curve_fit

    return curve_fit, OptimizeWarning


def _least_squares(x: np.ndarray, y: np.ndarray, p0: tuple[float, ...]) -> np.ndarray | None:
    """Fitted parameters from ``p0``, or None when the fit does not converge."""
    curve_fit, optimize_warning = load_solver()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize_warning)
            params, _ = curve_fit(
                gaussian, x, y, p0=p0, jac=_jacobian, method="lm", maxfev=MAX_EVALUATIONS
            )
    except (RuntimeError, ValueError, FloatingPointError):
        return None
    return params if np.all(np.isfinite(params)) and params[2] != 0 else None


def fit_gaussian(x: ArrayLike, y: ArrayLike) -> FitResult:
    """Fit a Gaussian plus constant offset to the points; never raises for bad data.

    Parameters
    ----------
    x, y : array_like
        Same length. Pairs with a NaN or inf in either are ignored.

    Returns
    -------
    FitResult
        ``waiting`` with four points or fewer; ``failed`` (with a reason)
        when y is flat, x has fewer than three distinct values, the fit does
        not converge, or its parameters are not finite.

    Raises
    ------
    ValueError
        If x and y differ in length.
    """
    xa, ya = as_pairs(x, y)
    keep = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[keep], ya[keep]
    n = int(xa.size)
    if n <= len(PARAMETERS):
        return FitResult("waiting", npoints=n, message=f"{n} points, needs {len(PARAMETERS) + 1}")
    total = float(np.sum((ya - ya.mean()) ** 2))
    if not total > 0:
        return FitResult("failed", npoints=n, message="y is flat")
    if np.unique(xa).size < 3:
        return FitResult("failed", npoints=n, message="fewer than 3 distinct x")
    # A peak is tried, then a dip unless the peak fits well; the better fit wins
    # (where the points crowd, e.g. around a motor's stops, says nothing about the sign).
    best: tuple[float, np.ndarray] | None = None
    for dip in (False, True):
        params = _least_squares(xa, ya, initial_guess(xa, ya, dip))
        if params is not None:
            residual = float(np.sum((ya - gaussian(xa, *params)) ** 2))
            if best is None or residual < best[0]:
                best = (residual, params)
        if best is not None and best[0] <= (1.0 - GOOD_ENOUGH) * total:
            break
    if best is None:
        return FitResult("failed", npoints=n, message="no convergence")
    residual, params = best
    amplitude, centre, sigma, offset = (float(p) for p in params)
    sigma = abs(sigma)
    return FitResult(
        "ok",
        amplitude=amplitude,
        centre=centre,
        sigma=sigma,
        offset=offset,
        r_squared=1.0 - residual / total,
        npoints=n,
    )
