"""A fix for caproto 1.3.0's asyncio server, applied by both IOC mains.

A circuit's subscription task waits for the next update with
``asyncio.wait_for(queue.get(), timeout)``. On Python 3.10 and 3.11,
``wait_for`` can swallow a cancellation that arrives while the inner
``get`` completes (CPython gh-86296). When a client disconnects with an
update in flight, caproto cancels that task and waits for it forever: the
dead circuit stays in memory, about one image frame each (measured: the
chart IOC grew from 118 to 286 MiB over the 60-s load test of 50 churning
clients). :func:`apply` replaces the wait with one that cannot swallow a
cancellation.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["apply"]


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


def apply() -> None:
    """Install the fix on caproto's asyncio ``VirtualCircuit`` (idempotent)."""
    from caproto.asyncio.server import VirtualCircuit

    VirtualCircuit.get_from_sub_queue = _get_from_sub_queue
