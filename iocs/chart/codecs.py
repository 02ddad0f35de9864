"""Frame compression for the pvAccess image, as areaDetector's NDPluginCodec does it.

A chart frame is mostly flat colour, so a lossless codec shrinks it many
times. The codecs are those ADCore's ``NDPluginCodec`` writes and viewers
such as Phoebus decode, each done by its maintained library:

``none``   the raw uint8 bytes
``lz4``    an LZ4 *block* (``lz4.block``, no size header: the size is the
           NTNDArray's ``uncompressedSize``), as ADCore's ``LZ4_compress_default``
``blosc``  a Blosc frame (``blosc``: self-describing header), LZ4 inside with
           byte shuffle, as ADCore's default
``jpeg``   a JPEG file (pillow) of the RGB or mono frame at ``quality`` 1..100

What a viewer needs to decode is in the NTNDArray: ``codec.name`` (empty for
none), ``codec.parameters`` (the uncompressed data type as a pvData
``ScalarType``, an int32: 5, ``pvUByte``, as ADCore's ``ntndArrayConverter``
reads it), ``compressedSize`` and ``uncompressedSize``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

__all__ = ["CODECS", "PV_UBYTE", "Encoded", "decode", "encode"]

#: The codec choices, in the order of the ``Codec`` enum PV.
CODECS = ("none", "lz4", "blosc", "jpeg")
#: pvData's ``ScalarType`` of uint8 (``pvUByte``): what ``codec.parameters`` holds. Not
#: areaDetector's ``NDDataType_t`` (where 1 is UInt8): ADCore's converter reads a ScalarType.
PV_UBYTE = 5


@dataclass(frozen=True)
class Encoded:
    """One frame as sent: its bytes and what a viewer needs to decode them."""

    data: np.ndarray  #: uint8, 1-D: the compressed (or raw) bytes
    codec: str  #: the NTNDArray ``codec.name``: "" for none
    uncompressed: int  #: bytes of the raw frame

    @property
    def compressed(self) -> int:
        """Bytes sent (the NTNDArray ``compressedSize``)."""
        return int(self.data.size)

    @property
    def ratio(self) -> float:
        """Raw bytes per byte sent."""
        return self.uncompressed / max(self.compressed, 1)


def encode(frame: np.ndarray, codec: str, quality: int = 90) -> Encoded:
    """``frame`` (uint8, (H, W, 3) or (H, W)) compressed with ``codec`` (one of :data:`CODECS`)."""
    if frame.dtype != np.uint8 or frame.ndim not in (2, 3):
        raise ValueError(f"a uint8 (H, W) or (H, W, 3) frame, not {frame.dtype} {frame.shape}")
    raw = np.ascontiguousarray(frame)
    size = raw.nbytes
    if codec == "none":
        return Encoded(raw.reshape(-1), "", size)
    if codec == "lz4":
        import lz4.block

        packed = lz4.block.compress(raw, mode="default", store_size=False)
    elif codec == "blosc":
        import blosc

        packed = blosc.compress(
            raw.tobytes(), typesize=1, clevel=5, shuffle=blosc.SHUFFLE, cname="lz4"
        )
    elif codec == "jpeg":
        from PIL import Image

        if not 1 <= quality <= 100:
            raise ValueError(f"jpeg quality {quality} outside 1..100")
        out = io.BytesIO()
        # optimized Huffman tables: about a tenth smaller for half a millisecond more
        Image.fromarray(raw).save(out, format="JPEG", quality=int(quality), optimize=True)
        packed = out.getvalue()
    else:
        raise ValueError(f"codec {codec!r} is not one of {', '.join(CODECS)}")
    return Encoded(np.frombuffer(packed, dtype=np.uint8), codec, size)


def decode(data: np.ndarray, codec: str, shape: tuple[int, ...]) -> np.ndarray:
    """The frame of ``shape`` that :func:`encode` sent as ``data`` with ``codec`` ("" = none).

    For tests and viewers in Python; each codec is undone by its own library.
    """
    raw = np.asarray(data, dtype=np.uint8)
    size = int(np.prod(shape))
    if codec in ("", "none"):
        out = raw
    elif codec == "lz4":
        import lz4.block

        out = np.frombuffer(lz4.block.decompress(raw.tobytes(), uncompressed_size=size), np.uint8)
    elif codec == "blosc":
        import blosc

        out = np.frombuffer(blosc.decompress(raw.tobytes()), np.uint8)
    elif codec == "jpeg":
        from PIL import Image

        out = np.asarray(Image.open(io.BytesIO(raw.tobytes())))
    else:
        raise ValueError(f"unknown codec {codec!r}")
    return out.reshape(shape)
