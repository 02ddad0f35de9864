"""Shared fixtures: IOC subprocesses on 127.0.0.1 with ports of their own.

Ports are reserved when this module is imported, before pyepics loads libca
(pyepics is imported inside the helpers, never at the top of this module),
so that every CA client in this process (pyepics, ophyd, caproto) and every
EPICS tool it runs searches only these IOCs.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from chartioc.client.beamline import LocalBeamline
from chartioc.client.localca import (
    IocProcess,
    Repeater,
    client_environment,
    epics_tool,
    free_ports,
    put_epics_tools_on_path,
)
from chartioc.client.procstats import ProcStats, describe, left_behind

#: motor IOC (session), a spare IOC per module, and two more for later parts
MOTOR_PORT, SPARE_PORT, CHART_PORT, EXTRA_PORT, REPEATER_PORT = free_ports(5)
os.environ.update(
    client_environment([MOTOR_PORT, SPARE_PORT, CHART_PORT, EXTRA_PORT], REPEATER_PORT)
)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
put_epics_tools_on_path()


@pytest.fixture(scope="session", autouse=True)
def ca_repeater():
    """This run's own caRepeater: libca then starts none that would outlive the run."""
    with Repeater(REPEATER_PORT) as repeater:
        yield repeater


#: System test files that load the machine most (50 clients, frame floods): with xdist
#: they run one after the other on one worker, never side by side.
HEAVY = {"test_load", "test_gui"}
#: The groups that take longest (``--durations``), handed out first so that none of
#: them starts last and keeps the run waiting on one worker: the 2-minute lossless
#: run (light on CPU: one 50 Hz motor, one small chart) goes first, beside the rest.
LONGEST_FIRST = ("test_lossless", "heavy", "test_readme", "test_gui_charts", "test_faults")


def _group(path: Path) -> str:
    return "heavy" if path.stem in HEAVY else path.stem


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test under tests/system/ talks to real processes: mark it ``ca``.

    For ``--dist loadgroup`` each file is one group (its module fixtures start
    once), and the :data:`HEAVY` files share one group; the groups of
    :data:`LONGEST_FIRST` are moved to the front, in that order (xdist hands
    groups out in collection order). ``tryfirst``: xdist's own hook turns the
    markers into groups, so they are set before it runs. (pytest 9.2 breaks
    xdist's grouping: pytest is held below it in ``pyproject.toml``.)
    """
    rank = {group: i for i, group in enumerate(LONGEST_FIRST)}
    system = []
    for item in items:
        path = Path(str(item.fspath))
        if "system" in path.parts:
            item.add_marker(pytest.mark.ca)
            item.add_marker(pytest.mark.xdist_group(_group(path)))
            system.append(item)
    if system:
        order = {id(item): i for i, item in enumerate(items)}
        items.sort(
            key=lambda item: (
                rank.get(_group(Path(str(item.fspath))), len(rank)),
                order[id(item)],
            )
        )


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if a process it started is still running (same process group)."""
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller checks
        return
    left = left_behind()
    if left:
        print("\nProcesses this test run left running:")
        for pid in left:
            print("  " + describe(pid))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


POOL = [f"m{i}" for i in range(12)]
_pool = itertools.cycle(POOL)


def unique_prefix(tag: str = "T") -> str:
    """A prefix no other run can share: ``T3f9a1c:``."""
    return f"{tag}{uuid.uuid4().hex[:6]}:"


@pytest.fixture(scope="session")
def ioc_log_dir(tmp_path_factory) -> Path:
    """Where IOC subprocesses write their output (shown on failure by path)."""
    return tmp_path_factory.mktemp("ioc-logs")


@pytest.fixture(scope="session")
def motor_ioc(ioc_log_dir):
    """A motor IOC with a pool of motors, shared by the whole session."""
    prefix = unique_prefix("M")
    ioc = IocProcess(
        "chartioc.iocs.motor.ioc",
        [
            "--prefix",
            prefix,
            "--motors",
            ",".join(POOL),
            "--velocity",
            "4",
            "--acceleration",
            "0.1",
            "--update-rate",
            "20",
        ],
        port=MOTOR_PORT,
        ready_pv=f"{prefix}{POOL[-1]}.RBV",
        log_path=ioc_log_dir / "motor-ioc.log",
    )
    ioc.prefix = prefix
    with ioc:
        yield ioc


@pytest.fixture
def motor(motor_ioc):
    """A PV prefix of one motor of the session IOC, put back to 0 at rest with defaults."""
    name = next(_pool)
    pv = f"{motor_ioc.prefix}{name}"
    caput = epics_tool("caput")
    for field, value in (
        ("SPMG", "Go"),
        ("VELO", "4"),
        ("ACCL", "0.1"),
        ("HLM", "10"),
        ("LLM", "-10"),
        ("TWV", "0.1"),
        ("VAL", "0"),
    ):
        subprocess.run(
            [caput, "-c", "-w", "10", f"{pv}.{field}", value],
            check=True,
            capture_output=True,
            timeout=20,
        )
    return pv


def charts_toml(prefix: str) -> str:
    """The three charts of the demo, for the motors of ``prefix``."""
    return textwrap.dedent(
        f"""\
        [charts.motors]
        kind = "strip"
        y = ["{prefix}motor.RBV", "{prefix}motor2.RBV"]
        window = 30
        width = 320
        height = 240
        max_rate = 10

        [charts.scan]
        kind = "xy"
        x = "{prefix}motor.RBV"
        y = ["{prefix}det"]
        fit = "gaussian"
        width = 320
        height = 240
        max_rate = 10

        [charts.stage]
        kind = "map"
        x = "{prefix}motor.RBV"
        y = ["{prefix}motor2.RBV"]
        width = 320
        height = 240
        max_rate = 10
        """
    )


def run_tool(name: str, *args: str, timeout: float = 20.0) -> subprocess.CompletedProcess:
    """Run an EPICS base tool; return its result (text), never hang."""
    return subprocess.run(
        [epics_tool(name), *args], capture_output=True, text=True, timeout=timeout
    )


def caget_value(pv: str) -> str:
    """``caget -t`` of one PV: its value as caget prints it."""
    result = run_tool("caget", "-t", "-w", "5", pv)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def hex_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)


