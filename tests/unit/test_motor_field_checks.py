"""Unit tests of the checks of motor-record field writes (no IOC)."""

import math

import pytest

from chartioc.iocs.motor.field_checks import (
    MAX_PREC,
    SUPPORTED_FIELDS,
    check_acceleration,
    check_description,
    check_max_velocity,
    check_offset,
    check_precision,
    check_step,
    check_units,
    check_velocity,
    direction_sign,
    unsupported_reason,
    velocity_units,
)


def test_velocity_within_range_and_vmax() -> None:
    assert check_velocity(2.5, 0.0) == 2.5  # VMAX 0: no maximum
    assert check_velocity(4.0, 4.0) == 4.0  # VMAX itself is allowed
    assert check_velocity(1e9, 0.0) == 1e9
    assert check_velocity("3", 0.0) == 3.0
    with pytest.raises(ValueError, match=r"^VELO \(5\) must not exceed VMAX \(4\)$"):
        check_velocity(5.0, 4.0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.0, "VELO must be > 0, not 0"),
        (-1.0, "VELO must be > 0, not -1"),
        (1e-10, "VELO must be within 1e-09..1e+09, not 1e-10"),
        (2e9, "VELO must be within 1e-09..1e+09, not 2e+09"),
        (math.nan, "VELO must be a finite number, not nan"),
        ("fast", "VELO must be a number, not 'fast'"),
    ],
)
def test_bad_velocity_is_refused(value: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        check_velocity(value, 0.0)
    assert str(info.value) == message


def test_max_velocity_is_zero_or_at_least_velo() -> None:
    assert check_max_velocity(0.0, 4.0) == 0.0
    assert check_max_velocity(4.0, 4.0) == 4.0
    assert check_max_velocity(1e9, 4.0) == 1e9
    for value, message in [
        (-1.0, "VMAX must be 0 or >= VELO (4), not -1"),
        (1.0, "VMAX must be 0 or >= VELO (4), not 1"),
        (1e308, "VMAX must be within 0..1e+09, not 1e+308"),
    ]:
        with pytest.raises(ValueError) as info:
            check_max_velocity(value, 4.0)
        assert str(info.value) == message


def test_acceleration_zero_up_to_max_accl() -> None:
    assert check_acceleration(0.0) == 0.0
    assert check_acceleration(1000.0) == 1000.0
    with pytest.raises(ValueError, match=r"^ACCL must be >= 0, not -0.1$"):
        check_acceleration(-0.1)
    with pytest.raises(ValueError, match=r"^ACCL must be <= 1000, not 1001$"):
        check_acceleration(1001.0)


def test_offset_within_max_position() -> None:
    assert check_offset(-1e9) == -1e9
    assert check_offset(0) == 0.0
    with pytest.raises(ValueError, match=r"^OFF must be within \+-1e\+09, not 2e\+09$"):
        check_offset(2e9)
    with pytest.raises(ValueError, match="OFF must be a finite number"):
        check_offset(math.inf)


def test_direction_sign() -> None:
    assert direction_sign("Neg") == -1
    assert direction_sign("Pos") == 1


@pytest.mark.parametrize("field", ["TWV", "MRES"])
def test_steps_are_positive_and_bounded(field: str) -> None:
    assert check_step(0.1, field) == 0.1
    assert check_step(1e9, field) == 1e9
    with pytest.raises(ValueError, match=rf"^{field} must be > 0, not 0$"):
        check_step(0.0, field)
    with pytest.raises(ValueError, match=rf"^{field} must be <= 1e\+09, not 1e\+10$"):
        check_step(1e10, field)


def test_precision_within_0_to_15() -> None:
    assert MAX_PREC == 15
    assert check_precision(0) == 0
    assert check_precision(15) == 15
    for value in (-5, 16, 99):
        with pytest.raises(ValueError) as info:
            check_precision(value)
        assert str(info.value) == f"PREC must be within 0..15, not {value}"


def test_units_fit_ca_units() -> None:
    assert check_units("degrees") == "degrees"  # 7 characters fit
    assert check_units("") == ""
    with pytest.raises(ValueError) as info:
        check_units("abcdefgh")
    assert str(info.value) == "EGU must be at most 7 characters (CA units), not 8"


def test_description_fits_one_dbr_string() -> None:
    assert check_description("x" * 39) == "x" * 39
    with pytest.raises(ValueError) as info:
        check_description("x" * 40)
    assert str(info.value) == "DESC must be at most 39 characters, not 40"


def test_velocity_units_cut_egu_to_fit_seven_characters() -> None:
    assert velocity_units("mm") == "mm/s"
    assert velocity_units("degrees") == "degre/s"
    assert len(velocity_units("abcdefg")) == 7


def test_unsupported_reason_and_supported_fields() -> None:
    assert unsupported_reason("JOGF") == "JOGF is not supported by the simulator"
    assert unsupported_reason("RVAL") == (
        "RVAL is not supported by the simulator; write VAL or DVAL"
    )
    assert {"VELO", "HLM", "DESC", "SPMG"} <= SUPPORTED_FIELDS
    assert not {"VAL", "RVAL", "JOGF", "SCAN"} & SUPPORTED_FIELDS
