"""What a write to a chart setting means (pure logic), and the setting PVs' forwarders
driven with a fake handler (no IOC, no CA)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from chartioc.iocs.chart.engine import FIT_MODES, SAMPLE_MODES, ConfigError
from chartioc.iocs.chart.settings import (
    FIT_CHOICES,
    PAUSE_CHOICES,
    SAMPLE_CHOICES,
    check_choice,
    choice_of,
    mode_of,
    source_name,
    with_slot,
)
from chartioc.iocs.chart.settings_group import SettingsGroup


def test_choices_line_up_with_the_modes() -> None:
    assert len(SAMPLE_CHOICES) == len(SAMPLE_MODES) and len(FIT_CHOICES) == len(FIT_MODES)
    for choices, modes in ((SAMPLE_CHOICES, SAMPLE_MODES), (FIT_CHOICES, FIT_MODES)):
        for choice, mode in zip(choices, modes, strict=True):
            assert mode_of(choice, choices, modes) == mode
            assert choice_of(mode, choices, modes) == choice
    assert mode_of("At rest", SAMPLE_CHOICES, SAMPLE_MODES) == "rest"


def test_an_enum_index_past_the_end_is_refused() -> None:
    assert check_choice("Sample", "At rest", SAMPLE_CHOICES) == "At rest"
    with pytest.raises(ConfigError, match=r"Sample index 5 not in 0\.\.1"):
        check_choice("Sample", 5, SAMPLE_CHOICES)
    with pytest.raises(ConfigError, match=r"Pause index 9 not in 0\.\.1"):
        check_choice("Pause", 9, PAUSE_CHOICES)


def test_source_names_are_trimmed_and_have_no_spaces() -> None:
    assert source_name("  BL:m1.RBV ") == "BL:m1.RBV"
    assert source_name("") == ""
    with pytest.raises(ConfigError, match="source PV names have no spaces"):
        source_name("a b")


@pytest.mark.parametrize(
    ("ys", "slot", "name", "result"),
    [
        ((), 0, "a", ("a",)),
        (("a",), 2, "c", ("a", "", "c")),  # Y3 with Y2 empty
        (("a", "", "c"), 2, "", ("a",)),  # no blanks at the end
        (("a", "b"), 0, "", ("", "b")),  # Y1 emptied, Y2 stays Y2
        (("a", "b", "c", "d"), 3, "e", ("a", "b", "c", "e")),
    ],
)
def test_one_y_slot_among_the_others(ys, slot, name, result) -> None:
    assert with_slot(ys, slot, name) == result


class FakeHandler:
    """Records what the setting PVs forward."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def configure(self, **changes: Any) -> None:
        if changes.get("width") == 1:
            raise ConfigError("width 1 outside 64..2048")
        self.calls.append(("configure", changes))

    async def set_source(self, slot: int | str, value: str) -> str:
        self.calls.append(("source", (slot, value)))
        return value.strip()

    async def refuse(self, reason: str) -> None:
        self.calls.append(("refuse", reason))

    def clear(self) -> None:
        self.calls.append(("clear", None))

    def redraw(self) -> None:
        self.calls.append(("redraw", None))


def test_each_setting_forwards_to_the_handler() -> None:
    async def scenario() -> tuple[list, dict[str, Any]]:
        group = SettingsGroup(prefix="T:")
        handler = FakeHandler()
        group.attach(handler)
        stored = {}
        for attr, value in (
            ("kind", "xy"),
            ("x", " BL:m1.RBV"),
            ("y1", "BL:det"),
            ("y4", "BL:other"),
            ("z", "BL:z"),
            ("window", 30.0),
            ("width", 320),
            ("max_rate", 10.0),
            ("title", "scan"),
            ("sample", "At rest"),
            ("fit", "Off"),
            ("colormap", " gray "),
            ("color_low", 1.0),
            ("clear", 1),
            ("pause", "Run"),
        ):
            pv = getattr(group, attr)
            stored[attr] = await pv.putter(pv, value)
        return handler.calls, stored

    calls, stored = asyncio.run(scenario())
    assert calls == [
        ("configure", {"kind": "xy"}),
        ("source", ("x", " BL:m1.RBV")),
        ("source", (0, "BL:det")),
        ("source", (3, "BL:other")),
        ("source", ("z", "BL:z")),
        ("configure", {"window": 30.0}),
        ("configure", {"width": 320}),
        ("configure", {"max_rate": 10.0}),
        ("configure", {"title": "scan"}),
        ("configure", {"sample": "rest"}),
        ("configure", {"fit": "off"}),
        ("configure", {"colormap": "gray"}),
        ("configure", {"color_low": 1.0}),
        ("clear", None),
        ("redraw", None),
    ]
    # what the PVs store: the cleaned names, Clear back to 0; None keeps the value as written
    assert stored["x"] == "BL:m1.RBV" and stored["colormap"] == "gray" and stored["clear"] == 0
    assert stored["kind"] is None and stored["pause"] == "Run"


def test_a_refused_setting_fails_the_put_and_says_why() -> None:
    async def scenario() -> list:
        group = SettingsGroup(prefix="T:")
        handler = FakeHandler()
        group.attach(handler)
        with pytest.raises(ConfigError, match="width 1 outside"):
            await group.width.putter(group.width, 1)
        with pytest.raises(ConfigError, match=r"Sample index 7 not in 0\.\.1"):
            await group.sample.putter(group.sample, 7)
        assert await group.clear.putter(group.clear, 0) == 0  # 0 clears nothing
        assert await group.pause.putter(group.pause, "Pause") == "Pause"  # no redraw
        return handler.calls

    assert asyncio.run(scenario()) == [("refuse", "Sample index 7 not in 0..1")]
