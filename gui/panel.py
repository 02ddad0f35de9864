"""``ChartPanel``: the chart image, motor and chart controls, and a status bar.

The panel is thin: the chart IOC draws; the panel shows pixels
(:class:`~chartioc.gui.pvimage.PVImage`) and sends puts
(:class:`~chartioc.gui.controls.MotorControls`,
:class:`~chartioc.gui.controls.ChartControls`). Closing it ends every
subscription it opened.

A chart IOC that serves many charts lists them in ``{prefix}Charts_RBV``;
the panel then offers them in a ``Chart`` chooser
(:class:`~chartioc.gui.chooser.ChartChooser`) and shows one at a time, under
``{prefix}NAME:``. Switching closes the old chart's subscriptions: the
chart's PVs go through a dispatcher of their own, closed with it. An empty
list, or no ``Charts_RBV`` at all (an older IOC), leaves the panel as it was:
the prefix is the chart.
"""

from __future__ import annotations

import logging

from qtpy.QtCore import Qt, QTimer
from qtpy.QtGui import QCloseEvent
from qtpy.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QStatusBar, QVBoxLayout, QWidget

from chartioc.gui.channel import PVEvent
from chartioc.gui.chooser import (
    CHARTS_PV,
    ChartChooser,
    chart_prefix,
    chart_to_show,
    parse_chart_names,
)
from chartioc.gui.controls import ChartControls, MotorControls
from chartioc.gui.dispatcher import PVDispatcher
from chartioc.gui.pvimage import PVImage

__all__ = ["ChartPanel"]

log = logging.getLogger(__name__)

STATUS_PERIOD_MS = 250
MESSAGE_MS = 8000


