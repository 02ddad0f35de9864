"""Peak statistics of y against x, with the definitions of bluesky's ``PeakStats``.

The maths follows ``bluesky.callbacks.fitting.PeakStats._calc_stats``
(bluesky 1.15, without ``edge_count`` background subtraction) so that the
chart IOC's statistics PVs agree with what a bluesky user gets from the same
points. Points are used **in the order given**: bluesky does not sort them
by x, and neither does this module (a scan that runs backwards has its
crossings found along the scan, not along x). Definitions, with ``n`` points
``(x[i], y[i])``, ``i = 0 .. n-1``:

max
    ``(x[k], y[k])`` with ``k = argmax(y)``, the first index of the largest y.
min
    ``(x[k], y[k])`` with ``k = argmin(y)``, the first index of the smallest y.
com
    Centre of mass in *index* space, mapped to x by linear interpolation:
    ``c = sum(i * y[i]) / sum(y[i])`` (scipy's ``center_of_mass``, which
    bluesky vendors), then ``com = numpy.interp(c, arange(n), x)``. y is not
    background-subtracted, so a baseline pulls com towards the middle of the
    scan; ``c`` outside ``[0, n-1]`` clamps to the end x values.
cen
    With ``mid = (max(y) + min(y)) / 2``, a *crossing* is every ``i`` where
    ``y[i] > mid`` differs from ``y[i+1] > mid``; its position is the linear
    interpolation of x at ``mid`` between points ``i`` and ``i+1``. ``cen`` is
    the mean of all crossing positions.
fwhm
    ``abs(last crossing - first crossing)``; needs at least two crossings.

With no crossing (fewer than two distinct y levels), ``cen`` and ``fwhm``
are NaN (bluesky leaves them None); with exactly one crossing (a step or a
peak cut off at the scan's end) ``cen`` is that crossing and ``fwhm`` is
NaN. Additions of this module: pairs where x or y is NaN are dropped first
(NaN marks a gap in the chart IOC's histories), and fewer than two points
give NaN for every field.

For a live sweep (:func:`compute_sweep_stats`) the definitions are the same
except com, which is the centre of mass over *x*, not over the point index:
``com = integral(x y dx) / integral(y dx)`` by the trapezoid rule. A motor
sweeping continuously posts its positions unevenly (denser where it
accelerates and brakes, at the ends), which would pull an index-space com
towards the ends of the sweep.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numpy.typing import ArrayLike

from chartioc.iocs.chart.model import PeakStats

__all__ = ["as_pairs", "compute_peak_stats", "compute_sweep_stats", "empty_peak_stats"]

_NAN = math.nan


def as_pairs(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """x and y as flat float64 arrays; raises ValueError if they differ in length."""
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.shape != ya.shape:
        raise ValueError(f"x and y differ in length: {xa.size} != {ya.size}")
    return xa, ya


def empty_peak_stats(npoints: int = 0) -> PeakStats:
    """Return a :class:`PeakStats` with every value NaN.

    Parameters
    ----------
    npoints : int, optional
        Number of valid points the statistics were computed from.
    """
    return PeakStats(
        max=(_NAN, _NAN), min=(_NAN, _NAN), cen=_NAN, com=_NAN, fwhm=_NAN, npoints=npoints
    )


def _crossings(x: np.ndarray, y: np.ndarray, mid: float) -> np.ndarray:
    """Positions in x where y crosses ``mid``, by linear interpolation, in scan order."""
    above = y > mid
    idx = np.flatnonzero(above[1:] != above[:-1])
    x0 = x[idx]
    y0 = y[idx] - mid
    slope = (y[idx + 1] - mid - y0) / (x[idx + 1] - x0)
    return -y0 / slope + x0


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    """Integral of y over x by the trapezoid rule (numpy < 2 has no ``trapezoid``)."""
    return float(0.5 * np.sum((y[1:] + y[:-1]) * np.diff(x)))


def compute_peak_stats(x: ArrayLike, y: ArrayLike, *, com_over: str = "index") -> PeakStats:
    """Compute max, min, cen, com and fwhm of y against x as bluesky's ``PeakStats`` does.

    See the module docstring for the exact definitions.

    Parameters
    ----------
    x, y : array_like
        Positions and readings, same length, in scan order. Pairs with a NaN
        in either are ignored.
    com_over : {"index", "x"}
        ``"index"`` (bluesky's definition, the default) or ``"x"`` (see
        :func:`compute_sweep_stats`).

    Returns
    -------
    PeakStats
        ``npoints`` is the number of valid pairs used; values that cannot be
        computed are NaN.

    Raises
    ------
    ValueError
        If x and y differ in length.
    """
    xa, ya = as_pairs(x, y)
    valid = ~(np.isnan(xa) | np.isnan(ya))
    if not valid.all():
        xa = xa[valid]
        ya = ya[valid]
    n = xa.size
    if n < 2:
        return empty_peak_stats(n)

    with np.errstate(divide="ignore", invalid="ignore"):
        kmin = int(np.argmin(ya))
        kmax = int(np.argmax(ya))
        if com_over == "x":
            weight = _trapezoid(ya, xa)
            com = float(_trapezoid(ya * xa, xa) / weight) if weight != 0 else _NAN
        else:
            index_com = np.sum(ya * np.arange(n, dtype=np.float64)) / np.sum(ya)
            com = float(np.interp(index_com, np.arange(n), xa))
        mid = (ya[kmax] + ya[kmin]) / 2
        crossings = _crossings(xa, ya, mid)
    cen = float(np.mean(crossings)) if crossings.size else _NAN
    fwhm = float(abs(crossings[-1] - crossings[0])) if crossings.size >= 2 else _NAN
    return PeakStats(
        max=(float(xa[kmax]), float(ya[kmax])),
        min=(float(xa[kmin]), float(ya[kmin])),
        cen=cen,
        com=com,
        fwhm=fwhm,
        npoints=n,
    )


def compute_sweep_stats(x: ArrayLike, y: ArrayLike) -> PeakStats:
    """Peak statistics of one live sweep: :func:`compute_peak_stats` with com over x.

    Parameters
    ----------
    x, y : array_like
        The points of one sweep (x moving one way), in arrival order.

    Returns
    -------
    PeakStats
        max, min, cen and fwhm as bluesky defines them; com is
        ``integral(x y dx) / integral(y dx)`` (trapezoid rule), NaN when the
        integral of y is 0. cen and fwhm are NaN unless the sweep brackets
        its peak: y crosses half height on both sides of the maximum. A
        sweep that saw one flank only has no centre to show (bluesky's mean
        of one crossing would be drawn as a peak where there is none).
    """
    stats = compute_peak_stats(x, y, com_over="x")
    if math.isnan(stats.cen):
        return stats
    xa, ya = as_pairs(x, y)
    valid = ~(np.isnan(xa) | np.isnan(ya))
    xa, ya = xa[valid], ya[valid]
    mid = (stats.max[1] + stats.min[1]) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        crossings = _crossings(xa, ya, mid)
    x_peak = stats.max[0]
    if crossings.size < 2 or not (crossings.min() < x_peak < crossings.max()):
        return dataclasses.replace(stats, cen=_NAN, fwhm=_NAN)
    return stats
