"""``chartioc-demo``: start the IOCs on 127.0.0.1 and the panel, move the motors, show PVs.

One chart IOC serves three charts from one configuration file (written to
the output folder as ``charts.toml``): ``motors``, a strip of both motors;
``scan``, the detector against the motor with its Gaussian fit; ``stage``,
the map of the two motors. Everything runs on ports of its own, so the demo
never disturbs (or sees) other IOCs on the network. With a display the
panel opens and the demo ends when it is closed; with none, the panel is
drawn offscreen and saved as ``panel.png`` next to ``chart.png`` (the scan)
and ``chart-motors.png``, ``chart-stage.png``. The IOCs are stopped at the end.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

from chartioc.client.beamline import LocalBeamline
from chartioc.client.localca import (
    Repeater,
    client_environment,
    epics_tool,
    free_ports,
    put_epics_tools_on_path,
)
from chartioc.client.procstats import describe, left_behind

__all__ = ["main"]

log = logging.getLogger(__name__)

#: A scan across the detector's peak (centre 0.5), after a move to the start.
PATTERN = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)
STATUS_PVS = (
    "Status_RBV",
    "image1:UniqueId_RBV",
    "FramesRendered_RBV",
    "UpdatesReceived_RBV",
    "RenderTime_RBV",
    "PeakCen_RBV",
    "PeakFwhm_RBV",
    "PeakMax_RBV",
    "FitStatus_RBV",
    "FitCen_RBV",
    "FitSigma_RBV",
    "FitRSquared_RBV",
)


#: The charts of the demo's chart IOC, in the order the panel offers them.
CHARTS = ("scan", "motors", "stage")


def charts_config(prefix: str) -> str:
    """The demo's configuration file (see docs/examples/charts.toml)."""
    return textwrap.dedent(
        f"""\
        # chartioc-demo: three charts in one chart IOC, each under {prefix}chart:NAME:
        [charts.scan]
        kind = "xy"
        x = "{prefix}motor.RBV"
        y = ["{prefix}det"]
        fit = "gaussian"
        title = "det vs motor (chartioc demo)"

        [charts.motors]
        kind = "strip"
        y = ["{prefix}motor.RBV", "{prefix}motor2.RBV"]
        window = 60
        max_rate = 10
        title = "Motors"

        [charts.stage]
        kind = "map"
        x = "{prefix}motor.RBV"
        y = ["{prefix}motor2.RBV"]
        max_rate = 10
        title = "Stage"
        """
    )


def save_frame(plugin_prefix: str, path: Path) -> None:
    """Read an RGB1 image PV once (pyepics) and write it as a PNG."""
    import epics
    import numpy as np
    from PIL import Image

    w = epics.caget(plugin_prefix + "ArraySize1_RBV", timeout=5)
    h = epics.caget(plugin_prefix + "ArraySize2_RBV", timeout=5)
    data = epics.caget(plugin_prefix + "ArrayData", count=w * h * 3, timeout=5)
    Image.fromarray(np.asarray(data, dtype=np.uint8).reshape(h, w, 3)).save(path)


