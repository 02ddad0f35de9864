"""Pixel-level tests of ChartRenderer (pure: no Channel Access, no pyplot)."""

from __future__ import annotations

import numpy as np
import pytest

from chartioc.client.ca.limits import MAX_FRAME_SIDE, MIN_FRAME_SIDE
from chartioc.iocs.chart.model import ChartSnapshot, PeakStats, Series
from chartioc.iocs.chart.peakstats import compute_peak_stats
from chartioc.iocs.chart.render import DISCONNECTED_COLOUR, TRACE_COLOURS, ChartRenderer
from chartioc.iocs.chart.render.style import (
    CEN_COLOUR,
    FWHM_COLOUR,
    LIMIT_BOX_COLOUR,
    hex_to_rgb,
)

W, H = 320, 240
NOW = 1_700_000_000.0


def mask(frame: np.ndarray, colour: str, tol: int = 12) -> np.ndarray:
    """Pixels within ``tol`` of ``colour`` in every channel."""
    rgb = np.array(hex_to_rgb(colour), dtype=np.int16)
    return np.all(np.abs(frame.astype(np.int16) - rgb) <= tol, axis=-1)


def strip_series(values: np.ndarray, label: str = "motor", **kw: object) -> Series:
    times = np.linspace(NOW - 60.0, NOW, values.size)
    return Series(f"BL:{label}", label, "mm", times=times, values=values, **kw)


def strip(*ys: Series, title: str = "") -> ChartSnapshot:
    return ChartSnapshot("strip", NOW, 60.0, tuple(ys), title=title)


def xy(x: np.ndarray, y: np.ndarray, peak: PeakStats | None = None) -> ChartSnapshot:
    return ChartSnapshot(
        "xy",
        NOW,
        60.0,
        (Series("BL:det", "det", "counts", values=y),),
        x=Series("BL:m", "motor", "mm", values=x),
        peak=peak,
    )


def map_snap(
    x: np.ndarray,
    y: np.ndarray,
    x_limits: tuple[float, float] | None = (-4.0, 4.0),
    y_limits: tuple[float, float] | None = (-3.0, 3.0),
) -> ChartSnapshot:
    return ChartSnapshot(
        "map",
        NOW,
        60.0,
        (Series("BL:my", "my", "mm", values=y),),
        x=Series("BL:mx", "mx", "mm", values=x),
        x_limits=x_limits,
        y_limits=y_limits,
    )


def axes_box(r: ChartRenderer) -> tuple[int, int, int, int]:
    """(col0, col1, row0, row1) of the axes' inside in frame pixels."""
    assert r.axes is not None
    bb = r.axes.bbox
    return int(bb.x0) + 2, int(bb.x1) - 2, int(H - bb.y1) + 2, int(H - bb.y0) - 2


@pytest.fixture
def renderer() -> ChartRenderer:
    return ChartRenderer(W, H)


# -- frame format ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "snap",
    [
        strip(strip_series(np.linspace(0, 1, 50))),
        xy(np.arange(10.0), np.arange(10.0)),
        map_snap(np.zeros(3), np.zeros(3)),
    ],
    ids=["strip", "xy", "map"],
)
def test_frame_format(renderer: ChartRenderer, snap: ChartSnapshot) -> None:
    first = renderer.render(snap)
    second = renderer.render(snap)
    for frame in (first, second):
        assert frame.shape == (H, W, 3)
        assert frame.dtype == np.uint8
        assert frame.flags.c_contiguous
    assert not np.shares_memory(first, second)  # a new array every call
    assert renderer.last_render_seconds > 0
    assert renderer.full_redraws == 1 and renderer.blits == 1 and renderer.frames == 2


def test_unknown_kind(renderer: ChartRenderer) -> None:
    with pytest.raises(ValueError):
        renderer.render(ChartSnapshot("pie", NOW, 60.0, ()))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "snap",
    [
        strip(),
        strip(strip_series(np.empty(0))),
        strip(strip_series(np.full(20, np.nan))),
        ChartSnapshot("xy", NOW, 60.0, ()),
        xy(np.empty(0), np.empty(0)),
        xy(np.empty(0), np.empty(0), peak=compute_peak_stats([], [])),
        ChartSnapshot("map", NOW, 60.0, ()),
        map_snap(np.empty(0), np.empty(0), None, None),
        map_snap(np.full(4, np.nan), np.full(4, np.nan)),
    ],
)
def test_empty_data_renders_empty_chart(renderer: ChartRenderer, snap: ChartSnapshot) -> None:
    frame = renderer.render(snap)
    assert frame.shape == (H, W, 3)
    c0, c1, r0, r1 = axes_box(renderer)
    assert not mask(frame[r0:r1, c0:c1], TRACE_COLOURS[0]).any()  # (a legend is outside)
    assert (frame == 255).mean() > 0.5  # mostly white background


