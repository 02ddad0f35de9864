"""A configuration file with an error stops ``chartioc-chart --config`` before it serves.

As a real process: one line on stderr naming the file, the line and the key,
exit code 2, and no IOC (the process ends without ever listening). Every kind
of error is checked in process by tests/unit/test_chart_cli.py, with the same
cases (:data:`CASES`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

GOOD = """\
[charts.scan]
kind = "xy"
x = "BL:m1.RBV"
y = ["BL:det"]
"""

#: A few cases as real processes (every kind: tests/unit/test_chart_cli.py).
CASES = {
    "unknown key": (GOOD + "widht = 300\n", "charts.toml:5: charts.scan.widht: unknown key"),
    "not TOML": (GOOD + "width = \n", "charts.toml:5: invalid TOML"),
    "two charts with one name": (
        GOOD + '\n[charts.scan]\nkind = "map"\n',
        "charts.toml:6: charts.scan: table declared twice",
    ),
}


def run_chart_ioc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "chartioc.iocs.chart.ioc", "--prefix", "CFG:chart:", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_config_error_is_one_line_exit_2_and_no_ioc(tmp_path: Path, case: str) -> None:
    text, expected = CASES[case]
    path = tmp_path / "charts.toml"
    path.write_text(text)
    result = run_chart_ioc("--config", str(path), "--interfaces", "127.0.0.1")
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("chartioc-chart: error: "), lines
    assert f"{tmp_path}/{expected}" in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert "Listening" not in result.stdout + result.stderr  # it never served


def test_a_missing_config_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_chart_ioc("--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert f"{tmp_path}/nope.toml: cannot read: No such file or directory" in line


def test_config_and_chart_options_together_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "charts.toml"
    path.write_text(GOOD)
    result = run_chart_ioc("--config", str(path), "BL:m1.RBV", "--kind", "xy")
    assert result.returncode == 2
    assert "--config defines the charts: PVs, --kind cannot be given with it" in result.stderr
