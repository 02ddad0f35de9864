"""Finding lost PVs again: searched often early in an outage, and when caproto gives up.

When a server goes away, caproto searches again for its PVs, backing off to
one search every 5 s (``CAPROTO_CLIENT_MAX_RETRY_SEARCHES_INTERVAL_SEC``); a
restarted IOC could wait that long to be found. A monitor therefore sends the
search of every PV *that was connected before* again every
:data:`RESEARCH_PERIOD` seconds for the first :data:`RESEARCH_WINDOW` seconds
of an outage (the way libca re-searches at once on a beacon anomaly), then
leaves it to caproto's back-off. Names that never connected (a typo) are left
to caproto's back-off from the start.

A server that stops answering without closing its connections (hung, or the
network gone) is dropped by caproto after ``EPICS_CA_CONN_TMO`` (30 s) and an
echo; caproto 1.3.0 then neither reports the disconnection to its callbacks
nor searches for those PVs again. A watchdog task checks every
:data:`WATCH_PERIOD` seconds: a PV that caproto holds disconnected is
reported lost, and one that nothing is searching for is searched for again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import caproto as ca
from caproto.asyncio.client import Context

from chartioc.client.ca.channels import Channels
from chartioc.client.ca.connection_states import ConnectionStates
from chartioc.client.ca.events import ConnectionChange

__all__ = ["RESEARCH_PERIOD", "RESEARCH_WINDOW", "WATCH_PERIOD", "Reconnector"]

log = logging.getLogger(__name__)

#: Seconds between repeated searches for a lost PV (see the module docstring).
RESEARCH_PERIOD = 0.5
#: Seconds of an outage during which lost PVs are searched every RESEARCH_PERIOD.
RESEARCH_WINDOW = 120.0
#: Seconds between the watchdog's checks of caproto's connection state.
WATCH_PERIOD = 1.0
#: Search requests per datagram (each at most 56 bytes for a 39-character name).
_SEARCHES_PER_DATAGRAM = 20


class Reconnector:
    """The repeated searches for lost PVs and the watchdog of one monitor's subscriptions.

    Parameters
    ----------
    channels
        The monitor's PVs and their queue, where the watchdog reports a loss
        caproto did not.
    states
        The monitor's connection states: which PVs are down, since when.
    research_period
        Seconds between repeated searches for a PV that was connected and was
        lost (for the first :data:`RESEARCH_WINDOW` seconds of the outage);
        None leaves reconnection to caproto's back-off alone.
    """

    def __init__(
        self, channels: Channels, states: ConnectionStates, research_period: float | None
    ) -> None:
        self.channels = channels
        self.states = states
        self.research_period = research_period
        self._context: Context | None = None
        self._researcher: asyncio.Task | None = None
        self._watchdog: asyncio.Task | None = None

    def start(self, context: Context) -> None:
        """Start the watchdog of the PVs on ``context``."""
        self._context = context
        self._watchdog = asyncio.ensure_future(self._watch())

    def lost(self) -> None:
        """A PV was lost: search for the lost PVs every ``research_period`` s (once started)."""
        if self.research_period is None:
            return
        if self._researcher is None or self._researcher.done():
            self._researcher = asyncio.ensure_future(self._research())

    async def stop(self) -> None:
        """Cancel the searches and the watchdog, and wait until they have ended."""
        for task in (self._researcher, self._watchdog):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._researcher = self._watchdog = None

    @property
    def context(self) -> Context:
        """The context of the PVs (the one :meth:`start` was given)."""
        assert self._context is not None, "not started"
        return self._context

    def _lost_recently(self) -> set[str]:
        return self.states.lost_within(RESEARCH_WINDOW, time.time())

    async def _research(self) -> None:
        """Search again for lost PVs every ``research_period`` s while any is down."""
        assert self.research_period is not None
        while self._lost_recently():
            await asyncio.sleep(self.research_period)
            lost = self._lost_recently()
            if not lost:
                return
            try:
                await self._resend_searches(lost)
            except Exception as ex:  # the network may be down too: try again later
                log.debug("search for %s not sent: %s", sorted(lost), ex)

    async def _resend_searches(self, names: set[str]) -> None:
        """Send caproto's own unanswered searches for ``names`` once more, now."""
        broadcaster = self.context.broadcaster
        requests = [
            ca.SearchRequest(item.name, search_id, ca.DEFAULT_PROTOCOL_VERSION)
            for search_id, item in broadcaster.results.unanswered_searches.items()
            if item.name in names
        ]
        version = ca.VersionRequest(0, ca.DEFAULT_PROTOCOL_VERSION)
        for i in range(0, len(requests), _SEARCHES_PER_DATAGRAM):
            await broadcaster.send(version, *requests[i : i + _SEARCHES_PER_DATAGRAM])

    # -- the watchdog ----------------------------------------------------------------------
    async def _watch(self) -> None:
        """Catch what caproto does not report: lost PVs, and lost PVs nobody searches for."""
        orphans: set[tuple[str, int]] = set()
        while True:
            await asyncio.sleep(WATCH_PERIOD)
            try:
                orphans = await self._check(orphans)
            except Exception:  # never let the watchdog die
                log.exception("monitor watchdog")

    async def _check(self, suspects: set[tuple[str, int]]) -> set[tuple[str, int]]:
        """One round of the watchdog; returns the PVs to look at again next round."""
        queue = self.channels.queue
        if queue is None:
            return set()
        searching = {
            item.name for item in self.context.broadcaster.results.unanswered_searches.values()
        }
        orphans: set[tuple[str, int]] = set()
        for name, pv in list(self.channels.pvs.items()):
            if pv.connected:
                continue
            if self.states.connected.get(name) and name not in self.channels.reading:
                # caproto dropped the circuit without calling back (an unresponsive server).
                log.warning("%s: lost without notice from caproto", name)
                queue.put_nowait(ConnectionChange(name, False, time.time()))
            cm = pv.circuit_manager
            if cm is None or not cm.dead.is_set() or name in searching:
                continue  # never found (caproto searches), connecting, or being searched for
            orphans.add((name, id(cm)))
        # Searched for again only when seen orphaned twice in a row, on the same dead circuit:
        # a search answered a moment ago gets its new circuit within milliseconds.
        again = orphans & suspects
        if again:
            names = sorted(name for name, _ in again)
            log.warning("searching again for %s (caproto gave up on them)", ", ".join(names))
            await self.context.reconnect([(n, self.channels.pvs[n].priority) for n in names])
        return orphans - again
