"""One viewer for bench/viewers.py: a PVImage, a pyqtgraph plotter or a matplotlib plotter.

Each is a Qt window of 640x480 (offscreen) that repaints at most 10 times a
second:

* ``pvimage PLUGIN``: chartioc's :class:`~chartioc.gui.pvimage.PVImage` of the
  chart IOC's image (drawn once, in the IOC);
* ``pyqtgraph PV PV``: what PyDM's time plot does, a pyqtgraph ``PlotWidget``
  with one curve per PV, monitored with pyepics, redrawn by a 10 Hz timer;
* ``matplotlib PV PV``: a matplotlib Qt canvas with one line per PV,
  ``set_data``, rescale and ``draw_idle`` from a 10 Hz timer.

The plotters keep the newest :data:`POINTS` points per PV (filled with
:data:`POINTS` points at start, so every redraw draws a full window).

Prints ``ready`` once connected and shown, waits for ``go`` on stdin, then
counts paints and its own CPU time for SECONDS and prints one JSON line.

Usage (environment from bench/viewers.py)::

    python bench/viewer.py SECONDS KIND SOURCE...
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")  # Qt asks for one
os.makedirs(os.environ["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)

#: Points per trace the plotters draw.
POINTS = 1000
#: Redraws per second at most (every viewer).
RATE = 10.0
SIZE = (640, 480)


class Traces:
    """The newest POINTS (time, value) pairs of each PV, from pyepics monitors."""

    def __init__(self, pvnames: list[str]) -> None:
        import epics

        now = time.time()
        self.lock = threading.Lock()
        self.data = [
            deque(
                zip(now - np.arange(POINTS, 0, -1) * 0.02, np.zeros(POINTS), strict=True),
                maxlen=POINTS,
            )
            for _ in pvnames
        ]
        self.pvs = [
            epics.PV(name, auto_monitor=True, form="time", callback=self._on(i))
            for i, name in enumerate(pvnames)
        ]
        for pv in self.pvs:
            if not pv.wait_for_connection(10):
                raise SystemExit(f"{pv.pvname} did not connect")

    def _on(self, index: int) -> Callable[..., None]:
        def on_value(value: float = 0.0, timestamp: float = 0.0, **_: object) -> None:
            with self.lock:
                self.data[index].append((timestamp, value))

        return on_value

    def arrays(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(t, y) arrays of each trace, t in seconds before now."""
        with self.lock:
            rows = [np.array(d, dtype=float) for d in self.data]
        now = time.time()
        return [(r[:, 0] - now, r[:, 1]) for r in rows]


def pvimage(plugin: str) -> tuple[object, Callable[[], int]]:
    from chartioc.gui.pvimage import PVImage

    widget = PVImage(plugin, max_fps=RATE)
    return widget, lambda: widget.frames_painted


def pyqtgraph_plot(pvnames: list[str]) -> tuple[object, Callable[[], int]]:
    import pyqtgraph as pg
    from qtpy.QtCore import QEvent, QObject, QTimer

    traces = Traces(pvnames)
    widget = pg.PlotWidget()
    curves = [widget.plot(pen=pg.intColor(i)) for i in range(len(pvnames))]
    paints = [0]

    class Counter(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
            if event.type() == QEvent.Paint:
                paints[0] += 1
            return False

    counter = Counter(widget)
    widget.viewport().installEventFilter(counter)

    done = [0, 0]  # redraws shown, paints counted at the last redraw

    def redraw() -> None:
        if paints[0] > done[1]:  # the last redraw was painted (maybe in several passes)
            done[0] += 1
            done[1] = paints[0]
        for curve, (t, y) in zip(curves, traces.arrays(), strict=True):
            curve.setData(t, y)

    timer = QTimer(widget)
    timer.timeout.connect(redraw)
    timer.start(int(1000 / RATE))
    widget._keep = (traces, counter, timer)  # type: ignore[attr-defined]
    return widget, lambda: done[0]


def matplotlib_plot(pvnames: list[str]) -> tuple[object, Callable[[], int]]:
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from matplotlib.figure import Figure
    from qtpy.QtCore import QTimer

    traces = Traces(pvnames)
    figure = Figure(figsize=(SIZE[0] / 100, SIZE[1] / 100), dpi=100)
    canvas = FigureCanvasQTAgg(figure)
    ax = figure.add_subplot()
    lines = [ax.plot([], [])[0] for _ in pvnames]
    draws = [0]
    canvas.mpl_connect("draw_event", lambda _event: draws.__setitem__(0, draws[0] + 1))

    def redraw() -> None:
        for line, (t, y) in zip(lines, traces.arrays(), strict=True):
            line.set_data(t, y)
        ax.relim()
        ax.autoscale_view()
        canvas.draw_idle()

    timer = QTimer(canvas)
    timer.timeout.connect(redraw)
    timer.start(int(1000 / RATE))
    canvas._keep = (traces, timer)  # type: ignore[attr-defined]
    return canvas, lambda: draws[0]


def main() -> None:
    from qtpy.QtCore import QTimer
    from qtpy.QtWidgets import QApplication

    seconds, kind, sources = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
    app = QApplication.instance() or QApplication([])
    makers = {
        "pvimage": lambda: pvimage(sources[0]),
        "pyqtgraph": lambda: pyqtgraph_plot(sources),
        "matplotlib": lambda: matplotlib_plot(sources),
    }
    widget, painted = makers[kind]()
    widget.resize(*SIZE)  # type: ignore[attr-defined]
    widget.show()  # type: ignore[attr-defined]
    go = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), go.set()), daemon=True).start()
    start: list[float] = []

    def finish() -> None:
        p0, c0, t0 = start
        out = {"paints": painted() - p0, "cpu_s": time.process_time() - c0}
        out["seconds"] = time.monotonic() - t0
        print(json.dumps(out), flush=True)
        os._exit(0)  # no teardown of libca and Qt to time or to hang on

    def check_go() -> None:
        if go.is_set():
            waiting.stop()
            start.extend((painted(), time.process_time(), time.monotonic()))
            QTimer.singleShot(int(seconds * 1000), finish)

    waiting = QTimer()
    waiting.timeout.connect(check_go)
    waiting.start(10)
    print("ready", flush=True)
    app.exec_()


if __name__ == "__main__":
    main()
