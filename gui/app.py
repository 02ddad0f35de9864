"""``chartioc-gui``: open the chart panel.

    chartioc-gui --chart BEAMLINE:chart: --motor BEAMLINE:motor
    chartioc-gui --chart BEAMLINE:chart: --select scan    # a chart IOC with many charts

With ``--screenshot PATH`` the panel is drawn (also with no display, under
``QT_QPA_PLATFORM=offscreen``), saved after ``--after`` seconds, and closed.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Qt is imported in main(), after the environment is set
    from qtpy.QtCore import QCoreApplication
    from qtpy.QtWidgets import QWidget

__all__ = ["main", "parse_args", "save_screenshot", "stop_on_signals"]

log = logging.getLogger(__name__)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options of ``chartioc-gui``."""
    parser = argparse.ArgumentParser(prog="chartioc-gui", description="chartioc panel")
    parser.add_argument(
        "--chart",
        default="BEAMLINE:chart:",
        help="chart IOC prefix: one chart, or an IOC whose Charts_RBV lists many",
    )
    parser.add_argument(
        "--select",
        default="",
        metavar="NAME",
        help="the chart to show first, of an IOC with many (default: the first listed)",
    )
    parser.add_argument(
        "--motor", default="BEAMLINE:motor", help="motor record name ('' for no motor controls)"
    )
    parser.add_argument("--image", default="image1:", choices=("image1:", "image2:"))
    parser.add_argument("--max-fps", type=float, default=30.0, help="repaint cap of the image")
    parser.add_argument("--screenshot", type=Path, help="save the panel as PNG and exit")
    parser.add_argument("--after", type=float, default=3.0, help="seconds before the screenshot")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.max_fps <= 0:
        parser.error("--max-fps must be positive")
    return args


def save_screenshot(widget: QWidget, path: Path) -> Path:
    """Write ``widget.grab()`` to ``path`` as PNG; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def _log_or_quit(app: QCoreApplication) -> Callable[..., None]:
    """An excepthook: an exception escaping a Qt slot would abort PyQt5; log it and go on.

    Ctrl-C that reaches Python inside a slot is a request to stop, not an error.
    """

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            app.quit()
        else:
            log.error("uncaught exception", exc_info=(kind, value, tb))

    return hook


def stop_on_signals(app: QCoreApplication) -> None:
    """Quit ``app`` on Ctrl-C (SIGINT) and SIGTERM.

    Python runs signal handlers only when the interpreter has control, which
    Qt's event loop does not give it: a 200-ms timer lets Python in.
    """
    from qtpy.QtCore import QTimer

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(200)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``chartioc-gui``."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    if args.screenshot and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qtpy.QtCore import QTimer
    from qtpy.QtWidgets import QApplication

    from chartioc.gui.panel import ChartPanel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    sys.excepthook = _log_or_quit(app)
    stop_on_signals(app)
    panel = ChartPanel(
        args.chart, args.motor, image=args.image, select=args.select, max_fps=args.max_fps
    )
    panel.show()
    if args.screenshot:

        def shoot() -> None:
            print(f"Panel written to {save_screenshot(panel, args.screenshot).resolve()}")
            print(panel.connection_report())
            panel.close()

        QTimer.singleShot(int(args.after * 1000), shoot)
    return app.exec_()


if __name__ == "__main__":
    sys.exit(main())
