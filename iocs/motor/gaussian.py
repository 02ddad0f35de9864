"""The simulated detector's formula and bounds: pure logic, no Channel Access.

:mod:`chartioc.iocs.motor.detector` serves it as a caproto group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from chartioc.iocs.motor.axis import positive, within

__all__ = ["MAX_COUNTS", "SIGMA_RANGE", "check_sigma", "gaussian"]

#: Largest magnitude of amp, bkg and noise (counts): a reading always stays finite.
MAX_COUNTS = 1e12
#: Narrowest and widest peak (sigma, EGU of the motors): 2 sigma^2 never underflows to 0.
SIGMA_RANGE = (1e-9, 1e9)


def gaussian(
    positions: Sequence[float],
    centres: Sequence[float],
    sigma: float,
    amplitude: float,
    background: float = 0.0,
) -> float:
    """``background + amplitude * exp(-|p - c|^2 / (2 sigma^2))`` over all axes."""
    r2 = sum((p - c) ** 2 for p, c in zip(positions, centres, strict=True))
    return background + amplitude * math.exp(-r2 / (2.0 * sigma * sigma))


def check_sigma(value: object) -> float:
    """``value`` as a peak width: a number > 0 within :data:`SIGMA_RANGE`; else ValueError."""
    return within(positive(value, "sigma"), "sigma", *SIGMA_RANGE)
