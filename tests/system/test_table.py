"""``chartioc-table``, the real program against the motor IOC."""

from __future__ import annotations

import os
import queue
import re
import select
import signal
import subprocess
import sys
import threading
import time

import pytest

from chartioc.client.localca import IocProcess
from chartioc.client.tools.tableformat import (
    DISCONNECTED,
)

from conftest import SPARE_PORT, run_tool, unique_prefix

TIME = r"\d\d:\d\d:\d\d\.\d\d\d"


# -- the program over CA ---------------------------------------------------------------


class Tool:
    """``chartioc-table`` as a subprocess; stdout lines read by a thread, never blocking."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chartioc.client.tools.table", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def line(self, timeout: float = 20.0) -> str:
        """The next stdout line (AssertionError at end of output or after ``timeout``)."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line within {timeout} s") from None
        assert line is not None, f"output ended; stderr: {self.stderr()}"
        return line

    def wait(self, timeout: float = 20.0) -> int:
        return self.proc.wait(timeout)

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        assert self.proc.stderr is not None
        return self.proc.stderr.read()

    def rest(self) -> list[str]:
        """Every stdout line after the process has ended."""
        self._reader.join(10)
        out = []
        while (line := self.lines.get_nowait()) is not None:
            out.append(line)
        return out

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture
def tools():
    started: list[Tool] = []

    def start(*args: str) -> Tool:
        started.append(Tool(*args))
        return started[-1]

    yield start
    for tool in started:
        tool.close()


def caput(pv: str, value: str) -> None:
    result = run_tool("caput", "-c", "-w", "10", pv, value)
    assert result.returncode == 0, result.stderr


def expected(
    names: list[str], seq: int | None, cells: list[str], updated: int | None = None
) -> re.Pattern:
    """A header (seq None) or row line as a regex: time free, everything else exact."""
    widths = [max(len(n), len(DISCONNECTED)) for n in names]
    if seq is None:
        head, cols = re.escape("  seq  time        "), names
    else:
        head, cols = re.escape(f"{seq:>5}  ") + TIME, cells
    marks = ["*" if i == updated else " " for i in range(len(names))]
    body = "".join(f"  {c:>{w}}{m}" for c, w, m in zip(cols, widths, marks, strict=True))
    return re.compile(head + re.escape(body.rstrip()))


def test_three_updates_make_three_rows(motor, tools):
    names = [f"{motor}.TWV", f"{motor}.VELO", f"{motor}.SPMG", f"{motor}.EGU"]
    tool = tools("-n", "3", "--timeout", "5", *names)
    rows = [
        ["0.100 mm", "4.000 mm/s", "Go", "mm"],
        ["0.250 mm", "4.000 mm/s", "Go", "mm"],
        ["0.250 mm", "2.000 mm/s", "Go", "mm"],
        ["0.250 mm", "2.000 mm/s", "Pause", "mm"],
    ]
    assert expected(names, None, []).fullmatch(tool.line())
    assert expected(names, 0, rows[0]).fullmatch(tool.line())
    for seq, (field, value) in enumerate((("TWV", "0.25"), ("VELO", "2"), ("SPMG", "Pause")), 1):
        caput(f"{motor}.{field}", value)
        assert expected(names, seq, rows[seq], updated=seq - 1).fullmatch(tool.line())
    assert tool.wait() == 0
    assert tool.rest() == []
    assert tool.stderr() == ""


def test_an_unknown_pv_is_reported_and_the_others_go_on(motor, tools):
    missing = unique_prefix("NOPE") + "x"
    names = [f"{motor}.TWV", missing]
    tool = tools("-n", "1", "--timeout", "1", *names)
    assert expected(names, None, []).fullmatch(tool.line())
    assert expected(names, 0, ["0.100 mm", DISCONNECTED]).fullmatch(tool.line())
    caput(f"{motor}.TWV", "0.5")
    assert expected(names, 1, ["0.500 mm", DISCONNECTED], 0).fullmatch(tool.line())
    assert tool.wait() == 0
    assert tool.stderr() == (
        f"chartioc-table: no answer from {missing} within 1 s;"
        f" shown as {DISCONNECTED} until it answers\n"
    )


def test_no_pv_answering_is_an_error(tools):
    missing = [unique_prefix("NOPE") + "a", unique_prefix("NOPE") + "b"]
    tool = tools("--timeout", "1", *missing)
    assert tool.wait() == 1
    assert tool.rest() == []
    assert tool.stderr() == f"chartioc-table: no answer from {', '.join(missing)} within 1 s\n"


def test_ctrl_c_stops_cleanly(motor, tools):
    tool = tools(f"{motor}.TWV")
    tool.line()
    tool.line()
    tool.proc.send_signal(signal.SIGINT)
    assert tool.wait() == 0
    assert tool.stderr() == ""


def test_a_closed_pipe_ends_the_table_quietly(motor):
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "chartioc.client.tools.table", f"{motor}.TWV"],
        stdout=write_fd,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(write_fd)
    try:
        out = b""
        deadline = time.monotonic() + 20
        while out.count(b"\n") < 2 and time.monotonic() < deadline:
            if select.select([read_fd], [], [], 0.5)[0]:
                out += os.read(read_fd, 4096)
        assert out.count(b"\n") == 2  # header and row 0
        os.close(read_fd)  # as `head -2` does
        read_fd = -1
        caput(f"{motor}.TWV", "0.2")
        assert proc.wait(20) == 0
        assert proc.stderr.read() == ""
    finally:
        if read_fd >= 0:
            os.close(read_fd)
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_a_pv_that_goes_away_shows_disconnected_and_comes_back(motor, tools, ioc_log_dir):
    prefix = unique_prefix("S")
    spare = IocProcess(
        "chartioc.iocs.motor.ioc",
        ["--prefix", prefix, "--motors", "s"],
        port=SPARE_PORT,
        ready_pv=f"{prefix}s.TWV",
        log_path=ioc_log_dir / "table-spare.log",
    )
    names = [f"{motor}.TWV", f"{prefix}s.VELO"]
    with spare:
        tool = tools("--timeout", "5", *names)
        assert expected(names, None, []).fullmatch(tool.line())
        assert expected(names, 0, ["0.100 mm", "1.000 mm/s"]).fullmatch(tool.line())
        spare.stop()
        caput(f"{motor}.TWV", "0.2")
        assert expected(names, 1, ["0.200 mm", DISCONNECTED], 0).fullmatch(tool.line())
        spare.start()
        # the new IOC's first value is an update: a row
        assert expected(names, 2, ["0.200 mm", "1.000 mm/s"], 1).fullmatch(tool.line(30))
        tool.proc.send_signal(signal.SIGINT)
        assert tool.wait() == 0
    assert tool.stderr() == (
        f"chartioc-table: {prefix}s.VELO disconnected\nchartioc-table: {prefix}s.VELO connected\n"
    )
