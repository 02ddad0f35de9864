"""Every writable PV of the motor IOC against bad input, over real CA with EPICS ``caput``.

The writable PVs are enumerated from the running IOC (``--list-pvs`` and the write
access of every motor-record field), and each must have its cases below or refuse
every write as not simulated. A refused case is one ``caput -c`` that must fail and
one plain ``caput`` that prints the IOC's reason; the PV reads as before. An
accepted case reads back as ``docs/pvs.md`` says. After every case the IOC answers;
at the end its log holds one line per refused write (all ValueErrors: nothing failed
inside the IOC) and no traceback.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from chartioc.client.localca import IocProcess, epics_tool

from conftest import SPARE_PORT, caget_value, run_tool, unique_prefix, wait_until

pytestmark = pytest.mark.ca

M = "m1"  # the motor
LONG = "ABCDEFGHIJ" * 5  # 50 characters: more than a DBR_STRING holds
NUMBER, INTEGER = "must be a number", "must be an integer"
FINITE = "must be a finite number"
SPMG_CHOICES = "must be one of Stop, Pause, Move, Go"


def _numeric(pv: str, *extra: tuple[str, str]) -> list[tuple[str, list[str], str]]:
    """The cases every double PV refuses, then its own out-of-range ones."""
    common = [
        (pv, ["abc"], f"{NUMBER}, not 'abc'"),
        (pv, [""], f"{NUMBER}, not an empty string"),
        (pv, ["nan"], FINITE),
        (pv, ["inf"], FINITE),
        (pv, ["-inf"], FINITE),
        (pv, ["-a", "3", "1", "2", "3"], "Invalid element count"),  # libca refuses it
    ]
    return common + [(pv, [value], reason) for value, reason in extra]


def _integer(pv: str, *extra: tuple[str, str]) -> list[tuple[str, list[str], str]]:
    common = [
        (pv, ["abc"], f"{INTEGER}, not 'abc'"),
        (pv, [""], f"{INTEGER}, not an empty string"),
        (pv, ["2.5"], f"{INTEGER}, not '2.5'"),
        (pv, ["nan"], f"{INTEGER}, not 'nan'"),
        (pv, ["1e9"], f"{INTEGER}, not '1e9'"),
        (pv, ["40000"], "must be within -32768..32767, not 40000"),  # DBR_SHORT
        (pv, ["-a", "2", "1", "1"], "Invalid element count"),
    ]
    return common + [(pv, [value], reason) for value, reason in extra]


def _enum(pv: str, choices: str, past_end: int) -> list[tuple[str, list[str], str]]:
    return [
        (pv, ["-n", "17"], f"{choices}, not 17"),
        (pv, ["-n", str(past_end)], f"{choices}, not {past_end}"),
        (pv, ["Foo"], "Enum string value 'Foo' invalid"),  # caput refuses it itself
        (pv, ["-s", ""], "Enum string value '' invalid"),  # even with -s
    ]


#: (PV suffix, caput arguments, the reason printed by caput)
REFUSED = [
    *_numeric(".VAL"),
    *_numeric(".DVAL"),
    *_numeric(
        ".VELO",
        ("0", "VELO must be > 0, not 0"),
        ("-1e308", "VELO must be > 0"),
        ("1e-12", "VELO must be within 1e-09..1e+09, not 1e-12"),
        ("1e308", "VELO must be within 1e-09..1e+09, not 1e+308"),
    ),
    *_numeric(
        ".ACCL",
        ("-1", "ACCL must be >= 0, not -1"),
        ("1001", "ACCL must be <= 1000, not 1001"),
        ("1e308", "ACCL must be <= 1000"),
    ),
    *_numeric(
        ".VMAX",
        ("-1", "VMAX must be 0 or >= VELO (4), not -1"),
        ("1", "VMAX must be 0 or >= VELO (4), not 1"),
        ("1e308", "VMAX must be within 0..1e+09, not 1e+308"),
    ),
    *_numeric(
        ".HLM",
        ("-20", "HLM (-20) must not be below LLM (-10)"),
        ("1e308", "HLM must be within +-1e+09, not 1e+308"),
        ("-1e308", "HLM must be within +-1e+09"),
    ),
    *_numeric(
        ".LLM",
        ("20", "HLM (10) must not be below LLM (20)"),
        ("-1e308", "LLM must be within +-1e+09, not -1e+308"),
    ),
    *_numeric(
        ".DHLM",
        ("-50", "DHLM (-50) must not be below DLLM (-10)"),
        ("1e308", "DHLM must be within +-1e+09"),
    ),
    *_numeric(
        ".DLLM",
        ("50", "DHLM (10) must not be below DLLM (50)"),
        ("-1e308", "DLLM must be within +-1e+09"),
    ),
    *_numeric(".OFF", ("1e308", "OFF must be within +-1e+09"), ("-2e9", "OFF must be within")),
    *_numeric(
        ".TWV",
        ("0", "TWV must be > 0, not 0"),
        ("-1", "TWV must be > 0"),
        ("1e308", "TWV must be <= 1e+09, not 1e+308"),
    ),
    *_numeric(
        ".MRES",
        ("0", "MRES must be > 0, not 0"),
        ("-1e308", "MRES must be > 0"),
        ("1e308", "MRES must be <= 1e+09"),
    ),
    *_integer(".PREC", ("-5", "PREC must be within 0..15, not -5"), ("99", "within 0..15")),
    *_integer(".STOP"),
    *_integer(".TWF"),
    *_integer(".TWR"),
    *_integer(".HOMF"),
    *_integer(".HOMR"),
    *_enum(".SPMG", SPMG_CHOICES, 4),
    *_enum(".DIR", "must be one of Pos, Neg", 2),
    *_enum(".SET", "must be one of Use, Set", 2),
    *_enum(".FOFF", "must be one of Variable, Frozen", 2),
    (".EGU", ["abcdefgh"], "EGU must be at most 7 characters (CA units), not 8"),
    (".EGU", [LONG], "EGU must be at most 7 characters (CA units), not 39"),  # caput cut it
    (".EGU", ["-S", LONG], "Invalid element count"),  # as a char array: libca refuses it
    (".DESC", ["-S", LONG], "Invalid element count"),
    *_numeric("det:amp", ("1e308", "amp must be within +-1e+12"), ("-2e12", "amp must be within")),
    *_numeric(
        "det:sigma",
        ("0", "sigma must be > 0, not 0"),
        ("-1", "sigma must be > 0"),
        ("1e-12", "sigma must be within 1e-09..1e+09, not 1e-12"),
        ("1e308", "sigma must be within 1e-09..1e+09"),
    ),
    *_numeric("det:bkg", ("1e308", "bkg must be within +-1e+12")),
    *_numeric(
        "det:noise",
        ("-1", "noise must be >= 0, not -1"),
        ("1e308", "noise must be <= 1e+12, not 1e+308"),
    ),
    *_numeric(f"det:{M}:cen", ("1e308", "m1:cen must be within +-1e+09")),
    # read only: caproto answers before any code of ours runs
    (".RBV", ["3"], "Write access denied"),
    (".DMOV", ["0"], "Write access denied"),
    (".MSTA", ["0"], "Write access denied"),
    (".RTYP", ["ai"], "Write access denied"),
    (".running", ["1"], "Write access denied"),
    (":RbvPosts_RBV", ["0"], "Write access denied"),
    ("det", ["1"], "Write access denied"),
]

#: (PV suffix, caput arguments, {PV suffix: what caget -t prints afterwards}, restore)
ACCEPTED = [
    # outside the soft limits (or beyond +-1e9 when they are off): LVIO=1, no motion
    (".VAL", ["1e308"], {".LVIO": "1", ".VAL": "0", ".RBV": "0", ".DMOV": "1"}, {}),
    (".VAL", ["-1e308"], {".LVIO": "1", ".VAL": "0", ".RBV": "0"}, {}),
    (".DVAL", ["1e308"], {".LVIO": "1", ".DVAL": "0", ".RBV": "0"}, {}),
    (".VAL", ["1e-320"], {".LVIO": "0", ".RBV": "9.99989e-321"}, {".VAL": "0"}),
    (".STOP", ["-5"], {".STOP": "0", ".RBV": "0"}, {}),  # any value stops; reads 0 again
    (".TWF", ["0"], {".TWF": "0", ".RBV": "0"}, {}),  # 0: no tweak
    (".TWF", ["-5"], {".TWF": "0", ".RBV": "0.1"}, {".VAL": "0"}),  # non-zero: one tweak
    (".DESC", [LONG], {".DESC": LONG[:39]}, {".DESC": "motor"}),  # caput cuts to 39
    (".EGU", ["degrees"], {".EGU": "degrees"}, {".EGU": "mm"}),  # 7 characters fit
    (".PREC", ["15"], {".PREC": "15"}, {".PREC": "3"}),
]


@pytest.fixture(scope="module")
def ioc(ioc_log_dir: Path):
    """A motor IOC of its own for this module; its log is checked at the end."""
    prefix = unique_prefix("BM")
    log = ioc_log_dir / "bad-input-motor.log"
    proc = IocProcess(
        "chartioc.iocs.motor.ioc",
        [
            "--prefix",
            prefix,
            "--motors",
            M,
            "--velocity",
            "4",
            "--acceleration",
            "0.1",
            "--list-pvs",
        ],
        port=SPARE_PORT,
        ready_pv=f"{prefix}{M}.RBV",
        log_path=log,
    )
    proc.prefix = prefix
    with proc:
        run_tool("caput", f"{prefix}{M}.DESC", "motor")
        yield proc
        assert proc.proc is not None and proc.proc.poll() is None  # still running
        assert caget_value(f"{prefix}{M}.RTYP") == "motor"  # and answering
    records = re.split(r"\n(?=\S)", log.read_text())  # a record's own lines are indented
    # (no caRepeater runs here: caproto's beacons to its port are refused, harmlessly)
    text = "\n".join(r for r in records if "Failed to send beacon" not in r)
    assert "Traceback" not in text and "Server failed" not in text, text[-3000:]
    refusals = re.findall(r"refused write by .*?: (\w+):", text)
    assert refusals and set(refusals) == {"ValueError"}, set(refusals)


def _pv(ioc: IocProcess, suffix: str) -> str:
    return f"{ioc.prefix}{M}{suffix}" if suffix[0] in ".:" else f"{ioc.prefix}{suffix}"


def _read(pv: str) -> str:
    """``caget -t``: the value as EPICS base prints it."""
    return run_tool("caget", "-t", "-w", "5", pv).stdout.strip()


def _value(pv: str) -> str:
    """The value as text, read fresh with pyepics (fast: one connection per PV)."""
    import epics

    value = epics.caget(pv, as_string=True, use_monitor=False, timeout=5)
    assert value is not None, f"{pv} did not answer"
    return value


def _answers(ioc: IocProcess) -> None:
    assert ioc.proc is not None and ioc.proc.poll() is None
    assert _value(_pv(ioc, ".RTYP")) == "motor"


def _caput_both(args: list[str]) -> tuple[int, str]:
    """``caput -c`` (its exit code) and plain ``caput`` (its text, the IOC's reason), together."""
    caput = epics_tool("caput")
    runs = [
        subprocess.Popen(
            [caput, *flags, "-w", "5", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for flags in (["-c"], [])
    ]
    outputs = [run.communicate(timeout=20)[0] for run in runs]
    return runs[0].returncode, outputs[1]


@pytest.mark.parametrize(("suffix", "args", "reason"), REFUSED, ids=lambda v: str(v)[:24])
def test_refused(ioc: IocProcess, suffix: str, args: list[str], reason: str) -> None:
    pv = _pv(ioc, suffix)
    before = _value(pv)
    options, values = (args[:-1], args[-1:]) if args[0] in ("-n", "-s", "-S") else ([], args)
    if args[0] == "-a":
        options, values = args[:1], args[1:]
    code, text = _caput_both([*options, pv, *values])
    assert code != 0, text
    assert reason in text, text
    assert _value(pv) == before
    _answers(ioc)


@pytest.mark.parametrize(
    ("suffix", "text", "reason"),
    [
        (".SPMG", b"Foo", "SPMG must be one of Stop, Pause, Move, Go, not 'Foo'"),
        (".SPMG", b"", "SPMG must be one of Stop, Pause, Move, Go, not an empty string"),
        (".DIR", b"Up", "DIR must be one of Pos, Neg, not 'Up'"),
        (".SET", b"", "SET must be one of Use, Set, not an empty string"),
        (".FOFF", b"17", "FOFF must be one of Variable, Frozen, not '17'"),
    ],
)
def test_enum_text_that_caput_would_not_send(
    ioc: IocProcess, suffix: str, text: bytes, reason: str
) -> None:
    """caput checks enum strings itself; a client that does not gets the IOC's answer."""
    from caproto import ChannelType, ErrorResponseReceived
    from caproto.sync.client import write

    pv = _pv(ioc, suffix)
    before = _value(pv)
    with pytest.raises(ErrorResponseReceived) as refused:
        write(pv, [text], data_type=ChannelType.STRING, notify=True, timeout=5, repeater=False)
    assert reason in refused.value.args[0].error_message.decode("latin-1")
    assert _value(pv) == before
    _answers(ioc)


@pytest.mark.parametrize(
    ("suffix", "args", "after", "restore"), ACCEPTED, ids=lambda v: str(v)[:24]
)
def test_accepted(
    ioc: IocProcess, suffix: str, args: list[str], after: dict[str, str], restore: dict[str, str]
) -> None:
    result = run_tool("caput", "-c", "-w", "5", _pv(ioc, suffix), *args)
    assert result.returncode == 0, result.stdout + result.stderr
    for other, text in after.items():
        assert _read(_pv(ioc, other)) == text, other
    for other, text in restore.items():
        assert run_tool("caput", "-c", "-w", "5", _pv(ioc, other), text).returncode == 0
    _answers(ioc)


def test_egu_sets_units_and_velo_gets_egu_per_second_cut_to_seven(ioc: IocProcess) -> None:
    assert run_tool("caput", "-c", "-w", "5", _pv(ioc, ".EGU"), "degrees").returncode == 0
    try:
        val = run_tool("caget", "-d", "DBR_CTRL_DOUBLE", _pv(ioc, ".VAL")).stdout
        velo = run_tool("caget", "-d", "DBR_CTRL_DOUBLE", _pv(ioc, ".VELO")).stdout
        assert "Units:            degrees" in val
        assert "Units:            degre/s" in velo  # CA units hold 7 characters
    finally:
        run_tool("caput", "-c", "-w", "5", _pv(ioc, ".EGU"), "mm")


def test_limits_off_still_bound_targets_to_the_travel_range(ioc: IocProcess) -> None:
    hlm, llm = _pv(ioc, ".HLM"), _pv(ioc, ".LLM")
    assert run_tool("caput", "-c", "-w", "5", llm, "0").returncode == 0
    assert run_tool("caput", "-c", "-w", "5", hlm, "0").returncode == 0  # HLM = LLM: off
    try:
        assert run_tool("caput", "-c", "-w", "5", _pv(ioc, ".VAL"), "2e9").returncode == 0
        assert _read(_pv(ioc, ".LVIO")) == "1"
        assert _read(_pv(ioc, ".RBV")) == "0"
    finally:
        run_tool("caput", "-c", "-w", "5", hlm, "10")
        run_tool("caput", "-c", "-w", "5", llm, "-10")


def test_a_refused_write_leaves_no_alarm(ioc: IocProcess) -> None:
    for suffix, bad in ((".VAL", "nan"), (".VELO", "0"), (".HLM", "-20")):
        run_tool("caput", "-w", "5", _pv(ioc, suffix), bad)
        for shown in (".VAL", ".RBV", suffix):
            info = run_tool("caget", "-d", "DBR_TIME_DOUBLE", _pv(ioc, shown)).stdout
            assert "Severity:         NO_ALARM" in info, (suffix, shown, info)


def test_raw_readback_saturates_at_the_long_range(ioc: IocProcess) -> None:
    mres = _pv(ioc, ".MRES")
    assert run_tool("caput", "-c", "-w", "5", mres, "1e-12").returncode == 0
    try:
        assert run_tool("caput", "-c", "-w", "5", _pv(ioc, ".VAL"), "0.5").returncode == 0
        assert _read(_pv(ioc, ".RRBV")) == "2147483647"
        assert _read(_pv(ioc, ".RBV")) == "0.5"
    finally:
        run_tool("caput", "-c", "-w", "5", mres, "0.0001")
        run_tool("caput", "-c", "-w", "5", _pv(ioc, ".VAL"), "0")


def test_arrays_to_a_scalar(ioc: IocProcess) -> None:
    """pyepics refuses a numpy array itself; a client that sends one gets the IOC's no."""
    import epics
    from caproto import ErrorResponseReceived
    from caproto.sync.client import write

    for suffix in (".VAL", ".VELO", ".PREC", "det:sigma"):
        pv = _pv(ioc, suffix)
        before = _value(pv)
        with pytest.raises(TypeError):
            epics.caput(pv, np.arange(1000.0) + 1, wait=True, timeout=5)
        with pytest.raises(ErrorResponseReceived, match="too large"):
            write(pv, list(range(1, 1001)), notify=True, timeout=5, repeater=False)
        assert _value(pv) == before
    _answers(ioc)


def _listed_pvs(ioc: IocProcess) -> list[str]:
    text = Path(ioc.log_path).read_text()
    block = text.split("PVs available:", 1)[1]
    names = []
    for line in block.splitlines()[1:]:
        if not line.startswith("    "):
            break
        names.append(line.strip())
    return names


def test_every_writable_pv_is_audited_or_refuses_every_write(ioc: IocProcess) -> None:
    """Writable PVs from the running IOC: the listed PVs and every motor-record field."""
    import epics
    from caproto.server.records import records

    listed = _listed_pvs(ioc)
    assert f"{ioc.prefix}{M}" in listed and f"{ioc.prefix}{M}:RbvPosts_RBV" in listed
    fields = [p.pvspec.name for p in records[_read(_pv(ioc, ".RTYP"))]._pvs_.values()]
    names = [n for n in listed if n != f"{ioc.prefix}{M}"]
    names += [f"{ioc.prefix}{M}.{field}" for field in ["VAL", *fields]]
    channels = {name: epics.PV(name, auto_monitor=False) for name in names}
    assert all(ch.wait_for_connection(5) for ch in channels.values())
    writable = {name for name, ch in channels.items() if ch.write_access}
    audited = {_pv(ioc, suffix) for suffix, _, _ in REFUSED} | {
        _pv(ioc, suffix) for suffix, *_ in ACCEPTED
    }
    assert {name for name in audited if channels[name].write_access} == audited - {
        _pv(ioc, s) for s, _, r in REFUSED if r == "Write access denied"
    }
    others = sorted(writable - audited)
    assert len(others) > 50  # JOGF, RLV, SCAN, HOPR, ...: refused below
    for name in others:
        before = _value(name)
        kind = str(channels[name].type)
        value = ["x"] if "string" in kind or "char" in kind else ["1"]
        value = ["-n", "1"] if "enum" in kind else value
        code, text = _caput_both([*value[:-1], name, value[-1]])
        field = name.rsplit(".", 1)[1]
        assert code != 0 and f"{field} is not supported by the simulator" in text, text
        assert _value(name) == before, name
    _answers(ioc)
    assert wait_until(lambda: _read(_pv(ioc, ".DMOV")) == "1", 5)
