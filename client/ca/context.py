"""caproto's asyncio client ``Context`` as a monitor uses it: fixed, and counted.

:class:`MonitorContext` is the context a
:class:`~chartioc.client.ca.monitor.PVMonitor` creates for itself (two caproto
1.3.0 fixes); :func:`channel_counts` reads what the live circuits of any
context hold, per PV name, for a debug report.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import caproto as ca
from caproto.asyncio.client import Context, VirtualCircuitManager

__all__ = ["CIRCUIT_CONNECT_TIMEOUT", "ChannelCount", "MonitorContext", "channel_counts"]

log = logging.getLogger(__name__)

#: Subscription requests per TCP send (each 16 bytes with no payload).
_SUBSCRIPTIONS_PER_SEND = 1000
#: Seconds a new circuit may take to open its TCP connection and hear the server's
#: version. caproto 1.3.0 allows 2 s, less than a TCP connect that lost one SYN takes
#: (1 s, then 3 s), and shorter than a starved process's event loop can stall.
CIRCUIT_CONNECT_TIMEOUT = 10.0
#: Seconds before a circuit that failed to connect is searched for again, doubled for each
#: failure in a row to the same server, up to RECONNECT_PAUSE_MAX.
RECONNECT_PAUSE = 0.5
RECONNECT_PAUSE_MAX = 30.0
#: Server address -> connection attempts that failed in a row.
_FAILED_CONNECTS: dict[Any, int] = {}


class _CircuitManager(VirtualCircuitManager):
    """caproto's circuit manager, which searches again when its circuit fails to connect.

    caproto 1.3.0 opens a circuit's TCP connection in a task and, when that
    times out or is refused, lets the task end with the error: the circuit is
    neither connected nor dead, the channels queued on it are never created and
    never searched for again, so their PVs stay unconnected for good (seen with
    clients starved on 2 busy cores). Here a failed connection closes the
    circuit as a lost one is closed: its PVs are reported disconnected and
    searched for again, and the next answer opens a fresh circuit. The search
    waits :data:`RECONNECT_PAUSE` s first, doubled for each failure in a row to
    that server (a server that answers searches but refuses connections).
    """

    async def _connect(self, timeout: float) -> None:
        # caproto's timeout (2 s, $CAPROTO_DEFAULT_TIMEOUT) is replaced by ours.
        address = self.circuit.address
        try:
            await super()._connect(CIRCUIT_CONNECT_TIMEOUT)
        except (ca.CaprotoTimeoutError, OSError) as ex:
            failures = _FAILED_CONNECTS[address] = _FAILED_CONNECTS.get(address, 0) + 1
            pause = min(RECONNECT_PAUSE * 2 ** (failures - 1), RECONNECT_PAUSE_MAX)
            level = logging.WARNING if failures == 1 else logging.DEBUG  # one line per outage
            log.log(level, "circuit to %s:%d not connected (%s): searching again in %.1f s",
                    *address, ex, pause)  # fmt: skip
            self._send_on_connection.clear()
            try:
                # a server that answers searches but refuses connections must not be
                # searched for and connected to in a tight loop
                await asyncio.sleep(pause)
                await self._disconnected(reconnect=True)
            finally:
                self._ready.set()  # ends the task that waited to send the queued commands
        else:
            _FAILED_CONNECTS.pop(address, None)


class MonitorContext(Context):
    """caproto's asyncio ``Context``, with subscriptions that survive a server lost early.

    caproto 1.3.0 queues a subscription for (re)activation when its PV connects
    and activates the queue every 0.1 s. If the server goes away in between,
    its activation task waits for the PV up to the PV's timeout and, when the
    outage is longer, raises: the task ends and no subscription of the context
    is ever activated again (PVs connect, no values come). Here only
    subscriptions of connected PVs are activated, each once; the others are
    marked to be activated when their PV connects again.

    Its circuits are :class:`_CircuitManager`: one that fails to connect is
    closed and its PVs searched for again, not left waiting for good.
    """

    def get_circuit_manager(self, address: Any, priority: int) -> VirtualCircuitManager:
        """The live circuit manager for ``(address, priority)``; a new one if none is live."""
        with self._lock_during_get_circuit_manager:
            key = (address, priority)
            cm = self.circuit_managers.get(key)
            if cm is not None and not cm.dead.is_set():
                return cm
            circuit = ca.VirtualCircuit(
                our_role=ca.CLIENT,
                address=address,
                priority=priority,
                protocol_version=self.broadcaster.server_protocol_versions[address],
            )
            cm = self.circuit_managers[key] = _CircuitManager(self, circuit)
            return cm

    async def _activate_subscriptions(self) -> None:
        with self.subscriptions_lock:
            queued = {sub for subs in self.subscriptions_to_activate.values() for sub in subs}
            self.subscriptions_to_activate.clear()
        commands: dict[Any, list] = {}
        for sub in queued:
            if sub.pv.connected:
                try:
                    command = await sub.compose_command(timeout=1.0)
                except Exception as ex:  # lost meanwhile: as below
                    log.debug("%s: subscription not activated: %s", sub.pv.name, ex)
                else:
                    if command is not None:
                        commands.setdefault(sub.pv.circuit_manager, []).append(command)
                    continue
            with sub.callback_lock:
                sub.needs_reactivation = bool(sub.callbacks)  # activated on reconnection
        for cm, batch in commands.items():
            for i in range(0, len(batch), _SUBSCRIPTIONS_PER_SEND):
                try:
                    await cm.send(*batch[i : i + _SUBSCRIPTIONS_PER_SEND])
                except Exception as ex:  # the circuit died: reactivated on reconnection
                    log.debug("subscriptions not sent on %s: %s", cm, ex)
                    break


@dataclass(frozen=True)
class ChannelCount:
    """What caproto's live circuits hold for one PV name: channels and subscriptions.

    Counted from caproto's own circuit state (the channels created on each
    circuit and the subscription requests sent on it), not from a monitor's
    tables: a second channel or subscription for a name shows here.
    """

    channels: int = 0
    subscriptions: int = 0


def channel_counts(context: Context) -> dict[str, ChannelCount]:
    """Channels and subscriptions per PV name on the live circuits of ``context``, by name.

    Like EPICS' ``dbcar`` report of an IOC's CA links: every connected channel
    of the context counts, whoever made it.
    """
    channels: dict[str, int] = {}
    subscriptions: dict[str, int] = {}
    for cm in list(context.circuit_managers.values()):
        if cm.dead.is_set():
            continue
        for chan in list(cm.circuit.channels.values()):
            if chan.states[ca.CLIENT] is not ca.CONNECTED:
                continue
            channels[chan.name] = channels.get(chan.name, 0) + 1
            subscriptions[chan.name] = subscriptions.get(chan.name, 0) + len(chan.subscriptions)
    return {n: ChannelCount(channels[n], subscriptions[n]) for n in sorted(channels)}
