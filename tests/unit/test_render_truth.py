"""Charts that tell the truth: the engine's statistics and the renderer's frames (no CA).

Frames are checked pixel by pixel and through the renderer's artists: live
statistics of a motor sweeping back and forth, no line across a turn, strip
traces that hold their value to now, one labelled y axis per unit, empty and
unusable charts that say so, and every text inside the frame at every size.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.text import Text

from chartioc.iocs.chart.config import ChartConfig
from chartioc.iocs.chart.engine import ChartEngine
from chartioc.iocs.chart.fit import fit_gaussian
from chartioc.iocs.chart.model import ChartSnapshot, Series
from chartioc.iocs.chart.peakstats import compute_peak_stats
from chartioc.iocs.chart.render import ChartRenderer
from chartioc.iocs.chart.render import xy as xy_module
from chartioc.iocs.chart.render.style import (
    OLD_POINTS_TINT,
    PROBLEM_COLOUR,
    TRACE_COLOURS,
    hex_to_rgb,
    tint,
)
from chartioc.iocs.motor.gaussian import gaussian

NOW = 1_700_000_000.0
M, D, VELO = "BL:motor.RBV", "BL:det", "BL:motor.VELO"
CEN, SIGMA, AMP = 0.5, 1.0, 1000.0
FWHM = 2 * math.sqrt(2 * math.log(2)) * SIGMA  # 2.3548


def mask(frame: np.ndarray, colour: str, tol: int = 12) -> np.ndarray:
    rgb = np.array(hex_to_rgb(colour), dtype=np.int16)
    return np.all(np.abs(frame.astype(np.int16) - rgb) <= tol, axis=-1)


def detector(p: float) -> float:
    return gaussian([p], [CEN], SIGMA, AMP)


class Feed:
    """An xy engine fed like the chart IOC: each motor update, then the detector's."""

    def __init__(self, sample: str = "update") -> None:
        self.engine = ChartEngine(ChartConfig(kind="xy", x=M, ys=(D,), sample=sample))
        self.engine.set_metadata(M, "mm", 4)
        self.engine.set_metadata(D, "counts", 1)
        self.t = NOW - 1000.0

    def move(self, positions) -> Feed:
        for p in positions:
            self.t += 0.05
            self.engine.ingest_value(M, float(p), self.t)
            self.engine.ingest_value(D, detector(float(p)), self.t)
        return self


def ramp(a: float, b: float, step: float = 0.05) -> np.ndarray:
    """From a (excluded: the motor is there already) to b (included), like RBV updates."""
    n = round(abs(b - a) / step)
    return np.linspace(a, b, n + 1)[1:]


def sweeps(feed: Feed, n: int) -> Feed:
    """n sweeps between -3 and 3, starting from rest at 0 (first leg 0 -> -3)."""
    feed.move(ramp(0.0, -3.0))
    here = -3.0
    for _ in range(n):
        there = -here
        feed.move(ramp(here, there))
        here = there
    return feed


# -- live statistics ------------------------------------------------------------------


def test_a_back_and_forth_sweep_gives_the_detectors_peak() -> None:
    feed = sweeps(Feed(), 5)
    x, y = feed.engine.pairs()
    wrong = compute_peak_stats(x, y)  # arrival order over every sweep: the reported bug
    assert abs(wrong.cen - CEN) > 0.05  # cen 0.39 beside a peak at 0.5
    assert compute_peak_stats(*sweeps(Feed(), 4).engine.pairs()).fwhm < 0.1  # fwhm "0"
    sel = feed.engine.peak_selection()
    assert sel is not None and sel.basis == "last sweep"
    assert sel.stats.cen == pytest.approx(CEN, rel=0.02)
    assert sel.stats.fwhm == pytest.approx(FWHM, rel=0.02)
    assert sel.stats.npoints == 120  # the last sweep, -3 -> 3, without the turning point
    assert sel.stop == x.size
    steps = np.diff(x[sel.start : sel.stop])
    assert np.all(steps > 0) or np.all(steps < 0)  # one direction only


def test_while_a_sweep_is_under_way_the_last_complete_one_counts() -> None:
    feed = sweeps(Feed(), 3)  # ends at 3
    feed.move(ramp(3.0, 0.0))  # halfway back, past the right half maximum only
    sel = feed.engine.peak_selection()
    assert sel is not None
    x, _y = feed.engine.pairs()
    assert sel.stop < x.size  # not the sweep in progress
    assert sel.stats.cen == pytest.approx(CEN, rel=0.02)
    assert sel.stats.fwhm == pytest.approx(FWHM, rel=0.02)
    feed.move(ramp(0.0, -3.0))  # the far end: now this sweep counts
    sel = feed.engine.peak_selection()
    assert sel is not None and sel.stop == x.size + 60
    assert sel.stats.fwhm == pytest.approx(FWHM, rel=0.02)


