"""Chart sources that are no numbers, names that are not found, IOCs that go away.

Real IOC subprocesses over CA on 127.0.0.1 (``conftest.Beamline``: a motor IOC
and a chart IOC drawing its ``motor.RBV`` and ``det``), EPICS base ``caput``/
``caget``. Each chart IOC here sends its beacons to a UDP socket of this
module (no caRepeater runs in tests, and caproto logs a refused beacon with a
traceback), so that its log must hold no traceback at all.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from chartioc.client.ca.limits import MAX_STRING
from chartioc.client.localca import IocProcess

from conftest import SPARE_PORT, Beamline, caget_value, run_tool, unique_prefix, wait_until

#: Seconds for a name never found to read "not found": SEARCH_TIME (2 s), the status
#: period (1 s) and room for a loaded machine.
NOT_FOUND_WITHIN = 8.0


@pytest.fixture(scope="module")
def beacon_sink() -> Iterator[int]:
    """A UDP port that takes the chart IOCs' beacons (the kernel drops what is not read)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def chart_logs() -> list[Path]:
    """Log files of every chart IOC of this module, checked for tracebacks at the end."""
    return []


@pytest.fixture(scope="module")
def beamline(ioc_log_dir, beacon_sink, chart_logs):
    bl = Beamline(ioc_log_dir, tag="sources")
    bl.chart_ioc.env["EPICS_CA_REPEATER_PORT"] = str(beacon_sink)
    chart_logs.append(Path(bl.chart_ioc.log_path))
    with bl.running():
        yield bl
    for path in chart_logs:
        text = path.read_text()
        assert "Traceback" not in text, f"{path}:\n{text[-3000:]}"
        assert "Invalid write request" not in text  # refused writes are one line each


def caget_long(pv: str) -> str:
    """``caget -S -t``: a char waveform as text."""
    result = run_tool("caget", "-S", "-t", "-w", "5", pv)
    assert result.returncode == 0, result.stderr
    return result.stdout.rstrip("\n")


def status(bl: Beamline) -> tuple[str, str]:
    """(Status_RBV, StatusMessage_RBV) as caget prints them."""
    return caget_value(bl.chart + "Status_RBV"), caget_long(bl.chart + "StatusMessage_RBV")


def bad_sources(bl: Beamline) -> list[tuple[str, str, str]]:
    """(PV, its reason in StatusMessage_RBV, Status_RBV) for a string, an array, an image."""
    return [
        (
            f"{bl.prefix}motor.EGU",
            f"{bl.prefix}motor.EGU: a string, not a number",
            "motor.EGU: a string, not a number",
        ),
        (
            f"{bl.chart}AxesPx_RBV",
            f"{bl.chart}AxesPx_RBV: an array (4 elements), not a number",
            "AxesPx_RBV: an array, not a number",
        ),
        (
            f"{bl.chart}image1:ArrayData",
            f"{bl.chart}image1:ArrayData: an image (12 582 912 elements), not a number",
            "ArrayData: an image, not a number",
        ),
    ]


KINDS = ["string", "array", "image"]


@pytest.mark.parametrize("which", range(3), ids=KINDS)
def test_a_put_of_a_source_that_is_no_number_fails_and_says_why(beamline, which):
    bl = beamline
    pv, reason, short = bad_sources(bl)[which]
    old = caget_value(bl.chart + "Y1")
    assert old == f"{bl.prefix}motor.RBV"
    result = run_tool("caput", "-c", "-w", "5", bl.chart + "Y1", pv)
    assert result.returncode != 0, result.stdout
    assert caget_value(bl.chart + "Y1") == old  # the put failed: Y1 as it was
    assert status(bl) == (short, reason)
    assert len(short) <= MAX_STRING
    # The next accepted setting clears the refusal; the chart still draws its sources.
    assert run_tool("caput", "-c", "-w", "5", bl.chart + "Y1", old).returncode == 0
    assert wait_until(lambda: status(bl) == ("OK: 2/2 inputs", "OK: 2/2 inputs"), 5), status(bl)


