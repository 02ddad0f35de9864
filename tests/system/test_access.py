"""Access rules enforced by both IOCs over CA."""

from __future__ import annotations

import getpass
import re
import socket

import pytest
from caproto import AccessRights

from chartioc.client.localca import IocProcess

from conftest import CHART_PORT, SPARE_PORT, run_tool, unique_prefix

RW = AccessRights.READ | AccessRights.WRITE


def ioc_with_rules(
    kind: str, prefix: str, rules, port: int, ready: str, log_dir, *args: str
) -> IocProcess:
    """``chartioc-<kind>`` with ``--access rules`` (use it as a context manager)."""
    return IocProcess(
        f"chartioc.iocs.{kind}.ioc",
        ["--prefix", prefix, "--access", str(rules), *args],
        port=port,
        ready_pv=prefix + ready,
        log_path=log_dir / f"access-{kind}.log",
    )


@pytest.fixture(scope="module")
def guarded(ioc_log_dir, tmp_path_factory):
    """A motor IOC with rules: this user may write TWV only, nobody reads det:noise."""
    prefix = unique_prefix("A")
    me, host = getpass.getuser(), socket.gethostname()
    rules = tmp_path_factory.mktemp("access") / "motor.rules"
    rules.write_text(
        f"none   {prefix}det:noise   *  *\n"
        f"write  {prefix}motor.TWV   *  {me}\n"
        f"write  {prefix}motor.VELO  {host.upper()}  *\n"
        f"write  {prefix}motor.RBV   *  *\n"  # a readback stays read-only anyway
        f"write  {prefix}motor2.*    *  {me}\n"  # the record's own name covers .VAL
        f"write  {prefix}*           *  someone-else\n"
    )
    with ioc_with_rules(
        "motor", prefix, rules, SPARE_PORT, "motor.RBV", ioc_log_dir, "--motors", "motor,motor2"
    ):
        yield prefix


@pytest.mark.ca
def test_others_get_read_only_access_shown_by_cainfo_and_refused_by_caput(guarded):
    info = run_tool("cainfo", f"{guarded}motor.VAL").stdout
    assert re.search(r"Access:\s+read, no write", info), info
    refused = run_tool("caput", "-c", "-w", "5", f"{guarded}motor.VAL", "1")
    assert refused.returncode != 0
    assert "Write access denied" in refused.stderr + refused.stdout
    assert run_tool("caget", "-t", f"{guarded}motor.VAL").stdout.strip() == "0"
    # Every record field, not only the pvdb's own entries:
    for field in ("STOP", "HLM", "TWF", "SPMG"):
        denied = run_tool("caput", "-c", "-w", "5", f"{guarded}motor.{field}", "1")
        assert "Write access denied" in denied.stderr + denied.stdout, field


@pytest.mark.ca
def test_named_user_and_host_may_write(guarded):
    assert "read, write" in run_tool("cainfo", f"{guarded}motor.TWV").stdout
    assert run_tool("caput", "-c", "-w", "5", f"{guarded}motor.TWV", "0.5").returncode == 0
    assert run_tool("caget", "-t", f"{guarded}motor.TWV").stdout.strip() == "0.5"
    assert run_tool("caput", "-c", "-w", "5", f"{guarded}motor.VELO", "2").returncode == 0
    assert run_tool("caput", "-c", "-w", "10", f"{guarded}motor2.VAL", "0.1").returncode == 0
    assert run_tool("caget", "-t", f"{guarded}motor2.RBV").stdout.strip() == "0.1"
    assert "read, write" in run_tool("cainfo", f"{guarded}motor2.STOP").stdout


@pytest.mark.ca
def test_readbacks_stay_read_only_and_none_hides_the_value(guarded):
    assert "read, no write" in run_tool("cainfo", f"{guarded}motor.RBV").stdout
    hidden = run_tool("caget", "-w", "2", f"{guarded}det:noise")
    assert "*** no read access" in hidden.stdout
    assert "no read, no write" in run_tool("cainfo", f"{guarded}det:noise").stdout


