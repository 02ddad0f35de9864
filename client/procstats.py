"""What a process costs, read from Linux ``/proc``: CPU time, RSS, open files, threads.

Used by the benchmarks (figures) and the reliability tests (leak checks) on
IOC subprocesses, and to find processes a run left behind (by process group).
Linux only.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcStats", "cpu_seconds", "describe", "in_group", "left_behind", "sample"]

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used by ``pid`` so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass(frozen=True)
class ProcStats:
    """One reading of a process."""

    cpu: float  #: CPU seconds so far
    rss: int  #: resident set size, bytes
    fds: int  #: open file descriptors
    threads: int  #: threads


def sample(pid: int) -> ProcStats:
    """Read CPU, RSS, open file descriptors and threads of ``pid`` now."""
    statm = Path(f"/proc/{pid}/statm").read_text().split()
    return ProcStats(
        cpu=cpu_seconds(pid),
        rss=int(statm[1]) * _PAGE,
        fds=len(os.listdir(f"/proc/{pid}/fd")),
        threads=len(os.listdir(f"/proc/{pid}/task")),
    )


def _stat_fields(pid: int) -> list[str]:
    """Fields of ``/proc/PID/stat`` after the command name (state, ppid, pgrp, session, ...)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def in_group(pgid: int) -> list[int]:
    """Live processes (not zombies) whose process group is ``pgid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = _stat_fields(int(entry))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry))
    return sorted(found)


def describe(pid: int) -> str:
    """``PID command line`` for a report, or ``PID (gone)``."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except (FileNotFoundError, ProcessLookupError):
        return f"{pid} (gone)"
    return f"{pid} {cmd}"


def _ancestors(pid: int) -> set[int]:
    """``pid`` and the processes above it, up to init."""
    found = set()
    while pid > 1 and pid not in found:
        found.add(pid)
        try:
            pid = int(_stat_fields(pid)[1])
        except (FileNotFoundError, ProcessLookupError, ValueError):
            break
    return found


def _is_resource_tracker(pid: int) -> bool:
    """Is ``pid`` multiprocessing's resource tracker (shared memory clean-up)?"""
    try:
        return b"multiprocessing.resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def left_behind(grace: float = 5.0) -> list[int]:
    """Processes this process started (or whose starters died) that still run.

    Looks in this process group: what a run started and did not end (an IOC,
    a viewer, a ``caRepeater``) is there, also when it was orphaned. The
    shell's other children (``tail`` of a pipeline) are not ours and are left
    out. Waits up to ``grace`` seconds for them to exit first.
    """
    me = os.getpid()
    above = _ancestors(me) - {me}
    deadline = time.monotonic() + grace
    while True:
        left = []
        for pid in in_group(os.getpgrp()):
            try:
                parent = int(_stat_fields(pid)[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            if pid != me and pid not in above and parent not in above:
                if parent == me and _is_resource_tracker(pid):
                    continue  # multiprocessing's helper of this process: it ends with it
                left.append(pid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)
