"""One frame drawn: the RGB image, its mono image and the plot area. Pure logic, no CA.

The one function both the render thread
(:class:`~chartioc.iocs.chart.render_loop.RenderLoop`) and a render worker
process (:mod:`~chartioc.iocs.chart.render_workers`) draw a frame with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chartioc.iocs.chart.model import ChartSnapshot
from chartioc.iocs.chart.render.renderer import ChartRenderer

__all__ = ["Drawn", "draw_frame", "to_mono"]

_LUMA = np.array([299, 587, 114], dtype=np.uint32)


def to_mono(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma of an (H, W, 3) uint8 frame, as (H, W) uint8 (integer maths)."""
    return ((rgb.astype(np.uint32) @ _LUMA + 500) // 1000).astype(np.uint8)


@dataclass(frozen=True)
class Drawn:
    """A drawn frame: (H, W, 3) and (H, W) uint8 (None: not asked for), and the plot area
    (see ``geometry()``)."""

    rgb: np.ndarray
    mono: np.ndarray | None
    pixels: tuple[float, ...]
    limits: tuple[float, ...]


def draw_frame(
    renderer: ChartRenderer, snapshot: ChartSnapshot, width: int, height: int, mono: bool = True
) -> Drawn:
    """Draw ``snapshot`` with ``renderer`` at ``width`` x ``height`` (resized if need be);
    its mono image too unless ``mono`` is False."""
    if (renderer.width, renderer.height) != (width, height):
        renderer.resize(width, height)
    rgb = renderer.render(snapshot)
    pixels, limits = renderer.geometry()
    return Drawn(
        rgb,
        to_mono(rgb) if mono else None,
        tuple(float(v) for v in pixels),
        tuple(float(v) for v in limits),
    )