def count_colour(img: np.ndarray, colour: str, tol: int = 10) -> int:
    diff = np.abs(img.astype(int) - hex_rgb(colour).astype(int)).max(axis=-1)
    return int((diff <= tol).sum())


def same_fds_and_threads(a: ProcStats, b: ProcStats) -> bool:
    """Open file descriptors and threads equal (CPU and RSS may differ)."""
    return (a.fds, a.threads) == (b.fds, b.threads)


def wait_until(predicate, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def monitors_before_completions(
    watched: list[str], put_pv: str, puts: list[tuple[object, dict[str, object]]]
) -> list:
    """pyepics puts with callback on ``put_pv``; for each, whether the monitors of
    ``watched`` had their expected last values before the completion came.

    ``puts``: (value to put, {watched PV: its expected last value before completion}).
    Returns the puts that came out of order, with the events before their completion.
    """
    import epics  # here, not at the top: see the module docstring

    events: list[tuple[str, object]] = []
    lock = threading.Lock()

    def on_monitor(pvname=None, value=None, **kw):
        with lock:
            events.append((pvname, value))

    monitors = [epics.PV(name, callback=on_monitor, auto_monitor=True) for name in watched]
    target = epics.PV(put_pv)
    for pv in (*monitors, target):
        assert pv.wait_for_connection(5)
    time.sleep(0.3)
    out_of_order = []
    for i, (value, expected) in enumerate(puts):
        completed = threading.Event()

        def on_complete(completed=completed, **kw):
            with lock:
                events.append(("PUT-COMPLETE", None))
            completed.set()

        with lock:
            events.clear()
        target.put(value, callback=on_complete, use_complete=True)
        assert completed.wait(10), f"put {i}: no completion"
        with lock:
            before = events[: events.index(("PUT-COMPLETE", None))]
        last = {name: [v for n, v in before if n == name][-1:] for name in expected}
        if any(last[name] != [pytest.approx(v, abs=1e-9)] for name, v in expected.items()):
            out_of_order.append((i, before[-3:]))
    for pv in (*monitors, target):
        pv.disconnect()
    return out_of_order


class Beamline(LocalBeamline):
    """The tests' local beamline: motors ``motor``, ``motor2``, a strip of RBV and det.

    The motor IOC can be stopped and started again; pyepics helpers read and
    write the chart IOC's PVs.
    """

    def __init__(self, log_dir: Path, motor_args: Sequence[str] = (), tag: str = "chart-test"):
        prefix = unique_prefix("C")
        super().__init__(
            prefix,
            motor_port=EXTRA_PORT,
            chart_port=CHART_PORT,
            motor_args=[
                "--motors",
                "motor,motor2",
                "--velocity",
                "4",
                "--acceleration",
                "0.05",
                *motor_args,
            ],
            chart_args=[
                f"{prefix}motor.RBV",
                f"{prefix}det",
                "--max-rate",
                "20",
                "--width",
                "320",
                "--height",
                "240",
            ],
            log_dir=log_dir,
            tag=tag,
        )

    @contextlib.contextmanager
    def running(self) -> Iterator[Beamline]:
        """Both IOCs up and the chart IOC connected to its two sources; stopped after."""
        with self.motor_ioc, self.chart_ioc:
            assert wait_until(lambda: self.get("InputsConnected_RBV") == 2, 10)
            yield self

    def get(self, suffix: str):
        import epics

        return epics.caget(self.chart + suffix, timeout=5, use_monitor=False)

    def put(self, suffix: str, value, prefix: str | None = None) -> int:
        import epics

        return epics.caput((prefix or self.chart) + suffix, value, wait=True, timeout=10)

    def frame(self, plugin: str = "image1:") -> np.ndarray:
        import epics

        p = self.chart + plugin
        dims = [epics.caget(p + f"ArraySize{i}_RBV", use_monitor=False) for i in range(3)]
        shape = (dims[2], dims[1], dims[0]) if plugin == "image1:" else (dims[1], dims[0])
        data = epics.caget(p + "ArrayData", count=int(np.prod(shape)), timeout=5, use_monitor=False)
        return np.asarray(data, dtype=np.uint8).reshape(shape)

    def uid(self) -> int:
        return int(self.get("image1:UniqueId_RBV"))
