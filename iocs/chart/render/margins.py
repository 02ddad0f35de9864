"""The plot area's margins: measured from the decorations, fitted into the frame.

Margins are pixels ``(left, right, top, bottom)`` between the frame's edges
and the axes. :func:`fit_margins` measures how far a painter's decorations
(tick labels, axis labels, title, legend, colour bar) reach beyond the axes
and grows the margins to hold them; when they would take more than half the
frame it steps the painter down a detail level (see
:meth:`~chartioc.iocs.chart.render.base.Painter.set_detail`). Pure geometry
and matplotlib measuring; the renderer keeps the figure and the canvas.
"""

from __future__ import annotations

from matplotlib.backend_bases import RendererBase

from chartioc.iocs.chart.render.base import DETAIL_LEVELS, Painter
from chartioc.iocs.chart.render.layout import PAD_PX
from chartioc.iocs.chart.render.style import MARGINS_PX

__all__ = ["MIN_PLOT_FRACTION", "Margins", "axes_rect", "default_margins", "fit_margins"]

#: Pixels between the frame's edges and the axes: left, right, top, bottom.
Margins = tuple[float, float, float, float]

#: The plot area keeps at least this fraction of each side; decorations give way first.
MIN_PLOT_FRACTION = 0.5
#: Layout passes, beyond the detail steps, to let the margins settle.
_LAYOUT_PASSES = 4


def default_margins(width: int, height: int) -> Margins:
    """The margins before any layout: ``MARGINS_PX``, capped on small frames.

    Parameters
    ----------
    width, height : int
        Frame size in pixels.
    """
    left, right, top, bottom = MARGINS_PX
    # small frames: never give the margins more than 40 % of a side
    return (
        min(left, 0.25 * width),
        min(right, 0.05 * width),
        min(top, 0.15 * height),
        min(bottom, 0.25 * height),
    )


def axes_rect(width: int, height: int, margins: Margins) -> tuple[float, float, float, float]:
    """Axes position ``(left, bottom, width, height)`` in figure fractions from pixel margins."""
    left, right, top, bottom = margins
    return (
        left / width,
        bottom / height,
        (width - left - right) / width,
        (height - top - bottom) / height,
    )


def _overhang(
    painter: Painter, renderer: RendererBase, width: int, height: int, margins: Margins
) -> Margins:
    """How far the decorations reach beyond the plot rectangle (left, right, top, bottom)."""
    left, right, top, bottom = margins
    x0, x1, y0, y1 = left, width - right, bottom, height - top
    reach = [0.0, 0.0, 0.0, 0.0]
    for ax in painter.axes_list():
        box = ax.get_tightbbox(renderer)
        if box is None:
            continue
        reach[0] = max(reach[0], x0 - box.x0)
        reach[1] = max(reach[1], box.x1 - x1)
        reach[2] = max(reach[2], box.y1 - y1)
        reach[3] = max(reach[3], y0 - box.y0)
    return reach[0], reach[1], reach[2], reach[3]


def fit_margins(
    painter: Painter, renderer: RendererBase, width: int, height: int, margins: Margins
) -> Margins:
    """Margins that hold every decoration, at the most detail that leaves room to plot.

    Width and height are handled apart: when the y-axis decorations leave
    too little width, they give way (``across`` level); when the title,
    legend and x-axis decorations leave too little height, those do
    (``down`` level). See :meth:`Painter.set_detail`.

    Parameters
    ----------
    painter : Painter
        The chart's painter, its static parts applied; it is placed and its
        texts fitted at the margins returned.
    renderer : matplotlib.backend_bases.RendererBase
        The canvas' renderer, to measure the decorations with.
    width, height : int
        Frame size in pixels.
    margins : Margins
        Where to start: the last frame's margins, or :func:`default_margins`.

    Returns
    -------
    Margins
        The margins the painter is placed at; they grow at once and shrink
        only by more than 4 px, so they do not jitter between frames.
    """
    w, h = width, height
    across = down = 0
    top = DETAIL_LEVELS - 1
    painter.begin_layout()
    for _ in range(2 * DETAIL_LEVELS + _LAYOUT_PASSES):
        painter.set_detail(across, down)
        painter.place(axes_rect(w, h, margins))
        painter.fit_texts(renderer, w, h)
        reach = _overhang(painter, renderer, w, h, margins)
        wanted = [max(r, 0.0) + PAD_PX for r in reach]
        wide_enough = w - wanted[0] - wanted[1] >= MIN_PLOT_FRACTION * w
        tall_enough = h - wanted[2] - wanted[3] >= MIN_PLOT_FRACTION * h
        if not wide_enough and across < top:
            across += 1
            continue
        if not tall_enough and down < top:
            down += 1
            continue
        if not wide_enough:
            wanted[0], wanted[1] = min(wanted[0], 0.25 * w), min(wanted[1], 0.25 * w)
        if not tall_enough:
            wanted[2], wanted[3] = min(wanted[2], 0.25 * h), min(wanted[3], 0.25 * h)
        # grow at once; shrink only by more than 4 px (no jitter between frames)
        new = tuple(
            want if want > have or want < have - 4 else have
            for want, have in zip(wanted, margins, strict=True)
        )
        if new == margins:
            break
        margins = new  # type: ignore[assignment]
    else:
        painter.place(axes_rect(w, h, margins))
        painter.fit_texts(renderer, w, h)
    return margins
