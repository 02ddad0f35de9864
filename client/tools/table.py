"""``chartioc-table PV [PV ...]``: a live table of PVs in the terminal, one row per update.

Subscribes the PVs with :class:`~chartioc.client.ca.monitor.PVMonitor` (caproto's
asyncio client). When every PV has answered (or ``--timeout`` has passed) it
prints a header and row 0, the values at start; then one row for every
monitor update of any PV, showing the newest value of every column, with a
``*`` after the value that was updated. The ``time`` column is the server
time stamp of the update that made the row (of the newest value for row 0),
in local time. Formatting is :mod:`chartioc.client.tools.tableformat`.

* A PV that does not answer within ``--timeout``: one line on stderr, and its
  column shows ``<disconnected>`` until it answers. When no PV answers, the
  tool exits with status 1.
* A PV that disconnects later: one line on stderr; its column shows
  ``<disconnected>`` until it comes back. Connection changes make no rows.
* ``-n N`` stops after N updates (row 0 is extra), exit status 0.
* Ctrl-C (or SIGTERM) stops the table, exit status 0, no traceback.

Every line is flushed as it is written, so the table can go to a pipe.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import TextIO

from caproto import ChannelType

from chartioc.client.ca.monitor import ConnectionChange, Event, PVMonitor, ValueUpdate
from chartioc.client.tools.cli import add_common_arguments, check_and_log
from chartioc.client.tools.tableformat import DISCONNECTED, TableFormatter, format_value

__all__ = ["LiveTable", "main"]

log = logging.getLogger(__name__)

PROG = "chartioc-table"


class LiveTable:
    """The table's state and I/O: PVMonitor events in, lines on ``out``.

    Parameters
    ----------
    pvnames
        The PVs, one column each (duplicates are ignored).
    count
        Stop after this many updates (None: run until :meth:`stop`).
    timeout
        Seconds to wait for the PVs to answer before row 0 is printed.
    out, err
        Where rows and messages go.
    monitor
        A :class:`PVMonitor` to use (one is made and closed otherwise).
    """

    def __init__(
        self,
        pvnames: Sequence[str],
        *,
        count: int | None = None,
        timeout: float = 2.0,
        out: TextIO | None = None,
        err: TextIO | None = None,
        monitor: PVMonitor | None = None,
    ) -> None:
        self.pvnames = list(dict.fromkeys(pvnames))
        if not self.pvnames:
            raise ValueError("no PV names")
        self.count = count
        self.timeout = timeout
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self.monitor = monitor if monitor is not None else PVMonitor(timeout=timeout)
        self.formatter = TableFormatter(self.pvnames)
        self.seq = 0
        self.live = False  # rows are printed for updates once row 0 is out
        self.ready: dict[str, bool] = dict.fromkeys(self.pvnames, False)
        self.enum_strings: dict[str, tuple[str, ...]] = {}
        self._pending: dict[str, ValueUpdate] = {}
        self._changed = asyncio.Event()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """Stop the table (from a signal handler or another task)."""
        self._stop.set()
        self._changed.set()

    def cells(self) -> list[str]:
        """The formatted newest value of every column."""
        cells = []
        for name in self.pvnames:
            update = self.monitor.latest.get(name)
            if not self.ready[name]:
                cells.append(DISCONNECTED)
            elif update is None:
                cells.append("")  # connected, no value yet
            else:
                md = self.monitor.metadata.get(name)
                cells.append(
                    format_value(
                        update.value,
                        md.precision if md else None,
                        md.units if md else "",
                        self.enum_strings.get(name, ()),
                    )
                )
        return cells

    def _print(self, seq: int, timestamp: float, updated: str | None = None) -> None:
        column = self.pvnames.index(updated) if updated is not None else None
        lines = self.formatter.lines(seq, timestamp, self.cells(), column)
        try:
            self.out.write("".join(line + "\n" for line in lines))
            self.out.flush()
        except BrokenPipeError:  # e.g. `chartioc-table ... | head`
            self._silence_stdout()
            self.stop()

    def _silence_stdout(self) -> None:
        # Python flushes stdout again at exit; point it at /dev/null so that
        # a closed pipe does not print an error then.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.out.fileno())

    def _message(self, text: str) -> None:
        self.err.write(f"{PROG}: {text}\n")
        self.err.flush()

    async def _on_event(self, event: Event) -> None:
        name = event.pvname
        if name not in self.ready:
            return
        if isinstance(event, ConnectionChange):
            if event.connected:
                await self._read_enum_strings(name)
                self.ready[name] = True
                if self.live:
                    self._message(f"{name} connected")
                pending = self._pending.pop(name, None)
                if pending is not None:
                    self._on_update(pending)
            else:
                self.ready[name] = False
                self._pending.pop(name, None)
                if self.live:
                    self._message(f"{name} disconnected")
        elif isinstance(event, ValueUpdate):
            if self.ready[name]:
                self._on_update(event)
            else:  # not announced yet: wait for its metadata
                self._pending[name] = event
        self._changed.set()

    def _on_update(self, update: ValueUpdate) -> None:
        if not self.live or self._stop.is_set():
            return
        self.seq += 1
        self._print(self.seq, update.timestamp, update.pvname)
        if self.count is not None and self.seq >= self.count:
            self.stop()

    async def _read_enum_strings(self, name: str) -> None:
        """Enum PVs: read their strings (PVMonitor keeps units and precision only)."""
        try:
            (pv,) = await self.monitor.context.get_pvs(name, timeout=self.timeout)
            if pv.channel is None or pv.channel.native_data_type != ChannelType.ENUM:
                self.enum_strings.pop(name, None)
                return
            response = await pv.read(data_type="control", timeout=self.timeout)
            strings = getattr(response.metadata, "enum_strings", ())
            self.enum_strings[name] = tuple(
                s.decode("latin-1") if isinstance(s, bytes) else str(s) for s in strings
            )
        except Exception as ex:  # the column then shows the enum's index
            log.warning("%s: could not read enum strings: %s", name, ex)

    def _answered(self, name: str) -> bool:
        return self.ready[name] and name in self.monitor.latest

    async def _wait_for_answers(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while not self._stop.is_set() and not all(map(self._answered, self.pvnames)):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def run(self) -> int:
        """Print the table until ``count`` updates or :meth:`stop`; return the exit status."""
        self.monitor.add_listener(self._on_event)
        try:
            await self.monitor.add(self.pvnames)
            await self._wait_for_answers()
            if self._stop.is_set():
                return 0
            missing = [n for n in self.pvnames if not self._answered(n)]
            if len(missing) == len(self.pvnames):
                self._message(f"no answer from {', '.join(missing)} within {self.timeout:g} s")
                return 1
            if missing:
                which = "it answers" if len(missing) == 1 else "they answer"
                self._message(
                    f"no answer from {', '.join(missing)} within {self.timeout:g} s;"
                    f" shown as {DISCONNECTED} until {which}"
                )
            stamps = [self.monitor.latest[n].timestamp for n in self.pvnames if self._answered(n)]
            self.live = True
            self._print(0, max(stamps))
            if self.count is not None and self.count <= 0:
                return 0
            await self._stop.wait()
            return 0
        finally:
            self.live = False
            try:
                await asyncio.wait_for(self.monitor.close(), 2.0)
            except Exception:  # closing must not turn a clean stop into a traceback
                log.debug("closing the monitor failed", exc_info=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Live table of EPICS PVs: one row per monitor update of any PV, with the newest"
            " value of every PV, formatted with its precision and units."
        ),
        epilog="Ctrl-C stops the table.",
    )
    parser.add_argument("pvs", nargs="+", metavar="PV", help="PV names, one column each")
    parser.add_argument(
        "-n",
        "--count",
        type=int,
        default=None,
        metavar="N",
        help="stop after N updates (row 0, the values at start, comes first)",
    )
    add_common_arguments(parser)
    return parser


async def _run(table: LiveTable) -> int:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, table.stop)
    return await table.run()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``chartioc-table``; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.count is not None and args.count < 0:
        _parser().error("--count must be >= 0")
    check_and_log(_parser(), args, PROG)
    try:
        return asyncio.run(_run(LiveTable(args.pvs, count=args.count, timeout=args.timeout)))
    except KeyboardInterrupt:  # a Ctrl-C before the signal handler was installed
        return 0


if __name__ == "__main__":
    sys.exit(main())
