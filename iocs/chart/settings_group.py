"""The chart IOC's settings: the writable PVs, each forwarding its value to the chart.

Every setting is made by one helper, :func:`setting`: a ``pvproperty`` whose
putter (caproto's ``put=``) hands the written value to a forwarder, and the
forwarder to the :class:`SettingsHandler` (the chart IOC), which validates
and applies it or refuses it with a reason in ``Status_RBV``. What a
forwarder returns is what the PV stores (None: the value as written).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from caproto import ChannelType
from caproto.server import PVGroup, pvproperty
from caproto.server.autosave import autosaved

from chartioc.iocs.chart.engine import (
    FIT_MODES,
    LIMITS,
    SAMPLE_MODES,
    ChartConfig,
    ConfigError,
)
from chartioc.iocs.chart.model import CHART_KINDS
from chartioc.iocs.chart.saved_settings import SAVED_SETTINGS
from chartioc.iocs.chart.settings import (
    DEFAULTS,
    FIT_CHOICES,
    PAUSE_CHOICES,
    SAMPLE_CHOICES,
    check_choice,
    choice_of,
    mode_of,
)

__all__ = ["Forward", "SettingsGroup", "SettingsHandler", "setting"]


class SettingsHandler(Protocol):
    """What the settings forward to: the chart IOC."""

    async def configure(self, **changes: Any) -> None:
        """Validate and apply ``changes`` to the chart (raise ConfigError to refuse)."""

    async def set_source(self, slot: int | str, value: str) -> str:
        """Set a source (``"x"``, ``"z"`` or a Y index); return the name stored."""

    async def refuse(self, reason: str) -> None:
        """Show a refused setting in the status."""

    def clear(self) -> None:
        """Forget every history (``Clear``)."""

    def redraw(self) -> None:
        """Draw the newest state (``Pause`` back to ``Run``)."""


#: A setting's forwarder: (handler, written value) -> the value to store, or None.
Forward = Callable[[SettingsHandler, Any], Awaitable[Any]]


def setting(name: str, value: Any, forward: Forward, *, doc: str, **spec: Any) -> Any:
    """A setting PV ``name`` whose writes go to ``forward(handler, value)``.

    ``spec`` is the rest of the ``pvproperty`` (dtype, units, limits, ...).
    """

    async def put(group: SettingsGroup, instance: Any, written: Any) -> Any:
        return await forward(group.handler, written)

    put.__doc__ = doc
    prop = pvproperty(value=value, name=name, doc=doc, put=put, **spec)
    # caproto's autosave tag (fields=(): caproto's default saves a 'description' field)
    return autosaved(prop, fields=()) if name in SAVED_SETTINGS else prop


def to_config(key: str, clean: Callable[[Any], Any] | None = None) -> Forward:
    """Forward a value to the configuration field ``key`` (after ``clean``, which is stored)."""

    async def forward(handler: SettingsHandler, value: Any) -> Any:
        cleaned = value if clean is None else clean(value)
        await handler.configure(**{key: cleaned})
        return None if clean is None else cleaned

    return forward


def to_mode(key: str, label: str, choices: Sequence[str], modes: Sequence[str]) -> Forward:
    """Forward an enum string as its mode (``At rest`` -> ``rest``); refuse a bad index."""

    async def forward(handler: SettingsHandler, value: Any) -> None:
        choice = await _checked(handler, label, value, choices)
        await handler.configure(**{key: mode_of(choice, choices, modes)})

    return forward


def to_source(slot: int | str) -> Forward:
    """Forward a source name: ``"x"``, ``"z"`` or the index of a Y slot (0 for Y1)."""

    async def forward(handler: SettingsHandler, value: Any) -> str:
        return await handler.set_source(slot, value)

    return forward


async def _checked(handler: SettingsHandler, label: str, value: Any, choices: Sequence[str]) -> str:
    try:
        return check_choice(label, value, choices)
    except ConfigError as ex:
        await handler.refuse(str(ex))
        raise


async def _clear(handler: SettingsHandler, value: Any) -> int:
    if value:
        handler.clear()
    return 0


async def _pause(handler: SettingsHandler, value: Any) -> str:
    choice = await _checked(handler, "Pause", value, PAUSE_CHOICES)
    if choice == PAUSE_CHOICES[0]:
        handler.redraw()
    return choice


def _source(name: str, doc: str) -> Any:
    slot: int | str = int(name[1:]) - 1 if name.startswith("Y") else name.lower()
    return setting(name, "", to_source(slot), dtype=ChannelType.STRING, read_only=False, doc=doc)


def _text(name: str, value: str, doc: str, clean: Callable[[Any], Any] | None = None) -> Any:
    forward = to_config(name.lower(), clean)
    return setting(name, value, forward, dtype=ChannelType.STRING, read_only=False, doc=doc)


def _bounded(name: str, key: str, doc: str, **spec: Any) -> Any:
    """A numeric setting whose bounds are display limits, not control limits: caproto would
    refuse out-of-range values before the putter runs, and the IOC could not say why."""
    low, high = LIMITS[key]
    return setting(
        name,
        getattr(DEFAULTS, key),
        to_config(key),
        lower_disp_limit=low,
        upper_disp_limit=high,
        doc=doc,
        **spec,
    )


def _enum(name: str, value: str, forward: Forward, choices: Sequence[str], doc: str) -> Any:
    return setting(
        name, value, forward, dtype=ChannelType.ENUM, enum_strings=tuple(choices), doc=doc
    )


class SettingsGroup(PVGroup):
    """The chart's settings (the SubGroup prefix is '': ``{prefix}Kind``, ...).

    ``Kind`` (strip, xy, map, grid), ``X``, ``Y1``..``Y4``, ``Z`` (source PV
    names), ``Window`` (s), ``Width``, ``Height`` (pixels), ``MaxRate`` (Hz),
    ``Title``, ``Clear``, ``Pause``, ``Sample`` (Each update, At rest), ``Fit``
    (Off, Gaussian), ``Colormap``, ``ColorLow``, ``ColorHigh``. A refused value
    leaves the setting as it was and says why in ``Status_RBV``.
    """

    kind = _enum(
        "Kind", "strip", to_config("kind"), CHART_KINDS, "Chart kind: strip, xy, map or grid"
    )
    x = _source("X", "X source PV (xy, map, grid)")
    y1 = _source("Y1", "Y source PV 1 (strip, xy, map, grid)")
    y2 = _source("Y2", "Y source PV 2 (strip)")
    y3 = _source("Y3", "Y source PV 3 (strip)")
    y4 = _source("Y4", "Y source PV 4 (strip)")
    window = _bounded("Window", "window", "Strip chart time window", units="s", precision=1)
    width = _bounded("Width", "width", "Frame width", units="px", dtype=ChannelType.LONG)
    height = _bounded("Height", "height", "Frame height", units="px", dtype=ChannelType.LONG)
    max_rate = _bounded("MaxRate", "max_rate", "Maximum frame rate", units="Hz", precision=1)
    title = _text("Title", "", "Chart title")
    z = _source("Z", "Value PV of the grid chart")
    sample = _enum(
        "Sample",
        choice_of(DEFAULTS.sample, SAMPLE_CHOICES, SAMPLE_MODES),
        to_mode("sample", "Sample", SAMPLE_CHOICES, SAMPLE_MODES),
        SAMPLE_CHOICES,
        "xy/grid: a point on each update of Y1/Z, or each time the motors come to rest",
    )
    fit = _enum(
        "Fit",
        choice_of(DEFAULTS.fit, FIT_CHOICES, FIT_MODES),
        to_mode("fit", "Fit", FIT_CHOICES, FIT_MODES),
        FIT_CHOICES,
        "Fit of the xy chart: Off or Gaussian",
    )
    colormap = _text(
        "Colormap", DEFAULTS.colormap, "Colour map of the grid chart", clean=lambda v: v.strip()
    )
    color_low = setting(
        "ColorLow",
        DEFAULTS.color_low,
        to_config("color_low"),
        precision=4,
        doc="Grid colour scale low end (ColorLow = ColorHigh: follow the data)",
    )
    color_high = setting(
        "ColorHigh",
        DEFAULTS.color_high,
        to_config("color_high"),
        precision=4,
        doc="Grid colour scale high end (ColorLow = ColorHigh: follow the data)",
    )
    clear = setting(
        "Clear", 0, _clear, dtype=ChannelType.INT, doc="Write 1 to forget every history"
    )
    pause = _enum("Pause", "Run", _pause, PAUSE_CHOICES, "Pause drawing (intake goes on)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handler: SettingsHandler = _Refusing()

    def attach(self, handler: SettingsHandler) -> None:
        """Forward every write to ``handler`` from now on."""
        self.handler = handler

    @property
    def paused(self) -> bool:
        """``Pause`` reads Pause."""
        return bool(self.pause.value == PAUSE_CHOICES[1])

    async def show(self, config: ChartConfig, *, paused: bool = False) -> None:
        """Write ``config`` (and ``Pause``) to the PVs at start-up: the command line's, the
        configuration file's or the restored settings."""
        ys = (*config.ys, "", "", "", "")
        for pv, value in (
            (self.kind, config.kind),
            (self.x, config.x),
            (self.y1, ys[0]),
            (self.y2, ys[1]),
            (self.y3, ys[2]),
            (self.y4, ys[3]),
            (self.window, config.window),
            (self.width, config.width),
            (self.height, config.height),
            (self.max_rate, config.max_rate),
            (self.title, config.title),
            (self.z, config.z),
            (self.sample, choice_of(config.sample, SAMPLE_CHOICES, SAMPLE_MODES)),
            (self.fit, choice_of(config.fit, FIT_CHOICES, FIT_MODES)),
            (self.colormap, config.colormap),
            (self.color_low, config.color_low),
            (self.color_high, config.color_high),
            (self.pause, PAUSE_CHOICES[1 if paused else 0]),
        ):
            await pv.write(value, verify_value=False)


class _Refusing:
    """The handler until one is attached: every write is refused."""

    async def configure(self, **changes: Any) -> None:
        raise ConfigError("not ready")

    async def set_source(self, slot: int | str, value: str) -> str:
        raise ConfigError("not ready")

    async def refuse(self, reason: str) -> None:
        return None

    def clear(self) -> None:
        return None

    def redraw(self) -> None:
        return None
