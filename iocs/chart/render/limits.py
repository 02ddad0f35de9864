"""Axis limits that follow the data without moving on every frame.

A chart can only blit while its axes stay still. :class:`HysteresisLimits`
grows at once when the data reaches or leaves the limits (to the data range plus a
margin, so that slowly growing data does not trigger a redraw each frame)
and shrinks only when the data fills less than a fraction of the range.
"""

from __future__ import annotations

import math

__all__ = ["HysteresisLimits", "padded"]


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
    """

    def __init__(
        self,
        margin: float = 0.1,
        shrink_below: float = 0.5,
        default: tuple[float, float] = (0.0, 1.0),
    ) -> None:
        self.margin = margin
        self.shrink_below = shrink_below
        self.default = default
        self._limits: tuple[float, float] | None = None

    @property
    def limits(self) -> tuple[float, float]:
        """Current ``(low, high)``."""
        return self._limits if self._limits is not None else self.default

    def reset(self) -> None:
        """Forget the data seen; back to :attr:`default`."""
        self._limits = None

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
        if (
            cur is None
            or lo <= cur[0]  # data on the edge is half hidden: grow then too
            or hi >= cur[1]
            or (hi - lo) < self.shrink_below * (cur[1] - cur[0])
        ):
            new = padded(lo, hi, self.margin)
            # a constant signal would otherwise be "shrunk" to the same range every frame
            if cur is None or new != cur:
                self._limits = new
        return self.limits
