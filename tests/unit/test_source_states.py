"""Each source's state for the status and the frame's banner (pure logic, no CA)."""

from __future__ import annotations

import numpy as np

from chartioc.iocs.chart.source_states import SEARCH_TIME, banner_problems, status_inputs
from chartioc.iocs.chart.stats_group import PAIR_PV_LENGTH, published_pairs
from chartioc.iocs.chart.status import compose_status

A, B, C, D = "BL:a", "BL:b", "BL:c", "BL:d"


def inputs(monotonic: float = 100.0, **kw):
    args = dict(
        sources=[A, B, C, D],
        connected=1,
        disconnected={B, C, D},
        down_since={B: 5.0},
        outages={},
        followed_since={A: 0.0, B: 0.0, C: 0.0, D: monotonic - SEARCH_TIME / 2},
        unusable={},
        monotonic=monotonic,
        now=1000.0,
    )
    args.update(kw)
    return status_inputs(**args)


def test_lost_not_found_and_connecting_are_told_apart() -> None:
    got = inputs()
    assert got.disconnected == [B]  # was connected: an outage
    assert got.not_found == [C]  # never answered within SEARCH_TIME
    assert got.connecting == [D]  # still within SEARCH_TIME
    assert (got.connected, got.total) == (1, 4)
    assert compose_status(got).long == f"DISCONNECTED: {B}; not found: {C}; connecting: {D}"


def test_a_source_that_is_no_number_is_only_that() -> None:
    got = inputs(
        connected=1, disconnected=set(), unusable={B: ("a string, not a number", "a string")}
    )
    assert got.disconnected == [] and got.not_found == [] and got.connecting == []
    assert got.unusable == {B: ("a string, not a number", "a string")}
    assert banner_problems([A, B], got) == {A: "", B: "a string"}
    got = inputs()
    # D has not answered yet: the banner says so instead of DISCONNECTED
    assert banner_problems([A, B, C, D], got) == {A: "", B: "", C: "not found", D: "connecting"}


def test_only_the_configured_sources_count() -> None:
    got = inputs(
        sources=[A],
        connected=1,
        disconnected=set(),
        unusable={B: ("a string, not a number", "a string")},  # dropped since
        outages={A: (10.0, 20.0), B: (30.0, 40.0)},
    )
    assert got.unusable == {} and got.outage == (10.0, 20.0) and got.total == 1


def test_the_latest_outage_is_told() -> None:
    got = inputs(outages={A: (10.0, 20.0), B: (5.0, 30.0)})
    assert got.outage == (5.0, 30.0)


def test_published_pairs_drop_gaps_and_keep_the_newest() -> None:
    x = np.array([0.0, np.nan, 1.0, 2.0, 3.0])
    y = np.array([5.0, np.nan, 6.0, np.nan, 7.0])
    px, py, first = published_pairs(x, y, start=2)
    np.testing.assert_array_equal(px, [0.0, 1.0, 3.0])
    np.testing.assert_array_equal(py, [5.0, 6.0, 7.0])
    assert first == 1  # index 2 of the gapped arrays is index 1 of the published ones
    n = PAIR_PV_LENGTH + 5
    big = np.arange(n, dtype=float)
    px, _, first = published_pairs(big, big, start=3)
    assert px.size == PAIR_PV_LENGTH and px[0] == 5.0 and first == 0  # cut off the front
    _, _, first = published_pairs(big, big, start=n - 1)
    assert first == PAIR_PV_LENGTH - 1
    assert published_pairs(big, big, None)[2] == 0
