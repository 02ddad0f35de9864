"""areaDetector NDStdArrays-style image PVs (``image1:`` RGB1, ``image2:`` Mono), uint8.

``ArrayData`` is a caproto ``dtype=bytes`` channel written with numpy uint8
arrays (about 1.5 ms of server CPU for a 921,600-byte frame), never
the CHAR channel type, which stores a str and costs about 40 ms a frame.
Its length is fixed when the IOC starts: sized for the largest allowed frame.

A frame may be published before it is made (:meth:`ImageGroup.publish_later`):
the chart IOC's mono image is the luma of the RGB frame, and computing it
costs about a third of drawing a blitted frame. While nobody monitors
``image2:ArrayData``, each frame's ids, sizes and time stamp are published
at once and the data is made only when a client reads it or subscribes to
it (:class:`FrameData`), so what a client gets is always the newest frame.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from caproto import ChannelType
from caproto.server import PVGroup, pvproperty
from caproto.server.server import PvpropertyByteRO

from chartioc.client.ca.limits import MAX_FRAME_BYTES
from chartioc.iocs.chart.frame_draw import to_mono
from chartioc.iocs.common.logs import BACKLOG_WARNING, DemoteFilter

__all__ = ["COLOR_MODES", "DATA_TYPES", "FrameData", "ImageGroup", "to_mono"]

COLOR_MODES = ("Mono", "Bayer", "RGB1", "RGB2", "RGB3", "YUV444", "YUV422", "YUV421")
DATA_TYPES = (
    "Int8",
    "UInt8",
    "Int16",
    "UInt16",
    "Int32",
    "UInt32",
    "Int64",
    "UInt64",
    "Float32",
    "Float64",
)


def _ro_int(name: str, doc: str, value: int = 0) -> Any:
    return pvproperty(value=value, name=name, dtype=ChannelType.LONG, read_only=True, doc=doc)


def _stamp(timestamp: float | None) -> float:
    return time.time() if timestamp is None else timestamp


class FrameData(PvpropertyByteRO):
    """``ArrayData``: brings a frame published with :meth:`ImageGroup.publish_later` up to
    date before it is read or a subscription sends its first value."""

    group: ImageGroup

    def subscribed(self) -> bool:
        """True while at least one client monitors this PV."""
        # caproto 1.x keeps the subscriptions as {queue: {sync: {data type: {spec}}}};
        # without that table (another caproto), always say yes: frames are made at once.
        queues = getattr(self, "_queues", None)
        if queues is None:
            return True
        return any(
            specs
            for by_sync in queues.values()
            for by_type in by_sync.values()
            for specs in by_type.values()
        )

    async def read(self, data_type: Any) -> Any:
        """The frame (made first, if it was published later), as ``data_type``."""
        await self.group.bring_up_to_date()
        return await super().read(data_type)

    async def subscribe(self, queue: Any, sub_spec: Any, sub: Any) -> None:
        """Subscribe, the first value being the newest frame (made first if need be)."""
        await self.group.bring_up_to_date()
        await super().subscribe(queue, sub_spec, sub)


class ImageGroup(PVGroup):
    """One NDStdArrays-style image, ``{prefix}`` being e.g. ``BEAMLINE:chart:image1:``.

    PVs
    ---
    ``ArrayData``        the frame, uint8, row-major: H x W x 3 (RGB1) or H x W (Mono)
    ``ArraySize0_RBV``   3 (RGB1) or W (Mono)
    ``ArraySize1_RBV``   W (RGB1) or H (Mono)
    ``ArraySize2_RBV``   H (RGB1) or 0 (Mono)
    ``NDimensions_RBV``  3 (RGB1) or 2 (Mono)
    ``ColorMode_RBV``    enum, RGB1 or Mono
    ``DataType_RBV``     enum, UInt8
    ``UniqueId_RBV``, ``ArrayCounter_RBV``  frame id and count (equal here)
    ``ArrayRate_RBV``    frames per second over the last seconds
    ``TimeStamp_RBV``    EPICS-epoch-free seconds (Unix time) of the frame
    ``PluginType_RBV``   ``NDPluginStdArrays``
    """

    array_data = pvproperty(
        value=np.zeros(1, dtype=np.uint8),
        name="ArrayData",
        dtype=FrameData,
        max_length=MAX_FRAME_BYTES,
        read_only=True,
        doc="Image data, uint8",
    )
    size0 = _ro_int("ArraySize0_RBV", "Fastest dimension: 3 (RGB1) or width (Mono)")
    size1 = _ro_int("ArraySize1_RBV", "Width (RGB1) or height (Mono)")
    size2 = _ro_int("ArraySize2_RBV", "Height (RGB1) or 0 (Mono)")
    ndimensions = _ro_int("NDimensions_RBV", "Number of dimensions")
    unique_id = _ro_int("UniqueId_RBV", "Id of the newest frame")
    array_counter = _ro_int("ArrayCounter_RBV", "Frames published")
    array_rate = pvproperty(
        value=0.0,
        name="ArrayRate_RBV",
        read_only=True,
        precision=1,
        units="Hz",
        doc="Frames per second",
    )
    timestamp = pvproperty(
        value=0.0,
        name="TimeStamp_RBV",
        read_only=True,
        precision=3,
        units="s",
        doc="Time of the newest frame (Unix seconds)",
    )
    color_mode = pvproperty(
        value="Mono",
        name="ColorMode_RBV",
        dtype=ChannelType.ENUM,
        enum_strings=COLOR_MODES,
        read_only=True,
        doc="Colour mode",
    )
    data_type = pvproperty(
        value="UInt8",
        name="DataType_RBV",
        dtype=ChannelType.ENUM,
        enum_strings=DATA_TYPES,
        read_only=True,
        doc="Data type",
    )
    plugin_type = pvproperty(
        value="NDPluginStdArrays",
        name="PluginType_RBV",
        dtype=ChannelType.STRING,
        read_only=True,
        doc="Plugin type",
    )
    port_name = pvproperty(
        value="CHART",
        name="PortName_RBV",
        dtype=ChannelType.STRING,
        read_only=True,
        doc="Port name",
    )

    def __init__(self, *args: Any, mode: str = "RGB1", **kwargs: Any) -> None:
        if mode not in ("RGB1", "Mono"):
            raise ValueError(f"mode must be RGB1 or Mono, not {mode!r}")
        super().__init__(*args, **kwargs)
        self.mode = mode
        self._count = 0
        self._rate_window: list[float] = []
        self._later: tuple[Callable[[], np.ndarray], float] | None = None
        self._making = asyncio.Lock()  # one frame made at a time (bring_up_to_date)
        self._executor: ThreadPoolExecutor | None = None

    def _create_pvdb(self) -> None:
        # caproto warns at WARNING, once per image PV, that a frame-sized PV may hold
        # much memory in subscription queues, and lowers their backlog to 10 frames.
        # That is by design here (docs/architecture.md): routine, so DEBUG.
        self.log.addFilter(DemoteFilter((BACKLOG_WARNING,)))
        super()._create_pvdb()

    @color_mode.startup
    async def color_mode(self, instance: Any, async_lib: Any) -> None:
        """Publish the colour mode and the dimension count."""
        await instance.write(self.mode)
        await self.ndimensions.write(3 if self.mode == "RGB1" else 2)

    def wanted(self) -> bool:
        """True while a client monitors ``ArrayData`` (a frame is then made at once)."""
        return self.array_data.subscribed()

    async def publish(self, frame: np.ndarray, timestamp: float | None = None) -> int:
        """Publish a uint8 frame, (H, W, 3) for RGB1 or (H, W) for Mono; return its id."""
        if frame.ndim != (3 if self.mode == "RGB1" else 2):
            raise ValueError(f"{self.mode} needs a {3 if self.mode == 'RGB1' else 2}-D frame")
        self._later = None
        return await self._publish(frame.shape[:2], frame, _stamp(timestamp))

    async def publish_later(
        self, shape: tuple[int, int], make: Callable[[], np.ndarray], timestamp: float | None = None
    ) -> int:
        """Publish the frame ``make()`` returns, of ``shape`` (H, W), when it is wanted:

        at once while a client monitors ``ArrayData``, else at the next read of it
        or subscription to it (``make`` must give the same frame then). Its id,
        sizes and time stamp are published at once. Returns its id.
        """
        if self.wanted():
            return await self.publish(make(), timestamp)
        ts = _stamp(timestamp)
        self._later = (make, ts)
        return await self._publish(shape, None, ts)

    async def bring_up_to_date(self) -> None:
        """Make and write the frame :meth:`publish_later` held back, if any.

        It is made in a thread of its own (83 ms for a 2048x2048 mono frame: the
        IOC serves meanwhile); readers that come meanwhile wait for it, and a frame
        published meanwhile is not overwritten by the older one.
        """
        async with self._making:
            if self._later is None:
                return
            (make, ts), number = self._later, self._count
            self._later = None
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="image")
            loop = asyncio.get_running_loop()
            frame = await loop.run_in_executor(self._executor, make)
            if number == self._count:  # still the newest frame
                await self.array_data.write(np.ascontiguousarray(frame).reshape(-1), timestamp=ts)

    async def _publish(self, shape: tuple[int, ...], frame: np.ndarray | None, ts: float) -> int:
        h, w = shape
        self._count += 1
        now = time.monotonic()
        self._rate_window = [t for t in self._rate_window if now - t < 2.0] + [now]
        span = now - self._rate_window[0]
        rate = (len(self._rate_window) - 1) / span if span > 0 else 0.0
        # Sizes first, then the data: a client that reads sizes on a new frame id
        # (or on a data update) always finds sizes that fit.
        sizes = (3, w, h) if self.mode == "RGB1" else (w, h, 0)
        for pv, value in zip((self.size0, self.size1, self.size2), sizes, strict=True):
            if pv.value != value:
                await pv.write(value, timestamp=ts)
        if frame is not None:
            await self.array_data.write(np.ascontiguousarray(frame).reshape(-1), timestamp=ts)
        await self.timestamp.write(ts, timestamp=ts)
        await self.array_rate.write(rate, timestamp=ts)
        await self.array_counter.write(self._count, timestamp=ts)
        await self.unique_id.write(self._count, timestamp=ts)
        return self._count
