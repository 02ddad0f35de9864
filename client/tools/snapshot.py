"""``chartioc-snapshot PREFIX -o chart.png``: one frame of an areaDetector-style image PV as PNG.

``PREFIX`` is an NDStdArrays prefix such as ``BEAMLINE:chart:image1:``; the
tool reads ``UniqueId_RBV``, ``ColorMode_RBV``, ``ArraySize0/1/2_RBV``,
``ArrayData``, the sizes again and ``UniqueId_RBV`` again, and starts over
when a new frame came in between (:func:`read_frame`), so that the sizes
always belong to the data. RGB1 frames become RGB PNGs, Mono frames 8-bit
grey PNGs (pillow).

It reads with caproto's threading client, which has no array size limit
(libca clients need ``EPICS_CA_MAX_ARRAY_BYTES`` for big frames, see
:mod:`chartioc.client.localca`). ``ArrayData`` is read at the server's
current length, not its maximum.

Errors are one line on stderr and exit status 1, never a traceback:
a PV that does not answer within ``--timeout``, a colour mode or data type
other than 8-bit Mono/RGB1, sizes that do not fit the data, a file that
cannot be written.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from caproto import CaprotoError

from chartioc.client.tools.cli import add_common_arguments, check_and_log

__all__ = [
    "SUFFIXES",
    "Frame",
    "SnapshotError",
    "frame_shape",
    "main",
    "read_frame",
    "shape_frame",
    "write_png",
]

log = logging.getLogger(__name__)

PROG = "chartioc-snapshot"

#: The PVs read under the prefix.
SUFFIXES = (
    "ArrayData",
    "ColorMode_RBV",
    "ArraySize0_RBV",
    "ArraySize1_RBV",
    "ArraySize2_RBV",
    "UniqueId_RBV",
)
#: How often a read is started over because a new frame came in while reading.
RETRIES = 10

Reader = Callable[[str], Any]


class SnapshotError(Exception):
    """A problem to report in one line (the PV, the reason)."""


@dataclass(frozen=True)
class Frame:
    """One consistent frame: (H, W, 3) uint8 for RGB1, (H, W) uint8 for Mono."""

    pixels: np.ndarray
    mode: str
    unique_id: int


def frame_shape(mode: str, sizes: Sequence[int], prefix: str = "") -> tuple[int, ...]:
    """The array shape that ``ArraySize0/1/2_RBV`` describe for colour ``mode``.

    RGB1: ``(size2, size1, 3)`` with size0 == 3; Mono: ``(size1, size0)``.
    Raises :class:`SnapshotError` for another mode or sizes that make no image;
    its message names the PVs under ``prefix``.
    """
    s0, s1, s2 = (int(s) for s in sizes)
    if mode not in ("RGB1", "Mono"):
        raise SnapshotError(f"{prefix}ColorMode_RBV is {mode!r}: only Mono and RGB1 are supported")
    if s0 == s1 == s2 == 0:
        raise SnapshotError(f"{prefix}ArraySize0/1/2_RBV are all 0: no frame yet")
    if mode == "RGB1" and s0 == 3 and s1 > 0 and s2 > 0:
        return (s2, s1, 3)
    if mode == "Mono" and s0 > 0 and s1 > 0:
        return (s1, s0)
    need = "3, W, H" if mode == "RGB1" else "W, H, 0"
    raise SnapshotError(
        f"{prefix}ArraySize0/1/2_RBV are {s0}, {s1}, {s2}: {mode} needs {need} (W, H > 0)"
    )


def shape_frame(data: Any, mode: str, sizes: Sequence[int], prefix: str = "") -> np.ndarray:
    """Flat 8-bit ``ArrayData`` shaped by ``mode`` and ``sizes``, as uint8.

    Raises :class:`SnapshotError` when the data is not 8-bit or its length
    differs from what the sizes say.
    """
    shape = frame_shape(mode, sizes, prefix)
    array = np.asarray(data)
    if array.dtype.kind not in "iub" or array.dtype.itemsize != 1:
        raise SnapshotError(f"{prefix}ArrayData is {array.dtype}: only 8-bit data is supported")
    expected = int(np.prod(shape))
    if array.size != expected:
        dims = " x ".join(str(d) for d in shape)
        raise SnapshotError(
            f"{prefix}ArrayData has {array.size} elements; the sizes say {dims} = {expected}"
        )
    return array.reshape(-1).view(np.uint8).reshape(shape)


def read_frame(read: Reader, retries: int = RETRIES, prefix: str = "") -> Frame:
    """Read one consistent frame with ``read(suffix)`` (e.g. ``read("ArrayData")``).

    The order is UniqueId, ColorMode, sizes, ArrayData, sizes, UniqueId. A
    server posts a frame's sizes before its data and its id after, one frame
    after the other, so equal ids and sizes before and after mean that the
    sizes belong to the data. Otherwise the read starts over, up to
    ``retries`` times; then :class:`SnapshotError`. ``prefix`` is for messages.
    """
    for _ in range(retries + 1):
        uid = int(read("UniqueId_RBV"))
        mode = str(read("ColorMode_RBV"))
        sizes = [int(read(f"ArraySize{i}_RBV")) for i in range(3)]
        data = read("ArrayData")
        sizes_after = [int(read(f"ArraySize{i}_RBV")) for i in range(3)]
        uid_after = int(read("UniqueId_RBV"))
        if uid == uid_after and sizes == sizes_after:
            return Frame(shape_frame(data, mode, sizes, prefix), mode, uid)
        log.debug("frame %d -> %d while reading; reading again", uid, uid_after)
    raise SnapshotError(
        f"{prefix}UniqueId_RBV: new frames kept arriving; no consistent frame in"
        f" {retries + 1} reads"
    )


def write_png(frame: Frame, path: str | os.PathLike) -> None:
    """Write ``frame`` as a PNG (RGB or 8-bit grey), through a temporary file."""
    from PIL import Image

    image = Image.fromarray(frame.pixels, "RGB" if frame.mode == "RGB1" else "L")
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        image.save(tmp, format="PNG")
        os.replace(tmp, path)
    except OSError as ex:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SnapshotError(f"cannot write {path}: {ex.strerror or ex}") from None


class _CAReader:
    """``read(suffix)`` over one caproto threading context: connect all, then read."""

    def __init__(self, prefix: str, timeout: float) -> None:
        from caproto.threading.client import Context

        self.prefix, self.timeout = prefix, timeout
        self.context = Context()
        names = [prefix + s for s in SUFFIXES]
        self.pvs = dict(zip(SUFFIXES, self.context.get_pvs(*names, timeout=timeout), strict=True))

    def connect(self) -> None:
        """Wait for every PV; SnapshotError naming the first that does not answer."""
        import time

        deadline = time.monotonic() + self.timeout
        missing = []
        for suffix, pv in self.pvs.items():
            try:
                pv.wait_for_connection(timeout=max(deadline - time.monotonic(), 0.01))
            except TimeoutError:
                missing.append(self.prefix + suffix)
        if missing:
            more = f" (and {len(missing) - 1} more PVs)" if len(missing) > 1 else ""
            raise SnapshotError(f"no answer from {missing[0]} within {self.timeout:g} s{more}")

    def __call__(self, suffix: str) -> Any:
        from caproto import ChannelType

        pv = self.pvs[suffix]
        if suffix == "ColorMode_RBV":  # an enum: ask the server for its string
            response = pv.read(data_type=ChannelType.STRING, timeout=self.timeout)
            value = response.data[0]
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
        response = pv.read(timeout=self.timeout)
        return response.data if suffix == "ArrayData" else response.data[0]

    def close(self) -> None:
        """Disconnect the context."""
        with contextlib.suppress(Exception):
            self.context.disconnect()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Read one frame of an areaDetector-style image PV and write it as PNG.",
    )
    parser.add_argument(
        "prefix", metavar="PREFIX", help="NDStdArrays prefix, e.g. BEAMLINE:chart:image1:"
    )
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="PNG file to write")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    add_common_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``chartioc-snapshot``; returns the exit status."""
    args = _parser().parse_args(argv)
    check_and_log(_parser(), args, PROG)
    reader = None
    try:
        reader = _CAReader(args.prefix, args.timeout)
        reader.connect()
        frame = read_frame(reader, prefix=args.prefix)
        write_png(frame, args.output)
    except SnapshotError as ex:
        print(f"{PROG}: {ex}", file=sys.stderr)
        return 1
    except (CaprotoError, OSError) as ex:  # e.g. a read timed out, the IOC went away
        log.debug("read failed", exc_info=True)
        reason = str(ex) or type(ex).__name__
        print(f"{PROG}: {reason} (reading {args.prefix})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if reader is not None:
            reader.close()
    if not args.quiet:
        h, w = frame.pixels.shape[:2]
        print(f"{args.output}: {w} x {h} {frame.mode}, frame {frame.unique_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
