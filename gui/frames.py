"""Pure logic behind :class:`~chartioc.gui.pvimage.PVImage`: no Qt, no Channel Access.

* :class:`FrameAssembler` turns areaDetector NDStdArrays updates (``ArrayData``,
  ``ArraySize0/1/2_RBV``, ``ColorMode_RBV``) into shaped frames.
* :func:`fit_rect` places a frame in a widget with its aspect ratio kept.
* :class:`RateMeter` measures frames per second over a sliding window.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["Frame", "FrameAssembler", "RateMeter", "fit_rect", "format_value"]

#: Colour modes PVImage can show; anything else is reported, not guessed.
SUPPORTED_MODES = ("Mono", "RGB1")


@dataclass(frozen=True)
class Frame:
    """One shaped frame: (H, W, 3) uint8 for RGB1, (H, W) uint8 for Mono."""

    pixels: np.ndarray
    mode: str
    timestamp: float
    number: int

    @property
    def width(self) -> int:
        """Frame width in pixels."""
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        """Frame height in pixels."""
        return int(self.pixels.shape[0])


class FrameAssembler:
    """Shapes flat ``ArrayData`` updates with the newest size and colour-mode values.

    The chart IOC posts the sizes before the data, and all PVs of one IOC
    arrive in order over one circuit, so the sizes known when data arrives
    fit it. When they do not (areaDetector's NDStdArrays posts the sizes
    after the data), the data is held and shaped as soon as sizes that fit
    arrive. The data must be exactly as long as the sizes say (monitors
    ask for the server's current length). One limit: a geometry change that
    keeps the element count (W and H swapped) from a server that posts the
    sizes after the data shows one frame in the old shape.
    """

    def __init__(self) -> None:
        self.sizes: list[int] = [0, 0, 0]
        self.mode = ""
        self.problem = ""
        self._pending: tuple[np.ndarray, float] | None = None
        self._count = 0

    def reset(self) -> None:
        """Forget sizes, mode and held data (the source disconnected)."""
        self.sizes = [0, 0, 0]
        self.mode = ""
        self._pending = None

    def set_size(self, index: int, value: int) -> Frame | None:
        """A new ``ArraySize{index}_RBV``; returns a frame if held data now fits."""
        self.sizes[index] = int(value)
        return self._retry()

    def set_mode(self, mode: str) -> Frame | None:
        """A new ``ColorMode_RBV`` string; returns a frame if held data now fits."""
        self.mode = mode
        return self._retry()

    def set_data(self, data: np.ndarray, timestamp: float) -> Frame | None:
        """A new ``ArrayData``; returns the shaped frame, or None while it cannot be shaped."""
        self._pending = (data, timestamp)
        return self._retry()

    def shape(self) -> tuple[int, ...] | None:
        """The frame shape the current sizes and mode describe, or None."""
        s0, s1, s2 = self.sizes
        if self.mode == "RGB1" and s0 == 3 and s1 > 0 and s2 > 0:
            return (s2, s1, 3)
        if self.mode == "Mono" and s0 > 0 and s1 > 0:
            return (s1, s0)
        return None

    def _retry(self) -> Frame | None:
        if self._pending is None:
            return None
        if self.mode and self.mode not in SUPPORTED_MODES:
            self.problem = f"colour mode {self.mode} not supported"
            return None
        data, timestamp = self._pending
        shape = self.shape()
        if shape is None or data.size != int(np.prod(shape)):
            self.problem = "waiting for sizes that fit the data"
            return None
        pixels = np.asarray(data, dtype=np.uint8).reshape(shape)
        self._pending = None
        self.problem = ""
        self._count += 1
        return Frame(pixels=pixels, mode=self.mode, timestamp=timestamp, number=self._count)


def fit_rect(src_w: int, src_h: int, dst_w: int, dst_h: int) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the largest src-aspect rectangle centred in a dst_w x dst_h area."""
    if src_w <= 0 or src_h <= 0 or dst_w <= 0 or dst_h <= 0:
        return (0, 0, 0, 0)
    scale = min(dst_w / src_w, dst_h / src_h)
    w = max(1, round(src_w * scale))
    h = max(1, round(src_h * scale))
    return ((dst_w - w) // 2, (dst_h - h) // 2, w, h)


class RateMeter:
    """Events per second over the last ``window`` seconds (times supplied by the caller)."""

    def __init__(self, window: float = 2.0) -> None:
        self.window = window
        self._times: deque[float] = deque()

    def tick(self, now: float) -> None:
        """Record one event at ``now`` (monotonic seconds)."""
        self._times.append(now)
        self._trim(now)

    def rate(self, now: float) -> float:
        """Events per second seen in the window ending at ``now``."""
        self._trim(now)
        if len(self._times) < 2:
            return 0.0
        span = now - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0

    def _trim(self, now: float) -> None:
        while self._times and now - self._times[0] > self.window:
            self._times.popleft()


def format_value(value: object, precision: int | None, units: str = "") -> str:
    """A readout as an EPICS display shows it: ``1.250 mm`` for precision 3."""
    if isinstance(value, (float, np.floating)) and precision is not None and precision >= 0:
        text = f"{value:.{precision}f}"
    else:
        text = str(value)
    return f"{text} {units}".rstrip()
