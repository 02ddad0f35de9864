"""What state each chart source is in, for the status and the frame. Pure logic, no CA.

A source that is down was either connected before (lost: ``DISCONNECTED``),
or never answered: ``connecting`` for :data:`SEARCH_TIME` seconds after it
was configured, then ``not found`` (a typo, or an IOC that is not up). A
source that is connected and no number is unusable whatever else holds.
:func:`status_inputs` gathers these into the
:class:`~chartioc.iocs.chart.status.StatusInputs` that
:func:`~chartioc.iocs.chart.status.compose_status` writes out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from chartioc.iocs.chart.status import StatusInputs

__all__ = ["SEARCH_TIME", "banner_problems", "status_inputs"]

#: Seconds after a source is configured before one that never connected reads "not found".
SEARCH_TIME = 2.0


def status_inputs(
    *,
    sources: Sequence[str],
    connected: int,
    disconnected: Collection[str],
    down_since: Mapping[str, float],
    outages: Mapping[str, tuple[float, float]],
    followed_since: Mapping[str, float],
    unusable: Mapping[str, tuple[str, str]],
    error: str = "",
    error_short: str = "",
    problem: str = "",
    paused: bool = False,
    monotonic: float,
    now: float,
) -> StatusInputs:
    """The status of ``sources`` from what the IOC knows of them.

    Parameters
    ----------
    sources
        The configured sources, in order.
    connected
        How many of them are connected (and usable).
    disconnected
        The sources that are not connected.
    down_since, outages
        The monitor's: when each lost PV was lost; the last outage (lost,
        back) of each PV (epoch s).
    followed_since
        Monotonic time each source was configured.
    unusable
        Source -> (reason, brief reason): connected and no number.
    error, error_short
        The last refused setting, and its 39-character form ('' to shorten
        ``error``).
    problem
        Why the configuration cannot draw, or ''.
    paused
        Drawing is paused.
    monotonic, now
        The time now: monotonic s (for ``followed_since``), epoch s.
    """
    lost: list[str] = []
    not_found: list[str] = []
    connecting: list[str] = []
    for name in sources:
        if name in unusable or name not in disconnected:
            continue
        if name in down_since:
            lost.append(name)
        elif monotonic - followed_since.get(name, monotonic) >= SEARCH_TIME:
            not_found.append(name)
        else:
            connecting.append(name)
    ours = [o for n, o in outages.items() if n in sources]
    return StatusInputs(
        connected=connected,
        total=len(sources),
        error=error,
        error_short=error_short,
        problem=problem,
        disconnected=lost,
        not_found=not_found,
        connecting=connecting,
        unusable={n: why for n, why in unusable.items() if n in sources},
        paused=paused,
        outage=max(ours, key=lambda o: o[1]) if ours else None,
        now=now,
    )


def banner_problems(sources: Sequence[str], inputs: StatusInputs) -> dict[str, str]:
    """Each source's problem for the frame's banner: ``a string``, ``not found``,
    ``connecting`` (never connected yet, still searched for), or ''."""
    problems: dict[str, str] = {}
    for name in sources:
        if name in inputs.unusable:
            problems[name] = inputs.unusable[name][1]  # brief: "a string", "an image"
        elif name in inputs.not_found:
            problems[name] = "not found"
        elif name in inputs.connecting:
            problems[name] = "connecting"
        else:
            problems[name] = ""
    return problems
