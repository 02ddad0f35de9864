"""Pixel-level tests of the grid chart and the xy fit curve (pure: no Channel Access)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import colormaps

from chartioc.iocs.chart.fit import fit_gaussian, gaussian
from chartioc.iocs.chart.model import ChartSnapshot, Series
from chartioc.iocs.chart.render import DISCONNECTED_COLOUR, ChartRenderer
from chartioc.iocs.chart.render.style import FIT_COLOUR, hex_to_rgb

W, H = 480, 360
POSITIONS = np.linspace(-1.5, 1.5, 7)


def mask(frame: np.ndarray, rgb, tol: int = 3) -> np.ndarray:
    return np.all(np.abs(frame.astype(np.int16) - np.array(rgb, dtype=np.int16)) <= tol, axis=-1)


def grid_snap(
    z_of=lambda x, y: x + 10 * y,
    limits=None,
    colormap: str = "viridis",
    connected: bool = True,
) -> ChartSnapshot:
    gx, gy = np.meshgrid(POSITIONS, POSITIONS)
    x, y = gx.ravel(), gy.ravel()
    t = np.arange(x.size, dtype=float)
    return ChartSnapshot(
        "grid",
        t[-1],
        60.0,
        (Series("BL:m2.RBV", "m2.RBV", "mm", times=t, values=y),),
        x=Series("BL:m1.RBV", "m1.RBV", "mm", times=t, values=x),
        z=Series("BL:det", "det", "counts", times=t, values=z_of(x, y), connected=connected),
        colormap=colormap,
        color_limits=limits,
    )


def colour_at(frame: np.ndarray, renderer: ChartRenderer, x: float, y: float) -> np.ndarray:
    col, row = np.floor(renderer.data_to_pixel(x, y)).astype(int)
    return frame[row, col]


@pytest.fixture
def renderer() -> ChartRenderer:
    return ChartRenderer(W, H)


def test_grid_cells_are_where_their_positions_are(renderer: ChartRenderer) -> None:
    frame = renderer.render(grid_snap())
    cmap = colormaps["viridis"]
    low, high = -1.5 + 10 * -1.5, 1.5 + 10 * 1.5  # automatic limits: the data's range
    for x, y in ((-1.5, -1.5), (1.5, 1.5), (0.5, -1.0), (-1.0, 0.5)):
        want = np.round(np.array(cmap((x + 10 * y - low) / (high - low))[:3]) * 255)
        np.testing.assert_allclose(colour_at(frame, renderer, x, y), want, atol=2)
    pixels, limits = renderer.geometry()
    assert limits == pytest.approx((-1.75, 1.75, -1.75, 1.75))
    left, top, right, bottom = pixels
    assert 0 < left < right < W and 0 < top < bottom < H
    assert right < W - 50  # the colour bar and its labels sit to the right


def test_grid_blits_when_only_values_change(renderer: ChartRenderer) -> None:
    a = grid_snap(limits=(-20.0, 20.0))
    b = grid_snap(z_of=lambda x, y: -(x + 10 * y), limits=(-20.0, 20.0))
    full = renderer.render(a)
    renderer.render(b)
    blit = renderer.render(a)
    assert renderer.full_redraws == 1 and renderer.blits == 2
    assert np.abs(full.astype(int) - blit).max() <= 1


def test_grid_colour_limits_and_colormap(renderer: ChartRenderer) -> None:
    frame = renderer.render(grid_snap(z_of=lambda x, y: 0 * x + 5.0, limits=(0.0, 10.0)))
    mid = np.round(np.array(colormaps["viridis"](0.5)[:3]) * 255)
    np.testing.assert_allclose(colour_at(frame, renderer, 0.0, 0.0), mid, atol=2)
    frame = renderer.render(
        grid_snap(z_of=lambda x, y: 0 * x + 5.0, limits=(0.0, 10.0), colormap="gray")
    )
    np.testing.assert_allclose(colour_at(frame, renderer, 0.0, 0.0), [128, 128, 128], atol=2)


def test_grid_disconnected_banner_is_on_top_of_the_cells(renderer: ChartRenderer) -> None:
    frame = renderer.render(grid_snap(connected=False))
    assert mask(frame, hex_to_rgb(DISCONNECTED_COLOUR), tol=30).sum() > 50


def test_an_empty_grid_renders(renderer: ChartRenderer) -> None:
    snap = ChartSnapshot("grid", 0.0, 60.0, (Series("a", "a"),), x=Series("b", "b"), z=None)
    assert renderer.render(snap).shape == (H, W, 3)


def xy_snap(fit=None) -> ChartSnapshot:
    x = np.linspace(-3.0, 5.0, 17)
    y = gaussian(x, 100.0, 1.0, 0.6, 5.0)
    return ChartSnapshot(
        "xy",
        0.0,
        60.0,
        (Series("BL:det", "det", "counts", values=y),),
        x=Series("BL:m", "m", "mm", values=x),
        fit=fit if fit is None else fit_gaussian(x, y),
    )


def test_the_fit_curve_is_drawn_only_when_there_is_a_fit(renderer: ChartRenderer) -> None:
    without = renderer.render(xy_snap())
    assert mask(without, hex_to_rgb(FIT_COLOUR), tol=20).sum() == 0
    with_fit = renderer.render(xy_snap(fit=True))
    curve = mask(with_fit, hex_to_rgb(FIT_COLOUR), tol=20)
    assert curve.sum() > 100
    # the curve's highest pixel is above the fitted centre
    rows, cols = np.nonzero(curve)
    col = cols[rows == rows.min()].mean()
    assert col == pytest.approx(renderer.data_to_pixel(1.0, 0.0)[0], abs=4)
