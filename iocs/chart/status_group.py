"""The chart's status PVs: its inputs, ``Status_RBV`` and ``StatusMessage_RBV``.

A small group like :class:`~chartioc.iocs.chart.fit_group.FitGroup`: what the
status says comes from :func:`~chartioc.iocs.chart.status.compose_status`
(pure) on the :class:`~chartioc.iocs.chart.status.StatusInputs` that the
chart's sources give; this group only publishes it, and only what changed.
"""

from __future__ import annotations

from caproto import ChannelType
from caproto.server import PVGroup, pvproperty

from chartioc.iocs.chart.counts_group import count_pv
from chartioc.iocs.chart.status import MESSAGE_LENGTH, StatusInputs, compose_status

__all__ = ["StatusGroup"]


class StatusGroup(PVGroup):
    """Status of the chart (the SubGroup prefix is '': ``{prefix}Status_RBV``, ...).

    ``InputsConnected_RBV``, ``InputsTotal_RBV``: source PVs connected and
    configured. ``Status_RBV``: what the IOC is doing or what went wrong, in
    39 characters; ``StatusMessage_RBV``: the whole status (a char waveform).
    """

    inputs_connected = count_pv("InputsConnected_RBV", "Source PVs connected")
    inputs_total = count_pv("InputsTotal_RBV", "Source PVs configured")
    status = pvproperty(
        value="starting",
        name="Status_RBV",
        dtype=ChannelType.STRING,
        read_only=True,
        doc="What the IOC is doing, or what went wrong",
    )
    # A text PV longer than a DBR_STRING: a char waveform, as areaDetector's
    # StatusMessage_RBV (caget -S prints it as text); image PVs are dtype=bytes.
    status_message = pvproperty(
        value="starting",
        name="StatusMessage_RBV",
        dtype=ChannelType.CHAR,
        max_length=MESSAGE_LENGTH,
        read_only=True,
        doc="The whole status: every PV name, every reason (caget -S)",
    )

    async def publish_total(self, total: int) -> None:
        """``InputsTotal_RBV``: the sources the settings name."""
        await self.inputs_total.write(total)

    async def publish(self, inputs: StatusInputs) -> None:
        """Publish InputsConnected_RBV, Status_RBV and StatusMessage_RBV when they changed."""
        if self.inputs_connected.value != inputs.connected:
            await self.inputs_connected.write(inputs.connected)
        status = compose_status(inputs)
        if self.status.value != status.short:
            await self.status.write(status.short)
        if self.status_message.value != status.long:
            await self.status_message.write(status.long)
