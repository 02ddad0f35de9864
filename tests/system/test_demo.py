"""``make demo``'s program end to end: it ends, leaves nothing running, and logs no trouble."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ca


def _in_session(sid: int) -> list[str]:
    """Live processes of session ``sid`` (a process and all it started keep it)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if fields[0] != "Z" and int(fields[3]) == sid:
                found.append(f"{entry} {cmd}")
    return found


@pytest.mark.timeout(180)
def test_demo_runs_and_leaves_no_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EPICS_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    demo = subprocess.Popen(
        [sys.executable, "-m", "chartioc.client.demo", "--output", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own session: everything it starts is found by SID
    )
    out, _ = demo.communicate(timeout=150)
    left = _in_session(demo.pid)
    if left:
        subprocess.run(["kill", "-9", *(p.split()[0] for p in left)], check=False)
    assert demo.returncode == 0, out
    assert not left, f"left running after the demo: {left}"
    for png in ("chart.png", "chart-motors.png", "chart-stage.png"):  # three charts, one IOC
        assert (tmp_path / png).stat().st_size > 1000
    assert "BEAMLINE:chart:Charts_RBV scan motors stage" in out, out
    assert (tmp_path / "panel.png").stat().st_size > 1000
    assert re.search(r"scan:FitStatus_RBV\s+OK", out), out
    for log in ("demo-motor.log", "demo-chart.log"):
        text = (tmp_path / log).read_text()
        assert "Traceback" not in text and "[W " not in text and "[E " not in text, text
    assert "Traceback" not in out, out
