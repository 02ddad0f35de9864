"""The settings half of a simulated motor: what a settings write changes in the other fields.

:class:`MotorSettings` is the part of :class:`~chartioc.iocs.motor.record.MotorGroup`
that publishes the settings: the initial state at startup, the units (EGU) and
precision (PREC) that VAL, RBV and the position fields share, the four soft
limits after a limit write, and VAL, RBV and the user limits after OFF or DIR
changed. The field putters (``record.py``) check a write first
(:mod:`~chartioc.iocs.motor.field_checks`) and then call it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from caproto import SkipWrite

from chartioc.iocs.motor.axis import Axis
from chartioc.iocs.motor.field_checks import velocity_units
from chartioc.iocs.motor.motion_task import SPMG_GO, MotorMotion

__all__ = ["MotorSettings"]


class MotorSettings(MotorMotion):
    """The settings half of a motor group, on its motion half (a mixin of a ``PVGroup``).

    It republishes what the motion half publishes (limits, VAL, RBV) when a
    setting changes them.
    """

    async def publish_initial_state(self, units: str, precision: int) -> None:
        """At startup: units, precision, speeds, steps, DMOV=1, SPMG=Go and the limits;
        then VAL=0, the position and the status at rest."""
        f = self.fields
        await self.publish_units(units)
        await self.publish_precision(precision)
        await f.seconds_to_velocity.write_metadata(units="s", precision=3)
        await f.display_precision.write(precision)
        await f.engineering_units.write(units)
        await f.velocity.write(self.axis.velo, verify_value=False)
        await f.seconds_to_velocity.write(self.axis.accl, verify_value=False)
        await f.motor_step_size.write(1e-4, verify_value=False)
        await f.tweak_step_size.write(0.1, verify_value=False)
        await f.done_moving_to_value.write(1)
        await f.stop_pause_move_go.write(SPMG_GO)
        await self._publish_limits()
        await self._set_val(0.0)
        await self._publish_position(time.monotonic())
        await self._publish_status(time.monotonic(), moving=False)

    async def publish_units(self, egu: str) -> None:
        """EGU of the position fields, and ``EGU/s`` of VELO (:func:`velocity_units`)."""
        for field in self.position_fields():
            await field.write_metadata(units=egu)
        await self.fields.velocity.write_metadata(units=velocity_units(egu))

    async def publish_precision(self, prec: int) -> None:
        """PREC of the position fields and of VELO."""
        for field in (*self.position_fields(), self.fields.velocity):
            await field.write_metadata(precision=prec)

    async def change_limits(self, change: Callable[[Axis], None]) -> None:
        """Apply ``change`` to the axis (a limit setter, which may raise ValueError), publish
        HLM, LLM, DHLM and DLLM, and raise :class:`~caproto.SkipWrite`: the field is written.
        """
        change(self.axis)
        await self._publish_limits()
        raise SkipWrite

    async def change_coordinates(
        self, *, offset: float | None = None, sign: int | None = None
    ) -> None:
        """OFF (``offset``) or DIR (``sign``) changed: VAL, RBV and the user limits follow;
        dial values stay."""
        if offset is not None:
            self.axis.offset = offset
        if sign is not None:
            self.axis.sign = sign
        now = time.monotonic()
        await self._set_val(self.axis.to_user(self.fields.dial_desired_value.value))
        await self._publish_limits()
        await self._publish_position(now)
