"""Every writable PV of the chart IOC against bad input, over real CA with EPICS ``caput``.

Each case is one ``caput -c``: a refused value leaves the setting as it was,
``caput`` fails, and ``Status_RBV`` says why (when the IOC, not the client
library, refused it); an accepted value reads back as documented in
``docs/pvs.md``. Afterwards the IOC still serves, and its log has one line
per refused write and no error from inside the IOC.
"""

from __future__ import annotations

import pytest

from chartioc.client.localca import IocProcess

from conftest import CHART_PORT, caget_value, run_tool, unique_prefix, wait_until

LONG = "ABCDEFGHIJ" * 5  # 50 characters: more than a DBR_STRING holds

#: (PV, caput arguments, reason in Status_RBV or None when libca/caproto refuses)
REFUSED = [
    ("Width", ["abc"], None),  # caproto: not an integer
    ("Width", ["100.7"], None),  # whole numbers only
    ("Width", ["nan"], None),
    ("Width", ["1e308"], None),
    ("Width", ["0"], "width 0 outside 64..2048"),
    ("Width", ["5000"], "width 5000 outside 64..2048"),
    ("Width", [""], "width 0 outside 64..2048"),  # caproto reads "" as 0
    ("Height", ["-1"], "height -1 outside 64..2048"),
    ("Window", ["nan"], "window must be finite"),
    ("Window", ["inf"], "window must be finite"),
    ("Window", ["-inf"], "window must be finite"),
    ("Window", ["0"], "window 0 outside 1..86400"),
    ("Window", ["1e308"], "window 1e+308 outside 1..86400"),
    ("Window", ["abc"], None),
    ("MaxRate", ["0"], "max_rate 0 outside 0.1..100"),
    ("MaxRate", ["1000"], "max_rate 1000 outside 0.1..100"),
    ("MaxRate", ["nan"], "max_rate must be finite"),
    ("ColorLow", ["nan"], "color_low must be finite"),
    ("ColorHigh", ["-inf"], "color_high must be finite"),
    ("ColorHigh", ["abc"], None),
    ("Kind", ["9"], "kind must be strip, xy, map or grid"),
    ("Kind", ["pie"], None),  # caput checks enum strings itself
    ("Sample", ["5"], "Sample index 5 not in 0..1"),
    ("Fit", ["2"], "Fit index 2 not in 0..1"),
    ("Pause", ["9"], "Pause index 9 not in 0..1"),
    ("X", ["a b"], "source PV names have no spaces"),
    ("Y1", ["a b"], "source PV names have no spaces"),
    ("Y4", ["a b"], "source PV names have no spaces"),
    ("Z", ["a b"], "source PV names have no spaces"),
    # sources that are not numbers ({chart}: this IOC's prefix; full reasons in
    # StatusMessage_RBV, tests/test_chart_sources.py)
    ("Y1", ["{chart}Status_RBV"], "Status_RBV: a string, not a number"),
    ("X", ["{chart}AxesPx_RBV"], "AxesPx_RBV: an array, not a number"),
    ("Z", ["{chart}image1:ArrayData"], "ArrayData: an image, not a number"),
    ("X", ["-S", LONG], None),  # -S: as a char array, more elements than the PV has
    ("Title", ["-S", LONG], None),
    ("Colormap", ["no_such_map"], "unknown colormap no_such_map"),
    ("Colormap", [""], "unknown colormap (empty)"),
    ("Clear", ["abc"], None),
    ("Width", ["-a", "3", "100", "200", "300"], None),  # -a: an array to a scalar
    ("Status_RBV", ["hello"], None),  # read-only: write access denied
    ("FitCen_RBV", ["1"], None),
    ("image1:ArrayData", ["1"], None),
]

#: (PV, caput arguments, what caget -t prints afterwards)
ACCEPTED = [
    ("Title", [LONG], LONG[:39]),  # caput cuts a DBR_STRING to 39 characters
    ("Clear", ["7"], "0"),  # any non-zero value clears; the PV reads 0 again
    ("ColorLow", ["1e308"], "1e+308"),  # any finite number
    ("ColorLow", ["0"], "0"),
    ("Width", ["64"], "64"),
    ("Kind", ["3"], "grid"),
    ("Kind", ["strip"], "strip"),
]


@pytest.fixture(scope="module")
def chart(ioc_log_dir):
    prefix = unique_prefix("B") + "chart:"
    log = ioc_log_dir / "bad-input-chart.log"
    ioc = IocProcess(
        "chartioc.iocs.chart.ioc",
        ["--prefix", prefix, "NO:SUCH:PV"],
        port=CHART_PORT,
        ready_pv=f"{prefix}Status_RBV",
        log_path=log,
    )
    with ioc:
        yield prefix
        # after every case: still serving, and no traceback in the log
        assert caget_value(f"{prefix}Status_RBV")
        assert ioc.proc is not None and ioc.proc.poll() is None
    text = log.read_text()
    # refused writes are one line each; nothing failed inside the IOC
    assert "Invalid write request" not in text and "Server failed" not in text
    errors = [line for line in text.splitlines() if line.startswith("[E")]
    # (no caRepeater runs here: caproto's beacons to its port are refused, harmlessly)
    assert all("Failed to send beacon" in line for line in errors), errors


@pytest.mark.parametrize(("pv", "args", "reason"), REFUSED, ids=lambda v: str(v)[:20])
def test_refused(chart: str, pv: str, args: list[str], reason: str | None) -> None:
    before = run_tool("caget", "-t", "-#", "4", chart + pv).stdout
    args = [a.format(chart=chart) for a in args]
    options, values = (args[:1], args[1:]) if args[0] in ("-a", "-S") else ([], args)
    result = run_tool("caput", "-c", "-w", "5", *options, chart + pv, *values)
    assert result.returncode != 0 or "ERROR" in result.stdout + result.stderr, result
    assert run_tool("caget", "-t", "-#", "4", chart + pv).stdout == before
    if reason is not None:
        assert caget_value(chart + "Status_RBV") == reason


@pytest.mark.parametrize(("pv", "args", "after"), ACCEPTED, ids=lambda v: str(v)[:20])
def test_accepted(chart: str, pv: str, args: list[str], after: str) -> None:
    result = run_tool("caput", "-c", "-w", "5", chart + pv, *args)
    assert result.returncode == 0, result.stderr
    assert wait_until(lambda: caget_value(chart + pv) == after, 3), caget_value(chart + pv)
