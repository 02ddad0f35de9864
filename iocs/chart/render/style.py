"""Fixed colours, sizes and label helpers shared by every chart kind.

Colours are fixed so that a frame can be checked pixel by pixel: series
``i`` is always drawn in ``TRACE_COLOURS[i % len(TRACE_COLOURS)]`` (the first
one, ``#1f77b4``, is what tests look for), and no trace colour is the pure
red of :data:`DISCONNECTED_COLOUR`.
"""

from __future__ import annotations

__all__ = [
    "CEN_COLOUR",
    "CROSSHAIR_COLOUR",
    "DISCONNECTED_COLOUR",
    "FIT_COLOUR",
    "FWHM_COLOUR",
    "LIMIT_BOX_COLOUR",
    "MAX_COLOUR",
    "MESSAGE_COLOUR",
    "OLD_POINTS_TINT",
    "PROBLEM_COLOUR",
    "TRACE_COLOURS",
    "axis_label",
    "hex_to_rgb",
    "tint",
]

#: Trace colour of series index ``i`` is ``TRACE_COLOURS[i % len(TRACE_COLOURS)]``
#: (matplotlib's tab10 order, with its green and purple kept for the peak markers).
TRACE_COLOURS: tuple[str, ...] = (
    "#1f77b4",  # blue
    "#d62728",  # brick red
    "#ff7f0e",  # orange
    "#8c564b",  # brown
    "#e377c2",  # pink
    "#7f7f7f",  # grey
    "#bcbd22",  # olive
    "#17becf",  # cyan
)
#: Text colour of the "DISCONNECTED: <label>" banner (pure red, used nowhere else).
DISCONNECTED_COLOUR = "#ff0000"
#: Text and outline of the frame that says why the settings cannot draw (used nowhere else).
PROBLEM_COLOUR = "#b0006a"
#: Text of the centred message of a chart with nothing to draw ("waiting for data: ...").
MESSAGE_COLOUR = "#505050"
#: xy: points the statistics do not cover are drawn in their colour mixed with this much white.
OLD_POINTS_TINT = 0.6
#: xy: vertical line at ``cen`` of the peak statistics.
CEN_COLOUR = "#2ca02c"
#: xy: horizontal bar of width ``fwhm`` at half maximum.
FWHM_COLOUR = "#9467bd"
#: xy: the fitted Gaussian (dashed).
FIT_COLOUR = "#d95f02"
#: xy: marker at the maximum.
MAX_COLOUR = "#000000"
#: map: crosshair through the newest point.
CROSSHAIR_COLOUR = "#000000"
#: map: outline of the soft-limit box.
LIMIT_BOX_COLOUR = "#2ca02c"

TRACE_WIDTH = 2.0
TITLE_SIZE = 11.0
LABEL_SIZE = 10.0
TICK_SIZE = 9.0
BANNER_SIZE = 12.0

#: Margins around the axes in pixels (left, right, top, bottom), at full size.
MARGINS_PX = (72, 16, 34, 44)


def axis_label(label: str, units: str = "") -> str:
    """Return ``"label (units)"``, or just the label when there are no units."""
    label = label.strip()
    units = units.strip()
    if units and label:
        return f"{label} ({units})"
    return label or units


def tint(colour: str, white: float) -> str:
    """``colour`` mixed with ``white`` (0..1) parts of white, as ``"#rrggbb"``."""
    r, g, b = (round(c + (255 - c) * white) for c in hex_to_rgb(colour))
    return f"#{r:02x}{g:02x}{b:02x}"


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """Convert ``"#rrggbb"`` to an ``(r, g, b)`` tuple of ints."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