@pytest.mark.ca
def test_chart_ioc_takes_the_same_rules(ioc_log_dir, tmp_path):
    prefix = unique_prefix("A") + "chart:"
    rules = tmp_path / "chart.rules"
    rules.write_text(f"write {prefix}Title * {getpass.getuser()}\n")
    with ioc_with_rules("chart", prefix, rules, CHART_PORT, "image1:UniqueId_RBV", ioc_log_dir):
        assert run_tool("caput", "-c", "-w", "5", f"{prefix}Title", "mine").returncode == 0
        refused = run_tool("caput", "-c", "-w", "5", f"{prefix}Width", "320")
        assert "Write access denied" in refused.stderr + refused.stdout
        assert run_tool("caget", "-t", f"{prefix}Width").stdout.strip() == "640"
        assert re.search(r"Access:\s+read, no write", run_tool("cainfo", f"{prefix}Kind").stdout)


def test_a_bad_rules_file_stops_the_ioc_with_its_line(tmp_path):
    import subprocess
    import sys

    rules = tmp_path / "bad.rules"
    rules.write_text("write A:* * *\nallow A:* * *\n")
    result = subprocess.run(
        [sys.executable, "-m", "chartioc.iocs.motor.ioc", "--access", str(rules)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "bad.rules:2: action must be write, read or none" in result.stderr


#: A caproto client whose TCP circuits start from the address it is given (on Linux
#: every 127.x.y.z is this machine's), writing one value; prints what came of it.
FROM_ADDRESS = """
import socket, sys
from caproto.sync import client

source, pv, value = sys.argv[1], sys.argv[2], float(sys.argv[3])
connect = socket.create_connection
socket.create_connection = lambda address, timeout=None, *a, **k: connect(
    address, timeout, (source, 0))
try:
    client.write(pv, value, notify=True, timeout=5, repeater=False)
    print("written")
except Exception as ex:
    print("refused", type(ex).__name__, ex)
"""


@pytest.mark.parametrize("check_ip", [True, False])
def test_check_client_ip_matches_the_clients_address_not_its_claimed_name(
    ioc_log_dir, tmp_path, check_ip
):
    """Two clients on one machine claim the same host name, from 127.0.0.1 and 127.0.0.2:
    with ``check-client-ip`` only the address the rule names may write; without, both."""
    import subprocess
    import sys

    prefix = unique_prefix("I")
    host = socket.gethostname()
    rules = tmp_path / "motor.rules"
    hosts = "127.0.0.2" if check_ip else host
    rules.write_text(
        ("check-client-ip\n" if check_ip else "")
        + f"write  {prefix}motor.TWV  {hosts}  *\nread   *  *  *\n"
    )
    with ioc_with_rules("motor", prefix, rules, CHART_PORT, "motor.RBV", ioc_log_dir):

        def write_from(source: str, value: float) -> str:
            done = subprocess.run(
                [sys.executable, "-c", FROM_ADDRESS, source, f"{prefix}motor.TWV", str(value)],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            return done.stdout.strip() + done.stderr[-300:]

        def twv() -> str:
            return run_tool("caget", "-t", f"{prefix}motor.TWV").stdout.strip()

        assert write_from("127.0.0.2", 0.5).startswith("written")
        assert float(twv()) == 0.5
        other = write_from("127.0.0.1", 0.75)
        if check_ip:
            assert other.startswith("refused"), other
            assert float(twv()) == 0.5
            # EPICS base tools connect from 127.0.0.1 too: refused, and cainfo says so
            denied = run_tool("caput", f"{prefix}motor.TWV", "0.9")
            assert "Write access denied" in denied.stderr + denied.stdout
            assert "read, no write" in run_tool("cainfo", f"{prefix}motor.TWV").stdout
        else:
            assert other.startswith("written"), other
            assert float(twv()) == 0.75