def test_at_rest_the_statistics_are_over_every_point_in_order() -> None:
    feed = Feed(sample="rest")
    for p in np.linspace(-3.0, 3.0, 13):
        feed.move([p])
        feed.engine.take_point(feed.t)
    x, y = feed.engine.pairs()
    sel = feed.engine.peak_selection()
    assert sel is not None and sel.basis == "scan points" and (sel.start, sel.stop) == (0, 13)
    assert sel.stats == compute_peak_stats(x, y)  # bluesky's definitions, unchanged


# -- the xy frame -------------------------------------------------------------------------


def test_no_line_joins_points_across_a_turn() -> None:
    """A sweep out past the peak, a return sampled only at its end, a sweep out again."""
    feed = Feed()
    feed.move(np.linspace(-3.0, 1.5, 91))
    feed.move([-3.0])  # a fast return: one update, at the end
    feed.move(np.linspace(-2.95, 3.0, 120))
    snap = feed.engine.snapshot(NOW)
    assert snap.sweeps  # the turns were found

    def region_has_trace(s: ChartSnapshot) -> bool:
        renderer = ChartRenderer(640, 480)
        frame = renderer.render(s)
        trace = mask(frame, TRACE_COLOURS[0], 30) | mask(
            frame, tint(TRACE_COLOURS[0], OLD_POINTS_TINT), 30
        )
        hits = 0
        for px in np.linspace(-0.4, 1.2, 17):  # under the peak
            col, top = renderer.data_to_pixel(px, detector(px) - 150.0)
            _, bottom = renderer.data_to_pixel(px, 150.0)  # above the baseline
            hits += int(trace[int(top) : int(bottom), int(col)].any())
        return hits > 0

    assert not region_has_trace(snap)  # nothing between the curve and the baseline
    # the same points joined in arrival order draw the return as a chord under the curve
    joined = ChartSnapshot(
        "xy", NOW, 60.0, snap.ys, x=snap.x, peak=snap.peak, peak_range=None, sweeps=()
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(xy_module, "JOIN_FACTOR", math.inf)
        assert region_has_trace(joined)
    # a return too fast for the readback rate: 4 updates on the way back
    feed = Feed()
    feed.move(np.linspace(-3.0, 1.5, 91))
    feed.move([0.0, -1.5, -3.0])
    feed.move(np.linspace(-2.95, 3.0, 120))
    snap = feed.engine.snapshot(NOW)
    assert not region_has_trace(snap)
    renderer = ChartRenderer(640, 480)
    renderer.render(snap)
    markers = [  # its points are still drawn, as markers of their own
        line.get_xdata()
        for line in renderer.figure.axes[0].lines
        if line.get_linestyle() == "None" and line.get_marker() == "o" and line.get_visible()
    ]
    assert any(np.isin([0.0, -1.5], xs).all() for xs in markers), markers


def test_the_stats_box_names_its_points_and_never_says_nan() -> None:
    feed = sweeps(Feed(), 3)
    renderer = ChartRenderer(640, 480)
    renderer.render(feed.engine.snapshot(NOW))
    texts = visible_texts(renderer)
    assert any(t.startswith("stats: last sweep, 120 pts") for t in texts), texts
    assert any("cen  0.5000" in t for t in texts), texts
    # one crossing only (a step): fwhm is not defined and reads as a dash
    x = np.linspace(-3.0, 3.0, 61)
    y = np.where(x > 0.0, 100.0, 0.0)
    snap = ChartSnapshot(
        "xy",
        NOW,
        60.0,
        (Series("BL:det", "det", values=y),),
        x=Series("BL:m", "m", values=x),
        peak=compute_peak_stats(x, y),
        peak_basis="scan points",
    )
    renderer.render(snap)
    texts = visible_texts(renderer)
    assert not any("nan" in t.lower() for t in texts), texts
    assert any("fwhm \u2014" in t for t in texts), texts


def test_the_pale_points_are_those_the_statistics_leave_out() -> None:
    feed = Feed()
    feed.move(np.linspace(-3.0, 3.0, 61))
    feed.move(np.linspace(2.9, 1.0, 20))  # a second sweep, stopped at 1: not complete
    snap = feed.engine.snapshot(NOW)
    assert snap.peak_range == (0, 61)
    y = snap.ys[0].values.copy()
    y[61:] += 300.0  # say the peak drifted: the partial sweep lies apart from the full one
    drifted = ChartSnapshot(
        "xy",
        NOW,
        60.0,
        (Series(D, "det", values=y),),
        x=snap.x,
        peak=snap.peak,
        peak_range=snap.peak_range,
        sweeps=snap.sweeps,
    )
    renderer = ChartRenderer(640, 480)
    frame = renderer.render(drifted).astype(int)
    full = np.array(hex_to_rgb(TRACE_COLOURS[0]))
    pale = np.array(hex_to_rgb(tint(TRACE_COLOURS[0], OLD_POINTS_TINT)))
    for px, py, want, other in ((-1.0, detector(-1.0), full, pale), (2.0, y[70], pale, full)):
        col, row = renderer.data_to_pixel(px, py).astype(int)
        patch = frame[row - 1 : row + 2, col - 1 : col + 2].reshape(-1, 3)
        near = np.abs(patch - want).max(axis=1).min()
        assert near < 20 and near < np.abs(patch - other).max(axis=1).min(), (px, patch)


# -- strip --------------------------------------------------------------------------------


def strip_engine(*sources: tuple[str, str]) -> ChartEngine:
    engine = ChartEngine(ChartConfig(kind="strip", ys=tuple(name for name, _ in sources)))
    for name, units in sources:
        engine.set_metadata(name, units, 3)
    return engine


def test_a_constant_pv_is_a_flat_line_to_now() -> None:
    engine = strip_engine((VELO, "mm/s"))
    engine.ingest_value(VELO, 4.0, NOW - 200.0)  # its only update, before the window
    renderer = ChartRenderer(640, 480)
    frame = renderer.render(engine.snapshot(NOW))
    assert renderer.axes is not None
    lo, hi = renderer.axes.get_ylim()
    assert lo < 4.0 < hi and hi - lo == pytest.approx(0.4)  # +-5 %, not collapsed
    blue = mask(frame, TRACE_COLOURS[0])
    for seconds_ago in (-58.0, -30.0, -1.0):
        col, row = renderer.data_to_pixel(seconds_ago, 4.0).astype(int)
        assert blue[row - 2 : row + 3, col].any(), seconds_ago


def test_a_trace_runs_on_to_now_until_a_gap() -> None:
    engine = strip_engine((M, "mm"))
    for i, t in enumerate(np.arange(NOW - 50.0, NOW - 30.0, 0.5)):
        engine.ingest_value(M, float(i % 7), t)  # ends with 4.0 at 30 s ago
    renderer = ChartRenderer(640, 480)
    frame = renderer.render(engine.snapshot(NOW))
    last = float((len(np.arange(NOW - 50.0, NOW - 30.0, 0.5)) - 1) % 7)
    col, row = renderer.data_to_pixel(-2.0, last).astype(int)
    assert mask(frame, TRACE_COLOURS[0])[row - 2 : row + 3, col].any()
    engine.ingest_connection(M, False, NOW - 20.0)  # lost 20 s ago: the hold ends there
    frame = renderer.render(engine.snapshot(NOW))
    col, row = renderer.data_to_pixel(-10.0, last).astype(int)
    assert not mask(frame, TRACE_COLOURS[0])[row - 3 : row + 4, col].any()
    col, row = renderer.data_to_pixel(-25.0, last).astype(int)
    assert mask(frame, TRACE_COLOURS[0])[row - 2 : row + 3, col].any()


def test_two_units_get_two_labelled_axes_in_their_colours() -> None:
    engine = strip_engine((M, "mm"), (D, "counts"))
    for t in np.arange(NOW - 50.0, NOW, 0.25):
        engine.ingest_value(M, 0.0, t)  # flat at 0 beside a detector at 0..1000
        engine.ingest_value(D, 1000.0 * math.sin(t / 5.0) ** 2, t)
    renderer = ChartRenderer(640, 480)
    frame = renderer.render(engine.snapshot(NOW))
    axes = renderer.figure.axes
    assert len(axes) == 2
    left, right = axes
    assert left.get_ylabel() == "motor.RBV (mm)"
    assert right.get_ylabel() == "det (counts)"
    assert left.yaxis.get_label_position() == "left"
    assert right.yaxis.get_label_position() == "right"
    assert left.yaxis.label.get_color() == TRACE_COLOURS[0]
    assert right.yaxis.label.get_color() == TRACE_COLOURS[1]
    assert left.get_ylim()[1] < 1.0 and right.get_ylim()[1] > 1000.0  # each its own scale
    box = left.bbox
    inside = frame[int(480 - box.y1) + 2 : int(480 - box.y0) - 2, int(box.x0) + 2 : int(box.x1) - 2]
    blue = mask(inside, TRACE_COLOURS[0])
    red = mask(inside, TRACE_COLOURS[1])
    assert blue.sum() > 300 and red.sum() > 300  # the flat motor trace is visible too
    # the motor trace is a horizontal line a third of the way up its axis (a constant
    # on the first of two axes; the second axis's constant would be at two thirds)
    rows = np.nonzero(blue)[0]
    assert np.ptp(rows) <= 4
    assert abs(rows.mean() - inside.shape[0] * 2 / 3) < 0.05 * inside.shape[0]


def test_three_units_three_axes_and_constants_apart() -> None:
    engine = strip_engine((M, "mm"), (D, "counts"), (VELO, "mm/s"))
    engine.ingest_value(VELO, 4.0, NOW - 200.0)
    engine.ingest_value(M, 0.0, NOW - 100.0)
    engine.ingest_value(D, 5.0, NOW - 10.0)
    renderer = ChartRenderer(640, 480)
    frame = renderer.render(engine.snapshot(NOW))
    labels = [ax.get_ylabel() for ax in renderer.figure.axes]
    assert labels == ["motor.RBV (mm)", "det (counts)", "motor.VELO (mm/s)"]
    rows = []
    for i in range(3):
        r, _c = np.nonzero(mask(frame, TRACE_COLOURS[i]))
        assert r.size > 100, i
        rows.append(np.median(r))
    assert (
        min(abs(a - b) for a in rows for b in rows if a is not b) > 40
    )  # not on top of each other


# -- empty and unusable charts --------------------------------------------------------------


def visible_texts(renderer: ChartRenderer) -> list[str]:
    return [
        t.get_text()
        for t in renderer.figure.findobj(Text)
        if t.get_visible() and t.get_text() and t.axes is not None
    ]


@pytest.mark.parametrize("kind", ["xy", "strip", "map", "grid"])
def test_an_empty_chart_says_what_it_waits_for(kind: str) -> None:
    engine = ChartEngine(
        ChartConfig(kind=kind, x=M, ys=(D,) if kind != "grid" else ("BL:m2.RBV",), z=D)
    )
    renderer = ChartRenderer(640, 480)
    renderer.render(engine.snapshot(NOW))
    texts = visible_texts(renderer)
    assert not any("nan" in t.lower() for t in texts), texts
    message = [t for t in renderer.figure.findobj(Text) if t.get_text().startswith("waiting")]
    assert len(message) == 1 and message[0].get_visible()
    assert "BL:det" in message[0].get_text()
    box = message[0].get_window_extent(renderer.figure.canvas.get_renderer())
    axes = renderer.axes.bbox  # type: ignore[union-attr]
    assert abs((box.x0 + box.x1) / 2 - (axes.x0 + axes.x1) / 2) < 2
    assert abs((box.y0 + box.y1) / 2 - (axes.y0 + axes.y1) / 2) < 2


def test_after_clear_a_strip_keeps_each_newest_value_and_xy_says_what_comes_next() -> None:
    engine = strip_engine((VELO, "mm/s"))
    engine.ingest_value(VELO, 4.0, NOW - 200.0)
    engine.clear()  # the past goes, the present value stays: the constant is still drawn
    renderer = ChartRenderer(640, 480)
    frame = renderer.render(engine.snapshot(NOW))
    col, row = renderer.data_to_pixel(-30.0, 4.0).astype(int)
    assert mask(frame, TRACE_COLOURS[0])[row - 2 : row + 3, col].any()
    feed = sweeps(Feed(), 1)
    feed.engine.clear()
    snap = feed.engine.snapshot(NOW)
    assert snap.message == "no points yet: one on each update of BL:det"
    renderer.render(snap)
    assert snap.message in " ".join(visible_texts(renderer)).replace("\n", " ")


def test_settings_that_cannot_draw_make_a_frame_that_says_why() -> None:
    engine = ChartEngine(ChartConfig(kind="grid", x=M, ys=(D,)))
    snap = engine.snapshot(NOW)
    assert snap.problem == "grid needs X, Y1 and Z"
    renderer = ChartRenderer(640, 480)
    frame = renderer.render(snap)
    centre = mask(frame[160:320, 120:520], PROBLEM_COLOUR, 30)
    assert centre.sum() > 300
    assert not mask(frame, PROBLEM_COLOUR, 30)[:100].any()  # a box in the middle
    assert any("grid needs X, Y1 and Z" in t for t in visible_texts(renderer))


# -- inside the frame at every size ---------------------------------------------------------


def snapshots() -> dict[str, ChartSnapshot]:
    feed = sweeps(Feed(), 3)
    x, y = feed.engine.stats_points()
    xy = feed.engine.snapshot(NOW, fit=fit_gaussian(x, y))
    xy = ChartSnapshot(**{**xy.__dict__, "title": "a sweep of motor.RBV over the det"})
    strip = strip_engine((M, "mm"), (D, "counts"), (VELO, "mm/s"), ("BL:m2.RBV", "mm"))
    for t in np.arange(NOW - 50.0, NOW, 0.5):
        strip.ingest_value(M, 100.0 * math.sin(t), t)
        strip.ingest_value(D, 1e6 * math.cos(t) ** 2, t)
        strip.ingest_value("BL:m2.RBV", -1234.5, t)
    strip.ingest_value(VELO, 4.0, NOW - 100.0)
    grid = ChartEngine(ChartConfig(kind="grid", x=M, ys=("BL:m2.RBV",), z=D, title="grid"))
    for i, (a, b) in enumerate((a, b) for a in range(5) for b in range(5)):
        grid.ingest_value(M, a, NOW - 50 + i)
        grid.ingest_value("BL:m2.RBV", b, NOW - 50 + i)
        grid.ingest_value(D, 1000.0 * a * b, NOW - 50 + i)
    lost = ChartEngine(ChartConfig(kind="xy", x=M, ys=(D,)))
    lost.ingest_connection(M, False, NOW)
    return {
        "xy": xy,
        "strip": strip.snapshot(NOW),
        "grid": grid.snapshot(NOW),
        "empty": lost.snapshot(NOW),
        "problem": ChartEngine(ChartConfig(kind="map", x=M, title="no Y1")).snapshot(NOW),
    }


SIZES = [(64, 64), (400, 300), (400, 480), (64, 480), (2048, 64), (64, 2048), (97, 311)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_axes_and_text_stay_inside_the_frame(size: tuple[int, int]) -> None:
    w, h = size
    for name, snap in snapshots().items():
        renderer = ChartRenderer(w, h)
        renderer.render(snap)
        canvas = renderer.figure.canvas.get_renderer()
        boxes = [ax.get_tightbbox(canvas) for ax in renderer.figure.axes if ax.get_visible()]
        boxes = [b for b in boxes if b is not None]
        # ticks, axis labels, titles, legends: in the tight boxes; the texts in the axes:
        for ax in renderer.figure.axes:
            for text in ax.texts:
                if text.get_visible() and text.get_text():
                    patch = text.get_bbox_patch()
                    boxes.append((patch or text).get_window_extent(canvas))
        assert boxes
        for box in boxes:
            assert box.x0 >= -0.5 and box.y0 >= -0.5, (name, box)
            assert box.x1 <= w + 0.5 and box.y1 <= h + 0.5, (name, box)


@pytest.mark.parametrize("size", [(400, 300), (400, 480), (64, 64), (64, 480)])
def test_the_stats_box_lies_inside_the_frame(size: tuple[int, int]) -> None:
    w, h = size
    renderer = ChartRenderer(w, h)
    renderer.render(snapshots()["xy"])
    text = renderer.figure.axes[0].texts[-1]  # the statistics box
    assert text.get_visible() and "cen" in text.get_text()
    box = text.get_bbox_patch().get_window_extent(renderer.figure.canvas.get_renderer())
    assert box.x0 >= 0 and box.x1 <= w and box.y0 >= 0 and box.y1 <= h, box
    if w >= 400:  # room for the whole box: nothing left out
        assert "stats: last sweep" in text.get_text() and "fwhm" in text.get_text()


def test_points_on_the_edge_of_the_limits_make_them_grow() -> None:
    from chartioc.iocs.chart.render.limits import HysteresisLimits

    lim = HysteresisLimits(margin=0.1)
    assert lim.update(-2.5, 2.5) == pytest.approx((-3.0, 3.0))
    lo, hi = lim.update(-3.0, 3.0)  # a scan's end points exactly on the limits
    assert lo < -3.0 and hi > 3.0
