"""Plain values and display metadata from CA payloads (pure, no CA): never raise."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from chartioc.client.ca.payloads import Metadata, first_value, parse_metadata


@pytest.mark.parametrize(
    ("data", "expected", "kind"),
    [
        (np.array([1.5, 2.5]), 1.5, float),  # an array: its first element
        (np.array([7], dtype=np.int32), 7, int),
        (np.array([3], dtype=np.uint16), 3, int),  # an enum index
        ([b"OPEN"], "OPEN", str),  # DBR_STRING: bytes as text
        ([b"caf\xe9"], "caf\xe9", str),  # latin-1, never a decode error
        (4.25, 4.25, float),  # not a sequence: itself
        ([], [], list),  # empty: left as it came
    ],
)
def test_first_value_is_a_plain_python_value(data, expected, kind) -> None:
    value = first_value(data)
    assert value == expected
    assert type(value) is kind


def test_metadata_of_a_ctrl_double() -> None:
    md = SimpleNamespace(
        units=b"mm\x00\x00", precision=4, lower_ctrl_limit=-5.0, upper_ctrl_limit=5.0
    )
    assert parse_metadata(md) == Metadata("mm", 4, -5.0, 5.0)


def test_metadata_a_type_lacks_takes_the_defaults() -> None:
    # DBR_CTRL_STRING and DBR_CTRL_ENUM have no units, precision or limits.
    assert parse_metadata(SimpleNamespace()) == Metadata()
    assert parse_metadata(SimpleNamespace(enum_strings=[b"Off", b"On"])) == Metadata()


def test_ctrl_char_limits_are_single_bytes() -> None:
    md = SimpleNamespace(units=b"", lower_ctrl_limit=b"\x00", upper_ctrl_limit=b"\xff")
    assert parse_metadata(md) == Metadata("", 3, 0.0, 255.0)


def test_odd_fields_never_raise() -> None:
    md = SimpleNamespace(units=42, precision="many", lower_ctrl_limit=b"ab", upper_ctrl_limit=None)
    assert parse_metadata(md) == Metadata("", 3, 0.0, 0.0)


def test_units_as_text_are_kept() -> None:
    assert parse_metadata(SimpleNamespace(units="deg")).units == "deg"
