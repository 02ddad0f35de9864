"""A local beamline: a motor IOC and a chart IOC on 127.0.0.1, each with a port of its own.

The one launcher the tests, the benchmarks and ``chartioc-demo`` share. The
caller chooses the ports and the client environment (see
:func:`~chartioc.client.localca.client_environment`); this class only builds
and runs the two IOC processes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from chartioc.client.localca import IocProcess

__all__ = ["CHART_MODULE", "MOTOR_MODULE", "LocalBeamline"]

#: The modules ``python -m`` runs for ``chartioc-motor`` and ``chartioc-chart``.
MOTOR_MODULE = "chartioc.iocs.motor.ioc"
CHART_MODULE = "chartioc.iocs.chart.ioc"


class LocalBeamline:
    """A motor IOC (``{prefix}motor`` and ``{prefix}det``) and a chart IOC (``{prefix}chart:``).

    Parameters
    ----------
    prefix
        PV prefix of the motor IOC; the chart IOC serves ``{prefix}chart:``.
    motor_port, chart_port
        Their CA server ports.
    motor_args
        More ``chartioc-motor`` arguments (``--motors``, ``--velocity``...).
    chart_args
        ``chartioc-chart`` arguments after the prefix (sources, ``--kind``...);
        default: a strip of ``{prefix}motor.RBV``.
    log_dir
        Folder for the two IOC logs (default: output discarded).
    tag
        Start of the log file names.
    """

    def __init__(
        self,
        prefix: str,
        *,
        motor_port: int,
        chart_port: int,
        motor_args: Sequence[str] = (),
        chart_args: Sequence[str] | None = None,
        log_dir: Path | None = None,
        tag: str = "beamline",
    ) -> None:
        self.prefix = prefix
        self.chart = f"{prefix}chart:"
        motor_log = log_dir / f"{tag}-motor.log" if log_dir else None
        chart_log = log_dir / f"{tag}-chart.log" if log_dir else None
        self.motor_ioc = IocProcess(
            MOTOR_MODULE,
            ["--prefix", prefix, *motor_args],
            port=motor_port,
            ready_pv=f"{prefix}motor.RBV",
            log_path=motor_log,
        )
        self.chart_ioc = IocProcess(
            CHART_MODULE,
            ["--prefix", self.chart, *(chart_args or [f"{prefix}motor.RBV"])],
            port=chart_port,
            ready_pv=f"{self.chart}Charts_RBV",  # one chart or many: the IOC answers
            log_path=chart_log,
        )

    @property
    def motor_pv(self) -> str:
        """The motor record's name, ``{prefix}motor``."""
        return f"{self.prefix}motor"

    @contextlib.contextmanager
    def started(self) -> Iterator[LocalBeamline]:
        """Both IOCs up (each answering a PV); stopped afterwards, also on error."""
        with self.motor_ioc, self.chart_ioc:
            yield self