def test_resize(renderer: ChartRenderer) -> None:
    snap = strip(strip_series(np.linspace(0, 1, 50)))
    renderer.render(snap)
    renderer.resize(400, 150)
    frame = renderer.render(snap)
    assert frame.shape == (150, 400, 3)
    assert renderer.full_redraws == 2
    assert mask(frame, TRACE_COLOURS[0]).any()
    renderer.resize(W, H)
    assert renderer.render(snap).shape == (H, W, 3)
    for bad in ((0, 100), (100, MIN_FRAME_SIDE - 1), (MAX_FRAME_SIDE + 1, 100)):
        with pytest.raises(ValueError):
            renderer.resize(*bad)
    with pytest.raises(ValueError):
        ChartRenderer(10, 10)


@pytest.mark.parametrize("size", [(MIN_FRAME_SIDE, MIN_FRAME_SIDE), (641, 479), (1024, 768)])
def test_odd_sizes(size: tuple[int, int]) -> None:
    w, h = size
    frame = ChartRenderer(w, h).render(strip(strip_series(np.linspace(0, 1, 50))))
    assert frame.shape == (h, w, 3)


# -- strip -----------------------------------------------------------------------------------


def test_strip_rising_series_goes_up_to_the_right(renderer: ChartRenderer) -> None:
    frame = renderer.render(strip(strip_series(np.linspace(0.0, 10.0, 200))))
    rows, cols = np.nonzero(mask(frame, TRACE_COLOURS[0]))
    c0, c1, r0, r1 = axes_box(renderer)
    inside = (cols >= c0 - 3) & (cols <= c1 + 3) & (rows >= r0 - 3) & (rows <= r1 + 3)
    assert inside.sum() > 0.9 * (c1 - c0)  # a line across the axes (legend handle aside)
    rows, cols = rows[inside], cols[inside]
    assert cols.min() < c0 + 10 and cols.max() > c1 - 10  # spans the whole window
    slope = np.polyfit(cols, rows, 1)[0]
    assert slope < -0.3  # row index falls (the line rises) to the right


def test_strip_trace_passes_through_its_data_points(renderer: ChartRenderer) -> None:
    values = np.linspace(-3.0, 5.0, 121)
    snap = strip(strip_series(values))
    frame = renderer.render(snap)
    blue = mask(frame, TRACE_COLOURS[0])
    for seconds_ago, value in ((-45.0, -1.0), (-30.0, 1.0), (-10.0, 3 + 2 / 3)):
        col, row = renderer.data_to_pixel(seconds_ago, value).astype(int)
        assert blue[row - 2 : row + 3, col - 2 : col + 3].any(), (seconds_ago, value)


def test_strip_two_traces_have_their_colours(renderer: ChartRenderer) -> None:
    up = strip_series(np.linspace(0.0, 1.0, 100), "up")
    down = strip_series(np.linspace(1.0, 0.0, 100), "down")
    frame = renderer.render(strip(up, down))
    c0, c1, r0, r1 = axes_box(renderer)
    for colour, sign in ((TRACE_COLOURS[0], -1), (TRACE_COLOURS[1], 1)):
        rows, cols = np.nonzero(mask(frame, colour)[r0:r1, c0:c1])
        assert rows.size > 100
        assert np.sign(np.polyfit(cols, rows, 1)[0]) == sign


def test_strip_only_window_is_shown(renderer: ChartRenderer) -> None:
    times = np.linspace(NOW - 120.0, NOW, 241)
    values = np.where(times < NOW - 60.0, 100.0, 1.0)  # huge values before the window
    frame = renderer.render(strip(Series("a", "a", times=times, values=values)))
    assert renderer.axes is not None
    _lo, hi = renderer.axes.get_ylim()
    assert hi < 10.0  # the old samples do not set the scale
    assert mask(frame, TRACE_COLOURS[0]).any()


