"""caproto PVGroup for one simulated motor with EPICS motor-record fields.

The motion itself is :class:`chartioc.iocs.motor.axis.Axis` (pure logic), run by
the group's motion task (:class:`~chartioc.iocs.motor.motion_task.MotorMotion`);
the settings it republishes are :class:`~chartioc.iocs.motor.record_settings.MotorSettings`.
This module declares the PVs and the field putters: each validates a write
(:mod:`~chartioc.iocs.motor.field_checks`) and calls the axis, the motion task or
the settings half. Nothing here blocks the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from caproto import ChannelType, SkipWrite
from caproto.server import PVGroup, PvpropertyDouble, pvproperty
from caproto.server.records import records

from chartioc.iocs.common.guard import refuse_writes
from chartioc.iocs.motor.axis import Axis, finite
from chartioc.iocs.motor.field_checks import (
    SUPPORTED_FIELDS,
    check_acceleration,
    check_description,
    check_max_velocity,
    check_offset,
    check_precision,
    check_step,
    check_units,
    check_velocity,
    direction_sign,
    unsupported_reason,
    velocity_units,
)
from chartioc.iocs.motor.motion_task import SPMG_PAUSE, SPMG_STOP
from chartioc.iocs.motor.record_settings import MotorSettings

__all__ = [
    "SUPPORTED_FIELDS",
    "MotorGroup",
    "unsupported_fields",
    "unsupported_reason",
    "velocity_units",
]


def unsupported_fields() -> list[str]:
    """Writable fields of caproto's motor record that the simulator does not implement.

    Each refuses every write with ``<FIELD> is not supported by the simulator``, so that
    a client never believes a write (JOGF, RLV, SCAN, HOPR, ...) did something.
    """
    return sorted(
        prop.pvspec.name
        for prop in records["motor"]._pvs_.values()
        if not prop.pvspec.read_only and prop.pvspec.name not in SUPPORTED_FIELDS
    )


class MotorSetpoint(PvpropertyDouble):
    """VAL: every put reaches the putter, as in the motor record.

    caproto's numeric channels refuse values outside the control limits before
    a putter runs; the motor record instead accepts them, sets LVIO=1 and does
    not move. VAL's control limits still publish HLM/LLM for clients (ophyd
    checks them before it writes).
    """

    async def verify_value(self, value: Any) -> Any:
        return await self.putter(self, value)


class MotorGroup(MotorSettings, PVGroup):
    """One simulated motor, ``{prefix}`` being e.g. ``BEAMLINE:motor``.

    PVs
    ---
    ``{prefix}`` / ``{prefix}.VAL``
        Setpoint. A put completes (CA put-callback) when the move has ended.
    ``{prefix}.RBV``, ``.DRBV``, ``.RRBV``
        Readbacks (user, dial, raw steps), read only.
    ``{prefix}.running``
        1 while moving, 0 at rest.
    ``{prefix}:RbvPosts_RBV``
        How many RBV updates this motor has posted since the IOC started.
    ``{prefix}.DMOV``, ``.MOVN``, ``.TDIR``, ``.MSTA``, ``.LVIO``, ``.ATHM``
        Motion status, read only.
    ``{prefix}.STOP``, ``.SPMG``, ``.TWF``, ``.TWR``, ``.TWV``, ``.HOMF``, ``.HOMR``
        Commands.
    ``{prefix}.VELO``, ``.ACCL``, ``.VMAX``, ``.HLM``, ``.LLM``, ``.DHLM``, ``.DLLM``,
    ``.OFF``, ``.DIR``, ``.FOFF``, ``.SET``, ``.EGU``, ``.PREC``, ``.DESC``, ``.MRES``
        Settings, validated (see ``docs/pvs.md``).

    Every other writable motor-record field refuses writes (:func:`unsupported_fields`).
    """

    motor = pvproperty(
        value=0.0,
        name="",
        record="motor",
        dtype=MotorSetpoint,
        precision=3,
        doc="Motor setpoint (VAL)",
    )
    running = pvproperty(
        value=0,
        name=".running",
        read_only=True,
        dtype=ChannelType.INT,
        doc="1 while the motor moves, 0 at rest",
    )
    rbv_posts = pvproperty(
        value=0,
        name=":RbvPosts_RBV",
        read_only=True,
        dtype=ChannelType.LONG,
        doc="RBV monitor updates posted since the IOC started",
    )

    def __init__(
        self,
        *args: Any,
        velocity: float = 1.0,
        acceleration: float = 0.2,
        limits: tuple[float, float] = (-10.0, 10.0),
        units: str = "mm",
        precision: int = 3,
        update_rate: float = 20.0,
        on_position: Callable[[], Awaitable[None]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        axis = Axis(velo=velocity, accl=acceleration, dial_low=limits[0], dial_high=limits[1])
        self._init_motion(axis, update_rate, on_position)
        self._units = units
        self._precision = precision
        for name in unsupported_fields():
            refuse_writes(self.fields.pvdb[name], unsupported_reason(name))

    # -- the motion task (motion_task.py) ---------------------------------------
    @motor.startup
    async def motor(self, instance: Any, async_lib: Any) -> None:
        """Publish the initial state, then run the motion loop forever."""
        await self.publish_initial_state(self._units, self._precision)
        await self._motion_loop(async_lib)

    # -- putters ---------------------------------------------------------------
    @motor.putter
    async def motor(self, instance: Any, value: Any) -> Any:
        """VAL: move there; the put completes when the move has ended."""
        await self.start_move(value)
        await self._wait_done()
        raise SkipWrite  # VAL was stored when the move began

    @motor.fields.dial_desired_value.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """DVAL: move to a dial position."""
        group: MotorGroup = fields.parent.group
        await group.start_move(group.axis.to_user(finite(value, "DVAL")))
        await group._wait_done()
        raise SkipWrite

    @motor.fields.stop.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """STOP: any value stops the motor; the field reads 0 again afterwards."""
        await fields.parent.group.stop()
        return 0

    @motor.fields.stop_pause_move_go.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """SPMG: Stop and Pause decelerate to rest; Move and Go (re)start the move to VAL."""
        group: MotorGroup = fields.parent.group
        now = time.monotonic()
        if value in (SPMG_STOP, SPMG_PAUSE):
            await group.stop()
            if value == SPMG_PAUSE:
                group._after_move = None  # keep VAL: Go resumes the move
        elif abs(group.motor.value - group.axis.position(now)) > 0 or group.axis.moving(now):
            group.axis.move_to(group.motor.value, now)
            if not group._active:
                await group._begin()
            group._wake.set()
        return value

    @motor.fields.tweak_motor_forward.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """TWF: move forward by TWV; completes when the move ends."""
        if value:
            await fields.parent.group._tweak(+1)
        return 0

    @motor.fields.tweak_motor_reverse.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """TWR: move back by TWV; completes when the move ends."""
        if value:
            await fields.parent.group._tweak(-1)
        return 0

    @motor.fields.home_forward.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """HOMF: seek the home switch (dial 0); completes when homed."""
        if value:
            await fields.parent.group._home()
        return 0

    @motor.fields.home_reverse.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """HOMR: seek the home switch (dial 0); completes when homed."""
        if value:
            await fields.parent.group._home()
        return 0

    @motor.fields.velocity.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """VELO: slew speed, > 0, within VELO_RANGE and not above VMAX (when VMAX > 0)."""
        velo = check_velocity(value, fields.max_velocity.value)
        fields.parent.group.axis.velo = velo
        return velo

    @motor.fields.max_velocity.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """VMAX: 0 (no maximum) or at least VELO, at most the fastest VELO."""
        return check_max_velocity(value, fields.velocity.value)

    @motor.fields.seconds_to_velocity.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """ACCL: seconds to reach VELO, >= 0 and <= MAX_ACCL."""
        accl = check_acceleration(value)
        fields.parent.group.axis.accl = accl
        return accl

    @motor.fields.user_high_limit.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """HLM: user high limit, not below LLM."""
        await fields.parent.group.change_limits(lambda axis: axis.set_user_limit("high", value))

    @motor.fields.user_low_limit.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """LLM: user low limit, not above HLM."""
        await fields.parent.group.change_limits(lambda axis: axis.set_user_limit("low", value))

    @motor.fields.dial_high_limit.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """DHLM: dial high limit, not below DLLM."""
        await fields.parent.group.change_limits(lambda axis: axis.set_dial_limit("high", value))

    @motor.fields.dial_low_limit.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """DLLM: dial low limit, not above DHLM."""
        await fields.parent.group.change_limits(lambda axis: axis.set_dial_limit("low", value))

    @motor.fields.user_offset.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """OFF: user offset; user = sign * dial + OFF, |OFF| <= MAX_POSITION."""
        offset = check_offset(value)
        await fields.parent.group.change_coordinates(offset=offset)
        return offset

    @motor.fields.user_direction.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """DIR: Pos or Neg, the sign between dial and user coordinates."""
        await fields.parent.group.change_coordinates(sign=direction_sign(value))
        return value

    @motor.fields.tweak_step_size.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """TWV: tweak step, > 0 and <= MAX_POSITION."""
        return check_step(value, "TWV")

    @motor.fields.motor_step_size.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """MRES: step size for the raw fields, > 0 and <= MAX_POSITION."""
        return check_step(value, "MRES")

    @motor.fields.display_precision.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """PREC: display precision 0..15, shared by VAL, RBV and the position fields."""
        prec = check_precision(value)
        await fields.parent.group.publish_precision(prec)
        return prec

    @motor.fields.engineering_units.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """EGU: engineering units (at most 7 characters), shared by the position fields."""
        await fields.parent.group.publish_units(check_units(value))
        return value

    @motor.fields.description.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """DESC: description, at most 39 characters (one DBR_STRING)."""
        fields.parent.__doc__ = check_description(value)  # caproto reads DESC from __doc__
        return value