@pytest.mark.parametrize("which", range(3), ids=KINDS)
def test_the_same_sources_on_the_command_line_say_why_in_the_status(
    beamline, ioc_log_dir, beacon_sink, chart_logs, which
):
    bl = beamline
    pv, reason, short = bad_sources(bl)[which]
    prefix = unique_prefix("S") + "chart:"
    log = ioc_log_dir / f"sources-cli-{KINDS[which]}.log"
    chart_logs.append(log)
    ioc = IocProcess(
        "chartioc.iocs.chart.ioc",
        ["--prefix", prefix, "--kind", "xy", "--x", f"{bl.prefix}motor.RBV", pv],
        port=SPARE_PORT,
        ready_pv=f"{prefix}Status_RBV",
        env={"EPICS_CA_REPEATER_PORT": str(beacon_sink)},
        log_path=log,
    )
    with ioc:
        expected = (short, reason)

        def now() -> tuple[str, str]:
            return caget_value(prefix + "Status_RBV"), caget_long(prefix + "StatusMessage_RBV")

        assert wait_until(lambda: now() == expected, 10), now()
        assert caget_value(prefix + "Y1") == pv  # given, kept, not charted
        assert caget_value(prefix + "InputsConnected_RBV") == "1"
        assert caget_value(prefix + "InputsTotal_RBV") == "2"
    assert f"{reason} (DBR_" in log.read_text()  # one log line says so


def test_a_misspelt_name_is_not_found_and_a_killed_ioc_is_disconnected(beamline):
    bl = beamline
    typo = f"{bl.prefix}mtoor.RBV"
    assert run_tool("caput", "-c", "-w", "5", bl.chart + "Y3", typo).returncode == 0
    assert wait_until(lambda: status(bl) == (f"not found: {typo}",) * 2, NOT_FOUND_WITHIN), status(
        bl
    )
    try:
        bl.motor_ioc.kill()
        lost = f"DISCONNECTED: {bl.prefix}motor.RBV {bl.prefix}det"
        assert wait_until(lambda: status(bl)[1] == f"{lost}; not found: {typo}", 5), status(bl)
        short, _ = status(bl)
        assert short == "DISCONNECTED: motor.RBV det"  # the whole names do not fit in 39
        assert not short.startswith("not found")
    finally:
        bl.motor_ioc.start()
    assert wait_until(lambda: caget_value(bl.chart + "InputsConnected_RBV") == "2", 10)
    assert status(bl)[1] == f"not found: {typo}"
    assert run_tool("caput", "-c", "-w", "5", bl.chart + "Y3", "").returncode == 0
    assert wait_until(lambda: status(bl)[0].startswith("OK: 2/2"), 5), status(bl)


def test_a_source_accepted_before_it_connects_is_checked_when_it_connects(beamline):
    bl = beamline
    egu = f"{bl.prefix}motor.EGU"
    bl.motor_ioc.stop()
    try:
        # Its IOC is down: the put cannot know the type, and is accepted.
        assert run_tool("caput", "-c", "-w", "5", bl.chart + "Y3", egu).returncode == 0
        assert caget_value(bl.chart + "Y3") == egu
    finally:
        bl.motor_ioc.start()
    reason = f"{egu}: a string, not a number"
    # caproto's client searches a name that never answered at growing intervals (up to 5 s).
    assert wait_until(lambda: status(bl)[1] == reason, 20), status(bl)
    assert status(bl)[0] == "motor.EGU: a string, not a number"
    assert caget_value(bl.chart + "InputsConnected_RBV") == "2"
    assert caget_value(bl.chart + "InputsTotal_RBV") == "3"
    assert run_tool("caput", "-c", "-w", "5", bl.chart + "Y3", "").returncode == 0
    assert wait_until(lambda: status(bl)[0].startswith("OK: 2/2"), 5), status(bl)


