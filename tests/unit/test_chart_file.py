"""The charts file of ``chartioc-chart --config``: parse, check, and say where it is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartioc.iocs.chart.chart_file import ChartFileError, ChartsFile, load_charts, parse_charts
from chartioc.iocs.chart.settings import DEFAULTS
from chartioc.iocs.chart.toml_lines import dotted, find_line

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "charts.toml"

THREE = """\
# the demo beamline
[charts.motors]
kind = "strip"
y = ["BEAMLINE:m1.RBV", "BEAMLINE:m2.RBV"]

[charts.scan]
kind = "xy"
x = "BEAMLINE:m1.RBV"
y = ["BEAMLINE:det"]
fit = "gaussian"

[charts.stage]
kind = "map"
x = "BEAMLINE:m1.RBV"
y = ["BEAMLINE:m2.RBV"]
"""


def refused(text: str) -> ChartFileError:
    """The error of ``text`` as the file ``charts.toml``."""
    with pytest.raises(ChartFileError) as info:
        parse_charts(text, "charts.toml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("charts.toml")
    return info.value


def chart(body: str) -> str:
    """A file of one chart, ``scan``, with ``body`` from line 2."""
    return "[charts.scan]\n" + body


# -- the happy path --------------------------------------------------------


def test_three_charts_in_file_order() -> None:
    charts = parse_charts(THREE, "charts.toml")
    assert isinstance(charts, ChartsFile)
    assert charts.path == "charts.toml"
    assert list(charts.charts) == ["motors", "scan", "stage"]
    motors, scan, stage = charts.charts.values()
    assert motors == DEFAULTS.with_(ys=("BEAMLINE:m1.RBV", "BEAMLINE:m2.RBV"))
    assert (scan.kind, scan.x, scan.ys, scan.fit) == (
        "xy",
        "BEAMLINE:m1.RBV",
        ("BEAMLINE:det",),
        "gaussian",
    )
    assert (stage.kind, stage.x, stage.ys) == ("map", "BEAMLINE:m1.RBV", ("BEAMLINE:m2.RBV",))
    assert all(not c.problem() for c in charts.charts.values())


def test_every_key() -> None:
    config = parse_charts(
        chart(
            'kind = "grid"\nx = "BEAMLINE:m1.RBV"\ny = "BEAMLINE:m2.RBV"\nz = "BEAMLINE:det"\n'
            "window = 30.5\nwidth = 800\nheight = 600\nmax_rate = 10\n"
            'title = "Grid"\nsample = "rest"\nfit = "off"\ncolormap = "magma"\n'
            "color_limits = [0, 100.0]\n"
        )
    ).charts["scan"]
    assert config == DEFAULTS.with_(
        kind="grid",
        x="BEAMLINE:m1.RBV",
        ys=("BEAMLINE:m2.RBV",),
        z="BEAMLINE:det",
        window=30.5,
        width=800,
        height=600,
        max_rate=10.0,
        title="Grid",
        sample="rest",
        fit="off",
        colormap="magma",
        color_low=0.0,
        color_high=100.0,
    )
    assert isinstance(config.width, int)


def test_an_empty_chart_is_the_defaults() -> None:
    assert parse_charts("[charts.a]\n").charts == {"a": DEFAULTS}


def test_a_chart_that_cannot_draw_yet_is_no_error() -> None:
    config = parse_charts(chart('kind = "xy"\ny = ["BEAMLINE:det"]\n')).charts["scan"]
    assert config.problem() == "xy needs X and Y1"


@pytest.mark.parametrize(
    ("written", "mode"),
    [("update", "update"), ("REST", "rest"), ("Each update", "update"), ("at rest", "rest")],
)
def test_sample_takes_modes_and_pv_words(written: str, mode: str) -> None:
    assert parse_charts(chart(f'sample = "{written}"\n')).charts["scan"].sample == mode


@pytest.mark.parametrize(
    ("written", "mode"),
    [("off", "off"), ("Off", "off"), ("Gaussian", "gaussian"), ("GAUSSIAN", "gaussian")],
)
def test_fit_takes_modes_and_pv_words(written: str, mode: str) -> None:
    assert parse_charts(chart(f'fit = "{written}"\n')).charts["scan"].fit == mode


def test_names_keep_their_case_and_blanks_around_pv_names_go() -> None:
    charts = parse_charts('[charts.Scan_2-b]\nkind = "XY"\nx = " BEAMLINE:m1.RBV "\n').charts
    assert charts["Scan_2-b"].kind == "xy"
    assert charts["Scan_2-b"].x == "BEAMLINE:m1.RBV"


def test_dotted_keys_and_inline_tables() -> None:
    text = '[charts]\nscan.kind = "xy"\nscan.width = 800\nstage = {kind = "map"}\n'
    charts = parse_charts(text).charts
    assert (charts["scan"].kind, charts["scan"].width, charts["stage"].kind) == ("xy", 800, "map")


def test_the_example_file_loads() -> None:
    charts = load_charts(EXAMPLE)
    assert list(charts.charts) == ["motors", "scan", "stage"]
    assert charts.charts["motors"].ys == ("BEAMLINE:m1.RBV", "BEAMLINE:m2.RBV")
    assert charts.charts["scan"].fit == "gaussian"
    assert all(c.max_rate == 10 and not c.problem() for c in charts.charts.values())


# -- the message -----------------------------------------------------------


def test_message_format() -> None:
    err = refused(chart('title = "x"\nwidth = "wide"\n'))
    assert (err.path, err.line, err.key) == ("charts.toml", 3, ("charts", "scan", "width"))
    assert str(err) == (
        "charts.toml:3: charts.scan.width: expected a whole number of pixels 64..2048, got 'wide'"
    )
    assert isinstance(err, ValueError)


def test_message_without_a_line() -> None:
    err = ChartFileError("charts.toml", "what, expected", None, ("charts", "scan"))
    assert str(err) == "charts.toml: charts.scan: what, expected"
    assert str(ChartFileError("c.toml", "a\nb", 3)) == "c.toml:3: a b"


def test_default_path() -> None:
    with pytest.raises(ChartFileError, match=r"^<config>: "):
        parse_charts("")


# -- keys and values -------------------------------------------------------


def test_unknown_key_suggests_the_nearest() -> None:
    err = refused(chart('kind = "xy"\nwidht = 800\n'))
    assert (err.line, err.key) == (3, ("charts", "scan", "widht"))
    assert "unknown key 'widht', did you mean 'width'?" in str(err)


def test_unknown_key_lists_the_known_ones() -> None:
    err = refused(chart("colour_banana = 1\n"))
    assert (err.line, err.key) == (2, ("charts", "scan", "colour_banana"))
    assert "expected kind, x, y, z, window, width" in str(err)


@pytest.mark.parametrize(
    ("body", "key", "expected"),
    [
        ("width = 640.0\n", "width", "expected a whole number of pixels 64..2048, got 640.0"),
        ("height = true\n", "height", "got true"),
        ("width = 4000\n", "width", "64..2048, got 4000"),
        ('window = "60"\n', "window", "expected a number of seconds 1..86400, got '60'"),
        ("window = 0.5\n", "window", "1..86400, got 0.5"),
        ("window = nan\n", "window", "got nan"),
        ("max_rate = 1000\n", "max_rate", "expected a rate in Hz 0.1..100, got 1000"),
        ("kind = 3\n", "kind", 'expected "strip", "xy", "map" or "grid" (any case), got 3'),
        ('kind = "pie"\n', "kind", "got 'pie'"),
        ('sample = "sometimes"\n', "sample", '"Each update" or "At rest" (any case)'),
        ('fit = "lorentz"\n', "fit", 'expected "off", "gaussian", "Off" or "Gaussian"'),
        ("x = 1\n", "x", "expected a PV name such as 'BEAMLINE:det', got 1"),
        ('z = ["a"]\n', "z", "got ['a']"),
        ("y = 3\n", "y", "expected a list of 1..4 PV names"),
        ("y = []\n", "y", "expected a list of 1..4 PV names such as ['BEAMLINE:det'], got []"),
        ('y = ["a", "b", "c", "d", "e"]\n', "y", "1..4 PV names"),
        ('y = ["a", 2]\n', "y", "Y2: expected a PV name (a string), got 2"),
        ("title = 5\n", "title", "expected a string, got 5"),
        (f'title = "{"t" * 40}"\n', "title", "title of 40 characters, expected at most 39"),
        ("colormap = 1\n", "colormap", "expected a colormap name"),
        ("color_limits = 5\n", "color_limits", "expected two finite numbers [low, high]"),
        ("color_limits = [1, 2, 3]\n", "color_limits", "got [1, 2, 3]"),
        ('color_limits = [0, "9"]\n', "color_limits", "got [0, '9']"),
        ("color_limits = [0, inf]\n", "color_limits", "got [0, inf]"),
    ],
)
def test_wrong_values(body: str, key: str, expected: str) -> None:
    err = refused(chart("# a comment\n" + body))
    assert (err.line, err.key) == (3, ("charts", "scan", key))
    assert expected in str(err)


def test_config_error_of_with_becomes_a_file_error() -> None:
    err = refused(chart('kind = "xy"\ncolormap = "virdis"\n'))
    assert (err.line, err.key) == (3, ("charts", "scan", "colormap"))
    assert str(err) == (
        "charts.toml:3: charts.scan.colormap: unknown colormap virdis,"
        " expected a matplotlib colormap name such as viridis"
    )


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ('"BEAMLINE:det", ""', "Y2: empty PV name, expected a PV name such as 'BEAMLINE:det'"),
        ('"BEAMLINE: det"', "Y1: PV name 'BEAMLINE: det' holds a blank, expected none"),
        ('"BEAMLINE:\\tdet"', "holds a blank"),
        ('"BEAMLINE:d\\u0007et"', "holds '\\x07', expected printable ASCII characters"),
        ('"BEAMLINE:dét"', "Y1: PV name 'BEAMLINE:dét' holds 'é', expected printable ASCII"),
        (f'"a", "{"A" * 40}"', "Y2: PV name of 40 characters, expected at most 39"),
    ],
)
def test_bad_pv_names_in_y(names: str, expected: str) -> None:
    err = refused(chart(f'kind = "strip"\ny = [{names}]\n'))
    assert (err.line, err.key) == (3, ("charts", "scan", "y"))
    assert expected in str(err)


def test_bad_pv_name_in_x_and_a_y_string() -> None:
    err = refused(chart(f'x = "{"B" * 40}"\n'))
    assert (err.line, err.key) == (2, ("charts", "scan", "x"))
    assert "X: PV name of 40 characters" in str(err)
    err = refused(chart('y = "a b"\n'))
    assert (err.line, err.key) == (2, ("charts", "scan", "y"))
    assert "Y1: PV name 'a b' holds a blank" in str(err)


def test_empty_x_z_and_y_string_are_no_source() -> None:
    config = parse_charts(chart('x = ""\nz = " "\ny = ""\n')).charts["scan"]
    assert (config.x, config.z, config.ys) == ("", "", ())


def test_a_key_in_an_inline_table_has_the_line_of_the_table() -> None:
    err = refused('[charts]\n\nscan = {kind = "xy", width = "wide"}\n')
    assert (err.line, err.key) == (3, ("charts", "scan", "width"))


def test_a_dotted_key_under_charts() -> None:
    err = refused('[charts]\nscan.kind = "xy"\nscan.width = "wide"\n')
    assert (err.line, err.key) == (3, ("charts", "scan", "width"))


# -- charts and the file ---------------------------------------------------


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ('[charts."a b"]', ("charts", "a b")),
        ("[charts.'a:b']", ("charts", "a:b")),
        ('[charts."a.b"]', ("charts", "a.b")),
        ('[charts.""]', ("charts", "")),
        (f"[charts.{'n' * 21}]", ("charts", "n" * 21)),
    ],
)
def test_bad_chart_names(header: str, key: tuple[str, ...]) -> None:
    err = refused(f'[charts.ok]\nkind = "xy"\n\n{header}\nkind = "xy"\n')
    assert (err.line, err.key) == (4, key)
    assert "bad chart name" in str(err)
    assert "expected 1..20 characters of A-Z a-z 0-9 _ - (for {prefix}NAME:)" in str(err)


def test_bad_chart_name_message_quotes_the_key() -> None:
    err = refused('[charts."a b"]\n')
    assert str(err).startswith("charts.toml:1: charts.\"a b\": bad chart name 'a b', expected")


def test_names_that_differ_only_in_case() -> None:
    err = refused('[charts.other]\n\n[charts.scan]\nkind = "xy"\n\n[charts.SCAN]\n')
    assert (err.line, err.key) == (6, ("charts", "SCAN"))
    assert "same name as chart 'scan' (line 3) but for case" in str(err)


@pytest.mark.parametrize(
    ("text", "line", "got"),
    [
        ("[charts]\nscan = 3\n", 2, "got 3"),
        ('[charts]\nscan = "xy"\n', 2, "got 'xy'"),
        ("[[charts.scan]]\nkind = 'xy'\n", 1, "got an array of tables"),
    ],
)
def test_a_chart_that_is_not_a_table(text: str, line: int, got: str) -> None:
    err = refused(text)
    assert (err.line, err.key) == (line, ("charts", "scan"))
    assert f"expected a table [charts.scan], {got}" in str(err)


def test_no_charts() -> None:
    err = refused("# nothing yet\n[charts]\n")
    assert (err.line, err.key) == (2, ("charts",))
    assert str(err) == (
        "charts.toml:2: charts: no charts, expected at least one [charts.NAME] table"
    )


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_charts_missing(text: str) -> None:
    err = refused(text)
    assert (err.line, err.key) == (None, ())
    assert str(err) == (
        "charts.toml: no [charts.NAME] table, expected at least one, e.g. [charts.scan]"
    )


def test_charts_is_not_a_table() -> None:
    err = refused("\ncharts = 3\n")
    assert (err.line, err.key) == (2, ("charts",))
    assert "expected [charts.NAME] tables, got 3" in str(err)


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ('title = "beamline"\n[charts.scan]\n', 1, ("title",)),
        ("[charts.scan]\n\n[chart.scan]\n", 3, ("chart",)),
    ],
)
def test_unknown_top_level_key(text: str, line: int, key: tuple[str, ...]) -> None:
    err = refused(text)
    assert (err.line, err.key) == (line, key)
    assert "unknown top-level key, expected only [charts.NAME] tables" in str(err)


def test_a_chart_declared_twice() -> None:
    err = refused('[charts.scan]\nkind = "xy"\n\n[charts.stage]\n\n[charts.scan]\nwidth = 800\n')
    assert (err.line, err.key) == (6, ("charts", "scan"))
    assert str(err) == (
        "charts.toml:6: charts.scan: table declared twice (first on line 1),"
        " expected one [charts.scan] table"
    )


def test_a_key_given_twice() -> None:
    err = refused(chart("width = 800\nheight = 600\nwidth = 900\n"))
    assert (err.line, err.key) == (4, ("charts", "scan", "width"))
    assert "key given twice, expected each key once" in str(err)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (chart("kind = xy\n"), 2, "invalid TOML: Invalid value (column 8)"),
        ("[charts.scan\n", 1, "invalid TOML: Expected ']' at the end of a table declaration"),
        (chart('y = ["a",\n'), 2, "invalid TOML:"),
    ],
)
def test_toml_syntax_errors(text: str, line: int, reason: str) -> None:
    err = refused(text)
    assert err.line == line
    assert str(err).startswith(f"charts.toml:{line}: {reason}")
    assert "(at line" not in str(err)


# -- files -----------------------------------------------------------------


def test_load_a_file(tmp_path: Path) -> None:
    path = tmp_path / "charts.toml"
    path.write_text(THREE, encoding="utf-8")
    charts = load_charts(path)
    assert charts.path == str(path)
    assert list(charts.charts) == ["motors", "scan", "stage"]
    assert charts == load_charts(str(path))


def test_load_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ChartFileError) as info:
        load_charts(path)
    assert str(info.value) == f"{path}: cannot read: No such file or directory"


def test_load_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ChartFileError, match=r": cannot read: "):
        load_charts(tmp_path)


def test_load_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[charts.scan]\ntitle = "Scan é"\n'.encode("latin-1"))
    with pytest.raises(ChartFileError) as info:
        load_charts(path)
    assert info.value.line == 2
    assert str(info.value) == f"{path}:2: not UTF-8 text (byte 0xe9), expected a UTF-8 file"


def test_load_a_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf[charts.scan]\n")
    assert list(load_charts(path).charts) == ["scan"]


def test_load_a_file_with_windows_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "crlf.toml"
    path.write_bytes(b'[charts.scan]\r\nkind = "xy"\r\nwidth = "wide"\r\n')
    with pytest.raises(ChartFileError) as info:
        load_charts(path)
    assert (info.value.line, info.value.key) == (3, ("charts", "scan", "width"))


# -- toml_lines ------------------------------------------------------------

LINES = """\
# comment [charts.fake]
[ charts . "a b" ]   # a header with blanks
width = 1
'quoted key' = 2

