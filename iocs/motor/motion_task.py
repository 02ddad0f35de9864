"""The motion task of a simulated motor: moves begun, published and finished.

:class:`MotorMotion` is the half of :class:`~chartioc.iocs.motor.record.MotorGroup`
that runs the motion; the group's field putters (``record.py``) validate a write
and call it. While the axis moves, one task publishes RBV (and DRBV, RRBV,
DIFF, the detector) at the update rate; at rest it sleeps on an event, so
nothing polls. A move posts DMOV=0 when it begins and DMOV=1 when it ends, and
a put that began it (VAL, DVAL, TWF, TWR, HOMF, HOMR) completes then: the
CA put-callback of the motor record. The motion itself is the pure
:class:`~chartioc.iocs.motor.axis.Axis`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from chartioc.iocs.motor.axis import Axis, finite, msta_word, raw_steps
from chartioc.iocs.motor.motion import next_tick

__all__ = ["SPMG_GO", "SPMG_MOVE", "SPMG_PAUSE", "SPMG_STOP", "MotorMotion"]

log = logging.getLogger(__name__)

#: The SPMG (Stop, Pause, Move, Go) enum strings.
SPMG_STOP, SPMG_PAUSE, SPMG_MOVE, SPMG_GO = "Stop", "Pause", "Move", "Go"


class MotorMotion:
    """The motion half of a motor group (a mixin of a caproto ``PVGroup``).

    The group provides ``motor`` (VAL, a ``record="motor"`` pvproperty),
    ``running``, ``rbv_posts`` and ``prefix``, and calls :meth:`_init_motion`
    from its ``__init__``; its startup hook runs :meth:`_motion_loop`.
    """

    # Provided by the PVGroup (caproto channels).
    motor: Any
    running: Any
    rbv_posts: Any
    prefix: str

    def _init_motion(
        self, axis: Axis, update_rate: float, on_position: Callable[[], Awaitable[None]] | None
    ) -> None:
        self.axis = axis
        self.period = 1.0 / update_rate
        self._on_position = on_position
        self._wake = asyncio.Event()
        self._waiters: list[asyncio.Future[None]] = []
        self._after_move: str | None = None  # 'sync-val' after STOP, 'home' after homing
        self._active = False  # a move (possibly a null move) awaits its DMOV=1
        self._generation = 0  # counts _begin calls: a move begun while finishing wins
        self.updates_published = 0

    @property
    def fields(self) -> Any:
        """The caproto motor-record field group of VAL."""
        return self.motor.field_inst

    def position_fields(self) -> tuple[Any, ...]:
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

    async def _motion_loop(self, async_lib: Any) -> None:
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

    async def _run_motion(self, sleep: Callable[[float], Awaitable[object]]) -> None:
        now = time.monotonic()
        if self.axis.moving(now):
            await self._publish_status(now, moving=True)
        tick = now
        while self.axis.moving(now):
            await self._publish_position(now)
            tick = next_tick(tick, time.monotonic(), self.period)
            await sleep(max(min(tick, self.axis.profile.t_end) - time.monotonic(), 0.0))
            now = time.monotonic()
        if self._active:
            await self._finish(now)

    @staticmethod
    def _release(waiters: list[asyncio.Future[None]]) -> None:
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

    async def _finish_move(self, now: float, waiters: list[asyncio.Future[None]]) -> None:
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

    async def _tweak(self, sign: int) -> None:
        twv = self.fields.tweak_step_size.value
        await self.start_move(self.motor.value + sign * twv)
        await self._wait_done()

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
