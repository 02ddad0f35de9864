"""caproto's asyncio client ``Context`` as a monitor uses it: fixed, and counted.

:class:`MonitorContext` is the context a
:class:`~chartioc.client.ca.monitor.PVMonitor` creates for itself (a caproto
1.3.0 fix); :func:`channel_counts` reads what the live circuits of any
context hold, per PV name, for a debug report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import caproto as ca
from caproto.asyncio.client import Context

__all__ = ["ChannelCount", "MonitorContext", "channel_counts"]

log = logging.getLogger(__name__)

#: Subscription requests per TCP send (each 16 bytes with no payload).
_SUBSCRIPTIONS_PER_SEND = 1000


class MonitorContext(Context):
    """caproto's asyncio ``Context``, with subscriptions that survive a server lost early.

    caproto 1.3.0 queues a subscription for (re)activation when its PV connects
    and activates the queue every 0.1 s. If the server goes away in between,
    its activation task waits for the PV up to the PV's timeout and, when the
    outage is longer, raises: the task ends and no subscription of the context
    is ever activated again (PVs connect, no values come). Here only
    subscriptions of connected PVs are activated, each once; the others are
    marked to be activated when their PV connects again.
    """

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
