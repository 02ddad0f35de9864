"""What a process costs, read from Linux ``/proc``: CPU time, RSS, open files, threads.

Used by the benchmarks (figures) and the reliability tests (leak checks) on
IOC subprocesses. Linux only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcStats", "cpu_seconds", "sample"]

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
