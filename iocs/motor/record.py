"""caproto PVGroup for one simulated motor with EPICS motor-record fields.

The motion itself is :class:`chartioc.iocs.motor.axis.Axis` (pure logic), run by
the group's motion task (:class:`~chartioc.iocs.motor.motion_task.MotorMotion`).
This module declares the PVs and the field putters: each validates a write and
calls the axis or the motion task. Nothing here blocks the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from caproto import ChannelType, SkipWrite
from caproto.server import PVGroup, PvpropertyDouble, pvproperty
from caproto.server.records import records

from chartioc.client.ca.limits import MAX_STRING, MAX_UNITS
from chartioc.iocs.common.guard import refuse_writes
from chartioc.iocs.motor.axis import (
    MAX_ACCL,
    MAX_POSITION,
    VELO_RANGE,
    Axis,
    finite,
    positive,
    within,
)
from chartioc.iocs.motor.motion_task import SPMG_GO, SPMG_PAUSE, SPMG_STOP, MotorMotion

__all__ = [
    "SUPPORTED_FIELDS",
    "MotorGroup",
    "unsupported_fields",
    "unsupported_reason",
    "velocity_units",
]

#: Writable motor-record fields the simulator implements (VAL is the record itself).
SUPPORTED_FIELDS = frozenset(
    {
        *("DVAL", "STOP", "SPMG", "TWV", "TWF", "TWR", "HOMF", "HOMR"),
        *("VELO", "ACCL", "VMAX", "HLM", "LLM", "DHLM", "DLLM", "OFF", "DIR"),
        *("SET", "FOFF", "EGU", "PREC", "MRES", "DESC"),
    }
)


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


def unsupported_reason(name: str) -> str:
    """What a write to the unsupported field ``name`` answers."""
    hint = "; write VAL or DVAL" if name == "RVAL" else ""
    return f"{name} is not supported by the simulator{hint}"


def velocity_units(egu: str) -> str:
    """VELO's units: ``EGU/s``, EGU cut to fit CA's 7 characters (as the motor record's /sec)."""
    return f"{egu[: MAX_UNITS - 2]}/s"


class MotorSetpoint(PvpropertyDouble):
    """VAL: every put reaches the putter, as in the motor record.

    caproto's numeric channels refuse values outside the control limits before
    a putter runs; the motor record instead accepts them, sets LVIO=1 and does
    not move. VAL's control limits still publish HLM/LLM for clients (ophyd
    checks them before it writes).
    """

    async def verify_value(self, value: Any) -> Any:
        return await self.putter(self, value)


class MotorGroup(MotorMotion, PVGroup):
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
        f = self.fields
        for field in self.position_fields():
            await field.write_metadata(units=self._units, precision=self._precision)
        await f.velocity.write_metadata(
            units=velocity_units(self._units), precision=self._precision
        )
        await f.seconds_to_velocity.write_metadata(units="s", precision=3)
        await f.display_precision.write(self._precision)
        await f.engineering_units.write(self._units)
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
        group: MotorGroup = fields.parent.group
        velo = within(positive(value, "VELO"), "VELO", *VELO_RANGE)
        vmax = fields.max_velocity.value
        if vmax > 0 and velo > vmax:
            raise ValueError(f"VELO ({velo:g}) must not exceed VMAX ({vmax:g})")
        group.axis.velo = velo
        return velo

    @motor.fields.max_velocity.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """VMAX: 0 (no maximum) or at least VELO, at most the fastest VELO."""
        vmax = finite(value, "VMAX")
        if vmax < 0 or (0 < vmax < fields.velocity.value):
            raise ValueError(f"VMAX must be 0 or >= VELO ({fields.velocity.value:g}), not {vmax:g}")
        return within(vmax, "VMAX", 0.0, VELO_RANGE[1])

    @motor.fields.seconds_to_velocity.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """ACCL: seconds to reach VELO, >= 0 and <= MAX_ACCL."""
        accl = positive(value, "ACCL", allow_zero=True, limit=MAX_ACCL)
        fields.parent.group.axis.accl = accl
        return accl

    async def _limit_put(self, setter: Callable[[], None]) -> None:
        setter()
        await self._publish_limits()
        raise SkipWrite  # _publish_limits wrote the field

    @motor.fields.user_high_limit.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """HLM: user high limit, not below LLM."""
        group: MotorGroup = fields.parent.group
        await group._limit_put(lambda: group.axis.set_user_limit("high", value))

    @motor.fields.user_low_limit.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """LLM: user low limit, not above HLM."""
        group: MotorGroup = fields.parent.group
        await group._limit_put(lambda: group.axis.set_user_limit("low", value))

    @motor.fields.dial_high_limit.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """DHLM: dial high limit, not below DLLM."""
        group: MotorGroup = fields.parent.group
        await group._limit_put(lambda: group.axis.set_dial_limit("high", value))

    @motor.fields.dial_low_limit.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """DLLM: dial low limit, not above DHLM."""
        group: MotorGroup = fields.parent.group
        await group._limit_put(lambda: group.axis.set_dial_limit("low", value))

    async def _coordinates_changed(self) -> None:
        """OFF or DIR changed: VAL, RBV and the user limits follow; dial values stay."""
        now = time.monotonic()
        await self._set_val(self.axis.to_user(self.fields.dial_desired_value.value))
        await self._publish_limits()
        await self._publish_position(now)

    @motor.fields.user_offset.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """OFF: user offset; user = sign * dial + OFF, |OFF| <= MAX_POSITION."""
        group: MotorGroup = fields.parent.group
        group.axis.offset = finite(value, "OFF", limit=MAX_POSITION)
        await group._coordinates_changed()
        return group.axis.offset

    @motor.fields.user_direction.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """DIR: Pos or Neg, the sign between dial and user coordinates."""
        group: MotorGroup = fields.parent.group
        group.axis.sign = -1 if value == "Neg" else 1
        await group._coordinates_changed()
        return value

    @motor.fields.tweak_step_size.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """TWV: tweak step, > 0 and <= MAX_POSITION."""
        return positive(value, "TWV", limit=MAX_POSITION)

    @motor.fields.motor_step_size.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """MRES: step size for the raw fields, > 0 and <= MAX_POSITION."""
        return positive(value, "MRES", limit=MAX_POSITION)

    @motor.fields.display_precision.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """PREC: display precision 0..15, shared by VAL, RBV and the position fields."""
        group: MotorGroup = fields.parent.group
        prec = int(value)
        if not 0 <= prec <= 15:
            raise ValueError(f"PREC must be within 0..15, not {prec}")
        for field in (*group.position_fields(), fields.velocity):
            await field.write_metadata(precision=prec)
        return prec

    @motor.fields.engineering_units.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """EGU: engineering units (at most 7 characters), shared by the position fields."""
        group: MotorGroup = fields.parent.group
        if len(value) > MAX_UNITS:
            raise ValueError(
                f"EGU must be at most {MAX_UNITS} characters (CA units), not {len(value)}"
            )
        for field in group.position_fields():
            await field.write_metadata(units=value)
        await fields.velocity.write_metadata(units=velocity_units(value))
        return value

    @motor.fields.description.putter
    async def motor(fields: Any, instance: Any, value: Any) -> Any:
        """DESC: description, at most 39 characters (one DBR_STRING)."""
        if len(value) > MAX_STRING:
            raise ValueError(f"DESC must be at most {MAX_STRING} characters, not {len(value)}")
        fields.parent.__doc__ = value  # caproto reads DESC from the record's __doc__
        return value