def test_strip_nan_is_a_gap(renderer: ChartRenderer) -> None:
    values = np.full(601, 1.0)
    values[200:400] = np.nan  # 40 s .. 20 s ago
    frame = renderer.render(strip(strip_series(values)))
    blue = mask(frame, TRACE_COLOURS[0])
    c_gap0 = int(renderer.data_to_pixel(-38.0, 1.0)[0])
    c_gap1 = int(renderer.data_to_pixel(-22.0, 1.0)[0])
    c_ok = int(renderer.data_to_pixel(-50.0, 1.0)[0])
    _, _, r0, r1 = axes_box(renderer)
    assert not blue[r0:r1, c_gap0:c_gap1].any()
    assert blue[r0:r1, c_ok].any()


def test_disconnected_banner(renderer: ChartRenderer) -> None:
    ok = renderer.render(strip(strip_series(np.linspace(0, 1, 50))))
    assert not mask(ok, DISCONNECTED_COLOUR, tol=40).any()
    lost = renderer.render(strip(strip_series(np.linspace(0, 1, 50), connected=False)))
    red = mask(lost, DISCONNECTED_COLOUR, tol=40)
    assert red.sum() > 100
    c0, c1, r0, r1 = axes_box(renderer)
    rows, cols = np.nonzero(red)
    assert rows.mean() > (r0 + r1) / 2  # banner in the lower half: the stats box has the top
    assert c0 < cols.mean() < c1
    assert renderer.full_redraws == 2  # connection state is static: full redraw


def test_disconnected_x_of_xy(renderer: ChartRenderer) -> None:
    snap = xy(np.arange(5.0), np.arange(5.0))
    assert snap.x is not None
    lost_x = Series(snap.x.name, snap.x.label, connected=False, values=snap.x.values)
    frame = renderer.render(ChartSnapshot("xy", NOW, 60.0, snap.ys, x=lost_x))
    assert mask(frame, DISCONNECTED_COLOUR, tol=40).sum() > 100


def test_long_history_is_decimated_like_the_full_line(renderer: ChartRenderer) -> None:
    rng = np.random.default_rng(3)
    values = np.cumsum(rng.normal(0.0, 1.0, 50_000))
    snap = strip(strip_series(values))
    decimated = renderer.render(snap)
    line = renderer.figure.axes[0].lines[0]
    assert line.get_xdata().size <= 2 * (renderer.axes.bbox.width + 3)  # type: ignore[union-attr]
    # the same data drawn without decimation (threshold raised) covers the same pixels
    from chartioc.iocs.chart.render import strip as strip_module

    full = ChartRenderer(W, H)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(strip_module, "minmax_decimate", lambda x, y, *a: (x, y))
        reference = full.render(snap)
    a = mask(decimated, TRACE_COLOURS[0], tol=60)
    b = mask(reference, TRACE_COLOURS[0], tol=60)
    assert (a != b).mean() < 0.01
    assert (a & b).sum() > 0.9 * b.sum()


# -- blitting ---------------------------------------------------------------------------------


def test_blit_equals_full_redraw(renderer: ChartRenderer) -> None:
    values = np.sin(np.linspace(0, 12, 400))
    snap_a = strip(strip_series(values), strip_series(values[::-1] * 0.5, "b"), title="T")
    snap_b = strip(strip_series(values[::-1]), strip_series(values * 0.5, "b"), title="T")
    full = renderer.render(snap_a)
    renderer.render(snap_b)
    blit = renderer.render(snap_a)
    assert renderer.full_redraws == 1 and renderer.blits == 2
    assert np.abs(full.astype(int) - blit).max() <= 1
    # and against a fresh renderer
    fresh = ChartRenderer(W, H).render(snap_a)
    assert np.abs(fresh.astype(int) - blit).max() <= 1


@pytest.mark.parametrize("kind", ["xy", "map"])
def test_blit_equals_full_redraw_other_kinds(renderer: ChartRenderer, kind: str) -> None:
    x = np.linspace(-3.0, 3.0, 61)
    y = np.exp(-(x**2))
    if kind == "xy":
        snaps = [xy(x, y, compute_peak_stats(x, y)), xy(x, y[::-1], compute_peak_stats(x, y[::-1]))]
    else:
        snaps = [map_snap(x, 2 * y - 1), map_snap(x[::-1], 2 * y - 1)]
    full = renderer.render(snaps[0])
    renderer.render(snaps[1])
    blit = renderer.render(snaps[0])
    assert renderer.full_redraws == 1
    assert np.abs(full.astype(int) - blit).max() <= 1
    renderer.invalidate()
    again = renderer.render(snaps[0])
    assert renderer.full_redraws == 2
    assert np.abs(again.astype(int) - blit).max() <= 1


