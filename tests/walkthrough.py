"""The README's walk-through as runnable steps, and a private machine to run them on.

README.md marks each block of the walk-through with an HTML comment that a
reader never sees::

    <!-- walkthrough SCENARIO: KIND [ready=PV[=VALUE]] -->

SCENARIO groups the blocks that belong together (``all`` is part of every
scenario); KIND says how a person uses the block:

``setup``       pasted at the start of every terminal
``background``  a program left running in a terminal of its own (an IOC, the panel)
``watch``       a monitor left running (``camonitor``): its output is read at the end
``commands``    typed one line after another; a line whose comment says
                "refused" is expected to fail
``python``      a snippet run with the venv's Python

:class:`Namespace` is a Linux network namespace with only a loopback
interface: a machine of its own, where port 5064, the prefix ``BEAMLINE:``
and the loopback broadcast address are the walk-through's alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Block", "Namespace", "blocks", "command_lines", "scenarios"]

_MARK = re.compile(r"<!--\s*walkthrough\s+(\S+):\s*(\w+)\s*(.*?)-->\s*\n```(\w+)\n(.*?)```", re.S)


@dataclass(frozen=True)
class Block:
    """One marked code block of the README."""

    scenario: str
    kind: str
    text: str
    ready: str = ""  #: ``PV`` or ``PV=VALUE`` that says a background program is up

    @property
    def ready_pv(self) -> str:
        """The PV of ``ready``."""
        return self.ready.split("=", 1)[0]

    @property
    def ready_value(self) -> str | None:
        """The value ``ready`` waits for, if any."""
        parts = self.ready.split("=", 1)
        return parts[1] if len(parts) == 2 else None


def blocks(readme: str) -> list[Block]:
    """Every marked block of ``readme``, in order."""
    found = []
    for scenario, kind, options, _lang, text in _MARK.findall(readme):
        ready = ""
        for option in options.split():
            if option.startswith("ready="):
                ready = option[len("ready=") :]
        found.append(Block(scenario, kind, text, ready))
    return found


def scenarios(readme: str) -> dict[str, list[Block]]:
    """The blocks of each scenario (``all`` blocks first in every one)."""
    common = [b for b in blocks(readme) if b.scenario == "all"]
    result: dict[str, list[Block]] = {}
    for block in blocks(readme):
        if block.scenario != "all":
            result.setdefault(block.scenario, list(common)).append(block)
    return result


def command_lines(text: str) -> list[str]:
    """The commands of a block as a person types them: continuations and here-documents joined."""
    lines = text.splitlines()
    commands: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        while line.endswith("\\") and i < len(lines):
            line = line + "\n" + lines[i]
            i += 1
        here = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line)
        if here:
            end = here.group(1)
            while i < len(lines):
                line += "\n" + lines[i]
                i += 1
                if lines[i - 1].strip() == end:
                    break
        commands.append(line)
    return commands


def expects_failure(command: str) -> bool:
    """True when the README says this command is refused."""
    comment = command.rsplit("#", 1)[1] if "#" in command else ""
    return "refused" in comment.lower()


class Namespace:
    """A network namespace with loopback only; every process in it ends with it.

    Needs root and ``ip`` (iproute2). Shell commands run there in ``workdir``
    after ``setup`` (the README's set-up block) has run in ``repo``.
    """

    def __init__(self, repo: Path, workdir: Path, setup: str = "") -> None:
        self.name = f"chartioc-{uuid.uuid4().hex[:8]}"
        self.repo, self.workdir, self.setup = repo, workdir, setup
        self.background: list[subprocess.Popen] = []

    @staticmethod
    def available() -> str:
        """Empty when namespaces can be made here, else why not."""
        probe = f"chartioc-probe-{uuid.uuid4().hex[:6]}"
        try:
            result = subprocess.run(
                ["ip", "netns", "add", probe], capture_output=True, text=True, timeout=10
            )
        except (FileNotFoundError, subprocess.TimeoutExpired) as ex:
            return f"no network namespaces here: {ex}"
        if result.returncode != 0:
            return f"no network namespaces here: {result.stderr.strip()}"
        subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=10)
        return ""

    def __enter__(self) -> Namespace:
        subprocess.run(["ip", "netns", "add", self.name], check=True, timeout=10)
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True, timeout=10)
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def script(self, command: str) -> str:
        """What a fresh terminal runs: the set-up in the repository, then ``command`` here."""
        repo, here = shlex.quote(str(self.repo)), shlex.quote(str(self.workdir))
        return f"cd {repo}\n{self.setup}\ncd {here}\n{command}\n"

    def _argv(self, command: str, strict: bool = True) -> list[str]:
        flags = ["-e", "-o", "pipefail"] if strict else []
        return ["ip", "netns", "exec", self.name, "bash", *flags, "-c", self.script(command)]

    def run(self, command: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        """Run ``command`` in a fresh shell of the namespace; its output and exit code."""
        return subprocess.run(self._argv(command), capture_output=True, text=True, timeout=timeout)

    def start(self, command: str, log: Path) -> subprocess.Popen:
        """Start ``command`` in a terminal of its own (output to ``log``)."""
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                self._argv("exec " + command, strict=False),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.background.append(proc)
        return proc

    def caget(self, *pvs: str, timeout: float = 2.0) -> subprocess.CompletedProcess:
        """``caget -t`` in the namespace (a fresh client, a fresh search)."""
        return self.run(f"caget -t -w {timeout} {' '.join(pvs)}", timeout=timeout + 30)

    def wait_ready(self, block: Block, timeout: float = 30.0) -> None:
        """Wait until the block's ``ready`` PV answers (with its value, if one is given)."""
        deadline = time.monotonic() + timeout
        result = None
        while time.monotonic() < deadline:
            result = self.caget(block.ready_pv, timeout=1.0)
            if result.returncode == 0 and (
                block.ready_value is None or result.stdout.strip() == block.ready_value
            ):
                return
            time.sleep(0.3)
        detail = "" if result is None else (result.stdout + result.stderr).strip()
        raise TimeoutError(f"{block.ready} not reached in {timeout} s: {detail}")

    def interrupt(self, proc: subprocess.Popen, timeout: float = 10.0) -> int | None:
        """Ctrl-C: SIGINT, as a terminal sends it; the exit code, or None if it did not end."""
        proc.send_signal(signal.SIGINT)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def pids(self) -> list[int]:
        """Processes running in the namespace."""
        result = subprocess.run(
            ["ip", "netns", "pids", self.name], capture_output=True, text=True, timeout=10
        )
        return [int(p) for p in result.stdout.split()]

    def close(self) -> None:
        """End every process in the namespace, then the namespace."""
        for proc in self.background:
            if proc.poll() is None:
                proc.kill()
        for proc in self.background:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        for _ in range(50):
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=10)


@contextlib.contextmanager
def namespace(repo: Path, workdir: Path, setup: str) -> Iterator[Namespace]:
    """A :class:`Namespace`, always removed afterwards."""
    ns = Namespace(repo, workdir, setup)
    with ns:
        yield ns
