"""A chart's frames over pvAccess (``Pva1:Image`` RGB, ``Pva2:Image`` mono), and the codec PVs.

With ``--pva`` every frame the chart publishes on CA is also posted as an
``NTNDArray`` (:mod:`~chartioc.iocs.chart.pva_image`), compressed with the
chart's ``Codec``: the RGB frame as ``{chart}Pva1:Image`` (as ``image1:``) and
its luma as ``{chart}Pva2:Image`` (as ``image2:``). Like ``image2:ArrayData``
on CA, the mono frame is made only while a pvAccess client is connected to
``Pva2:Image``; the first client gets the newest frame's luma at once.
Compression runs in a thread of the chart's own, never on the event loop,
after the CA frame is out: while one frame is being
compressed, only the newest frame that comes meanwhile waits (older ones are
skipped on pvAccess, never on CA); the ids a pvAccess viewer sees are CA's.

CA PVs (under the chart's prefix; without ``--pva`` they exist and say 0):

``Codec``                 enum: none, lz4, blosc, jpeg (default none)
``CodecQuality``          JPEG quality 1..100 (default 90)
``CompressedSize_RBV``    bytes of the newest frame sent over pvAccess
``CompressionRatio_RBV``  its raw size over its sent size
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from caproto import ChannelType
from caproto.server import PVGroup, pvproperty
from caproto.server.autosave import autosaved

from chartioc.iocs.chart.codecs import CODECS, Encoded, encode
from chartioc.iocs.chart.frame_draw import to_mono

__all__ = ["PvaGroup"]

log = logging.getLogger(__name__)


class _MonoViewers:
    """p4p's handler of ``Pva2:Image``: whether any client is connected, and on the
    first one, the newest frame's luma posted before it reads."""

    def __init__(self, group: PvaGroup) -> None:
        self.group = group
        self.connected = False

    def put(self, pv: Any, op: Any) -> None:
        op.done(error="Write access denied")  # a readback, as on CA

    def onFirstConnect(self, pv: Any) -> None:  # noqa: N802 (p4p's name)
        self.connected = True
        self.group.post_mono_now()

    def onLastDisconnect(self, pv: Any) -> None:  # noqa: N802 (p4p's name)
        self.connected = False


class PvaGroup(PVGroup):
    """The codec settings and readbacks of one chart, and its pvAccess image."""

    # saved by --autosave, as the chart's settings are (saved_settings.SAVED_SETTINGS)
    codec = autosaved(
        pvproperty(
            value="none",
            name="Codec",
            dtype=ChannelType.ENUM,
            enum_strings=CODECS,
            doc="pvAccess image codec: none, lz4, blosc, jpeg",
        ),
        fields=(),
    )
    codec_quality = autosaved(
        pvproperty(
            value=90,
            name="CodecQuality",
            dtype=ChannelType.LONG,
            lower_ctrl_limit=1,
            upper_ctrl_limit=100,
            doc="JPEG quality, 1..100",
        ),
        fields=(),
    )
    compressed_size = pvproperty(
        value=0,
        name="CompressedSize_RBV",
        dtype=ChannelType.LONG,
        read_only=True,
        units="B",
        doc="Bytes of the newest pvAccess frame",
    )
    compression_ratio = pvproperty(
        value=0.0,
        name="CompressionRatio_RBV",
        read_only=True,
        precision=1,
        doc="Raw size over sent size of the newest pvAccess frame",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.image: Any = None  # the p4p SharedPVs, once attach() made them
        self.mono: Any = None
        self._mono_viewers = _MonoViewers(self)
        self._newest: tuple[np.ndarray, int, float, str, int] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._busy = False
        self._drainer: asyncio.Future[None] | None = None
        self._pending: tuple[np.ndarray, int, float] | None = None

    @codec_quality.putter
    async def codec_quality(self, instance: Any, value: int) -> int:
        """Refuse a quality outside 1..100 (caproto would store it)."""
        if not 1 <= int(value) <= 100:
            raise ValueError(f"quality {value} outside 1..100")
        return int(value)

    async def show(self, saved: dict[str, Any] | None) -> None:
        """Write the settings autosave restored (``Codec``, ``CodecQuality``) at start-up."""
        for name, value in (saved or {}).items():
            pv = self.codec if name == "Codec" else self.codec_quality
            await pv.write(value, verify_value=False)

    def attach(self, server: Any, prefix: str, width: int, height: int) -> None:
        """Serve ``{prefix}Pva1:Image`` and ``{prefix}Pva2:Image`` on ``server`` (a
        :class:`~chartioc.iocs.chart.pva_server.PvaServer`)."""
        from p4p.server.raw import SharedPV

        from chartioc.iocs.chart.pva_image import empty_frame

        self.image = SharedPV(initial=empty_frame(width, height))
        self.mono = SharedPV(handler=self._mono_viewers, initial=empty_frame(width, height, 1))
        server.add(f"{prefix}Pva1:Image", self.image)
        server.add(f"{prefix}Pva2:Image", self.mono)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="pva-codec")

    def publish(self, frame: np.ndarray, unique_id: int, timestamp: float) -> None:
        """Post ``frame`` (after its CA publication) once it is compressed; never waits."""
        if self.image is None:
            return
        self._pending = (frame, unique_id, timestamp)
        if not self._busy:
            self._busy = True
            self._drainer = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending is not None:
                frame, unique_id, timestamp = self._pending
                self._pending = None
                codec, quality = str(self.codec.value), int(self.codec_quality.value)
                try:
                    sent = await loop.run_in_executor(
                        self._executor, self._post, frame, codec, quality, unique_id, timestamp
                    )
                except Exception as ex:  # a frame lost on pvAccess only: one line
                    log.warning("pvAccess frame %d not sent: %s", unique_id, ex)
                    continue
                try:
                    await self.compressed_size.write(sent.compressed)
                    await self.compression_ratio.write(round(sent.ratio, 2))
                except Exception as ex:  # never let the drain task end on an error
                    log.warning("pvAccess frame %d: readbacks not written: %s", unique_id, ex)
        finally:
            self._busy = False

    def _post(
        self, frame: np.ndarray, codec: str, quality: int, unique_id: int, timestamp: float
    ) -> Encoded:
        """In the codec thread: compress ``frame`` and post it (and its luma, if wanted)."""
        from chartioc.iocs.chart.pva_image import frame_value

        sent = encode(frame, codec, quality)
        self.image.post(frame_value(sent, frame.shape, unique_id, timestamp))
        self._newest = (frame, unique_id, timestamp, codec, quality)
        if self._mono_viewers.connected:
            self.post_mono()
        return sent

    def post_mono_now(self) -> None:
        """Post the newest frame's luma in the codec thread (after a frame it may be
        posting: never an older one over a newer) and wait for it, at most 2 s."""
        executor = self._executor
        if executor is None:
            return
        try:
            executor.submit(self.post_mono).result(timeout=2.0)
        except Exception as ex:  # a client still connects; it gets the next frame's
            log.warning("pvAccess mono frame not made for a new client: %s", ex)

    def post_mono(self) -> None:
        """Post the luma of the newest frame to ``Pva2:Image`` (in the codec thread)."""
        from chartioc.iocs.chart.pva_image import frame_value

        newest = self._newest
        if newest is None or self.mono is None:
            return
        frame, unique_id, timestamp, codec, quality = newest
        mono = to_mono(frame)
        self.mono.post(frame_value(encode(mono, codec, quality), mono.shape, unique_id, timestamp))

    def close(self) -> None:
        """End the codec thread (at IOC exit)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
