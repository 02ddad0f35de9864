"""Cells of the ``grid`` chart: scattered (x, y, value) points onto a rectangular grid.

Pure logic. Each point lands in the cell of its own x and y position, never
by its sequence number, so a scan's shape, direction or snake order does
not matter. The cell centres along an axis are the distinct positions seen
(positions closer than :data:`MERGE_FRACTION` of the axis span count as one,
so readbacks that differ by rounding share a cell). With more distinct
positions than ``max_cells`` (a continuous sweep rather than a step scan)
the axis is cut into ``max_cells`` equal bins instead. The newest value of a
cell wins, so a repeated scan overwrites the previous one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["MAX_CELLS", "MERGE_FRACTION", "GridCells", "axis_cells", "grid_cells"]

#: Most cells along one axis.
MAX_CELLS = 200
#: Positions closer than this fraction of the axis span share a cell.
MERGE_FRACTION = 1e-6


@dataclass(frozen=True)
class GridCells:
    """A rectangular grid: ``values[j, i]`` is the cell at ``x_centres[i]``, ``y_centres[j]``.

    ``x_edges``/``y_edges`` have one more element than the centres; empty
    cells are NaN.
    """

    x_centres: np.ndarray
    y_centres: np.ndarray
    x_edges: np.ndarray
    y_edges: np.ndarray
    values: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)`` = (cells along y, cells along x)."""
        rows, columns = self.values.shape
        return rows, columns


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges half way between centres; the outer cells as wide as their neighbour."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mids = (centres[1:] + centres[:-1]) / 2
    first = centres[0] - (mids[0] - centres[0])
    last = centres[-1] + (centres[-1] - mids[-1])
    return np.concatenate(([first], mids, [last]))


def axis_cells(
    positions: np.ndarray, max_cells: int = MAX_CELLS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells along one axis: ``(centres, edges, index of each position's cell)``.

    ``positions`` must be finite and non-empty.
    """
    distinct = np.unique(positions)
    span = float(distinct[-1] - distinct[0])
    if distinct.size > 1:
        # merge positions closer than a tiny fraction of the span
        keep = np.concatenate(([True], np.diff(distinct) > MERGE_FRACTION * span))
        distinct = distinct[keep]
    if distinct.size <= max_cells:
        edges = _edges(distinct)
        index = np.searchsorted(edges, positions, side="right") - 1
        return distinct, edges, np.clip(index, 0, distinct.size - 1)
    edges = np.linspace(distinct[0], distinct[-1], max_cells + 1)
    centres = (edges[1:] + edges[:-1]) / 2
    index = np.clip(np.searchsorted(edges, positions, side="right") - 1, 0, max_cells - 1)
    return centres, edges, index


def grid_cells(x: ArrayLike, y: ArrayLike, z: ArrayLike, max_cells: int = MAX_CELLS) -> GridCells:
    """Place each (x, y, z) point in its cell; the newest point of a cell wins.

    Points with a NaN in x, y or z are skipped. With no valid point the grid
    is empty (zero cells).

    Raises
    ------
    ValueError
        If the arrays differ in length or ``max_cells`` < 1.
    """
    xa, ya, za = (np.asarray(a, dtype=np.float64).ravel() for a in (x, y, z))
    if not xa.size == ya.size == za.size:
        raise ValueError(f"x, y, z differ in length: {xa.size}, {ya.size}, {za.size}")
    if max_cells < 1:
        raise ValueError("max_cells must be at least 1")
    keep = np.isfinite(xa) & np.isfinite(ya) & np.isfinite(za)
    xa, ya, za = xa[keep], ya[keep], za[keep]
    if xa.size == 0:
        empty = np.empty(0)
        return GridCells(empty, empty, empty, empty, np.empty((0, 0)))
    xc, xe, xi = axis_cells(xa, max_cells)
    yc, ye, yi = axis_cells(ya, max_cells)
    values = np.full((yc.size, xc.size), np.nan)
    flat = yi * xc.size + xi
    # the newest point of each cell: first occurrence in the reversed order
    _, first_reversed = np.unique(flat[::-1], return_index=True)
    newest = flat.size - 1 - first_reversed
    values.flat[flat[newest]] = za[newest]
    return GridCells(xc, yc, xe, ye, values)
