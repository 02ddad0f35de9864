"""Grid cells: points placed by position (pure logic)."""

from __future__ import annotations

import numpy as np
import pytest

from chartioc.iocs.chart.grid_cells import grid_cells


def raster(nx: int = 4, ny: int = 3, snake: bool = False):
    xs, ys, zs = [], [], []
    for j in range(ny):
        row = range(nx) if not (snake and j % 2) else reversed(range(nx))
        for i in row:
            xs.append(0.5 * i)
            ys.append(-1.0 + j)
            zs.append(10.0 * j + i)
    return np.array(xs), np.array(ys), np.array(zs)


@pytest.mark.parametrize("snake", [False, True])
def test_cells_follow_positions_not_sequence(snake: bool) -> None:
    cells = grid_cells(*raster(snake=snake))
    assert cells.shape == (3, 4)
    np.testing.assert_array_equal(cells.x_centres, [0.0, 0.5, 1.0, 1.5])
    np.testing.assert_array_equal(cells.y_centres, [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(cells.values, 10.0 * np.arange(3)[:, None] + np.arange(4))
    np.testing.assert_allclose(cells.x_edges, [-0.25, 0.25, 0.75, 1.25, 1.75])
    np.testing.assert_allclose(cells.y_edges, [-1.5, -0.5, 0.5, 1.5])


def test_the_newest_value_of_a_cell_wins_and_missing_cells_are_nan() -> None:
    x = np.array([0.0, 1.0, 0.0, 0.0])
    y = np.array([0.0, 0.0, 1.0, 0.0])
    z = np.array([1.0, 2.0, 3.0, 4.0])
    cells = grid_cells(x, y, z)
    assert cells.values[0, 0] == 4.0 and cells.values[0, 1] == 2.0
    assert cells.values[1, 0] == 3.0 and np.isnan(cells.values[1, 1])


def test_rounding_differences_share_a_cell() -> None:
    x = np.array([0.0, 1.0, 1.0 + 1e-12, 2.0])
    cells = grid_cells(x, np.zeros(4), np.arange(4.0))
    assert cells.shape == (1, 3) and cells.values[0, 1] == 2.0


def test_nan_points_are_skipped_and_empty_input_gives_no_cells() -> None:
    cells = grid_cells([0.0, np.nan, 1.0], [0.0, 0.0, np.nan], [1.0, 2.0, 3.0])
    assert cells.shape == (1, 1) and cells.values[0, 0] == 1.0
    np.testing.assert_array_equal(cells.x_edges, [-0.5, 0.5])
    assert grid_cells([], [], []).shape == (0, 0)


def test_a_continuous_sweep_is_binned() -> None:
    x = np.linspace(0.0, 10.0, 5000)
    cells = grid_cells(x, np.zeros_like(x), x, max_cells=50)
    assert cells.shape == (1, 50)
    assert cells.x_edges[0] == 0.0 and cells.x_edges[-1] == 10.0
    assert np.all(np.diff(cells.values[0]) > 0)  # each bin holds its own newest x


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        grid_cells([0.0], [0.0, 1.0], [0.0])
    with pytest.raises(ValueError, match="max_cells"):
        grid_cells([0.0], [0.0], [0.0], max_cells=0)