def test_a_long_message_is_whole_in_status_message(beamline, ioc_log_dir):
    bl = beamline
    prefix = unique_prefix("L")
    motors = [f"a_rather_long_motor_name_{i}" for i in range(4)]
    names = [f"{prefix}{m}.RBV" for m in motors]
    assert all(len(n) == MAX_STRING - 1 for n in names)
    extra = IocProcess(
        "chartioc.iocs.motor.ioc",
        ["--prefix", prefix, "--motors", ",".join(motors)],
        port=SPARE_PORT,
        ready_pv=names[-1],
        log_path=ioc_log_dir / "sources-long-motor.log",
    )
    with extra:
        for slot, name in enumerate(names, 1):
            assert run_tool("caput", "-c", "-w", "5", f"{bl.chart}Y{slot}", name).returncode == 0
        assert wait_until(lambda: status(bl)[0] == "OK: 4/4 inputs", 10), status(bl)
        extra.kill()
        message = "DISCONNECTED: " + " ".join(names)
        assert len(message) > 4 * MAX_STRING
        assert wait_until(
            lambda: status(bl) == ("DISCONNECTED: 4 PVs (see StatusMessage)", message), 5
        ), status(bl)
    for slot, name in ((1, f"{bl.prefix}motor.RBV"), (2, f"{bl.prefix}det"), (3, ""), (4, "")):
        assert run_tool("caput", "-c", "-w", "5", f"{bl.chart}Y{slot}", name).returncode == 0
    assert wait_until(lambda: status(bl)[0].startswith("OK: 2/2"), 5), status(bl)


def test_pv_monitor_reports_native_types_and_never_fails_on_a_value(beamline, caplog):
    """PVMonitor follows any PV: strings stay strings, arrays give their first element,
    each connection carries the native type and count, and nothing logs a traceback
    (a DBR_CTRL_CHAR read, as of ``.DESC$`` or an image, broke the metadata before)."""
    import asyncio
    import logging

    from caproto import ChannelType

    from chartioc.client.ca.monitor import ConnectionChange, NativeType, PVMonitor, ValueUpdate

    bl = beamline
    expected = {
        f"{bl.prefix}motor.RBV": NativeType(ChannelType.DOUBLE, 1),
        f"{bl.prefix}motor.SPMG": NativeType(ChannelType.ENUM, 1),
        f"{bl.prefix}motor.EGU": NativeType(ChannelType.STRING, 1),
        f"{bl.prefix}motor.DESC$": NativeType(ChannelType.CHAR, 41),
        f"{bl.chart}AxesPx_RBV": NativeType(ChannelType.DOUBLE, 4),
        f"{bl.chart}image1:ArrayData": NativeType(ChannelType.CHAR, 2048 * 2048 * 3),
    }

    async def scenario() -> tuple[dict, dict, dict, set]:
        monitor = PVMonitor()
        events: list = []
        monitor.add_listener(events.append)
        await monitor.add(expected)
        await monitor.wait_connected(timeout=5)
        probed = {name: await monitor.probe(name, 0.5) for name in expected}
        missing = await monitor.probe(f"{bl.prefix}mtoor.RBV", 0.2)
        await asyncio.sleep(0.3)
        read = set(monitor.metadata)  # units, precision, limits read for every type
        await monitor.close()
        natives = {e.pvname: e.native for e in events if isinstance(e, ConnectionChange)}
        values = {e.pvname: e.value for e in events if isinstance(e, ValueUpdate)}
        return natives, values, {**probed, "missing": missing}, read

    with caplog.at_level(logging.DEBUG, logger="chartioc"):
        natives, values, probed, read = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert natives == expected
    assert read == set(expected)
    assert probed == {**expected, "missing": None}
    assert values[f"{bl.prefix}motor.EGU"] == "mm"
    assert values[f"{bl.prefix}motor.SPMG"] == 3  # Go: an enum is its index
    assert isinstance(values[f"{bl.prefix}motor.RBV"], float)
    assert set(values) == set(expected)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
