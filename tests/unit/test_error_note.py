"""Unit tests of the error a chart's status shows (no IOC)."""

from chartioc.iocs.chart.error_note import ErrorNote


def test_nothing_shown_at_first() -> None:
    note = ErrorNote()
    assert note.text == "" and note.short == ""


def test_a_refusal_is_shown_until_a_setting_is_accepted() -> None:
    note = ErrorNote()
    note.refuse("Window must be within 1..86400, not 0")
    assert note.text == "Window must be within 1..86400, not 0"
    assert note.short == ""  # none given: compose_status shortens the text
    note.accept()
    assert note.text == "" and note.short == ""


def test_the_short_form_belongs_to_its_refusal() -> None:
    note = ErrorNote()
    note.refuse("BEAMLINE:some:long:name: not a number (DBR_STRING)", "Y1 not a number")
    assert note.short == "Y1 not a number"
    note.refuse("Kind must be one of strip, xy, map, grid")  # a later refusal, no short form
    assert note.short == ""
    note.refuse("again", "short")
    assert note.render_problem("render error: boom") is True
    assert note.text == "render error: boom"
    assert note.short == ""  # the short form was the refusal's, not the render error's


def test_a_render_error_is_shown_at_once_and_cleared_when_frames_draw_again() -> None:
    note = ErrorNote()
    assert note.render_problem("render error: no snapshot") is True
    assert note.text == "render error: no snapshot"
    assert note.render_problem("") is False  # cleared; the status follows on its period
    assert note.text == ""


def test_a_drawn_frame_does_not_clear_a_refusal() -> None:
    note = ErrorNote()
    note.refuse("Width must be within 64..2048, not 9", "Width 9 refused")
    assert note.render_problem("") is False
    assert note.text == "Width must be within 64..2048, not 9"
    assert note.short == "Width 9 refused"


def test_a_refusal_replaces_a_render_error() -> None:
    note = ErrorNote()
    note.render_problem("render error: boom")
    note.refuse("X must be a PV name without spaces")
    assert note.text == "X must be a PV name without spaces"
    assert note.render_problem("") is False
    assert note.text == "X must be a PV name without spaces"
