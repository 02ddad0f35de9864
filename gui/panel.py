"""``ChartPanel``: the chart image, motor and chart controls, and a status bar.

The panel is thin: the chart IOC draws; the panel shows pixels
(:class:`~chartioc.gui.pvimage.PVImage`) and sends puts
(:class:`~chartioc.gui.controls.MotorControls`,
:class:`~chartioc.gui.controls.ChartControls`). Closing it ends every
subscription it opened.
"""

from __future__ import annotations

from qtpy.QtCore import Qt, QTimer
from qtpy.QtGui import QCloseEvent
from qtpy.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QStatusBar, QVBoxLayout, QWidget

from chartioc.gui.channel import PVEvent
from chartioc.gui.controls import ChartControls, MotorControls
from chartioc.gui.dispatcher import PVDispatcher
from chartioc.gui.pvimage import PVImage

__all__ = ["ChartPanel"]

STATUS_PERIOD_MS = 250
MESSAGE_MS = 8000


class ChartPanel(QMainWindow):
    """The chartioc panel.

    Parameters
    ----------
    chart
        Chart IOC prefix, e.g. ``BEAMLINE:chart:``.
    motor
        Motor record name, e.g. ``BEAMLINE:motor``; empty for no motor controls.
    image
        Image plugin under ``chart``: ``image1:`` (RGB1) or ``image2:`` (Mono).
    max_fps
        Repaint cap of the image.
    """

    def __init__(
        self,
        chart: str,
        motor: str = "",
        *,
        image: str = "image1:",
        max_fps: float = 30.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"chartioc: {chart}{image}")
        self.dispatcher = PVDispatcher(self)
        self.image = PVImage(chart + image, max_fps=max_fps)
        self.motor = MotorControls(motor, self.dispatcher) if motor else None
        self.chart = ChartControls(chart, self.dispatcher)
        self.frame_id = 0

        side = QVBoxLayout()
        if self.motor is not None:
            side.addWidget(self.motor)
            self.motor.message.connect(self._show_message)
        side.addWidget(self.chart)
        side.addStretch(1)
        self.chart.message.connect(self._show_message)
        central = QWidget()
        row = QHBoxLayout(central)
        row.addWidget(self.image, 1)
        row.addLayout(side)
        self.setCentralWidget(central)

        self.connection_label = QLabel("connecting")
        self.frame_label = QLabel("frame —")
        self.rate_label = QLabel("— fps")
        self.age_label = QLabel("age —")
        bar = self._status_bar()
        for label in (self.connection_label, self.frame_label, self.rate_label, self.age_label):
            bar.addPermanentWidget(label)
        self.image.connectionChanged.connect(self._refresh_status)
        self.dispatcher.connect_slot(self._on_unique_id, f"{chart}{image}UniqueId_RBV")
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_PERIOD_MS)
        self._status_timer.timeout.connect(self._refresh_status)
        self._status_timer.start()
        self.resize(1000, 560)

    def _status_bar(self) -> QStatusBar:
        bar = self.statusBar()  # a QMainWindow makes one when asked: never None
        if bar is None:
            raise RuntimeError("no status bar")
        return bar

    def _on_unique_id(self, event: PVEvent) -> None:
        if event.connected and event.value is not None:
            self.frame_id = int(event.value)

    def _show_message(self, text: str) -> None:
        self._status_bar().showMessage(text, MESSAGE_MS)

    def _refresh_status(self, *_: object) -> None:
        if self.image.connected:
            self.connection_label.setText("connected")
            self.connection_label.setStyleSheet("color: #2ca02c;")
        else:
            self.connection_label.setText("DISCONNECTED")
            self.connection_label.setStyleSheet("color: #d62728; font-weight: bold;")
        self.frame_label.setText(f"frame {self.frame_id}")
        self.rate_label.setText(f"{self.image.frame_rate():.1f} fps")
        age = self.image.frame_age()
        self.age_label.setText("age —" if age is None else f"age {age:.2f} s")

    def connection_report(self) -> str:
        """One line: how many of the panel's PVs are connected, and which are not."""
        names = [*self.dispatcher.pvnames, f"{self.image.prefix}ArrayData"]
        missing = self.dispatcher.disconnected()
        if not self.image.connected:
            missing.append(f"{self.image.prefix}ArrayData")
        text = f"PVs connected: {len(names) - len(missing)}/{len(names)}"
        return text + (f"; not connected: {' '.join(missing)}" if missing else "")

    def close_pvs(self) -> None:
        """End every subscription of the panel (done on close)."""
        self._status_timer.stop()
        self.dispatcher.disconnect_all()
        self.image.close_pvs()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Closing the window ends its subscriptions."""
        self.close_pvs()
        super().closeEvent(event)