[charts.scan]
title = \"\"\"
width = 3
\"\"\"
y = [
  "x = 1",
]
x = "[charts.fake]"
sub.key = 4

[[charts.list]]
kind = "xy"
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("charts",), 2),
        (("charts", "a b"), 2),
        (("charts", "a b", "width"), 3),
        (("charts", "a b", "quoted key"), 4),
        (("charts", "scan"), 6),
        (("charts", "scan", "title"), 7),
        (("charts", "scan", "width"), None),
        (("charts", "scan", "y"), 10),
        (("charts", "scan", "x"), 13),
        (("charts", "scan", "sub"), 14),
        (("charts", "scan", "sub", "key"), 14),
        (("charts", "scan", "y", "deeper"), 10),
        (("charts", "fake"), None),
        (("charts", "list", "kind"), 17),
        ((), None),
    ],
)
def test_find_line(path: tuple[str, ...], line: int | None) -> None:
    assert find_line(LINES, path) == line


def test_find_line_of_text_it_does_not_understand() -> None:
    assert find_line("[charts.scan\nwidth = 3\n", ("charts", "scan", "width")) is None
    assert find_line("width 3\n", ("width",)) is None


def test_dotted() -> None:
    assert dotted(("charts", "scan", "max_rate")) == "charts.scan.max_rate"
    assert dotted(("charts", "a b", 'q"\n')) == 'charts."a b"."q\\"\\u000a"'
