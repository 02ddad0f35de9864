"""Which chart sources may be motor records, by name. Pure logic, no Channel Access.

A source names a field of a motor record (``BEAMLINE:m1.RBV``, ``.VAL``,
``.DRBV``) or a bare record name (``BEAMLINE:m1``, which CA reads as its
``.VAL``). The name only makes it a candidate: the chart IOC follows it as a
motor once the record's ``.RTYP`` reads ``motor``
(:func:`chartioc.client.ca.motors.is_motor_record`; ``docs/architecture.md``,
*Decisions*).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from chartioc.iocs.chart.engine import ChartConfig, record_field

__all__ = ["CHART_MOTOR_FIELDS", "motor_record", "rest_motors", "rest_problem"]

#: The fields of each motor the chart IOC follows through ``Motors``: position (the
#: channel a chart source on RBV shares), done moving, soft limits, units and precision.
CHART_MOTOR_FIELDS = ("RBV", "DMOV", "HLM", "LLM", "EGU", "PREC")


def motor_record(pvname: str) -> str | None:
    """The record a source would be a field of: ``BL:m1.RBV`` -> ``BL:m1``, ``BL:m1`` ->
    ``BL:m1``; None for another field (``BL:m1.EGU``) or an empty name."""
    field = record_field(pvname, "RTYP")  # None unless a motor readback field
    if field is not None:
        return field.removesuffix(".RTYP")
    if pvname and "." not in pvname:
        return pvname
    return None


def rest_motors(config: ChartConfig) -> list[str]:
    """The records whose done-moving flags take the points at rest (none unless At rest)."""
    if not config.rest_triggers():
        return []
    records = (motor_record(m) for m in config.motors())
    return list(dict.fromkeys(r for r in records if r))


def rest_problem(
    config: ChartConfig, verdicts: Mapping[str, bool], unanswered: Collection[str] = ()
) -> str:
    """Why At-rest sampling cannot take points, or '': a position source whose record
    answered that it is no motor record (``verdicts``: record -> is a motor record, for
    the records that answered), or whose ``.RTYP`` did not answer while the source was
    connected (``unanswered``). A record not asked yet is no problem yet."""
    for record in rest_motors(config):
        if verdicts.get(record) is False:
            return f"at rest: {record} is no motor"
        if record in unanswered:
            return f"at rest: {record}.RTYP no answer"
    return ""
