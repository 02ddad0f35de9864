"""``chartioc-chart``'s command line in process: every kind of configuration-file error is
one line and exit code 2 (tests/system/test_chart_config_errors.py runs a few as real
processes); the options that go with ``--config`` and those that do not."""

from __future__ import annotations

import pytest

from chartioc.iocs.chart.cli import parse_args

GOOD = """\
[charts.scan]
kind = "xy"
x = "BL:m1.RBV"
y = ["BL:det"]
"""

CASES = {
    "unknown key": (GOOD + "widht = 300\n", "charts.toml:5: charts.scan.widht: unknown key"),
    "wrong type": (GOOD + 'width = "wide"\n', "charts.toml:5: charts.scan.width: expected"),
    "number out of range": (GOOD + "max_rate = 1000\n", "charts.toml:5: charts.scan.max_rate"),
    "two charts with one name": (
        GOOD + '\n[charts.scan]\nkind = "map"\n',
        "charts.toml:6: charts.scan: table declared twice",
    ),
    "names equal but for case": (
        GOOD + '\n[charts.SCAN]\nkind = "map"\n',
        "charts.toml:6: charts.SCAN: same name as chart 'scan'",
    ),
    "bad PV name": (GOOD.replace("BL:det", "BL det"), "charts.toml:4: charts.scan.y:"),
    "bad chart name": ('[charts."a b"]\nkind = "xy"\n', 'charts.toml:1: charts."a b": bad chart'),
    "unknown kind": (GOOD.replace('"xy"', '"pie"'), "charts.toml:2: charts.scan.kind:"),
    "not TOML": (GOOD + "width = \n", "charts.toml:5: invalid TOML"),
    "no charts": ('title = "x"\n', "charts.toml:1: title: unknown top-level key"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_config_error_is_one_line_and_exit_2(tmp_path, capsys, case):
    text, expected = CASES[case]
    path = tmp_path / "charts.toml"
    path.write_text(text)
    with pytest.raises(SystemExit) as exited:
        parse_args(["--config", str(path)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    (line,) = err.strip().splitlines()
    assert line.startswith("chartioc-chart: error: ")
    assert f"{tmp_path}/{expected}" in line, line


def test_a_good_config_gives_its_charts_and_the_ioc_options(tmp_path):
    path = tmp_path / "charts.toml"
    path.write_text(GOOD)
    ioc, _ = parse_args(["--config", str(path), "--autosave", "a.json", "--render-workers", "2"])
    assert list(ioc["charts"]) == ["scan"] and ioc["charts"]["scan"].kind == "xy"
    assert (ioc["autosave"], ioc["render_workers"], "config" in ioc) == ("a.json", 2, False)


def test_the_one_chart_command_line_is_unchanged():
    ioc, _ = parse_args(["BL:m1.RBV", "--kind", "strip", "--max-rate", "5"])
    assert ioc["config"].ys == ("BL:m1.RBV",) and ioc["config"].max_rate == 5
    assert (ioc["autosave"], ioc["render_workers"], "charts" in ioc) == (None, 0, False)


@pytest.mark.parametrize("workers", ["-1", "65", "two"])
def test_render_workers_are_bounded(capsys, workers):
    with pytest.raises(SystemExit):
        parse_args(["--render-workers", workers])
    assert "a whole number 0..64" in capsys.readouterr().err
