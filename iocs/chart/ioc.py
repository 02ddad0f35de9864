"""``chartioc-chart``: the chart IOC. One or many charts, each a :class:`ChartGroup`.

Today's command line serves one chart directly under the prefix
(``BEAMLINE:chart:image1:ArrayData``); ``--config charts.toml`` serves each
chart of the file under ``{prefix}NAME:`` (``BEAMLINE:chart:scan:image1:ArrayData``).
Every chart has the same PVs either way (:class:`ChartGroup`); the charts of
one IOC share one :class:`~chartioc.client.ca.monitor.PVMonitor`, so a PV
several charts draw has one CA channel and one subscription. Each chart draws
in a thread of its own at its own ``MaxRate``.

IOC-level PVs, directly under the prefix:

- ``Charts_RBV``: the names of the charts, separated by spaces (a char
  waveform: ``caget -S``); empty when the IOC serves one chart under the
  prefix itself.
- ``IocStatus_RBV`` / ``IocStatusMessage_RBV``: ``OK``, or what went wrong
  at start-up (an autosave file that could not be used).

``--autosave FILE`` saves every chart's settings on change
(:class:`~chartioc.iocs.chart.autosave.ChartAutosave`) and restores them at
start over the command line's or the file's values.
``kill -USR1`` of the IOC logs its CA channels.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import signal
from collections.abc import Mapping, Sequence
from typing import Any

from caproto import ChannelType
from caproto.server import PVGroup, SubGroup, pvproperty

from chartioc.client.ca.limits import MAX_STRING
from chartioc.client.ca.monitor import PVMonitor
from chartioc.iocs.chart.autosave import ChartAutosave, restore_settings
from chartioc.iocs.chart.chart_group import ChartGroup
from chartioc.iocs.chart.cli import parse_args
from chartioc.iocs.chart.engine import ChartConfig
from chartioc.iocs.chart.pva_mirror import PvaMirror
from chartioc.iocs.chart.pva_server import PvaServer
from chartioc.iocs.chart.render_workers import RenderPool
from chartioc.iocs.chart.saved_settings import Restored
from chartioc.iocs.chart.status import MESSAGE_LENGTH
from chartioc.iocs.common.access import AccessRules
from chartioc.iocs.common.serve import run_ioc

__all__ = ["ChartServer", "build", "chart_ioc", "main", "parse_args", "single_chart_name"]

log = logging.getLogger("chartioc.iocs.chart.ioc")  # also when run as __main__ (python -m)


class ChartServer(PVGroup):
    """The chart IOC: its charts (subgroups made by :func:`chart_ioc`) and the IOC-level PVs.

    Parameters
    ----------
    restored
        What the autosave file gave: the charts' settings are in the subgroups
        already; its notes go to ``IocStatus_RBV``.
    """

    #: the chart names, in order (set by :func:`chart_ioc`); () for one chart at the prefix
    chart_names: tuple[str, ...] = ()

    # Text longer than a DBR_STRING: char waveforms, as areaDetector's StatusMessage_RBV
    # (caget -S prints them as text). Image PVs are dtype=bytes (ImageGroup), never CHAR.
    charts_rbv = pvproperty(
        value="",
        name="Charts_RBV",
        dtype=ChannelType.CHAR,
        max_length=MESSAGE_LENGTH,
        read_only=True,
        doc="The charts this IOC serves, separated by spaces (caget -S); empty: one chart, "
        "at this prefix",
    )
    ioc_status = pvproperty(
        value="OK",
        name="IocStatus_RBV",
        dtype=ChannelType.STRING,
        read_only=True,
        doc="OK, or what went wrong at start-up (autosave)",
    )
    ioc_status_message = pvproperty(
        value="OK",
        name="IocStatusMessage_RBV",
        dtype=ChannelType.CHAR,
        max_length=MESSAGE_LENGTH,
        read_only=True,
        doc="The whole IOC status (caget -S)",
    )

    def __init__(
        self,
        *args: Any,
        restored: Restored | None = None,
        render_workers: int = 0,
        pva_interfaces: Sequence[str] | None = None,
        pva_access: AccessRules | None = None,
        **kwargs: Any,
    ) -> None:
        # before the charts are made: they share it; value events only (UpdatesReceived_RBV
        # counts value updates, not alarm-only events)
        self.monitor = PVMonitor(values_only=True)
        self.render_pool = RenderPool(render_workers) if render_workers else None
        super().__init__(*args, **kwargs)
        self.restored = restored
        if self.render_pool is not None:
            atexit.register(self.render_pool.close)  # shared memory freed, workers ended
        self.pva: PvaServer | None = None
        self.pva_mirror: PvaMirror | None = None
        if pva_interfaces is not None:
            self.pva = PvaServer(pva_interfaces)
            self.pva_mirror = PvaMirror(self.pvdb, pva_access)  # every other PV, same name
            for chart in self.charts:
                if f"{chart.prefix}image1:ArrayData" in self.pva_mirror.hidden:
                    continue  # a rule may deny reading its frames: not served over pvAccess
                cfg = chart.engine.config
                chart.pva.attach(self.pva, chart.prefix, cfg.width, cfg.height)

    @property
    def charts(self) -> list[ChartGroup]:
        """The charts, in order."""
        return [g for g in self.groups.values() if isinstance(g, ChartGroup)]

    def channel_report(self) -> list[str]:
        """One line per PV on the IOC's CA circuits: its channels and subscriptions."""
        counts = self.monitor.channel_counts()
        motors = sorted({r for c in self.charts for r in c.sources.motor_link.records})
        lines = [f"CA channels: {len(counts)} PVs; motors: {' '.join(motors)}"]
        lines += [
            f"CA channel {name}: channels={c.channels} subscriptions={c.subscriptions}"
            for name, c in counts.items()
        ]
        return lines

    def log_channel_report(self) -> None:
        """Log :meth:`channel_report` (on SIGUSR1)."""
        for line in self.channel_report():
            log.info("%s", line)

    @charts_rbv.startup
    async def charts_rbv(self, instance: Any, async_lib: Any) -> None:
        """Publish the chart names and the start-up status; SIGUSR1 logs the channels."""
        await self.charts_rbv.write(" ".join(self.chart_names))
        notes = self.restored.notes if self.restored is not None else ()
        problems = [n for n in notes if n.problem]
        if problems:
            await self.ioc_status.write(problems[0].short[:MAX_STRING])
        text = "; ".join(n.text for n in notes) or "OK"
        await self.ioc_status_message.write(text[:MESSAGE_LENGTH])
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGUSR1, self.log_channel_report)
        if self.pva is not None and self.pva_mirror is not None:
            self.pva_mirror.serve(self.pva)
            self.pva.start()
            atexit.register(self._stop_pva)
        if self.render_pool is not None:
            await loop.run_in_executor(None, self.render_pool.start)
            log.info(
                "%d render worker processes: pids %s",
                len(self.render_pool.workers),
                " ".join(map(str, self.render_pool.pids())),
            )

    def _stop_pva(self) -> None:
        if self.pva is not None:
            self.pva.stop()
        for chart in self.charts:
            chart.pva.close()


