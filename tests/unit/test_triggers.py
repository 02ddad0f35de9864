"""The At-rest trigger (pure logic, no CA): a point when the last moving motor stops."""

from __future__ import annotations

import math

import pytest

from chartioc.iocs.chart.engine import ChartConfig
from chartioc.iocs.chart.motor_names import motor_record, rest_motors
from chartioc.iocs.chart.triggers import RestTrigger, done_flag


def trigger(*motors: str) -> RestTrigger:
    t = RestTrigger()
    t.follow(motors)
    return t


def test_a_move_that_ends_takes_one_point() -> None:
    t = trigger("m1")
    assert not t.update("m1", 1)  # the first value: the motor was at rest when found
    assert not t.update("m1", 0)  # moving
    assert t.update("m1", 1)  # done: a point
    assert not t.update("m1", 1)  # a repeated 1 is no second end of move
    assert not t.update("m1", 0)
    assert t.update("m1", 1)


def test_the_first_value_is_never_a_point_even_after_a_move_began() -> None:
    t = trigger("m1")
    assert not t.update("m1", 0)  # found while moving
    assert t.update("m1", 1)  # this stop was seen from its start: a point
    t = trigger("m1")
    assert not t.update("m1", 1)


def test_the_first_value_after_a_reconnection_is_ignored() -> None:
    t = trigger("m1")
    t.update("m1", 1)
    t.update("m1", 0)  # a move begins, then the connection goes
    t.lost("m1")
    assert not t.update("m1", 1)  # it ended during the outage: not a point
    assert not t.update("m1", 0)
    assert t.update("m1", 1)  # the next move counts again


def test_several_motors_take_a_point_when_the_last_one_stops() -> None:
    t = trigger("m1", "m2")
    for m in ("m1", "m2"):
        t.update(m, 1)
    assert not t.update("m1", 0)
    assert not t.update("m2", 0)  # both moving
    assert not t.update("m1", 1)  # m2 is still moving: no point
    assert t.update("m2", 1)  # the last one stopped: one point
    assert not t.update("m1", 0)
    assert t.update("m1", 1)  # one motor moved alone, the other at rest: a point


def test_one_motor_never_heard_of_blocks_the_points() -> None:
    t = trigger("m1", "m2")
    t.update("m1", 1)
    t.update("m1", 0)
    assert not t.update("m1", 1)  # m2 sent no value yet: not known to be at rest
    t.update("m2", 1)
    t.update("m1", 0)
    assert t.update("m1", 1)


def test_following_keeps_known_values_and_forgets_dropped_motors() -> None:
    t = trigger("m1", "m2")
    t.update("m1", 1)
    t.update("m2", 1)
    t.follow(["m1", "m3"])  # m2 dropped, m3 new
    assert t.motors == ("m1", "m3")
    assert not t.update("m2", 0) and not t.update("m2", 1)  # not followed: ignored
    t.update("m1", 0)
    assert not t.update("m1", 1)  # m3 has no value yet
    t.update("m3", 1)
    t.update("m1", 0)
    assert t.update("m1", 1)


def test_values_that_are_no_numbers_are_not_at_rest() -> None:
    assert done_flag(True) == 1.0 and done_flag("1") == 1.0 and math.isnan(done_flag("x"))
    assert math.isnan(done_flag(None))
    t = trigger("m1")
    t.update("m1", 0)
    assert not t.update("m1", "garbage")
    assert not t.update("m1", 1)  # the value before was no 0


def test_no_motors_no_points() -> None:
    t = RestTrigger()
    assert t.motors == ()
    assert not t.update("m1", 0) and not t.update("m1", 1)


@pytest.mark.parametrize(
    ("pvname", "record"),
    [
        ("BL:m1.RBV", "BL:m1"),
        ("BL:m1.VAL", "BL:m1"),
        ("BL:m1.DRBV", "BL:m1"),
        ("BL:m1", "BL:m1"),  # a bare record name: its VAL
        ("BL:m1.EGU", None),
        ("BL:m1.DMOV", None),
        ("", None),
    ],
)
def test_motor_record_candidates_by_name(pvname: str, record: str | None) -> None:
    assert motor_record(pvname) == record


def test_rest_motors_are_those_of_the_position_sources_at_rest() -> None:
    grid = ChartConfig(kind="grid", x="BL:m1.RBV", ys=("BL:m2.VAL",), z="BL:det", sample="rest")
    assert rest_motors(grid) == ["BL:m1", "BL:m2"]
    assert rest_motors(grid.with_(sample="update")) == []
    xy = ChartConfig(kind="xy", x="BL:m1.RBV", ys=("BL:det",), sample="rest")
    assert rest_motors(xy) == ["BL:m1"]  # Y1 of an xy chart is the detector
    assert rest_motors(xy.with_(kind="map")) == []  # the map takes a point on every update
