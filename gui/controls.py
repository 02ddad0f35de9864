"""The panel's control groups: a motor (readback, target, tweak, stop) and a chart's settings.

Each group reads and writes PVs only through a
:class:`~chartioc.gui.dispatcher.PVDispatcher`: values arrive in the GUI
thread, writes never wait, and the group's subscriptions end when it is
destroyed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from qtpy.QtCore import Qt, Signal
from qtpy.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from chartioc.gui.channel import PVEvent
from chartioc.gui.dispatcher import PVDispatcher
from chartioc.gui.frames import format_value

__all__ = ["ChartControls", "MotorControls", "parse_number"]

_MOVING = "color: white; background: #d62728; border-radius: 4px; padding: 2px 6px;"
_AT_REST = "color: white; background: #2ca02c; border-radius: 4px; padding: 2px 6px;"
_UNKNOWN = "color: white; background: #7f7f7f; border-radius: 4px; padding: 2px 6px;"


def parse_number(text: str) -> float:
    """A finite float from user input; raises ValueError with a message for the status bar."""
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(f"not a number: {text.strip()!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text.strip()!r}")
    return value


class _PVGroupBox(QGroupBox):
    """A group box whose PV slots and writes go through one dispatcher."""

    #: A message for the status bar (bad input, a write refused).
    message = Signal(str)

    def __init__(self, title: str, dispatcher: PVDispatcher, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.dispatcher = dispatcher

    def _put(self, pvname: str, value: object) -> None:
        problem = self.dispatcher.put(pvname, value)
        if problem:
            self.message.emit(problem)

    def _ignore(self, event: PVEvent) -> None:
        """A slot for PVs that are only written: it keeps them connected, ready for a put."""


class MotorControls(_PVGroupBox):
    """Readback with units and precision, a target entry, running indicator, tweak and stop.

    ``prefix`` is the motor record's name, e.g. ``BEAMLINE:motor``.
    """

    def __init__(self, prefix: str, dispatcher: PVDispatcher, parent: QWidget | None = None):
        super().__init__(f"Motor {prefix}", dispatcher, parent)
        self.prefix = prefix
        self.rbv = QLabel("—")
        self.rbv.setObjectName("rbv")
        font = self.rbv.font()
        font.setPointSize(font.pointSize() + 6)
        font.setBold(True)
        self.rbv.setFont(font)
        self.rbv.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.target = QLineEdit()
        self.target.setPlaceholderText("target, Enter to move")
        self.move_button = QPushButton("Move")
        self.running = QLabel("unknown")
        self.running.setStyleSheet(_UNKNOWN)
        self.tweak_minus = QPushButton("\N{MINUS SIGN}")
        self.tweak_plus = QPushButton("+")
        self.twv = QLabel("step —")
        self.stop_button = QPushButton("STOP")
        self.stop_button.setStyleSheet("font-weight: bold; color: #d62728;")

        target_row = QHBoxLayout()
        target_row.addWidget(self.target, 1)
        target_row.addWidget(self.move_button)
        tweak_row = QHBoxLayout()
        tweak_row.addWidget(self.tweak_minus)
        tweak_row.addWidget(self.twv, 1, Qt.AlignmentFlag.AlignCenter)
        tweak_row.addWidget(self.tweak_plus)
        form = QFormLayout(self)
        form.addRow("Readback", self.rbv)
        form.addRow("Target", target_row)
        form.addRow("State", self.running)
        form.addRow("Tweak", tweak_row)
        form.addRow(self.stop_button)

        self.target.returnPressed.connect(self._move)
        self.move_button.clicked.connect(self._move)
        self.tweak_minus.clicked.connect(lambda: self._put(self._pv("TWR"), 1))
        self.tweak_plus.clicked.connect(lambda: self._put(self._pv("TWF"), 1))
        self.stop_button.clicked.connect(lambda: self._put(self._pv("STOP"), 1))
        for field, slot in (
            ("RBV", self._on_rbv),
            ("VAL", self._on_val),
            ("running", self._on_running),
            ("TWV", self._on_twv),
            ("TWR", self._ignore),
            ("TWF", self._ignore),
            ("STOP", self._ignore),
        ):
            dispatcher.connect_slot(slot, self._pv(field))

    def _pv(self, field: str) -> str:
        return f"{self.prefix}.{field}"

    def _move(self) -> None:
        try:
            value = parse_number(self.target.text())
        except ValueError as ex:
            self.message.emit(str(ex))
            return
        self._put(self._pv("VAL"), value)
        self.target.setModified(False)

    def _on_rbv(self, event: PVEvent) -> None:
        self.rbv.setText(event.text())

    def _on_val(self, event: PVEvent) -> None:
        # The target shows VAL until the user edits it; a move hands it back to VAL.
        if event.connected and not self.target.isModified() and event.value is not None:
            self.target.setText(format_value(event.value, event.precision))

    def _on_running(self, event: PVEvent) -> None:
        if not event.connected or event.value is None:
            self.running.setText("disconnected")
            self.running.setStyleSheet(_UNKNOWN)
        elif int(event.value):
            self.running.setText("moving")
            self.running.setStyleSheet(_MOVING)
        else:
            self.running.setText("at rest")
            self.running.setStyleSheet(_AT_REST)

    def _on_twv(self, event: PVEvent) -> None:
        self.twv.setText(f"step {event.text()}")


#: PVs of the fit readout, by the key the label uses.
FIT_PVS = {
    "status": "FitStatus_RBV",
    "cen": "FitCen_RBV",
    "sigma": "FitSigma_RBV",
    "r2": "FitRSquared_RBV",
}


class ChartControls(_PVGroupBox):
    """Chart kind, time window, clear, pause, status and fit of a chart IOC.

    ``prefix`` is the chart IOC's prefix, e.g. ``BEAMLINE:chart:``.
    """

    def __init__(self, prefix: str, dispatcher: PVDispatcher, parent: QWidget | None = None):
        super().__init__(f"Chart {prefix}", dispatcher, parent)
        self.prefix = prefix
        self.kind = QComboBox()
        self.window_box = QDoubleSpinBox()  # its range: the Window PV's display limits
        self.window_box.setDecimals(1)
        self.window_box.setSuffix(" s")
        self.window_box.setKeyboardTracking(False)
        self.clear_button = QPushButton("Clear")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.fit = QLabel("")
        self._fit: dict[str, str] = {}
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.pause_button)
        form = QFormLayout(self)
        form.addRow("Kind", self.kind)
        form.addRow("Window", self.window_box)
        form.addRow(buttons)
        form.addRow("Status", self.status)
        form.addRow("Fit", self.fit)

        self.kind.activated.connect(lambda index: self._put(prefix + "Kind", index))
        self.window_box.editingFinished.connect(
            lambda: self._put(prefix + "Window", self.window_box.value())
        )
        self.clear_button.clicked.connect(lambda: self._put(prefix + "Clear", 1))
        self.pause_button.clicked.connect(lambda on: self._put(prefix + "Pause", int(on)))
        for suffix, slot in (
            ("Kind", self._on_kind),
            ("Window", self._on_window),
            ("Pause", self._on_pause),
            ("Clear", self._ignore),
            ("Status_RBV", self._on_status),
        ):
            dispatcher.connect_slot(slot, prefix + suffix)
        for key, suffix in FIT_PVS.items():
            dispatcher.connect_slot(self._fit_slot(key), prefix + suffix)

    def _fit_slot(self, key: str) -> Callable[[PVEvent], None]:
        def on_fit(event: PVEvent) -> None:
            self._fit[key] = event.text() if event.connected else ""
            self._show_fit()

        on_fit.__name__ = f"on_fit_{key}"
        return on_fit

    def _show_fit(self) -> None:
        """``OK  cen 0.500  sigma 1.000  R2 1.000`` (Greek and superscript), or the status."""
        fit = self._fit
        status = fit.get("status", "")
        if status == "OK":
            text = f"OK  cen {fit.get('cen', '')}  \u03c3 {fit.get('sigma', '')}"
            text += f"  R\u00b2 {fit.get('r2', '')}"
        else:
            text = status
        self.fit.setText(text)

    def _on_kind(self, event: PVEvent) -> None:
        if not event.connected or event.value is None:
            return
        if [self.kind.itemText(i) for i in range(self.kind.count())] != list(event.enum_strs):
            self.kind.clear()
            self.kind.addItems(list(event.enum_strs))
        self.kind.setCurrentIndex(int(event.value))

    def _on_window(self, event: PVEvent) -> None:
        if event.connected and event.value is not None and not self.window_box.hasFocus():
            self.window_box.blockSignals(True)
            if event.display_limits is not None:
                self.window_box.setRange(*event.display_limits)
            self.window_box.setValue(float(event.value))
            self.window_box.blockSignals(False)

    def _on_pause(self, event: PVEvent) -> None:
        if event.connected and event.value is not None:
            self.pause_button.setChecked(bool(int(event.value)))

    def _on_status(self, event: PVEvent) -> None:
        self.status.setText(event.text())
