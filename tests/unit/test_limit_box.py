"""The map's soft-limit box from motor limits (pure logic, no CA)."""

from __future__ import annotations

import math

import pytest

from chartioc.iocs.chart.limit_box import box_side, map_box

M1, M2 = "BL:m1.RBV", "BL:m2.RBV"


@pytest.mark.parametrize(
    ("limits", "side"),
    [
        ((-10.0, 10.0), (-10.0, 10.0)),  # (LLM, HLM)
        ((-3, 2), (-3.0, 2.0)),
        ((5.0, 5.0), None),  # HLM = LLM: the motor record has no soft limits then
        ((5.0, -5.0), None),  # HLM < LLM: likewise
        ((None, 10.0), None),  # a limit not received yet
        ((-10.0, None), None),
        (None, None),  # no motor
        ((math.nan, 10.0), None),
        ((-math.inf, 10.0), None),
        (("low", 10.0), None),  # no number
    ],
)
def test_box_side(limits, side) -> None:
    assert box_side(limits) == side


def test_the_map_box_follows_each_motor() -> None:
    limits = {M1: (-10.0, 10.0), M2: (-3.0, 3.0)}
    assert map_box("map", M1, M2, limits.get) == ((-10.0, 10.0), (-3.0, 3.0))
    limits[M1] = (-10.0, 4.0)  # caput HLM 4
    assert map_box("map", M1, M2, limits.get) == ((-10.0, 4.0), (-3.0, 3.0))


def test_a_side_without_limits_leaves_the_other() -> None:
    limits = {M1: (-10.0, 10.0), M2: (3.0, 3.0)}
    assert map_box("map", M1, M2, limits.get) == ((-10.0, 10.0), None)
    assert map_box("map", M1, "BL:det", limits.get) == ((-10.0, 10.0), None)
    assert map_box("map", "BL:det", M2, {M2: (-1, 1)}.get) == (None, (-1.0, 1.0))


def test_only_the_map_has_a_box() -> None:
    limits = {M1: (-10.0, 10.0), M2: (-3.0, 3.0)}
    for kind in ("strip", "xy", "grid"):
        assert map_box(kind, M1, M2, limits.get) == (None, None)
    assert map_box("map", "", "", limits.get) == (None, None)