def single_chart_name(prefix: str) -> str:
    """The name of the one chart of an IOC: its prefix's last part (``BEAMLINE:chart:`` ->
    ``chart``)."""
    parts = [p for p in prefix.split(":") if p]
    return parts[-1] if parts else "chart"


def chart_ioc(
    charts: Mapping[str, ChartConfig],
    *,
    single: bool,
    paused: Mapping[str, bool] | None = None,
    autosave: str | None = None,
    codecs: Mapping[str, dict[str, Any]] | None = None,
) -> type[ChartServer]:
    """The IOC class of ``charts``: one :class:`ChartGroup` subgroup each.

    Parameters
    ----------
    charts
        Name -> settings, in order.
    single
        One chart directly under the IOC prefix (today's command line).
    paused
        Name -> start with ``Pause`` set.
    autosave
        The autosave file, or None for none.
    codecs
        Name -> its restored ``Codec``/``CodecQuality``.
    """
    if single and len(charts) != 1:
        raise ValueError(f"a one-chart IOC has one chart, not {len(charts)}")
    paused = paused or {}
    codecs = codecs or {}
    namespace: dict[str, Any] = {
        "chart_names": () if single else tuple(charts),
        "__doc__": ChartServer.__doc__,
    }
    for index, (name, config) in enumerate(charts.items()):
        namespace[f"chart_{index}"] = SubGroup(
            ChartGroup,
            prefix="" if single else f"{name}:",
            config=config,
            chart_name=name,
            paused=paused.get(name, False),
            codec_settings=codecs.get(name),
        )
    if autosave is not None:
        namespace["autosave_helper"] = SubGroup(ChartAutosave, prefix="autosave", filename=autosave)
    return type("ChartIOC", (ChartServer,), namespace)


def build(
    *,
    prefix: str,
    config: ChartConfig | None = None,
    charts: Mapping[str, ChartConfig] | None = None,
    autosave: str | None = None,
    render_workers: int = 0,
    pva_interfaces: Sequence[str] | None = None,
    pva_access: AccessRules | None = None,
    **kwargs: Any,
) -> ChartServer:
    """The chart IOC from its command line: one chart (``config``) or many (``charts``).

    With ``autosave`` the file's settings are restored over the given ones
    first (see :func:`~chartioc.iocs.chart.autosave.restore_settings`).
    ``render_workers``: processes that draw the charts (0: a thread per chart in
    the IOC; see :mod:`~chartioc.iocs.chart.render_workers`). ``pva_interfaces``:
    also serve every chart over pvAccess, by default on these interfaces
    (:mod:`~chartioc.iocs.chart.pva_server`); None: CA only. ``pva_access``: the
    access rules pvAccess puts are checked with (:mod:`~chartioc.iocs.chart.pva_mirror`).
    """
    single = charts is None
    if charts is None:
        charts = {single_chart_name(prefix): config or ChartConfig()}
    prefixes = {name: prefix if single else f"{prefix}{name}:" for name in charts}
    restored = None
    if autosave is not None:
        restored = restore_settings(autosave, prefixes, dict(charts))
        charts = restored.charts
    cls = chart_ioc(
        charts,
        single=single,
        paused=restored.paused if restored is not None else None,
        codecs=restored.codecs if restored is not None else None,
        autosave=autosave,
    )
    return cls(
        prefix=prefix,
        restored=restored,
        render_workers=render_workers,
        pva_interfaces=pva_interfaces,
        pva_access=pva_access,
        **kwargs,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``chartioc-chart``."""
    ioc_options, run_options = parse_args(argv)
    run_ioc(build, ioc_options, run_options)


if __name__ == "__main__":
    main()
