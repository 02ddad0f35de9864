"""The command line of ``chartioc-chart``: caproto's IOC options plus the chart's settings."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from caproto.server import template_arg_parser

from chartioc.iocs.chart.chart_file import ChartFileError, load_charts
from chartioc.iocs.chart.engine import FIT_MODES, SAMPLE_MODES, ChartConfig, ConfigError
from chartioc.iocs.chart.model import CHART_KINDS
from chartioc.iocs.chart.settings import DEFAULTS, FIT_CHOICES, SAMPLE_CHOICES
from chartioc.iocs.common.access import add_access_argument, rules_from_args

__all__ = ["parse_args"]

#: The options that set the one chart of today's command line (not with --config).
_CHART_OPTIONS = (
    "sources",
    "kind",
    "x",
    "z",
    "y",
    "sample",
    "fit",
    "colormap",
    "color_limits",
    "window",
    "width",
    "height",
    "max_rate",
    "title",
)


def _word(modes: Sequence[str], choices: Sequence[str]) -> Callable[[str], str]:
    """An argparse type: a mode (``rest``) or its PV enum string (``At rest``), any case."""
    names = {m.lower(): m for m in modes} | {
        c.lower(): m for c, m in zip(choices, modes, strict=True)
    }

    def convert(text: str) -> str:
        try:
            return names[text.strip().lower()]
        except KeyError:
            words = ", ".join([*modes, *(repr(c) for c in choices)])
            raise argparse.ArgumentTypeError(f"{text!r}: one of {words}") from None

    return convert


def _workers(text: str) -> int:
    """An argparse type: 0..64 render worker processes."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a whole number 0..64") from None
    if not 0 <= count <= 64:
        raise argparse.ArgumentTypeError(f"{count}: a whole number 0..64")
    return count


def parse_args(argv: Sequence[str] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parse the command line into (IOC kwargs, caproto run kwargs)."""
    parser, split_args = template_arg_parser(
        default_prefix="BEAMLINE:chart:",
        desc="Chart IOC: draws PVs with matplotlib and serves the frames as image PVs.",
        supported_async_libs=["asyncio"],
    )
    parser.prog = "chartioc-chart"  # also when run as python -m chartioc.iocs.chart.ioc
    parser.add_argument(
        "sources", nargs="*", metavar="PV", help="Y source PVs (strip: up to 4; others: Y1)"
    )
    parser.add_argument("--kind", choices=CHART_KINDS, default="strip")
    parser.add_argument("--x", default="", help="X source PV (xy, map, grid)")
    parser.add_argument("--z", default="", help="value PV (grid)")
    parser.add_argument(
        "--y",
        nargs="+",
        action="extend",
        default=[],
        metavar="PV",
        help="Y source PVs, as the positional PVs (strip: up to 4; others: Y1)",
    )
    parser.add_argument(
        "--sample",
        type=_word(SAMPLE_MODES, SAMPLE_CHOICES),
        default=DEFAULTS.sample,
        metavar="{update,rest}",
        help="xy/grid: a point on every update, or each time the motors come to rest; "
        "the PV's words 'Each update' and 'At rest' work too",
    )
    parser.add_argument(
        "--fit",
        type=_word(FIT_MODES, FIT_CHOICES),
        default=DEFAULTS.fit,
        metavar="{off,gaussian}",
        help="xy fit (or the PV's words 'Off', 'Gaussian')",
    )
    parser.add_argument("--colormap", default=DEFAULTS.colormap, help="grid colour map")
    parser.add_argument(
        "--color-limits",
        nargs=2,
        type=float,
        metavar=("LOW", "HIGH"),
        default=(DEFAULTS.color_low, DEFAULTS.color_high),
        help="grid colour scale (equal: follow the data)",
    )
    parser.add_argument("--window", type=float, default=DEFAULTS.window, help="strip window, s")
    parser.add_argument("--width", type=int, default=DEFAULTS.width)
    parser.add_argument("--height", type=int, default=DEFAULTS.height)
    parser.add_argument(
        "--max-rate", type=float, default=DEFAULTS.max_rate, help="frames per second, max"
    )
    parser.add_argument("--title", default="")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="serve the charts of this TOML file, each under {prefix}NAME: "
        "(instead of one chart from the options above)",
    )
    parser.add_argument(
        "--autosave",
        metavar="FILE",
        help="save every chart's settings to FILE on change and restore them at start",
    )
    parser.add_argument(
        "--render-workers",
        type=_workers,
        default=0,
        metavar="N",
        help="processes that draw the charts (default 0: a thread per chart in the IOC; "
        "they share one core, see docs/performance.md)",
    )
    parser.add_argument(
        "--pva",
        action="store_true",
        help="also serve every chart over pvAccess: the frame as an NTNDArray "
        "{chart prefix}Pva1:Image (EPICS_PVAS_* set where; default: where CA listens)",
    )
    add_access_argument(parser)
    args = parser.parse_args(argv)
    ioc_options, run_options = split_args(args)
    run_options["verbose"] = args.verbose or 0
    ioc_options.pop("macros", None)
    ioc_options["access"] = rules_from_args(parser, args)
    ioc_options["autosave"] = args.autosave
    ioc_options["render_workers"] = args.render_workers
    ioc_options["pva_interfaces"] = list(run_options["interfaces"]) if args.pva else None
    ioc_options["pva_access"] = ioc_options["access"] if args.pva else None
    if args.config is not None:
        given = [
            o
            for o in _CHART_OPTIONS
            if (
                getattr(args, o)
                if o in ("sources", "y")
                else getattr(args, o) != parser.get_default(o)
            )
        ]
        if given:
            names = ", ".join(
                "PVs" if o == "sources" else "--" + o.replace("_", "-") for o in given
            )
            parser.error(f"--config defines the charts: {names} cannot be given with it")
        try:
            ioc_options["charts"] = load_charts(args.config).charts
        except ChartFileError as ex:
            print(f"{parser.prog}: error: {ex}", file=sys.stderr)
            sys.exit(2)
        return ioc_options, run_options
    try:
        config = ChartConfig().with_(
            kind=args.kind,
            x=args.x,
            ys=(*args.sources, *args.y),
            window=args.window,
            width=args.width,
            height=args.height,
            max_rate=args.max_rate,
            title=args.title,
            z=args.z,
            sample=args.sample,
            fit=args.fit,
            colormap=args.colormap,
            color_low=args.color_limits[0],
            color_high=args.color_limits[1],
        )
    except ConfigError as ex:
        parser.error(str(ex))
    ioc_options["config"] = config
    return ioc_options, run_options
