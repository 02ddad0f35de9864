"""Fitting text into a frame of any allowed size (64 to 2048 pixels a side).

Pure helpers over matplotlib artists and a renderer (no pyplot, no CA):
:func:`font_scale` shrinks the fonts of small frames, :func:`fit_lines`
shrinks a multi-line text (and drops its least important lines, then cuts
the last one with an ellipsis) until its box fits a given size, and
:func:`wrap_words` breaks a message into lines that fit a width.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import cast

from matplotlib.axis import Axis, XAxis
from matplotlib.backend_bases import RendererBase
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

__all__ = [
    "BOX_PAD",
    "MIN_FONT",
    "PAD_PX",
    "box_size",
    "fit_lines",
    "font_scale",
    "line_scale",
    "pt_to_px",
    "thin_ticks",
    "wrap_words",
]

#: Smallest font drawn, in points (about 7 pixels at 100 dpi).
MIN_FONT = 5.0
#: Space kept between any text and the frame's edge, in pixels.
PAD_PX = 3.0
#: Padding of a text's box (``bbox``) as a fraction of its font size.
BOX_PAD = 0.3
ELLIPSIS = "\u2026"


def font_scale(width: int, height: int) -> float:
    """Scale for every font of a ``width`` x ``height`` frame: 1 from 480 x 360 up, 0.6 at least."""
    return min(1.0, max(0.6, min(width / 480.0, height / 360.0)))


def line_scale(width: int, height: int) -> float:
    """Scale for line widths and markers: 1 from 200 px a side up, 0.5 at least (thumbnails)."""
    return min(1.0, max(0.5, min(width, height) / 200.0))


def pt_to_px(points: float, dpi: float) -> float:
    """Points to pixels."""
    return points * dpi / 72.0


def box_size(text: Text, renderer: RendererBase) -> tuple[float, float]:
    """Width and height in pixels of ``text`` with its box (``BOX_PAD`` and a 1 px edge).

    matplotlib measures a hidden text as an empty box: make it visible first.
    """
    box = text.get_window_extent(renderer)
    pad = 0.0
    if text.get_bbox_patch() is not None:
        size = float(text.get_fontsize())
        dpi = cast(float, renderer.points_to_pixels(72.0))  # a float for a float
        pad = 2 * (pt_to_px(BOX_PAD * size, dpi) + 1)
    return box.width + pad, box.height + pad


def _fits(text: Text, renderer: RendererBase, max_w: float, max_h: float) -> bool:
    """Whether the (visible) ``text`` with its box fits ``max_w`` x ``max_h`` pixels."""
    w, h = box_size(text, renderer)
    return w <= max_w and h <= max_h


def fit_lines(
    text: Text,
    lines: Sequence[tuple[int, str]],
    renderer: RendererBase,
    max_w: float,
    max_h: float,
    size: float,
    min_size: float = MIN_FONT,
    cut: bool = True,
) -> bool:
    """Set ``text`` to as many of ``lines`` as fit ``max_w`` x ``max_h`` pixels.

    Parameters
    ----------
    text : matplotlib.text.Text
        The artist; its string, font size and visibility are set.
    lines : sequence of (int, str)
        ``(priority, line)`` in display order; the line with the largest
        priority number is dropped first.
    renderer : RendererBase
        The canvas renderer, for text extents.
    max_w, max_h : float
        The room, in pixels, for the text and its box.
    size : float
        Preferred font size in points; shrunk in steps down to ``min_size``.
    cut : bool
        Whether the last line kept may be cut with an ellipsis when it is
        too wide on its own at ``min_size``.

    Returns
    -------
    bool
        False (and the text hidden) when not even one line fits at
        ``min_size`` (after cutting, when allowed).
    """
    sizes = [size]
    while sizes[-1] * 0.85 > min_size:
        sizes.append(sizes[-1] * 0.85)
    if sizes[-1] > min_size:
        sizes.append(min_size)
    text.set_visible(True)  # a hidden text measures as an empty box
    kept = list(lines)
    while kept:
        body = "\n".join(line for _, line in kept)
        text.set_text(body)
        for s in sizes:
            text.set_fontsize(s)
            if _fits(text, renderer, max_w, max_h):
                text.set_visible(True)
                return True
        if len(kept) == 1:
            break
        worst = max(range(len(kept)), key=lambda i: (kept[i][0], i))
        del kept[worst]
    if kept and cut:  # one line, too wide even at the smallest size: cut it
        line = kept[0][1]
        text.set_fontsize(min_size)
        while len(line) > 1:
            line = line[:-1]
            text.set_text(line.rstrip() + ELLIPSIS)
            if _fits(text, renderer, max_w, max_h):
                text.set_visible(True)
                return True
    text.set_visible(False)
    return False


def _tick_labels(axis: Axis) -> list[Text]:
    """The major tick labels of ``axis`` that will be drawn (inside the view, not empty)."""
    axis.get_majorticklabels()  # brings ticks, positions and texts up to date
    locs = axis.get_majorticklocs()
    lo, hi = sorted(axis.get_view_interval())
    slack = 1e-9 * max(abs(lo), abs(hi), hi - lo)
    labels = []
    for tick, loc in zip(axis.get_major_ticks(len(locs)), locs, strict=False):
        if lo - slack <= loc <= hi + slack:
            labels += [t for t in (tick.label1, tick.label2) if t.get_visible() and t.get_text()]
    return labels


def _overlapping(axis: Axis, renderer: RendererBase, gap: float) -> tuple[bool, int]:
    """Whether neighbouring tick labels of ``axis`` overlap (or nearly), and how many there are."""
    boxes = [t.get_window_extent(renderer) for t in _tick_labels(axis)]
    if isinstance(axis, XAxis):
        spans = sorted((b.x0, b.x1) for b in boxes)
    else:
        spans = sorted((b.y0, b.y1) for b in boxes)
    clash = any(nxt[0] - cur[1] < gap for cur, nxt in itertools.pairwise(spans))
    return clash, len(spans)


def thin_ticks(axis: Axis, renderer: RendererBase, gap: float = 2 * PAD_PX) -> bool:
    """Put fewer ticks on ``axis`` until its tick labels are apart by ``gap`` pixels.

    Returns True when the locator was replaced (by a ``MaxNLocator``).
    """
    clash, count = _overlapping(axis, renderer, gap)
    changed = False
    while clash and count > 1:
        nbins = max(count - 2, 1)
        axis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10], min_n_ticks=1))
        changed = True
        clash, new_count = _overlapping(axis, renderer, gap)
        if nbins == 1 or new_count >= count:
            break
        count = new_count
    return changed


def wrap_words(words: Sequence[str], text: Text, renderer: RendererBase, max_w: float) -> list[str]:
    """Join ``words`` (each kept whole, separated by a space) into lines no wider than ``max_w``.

    Measures with ``text``'s current font; the string of ``text`` is left
    at the last line measured. A single word wider than ``max_w`` is a line
    of its own (:func:`fit_lines` may then cut it).
    """
    text.set_visible(True)  # a hidden text measures as an empty box
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        text.set_text(candidate)
        if current and box_size(text, renderer)[0] > max_w:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
