"""The frame of settings that cannot draw: it says why, in place of a chart."""

from __future__ import annotations

from collections.abc import Hashable

from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase

from chartioc.iocs.chart.model import ChartSnapshot
from chartioc.iocs.chart.render.base import Painter
from chartioc.iocs.chart.render.layout import BOX_PAD, PAD_PX, fit_lines, wrap_words
from chartioc.iocs.chart.render.style import BANNER_SIZE, PROBLEM_COLOUR, TITLE_SIZE

__all__ = ["ProblemPainter"]


class ProblemPainter(Painter):
    """``snap.problem`` in a box in the middle of an empty frame, the title above.

    Drawn when :meth:`~chartioc.iocs.chart.engine.ChartConfig.problem` is not
    empty (``grid needs X, Y1 and Z``): the frame that was published before
    is replaced at once, so no viewer keeps showing a chart of settings that
    are gone. The box and its text are :data:`PROBLEM_COLOUR`, used nowhere
    else.
    """

    kind = "problem"

    def __init__(self, ax: Axes, nseries: int) -> None:
        super().__init__(ax, nseries)
        ax.set_axis_off()
        self.text = ax.text(
            0.5,
            0.5,
            "",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=PROBLEM_COLOUR,
            fontsize=BANNER_SIZE,
            fontweight="bold",
            multialignment="center",
            bbox={
                "boxstyle": f"square,pad={BOX_PAD}",
                "facecolor": "white",
                "edgecolor": PROBLEM_COLOUR,
                "linewidth": 2.0,
            },
        )
        self.text.set_in_layout(False)
        self.heading = ax.text(
            0.0, 1.0, "", transform=ax.transAxes, ha="left", va="top", fontsize=TITLE_SIZE
        )
        self.heading.set_in_layout(False)
        self._lines: list[str] = []
        self._title_line = ""

    def axes_list(self) -> list[Axes]:
        """No decorations outside the axes: the layout leaves the frame alone."""
        return []

    def place(self, rect: tuple[float, float, float, float]) -> None:
        """The whole frame, whatever the margins of other kinds."""
        self.ax.set_position((0.0, 0.0, 1.0, 1.0))

    def prepare(self, snap: ChartSnapshot) -> None:
        self.has_data = True

    def static_key(self, snap: ChartSnapshot) -> Hashable:
        return (snap.problem, snap.title, snap.kind)

    def apply_static(self, snap: ChartSnapshot) -> None:
        self._lines = [f"cannot draw the {snap.kind} chart:", snap.problem]
        self._title_line = snap.title

    def set_detail(self, across: int, down: int = 0) -> None:
        self.detail = max(across, down)

    def fit_texts(self, renderer: RendererBase, width: int, height: int) -> None:
        pad = 2 * PAD_PX
        size = self.font(BANNER_SIZE)
        self.text.set_fontsize(size)
        room = width - 2 * pad
        heading = wrap_words(self._lines[0].split(" "), self.text, renderer, room)
        problem = wrap_words(self._lines[1].split(" "), self.text, renderer, room)
        # the problem itself outranks the "cannot draw" heading
        ranked = [(1, line) for line in heading] + [(0, line) for line in problem]
        fit_lines(self.text, ranked, renderer, width - 2 * pad, 0.7 * height, size)
        self.heading.set_position((PAD_PX / width, 1.0 - PAD_PX / height))
        if self._title_line:
            fit_lines(
                self.heading,
                [(0, self._title_line)],
                renderer,
                width - 2 * PAD_PX,
                0.15 * height,
                self.font(TITLE_SIZE),
            )
        else:
            self.heading.set_visible(False)

    def update_artists(self, snap: ChartSnapshot) -> None:
        return None
