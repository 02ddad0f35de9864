"""``chartioc-motor``: a mock motor IOC with a simulated detector.

Run ``chartioc-motor --list-pvs`` to see every PV; ``docs/pvs.md`` describes them,
with the answer to every refused write.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from caproto.server import template_arg_parser

from chartioc.iocs.common.access import add_access_argument, rules_from_args
from chartioc.iocs.common.guard import guard_inputs
from chartioc.iocs.common.serve import run_ioc
from chartioc.iocs.motor.detector import make_detector_group
from chartioc.iocs.motor.record import MotorGroup

__all__ = ["MotorIOC", "main", "parse_args"]

PV_NAME_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-:")


def motor_list(text: str) -> list[str]:
    """Parse ``--motors m1,m2``: non-empty, unique names of PV-safe characters."""
    names = [n.strip() for n in text.split(",")]
    if not names or any(not n for n in names):
        raise argparse.ArgumentTypeError(f"empty motor name in {text!r}")
    bad = [n for n in names if not set(n) <= PV_NAME_CHARS]
    if bad:
        raise argparse.ArgumentTypeError(f"motor names may use letters, digits, _ - : only: {bad}")
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"duplicate motor names in {text!r}")
    return names


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0: {text!r}")
    return value


class MotorIOC:
    """The motors and the detector of one IOC; ``pvdb`` is what caproto serves."""

    def __init__(
        self,
        prefix: str = "BEAMLINE:",
        motors: Sequence[str] = ("motor",),
        detector: str = "det",
        update_rate: float = 20.0,
        velocity: float = 1.0,
        acceleration: float = 0.2,
        limits: tuple[float, float] = (-10.0, 10.0),
        seed: int | None = None,
    ) -> None:
        self.motors = {
            name: MotorGroup(
                prefix=f"{prefix}{name}",
                velocity=velocity,
                acceleration=acceleration,
                limits=limits,
                update_rate=update_rate,
                on_position=self._position_changed,
            )
            for name in motors
        }
        detector_cls = make_detector_group(list(motors))
        self.detector = detector_cls(
            prefix=f"{prefix}{detector}", positions=self.positions, seed=seed
        )
        self.pvdb = dict(self.detector.pvdb)
        for group in self.motors.values():
            self.pvdb.update(group.pvdb)
        guard_inputs(self.pvdb, prefix)

    def positions(self) -> list[float]:
        """Current user positions (RBV) of all motors, in order."""
        return [m.fields.user_readback_value.value for m in self.motors.values()]

    async def _position_changed(self) -> None:
        await self.detector.update()


def parse_args(argv: Sequence[str] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parse the command line into (IOC kwargs, caproto run kwargs)."""
    parser, split_args = template_arg_parser(
        default_prefix="BEAMLINE:",
        desc="Mock EPICS motor IOC (motor-record fields) with a simulated Gaussian detector.",
        supported_async_libs=["asyncio"],
    )
    parser.add_argument(
        "--motors",
        type=motor_list,
        default=["motor"],
        help="comma-separated motor names (default: motor)",
    )
    parser.add_argument("--detector", default="det", help="detector name (default: det)")
    parser.add_argument(
        "--update-rate",
        type=positive_float,
        default=20.0,
        help="RBV updates per second while moving (default: 20)",
    )
    parser.add_argument(
        "--velocity", type=positive_float, default=1.0, help="initial VELO in EGU/s (default: 1)"
    )
    parser.add_argument(
        "--acceleration", type=float, default=0.2, help="initial ACCL in s (default: 0.2)"
    )
    parser.add_argument(
        "--limits",
        type=float,
        nargs=2,
        default=[-10.0, 10.0],
        metavar=("LLM", "HLM"),
        help="initial soft limits (default: -10 10)",
    )
    parser.add_argument("--seed", type=int, default=None, help="noise seed (reproducible runs)")
    add_access_argument(parser)
    args = parser.parse_args(argv)
    if args.limits[1] < args.limits[0]:
        parser.error("--limits: HLM must not be below LLM")
    if args.acceleration < 0:
        parser.error("--acceleration must be >= 0")
    ioc_options, run_options = split_args(args)
    run_options["verbose"] = args.verbose or 0
    ioc_options.pop("macros", None)
    ioc_options["access"] = rules_from_args(parser, args)
    ioc_options.update(
        motors=args.motors,
        detector=args.detector,
        update_rate=args.update_rate,
        velocity=args.velocity,
        acceleration=args.acceleration,
        limits=tuple(args.limits),
        seed=args.seed,
    )
    return ioc_options, run_options


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``chartioc-motor``."""
    ioc_options, run_options = parse_args(argv)
    run_ioc(MotorIOC, ioc_options, run_options)


if __name__ == "__main__":
    main()
