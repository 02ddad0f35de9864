"""The chart's drawing readbacks: how long a frame takes, how many frames and updates.

A small group like :class:`~chartioc.iocs.chart.stats_group.StatsGroup`: the
numbers come with each :class:`~chartioc.iocs.chart.render_loop.Frame` and from
:class:`~chartioc.iocs.chart.engine.ChartEngine`; this group only publishes them.
"""

from __future__ import annotations

from typing import Any

from caproto import ChannelType
from caproto.server import PVGroup, pvproperty

from chartioc.iocs.chart.render_loop import Frame

__all__ = ["CountsGroup", "count_pv"]


def count_pv(name: str, doc: str) -> Any:
    """A read-only DBR_LONG count PV, 0 at the start (this group's and the status's)."""
    return pvproperty(value=0, name=name, dtype=ChannelType.LONG, read_only=True, doc=doc)


class CountsGroup(PVGroup):
    """Drawing readbacks of the chart (the SubGroup prefix is '': ``{prefix}RenderTime_RBV``, ...).

    ``RenderTime_RBV`` (ms): time to draw the last frame; ``FramesRendered_RBV``;
    ``UpdatesReceived_RBV``: monitor updates entered in the histories;
    ``UpdatesCoalesced_RBV``: updates drawn together with a later one.
    """

    render_time = pvproperty(
        value=0.0,
        name="RenderTime_RBV",
        units="ms",
        precision=1,
        read_only=True,
        doc="Time to draw the last frame",
    )
    frames_rendered = count_pv("FramesRendered_RBV", "Frames drawn")
    updates_received = count_pv("UpdatesReceived_RBV", "Monitor updates entered in the histories")
    updates_coalesced = count_pv("UpdatesCoalesced_RBV", "Updates drawn together with a later one")

    async def publish(self, frame: Frame, updates_received: int) -> None:
        """One drawn frame: its render time and counts, and the updates received so far."""
        await self.render_time.write(frame.render_ms)
        await self.frames_rendered.write(frame.number)
        await self.updates_received.write(updates_received)
        await self.updates_coalesced.write(frame.coalesced)

    async def publish_updates(self, updates_received: int) -> None:
        """``UpdatesReceived_RBV`` between frames (the status period)."""
        await self.updates_received.write(updates_received)