def caget_lines(pvs: Sequence[str], *flags: str) -> str:
    """What ``caget [flags]`` prints for ``pvs`` (EPICS base tool when installed, else
    pyepics); ``-S`` prints char waveforms as text."""
    try:
        tool = epics_tool("caget")
    except FileNotFoundError:
        import epics

        return "\n".join(f"{pv:30s} {epics.caget(pv, as_string=True, timeout=5)}" for pv in pvs)
    result = subprocess.run(
        [tool, "-w", "5", *flags, *pvs], capture_output=True, text=True, timeout=30
    )
    return (result.stdout + result.stderr).rstrip()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options of the demo."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default="BEAMLINE:", help="PV prefix (default BEAMLINE:)")
    parser.add_argument("--output", default="demo-output", help="folder for logs and images")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``chartioc-demo``."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("caproto").setLevel(logging.WARNING)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    motor_port, chart_port, repeater_port = free_ports(3)
    os.environ.update(client_environment([motor_port, chart_port], repeater_port))
    put_epics_tools_on_path()
    import epics  # after the environment: libca reads it once

    prefix = args.prefix
    motor, ioc = f"{prefix}motor", f"{prefix}chart:"
    chart = f"{ioc}scan:"  # the chart the scan is watched on
    config = out / "charts.toml"
    config.write_text(charts_config(prefix))
    print(f"Motor IOC on 127.0.0.1:{motor_port}, chart IOC on 127.0.0.1:{chart_port}.")
    print("While the demo runs, follow along in another terminal:")
    print(f"  export EPICS_CA_ADDR_LIST='127.0.0.1:{motor_port} 127.0.0.1:{chart_port}'")
    print("  export EPICS_CA_AUTO_ADDR_LIST=NO")
    print(f"  camonitor {motor}.RBV {motor}.running {prefix}det {chart}image1:UniqueId_RBV")
    print(f"  caget -S {ioc}Charts_RBV    # the charts of the chart IOC ({config})\n")
    beamline = LocalBeamline(
        prefix,
        motor_port=motor_port,
        chart_port=chart_port,
        motor_args=["--motors", "motor,motor2", "--velocity", "2", "--acceleration", "0.2"],
        chart_args=["--config", str(config)],
        log_dir=out,
        tag="demo",
    )
    # Our own caRepeater: the one libca would start for the panel outlives the demo.
    with Repeater(repeater_port), beamline.started():
        gui = subprocess.Popen(gui_command(ioc, motor)) if has_display() else None
        epics.caput(f"{prefix}det:motor:cen", 0.5, wait=True, timeout=5)
        print(f"$ caput -c {motor}2.VAL 0.5    # the stage map: up, then along the scan")
        epics.caput(f"{motor}2.VAL", 0.5, wait=True, timeout=30)
        epics.caput(f"{motor}.VAL", PATTERN[0], wait=True, timeout=30)
        epics.caput(f"{chart}Clear", 1, wait=True, timeout=5)  # the scan starts here
        for target in PATTERN[1:]:
            print(f"$ caput -c {motor}.VAL {target}")
            if epics.caput(f"{motor}.VAL", target, wait=True, timeout=30) != 1:
                print(f"move to {target} did not complete", file=sys.stderr)
                return 1
            print(caget_lines([f"{motor}.RBV", f"{motor}.DMOV", f"{prefix}det"]))
        time.sleep(0.5)  # the last frame
        print(caget_lines([f"{ioc}Charts_RBV", f"{ioc}IocStatus_RBV"], "-S"))
        print(caget_lines([f"{chart}{s}" for s in STATUS_PVS]))
        for name in CHARTS:
            png = out / ("chart.png" if name == "scan" else f"chart-{name}.png")
            save_frame(f"{ioc}{name}:image1:", png)
            print(f"Chart {name} written to {png.resolve()}")
        if gui is not None:
            print("The panel is open: close its window to stop the demo.")
            gui.wait()
        else:
            print(panel_screenshot(ioc, motor, out / "panel.png"))
        epics.ca.finalize_libca()
    left = left_behind()
    for pid in left:
        print(f"still running after the demo: {describe(pid)}", file=sys.stderr)
    return 1 if left else 0


def has_display() -> bool:
    """True when a Qt window can be shown (X11 or Wayland, not forced offscreen).

    Qt's X11 plugin needs system libraries a minimal system lacks; when they
    are missing, say which (and how to install them) and draw offscreen.
    """
    if os.environ.get("QT_QPA_PLATFORM", "") == "offscreen":
        return False
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    missing = missing_qt_libraries()
    if missing and not os.environ.get("WAYLAND_DISPLAY"):
        print(
            f"The panel cannot open a window: Qt's X11 plugin needs {', '.join(missing)}.\n"
            "Install them with `make gui-deps` (Debian/Ubuntu); drawing the panel offscreen."
        )
        return False
    return True


def missing_qt_libraries() -> list[str]:
    """System libraries that PyQt5's X11 platform plugin needs and cannot find (``ldd``)."""
    import importlib.util

    spec = importlib.util.find_spec("PyQt5")
    if spec is None or not spec.submodule_search_locations:
        return []
    plugin = Path(next(iter(spec.submodule_search_locations))) / "Qt5/plugins/platforms/libqxcb.so"
    try:
        result = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    found = [line.split()[0] for line in result.stdout.splitlines() if "not found" in line]
    return sorted(set(found))


def gui_command(chart: str, motor: str, *extra: str) -> list[str]:
    """The ``chartioc-gui`` command line for these prefixes (this Python, this install)."""
    return [sys.executable, "-m", "chartioc.gui.app", "--chart", chart, "--motor", motor, *extra]


def panel_screenshot(chart: str, motor: str, path: Path) -> str:
    """Draw the panel offscreen and save it as PNG; return what to tell the user."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    cmd = gui_command(chart, motor, "--screenshot", str(path), "--after", "3")
    try:
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "No display; the offscreen panel did not finish in 60 s (no screenshot)."
    if result.returncode != 0 or not path.exists():
        return f"No display; the offscreen panel failed: {result.stderr.strip()[-300:]}"
    return f"No display: panel screenshot written to {path.resolve()}"


if __name__ == "__main__":
    sys.exit(main())
