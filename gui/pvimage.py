"""``PVImage``: a Qt widget showing an areaDetector-style image PV (RGB1 or Mono, uint8).

The CA side never touches the widget: libca callbacks emit queued signals
(:class:`~chartioc.gui.channel.PVChannel`); the slots shape the newest frame
(:class:`~chartioc.gui.frames.FrameAssembler`) and only store it; a timer
repaints at most ``max_fps`` times a second, and only when a new frame came.
However fast the IOC posts, the GUI thread does a bounded amount of work.

Usage::

    image = PVImage("BEAMLINE:chart:image1:", max_fps=30)
    layout.addWidget(image)
    ...
    image.close_pvs()   # or let the widget be destroyed
"""

from __future__ import annotations

import math
import time

import numpy as np
from qtpy.QtCore import QRect, Qt, QTimer, Signal
from qtpy.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPaintEvent, QRegion
from qtpy.QtWidgets import QSizePolicy, QWidget

from chartioc.gui.channel import PVChannel, PVEvent
from chartioc.gui.frames import Frame, FrameAssembler, RateMeter, fit_rect

__all__ = ["PVImage", "frame_to_qimage", "view_as_qimage"]

_OVERLAY_TEXT = QColor(255, 80, 80)
_BACKGROUND = QColor(24, 24, 24)
_OVERLAY_FLAGS = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
_OVERLAY_MARGIN = 4  #: px kept free around the overlay's text
_OVERLAY_MIN_PX = 6  #: the overlay's smallest font (a tiny widget may still clip it)


def frame_to_qimage(pixels: np.ndarray) -> QImage:
    """A QImage sharing nothing with ``pixels``: RGB888 for (H, W, 3), Grayscale8 for (H, W)."""
    return view_as_qimage(np.ascontiguousarray(pixels, dtype=np.uint8)).copy()


def view_as_qimage(pixels: np.ndarray) -> QImage:
    """A QImage over the bytes of C-contiguous uint8 ``pixels`` (no copy).

    The image reads the array's memory: keep the array alive (and unchanged)
    as long as the image is used.
    """
    if pixels.dtype != np.uint8 or not pixels.flags.c_contiguous:
        raise ValueError("pixels must be C-contiguous uint8")
    h, w = pixels.shape[:2]
    # PyQt5 takes any buffer; its stubs name bytes and sip.voidptr only
    if pixels.ndim == 3:
        return QImage(pixels.data, w, h, 3 * w, QImage.Format_RGB888)  # type: ignore[call-overload]
    return QImage(pixels.data, w, h, w, QImage.Format_Grayscale8)  # type: ignore[call-overload]


def qimage_to_array(image: QImage) -> np.ndarray:
    """The pixels of an RGB888 or Grayscale8 QImage as (H, W, 3) or (H, W) uint8."""
    w, h = image.width(), image.height()
    channels = 3 if image.format() == QImage.Format_RGB888 else 1
    ptr = image.constBits()
    if ptr is None:  # a null image
        return np.zeros((h, w, 3) if channels == 3 else (h, w), dtype=np.uint8)
    ptr.setsize(image.bytesPerLine() * h)
    # a sip.voidptr is a buffer; numpy's stubs do not know it
    rows = np.frombuffer(ptr, dtype=np.uint8).reshape(h, image.bytesPerLine())  # type: ignore[call-overload]
    out = rows[:, : w * channels].copy()
    return out.reshape(h, w, 3) if channels == 3 else out.reshape(h, w)


