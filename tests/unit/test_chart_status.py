"""Status_RBV and StatusMessage_RBV texts: the pure composition of ``iocs/chart/status.py``."""

from __future__ import annotations

import time

import pytest

from chartioc.client.ca.limits import MAX_STRING
from chartioc.iocs.chart.status import (
    MESSAGE_LENGTH,
    StatusInputs,
    compose_status,
    fit_text,
    unusable_summary,
)

P = "BEAMLINE:"
STRING = ("a string, not a number", "a string")
IMAGE = ("an image (12 582 912 elements), not a number", "an image")


def status(**kwargs):
    result = compose_status(StatusInputs(**kwargs))
    assert len(result.short) <= MAX_STRING, result.short
    assert len(result.long) < MESSAGE_LENGTH
    return result


def test_ok_is_the_same_short_and_long():
    result = status(connected=2, total=2)
    assert result.short == result.long == "OK: 2/2 inputs"


def test_ok_after_an_outage_tells_when_and_how_long():
    back = time.time() - 10
    result = status(connected=2, total=2, outage=(back - 3.2, back), now=time.time())
    clock = time.strftime("%H:%M:%S", time.localtime(back))
    assert result.short == result.long == f"OK: 2/2 reconnected {clock}, gap 3 s"
    later = status(connected=2, total=2, outage=(back - 3.2, back), now=back + 301)
    assert later.short == "OK: 2/2 inputs"


def test_disconnected_names_that_fit_are_shown_whole():
    result = status(connected=1, total=2, disconnected=[f"{P}det"])
    assert result.short == result.long == "DISCONNECTED: BEAMLINE:det"


def test_disconnected_names_too_long_lose_their_prefix_not_their_end():
    names = [f"{P}m1.RBV", f"{P}det"]
    result = status(connected=0, total=2, disconnected=names)
    assert result.short == "DISCONNECTED: m1.RBV det"
    assert result.long == "DISCONNECTED: BEAMLINE:m1.RBV BEAMLINE:det"


def test_many_disconnected_names_become_a_count_and_the_long_form_has_them_all():
    names = [f"{P}long_motor_name_{i}.RBV" for i in range(4)]
    result = status(connected=0, total=4, disconnected=names)
    assert result.short == "DISCONNECTED: 4 PVs (see StatusMessage)"
    assert result.long == "DISCONNECTED: " + " ".join(names)


def test_not_found_and_connecting_are_their_own_states():
    assert status(total=1, not_found=[f"{P}mtoor.RBV"]).short == "not found: BEAMLINE:mtoor.RBV"
    assert status(total=1, connecting=[f"{P}m1.RBV"]).short == "connecting: BEAMLINE:m1.RBV"


def test_one_unusable_source_with_each_shorter_form():
    whole = status(total=1, unusable={f"{P}m.EGU": STRING})
    assert whole.short == whole.long == "BEAMLINE:m.EGU: a string, not a number"
    no_prefix = status(total=1, unusable={f"{P}motor.EGU": STRING})
    assert no_prefix.short == "motor.EGU: a string, not a number"
    assert no_prefix.long == "BEAMLINE:motor.EGU: a string, not a number"
    image = status(total=1, unusable={f"{P}chart:image1:ArrayData": IMAGE})
    assert image.short == "ArrayData: an image, not a number"
    assert image.long == "BEAMLINE:chart:image1:ArrayData: " + IMAGE[0]
    long_name = "X" * 30
    assert unusable_summary({long_name: STRING}) == fit_text(f"{long_name}: a string")


def test_several_unusable_sources():
    two = {f"{P}m.EGU": STRING, f"{P}a": ("an array (4 elements), not a number", "an array")}
    assert status(total=2, unusable=two).short == "m.EGU: a string, a: an array"
    many = {f"{P}chart:image1:ArrayData": IMAGE, f"{P}motor.EGU": STRING}
    result = status(total=2, unusable=many)
    assert result.short == "2 PVs not numbers (see StatusMessage)"
    assert result.long == (
        f"{P}chart:image1:ArrayData: {IMAGE[0]}; {P}motor.EGU: a string, not a number"
    )


def test_every_state_at_once_most_pressing_first():
    result = status(
        total=5,
        error="width 0 outside 64..2048",
        disconnected=[f"{P}m1.RBV"],
        not_found=[f"{P}mtoor.RBV"],
        unusable={f"{P}m.EGU": STRING},
        connecting=[f"{P}new"],
        paused=True,
    )
    assert result.short == "width 0 outside 64..2048"
    assert result.long == (
        "width 0 outside 64..2048; DISCONNECTED: BEAMLINE:m1.RBV; "
        "not found: BEAMLINE:mtoor.RBV; BEAMLINE:m.EGU: a string, not a number; "
        "connecting: BEAMLINE:new; paused"
    )
    without_error = status(total=2, disconnected=[f"{P}m1.RBV"], not_found=[f"{P}x"])
    assert without_error.short == "DISCONNECTED: BEAMLINE:m1.RBV"


def test_a_problem_comes_before_the_sources_and_paused_last():
    result = status(total=1, problem="xy needs X and Y1", paused=True)
    assert (result.short, result.long) == ("xy needs X and Y1", "xy needs X and Y1; paused")
    assert status(connected=1, total=1, paused=True).short == "paused"


def test_a_long_error_uses_its_short_form_or_is_cut_at_a_word():
    reason = "BEAMLINE:chart:AxesPx_RBV: an array (4 elements), not a number"
    given = status(error=reason, error_short="AxesPx_RBV: an array, not a number")
    assert (given.short, given.long) == ("AxesPx_RBV: an array, not a number", reason)
    cut = status(error="render error: something went wrong deep inside matplotlib")
    assert cut.short == "render error: something went wrong..."


@pytest.mark.parametrize("n", [1, 6, 40])
def test_the_long_message_always_fits_its_pv(n):
    names = [f"SOME:VERY:LONG:PREFIX:{i}:motor_axis.RBV" for i in range(n)]
    result = status(total=n, disconnected=names, not_found=names)
    if n <= 6:  # the most sources a chart has: every name whole
        assert all(name in result.long for name in names)
    else:
        assert result.long.endswith("...")


def test_fit_text():
    assert fit_text("short") == "short"
    assert fit_text("a" * 50) == "a" * 36 + "..."
    assert len(fit_text("word " * 20)) <= MAX_STRING