class ChartPanel(QMainWindow):
    """The chartioc panel.

    Parameters
    ----------
    chart
        Chart IOC prefix, e.g. ``BEAMLINE:chart:``: the chart itself, or the
        IOC prefix of a many-chart IOC (its charts are then offered).
    motor
        Motor record name, e.g. ``BEAMLINE:motor``; empty for no motor controls.
    image
        Image plugin under the chart: ``image1:`` (RGB1) or ``image2:`` (Mono).
    select
        The chart of a many-chart IOC to show first (default: the first listed).
    max_fps
        Repaint cap of the image.
    """

    def __init__(
        self,
        chart: str,
        motor: str = "",
        *,
        image: str = "image1:",
        select: str = "",
        max_fps: float = 30.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ioc_prefix = chart
        self.plugin = image
        self.max_fps = max_fps
        self.frame_id = 0
        self._wanted = select  # used once, when the IOC first lists its charts
        self._names: tuple[str, ...] = ()
        self._shown = ""
        #: the motor's PVs and Charts_RBV; the shown chart's PVs have a dispatcher of their own
        self.dispatcher = PVDispatcher(self)
        self.motor = MotorControls(motor, self.dispatcher) if motor else None
        self.chooser = ChartChooser(chart)
        self.chart_dispatcher = PVDispatcher(self)
        self.image = PVImage(chart + image, max_fps=max_fps)
        self.chart = ChartControls(chart, self.chart_dispatcher)

        self._side = side = QVBoxLayout()
        side.addWidget(self.chooser)
        if self.motor is not None:
            side.addWidget(self.motor)
            self.motor.message.connect(self._show_message)
        side.addWidget(self.chart)
        side.addStretch(1)
        central = QWidget()
        self._row = row = QHBoxLayout(central)
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
        self._wire_chart()
        self.chooser.chosen.connect(self.show_chart)
        self.dispatcher.connect_slot(self._on_charts, chart + CHARTS_PV)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_PERIOD_MS)
        self._status_timer.timeout.connect(self._refresh_status)
        self._status_timer.start()
        self.resize(1000, 560)

    # --- the charts of the IOC ---------------------------------------------------------

    @property
    def chart_names(self) -> tuple[str, ...]:
        """The charts the IOC lists (``Charts_RBV``); () when the prefix is the chart."""
        return self._names

    @property
    def chart_name(self) -> str:
        """The chart shown; ``""`` when it is the one chart at the prefix."""
        return self._shown

    @property
    def chart_prefix(self) -> str:
        """The prefix of the chart shown, e.g. ``BEAMLINE:chart:scan:``."""
        return chart_prefix(self.ioc_prefix, self._shown)

    def show_chart(self, name: str) -> None:
        """Show chart ``name`` of :attr:`chart_names` (``""``: the chart at the prefix).

        The image, the chart controls and the frame id follow; the old chart's
        subscriptions are closed. Raises ValueError for a name the IOC does not list.
        """
        if name and name not in self._names:
            raise ValueError(f"no chart {name!r} at {self.ioc_prefix} (charts: {self._names})")
        if name == self._shown:
            return
        log.info("showing chart %r of %s", name, self.ioc_prefix)
        self._close_chart()
        self._shown = name
        prefix = self.chart_prefix
        self.chart_dispatcher = PVDispatcher(self)
        image = PVImage(prefix + self.plugin, max_fps=self.max_fps)
        controls = ChartControls(prefix, self.chart_dispatcher)
        self._replace(self._row, self.image, image)
        self._replace(self._side, self.chart, controls)
        self.image, self.chart = image, controls
        self.frame_id = 0
        self._wire_chart()
        self.chooser.set_current(name)
        self._refresh_status()

    def _on_charts(self, event: PVEvent) -> None:
        if not event.connected:
            return  # an IOC away, or one with no list: keep what is shown
        names = parse_chart_names(event.value)
        if names == self._names:
            return
        log.info("%s%s: %s", self.ioc_prefix, CHARTS_PV, " ".join(names) or "(one chart)")
        self._names = names
        self.chooser.set_names(names)
        wanted, self._wanted = (self._wanted, "") if names else ("", self._wanted)
        target = chart_to_show(names, self._shown, wanted)
        if wanted and target != wanted:
            self._show_message(f"no chart {wanted!r} at {self.ioc_prefix}; showing {target!r}")
        self.show_chart(target)

    def _wire_chart(self) -> None:
        """Connect the shown chart's widgets to the panel, and set the title."""
        self.chart.message.connect(self._show_message)
        self.image.connectionChanged.connect(self._refresh_status)

        def on_unique_id(event: PVEvent) -> None:  # not a bound slot: it dies with the chart
            if event.connected and event.value is not None:
                self.frame_id = int(event.value)

        plugin = self.chart_prefix + self.plugin
        self.chart_dispatcher.connect_slot(on_unique_id, f"{plugin}UniqueId_RBV")
        shown = f"{self._shown} ({plugin})" if self._shown else plugin
        self.setWindowTitle(f"chartioc: {shown}")

    def _close_chart(self) -> None:
        """End the shown chart's subscriptions; its widgets go with the next event loop turn."""
        self.image.close_pvs()
        self.chart_dispatcher.disconnect_all()
        self.chart_dispatcher.deleteLater()

    @staticmethod
    def _replace(layout: QHBoxLayout | QVBoxLayout, old: QWidget, new: QWidget) -> None:
        layout.replaceWidget(old, new)
        old.hide()
        old.deleteLater()

    # --- status ------------------------------------------------------------------------

    def _status_bar(self) -> QStatusBar:
        bar = self.statusBar()  # a QMainWindow makes one when asked: never None
        if bar is None:
            raise RuntimeError("no status bar")
        return bar

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
        """One line: how many of the panel's PVs are connected, and which are not.

        ``Charts_RBV`` counts only when it answers (an older IOC has none); with
        many charts the line names the chart shown.
        """
        charts_pv = self.ioc_prefix + CHARTS_PV
        down = [*self.dispatcher.disconnected(), *self.chart_dispatcher.disconnected()]
        optional = {charts_pv} & set(down)
        names = [*self.dispatcher.pvnames, *self.chart_dispatcher.pvnames]
        names = [n for n in names if n not in optional] + [f"{self.image.prefix}ArrayData"]
        missing = [n for n in down if n not in optional]
        if not self.image.connected:
            missing.append(f"{self.image.prefix}ArrayData")
        text = f"PVs connected: {len(names) - len(missing)}/{len(names)}"
        text += f"; not connected: {' '.join(missing)}" if missing else ""
        if self._names:
            text += f"; chart {self._shown} of {' '.join(self._names)}"
        return text

    def close_pvs(self) -> None:
        """End every subscription of the panel (done on close)."""
        self._status_timer.stop()
        self.dispatcher.disconnect_all()
        self.chart_dispatcher.disconnect_all()
        self.image.close_pvs()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Closing the window ends its subscriptions."""
        self.close_pvs()
        super().closeEvent(event)
