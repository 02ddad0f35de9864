"""Which PVs can be chart sources: the pure type check of ``iocs/chart/source_check.py``."""

from __future__ import annotations

import pytest
from caproto import ChannelType

from chartioc.iocs.chart.source_check import source_problem


@pytest.mark.parametrize(
    "data_type",
    [
        ChannelType.DOUBLE,
        ChannelType.FLOAT,
        ChannelType.LONG,
        ChannelType.INT,
        ChannelType.CHAR,  # a one-element DBR_CHAR is a small integer
        ChannelType.ENUM,  # charted as its index
    ],
)
def test_numeric_scalars_are_sources(data_type):
    assert source_problem("BEAMLINE:motor.RBV", data_type, 1) is None


def test_a_string_is_refused():
    refusal = source_problem("BEAMLINE:motor.EGU", ChannelType.STRING, 1)
    assert refusal is not None
    assert refusal.reason == "a string, not a number"
    assert refusal.brief == "a string"


@pytest.mark.parametrize("data_type", [ChannelType.DOUBLE, ChannelType.LONG, ChannelType.ENUM])
def test_numeric_arrays_are_refused_with_their_length(data_type):
    refusal = source_problem("BEAMLINE:chart:AxesPx_RBV", data_type, 4)
    assert refusal is not None
    assert refusal.reason == "an array (4 elements), not a number"
    assert refusal.brief == "an array"


def test_an_area_detector_image_is_called_an_image():
    refusal = source_problem("BEAMLINE:chart:image1:ArrayData", ChannelType.CHAR, 12_582_912)
    assert refusal is not None
    assert refusal.reason == "an image (12 582 912 elements), not a number"
    assert refusal.brief == "an image"


def test_a_char_waveform_is_a_char_array():
    refusal = source_problem("BEAMLINE:chart:StatusMessage_RBV", ChannelType.CHAR, 1024)
    assert refusal is not None
    assert refusal.reason == "a char array (1024 elements), not a number"


def test_a_type_that_is_no_plain_value_is_refused_by_name():
    refusal = source_problem("X:y", ChannelType.TIME_DOUBLE, 1)
    assert refusal is not None
    assert refusal.reason == "DBR type TIME_DOUBLE, not a number"


def test_a_type_given_by_name_is_judged_the_same():
    assert source_problem("BEAMLINE:motor.RBV", "DOUBLE", 1) is None
    assert source_problem("BEAMLINE:motor.EGU", "STRING", 1).brief == "a string"
