"""A bluesky scan of the mock motor while the chart IOC draws it with a live fit.

Run the two IOCs first, each in a terminal of its own::

    chartioc-motor --prefix BEAMLINE: --motors motor,motor2
    chartioc-chart --prefix BEAMLINE:chart: --kind xy --x BEAMLINE:motor.RBV BEAMLINE:det

then this script::

    python docs/examples/bluesky_scan.py

It configures the chart IOC (xy chart of the detector against the motor, a
point each time the motor comes to rest, Gaussian fit), scans the motor
with bluesky's ``RunEngine`` and prints bluesky's own ``PeakStats`` next to
the chart IOC's statistics and fit PVs. Watch the chart meanwhile with
``chartioc-gui`` or ``camonitor BEAMLINE:chart:FitCen_RBV``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import epics
from bluesky import RunEngine
from bluesky.callbacks.fitting import PeakStats
from bluesky.plans import scan
from ophyd import EpicsMotor, EpicsSignalRO


def chart_settings(motor_prefix: str) -> dict[str, object]:
    """What the chart IOC is told to draw: detector against motor, sampled at rest."""
    return {
        "Kind": "xy",
        "X": f"{motor_prefix}motor.RBV",
        "Y1": f"{motor_prefix}det",
        "Sample": "At rest",
        "Fit": "Gaussian",
    }


def main(argv: list[str] | None = None) -> int:
    """Scan, then compare bluesky's PeakStats with the chart IOC's PVs; 0 when they agree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--motor-prefix", default="BEAMLINE:")
    parser.add_argument("--chart", default="BEAMLINE:chart:")
    parser.add_argument("--start", type=float, default=-1.0)
    parser.add_argument("--stop", type=float, default=3.0)
    parser.add_argument("--points", type=int, default=21)
    args = parser.parse_args(argv)
    mp, chart = args.motor_prefix, args.chart

    epics.caput(f"{mp}det:motor:cen", 1.0, wait=True)  # where the peak is
    for name, value in chart_settings(mp).items():
        epics.caput(chart + name, value, wait=True, timeout=5)
    epics.caput(chart + "Clear", 1, wait=True)  # statistics of this scan only

    motor = EpicsMotor(f"{mp}motor", name="motor")
    det = EpicsSignalRO(f"{mp}det", name="det")
    motor.wait_for_connection(timeout=5)
    det.wait_for_connection(timeout=5)
    stats = PeakStats("motor", "det")
    RunEngine({})(scan([det], motor, args.start, args.stop, args.points), stats)

    # The chart IOC publishes its statistics with the next frame and fits in a
    # thread of its own: wait (bounded) until both cover every point of the scan.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        counts = [
            epics.caget(chart + n, use_monitor=False) for n in ("PeakPoints_RBV", "FitPoints_RBV")
        ]
        if counts == [args.points, args.points]:
            break
        time.sleep(0.1)

    def pv(name: str) -> float:
        return float(epics.caget(chart + name, use_monitor=False))

    rows = [
        ("cen", stats.cen, pv("PeakCen_RBV")),
        ("com", stats.com, pv("PeakCom_RBV")),
        ("fwhm", stats.fwhm, pv("PeakFwhm_RBV")),
        ("max", stats.max[1], pv("PeakMax_RBV")),
    ]
    print(f"{'':6}{'bluesky PeakStats':>20}{'chart IOC':>14}")
    for name, ours, theirs in rows:
        print(f"{name:6}{ours:20.6f}{theirs:14.6f}")
    print(
        f"fit: centre {pv('FitCen_RBV'):.4f}, sigma {pv('FitSigma_RBV'):.4f}, "
        f"R^2 {pv('FitRSquared_RBV'):.6f}, status "
        f"{epics.caget(chart + 'FitStatus_RBV', as_string=True)}"
    )
    same = all(math.isclose(a, b, rel_tol=1e-6) for _, a, b in rows)
    print("bluesky and the chart IOC agree" if same else "bluesky and the chart IOC DISAGREE")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
