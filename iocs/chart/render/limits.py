"""Axis limits that follow the data without moving on every frame.

A chart can only blit while its axes stay still. :class:`HysteresisLimits`
grows at once when the data reaches or leaves the limits, and shrinks only
when the data fills less than a fraction of the range. It grows in steps:
to at least ``growth`` times the old span, the headroom on the side the
data left by, so that data moving on (a motor leaving its rest position)
takes a full redraw every time its range grows by half, not every frame
(a 10 % margin alone would be reached again a frame or two later). And
it shrinks only after the data has filled too little of it, and not
spread, for ``shrink_after`` updates in a row: a motor leaving its rest position fills
little of the range it had at rest at first, and would otherwise shrink it
to its first small steps and then grow it again, redraw after redraw.
"""

from __future__ import annotations

import math

__all__ = ["SHRINK_AFTER", "SHRINK_LATEST_FACTOR", "HysteresisLimits", "padded"]

#: Updates in a row with the data filling too little of the range (and not spreading)
#: before it shrinks: about 1 s of frames at 20 frames/s.
SHRINK_AFTER = 20
#: It shrinks after this many times ``shrink_after`` updates in a row with the data filling
#: too little of the range even if the data keeps spreading (noise, a drift: a window's
#: range often has a new low or high), so an old spike's scale never stays for good.
SHRINK_LATEST_FACTOR = 5


def padded(lo: float, hi: float, margin: float) -> tuple[float, float]:
    """Return ``[lo, hi]`` widened by ``margin`` times its span on each side.

    A zero span is widened by 5 % of the value (0.5 when the value is 0).
    """
    span = hi - lo
    pad = span * margin
    if not pad > 0:
        pad = 0.05 * abs(lo) if lo != 0 else 0.5
    # keep a span that float64 can resolve around large values
    pad = max(pad, 1e-9 * max(abs(lo), abs(hi)))
    return lo - pad, hi + pad


class HysteresisLimits:
    """One axis range that changes only when it has to.

    Parameters
    ----------
    margin : float
        Padding added on each side, as a fraction of the data span, whenever
        the limits are recomputed.
    shrink_below : float
        Shrink when the data span is below this fraction of the limits' span.
    default : tuple of float
        Limits while no finite data has been seen.
    growth : float
        When the data leaves the limits, the new span is at least this many
        times the old one (1: just the data range with its margin), but never
        so wide that the data would fill less than ``shrink_below`` of it
        (which would shrink it again on the next update).
    shrink_after : int
        Shrink only when this many updates in a row would shrink, the data
        range not spreading (a new low or high) in any of them; or when five
        times as many in a row would shrink, spreading or not.
    """

    def __init__(
        self,
        margin: float = 0.1,
        shrink_below: float = 0.5,
        default: tuple[float, float] = (0.0, 1.0),
        growth: float = 1.5,
        shrink_after: int = SHRINK_AFTER,
    ) -> None:
        self.margin = margin
        self.shrink_below = shrink_below
        self.default = default
        self.growth = growth
        self.shrink_after = shrink_after
        self._small = 0  # updates in a row that would shrink
        self._quiet = 0  # of those, in a row with the data not spreading
        self._seen: tuple[float, float] | None = None  # the last data range
        self._limits: tuple[float, float] | None = None

    @property
    def limits(self) -> tuple[float, float]:
        """Current ``(low, high)``."""
        return self._limits if self._limits is not None else self.default

    def reset(self) -> None:
        """Forget the data seen; back to :attr:`default`."""
        self._limits = None
        self._small = self._quiet = 0
        self._seen = None

    def hold(self, lo: float, hi: float) -> tuple[float, float]:
        """Set the limits to exactly ``(lo, hi)`` (no margin, no hysteresis)."""
        self._limits = (lo, hi)
        return self._limits

    def update(self, lo: float, hi: float) -> tuple[float, float]:
        """Take the data range ``[lo, hi]`` and return the (possibly unchanged) limits.

        Non-finite bounds (no data) leave the limits as they are.
        """
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return self.limits
        if hi < lo:
            lo, hi = hi, lo
        cur = self._limits
        below = cur is not None and lo <= cur[0]  # data on the edge is half hidden: grow
        above = cur is not None and hi >= cur[1]
        small = cur is not None and (hi - lo) < self.shrink_below * (cur[1] - cur[0])
        spreading = self._seen is not None and (lo < self._seen[0] or hi > self._seen[1])
        self._seen = (lo, hi)
        self._small = self._small + 1 if small else 0
        self._quiet = self._quiet + 1 if small and not spreading else 0
        latest = SHRINK_LATEST_FACTOR * self.shrink_after
        shrink = small and (self._quiet >= self.shrink_after or self._small >= latest)
        if cur is None or below or above or shrink:
            new = padded(lo, hi, self.margin)
            if cur is not None and not shrink:
                new = self._headroom(new, cur, hi - lo, below, above)
            # a constant signal would otherwise be "shrunk" to the same range every frame
            if cur is None or new != cur:
                self._limits = new
        return self.limits

    def _headroom(
        self,
        new: tuple[float, float],
        cur: tuple[float, float],
        data_span: float,
        below: bool,
        above: bool,
    ) -> tuple[float, float]:
        """Widen ``new`` on the side(s) the data left by, to ``growth`` times ``cur``'s span."""
        target = self.growth * (cur[1] - cur[0])
        if self.shrink_below > 0:  # not so wide that the next update shrinks it back
            target = min(target, data_span / (1.1 * self.shrink_below))
        extra = target - (new[1] - new[0])
        if not extra > 0:
            return new
        if above and not below:
            return new[0], new[1] + extra
        if below and not above:
            return new[0] - extra, new[1]
        return new[0] - extra / 2, new[1] + extra / 2
