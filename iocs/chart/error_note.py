"""The error a chart's status shows: the last refused setting or render error. Pure logic.

A refused setting is shown until the next accepted one; a render error until
the next frame that draws (or the next setting). With a refusal may come its
39-character form for ``Status_RBV``; it belongs to that refusal only, so a
render error shown after it is shortened afresh (by
:func:`~chartioc.iocs.chart.status.compose_status`).
"""

from __future__ import annotations

__all__ = ["RENDER_ERROR", "ErrorNote"]

#: How the render loop's reports of a failed frame begin.
RENDER_ERROR = "render error"


class ErrorNote:
    """The error shown in one chart's status (``text``, '' for none)."""

    def __init__(self) -> None:
        self.text = ""
        self._refusal = ("", "")  # (reason, its 39-character form) of the last refusal

    def refuse(self, reason: str, short: str = "") -> None:
        """A setting was refused: show ``reason`` (``short`` in ``Status_RBV``, if given)."""
        self.text = reason
        self._refusal = (reason, short)

    def accept(self) -> None:
        """A setting was accepted: no error is shown any more."""
        self.text = ""

    def render_problem(self, report: str) -> bool:
        """The render loop's ``report``: a render error, or '' after a frame that drew.

        Returns True when ``report`` is now shown (the status is to be published at
        once); a render error that is over is cleared, a refusal stays.
        """
        if report:
            self.text = report
            return True
        if self.text.startswith(RENDER_ERROR):
            self.text = ""
        return False

    @property
    def short(self) -> str:
        """The 39-character form given with the refusal shown, else ''."""
        reason, short = self._refusal
        return short if reason == self.text else ""
