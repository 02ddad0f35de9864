"""Chart renderer: ChartSnapshot -> RGB uint8 frame with matplotlib Agg (no pyplot, no CA).

>>> from chartioc.iocs.chart.render import ChartRenderer
>>> renderer = ChartRenderer(640, 480)
>>> frame = renderer.render(snapshot)  # doctest: +SKIP
>>> frame.shape, frame.dtype  # doctest: +SKIP
((480, 640, 3), dtype('uint8'))
"""

from chartioc.iocs.chart.render.decimate import dedupe_pixels, minmax_decimate
from chartioc.iocs.chart.render.renderer import ChartRenderer
from chartioc.iocs.chart.render.style import DISCONNECTED_COLOUR, TRACE_COLOURS

__all__ = [
    "DISCONNECTED_COLOUR",
    "TRACE_COLOURS",
    "ChartRenderer",
    "dedupe_pixels",
    "minmax_decimate",
]
