"""docs/examples/chart.bob: well-formed, and every PV it names is a PV the chart IOC serves."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

BOB = Path(__file__).resolve().parents[2] / "docs" / "examples" / "chart.bob"


def test_every_pv_of_the_display_is_served_over_pva():
    pytest.importorskip("caproto")
    from chartioc.iocs.chart.ioc import build
    from chartioc.iocs.chart.pva_mirror import mirrored

    root = ET.parse(BOB).getroot()
    assert root.tag == "display"
    names = [e.text or "" for e in root.iter("pv_name")]
    assert names and all(n.startswith("pva://$(P)") for n in names)
    ioc = build(prefix="T:")
    served = {n for n, ch in ioc.pvdb.items() if mirrored(n, ch)} | {"T:Pva1:Image"}
    missing = [n for n in names if n.replace("pva://$(P)", "T:") not in served]
    assert missing == []