def test_streaming_strip_mostly_blits(renderer: ChartRenderer) -> None:
    rng = np.random.default_rng(0)
    n = 500
    t = NOW - 60.0 + 60.0 * np.arange(n) / n
    v = np.sin(t / 3.0) + rng.normal(0, 0.05, n)
    for i in range(60):
        now = NOW + 0.12 * i
        times = np.append(t, now - 0.12 * np.arange(i)[::-1]) if i else t
        values = np.append(v, np.sin(times[n:] / 3.0)) if i else v
        renderer.render(
            ChartSnapshot("strip", now, 60.0, (Series("a", "a", times=times, values=values),))
        )
    assert renderer.full_redraws <= 3
    assert renderer.blits >= 57


def test_y_limits_grow_at_once_and_shrink_late(renderer: ChartRenderer) -> None:
    assert renderer.axes is None
    renderer.render(strip(strip_series(np.linspace(0.0, 1.0, 50))))
    assert renderer.axes is not None
    lo, hi = renderer.axes.get_ylim()
    assert lo < 0.0 and hi > 1.0
    renderer.render(strip(strip_series(np.linspace(0.0, 5.0, 50))))
    assert renderer.axes.get_ylim()[1] > 5.0  # grew on the first frame outside
    big = renderer.axes.get_ylim()
    renderer.render(strip(strip_series(np.linspace(0.0, 3.5, 50))))
    assert renderer.axes.get_ylim() == big  # still more than half full: no redraw
    from chartioc.iocs.chart.render.limits import SHRINK_AFTER

    for _ in range(SHRINK_AFTER - 1):  # under half full, but not for long enough yet
        renderer.render(strip(strip_series(np.linspace(0.0, 1.0, 50))))
        assert renderer.axes.get_ylim() == big
    renderer.render(strip(strip_series(np.linspace(0.0, 1.0, 50))))
    assert renderer.axes.get_ylim()[1] < 2.0  # shrank


def test_title_change_forces_redraw(renderer: ChartRenderer) -> None:
    s = strip_series(np.linspace(0, 1, 50))
    a = renderer.render(strip(s, title="one"))
    b = renderer.render(strip(s, title="two"))
    assert renderer.full_redraws == 2
    assert not np.array_equal(a, b)


def test_kind_switch(renderer: ChartRenderer) -> None:
    x = np.linspace(-1, 1, 21)
    for snap in (strip(strip_series(x)), xy(x, x), map_snap(x, x), strip(strip_series(x))):
        frame = renderer.render(snap)
        assert mask(frame, TRACE_COLOURS[0]).any(), snap.kind
    assert renderer.full_redraws == 4


# -- xy -----------------------------------------------------------------------------------------


def test_xy_peak_markers(renderer: ChartRenderer) -> None:
    x = np.linspace(-5.0, 5.0, 41)
    y = 100.0 * np.exp(-0.5 * ((x - 1.3) / 1.0) ** 2) + 5.0
    peak = compute_peak_stats(x, y)
    frame = renderer.render(xy(x, y, peak))
    _c0, _c1, r0, r1 = axes_box(renderer)

    # vertical line at cen
    cen_col, _ = renderer.data_to_pixel(peak.cen, 0.0)
    rows, cols = np.nonzero(mask(frame, CEN_COLOUR))
    assert rows.size > 0.5 * (r1 - r0)
    assert abs(np.median(cols) + 0.5 - cen_col) < 1.5
    assert np.ptp(rows) > 0.8 * (r1 - r0)  # spans the axes height

    # bar of width fwhm at half maximum
    half = (peak.max[1] + peak.min[1]) / 2
    (left, row), (right, _) = renderer.data_to_pixel(
        [peak.cen - peak.fwhm / 2, peak.cen + peak.fwhm / 2], [half, half]
    )
    rows, cols = np.nonzero(mask(frame, FWHM_COLOUR))
    assert abs(np.median(rows) + 0.5 - row) < 1.5
    assert abs(cols.min() - left) < 3 and abs(cols.max() - right) < 3

    # star at the maximum (gold face)
    mc, mr = renderer.data_to_pixel(*peak.max)
    rows, cols = np.nonzero(mask(frame, "#ffd700", tol=30))
    assert rows.size > 5
    assert abs(cols.mean() - mc) < 3 and abs(rows.mean() - mr) < 3

    # the trace itself
    assert mask(frame, TRACE_COLOURS[0]).sum() > 200


