"""Simulated detector: a Gaussian of the motor positions, plus optional noise.

The formula is :func:`chartioc.iocs.motor.gaussian.gaussian` (pure);
:func:`make_detector_group` builds the caproto group that serves it, with one
centre PV per motor.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import numpy as np
from caproto.server import PVGroup, pvproperty

from chartioc.iocs.motor.axis import MAX_POSITION, finite, positive
from chartioc.iocs.motor.gaussian import MAX_COUNTS, check_sigma, gaussian

__all__ = ["make_detector_group"]


#: A caproto putter: (group, channel, value) -> the value to store.
Putter = Callable[[Any, Any, Any], Awaitable[float]]


def _checked_putter(check: Callable[[object], float]) -> Putter:
    """A putter that stores ``check(value)`` (which raises ValueError to refuse) and recomputes."""

    async def putter(group: Any, instance: Any, value: Any) -> float:
        number = check(value)
        group.schedule_update()
        return number

    return putter


class _DetectorBase(PVGroup):
    """Simulated detector ``{prefix}`` (e.g. ``BEAMLINE:det``).

    PVs
    ---
    ``{prefix}``            the reading, read only
    ``{prefix}:amp``        peak amplitude
    ``{prefix}:sigma``      peak width (standard deviation), > 0
    ``{prefix}:bkg``        constant background
    ``{prefix}:noise``      standard deviation of Gaussian noise, >= 0 (0: none)
    ``{prefix}:<motor>:cen`` peak centre along each motor
    """

    det = pvproperty(
        value=0.0,
        name="",
        read_only=True,
        precision=4,
        units="counts",
        doc="Simulated detector reading",
    )
    amp = pvproperty(
        value=1000.0,
        name=":amp",
        precision=3,
        units="counts",
        doc="Peak amplitude, |amp| <= MAX_COUNTS",
        put=_checked_putter(lambda v: finite(v, "amp", limit=MAX_COUNTS)),
    )
    sigma = pvproperty(
        value=1.0,
        name=":sigma",
        precision=4,
        units="mm",
        doc="Peak width (standard deviation), within SIGMA_RANGE",
        put=_checked_putter(check_sigma),
    )
    bkg = pvproperty(
        value=0.0,
        name=":bkg",
        precision=3,
        units="counts",
        doc="Constant background, |bkg| <= MAX_COUNTS",
        put=_checked_putter(lambda v: finite(v, "bkg", limit=MAX_COUNTS)),
    )
    noise = pvproperty(
        value=0.0,
        name=":noise",
        precision=3,
        units="counts",
        doc="Noise standard deviation, 0..MAX_COUNTS (0: no noise)",
        put=_checked_putter(lambda v: positive(v, "noise", allow_zero=True, limit=MAX_COUNTS)),
    )

    motor_names: tuple[str, ...] = ()

    def __init__(
        self,
        *args: Any,
        positions: Callable[[], Sequence[float]],
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._positions = positions
        self._rng = np.random.default_rng(seed)
        self._dirty = False

    def schedule_update(self) -> None:
        """Recompute the reading at the next scan (after a parameter change)."""
        self._dirty = True

    def centres(self) -> list[float]:
        """The peak centre along each motor."""
        return [getattr(self, f"cen_{name}").value for name in self.motor_names]

    def value(self) -> float:
        """The reading for the current motor positions (with noise when set)."""
        reading = gaussian(
            self._positions(), self.centres(), self.sigma.value, self.amp.value, self.bkg.value
        )
        if self.noise.value > 0:
            reading += float(self._rng.normal(0.0, self.noise.value))
        return reading

    async def update(self) -> None:
        """Publish a new reading (called after every motor position update)."""
        self._dirty = False
        await self.det.write(self.value())

    @det.scan(period=0.1)
    async def det(self, instance: Any, async_lib: Any) -> None:
        """Refresh after parameter changes, and at 10 Hz when there is noise."""
        if self._dirty or self.noise.value > 0:
            await self.update()


def _centre(value: object, what: str) -> float:
    return finite(value, what, limit=MAX_POSITION)


def make_detector_group(motor_names: Sequence[str], centre: float = 0.0) -> type[_DetectorBase]:
    """A detector group class with a ``:<motor>:cen`` PV for each motor name."""
    namespace: dict[str, object] = {"motor_names": tuple(motor_names)}
    for name in motor_names:
        what = f"{name}:cen"
        namespace[f"cen_{name}"] = pvproperty(
            value=centre,
            name=f":{name}:cen",
            precision=4,
            units="mm",
            doc=f"Peak centre along {name}, |cen| <= MAX_POSITION",
            put=_checked_putter(functools.partial(_centre, what=what)),
        )
    return type("DetectorGroup", (_DetectorBase,), namespace)
