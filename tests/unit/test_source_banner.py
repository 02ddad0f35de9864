"""A source that is not charted says why in the frame: the engine's problem, the banner."""

from __future__ import annotations

import numpy as np
from matplotlib.text import Text

from chartioc.iocs.chart.config import ChartConfig
from chartioc.iocs.chart.engine import ChartEngine
from chartioc.iocs.chart.render import DISCONNECTED_COLOUR, ChartRenderer

from conftest import count_colour

RBV, EGU = "BL:m1.RBV", "BL:m1.EGU"


def banner_lines(renderer: ChartRenderer) -> list[str]:
    """The texts the frame shows in the banner colour."""
    texts = renderer.figure.findobj(Text)
    return [
        line
        for t in texts
        if t.get_visible() and t.get_color() == DISCONNECTED_COLOUR and t.get_text()
        for line in t.get_text().splitlines()
    ]


def engine_with_samples() -> ChartEngine:
    engine = ChartEngine(ChartConfig(kind="strip", ys=(RBV, EGU)))
    engine.ingest_connection(RBV, True, 100.0)
    for i in range(20):
        engine.ingest_value(RBV, float(i), 100.0 + i)
    return engine


def test_the_engine_hands_the_problem_to_the_snapshot():
    engine = engine_with_samples()
    assert engine.problem(EGU) == ""
    engine.set_problem(EGU, "a string")
    assert engine.problem(EGU) == "a string"
    egu = engine.snapshot(120.0).ys[1]
    assert (egu.problem, egu.connected, egu.values.size) == ("a string", False, 0)
    engine.set_problem(EGU, "")
    assert engine.snapshot(120.0).ys[1].problem == ""
    engine.set_problem("BL:not_a_source", "x")  # ignored
    assert engine.problem("BL:not_a_source") == ""


def test_the_banner_says_why_instead_of_disconnected():
    engine = engine_with_samples()
    renderer = ChartRenderer(640, 480)
    lost = renderer.render(engine.snapshot(120.0))
    assert banner_lines(renderer) == ["DISCONNECTED: m1.EGU"]
    engine.set_problem(EGU, "a string")
    refused = renderer.render(engine.snapshot(120.0))
    assert banner_lines(renderer) == ["m1.EGU: a string"]
    engine.set_problem(EGU, "not found")
    missing = renderer.render(engine.snapshot(120.0))
    assert banner_lines(renderer) == ["m1.EGU: not found"]
    for name, frame in (("lost", lost), ("refused", refused), ("missing", missing)):
        assert count_colour(frame, DISCONNECTED_COLOUR, tol=40) > 100, name
    # The banner was redrawn each time (its text is part of the static background).
    assert not np.array_equal(lost, refused) and not np.array_equal(refused, missing)
