"""ChartConfig validation and ChartEngine pairing (pure logic, no CA)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chartioc.iocs.chart.config import ChartConfig, ConfigError, record_field
from chartioc.iocs.chart.engine import ChartEngine

M1, M2, DET = "BL:m1.RBV", "BL:m2.RBV", "BL:det"


def grid_engine(sample: str = "update") -> ChartEngine:
    return ChartEngine(ChartConfig(kind="grid", x=M1, ys=(M2,), z=DET, sample=sample))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"width": "abc"}, "width must be a number"),
        ({"width": "5000"}, "width 5000 outside 64..2048"),
        ({"max_rate": math.nan}, "max_rate must be finite"),
        ({"color_low": math.inf}, "color_low must be finite"),
        ({"colormap": "no_such_map"}, "unknown colormap"),
        ({"sample": "sometimes"}, "sample must be update or rest"),
        ({"fit": "lorentz"}, "fit must be off or gaussian"),
        ({"kind": "pie"}, "kind must be strip, xy, map or grid"),
        ({"z": "x" * 40}, "z longer than 39 chars"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(changes: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ChartConfig().with_(**changes)


def test_sources_and_problems_per_kind() -> None:
    assert ChartConfig(kind="grid", x=M1, ys=(M2, "BL:other"), z=DET).sources() == [M1, M2, DET]
    assert ChartConfig(kind="grid", x=M1, ys=(M2,)).problem() == "grid needs X, Y1 and Z"
    assert ChartConfig(kind="xy", x=M1, ys=(DET,), sample="rest").problem() == ""
    # a bare record name may be a motor record: its .RTYP decides (rest_problem), not its name
    assert ChartConfig(kind="xy", x="BL:temp", ys=(DET,), sample="rest").problem() == ""
    assert ChartConfig(kind="xy", x="BL:m1.EGU", ys=(DET,), sample="rest").problem() == (
        "sample at rest needs motor .RBV"
    )
    assert ChartConfig(kind="map", x="BL:a", ys=("BL:b",), sample="rest").problem() == ""


def test_rest_triggers_are_the_motors_dmov() -> None:
    assert record_field(M1, "DMOV") == "BL:m1.DMOV"
    assert record_field("BL:det", "DMOV") == "BL:det.DMOV"  # a bare record: a candidate
    assert record_field("BL:det.EGU", "DMOV") is None
    assert record_field("", "DMOV") is None
    assert grid_engine("rest").config.rest_triggers() == ["BL:m1.DMOV", "BL:m2.DMOV"]
    assert grid_engine("update").config.rest_triggers() == []


def test_grid_takes_a_point_on_each_value_update() -> None:
    engine = grid_engine()
    engine.ingest_value(M1, 1.0, 1.0)
    engine.ingest_value(DET, 5.0, 2.0)  # no M2 yet: no point
    engine.ingest_value(M2, 2.0, 3.0)  # a motor update alone: no point
    engine.ingest_value(DET, 6.0, 4.0)
    x, y = engine.pairs()
    assert (x.tolist(), y.tolist(), engine.grid_values().tolist()) == ([1.0], [2.0], [6.0])
    snap = engine.snapshot(5.0)
    assert snap.kind == "grid" and snap.z is not None and snap.z.values.tolist() == [6.0]
    assert snap.color_limits is None and snap.colormap == "viridis"


def test_sampling_at_rest_takes_points_only_when_asked() -> None:
    engine = grid_engine("rest")
    for t, (pv, value) in enumerate([(M1, 1.0), (M2, 2.0), (DET, 3.0), (DET, 4.0)]):
        engine.ingest_value(pv, value, float(t))
    assert engine.points_taken == 0
    assert engine.take_point(9.0)
    assert engine.grid_values().tolist() == [4.0] and engine.points_taken == 1


def test_a_disconnection_is_a_gap_in_every_pair_history() -> None:
    engine = grid_engine()
    for pv, value in ((M1, 1.0), (M2, 2.0), (DET, 3.0)):
        engine.ingest_value(pv, value, 0.0)
    engine.ingest_connection(DET, False, 1.0)
    assert not engine.take_point(2.0)  # the value is lost with its connection
    x, y = engine.pairs()
    z = engine.grid_values()
    assert len(x) == len(y) == len(z) == 2 and np.isnan(z[-1]) and np.isnan(x[-1])


def test_changing_how_points_are_taken_clears_them_but_a_title_does_not() -> None:
    engine = ChartEngine(ChartConfig(kind="xy", x=M1, ys=(DET,)))
    engine.ingest_value(M1, 1.0, 0.0)
    engine.ingest_value(DET, 2.0, 0.0)
    engine.configure(engine.config.with_(title="scan 2"))
    assert len(engine.pairs()[0]) == 1
    engine.configure(engine.config.with_(sample="rest"))
    assert len(engine.pairs()[0]) == 0


def test_colour_limits_equal_means_follow_the_data() -> None:
    engine = grid_engine()
    engine.configure(engine.config.with_(color_low=1.0, color_high=5.0, colormap="gray"))
    for pv, value in ((M1, 1.0), (M2, 2.0), (DET, 3.0)):
        engine.ingest_value(pv, value, 0.0)
    snap = engine.snapshot(1.0)
    assert snap.color_limits == (1.0, 5.0) and snap.colormap == "gray"


def test_at_rest_with_a_record_that_answered_it_is_no_motor_says_so() -> None:
    from chartioc.iocs.chart.motor_names import rest_problem

    cfg = ChartConfig(kind="xy", x="BL:temp", ys=(DET,), sample="rest")
    assert rest_problem(cfg, {}) == ""  # not answered yet
    assert rest_problem(cfg, {"BL:temp": True}) == ""
    assert rest_problem(cfg, {"BL:temp": False}) == "at rest: BL:temp is no motor"
    assert rest_problem(cfg.with_(sample="update"), {"BL:temp": False}) == ""
    assert rest_problem(cfg, {}, {"BL:temp"}) == "at rest: BL:temp.RTYP no answer"
    grid = ChartConfig(kind="grid", x=M1, ys=("BL:m2",), z=DET, sample="rest")
    assert rest_problem(grid, {"BL:m1": True, "BL:m2": False}) == "at rest: BL:m2 is no motor"
