"""``chartioc-motor``: a mock motor IOC with a simulated detector.

Run ``chartioc-motor --list-pvs`` to see every PV; ``docs/pvs.md`` describes them,
with the answer to every refused write.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping, Sequence

from caproto import AccessRights, CaprotoConversionError, CaprotoValueError, ChannelType
from caproto.server import template_arg_parser

from chartioc.iocs.common.access import add_access_argument, guarded, rules_from_args
from chartioc.iocs.common.serve import serve
from chartioc.iocs.motor.detector import make_detector_group
from chartioc.iocs.motor.record import MotorGroup

__all__ = ["MotorIOC", "guard_inputs", "main", "parse_args"]

#: Ranges of the integer channel types, for values sent as text (caproto would wrap them).
_INT_RANGES = {ChannelType.INT: (-(2**15), 2**15 - 1), ChannelType.LONG: (-(2**31), 2**31 - 1)}
_NUMBERS = (ChannelType.DOUBLE, ChannelType.FLOAT, ChannelType.INT, ChannelType.LONG)


def _wire_strings(data) -> list[str]:
    """DBR_STRING data as text (caproto hands over bytes, a str or a list of them)."""
    items = [data] if isinstance(data, bytes | bytearray | str) else list(data)
    return [
        (item if isinstance(item, str) else bytes(item).decode("latin-1")).strip("\x00 \t")
        for item in items
    ]


def _expected(channel) -> str:
    if channel.data_type == ChannelType.ENUM:
        return "one of " + ", ".join(channel.enum_strings)
    if channel.data_type in _INT_RANGES:
        return "an integer"
    return "a number"


def _guard(channel, what: str) -> None:
    """Wrap one writable channel's ``write_from_dbr`` (and an enum's ``verify_value``)."""
    kind = channel.data_type
    write_from_dbr = channel.write_from_dbr

    async def checked_write(data, data_type, metadata, *, flags=0):
        if data_type == ChannelType.STRING and kind in (*_NUMBERS, ChannelType.ENUM):
            texts = _wire_strings(data)
            if all(not text for text in texts):  # caproto would read "" as 0
                raise ValueError(f"{what} must be {_expected(channel)}, not an empty string")
            if kind in _INT_RANGES:
                low, high = _INT_RANGES[kind]
                for text in texts:
                    try:
                        number = int(text)
                    except ValueError:
                        continue  # caproto refuses it below
                    if not low <= number <= high:  # caproto would wrap it silently
                        raise ValueError(f"{what} must be within {low}..{high}, not {number}")
        alarm = channel.alarm
        before = (alarm.status, alarm.severity)
        try:
            return await write_from_dbr(data, data_type, metadata, flags=flags)
        except Exception as ex:
            # caproto sets WRITE/MAJOR on a refused write and nothing clears it (VAL would
            # stay in alarm): put back what the record said, as an EPICS IOC never alarms.
            if (alarm.status, alarm.severity) != before:
                await alarm.write(status=before[0], severity=before[1])
            if isinstance(ex, CaprotoConversionError):
                shown = _wire_strings(data)[0] if data_type == ChannelType.STRING else data
                raise ValueError(f"{what} must be {_expected(channel)}, not {shown!r}") from None
            if isinstance(ex, CaprotoValueError):  # e.g. too many elements for a scalar
                raise ValueError(f"{what}: {ex}") from None
            raise

    channel.write_from_dbr = checked_write
    if kind == ChannelType.ENUM:
        verify_value = channel.verify_value

        async def checked_verify(value):
            # caproto passes an unknown index on unchecked: the PV could no longer be read.
            choices = channel.enum_strings
            valid = value in choices if isinstance(value, str) else 0 <= value < len(choices)
            if not valid:
                shown = repr(value) if isinstance(value, str) else int(value)
                raise ValueError(f"{what} must be {_expected(channel)}, not {shown}")
            return await verify_value(value)

        channel.verify_value = checked_verify


def _channels(pvdb: Mapping[str, object]) -> Iterator[tuple[str, object]]:
    """Every channel of ``pvdb`` once, record fields included, with its PV name."""
    seen: set[int] = set()
    for pvname, channel in pvdb.items():
        fields = getattr(channel, "fields", None) or {}
        entries = [(pvname, channel)]
        entries += [(f"{pvname}.{name}", f) for name, f in fields.items() if f is not channel]
        for name, target in entries:
            if id(target) not in seen:
                seen.add(id(target))
                yield name, target


def guard_inputs(pvdb: Mapping[str, object], prefix: str = "") -> int:
    """Make every writable channel of ``pvdb`` refuse malformed input with a clear reason.

    caproto reads an empty DBR_STRING as 0, wraps a too large integer, stores an
    unknown enum index (after which the PV cannot be read) and refuses text that is not
    a number without saying which PV. Each of these becomes a ValueError naming the
    field: ``VELO must be a number, not 'abc'``. Returns how many channels were guarded.
    """
    count = 0
    for pvname, channel in _channels(pvdb):
        if not channel.check_access("", "") & AccessRights.WRITE:
            continue  # read-only: caproto answers "Write access denied"
        if "." in pvname:
            what = pvname.rsplit(".", 1)[1]
        elif getattr(channel, "fields", None):
            what = "VAL"
        else:
            what = pvname.removeprefix(prefix)
        _guard(channel, what)
        count += 1
    return count


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


def parse_args(argv: Sequence[str] | None = None):
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
    access = ioc_options.pop("access")
    ioc = MotorIOC(**ioc_options)
    serve(
        guarded(ioc.pvdb, access),
        interfaces=run_options["interfaces"],
        log_pv_names=run_options["log_pv_names"],
        verbose=run_options["verbose"],
    )


if __name__ == "__main__":
    main()
