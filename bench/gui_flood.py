"""The GUI under a frame flood: is the Qt thread free, and does painting keep to its cap?

The motor posts RBV at 100 Hz; the chart IOC draws 640x480 RGB at
``MaxRate`` 100 (as fast as it can). A ``PVImage`` (offscreen, 800x600,
repaint cap ``--cap``) shows it. Every 20 ms a zero-delay call is queued on
the GUI thread; its delay until it runs says how responsive the GUI is.

Usage::

    .venv/bin/python bench/gui_flood.py [--seconds 10] [--cap 30]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence

from common import beamline, keep_moving, percentiles, write_result


def main(argv: Sequence[str] | None = None) -> None:
    """Flood a PVImage; print and save the queued-call delays and the rates."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--cap", type=float, default=30.0)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with beamline(
        chart_args=["BENCH:motor.RBV", "--max-rate", "100"],
        motor_args=["--update-rate", "100", "--velocity", "2"],
    ) as bl:
        from qtpy.QtCore import QTimer
        from qtpy.QtWidgets import QApplication

        from chartioc.gui.pvimage import PVImage

        app = QApplication.instance() or QApplication([])
        widget = PVImage(bl.chart + "image1:", max_fps=args.cap)
        widget.resize(800, 600)
        widget.show()

        def spin(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                app.processEvents()
                time.sleep(0.001)

        delays: list[float] = []

        def probe() -> None:
            posted = time.perf_counter()
            QTimer.singleShot(0, lambda: delays.append((time.perf_counter() - posted) * 1e3))

        with keep_moving(bl.motor_pv, -8, 8):
            spin(2.0)
            r0, p0, t0 = widget.frames_received, widget.frames_painted, time.monotonic()
            timer = QTimer()
            timer.timeout.connect(probe)
            timer.start(20)
            spin(args.seconds)
            timer.stop()
            dt = time.monotonic() - t0
            received = (widget.frames_received - r0) / dt
            painted = (widget.frames_painted - p0) / dt
        widget.close_pvs()
    p50, p99 = percentiles(delays)
    print(
        f"frames received {received:.1f}/s, repainted {painted:.1f}/s (cap {args.cap:g}); "
        f"queued call delay p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(delays):.2f} ms "
        f"({len(delays)} calls)"
    )
    write_result(
        "gui_flood",
        {
            "seconds": args.seconds,
            "cap": args.cap,
            "received_per_s": received,
            "painted_per_s": painted,
            "delay_p50_ms": p50,
            "delay_p99_ms": p99,
            "delay_max_ms": max(delays),
            "calls": len(delays),
        },
    )


if __name__ == "__main__":
    main()
