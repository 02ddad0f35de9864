"""What the chart IOC hands the renderer: plain, immutable data (no CA, no matplotlib).

The chart IOC keeps the histories and pairs samples; the renderer draws a
:class:`ChartSnapshot` and knows nothing of Channel Access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from chartioc.iocs.chart.fit import FitResult

__all__ = ["CHART_KINDS", "ChartKind", "ChartSnapshot", "PeakStats", "Series", "label"]

ChartKind = Literal["strip", "xy", "map", "grid"]
#: Chart kinds in the order of the chart IOC's ``Kind`` enum PV.
CHART_KINDS: tuple[ChartKind, ...] = ("strip", "xy", "map", "grid")


def label(pvname: str) -> str:
    """``BEAMLINE:motor.RBV`` -> ``motor.RBV``: the last part after the prefix."""
    return pvname.rsplit(":", 1)[-1] or pvname


@dataclass(frozen=True)
class Series:
    """One plotted quantity.

    ``values`` holds float64 samples; NaN marks a gap (the source was
    disconnected). ``times`` holds the server time stamps (seconds since the
    epoch) of the samples, same length as ``values``. ``problem`` says why a
    source is not charted (``a string``, ``an image``, ``not found``), '' if
    nothing is wrong or it was lost; such a series has ``connected`` False.
    """

    name: str  #: PV name, e.g. ``BEAMLINE:motor.RBV``
    label: str  #: short label for legends and axes, e.g. ``motor``
    units: str = ""
    precision: int = 3
    connected: bool = True
    problem: str = ""
    times: np.ndarray = field(default_factory=lambda: np.empty(0))
    values: np.ndarray = field(default_factory=lambda: np.empty(0))


@dataclass(frozen=True)
class PeakStats:
    """Peak statistics of y against x, with the definitions of bluesky's ``PeakStats``.

    ``max``/``min`` are (x, y) pairs; ``cen`` is the midpoint of the
    half-maximum crossings, ``com`` the centre of mass, ``fwhm`` the full
    width at half maximum. Values that cannot be computed are NaN.
    """

    max: tuple[float, float]
    min: tuple[float, float]
    cen: float
    com: float
    fwhm: float
    npoints: int


@dataclass(frozen=True)
class ChartSnapshot:
    """Everything one frame shows.

    ``strip``: ``x`` is None; each series in ``ys`` is drawn against its own
    ``times - now`` (seconds ago) over ``[-window, 0]``.
    ``xy``: ``x`` and the single series in ``ys`` have aligned samples
    (same length); peak markers from ``peak`` when given.
    ``map``: ``x`` and ``ys[0]`` are two motors' aligned positions, drawn as a
    fading trail with a crosshair at the newest point and the soft-limit box
    ``x_limits`` by ``y_limits`` (each ``(low, high)`` or None).
    ``xy`` also draws the curve of ``fit`` when it is ok.
    ``grid``: ``x`` and ``ys[0]`` are two motors' positions and ``z`` the value
    measured there, all aligned; each value fills the cell at its position,
    coloured with ``colormap`` between ``color_limits`` (None: the data's
    range).

    ``sweeps`` (xy) are the indices of ``x`` where a new sweep begins (x turned
    round, see :mod:`~chartioc.iocs.chart.sweeps`): the line is broken there.
    ``peak_range`` is ``(start, stop)`` of the points ``peak`` was computed
    from (None: all of them) and ``peak_basis`` says in words which points
    those are (``"scan points"``, ``"last sweep"``).
    ``message`` is what the frame says when there is nothing to draw
    (``"waiting for data: BL:det"``); ``problem`` (not empty) means the
    settings cannot draw at all, and the frame says why instead of a chart.
    """

    kind: ChartKind
    now: float
    window: float
    ys: tuple[Series, ...]
    x: Series | None = None
    title: str = ""
    peak: PeakStats | None = None
    x_limits: tuple[float, float] | None = None
    y_limits: tuple[float, float] | None = None
    fit: FitResult | None = None
    z: Series | None = None
    colormap: str = "viridis"
    color_limits: tuple[float, float] | None = None
    sweeps: tuple[int, ...] = ()
    peak_range: tuple[int, int] | None = None
    peak_basis: str = ""
    message: str = ""
    problem: str = ""

    def newest_time(self, default: float) -> float:
        """Server time stamp of the newest sample shown, or ``default`` with none.

        The chart IOC stamps each frame with it: viewers see how old the
        data is, and a benchmark can measure the latency from a source's
        update to the first frame that shows it.
        """
        series = [*self.ys, *(s for s in (self.x, self.z) if s is not None)]
        newest = [float(s.times[-1]) for s in series if len(s.times)]
        return max(newest) if newest else default