class PVImage(QWidget):
    """Shows the image of an NDStdArrays-style prefix, e.g. ``BEAMLINE:chart:image1:``.

    Parameters
    ----------
    prefix
        The plugin prefix; ``ArrayData``, ``ArraySize0_RBV``..``ArraySize2_RBV``
        and ``ColorMode_RBV`` are appended.
    max_fps
        Repaint cap (frames per second).
    parent
        Qt parent.

    Signals
    -------
    frameReceived(int)
        A new frame was shaped (its number in this widget); for status bars.
    connectionChanged(bool)
        ``ArrayData`` connected or disconnected.
    """

    frameReceived = Signal(int)
    connectionChanged = Signal(bool)

    def __init__(self, prefix: str, *, max_fps: float = 30.0, parent: QWidget | None = None):
        super().__init__(parent)
        if max_fps <= 0:
            raise ValueError("max_fps must be positive")
        self.prefix = prefix
        self.max_fps = max_fps
        self.frames_received = 0
        self.frames_painted = 0
        self.connected = False
        self._assembler = FrameAssembler()
        self._frame: Frame | None = None
        self._image: QImage | None = None
        self._image_pixels: np.ndarray | None = None  #: the memory ``_image`` reads
        self._overlay_cache: tuple[tuple[object, ...], QFont] | None = None
        self._dirty = False
        self._rate = RateMeter()
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

        self._channels: list[PVChannel] = []
        data = self._channel("ArrayData", form="time")
        data.changed.connect(self._on_data)
        data.connection.connect(self._on_connection)
        for index in range(3):
            size = self._channel(f"ArraySize{index}_RBV")
            size.changed.connect(lambda ev, i=index: self._on_size(i, ev))
        mode = self._channel("ColorMode_RBV")
        mode.changed.connect(self._on_mode)

        self._timer = QTimer(self)
        # Precise and rounded up: a coarse QTimer may fire up to 5 % early.
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, math.ceil(1000.0 / max_fps)))
        self._timer.timeout.connect(self._repaint_if_new)
        self._timer.start()

    # --- what the widget shows --------------------------------------------------------

    @property
    def frame(self) -> Frame | None:
        """The newest shaped frame (the one the next repaint shows)."""
        return self._frame

    def shown_pixels(self) -> np.ndarray | None:
        """The pixels of the image last painted, before scaling: (H, W, 3) or (H, W)."""
        return None if self._image is None else qimage_to_array(self._image)

    def frame_rate(self) -> float:
        """Frames received per second over the last two seconds."""
        return self._rate.rate(time.monotonic())

    def frame_age(self) -> float | None:
        """Seconds since the server stamped the newest frame, or None."""
        return None if self._frame is None else max(0.0, time.time() - self._frame.timestamp)

    @property
    def problem(self) -> str:
        """Why no frame can be shown, or an empty string."""
        return self._assembler.problem

    def close_pvs(self) -> None:
        """Close every subscription now (also done when the widget is destroyed)."""
        self._timer.stop()
        for channel in self._channels:
            channel.close()
        self._channels.clear()

    # --- slots (GUI thread) -----------------------------------------------------------

    def _channel(self, suffix: str, form: str = "ctrl") -> PVChannel:
        channel = PVChannel(self.prefix + suffix, form=form, parent=self)
        self._channels.append(channel)
        return channel

    def _accept(self, frame: Frame | None) -> None:
        if frame is None:
            return
        self._frame = frame
        self._dirty = True
        self.frames_received += 1
        self._rate.tick(time.monotonic())
        self.frameReceived.emit(frame.number)

    def _on_data(self, event: PVEvent) -> None:
        self._accept(self._assembler.set_data(np.asarray(event.value), event.timestamp))

    def _on_size(self, index: int, event: PVEvent) -> None:
        self._accept(self._assembler.set_size(index, int(event.value)))

    def _on_mode(self, event: PVEvent) -> None:
        self._accept(self._assembler.set_mode(event.text()))

    def _on_connection(self, up: bool) -> None:
        self.connected = up
        if not up:
            self._assembler.reset()  # the IOC may come back with another geometry
        self.connectionChanged.emit(up)
        self.update()  # the overlay shows (or goes) at once, not with the next frame

    def _repaint_if_new(self) -> None:
        if self._dirty:
            self.update()

    # --- painting ---------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent | None) -> None:
        """Draw the newest frame scaled with its aspect kept, and any overlay.

        The image is painted straight from the frame's array (the one copy of
        a frame is pyepics's, from libca's buffer into numpy), and only the
        margins around it are filled.
        """
        if self._dirty and self._frame is not None:
            pixels = np.ascontiguousarray(self._frame.pixels, dtype=np.uint8)
            self._image, self._image_pixels = view_as_qimage(pixels), pixels
            self._dirty = False
            self.frames_painted += 1
        painter = QPainter(self)
        if self._image is not None:
            x, y, w, h = fit_rect(
                self._image.width(), self._image.height(), self.width(), self.height()
            )
            target = QRect(x, y, w, h)
            for margin in QRegion(self.rect()).subtracted(QRegion(target)).rects():
                painter.fillRect(margin, _BACKGROUND)
            if (w, h) != (self._image.width(), self._image.height()):
                painter.setRenderHint(QPainter.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
        else:
            painter.fillRect(self.rect(), _BACKGROUND)
        message = self._overlay_text()
        if message:
            if self._image is not None:
                painter.fillRect(self.rect(), QColor(0, 0, 0, 140))
            font, area = self._overlay_font(message)
            painter.setFont(font)
            painter.setPen(_OVERLAY_TEXT if not self.connected else QColor(220, 220, 220))
            painter.drawText(area, _OVERLAY_FLAGS, message)
        painter.end()

    def overlay_box(self) -> QRect | None:
        """Where the overlay's text is drawn (its bounding box), or None without an overlay."""
        message = self._overlay_text()
        if not message:
            return None
        font, area = self._overlay_font(message)
        return QFontMetrics(font).boundingRect(area, _OVERLAY_FLAGS, message)

    def _overlay_font(self, message: str) -> tuple[QFont, QRect]:
        """The largest bold font (up to a tenth of the height) at which ``message`` fits
        the widget, measured, and the area it is drawn in."""
        area = self.rect().adjusted(
            _OVERLAY_MARGIN, _OVERLAY_MARGIN, -_OVERLAY_MARGIN, -_OVERLAY_MARGIN
        )
        key = (message, area.width(), area.height(), self.font().key())
        if self._overlay_cache is not None and self._overlay_cache[0] == key:
            return self._overlay_cache[1], area
        font = QFont(self.font())
        font.setBold(True)
        size = max(_OVERLAY_MIN_PX, self.height() // 10)
        while True:
            font.setPixelSize(size)
            box = QFontMetrics(font).boundingRect(area, _OVERLAY_FLAGS, message)
            fits = box.width() <= area.width() and box.height() <= area.height()
            if fits or size <= _OVERLAY_MIN_PX:
                break
            size = max(_OVERLAY_MIN_PX, min(size - 1, int(size * 0.9)))
        self._overlay_cache = (key, font)
        return font, area

    def _overlay_text(self) -> str:
        if not self.connected:
            return f"DISCONNECTED\n{self.prefix}ArrayData"
        if self._image is None:
            return self.problem or f"waiting for {self.prefix}ArrayData"
        return ""
