"""``chartioc-table``, the pure formatting."""

from __future__ import annotations

from datetime import datetime

import pytest

from chartioc.client.tools.tableformat import (
    DISCONNECTED,
    TableFormatter,
    format_time,
    format_value,
)

TIME = r"\d\d:\d\d:\d\d\.\d\d\d"

# -- pure formatting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((1.25, 3, "mm"), "1.250 mm"),
        ((1.25, 0, "mm"), "1 mm"),
        ((-0.5, 2, ""), "-0.50"),
        ((float("nan"), 3, "mm"), "nan mm"),
        ((float("inf"), 3, ""), "inf"),
        ((float("-inf"), 3, "mm/s"), "-inf mm/s"),
        ((12345.678, -2, "V"), "1.23e+04 V"),
        ((0.1, None, "s"), "0.1 s"),
        ((42, 3, "counts"), "42 counts"),
        ((True, 3, ""), "1"),
        (("hello world", 3, ""), "hello world"),
        ((b"mm", 3, ""), "mm"),
        ((None, 3, "mm"), ""),
    ],
)
def test_format_value(args, text):
    assert format_value(*args) == text


def test_format_value_shows_enum_strings():
    spmg = ("Stop", "Pause", "Move", "Go")
    assert format_value(3, 3, "", spmg) == "Go"
    assert format_value(7, 3, "", spmg) == "7"  # out of range: the index


def test_format_time_is_local_time_to_the_millisecond():
    stamp = datetime(2024, 5, 6, 12, 3, 4, 123456).timestamp()  # naive: local time
    assert format_time(stamp) == "12:03:04.123"


def test_rows_under_a_header_with_the_updated_value_marked():
    stamp = datetime(2024, 5, 6, 12, 3, 4, 123456).timestamp()
    table = TableFormatter(["BL:m1.TWV", "BL:m1.SPMG", "BL:motor.VELO"])
    assert table.lines(0, stamp, ["0.100 mm", "Go", "4.000 mm/s"]) == [
        "  seq  time               BL:m1.TWV       BL:m1.SPMG    BL:motor.VELO",
        "    0  12:03:04.123        0.100 mm               Go       4.000 mm/s",
    ]
    assert table.lines(1, stamp + 1, ["0.250 mm", DISCONNECTED, ""], updated=0) == [
        "    1  12:03:05.123        0.250 mm*  <disconnected>",
    ]
    assert table.lines(2, stamp + 1, ["0.250 mm", DISCONNECTED, "2.000 mm/s"], updated=2) == [
        "    2  12:03:05.123        0.250 mm   <disconnected>       2.000 mm/s*",
    ]


def test_header_repeats_every_50_rows():
    table = TableFormatter(["A"])
    lines = [line for seq in range(120) for line in table.lines(seq, 0.0, ["1"])]
    headers = [i for i, line in enumerate(lines) if "seq" in line]
    assert headers == [0, 51, 102]  # before rows 0, 50 and 100
    assert len(lines) == 123
    once = TableFormatter(["A"], header_every=0)
    assert sum("seq" in ln for seq in range(120) for ln in once.lines(seq, 0.0, ["1"])) == 1


def test_a_wider_value_widens_its_column_and_repeats_the_header():
    table = TableFormatter(["A"])
    table.lines(0, 0.0, ["1.000 mm"])
    header, row = table.lines(1, 0.0, ["123456789.123456 mm"], updated=0)
    assert header.endswith("  " + "A".rjust(19))
    assert row.endswith("  123456789.123456 mm*")
    assert [line[-22:] for line in table.lines(2, 0.0, ["1.000 mm"], 0)] == [
        "  " + "1.000 mm".rjust(19) + "*"
    ]


def test_cells_must_match_the_columns():
    with pytest.raises(ValueError, match="1 cells for 2 columns"):
        TableFormatter(["A", "B"]).lines(0, 0.0, ["x"])
