"""Grid chart: a heat map of a value over two motors' positions, with a colour bar."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import QuadMesh
from matplotlib.colors import Normalize

from chartioc.iocs.chart.grid_cells import GridCells, grid_cells
from chartioc.iocs.chart.model import ChartSnapshot
from chartioc.iocs.chart.render.base import EMPTY_SERIES, Painter, data_range
from chartioc.iocs.chart.render.style import TICK_SIZE, axis_label

__all__ = ["COLORBAR_PX", "GridPainter"]

#: Width of the colour bar and the gap before it, in pixels (its labels go in the
#: frame's right margin, which the layout measures).
COLORBAR_PX = (14, 10)


class GridPainter(Painter):
    """``z`` coloured in cells at (``x``, ``ys[0]``), see :mod:`~chartioc.iocs.chart.grid_cells`.

    The axes span the cells' edges; the colour scale is ``snap.color_limits``
    or, when None, the range of the values shown. The colour bar sits right
    of the axes and is labelled with Z's name and units. The cells are one
    animated mesh; the background (axes, colour bar) is redrawn only when the
    cell layout, the colour scale or a label changes.
    """

    kind = "grid"

    def __init__(self, ax: Axes, nseries: int) -> None:
        super().__init__(ax, nseries)
        ax.grid(False)
        self.norm = Normalize(0.0, 1.0)
        self.cmap_name = "viridis"
        self._mappable = ScalarMappable(self.norm, colormaps[self.cmap_name])
        self.cax = ax.figure.add_axes((0.9, 0.1, 0.02, 0.8))
        self.colorbar = ax.figure.colorbar(self._mappable, cax=self.cax)
        self.colorbar.ax.tick_params(labelsize=TICK_SIZE)
        self.mesh: QuadMesh | None = None
        self.cells = grid_cells([], [], [])
        self._layout: tuple = ()
        self._clim: tuple[float, float] = (0.0, 1.0)
        # the banner must stay on top of the (animated) cells
        self._banner.set_animated(True)
        self.animated.append(self._banner)

    def axes_list(self) -> list[Axes]:
        return [self.ax, self.cax]

    def place(self, rect: tuple[float, float, float, float]) -> None:
        """Axes and colour bar share ``rect`` (figure fractions)."""
        left, bottom, width, height = rect
        fig_w = self.ax.figure.bbox.width
        bar, gap = COLORBAR_PX
        take = min((bar + gap) / fig_w, 0.3 * width)
        self.ax.set_position((left, bottom, width - take, height))
        scale = take / ((bar + gap) / fig_w)
        self.cax.set_position(
            (left + width - take + gap / fig_w * scale, bottom, bar / fig_w * scale, height)
        )

    def prepare(self, snap: ChartSnapshot) -> None:
        x = snap.x.values if snap.x is not None else np.empty(0)
        y = snap.ys[0].values if snap.ys else np.empty(0)
        z = snap.z.values if snap.z is not None else np.empty(0)
        n = min(x.size, y.size, z.size)
        self.cells = grid_cells(x[:n], y[:n], z[:n])
        cells = self.cells
        self.has_data = bool(cells.values.size)
        if cells.values.size:
            self.xlim.update(float(cells.x_edges[0]), float(cells.x_edges[-1]))
            self.ylim.update(float(cells.y_edges[0]), float(cells.y_edges[-1]))
        if snap.color_limits is not None:
            low, high = sorted(snap.color_limits)
        else:
            low, high = data_range(cells.values)
            if not np.isfinite(low):
                low, high = 0.0, 1.0
            elif low == high:
                low, high = low - 0.5, high + 0.5
        self._clim = (low, high)
        self._layout = (
            cells.x_edges.tobytes(),
            cells.y_edges.tobytes(),
        )

    def static_key(self, snap: ChartSnapshot) -> Hashable:
        z = snap.z if snap.z is not None else EMPTY_SERIES
        return (
            super().static_key(snap),
            (z.name, z.label, z.units, z.connected),
            snap.colormap,
            self._clim,
            self._layout,
        )

    def apply_static(self, snap: ChartSnapshot) -> None:
        # The exact cell edges as limits: hysteresis margins would leave empty borders.
        super().apply_static(snap)
        cells = self.cells
        if cells.values.size:
            self.ax.set_xlim(cells.x_edges[0], cells.x_edges[-1])
            self.ax.set_ylim(cells.y_edges[0], cells.y_edges[-1])
        xs = snap.x if snap.x is not None else EMPTY_SERIES
        ys = snap.ys[0] if snap.ys else EMPTY_SERIES
        z = snap.z if snap.z is not None else EMPTY_SERIES
        self.ax.set_xlabel(axis_label(xs.label, xs.units))
        self.ax.set_ylabel(axis_label(ys.label, ys.units))
        self.norm.vmin, self.norm.vmax = self._clim
        self.cmap_name = snap.colormap
        self._mappable.set_cmap(colormaps[snap.colormap])
        self.colorbar.update_normal(self._mappable)
        self.colorbar.set_label(axis_label(z.label, z.units))
        self._rebuild_mesh(cells)

    def _rebuild_mesh(self, cells: GridCells) -> None:
        if self.mesh is not None:
            self.animated.remove(self.mesh)
            self.mesh.remove()
            self.mesh = None
        if not cells.values.size:
            return
        self.mesh = self.ax.pcolormesh(
            cells.x_edges,
            cells.y_edges,
            np.ma.masked_invalid(cells.values),
            cmap=colormaps[self.cmap_name],
            norm=self.norm,
            animated=True,
            shading="flat",
        )
        self.animated.insert(0, self.mesh)

    def update_artists(self, snap: ChartSnapshot) -> None:
        if self.mesh is not None:
            self.mesh.set_array(np.ma.masked_invalid(self.cells.values))
