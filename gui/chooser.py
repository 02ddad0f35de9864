"""Which chart of a chart IOC to show: the names it lists, and a chooser for them.

A chart IOC lists its charts in ``{prefix}Charts_RBV`` (a char waveform,
names separated by spaces) and serves chart ``NAME`` under
``{prefix}NAME:``. An empty list, or no such PV (an older IOC), means one
chart at the prefix itself. The pure part (:func:`parse_chart_names`,
:func:`chart_prefix`, :func:`chart_to_show`) decides; :class:`ChartChooser`
only offers the names and reports the user's choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from qtpy.QtCore import Signal
from qtpy.QtWidgets import QComboBox, QFormLayout, QGroupBox, QSizePolicy, QWidget

__all__ = ["CHARTS_PV", "ChartChooser", "chart_prefix", "chart_to_show", "parse_chart_names"]

#: The IOC-level PV, under the IOC prefix, that lists the charts.
CHARTS_PV = "Charts_RBV"


def parse_chart_names(value: Any) -> tuple[str, ...]:
    """The chart names of a ``Charts_RBV`` value, in order; () for an empty list.

    ``value`` is what the CA client gives for a char waveform: an array of
    byte values (up to a NUL), a single byte value, ``bytes`` or ``str``.
    """
    if value is None:
        return ()
    if isinstance(value, bytes):
        text = value.split(b"\0", 1)[0].decode(errors="replace")
    elif isinstance(value, str):
        text = value.split("\0", 1)[0]
    else:
        raw = np.atleast_1d(np.asarray(value)).astype(np.uint8).tobytes()
        text = raw.split(b"\0", 1)[0].decode(errors="replace")
    return tuple(dict.fromkeys(text.split()))  # in order, each once


def chart_prefix(ioc_prefix: str, name: str) -> str:
    """The prefix of chart ``name`` of the IOC at ``ioc_prefix``; ``""`` is the IOC's one chart."""
    return f"{ioc_prefix}{name}:" if name else ioc_prefix


def chart_to_show(names: Sequence[str], current: str, wanted: str = "") -> str:
    """The chart to show after the IOC listed ``names``; ``""`` for the chart at the prefix.

    The chart shown (``current``) stays while it is listed; else ``wanted``
    if listed, else the first.
    """
    if not names:
        return ""
    for name in (current, wanted):
        if name and name in names:
            return name
    return names[0]


class ChartChooser(QGroupBox):
    """A ``Chart`` combo box of the charts one chart IOC serves; hidden while it serves one.

    Signals
    -------
    chosen(str)
        The user picked a chart (not emitted by :meth:`set_current`).
    """

    chosen = Signal(str)

    def __init__(self, ioc_prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Chart IOC {ioc_prefix}", parent)
        self.combo = QComboBox()
        self.combo.setObjectName("chart_chooser")
        self.combo.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.combo.setToolTip(f"The charts listed in {ioc_prefix}{CHARTS_PV}")
        form = QFormLayout(self)
        form.addRow("Chart", self.combo)
        self.combo.activated.connect(self._on_activated)
        self.setVisible(False)

    @property
    def names(self) -> tuple[str, ...]:
        """The names offered, in order."""
        return tuple(self.combo.itemText(i) for i in range(self.combo.count()))

    def set_names(self, names: Sequence[str]) -> None:
        """Offer ``names``; with none the chooser hides."""
        if tuple(names) != self.names:
            current = self.combo.currentText()
            self.combo.blockSignals(True)
            self.combo.clear()
            self.combo.addItems(list(names))
            self.combo.setCurrentIndex(max(0, self.combo.findText(current)))
            self.combo.blockSignals(False)
        self.setVisible(bool(names))

    def set_current(self, name: str) -> None:
        """Show ``name`` as the chosen chart (no :attr:`chosen` signal)."""
        index = self.combo.findText(name)
        if index >= 0:
            self.combo.blockSignals(True)
            self.combo.setCurrentIndex(index)
            self.combo.blockSignals(False)

    def _on_activated(self, index: int) -> None:
        if index >= 0:
            self.chosen.emit(self.combo.itemText(index))