def test_xy_without_peak_has_no_markers(renderer: ChartRenderer) -> None:
    x = np.linspace(-5.0, 5.0, 41)
    frame = renderer.render(xy(x, np.exp(-(x**2))))
    assert not mask(frame, CEN_COLOUR).any()
    assert not mask(frame, FWHM_COLOUR).any()


def test_xy_labels_have_units(renderer: ChartRenderer) -> None:
    renderer.render(xy(np.arange(3.0), np.arange(3.0)))
    assert renderer.axes is not None
    assert renderer.axes.get_xlabel() == "motor (mm)"
    assert renderer.axes.get_ylabel() == "det (counts)"


# -- map ----------------------------------------------------------------------------------------


def test_map_limit_box_crosshair_and_fading_trail(renderer: ChartRenderer) -> None:
    x = np.linspace(-3.0, 2.0, 200)
    y = np.linspace(-2.0, 1.5, 200)
    frame = renderer.render(map_snap(x, y))

    # the soft-limit box outline sits at x_limits x y_limits
    box = mask(frame, LIMIT_BOX_COLOUR)
    (left, top), (right, bottom) = renderer.data_to_pixel([-4.0, 4.0], [3.0, -3.0])
    col_counts = box.sum(axis=0)
    row_counts = box.sum(axis=1)
    tall = np.flatnonzero(col_counts > 0.8 * (bottom - top))
    wide = np.flatnonzero(row_counts > 0.8 * (right - left))
    assert abs(tall.min() - left) < 2 and abs(tall.max() - right) < 2
    assert abs(wide.min() - top) < 2 and abs(wide.max() - bottom) < 2
    # axes show the box plus a margin
    c0, c1, r0, r1 = axes_box(renderer)
    assert c0 < left < right < c1 and r0 < top < bottom < r1

    # crosshair through the newest point: a dark row and column across the axes
    col, row = renderer.data_to_pixel(x[-1], y[-1]).astype(int)
    dark = frame.max(axis=-1) < 60
    assert dark[row - 1 : row + 2, c0:c1].any(axis=0).mean() > 0.85
    assert dark[r0:r1, col - 1 : col + 2].any(axis=1).mean() > 0.85

    # marker at the newest point in the first trace colour
    assert mask(frame, TRACE_COLOURS[0])[row - 4 : row + 5, col - 4 : col + 5].any()

    # older points are lighter than newer ones
    def whiteness(i: int) -> int:
        c, r = renderer.data_to_pixel(x[i], y[i]).astype(int)
        return int(frame[r - 1 : r + 2, c - 1 : c + 2].astype(int).sum(axis=-1).min())

    assert whiteness(10) > whiteness(100) > whiteness(180)


def test_map_without_limits_fits_the_data(renderer: ChartRenderer) -> None:
    x = np.array([10.0, 12.0, 11.0, 15.0])
    y = np.array([-1.0, 0.0, 3.0, 2.0])
    frame = renderer.render(map_snap(x, y, None, None))
    assert not mask(frame, LIMIT_BOX_COLOUR).any()
    assert renderer.axes is not None
    xl, yl = renderer.axes.get_xlim(), renderer.axes.get_ylim()
    assert xl[0] < 10.0 and xl[1] > 15.0 and xl[1] - xl[0] < 10.0
    assert yl[0] < -1.0 and yl[1] > 3.0 and yl[1] - yl[0] < 8.0


def test_map_data_outside_box_stays_visible(renderer: ChartRenderer) -> None:
    x = np.array([0.0, 6.0])  # beyond x_limits (-4, 4)
    y = np.array([0.0, 1.0])
    frame = renderer.render(map_snap(x, y))
    col, row = renderer.data_to_pixel(6.0, 1.0).astype(int)
    c0, c1, _, _ = axes_box(renderer)
    assert c0 < col < c1
    assert mask(frame, TRACE_COLOURS[0])[row - 4 : row + 5, col - 4 : col + 5].any()


# -- axis limits with hysteresis (pure) ------------------------------------------------------


