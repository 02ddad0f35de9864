"""What the command-line tools share: ``--timeout``, ``-v`` and the logging they set up."""

from __future__ import annotations

import argparse
import logging

__all__ = ["add_common_arguments", "check_and_log"]


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--timeout S`` (default 2) and ``-v/--verbose``."""
    parser.add_argument(
        "--timeout",
        type=float,
        default=2.0,
        metavar="S",
        help="seconds to wait for the PVs to answer (default 2)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log CA details on stderr")


def check_and_log(parser: argparse.ArgumentParser, args: argparse.Namespace, prog: str) -> None:
    """Refuse a timeout <= 0; log to stderr, caproto's chatter only with ``-v``."""
    if not args.timeout > 0:
        parser.error("--timeout must be > 0")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format=f"{prog}: %(name)s: %(message)s",
    )
    if not args.verbose:  # caproto reports every reconnection attempt
        logging.getLogger("caproto").setLevel(logging.ERROR)
        logging.getLogger("asyncio").addFilter(_leaked_callback_loop)


def _leaked_callback_loop(record: logging.LogRecord) -> bool:
    """Drop asyncio's "Task was destroyed" for caproto's per-circuit callback loop.

    caproto 1.3.0's client starts one callback task per server circuit and,
    when a server goes away and the channels move to a new circuit, never
    stops the old one: garbage collection then finds it pending. It waits
    on an empty queue and holds nothing; with ``-v`` the line is shown.
    """
    text = record.getMessage()
    return not (text.startswith("Task was destroyed") and "_callback_loop" in text)
