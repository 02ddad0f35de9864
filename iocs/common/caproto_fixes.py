"""Fixes for caproto 1.3.0's asyncio server, applied by both IOC mains.

1. Cancellation. A circuit's subscription task waits for the next update with
``asyncio.wait_for(queue.get(), timeout)``. On Python 3.10 and 3.11,
``wait_for`` can swallow a cancellation that arrives while the inner
``get`` completes (CPython gh-86296). When a client disconnects with an
update in flight, caproto cancels that task and waits for it forever: the
dead circuit stays in memory, about one image frame each (measured: the
chart IOC grew from 118 to 286 MiB over the 60-s load test of 50 churning
clients). :func:`apply` replaces the wait with one that cannot swallow a
cancellation.

2. Claimed payloads. caproto buffers a message until the payload its header
claims has arrived, however large the claim: a header claiming 4 GB and
200 MB after it grew the motor IOC by 200 MiB (and each 4 kB received
copies the whole buffer again). A circuit whose pending header claims more
than :func:`max_payload` bytes is closed at once, with one log line.

3. Bytes that are no CA message (a header caproto cannot parse) closed the
circuit with a traceback in the log ("Client disconnected in unexpected
way"); now with one line.

4. Updates queued for a closed circuit. caproto keeps, per subscription, the
last updates it queued (``unexpired_updates``: 10 frames for an image), and
some closed circuits stay referenced after their client left (seen: 24 of
43 circuits after a 150-s churn of 20 image clients), each holding its
frames: RSS grew by 0.41 MiB per client cycle, without end. A circuit's
queued updates are now dropped when it disconnects. Why they lingered:
caproto's disconnection cancels the circuit's subscription task and awaits
it, so the task's ``CancelledError`` is raised in the task that reads from
the client, which ends there, before the server removes the circuit from
its set of circuits; and when the subscription task is the first to find
the client gone (its send fails), the disconnection, run in that task,
awaits the task itself ("await wasn't used with future" later). A 40-s churn
of 10 image clients left 14-56 closed circuits in the set, gc or not. The
subscription task is now cancelled and waited for without either.

5. Unknown channel ids. A request naming a channel id the circuit never
created raised ``KeyError`` inside caproto's error handling, which ended the
circuit's command task ("Task exception was never retrieved") and left the
client connected to a circuit that no longer answered. Such a circuit is now
closed, with one log line.

6. Put completions before the monitors they caused: see
:mod:`chartioc.iocs.common.put_order`.

7. Tasks of a closed circuit. When a client closes its connection, caproto
cancels the circuit's subscription task but leaves its command task (and any
write still waiting) pending on queues nobody feeds. The circuit, its tasks
and queues then form a cycle that stays in memory until the garbage
collector breaks it, which destroys the pending tasks: asyncio logs "Task was
destroyed but it is pending!" and, at times, "cannot reuse already awaited
coroutine" from the destroyed task (seen for 3-4 circuits of each garbage
run). A closed circuit's command task is now cancelled when the server
forgets the circuit, once it has handled the commands it had received (a
``caput`` without ``-c`` sends its write and closes at once: the write is
carried out). Its write tasks are left to finish.

Written against caproto 1.3.0 (the version the tests run). They touch
private names of its circuits (``circuit._data``, ``channels``,
``channels_sid``) that another caproto version may not have: the tests of
``tests/system/test_garbage.py`` and ``test_load.py`` exercise each fix.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from chartioc.client.ca.limits import MAX_ARRAY_BYTES
from chartioc.iocs.common import put_order
from chartioc.iocs.common.ca_header import claimed_payload

__all__ = ["MAX_PAYLOAD_ENV", "apply", "max_payload"]

log = logging.getLogger(__name__)

#: Environment variable that sets :func:`max_payload` (bytes).
MAX_PAYLOAD_ENV = "CHARTIOC_MAX_PAYLOAD_BYTES"


def max_payload() -> int:
    """The largest payload a client's message may claim: ``$CHARTIOC_MAX_PAYLOAD_BYTES``, or
    the largest array a client may put (``EPICS_CA_MAX_ARRAY_BYTES`` of the project)."""
    try:
        return max(16, int(os.environ.get(MAX_PAYLOAD_ENV, MAX_ARRAY_BYTES)))
    except ValueError:
        return MAX_ARRAY_BYTES


async def _get_from_sub_queue(self: Any, timeout: float | None = None) -> Any:
    """The next subscription update, or None after ``timeout`` s; cancellation propagates."""
    if hasattr(asyncio, "timeout"):  # Python 3.11+
        try:
            async with asyncio.timeout(timeout):
                return await self.subscription_queue.get()
        except TimeoutError:
            return None
    get = asyncio.ensure_future(self.subscription_queue.get())
    try:
        done, _ = await asyncio.wait({get}, timeout=timeout)
    except asyncio.CancelledError:
        get.cancel()
        raise
    if get in done:
        return get.result()
    get.cancel()
    return None


def _peer(circuit: Any) -> str:
    address = getattr(circuit.circuit, "address", None)
    return f"{address[0]}:{address[1]}" if address else "a client"


def _with_payload_cap(recv: Any) -> Any:
    async def recv_capped(self: Any) -> None:
        try:
            await recv(self)
        except self._protocol_error as ex:  # bytes that are no CA message: one line
            log.warning(
                "closed the circuit of %s: not Channel Access (%s)",
                _peer(self),
                str(ex).splitlines()[0][:120],
            )
            await self._on_disconnect()
            raise self._disconnected() from None
        claim = claimed_payload(self.circuit._data)
        limit = max_payload()
        if claim is not None and claim > limit:
            log.warning(
                "closed the circuit of %s: a message claims %d bytes of payload (limit %d, $%s)",
                _peer(self),
                claim,
                limit,
                MAX_PAYLOAD_ENV,
            )
            self.circuit._data = bytearray()
            await self._on_disconnect()
            raise self._disconnected()

    recv_capped.__wrapped__ = recv  # type: ignore[attr-defined]
    return recv_capped


def _names_unknown_channel(circuit: Any, command: Any) -> bool:
    """True if ``command`` names a server or client channel id ``circuit`` never created."""
    sid = getattr(command, "sid", None)
    if sid is not None:
        return sid not in circuit.channels_sid
    cid = getattr(command, "cid", None)
    if cid is not None and type(command).__name__ != "CreateChanRequest":
        return cid not in circuit.channels
    return False


def _with_unknown_ids_closed(iteration: Any) -> Any:
    async def iteration_checked(self: Any, command: Any) -> Any:
        try:
            return await iteration(self, command)
        except KeyError as ex:  # caproto's error path looked up a channel id never created
            if not _names_unknown_channel(self.circuit, command):
                raise  # another KeyError: a server bug, not the client's; caproto reports it
            log.warning(
                "closed the circuit of %s: %s names channel id %s, never created on it",
                _peer(self),
                type(command).__name__,
                ex,
            )
            raise self._disconnected() from None  # the command loop closes the circuit

    iteration_checked.__wrapped__ = iteration  # type: ignore[attr-defined]
    return iteration_checked


def _with_backlog_dropped(on_disconnect: Any) -> Any:
    def drop(self: Any) -> None:
        self.unexpired_updates.clear()
        queue = self.subscription_queue
        while not queue.empty():
            queue.get_nowait()

    async def on_disconnect_dropping(self: Any) -> None:
        # What was queued for a client that is gone: caproto keeps each subscription's
        # last updates (10 frames of an image), and a closed circuit that lingers would
        # hold them all. Dropped first, as the disconnection may not return, and again
        # once it did.
        drop(self)
        sub, self._sub_task = getattr(self, "_sub_task", None), None
        if sub is not None and sub is not asyncio.current_task():
            # caproto would cancel the subscription task and await it, which raises its
            # CancelledError here and ends the reading task before the server forgets
            # the circuit; and from inside the subscription task (its send found the
            # client gone) it would await itself. See 4. above.
            sub.cancel()
            await asyncio.wait({sub})
        await on_disconnect(self)
        drop(self)

    on_disconnect_dropping.__wrapped__ = on_disconnect  # type: ignore[attr-defined]
    return on_disconnect_dropping


#: The pending :func:`_cancel_when_idle` tasks (held so that they are not collected).
_IDLE_WAITERS: set[asyncio.Future[None]] = set()
#: Seconds a closed circuit's command task may take for the commands it still holds.
IDLE_LIMIT = 10.0


async def _cancel_when_idle(circuit: Any, task: asyncio.Task[Any]) -> None:
    """Cancel a closed circuit's command task once it handled what it had received.

    A client's last request can arrive with its close (``caput`` without ``-c``
    sends its write and leaves): that write is still carried out.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + IDLE_LIMIT
    queue = getattr(circuit, "command_queue", None)
    while not task.done() and queue is not None and not queue.empty():
        if loop.time() > deadline:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0)  # the last command taken: handled (a write gets a task of its own)
    task.cancel()