def test_hysteresis_limits() -> None:
    from chartioc.iocs.chart.render.limits import HysteresisLimits

    lim = HysteresisLimits(
        margin=0.1, shrink_below=0.5, default=(0.0, 1.0), growth=1.0, shrink_after=1
    )
    assert lim.update(np.nan, np.nan) == (0.0, 1.0)  # no data: default
    assert lim.update(0.0, 10.0) == pytest.approx((-1.0, 11.0))
    assert lim.update(2.0, 9.0) == pytest.approx((-1.0, 11.0))  # inside, > half: unchanged
    assert lim.update(-0.5, 11.5) == pytest.approx((-1.7, 12.7))  # grows at once
    assert lim.update(4.0, 6.0) == pytest.approx((3.8, 6.2))  # under half: shrinks
    assert lim.update(np.nan, np.nan) == pytest.approx((3.8, 6.2))  # gap: keep
    assert lim.update(6.0, 4.0) == pytest.approx((3.8, 6.2))  # order does not matter
    lim.reset()
    assert lim.limits == (0.0, 1.0)


def test_hysteresis_limits_grow_in_steps_on_the_side_the_data_left() -> None:
    from chartioc.iocs.chart.render.limits import HysteresisLimits

    lim = HysteresisLimits(margin=0.1, shrink_below=0.5, growth=1.5)
    assert lim.update(0.0, 10.0) == pytest.approx((-1.0, 11.0))  # first: data + margin
    lo, hi = lim.update(0.0, 11.5)  # out at the top: 1.5 x the span of 12, headroom on top
    assert hi - lo == pytest.approx(18.0) and lo == pytest.approx(-1.15)
    assert lim.update(0.0, 12.0) == (lo, hi)  # inside: unchanged (no shrink after a step)
    lo, hi = lim.update(-20.0, 12.0)  # out at the bottom, by far: the data decides
    assert (lo, hi) == pytest.approx((-23.2, 15.2))
    # never so wide that the data fills under half of it (it would shrink again)
    lim = HysteresisLimits(margin=0.1, shrink_below=0.5, growth=3.0)
    lim.update(0.0, 10.0)
    lo, hi = lim.update(0.0, 11.0)
    assert 11.0 / (hi - lo) >= 0.5 and lim.update(0.0, 11.0) == (lo, hi)


def test_a_move_from_rest_takes_few_redraws_with_steps() -> None:
    """A motor at rest at 0, then moving to 3 at 1 unit/s, sampled at 30 Hz (2 s window):
    count the limit changes (each is a full redraw)."""
    from chartioc.iocs.chart.render.limits import HysteresisLimits

    def changes(growth: float, shrink_after: int = 20) -> int:
        lim = HysteresisLimits(growth=growth, shrink_after=shrink_after)
        t = np.arange(0, 4.0, 1 / 30)
        x = np.clip(t - 0.5, 0.0, 3.0)  # 0.5 s at rest, then the move
        seen, count = None, 0
        for i in range(len(t)):
            window = x[max(0, i - 60) : i + 1]
            now = lim.update(float(window.min()), float(window.max()))
            count += now != seen
            seen = now
        return count - 1  # the first limits are no change

    stepped, margin_only = changes(1.5), changes(1.0, shrink_after=1)
    # (the margin-only count is without steps and with shrinks at once)
    assert stepped <= 6 and stepped * 2 <= margin_only, (stepped, margin_only)


@pytest.mark.parametrize("value", [0.0, 5.0, -3.0, 1e9])
def test_hysteresis_limits_of_a_constant(value: float) -> None:
    from chartioc.iocs.chart.render.limits import HysteresisLimits

    lim = HysteresisLimits()
    lo, hi = lim.update(value, value)
    assert lo < value < hi
    assert lim.update(value, value) == (lo, hi)  # stable: no redraw every frame


def test_an_old_spike_does_not_keep_the_limits_wide_for_good() -> None:
    """A spike leaves the window and a slow ramp follows (a new high every update): the
    limits shrink to the ramp within SHRINK_LATEST_FACTOR x SHRINK_AFTER updates."""
    from chartioc.iocs.chart.render.limits import (
        SHRINK_AFTER,
        SHRINK_LATEST_FACTOR,
        HysteresisLimits,
    )

    lim = HysteresisLimits()
    data = [0.0] * 30 + [100.0] + list(np.linspace(0.0, 6.0, 600))
    for i in range(60, len(data)):
        window = data[i - 60 : i]
        lim.update(min(window), max(window))
        if i == 91 + SHRINK_LATEST_FACTOR * SHRINK_AFTER:
            break
    lo, hi = lim.limits
    assert hi < 50.0, (lo, hi)  # back to the ramp's scale, not the spike's
