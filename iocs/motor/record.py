"""caproto PVGroup for one simulated motor with EPICS motor-record fields.

The motion itself is :class:`chartioc.iocs.motor.axis.Axis` (pure logic); this group
maps Channel Access puts onto it and publishes its state at a fixed rate while
it moves. Nothing here blocks the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from caproto import ChannelType, SkipWrite
from caproto.server import PVGroup, PvpropertyDouble, pvproperty
from caproto.server.records import records

from chartioc.iocs.motor.axis import (
    MAX_ACCL,
    MAX_POSITION,
    VELO_RANGE,
    Axis,
    finite,
    msta_word,
    positive,
    raw_steps,
    within,
)

__all__ = ["SUPPORTED_FIELDS", "MotorGroup", "unsupported_fields", "velocity_units"]

log = logging.getLogger(__name__)

SPMG_STOP, SPMG_PAUSE, SPMG_MOVE, SPMG_GO = "Stop", "Pause", "Move", "Go"

#: Writable motor-record fields the simulator implements (VAL is the record itself).
SUPPORTED_FIELDS = frozenset(
    {
        *("DVAL", "STOP", "SPMG", "TWV", "TWF", "TWR", "HOMF", "HOMR"),
        *("VELO", "ACCL", "VMAX", "HLM", "LLM", "DHLM", "DLLM", "OFF", "DIR"),
        *("SET", "FOFF", "EGU", "PREC", "MRES", "DESC"),
    }
)
#: Channel Access carries units in 8 bytes with a terminating NUL.
MAX_UNITS = 7
#: A DBR_STRING holds 40 bytes with its NUL.
MAX_STRING = 39


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


def velocity_units(egu: str) -> str:
    """VELO's units: ``EGU/s``, EGU cut to fit CA's 7 characters (as the motor record's /sec)."""
    return f"{egu[: MAX_UNITS - 2]}/s"


def _refusal(name: str):
    """A ``write_from_dbr`` that refuses every client write to field ``name``.

    It replaces the channel's own, so caproto's internal writes (a field whose getter
    mirrors VAL's metadata, such as HOPR) still work and reads never fail.
    """
    hint = "; write VAL or DVAL" if name == "RVAL" else ""

    async def write_from_dbr(data, data_type, metadata, *, flags=0):
        raise ValueError(f"{name} is not supported by the simulator{hint}")

    return write_from_dbr


class MotorSetpoint(PvpropertyDouble):
    """VAL: every put reaches the putter, as in the motor record.

    caproto's numeric channels refuse values outside the control limits before
    a putter runs; the motor record instead accepts them, sets LVIO=1 and does
    not move. VAL's control limits still publish HLM/LLM for clients (ophyd
    checks them before it writes).
    """

    async def verify_value(self, value):
        return await self.putter(self, value)


class MotorGroup(PVGroup):
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
        *args,
        velocity: float = 1.0,
        acceleration: float = 0.2,
        limits: tuple[float, float] = (-10.0, 10.0),
        units: str = "mm",
        precision: int = 3,
        update_rate: float = 20.0,
        on_position: Callable[[], Awaitable[None]] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.axis = Axis(velo=velocity, accl=acceleration, dial_low=limits[0], dial_high=limits[1])
        self.period = 1.0 / update_rate
        self._units = units
        self._precision = precision
        self._on_position = on_position
        self._wake = asyncio.Event()
        self._waiters: list[asyncio.Future] = []
        self._after_move: str | None = None  # 'sync-val' after STOP, 'home' after homing
        self._active = False  # a move (possibly a null move) awaits its DMOV=1
        self._generation = 0  # counts _begin calls: a move begun while finishing wins
        self.updates_published = 0
        for name in unsupported_fields():
            self.fields.pvdb[name].write_from_dbr = _refusal(name)

    # -- helpers -------------------------------------------------------------
    @property
    def fields(self):
        """The caproto motor-record field group of VAL."""
        return self.motor.field_inst

    def position_fields(self) -> tuple:
        """VAL and the fields in position units: they share EGU and PREC."""
        f = self.fields
        return (
            self.motor,
            f.user_readback_value,
            f.dial_readback_value,
            f.user_high_limit,
            f.user_low_limit,
            f.dial_high_limit,
            f.dial_low_limit,
            f.tweak_step_size,
            f.user_offset,
        )

    def user_position(self) -> float:
        """The current user position (RBV)."""
        return self.axis.position(time.monotonic())

    async def _publish_limits(self) -> None:
        """Publish HLM/LLM: VAL's control limits first, then the fields."""
        llm, hlm = self.axis.user_limits
        if not self.axis.limits_enabled:
            llm = hlm = 0.0
        await self.motor.write_metadata(upper_ctrl_limit=hlm, lower_ctrl_limit=llm)
        f = self.fields
        await f.user_high_limit.write(hlm, verify_value=False)
        await f.user_low_limit.write(llm, verify_value=False)
        await f.dial_high_limit.write(self.axis.dial_high, verify_value=False)
        await f.dial_low_limit.write(self.axis.dial_low, verify_value=False)

    async def _publish_position(self, now: float) -> None:
        f, axis = self.fields, self.axis
        dial = axis.dial(now)
        await f.user_readback_value.write(axis.to_user(dial))
        await f.dial_readback_value.write(dial)
        mres = f.motor_step_size.value or 1.0
        await f.raw_readback_value.write(raw_steps(dial, mres))
        await f.difference_dval_drbv.write(f.dial_desired_value.value - dial)
        self.updates_published += 1
        await self.rbv_posts.write(self.updates_published & 0x7FFFFFFF)
        if self._on_position is not None:
            await self._on_position()

    async def _publish_status(self, now: float, moving: bool) -> None:
        f = self.fields
        positive = self.axis.direction_positive(now)
        await f.direction_of_travel.write(int(positive))
        await f.motor_is_moving.write(int(moving))
        await self.running.write(int(moving))
        await f.motor_status.write(
            msta_word(
                positive=positive,
                moving=moving,
                homed=self.axis.homed,
                at_home=self.axis.homed and abs(self.axis.dial(now)) < 1e-12,
            )
        )

    async def _set_val(self, user_value: float) -> None:
        """Store a new VAL (and DVAL/RVAL) without running the putter."""
        dial = self.axis.to_dial(user_value)
        await self.motor.write(user_value, verify_value=False)
        await self.fields.dial_desired_value.write(dial, verify_value=False)
        mres = self.fields.motor_step_size.value or 1.0
        await self.fields.raw_desired_value.write(raw_steps(dial, mres), verify_value=False)

    async def _begin(self) -> None:
        """Post DMOV=0 and let the motion task run the move to its end."""
        self._active = True
        self._generation += 1
        await self.fields.done_moving_to_value.write(0)
        self._wake.set()

    async def _wait_done(self) -> None:
        """Wait until the current move ends (DMOV back to 1): the put-callback."""
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        await fut

    async def start_move(self, user_target: float, *, velo: float | None = None) -> None:
        """Validate ``user_target`` and start (or retarget) a move; return at once.

        A target outside the soft limits sets LVIO=1 and does not move. Every
        call pulses DMOV 1->0->1, a null move too.
        """
        f = self.fields
        target = finite(user_target, "VAL")
        spmg = f.stop_pause_move_go.value
        if f.set_use_switch.value == "Set":
            self.axis.redefine(
                target,
                freeze_offset=f.offset_freeze_switch.value == "Frozen",
                now=time.monotonic(),
            )
            await f.user_offset.write(self.axis.offset, verify_value=False)
            await self._set_val(target)
            await self._publish_limits()
            await self._publish_position(time.monotonic())
            await self._begin()
            return
        if not self.axis.within_limits(target):
            log.info("%s: target %g outside soft limits: LVIO=1", self.prefix, target)
            await f.limit_violation.write(1)
            await self._set_val(self.motor.value)  # VAL keeps its old value
            await self._begin()
            return
        await f.limit_violation.write(0)
        if spmg == SPMG_STOP:
            await self._set_val(self.user_position())
            await self._begin()
            return
        await self._set_val(target)
        if spmg != SPMG_PAUSE:
            self.axis.move_to(target, time.monotonic(), velo=velo)
        if not self._active:
            await self.fields.motion_in_progress.write(1)
        await self._begin()

    async def stop(self) -> None:
        """Decelerate to rest; VAL is then set to RBV, as the motor record's STOP does."""
        now = time.monotonic()
        if self.axis.moving(now):
            self.axis.stop(now)
            self._after_move = "sync-val"
            self._wake.set()
        else:  # at rest (e.g. paused): the abandoned target must not run on Go
            await self._set_val(self.axis.position(now))

    # -- motion task -----------------------------------------------------------
    @motor.startup
    async def motor(self, instance, async_lib):
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

    async def _motion_loop(self, async_lib) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._run_motion(async_lib.library.sleep)
            except Exception:
                # Never leave DMOV at 0 or a put-callback waiting: end the move here.
                log.exception("%s: motion failed; stopping", self.prefix)
                self.axis.stop(time.monotonic())
                self._active = False
                self._release(self._waiters)
                self._waiters = []
                await self.fields.done_moving_to_value.write(1)

    async def _run_motion(self, sleep) -> None:
        now = time.monotonic()
        if self.axis.moving(now):
            await self._publish_status(now, moving=True)
        while self.axis.moving(now):
            await self._publish_position(now)
            remaining = self.axis.profile.t_end - now
            await sleep(min(self.period, max(remaining, 0.0)))
            now = time.monotonic()
        if self._active:
            await self._finish(now)

    @staticmethod
    def _release(waiters: list[asyncio.Future]) -> None:
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def _finish(self, now: float) -> None:
        # The puts waiting now belong to the move that ended; a put that begins a new
        # move while this method awaits must not be finished (or released) here.
        waiters, self._waiters = self._waiters, []
        try:
            await self._finish_move(now, waiters)
        except BaseException:
            self._waiters = waiters + self._waiters  # the motion loop releases them
            raise

    async def _finish_move(self, now: float, waiters: list[asyncio.Future]) -> None:
        f = self.fields
        generation = self._generation
        after, self._after_move = self._after_move, None
        await self._publish_position(now)
        if after == "home":
            self.axis.homed = True
            await f.at_home.write(1)
        else:
            await f.at_home.write(int(self.axis.homed and abs(self.axis.dial(now)) < 1e-12))
        await self._publish_status(now, moving=False)
        if after == "sync-val" or f.stop_pause_move_go.value == SPMG_STOP:
            await self._set_val(self.axis.position(now))
        if f.stop_pause_move_go.value == SPMG_MOVE:
            await f.stop_pause_move_go.write(SPMG_PAUSE, verify_value=False)
        if self._generation != generation or self.axis.moving(time.monotonic()):
            self._release(waiters)  # a new move began meanwhile: DMOV stays 0 for it
            self._wake.set()
            return
        self._active = False
        await f.motion_in_progress.write(0)
        await f.done_moving_to_value.write(1)
        self._release(waiters)

    # -- putters ---------------------------------------------------------------
    @motor.putter
    async def motor(self, instance, value):
        """VAL: move there; the put completes when the move has ended."""
        await self.start_move(value)
        await self._wait_done()
        raise SkipWrite  # VAL was stored when the move began

    @motor.fields.dial_desired_value.putter
    async def motor(fields, instance, value):
        """DVAL: move to a dial position."""
        group: MotorGroup = fields.parent.group
        await group.start_move(group.axis.to_user(finite(value, "DVAL")))
        await group._wait_done()
        raise SkipWrite

    @motor.fields.stop.putter
    async def motor(fields, instance, value):
        """STOP: any value stops the motor; the field reads 0 again afterwards."""
        await fields.parent.group.stop()
        return 0

    @motor.fields.stop_pause_move_go.putter
    async def motor(fields, instance, value):
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

    async def _tweak(self, sign: int) -> None:
        twv = self.fields.tweak_step_size.value
        await self.start_move(self.motor.value + sign * twv)
        await self._wait_done()

    @motor.fields.tweak_motor_forward.putter
    async def motor(fields, instance, value):
        """TWF: move forward by TWV; completes when the move ends."""
        if value:
            await fields.parent.group._tweak(+1)
        return 0

    @motor.fields.tweak_motor_reverse.putter
    async def motor(fields, instance, value):
        """TWR: move back by TWV; completes when the move ends."""
        if value:
            await fields.parent.group._tweak(-1)
        return 0

    async def _home(self) -> None:
        if self.fields.stop_pause_move_go.value in (SPMG_STOP, SPMG_PAUSE):
            raise ValueError("homing needs SPMG Go or Move")
        home = self.axis.to_user(0.0)
        self._after_move = "home"
        await self.fields.limit_violation.write(0)
        await self._set_val(home)
        self.axis.move_to(home, time.monotonic())
        await self._begin()
        await self._wait_done()

    @motor.fields.home_forward.putter
    async def motor(fields, instance, value):
        """HOMF: seek the home switch (dial 0); completes when homed."""
        if value:
            await fields.parent.group._home()
        return 0

    @motor.fields.home_reverse.putter
    async def motor(fields, instance, value):
        """HOMR: seek the home switch (dial 0); completes when homed."""
        if value:
            await fields.parent.group._home()
        return 0

    @motor.fields.velocity.putter
    async def motor(fields, instance, value):
        """VELO: slew speed, > 0, within VELO_RANGE and not above VMAX (when VMAX > 0)."""
        group: MotorGroup = fields.parent.group
        velo = within(positive(value, "VELO"), "VELO", *VELO_RANGE)
        vmax = fields.max_velocity.value
        if vmax > 0 and velo > vmax:
            raise ValueError(f"VELO ({velo:g}) must not exceed VMAX ({vmax:g})")
        group.axis.velo = velo
        return velo

    @motor.fields.max_velocity.putter
    async def motor(fields, instance, value):
        """VMAX: 0 (no maximum) or at least VELO, at most the fastest VELO."""
        vmax = finite(value, "VMAX")
        if vmax < 0 or (0 < vmax < fields.velocity.value):
            raise ValueError(f"VMAX must be 0 or >= VELO ({fields.velocity.value:g}), not {vmax:g}")
        return within(vmax, "VMAX", 0.0, VELO_RANGE[1])

    @motor.fields.seconds_to_velocity.putter
    async def motor(fields, instance, value):
        """ACCL: seconds to reach VELO, >= 0 and <= MAX_ACCL."""
        accl = positive(value, "ACCL", allow_zero=True, limit=MAX_ACCL)
        fields.parent.group.axis.accl = accl
        return accl

    async def _limit_put(self, setter: Callable[[], None]) -> None:
        setter()
        await self._publish_limits()
        raise SkipWrite  # _publish_limits wrote the field

    @motor.fields.user_high_limit.putter
    async def motor(fields, instance, value):
        """HLM: user high limit, not below LLM."""
        group: MotorGroup = fields.parent.group
        await group._limit_put(lambda: group.axis.set_user_limit("high", value))

    @motor.fields.user_low_limit.putter
    async def motor(fields, instance, value):
        """LLM: user low limit, not above HLM."""
        group: MotorGroup = fields.parent.group
        await group._limit_put(lambda: group.axis.set_user_limit("low", value))

    @motor.fields.dial_high_limit.putter
    async def motor(fields, instance, value):
        """DHLM: dial high limit, not below DLLM."""
        group: MotorGroup = fields.parent.group
        await group._limit_put(lambda: group.axis.set_dial_limit("high", value))

    @motor.fields.dial_low_limit.putter
    async def motor(fields, instance, value):
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
    async def motor(fields, instance, value):
        """OFF: user offset; user = sign * dial + OFF, |OFF| <= MAX_POSITION."""
        group: MotorGroup = fields.parent.group
        group.axis.offset = finite(value, "OFF", limit=MAX_POSITION)
        await group._coordinates_changed()
        return group.axis.offset

    @motor.fields.user_direction.putter
    async def motor(fields, instance, value):
        """DIR: Pos or Neg, the sign between dial and user coordinates."""
        group: MotorGroup = fields.parent.group
        group.axis.sign = -1 if value == "Neg" else 1
        await group._coordinates_changed()
        return value

    @motor.fields.tweak_step_size.putter
    async def motor(fields, instance, value):
        """TWV: tweak step, > 0 and <= MAX_POSITION."""
        return positive(value, "TWV", limit=MAX_POSITION)

    @motor.fields.motor_step_size.putter
    async def motor(fields, instance, value):
        """MRES: step size for the raw fields, > 0 and <= MAX_POSITION."""
        return positive(value, "MRES", limit=MAX_POSITION)

    @motor.fields.display_precision.putter
    async def motor(fields, instance, value):
        """PREC: display precision 0..15, shared by VAL, RBV and the position fields."""
        group: MotorGroup = fields.parent.group
        prec = int(value)
        if not 0 <= prec <= 15:
            raise ValueError(f"PREC must be within 0..15, not {prec}")
        for field in (*group.position_fields(), fields.velocity):
            await field.write_metadata(precision=prec)
        return prec

    @motor.fields.engineering_units.putter
    async def motor(fields, instance, value):
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
    async def motor(fields, instance, value):
        """DESC: description, at most 39 characters (one DBR_STRING)."""
        if len(value) > MAX_STRING:
            raise ValueError(f"DESC must be at most {MAX_STRING} characters, not {len(value)}")
        fields.parent.__doc__ = value  # caproto reads DESC from the record's __doc__
        return value
