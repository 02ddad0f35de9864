"""The autosave file's contents back into the charts (pure: no IOC, no file)."""

from __future__ import annotations

import json

import pytest

from chartioc.iocs.chart.config import ChartConfig
from chartioc.iocs.chart.saved_settings import (
    SAVED_SETTINGS,
    SavedFileError,
    apply_saved,
    parse_saved,
)

PREFIXES = {"scan": "BL:chart:scan:", "stage": "BL:chart:stage:"}
CHARTS = {
    "scan": ChartConfig(kind="xy", x="BL:m1.RBV", ys=("BL:det",)),
    "stage": ChartConfig(kind="map", x="BL:m1.RBV", ys=("BL:m2.RBV",)),
}


def saved(**values: object) -> str:
    return json.dumps({k: {"value": v, "fields": {}} for k, v in values.items()})


def test_saved_values_are_laid_over_the_configuration_of_their_chart_only():
    text = saved(
        **{
            "BL:chart:scan:Kind": "strip",
            "BL:chart:scan:Y1": "BL:m2.RBV",
            "BL:chart:scan:Y2": "BL:det",
            "BL:chart:scan:Window": 120.0,
            "BL:chart:scan:Fit": "Off",
            "BL:chart:scan:Sample": "At rest",
            "BL:chart:scan:Width": 800,
            "BL:chart:scan:Pause": "Pause",
        }
    )
    restored = apply_saved(parse_saved(text), PREFIXES, CHARTS)
    scan = restored.charts["scan"]
    assert (scan.kind, scan.ys, scan.window, scan.fit, scan.sample, scan.width) == (
        "strip",
        ("BL:m2.RBV", "BL:det"),
        120.0,
        "off",
        "rest",
        800,
    )
    assert restored.charts["stage"] == CHARTS["stage"]
    assert restored.paused == {"scan": True}
    assert restored.notes == ()
    assert set(restored.settings["scan"]) == {
        "Kind",
        "Y1",
        "Y2",
        "Window",
        "Fit",
        "Sample",
        "Width",
        "Pause",
    }


def test_enums_saved_as_their_index_are_read_as_their_string():
    # caproto keeps an enum written by index (caput of a number, or of a string some
    # clients turn into its index) as that int; it reads as the string
    text = saved(
        **{
            "BL:chart:scan:Kind": 0,
            "BL:chart:scan:Fit": 0,
            "BL:chart:scan:Sample": 1,
            "BL:chart:scan:Pause": 1,
        }
    )
    restored = apply_saved(parse_saved(text), PREFIXES, CHARTS)
    scan = restored.charts["scan"]
    assert (scan.kind, scan.fit, scan.sample, restored.paused) == (
        "strip",
        "off",
        "rest",
        {"scan": True},
    )
    bad = apply_saved(parse_saved(saved(**{"BL:chart:scan:Kind": 9})), PREFIXES, CHARTS)
    assert "Kind index 9 not in 0..3" in bad.notes[0].text


def test_a_cleared_y_slot_stays_cleared():
    config = {"scan": ChartConfig(kind="strip", ys=("BL:a", "BL:b"))}
    text = saved(**{"BL:chart:scan:Y1": "BL:a", "BL:chart:scan:Y2": ""})
    assert apply_saved(parse_saved(text), PREFIXES, config).charts["scan"].ys == ("BL:a",)


def test_one_chart_directly_under_the_prefix():
    text = saved(**{"BL:chart:Kind": "map", "BL:chart:Title": "stage"})
    restored = apply_saved(parse_saved(text), {"chart": "BL:chart:"}, {"chart": ChartConfig()})
    assert (restored.charts["chart"].kind, restored.charts["chart"].title) == ("map", "stage")


def test_a_chart_the_configuration_no_longer_has_is_reported_and_ignored():
    text = saved(**{"BL:chart:old:Kind": "xy", "BL:chart:scan:Window": 30})
    restored = apply_saved(parse_saved(text), PREFIXES, CHARTS)
    assert restored.charts["scan"].window == 30
    (note,) = restored.notes
    assert "BL:chart:old:Kind" in note.text and "ignored" in note.text
    assert not note.problem


@pytest.mark.parametrize(
    ("setting", "value", "why"),
    [
        ("Width", 5, "outside"),
        ("Width", "wide", "must be a number"),
        ("Kind", "pie", "Kind must be one of"),
        ("Fit", "Lorentzian", "Fit must be one of"),
        ("Y1", "has space", "no spaces"),
        ("Colormap", "nosuchmap", "unknown colormap"),
        ("Pause", True, "Pause must be one of"),
        ("Pause", 2, "Pause index 2 not in 0..1"),
        ("MaxRate", True, "must be a number"),
    ],
)
def test_a_bad_saved_value_keeps_the_configuration_and_says_why(setting, value, why):
    text = saved(**{f"BL:chart:scan:{setting}": value})
    restored = apply_saved(parse_saved(text), PREFIXES, CHARTS)
    assert restored.charts["scan"] == CHARTS["scan"]
    (note,) = restored.notes
    assert note.problem and why in note.text and f"BL:chart:scan:{setting}" in note.text
    assert len(note.short) <= 39


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"BL:chart:scan:Kind": {"value": "x', "not JSON"),
        ("\x00\x17garbage", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"BL:chart:scan:Kind": 3}', "no {"),
        ("", "not JSON"),
    ],
)
def test_a_file_that_is_no_autosave_file_raises(text, why):
    with pytest.raises(SavedFileError, match=why.replace("{", r"\{")):
        parse_saved(text)


def test_every_saved_setting_is_a_settings_pv():
    from chartioc.iocs.chart.pva_group import PvaGroup
    from chartioc.iocs.chart.settings_group import SettingsGroup

    props = [*vars(SettingsGroup).values(), *vars(PvaGroup).values()]  # Codec* in PvaGroup
    names = {prop.pvspec.name for prop in props if hasattr(prop, "pvspec")}
    assert set(SAVED_SETTINGS) <= names
    tagged = {prop.pvspec.name for prop in props if hasattr(prop, "autosave")}
    assert tagged == set(SAVED_SETTINGS)


def test_codec_settings_are_restored_apart_from_the_chart_configuration():
    restored = apply_saved(
        {"C:Codec": 1, "C:CodecQuality": 50, "C:Window": 20.0}, {"c": "C:"}, {"c": ChartConfig()}
    )
    assert restored.codecs == {"c": {"Codec": "lz4", "CodecQuality": 50}}
    assert restored.charts["c"].window == 20.0
    bad = apply_saved({"C:Codec": "zip", "C:CodecQuality": 0}, {"c": "C:"}, {"c": ChartConfig()})
    assert bad.codecs == {}
    assert [n.short for n in bad.notes] == ["autosave: a saved value refused"] * 2
