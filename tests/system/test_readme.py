"""The README's walk-through, pasted as written, on a machine of its own.

The commands come from README.md itself (see ``walkthrough.py`` for the
markers), never from a copy here: what a new user pastes is what runs. Each
scenario runs in a fresh network namespace with only loopback, so the
README's own set-up (port 5064, ``EPICS_CA_ADDR_LIST=127.255.255.255``,
prefix ``BEAMLINE:``) is used exactly and no other run can answer.

Checked, for every scenario:
- every background program comes up (its ``ready`` PV answers);
- 20 fresh ``caget`` clients in a row each reach every IOC of the scenario
  (the set-up that failed half the time searched a shared unicast port);
- every command exits 0 and prints no "not found" / "Not connected" /
  traceback, except the lines the README says are refused, which fail with
  a reason;
- the Python snippets run and print; monitors saw every PV they name;
- Ctrl-C (SIGINT) ends every program, and the IOC logs hold no traceback.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from walkthrough import Block, Namespace, command_lines, expects_failure, scenarios

pytestmark = pytest.mark.ca

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = scenarios((REPO / "README.md").read_text())
FRESH_CLIENTS = 20
BAD_OUTPUT = re.compile(r"not found|not connected|channel connect timed out|traceback", re.I)
_SKIP = Namespace.available()


def test_readme_has_the_walkthrough():
    """The markers are there: the test below cannot pass by finding nothing."""
    assert set(SCENARIOS) >= {"main", "grid", "access"}
    kinds = {b.kind for b in SCENARIOS["main"]}
    assert kinds == {"setup", "background", "watch", "commands", "python"}
    assert sum(len(command_lines(b.text)) for b in SCENARIOS["main"] if b.kind == "commands") >= 20


@pytest.mark.timeout(300)
@pytest.mark.skipif(bool(_SKIP), reason=_SKIP or "-")
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_walkthrough_as_pasted(name, tmp_path):
    blocks = SCENARIOS[name]
    setup = "\n".join(b.text for b in blocks if b.kind == "setup")
    ns = Namespace(REPO, tmp_path, setup)
    with ns:
        servers: list[tuple[Block, object]] = []
        watches = []
        for i, block in enumerate(blocks):
            if block.kind == "background":
                (command,) = command_lines(block.text)
                proc = ns.start(command, tmp_path / f"background-{i}.log")
                if block.ready:
                    ns.wait_ready(block)
                    servers.append((block, proc))
                    _fresh_clients_find_all(ns, [b for b, _ in servers])
                else:
                    servers.append((block, proc))
            elif block.kind == "watch":
                (command,) = command_lines(block.text)
                watches.append((command, ns.start(command, tmp_path / f"watch-{i}.log"), i))
            elif block.kind == "commands":
                for command in command_lines(block.text):
                    _check_command(ns, command)
            elif block.kind == "python":
                script = tmp_path / f"snippet-{i}.py"
                script.write_text(block.text)
                result = ns.run(f"python {shlex.quote(script.name)}", timeout=120)
                out = result.stdout + result.stderr
                assert result.returncode == 0, f"snippet {i} failed:\n{block.text}\n{out}"
                assert result.stdout.strip(), f"snippet {i} printed nothing:\n{block.text}"
                assert not BAD_OUTPUT.search(out), out
        for command, proc, i in watches:
            assert ns.interrupt(proc) is not None, f"Ctrl-C did not end: {command}"
            _check_watch(command, (tmp_path / f"watch-{i}.log").read_text())
        for block, proc in reversed(servers):
            code = ns.interrupt(proc)
            assert code is not None, f"Ctrl-C did not end: {block.text}"
        for log in tmp_path.glob("background-*.log"):
            text = log.read_text()
            assert "Traceback" not in text, f"{log.name}:\n{text}"


def _fresh_clients_find_all(ns: Namespace, servers: list[Block]) -> None:
    """Each of 20 new clients reaches every IOC started so far."""
    pvs = [b.ready_pv for b in servers if b.ready]
    found = 0
    for _ in range(FRESH_CLIENTS):
        result = ns.caget(*pvs, timeout=2.0)
        found += result.returncode == 0
    assert found == FRESH_CLIENTS, f"{found}/{FRESH_CLIENTS} clients found all of {pvs}"


def _check_command(ns: Namespace, command: str) -> None:
    result = ns.run(command, timeout=120)
    out = (result.stdout + result.stderr).strip()
    if expects_failure(command):
        assert result.returncode != 0, f"README says refused, but it passed:\n{command}\n{out}"
        assert result.stderr.strip() or "rror" in out, f"refused without a reason:\n{command}"
    else:
        assert result.returncode == 0, f"failed:\n{command}\n{out}"
    assert not BAD_OUTPUT.search(out), f"{command}\n{out}"


def _check_watch(command: str, output: str) -> None:
    assert not BAD_OUTPUT.search(output), f"{command}\n{output}"
    words = shlex.split(command.split("#", 1)[0])
    for pv in (w for w in words[1:] if not w.startswith("-")):
        assert pv in output, f"{command}: nothing seen of {pv}\n{output}"
