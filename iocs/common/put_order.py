"""Put completions after the monitors they caused: a fix for caproto 1.3.0's asyncio server.

A put-callback (``WriteNotifyRequest``) on a motor's ``.VAL`` completes when the
move has ended, and the motor posts its last ``RBV`` and ``DMOV=1`` before it
returns. The EPICS motor record's clients rely on seeing those monitors before
the completion: pyepics' ``move(wait=True)`` and ophyd-async's ``Motor.set()``
read the cached readback and DMOV right after it. caproto sends the
completion at once, but each posted value goes through two queues first (the
server's, then each circuit's, where the circuit's task may batch it for up
to ``CAPROTO_SERVER_MAX_LATENCY_SEC``), so the completion overtook them on
every move (pyepics saw ``RBV=2.994 | PUT-COMPLETE | RBV=3.0, DMOV=1``).

Here a circuit that carries monitors holds back a put completion (or a
refusal: an ``ErrorResponse``) until everything posted before it
has gone out on that circuit: until the server's queue has handed on every
update that was in it, and then the circuit's own task has sent every update
that was in the circuit's queue. Each of the two steps waits at most
:data:`MAX_WAIT` seconds, so a client that stopped reading still gets its
completion. A circuit without monitors (a ``caput`` tool's) sends its
completions at once: no update can be ahead of them. Updates for a circuit
are still sent in order by one task, and nothing is added to the cost of a
post when no completion is waiting.

Counted, not polled: the server counts the updates it has taken and handed
on, a circuit those it has taken from its queue and sent (an update dropped
there, expired or for a cancelled subscription, counts as sent once the
circuit's task has nothing left to send); a waiting completion is a future
resolved when the count passes its mark.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

__all__ = ["MAX_WAIT", "apply"]

log = logging.getLogger(__name__)

#: Seconds a put completion waits, at most, for each of the two queues ahead of it.
MAX_WAIT = 2.0


class _Marks:
    """A running count and the futures waiting for it to reach their mark."""

    __slots__ = ("_waiting", "count")

    def __init__(self) -> None:
        self.count = 0
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []

    def advance_to(self, count: int) -> None:
        """The count is now ``count``: release every future whose mark it reached."""
        self.count = count
        if not self._waiting:
            return
        still = []
        for mark, fut in self._waiting:
            if mark <= count:
                if not fut.done():
                    fut.set_result(None)
            else:
                still.append((mark, fut))
        self._waiting = still

    async def reached(self, mark: int, timeout: float) -> bool:
        """Wait until the count reaches ``mark``; False if ``timeout`` s passed first."""
        if self.count >= mark:
            return True
        fut = asyncio.get_running_loop().create_future()
        self._waiting.append((mark, fut))
        try:
            await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            self._waiting = [(m, f) for m, f in self._waiting if f is not fut]
            return False
        return True


def _marks(owner: Any, attr: str) -> _Marks:
    marks = owner.__dict__.get(attr)
    if marks is None:
        marks = owner.__dict__[attr] = _Marks()
    return marks


# -- the server's queue: updates taken from it and handed on to the circuits ---------------
def _counting_iteration(iteration: Callable[..., Any]) -> Callable[..., Any]:
    async def iteration_counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        taken = _marks(self, "_chartioc_taken")
        taken.count += 1
        try:
            return await iteration(self, *args, **kwargs)
        finally:
            handed = _marks(self, "_chartioc_handed_on")
            handed.advance_to(handed.count + 1)

    iteration_counted.__wrapped__ = iteration  # type: ignore[attr-defined]
    return iteration_counted


# -- a circuit's queue: updates taken from it, and sent ------------------------------------
def _counting_get(get: Callable[..., Any]) -> Callable[..., Any]:
    async def get_counted(self: Any, timeout: float | None = None) -> Any:
        if timeout is None:
            # caproto's task waits without a timeout only with an empty batch: all it took
            # was sent or dropped (expired, events off, a cancelled subscription's).
            sent = _marks(self, "_chartioc_sent")
            sent.advance_to(max(sent.count, _marks(self, "_chartioc_taken").count))
        ref = await get(self, timeout)
        if ref is not None:
            _marks(self, "_chartioc_taken").count += 1
        return ref

    get_counted.__wrapped__ = get  # type: ignore[attr-defined]
    return get_counted


def _ordered_send(
    send: Callable[..., Any], update: type, completion: tuple[type, ...]
) -> Callable[..., Any]:
    async def send_ordered(self: Any, *commands: Any) -> Any:
        if commands and all(isinstance(c, update) for c in commands):
            # The subscription task's batch: all it has taken so far goes out with it.
            taken = _marks(self, "_chartioc_taken").count
            result = await send(self, *commands)
            _marks(self, "_chartioc_sent").advance_to(taken)
            return result
        if any(isinstance(c, completion) for c in commands):
            await _updates_out(self)
        return await send(self, *commands)

    send_ordered.__wrapped__ = send  # type: ignore[attr-defined]
    return send_ordered


async def _updates_out(circuit: Any) -> None:
    """Wait until what was posted before now has been sent on ``circuit`` (bounded)."""
    if not getattr(circuit, "connected", True):
        return  # the client is gone: nothing will be sent, the completion neither
    if not getattr(circuit, "subscriptions", True):
        return  # no monitor on this circuit (a caput tool): no update can be ahead of it
    context = circuit.context
    mark = _marks(context, "_chartioc_taken").count + context.subscription_queue.qsize()
    if not await _marks(context, "_chartioc_handed_on").reached(mark, MAX_WAIT):
        log.debug("put completion sent before the server's queue was handed on")
    mark = _marks(circuit, "_chartioc_taken").count + circuit.subscription_queue.qsize()
    if not await _marks(circuit, "_chartioc_sent").reached(mark, MAX_WAIT):
        log.debug("put completion sent before the circuit's updates")


def apply() -> None:
    """Install the ordering on caproto's asyncio server classes (idempotent)."""
    import caproto as ca
    from caproto.asyncio.server import Context, VirtualCircuit

    if not hasattr(Context._subscription_queue_iteration, "__wrapped__"):
        Context._subscription_queue_iteration = _counting_iteration(
            Context._subscription_queue_iteration
        )
    if not hasattr(VirtualCircuit.get_from_sub_queue, "__wrapped__"):
        VirtualCircuit.get_from_sub_queue = _counting_get(VirtualCircuit.get_from_sub_queue)
    if not hasattr(VirtualCircuit.send, "__wrapped__"):
        # A refused put completes with an ErrorResponse: after its Status_RBV, too.
        VirtualCircuit.send = _ordered_send(
            VirtualCircuit.send, ca.EventAddResponse, (ca.WriteNotifyResponse, ca.ErrorResponse)
        )
