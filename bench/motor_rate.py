"""RBV posts per second of the motor IOC while it moves, at 10, 50 and 100 Hz.

For each ``--update-rate`` a motor IOC of its own moves its motor 10 units at
1 unit/s; ``:RbvPosts_RBV`` (the count of RBV posts) is read 1 s and 8 s into
the move, and the posts a second between them are compared with the rate
asked for (target: within 1 %).

Usage::

    .venv/bin/python bench/motor_rate.py [--rates 10 50 100]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence

from common import LOGS, write_result

from chartioc.client.beamline import MOTOR_MODULE
from chartioc.client.localca import (
    IocProcess,
    client_environment,
    free_ports,
    put_epics_tools_on_path,
)


def measure(rate: float) -> dict:
    """Posts a second during one long move at ``rate``."""
    import epics

    (port,) = free_ports(1)
    os.environ.update(client_environment([port]))
    epics.ca.initialize_libca()
    prefix = f"MR{int(rate)}:"
    args = ["--prefix", prefix, "--update-rate", str(rate), "--velocity", "1"]
    args += ["--acceleration", "0.1"]
    with IocProcess(
        MOTOR_MODULE,
        args,
        port=port,
        ready_pv=f"{prefix}motor.RBV",
        log_path=LOGS / "motor_rate.log",
    ):
        posts = epics.PV(f"{prefix}motor:RbvPosts_RBV", auto_monitor=False)
        posts.wait_for_connection(5)
        epics.caput(f"{prefix}motor.VAL", 10.0)  # a 10 s move
        time.sleep(1.0)
        n0, t0 = posts.get(use_monitor=False), time.monotonic()
        time.sleep(7.0)
        n1, t1 = posts.get(use_monitor=False), time.monotonic()
        epics.caput(f"{prefix}motor.STOP", 1, wait=True)
        posts.disconnect()
    epics.ca.finalize_libca()
    got = (n1 - n0) / (t1 - t0)
    row = {"rate": rate, "posts_per_s": got, "error_pct": (got / rate - 1) * 100}
    print(f"--update-rate {rate:g}: {got:.2f} posts/s ({row['error_pct']:+.2f} %)")
    return row


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[10.0, 50.0, 100.0])
    args = parser.parse_args(argv)
    put_epics_tools_on_path()
    LOGS.mkdir(parents=True, exist_ok=True)
    rows = [measure(rate) for rate in args.rates]
    write_result("motor_rate", {"rows": rows})


if __name__ == "__main__":
    main()
