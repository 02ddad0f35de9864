"""A chart frame as an ``NTNDArray``, the way areaDetector's PVA plugin (``NDPluginPva``) sends it.

- ``value``: the ``ubyteValue`` member, holding the frame's bytes, compressed
  or not (:mod:`~chartioc.iocs.chart.codecs`).
- ``dimension``: areaDetector's order, fastest first: (3, W, H) for an RGB1
  frame, (W, H) for a mono one.
- ``attribute``: ``ColorMode`` (int32: 2 RGB1, 0 Mono), which viewers use to
  tell how the dimensions are laid out.
- ``codec``: ``name`` "" (raw), ``lz4``, ``blosc`` or ``jpeg``; ``parameters``
  the uncompressed data type as a pvData ``ScalarType`` (int32, 5 = ``pvUByte``), as
  ADCore's ``ntndArrayConverter`` reads it;
  ``compressedSize`` and ``uncompressedSize`` in bytes.
- ``uniqueId``: the frame's id, equal to the CA ``image1:UniqueId_RBV`` of the
  same frame; ``timeStamp`` and ``dataTimeStamp``: the frame's time stamp
  (the newest sample it shows), POSIX seconds as pvAccess has them.
"""

from __future__ import annotations

import math

import numpy as np
from p4p import Value
from p4p.nt import NTNDArray

from chartioc.iocs.chart.codecs import PV_UBYTE, Encoded

__all__ = ["COLOR_MODE_MONO", "COLOR_MODE_RGB1", "empty_frame", "frame_value", "nt_type"]

#: areaDetector's NDColorMode_t values.
COLOR_MODE_MONO, COLOR_MODE_RGB1 = 0, 2

_TYPE = NTNDArray.buildType()


def nt_type() -> object:
    """The NTNDArray type every frame of the image PV has."""
    return _TYPE


def _stamp(timestamp: float) -> dict[str, int]:
    seconds = math.floor(timestamp)
    return {"secondsPastEpoch": int(seconds), "nanoseconds": int((timestamp - seconds) * 1e9)}


def frame_value(
    encoded: Encoded, shape: tuple[int, ...], unique_id: int, timestamp: float
) -> Value:
    """The NTNDArray of one frame of ``shape`` ((H, W, 3) or (H, W)) sent as ``encoded``."""
    sizes: tuple[int, ...]
    if len(shape) == 3:
        height, width, colours = shape
        sizes, mode = (colours, width, height), COLOR_MODE_RGB1
    else:
        height, width = shape
        sizes, mode = (width, height), COLOR_MODE_MONO
    stamp = _stamp(timestamp)
    return Value(
        _TYPE,
        {
            "value": ("ubyteValue", encoded.data),
            "codec": {"name": encoded.codec, "parameters": ("i", PV_UBYTE)},
            "compressedSize": encoded.compressed,
            "uncompressedSize": encoded.uncompressed,
            "uniqueId": int(unique_id) & 0x7FFFFFFF,
            "dimension": [
                {"size": n, "offset": 0, "fullSize": n, "binning": 1, "reverse": False}
                for n in sizes
            ],
            "attribute": [{"name": "ColorMode", "value": ("i", mode), "descriptor": "Color mode"}],
            "timeStamp": stamp,
            "dataTimeStamp": stamp,
        },
    )


def empty_frame(width: int, height: int, colours: int = 3) -> Value:
    """A black frame, RGB (``colours`` 3) or mono (1): an image PV's value before the
    first frame is drawn."""
    from chartioc.iocs.chart.codecs import encode

    shape = (height, width, 3) if colours == 3 else (height, width)
    frame = np.zeros(shape, np.uint8)
    return frame_value(encode(frame, "none"), frame.shape, 0, 0.0)
