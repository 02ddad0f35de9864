"""Reduce long traces to what a raster of a given width can show.

Pure numpy, no matplotlib. :func:`minmax_decimate` keeps, for each pixel
column, the smallest and the largest sample (in their original order and at
their original x), so that a decimated line covers exactly the pixels the
full line would, spikes included. :func:`dedupe_pixels` drops consecutive
points of a path that fall in the same pixel (for traces that are not a
function of x, such as a map trail).

NaN (or infinite) samples are gaps: they split the data into segments that
are decimated on their own and stay separated by a NaN in the output, so a
plotted line still breaks there.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dedupe_pixels", "minmax_decimate"]


def minmax_decimate(
    x: np.ndarray, y: np.ndarray, lo: float, hi: float, columns: int
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the minimum and maximum of y in each of ``columns`` bins of x over ``[lo, hi]``.

    Parameters
    ----------
    x : numpy.ndarray
        Abscissae, non-decreasing (time stamps, for example).
    y : numpy.ndarray
        Ordinates, same length; NaN marks a gap.
    lo, hi : float
        The x range the columns cover (the visible axis range). Samples
        outside it fall into one extra bin on each side.
    columns : int
        Number of pixel columns across ``[lo, hi]``.

    Returns
    -------
    x, y : numpy.ndarray
        New float64 arrays of at most ``2 * (columns + 2)`` points per
        segment, plus one NaN point between segments. A bin's minimum and
        maximum appear in the order they were sampled; a bin with one sample
        gives one point.

    Raises
    ------
    ValueError
        If the lengths differ, ``columns < 1`` or ``hi <= lo``.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D and of equal length: {x.shape} != {y.shape}")
    if columns < 1 or not hi > lo:
        raise ValueError(f"need columns >= 1 and hi > lo, got {columns}, [{lo}, {hi}]")
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        return np.empty(0), np.empty(0)

    segment = np.cumsum(~finite)[finite]  # a gap starts a new segment
    xs = x[finite]
    ys = y[finite]
    col = np.floor((xs - lo) * (columns / (hi - lo)))
    np.clip(col, -1, columns, out=col)  # one overflow bin on each side

    # groups: runs of equal (segment, column); data is ordered, so runs are contiguous
    new_group = np.empty(xs.size, dtype=bool)
    new_group[0] = True
    np.not_equal(col[1:], col[:-1], out=new_group[1:])
    new_group[1:] |= segment[1:] != segment[:-1]
    starts = np.flatnonzero(new_group)
    sizes = np.diff(np.append(starts, xs.size))
    group = np.repeat(np.arange(starts.size), sizes)

    # first index of each group's minimum and maximum, all in O(n)
    i_min = _first_per_group(ys == np.repeat(np.minimum.reduceat(ys, starts), sizes), group)
    i_max = _first_per_group(ys == np.repeat(np.maximum.reduceat(ys, starts), sizes), group)
    first = np.minimum(i_min, i_max)
    second = np.maximum(i_min, i_max)

    # interleave (first, second) per group; drop the second when it is the same sample
    picks = np.column_stack((first, second)).ravel()
    keep = np.ones(picks.size, dtype=bool)
    keep[1::2] = second != first
    picks = picks[keep]
    out_x = xs[picks]
    out_y = ys[picks]

    # put a NaN point where the segment changes
    seg = segment[picks]
    breaks = np.flatnonzero(seg[1:] != seg[:-1]) + 1
    if breaks.size:
        out_x = np.insert(out_x, breaks, out_x[breaks - 1])
        out_y = np.insert(out_y, breaks, np.nan)
    return out_x, out_y


def _first_per_group(hit: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Index of the first ``True`` of ``hit`` in each group (every group has one)."""
    idx = np.flatnonzero(hit)
    g = group[idx]
    first = np.empty(idx.size, dtype=bool)
    first[0] = True
    np.not_equal(g[1:], g[:-1], out=first[1:])
    return idx[first]


def dedupe_pixels(px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Indices of path points to keep so that no two consecutive ones share a pixel.

    Parameters
    ----------
    px, py : numpy.ndarray
        Pixel (display) coordinates of a path, in path order.

    Returns
    -------
    numpy.ndarray
        Increasing integer indices into the path. The first and the last
        point are always kept, and so is every non-finite point (a gap).
    """
    px = np.floor(np.asarray(px, dtype=np.float64))
    py = np.floor(np.asarray(py, dtype=np.float64))
    n = px.size
    if n <= 2:
        return np.arange(n)
    keep = np.empty(n, dtype=bool)
    keep[0] = True
    keep[-1] = True
    # NaN != NaN, so gaps are always kept
    keep[1:-1] = (px[1:-1] != px[:-2]) | (py[1:-1] != py[:-2])
    return np.flatnonzero(keep)