def _with_tasks_cancelled(circuit_disconnected: Any) -> Any:
    async def circuit_disconnected_cancelling(self: Any, circuit: Any) -> None:
        await circuit_disconnected(self, circuit)
        tasks = getattr(circuit, "tasks", None)
        current = asyncio.current_task()
        for task in list(getattr(tasks, "tasks", ())):
            if task is current or task.done():
                continue
            # The command loop ends on the cancellation, nothing waits for it; a write
            # task (a put being carried out) is left to finish.
            if task.get_coro().__qualname__.endswith("command_queue_loop"):
                waiter = asyncio.ensure_future(_cancel_when_idle(circuit, task))
                _IDLE_WAITERS.add(waiter)
                waiter.add_done_callback(_IDLE_WAITERS.discard)

    circuit_disconnected_cancelling.__wrapped__ = circuit_disconnected  # type: ignore[attr-defined]
    return circuit_disconnected_cancelling


def apply() -> None:
    """Install the fixes on caproto's asyncio ``VirtualCircuit`` and ``Context`` (idempotent)."""
    from caproto import RemoteProtocolError
    from caproto.asyncio.server import Context, VirtualCircuit
    from caproto.server.common import DisconnectedCircuit

    if getattr(VirtualCircuit.get_from_sub_queue, "__wrapped__", None) is not _get_from_sub_queue:
        VirtualCircuit.get_from_sub_queue = _get_from_sub_queue
    VirtualCircuit._disconnected = DisconnectedCircuit
    VirtualCircuit._protocol_error = RemoteProtocolError
    if not hasattr(VirtualCircuit.recv, "__wrapped__"):
        VirtualCircuit.recv = _with_payload_cap(VirtualCircuit.recv)
    if not hasattr(VirtualCircuit._on_disconnect, "__wrapped__"):
        VirtualCircuit._on_disconnect = _with_backlog_dropped(VirtualCircuit._on_disconnect)
    if not hasattr(VirtualCircuit._command_queue_iteration, "__wrapped__"):
        VirtualCircuit._command_queue_iteration = _with_unknown_ids_closed(
            VirtualCircuit._command_queue_iteration
        )
    if not hasattr(Context.circuit_disconnected, "__wrapped__"):
        Context.circuit_disconnected = _with_tasks_cancelled(Context.circuit_disconnected)
    put_order.apply()  # 6., after 1.: it counts what our get_from_sub_queue returns
