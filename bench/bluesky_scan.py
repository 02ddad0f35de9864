"""A bluesky scan, timed: no callbacks; LivePlot + LiveFit in process; the chart IOC instead.

A 101-point ``scan`` of the mock motor (ophyd ``EpicsMotor``) reading the
mock detector (``EpicsSignalRO``), three ways, side by side in one run:

* **none**: no callbacks (the chart IOC stopped with SIGSTOP, so it costs
  the machine nothing);
* **liveplot**: bluesky's ``LivePlot`` and ``LiveFit`` (an lmfit Gaussian)
  in the RunEngine's process, matplotlib's Agg backend (the chart IOC
  stopped);
* **chartioc**: no callbacks, the chart IOC charting the same scan (xy of
  the detector against the motor's RBV, a point at rest) with its live fit.

Each is run ``--repeats`` times in turn; the median scan time of each is
reported, and the chart IOC's fit centre against the detector's.

Usage::

    .venv/bin/python bench/bluesky_scan.py [--points 101] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import time
from collections.abc import Sequence

from common import beamline, write_result

CENTRE = 1.0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=101)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import epics
    from bluesky import RunEngine
    from bluesky.callbacks import LiveFit, LivePlot
    from bluesky.plans import scan
    from lmfit.models import GaussianModel
    from ophyd import EpicsMotor, EpicsSignalRO

    p = "BENCH:"
    chart = [
        *("--kind", "xy", "--x", f"{p}motor.RBV", f"{p}det"),
        *("--sample", "rest", "--fit", "gaussian"),
    ]
    times: dict[str, list[float]] = {"none": [], "liveplot": [], "chartioc": []}
    with beamline(chart_args=chart, motor_args=["--velocity", "5", "--acceleration", "0.05"]) as bl:
        epics.caput(f"{p}det:motor:cen", CENTRE, wait=True)
        epics.caput(f"{p}det:sigma", 0.5, wait=True)
        motor = EpicsMotor(f"{p}motor", name="motor")
        det = EpicsSignalRO(f"{p}det", name="det")
        motor.wait_for_connection(timeout=10)
        det.wait_for_connection(timeout=10)
        engine = RunEngine({})
        pid = bl.chart_ioc.pid

        def run(variant: str) -> float:
            callbacks = []
            if variant == "liveplot":
                model = GaussianModel()
                init = {"amplitude": 1000.0, "center": 0.5, "sigma": 1.0}
                callbacks = [
                    LivePlot("det", "motor"),
                    LiveFit(model, "det", {"x": "motor"}, init_guess=init, update_every=1),
                ]
            if variant == "chartioc":
                epics.caput(bl.chart + "Clear", 1, wait=True)
            else:
                os.kill(pid, signal.SIGSTOP)
            try:
                motor.move(-2.0, wait=True)
                t0 = time.perf_counter()
                engine(scan([det], motor, -2.0, 4.0, args.points), callbacks)
                return time.perf_counter() - t0
            finally:
                if variant != "chartioc":
                    os.kill(pid, signal.SIGCONT)
                    time.sleep(2.0)  # it catches up with what it missed

        fit = {}
        for _ in range(args.repeats):
            for variant in times:
                took = run(variant)
                times[variant].append(took)
                print(f"{variant:9} {took:.2f} s")
                if variant == "chartioc":
                    time.sleep(1.0)
                    fit = {
                        "points": epics.caget(bl.chart + "FitPoints_RBV", use_monitor=False),
                        "centre": epics.caget(bl.chart + "FitCen_RBV", use_monitor=False),
                    }
        motor.destroy()
        det.destroy()
    medians = {k: statistics.median(v) for k, v in times.items()}
    base = medians["none"]
    for variant, took in medians.items():
        print(f"median {variant:9} {took:.2f} s ({(took / base - 1) * 100:+.1f} % of none)")
    print(f"chart IOC fit: {fit.get('points')} points, centre {fit.get('centre')}")
    write_result(
        "bluesky_scan",
        {
            "points": args.points,
            "repeats": args.repeats,
            "times": times,
            "medians": medians,
            "fit": fit,
            "centre": CENTRE,
        },
    )


if __name__ == "__main__":
    main()
