"""Garbage on the wire: random and malformed bytes to both IOCs' CA ports, then they still serve.

Everything goes to 127.0.0.1 only, to the TCP and UDP ports of the motor IOC
and the chart IOC (each IOC has one port for both). The inputs are
deterministic (a seeded generator) and bounded: a few hundred TCP
connections and datagrams per IOC, each connection closed within a second.

Afterwards: a ``caget`` answers on each IOC, a motor move completes, the chart
IOC draws frames of it, and both IOCs hold exactly the file descriptors and
threads they held before (no leaked sockets).
"""

from __future__ import annotations

import random
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import caproto as ca
import pytest

from chartioc.client.procstats import sample

from conftest import (
    CHART_PORT,
    EXTRA_PORT,
    Beamline,
    caget_value,
    run_tool,
    same_fds_and_threads,
    wait_until,
)

SEED = 20240606
RANDOM_CONNECTIONS = 60  #: per IOC, besides the crafted cases
DATAGRAMS = 400  #: per IOC
SETTLE_SECONDS = 10.0
HEADER = struct.Struct(">HHHHII")  #: command, payload size, data type, count, p1, p2
EXTENDED = struct.Struct(">HHHHIIII")  #: payload size 0xFFFF, count 0, then 32-bit size/count
VERSION = ca.DEFAULT_PROTOCOL_VERSION


def header(command: int, size: int, dtype: int = 0, count: int = 0, p1: int = 0, p2: int = 0):
    """A CA message header (16 bytes, big-endian)."""
    return HEADER.pack(command, size, dtype, count, p1, p2)


def extended(command: int, size: int, count: int, p1: int = 0, p2: int = 0) -> bytes:
    """A CA extended header (24 bytes) claiming a payload of ``size`` bytes."""
    return EXTENDED.pack(command, 0xFFFF, 0, 0, p1, p2, size, count)


def handshake() -> bytes:
    """What a real client sends first: version, host name, user name."""
    return b"".join(
        bytes(c)
        for c in (
            ca.VersionRequest(0, VERSION),
            ca.HostNameRequest("garbage"),
            ca.ClientNameRequest("garbage"),
        )
    )


def tcp_cases(pvname: str, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every TCP input sent to one IOC."""
    version = bytes(ca.VersionRequest(0, VERSION))
    create = bytes(ca.CreateChanRequest(pvname, 1, VERSION))
    for k in range(1, 16):
        yield f"truncated header ({k} bytes)", version[:k]
    yield "truncated create-channel", handshake() + create[: len(create) - 5]
    yield "huge payload size", header(18, 0xFFFE) + b"\x00" * 100
    yield "huge extended payload", extended(18, 0xFFFFFFF0, 1) + rng.randbytes(200)
    yield "huge extended count", handshake() + extended(15, 0, 0xFFFFFFFF, 1, 1)
    yield "version then junk", version + rng.randbytes(512)
    yield "handshake then junk", handshake() + rng.randbytes(2048)
    yield "unknown commands", handshake() + b"".join(header(c, 0) for c in (0x7FFF, 99, 33, 255))
    yield "read of a channel never created", handshake() + header(15, 0, 6, 1, 12345, 1)
    yield (
        "read with a bad type and count",
        handshake() + create + header(15, 0, 999, 0xFFFF, 1, 1) + extended(15, 0, 2**31, 1, 2),
    )
    yield "write of junk", handshake() + create + header(19, 64, 6, 8, 1, 3) + rng.randbytes(64)
    yield "payload size not a multiple of 8", handshake() + header(0, 5) + b"12345"
    yield "a name without its NUL", handshake() + header(18, 8, 0, 0, 1, VERSION) + b"ABCDEFGH"
    for i in range(RANDOM_CONNECTIONS):
        prefix = handshake() if i % 2 else b""
        yield "random bytes", prefix + rng.randbytes(rng.randint(1, 4096))


def udp_cases(pvname: str, rng: random.Random) -> Iterator[bytes]:
    """Every datagram sent to one IOC's search port."""
    version = bytes(ca.VersionRequest(0, VERSION))
    search = bytes(ca.SearchRequest(pvname, 7, VERSION))
    for k in range(1, len(search)):
        yield (version + search)[:k]
    yield version + header(6, 0xFFF0, 5, VERSION, 7, 7) + b"X" * 8  # size beyond the datagram
    yield version + extended(6, 0xFFFFFFF0, 0, 7, 7)
    yield version + rng.randbytes(64)
    yield header(0x7FFF, 0) * 20
    yield b""
    while True:
        yield rng.randbytes(rng.randint(1, 1472))


def send_tcp(port: int, data: bytes, linger: float = 0.05) -> None:
    """Connect, send ``data``, read whatever comes for a moment, close. Never hangs."""
    with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
        try:
            sock.sendall(data)
            sock.settimeout(linger)
            while sock.recv(65536):
                pass
        except (TimeoutError, ConnectionError):
            pass  # the IOC may close on us: that is a fine answer


def send_udp(port: int, datagrams: Iterator[bytes], count: int) -> None:
    """Send ``count`` datagrams, paced so that none is dropped by a full socket buffer."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for i, data in zip(range(count), datagrams, strict=False):
            sock.sendto(data, ("127.0.0.1", port))
            if i % 50 == 49:
                time.sleep(0.01)


@pytest.fixture(scope="module")
def beamline(ioc_log_dir):
    with Beamline(ioc_log_dir, tag="garbage").running() as bl:
        yield bl


def test_garbage_to_both_iocs_leaves_them_serving(beamline):
    bl = beamline
    rng = random.Random(SEED)
    iocs: dict[str, tuple[int, int, str]] = {
        "motor": (bl.motor_ioc.pid, EXTRA_PORT, f"{bl.prefix}motor.RBV"),
        "chart": (bl.chart_ioc.pid, CHART_PORT, f"{bl.chart}Width"),
    }
    before = {name: sample(pid) for name, (pid, _, _) in iocs.items()}
    sent: dict[str, int] = {}
    for name, (_, port, pvname) in iocs.items():
        count = 0
        for _case, data in tcp_cases(pvname, rng):
            send_tcp(port, data)
            count += 1
        send_udp(port, udp_cases(pvname, rng), DATAGRAMS)
        sent[name] = count
    assert bl.motor_ioc.proc.poll() is None, "the motor IOC died"
    assert bl.chart_ioc.proc.poll() is None, "the chart IOC died"

    # Both still serve: a read on each, a move, frames of the move.
    assert caget_value(f"{bl.prefix}motor.DMOV") == "1"
    assert caget_value(f"{bl.chart}Width") == "320"
    uid = bl.uid()
    moved = run_tool("caput", "-c", "-w", "10", f"{bl.prefix}motor.VAL", "1.5")
    assert moved.returncode == 0, moved.stderr
    assert float(caget_value(f"{bl.prefix}motor.RBV")) == pytest.approx(1.5)
    assert wait_until(lambda: bl.uid() > uid, 5), "no frames after the garbage"
    assert bl.get("Status_RBV").startswith("OK"), bl.get("Status_RBV")

    # No socket left behind.
    def settled() -> bool:
        return all(
            same_fds_and_threads(sample(pid), before[name]) for name, (pid, _, _) in iocs.items()
        )

    ok = wait_until(settled, SETTLE_SECONDS, 0.2)
    after = {name: sample(pid) for name, (pid, _, _) in iocs.items()}
    for name in iocs:
        print(
            f"\n{name} IOC: {sent[name]} TCP connections and {DATAGRAMS} datagrams of garbage; "
            f"fds {before[name].fds} -> {after[name].fds}, threads {before[name].threads} -> "
            f"{after[name].threads}"
        )
    assert ok, {name: (before[name], after[name]) for name in iocs}
    # Each refused circuit is one log line, never a traceback (caproto_fixes), no
    # command task ends on an error no one retrieved, and no closed circuit's task is
    # destroyed pending (its command task is cancelled).
    for ioc in (bl.motor_ioc, bl.chart_ioc):
        log = Path(ioc.log_path).read_text(errors="replace")
        for text in ("Traceback", "Task exception was never retrieved", "Task was destroyed"):
            assert text not in log, f"{text!r} in {ioc.log_path}"


def rss_mib(pid: int) -> float:
    return sample(pid).rss / 2**20


def test_a_4_gb_claim_closes_the_circuit_at_once_and_costs_no_memory(beamline):
    """A write header claiming 4 GB, then 200 MB of bytes: the IOC closes that circuit at
    once (one log line) instead of holding what follows; other clients go on."""
    bl = beamline
    pid = bl.motor_ioc.pid
    before = rss_mib(pid)
    log_start = Path(bl.motor_ioc.log_path).stat().st_size  # the garbage test wrote before
    chunk = b"\x00" * 2**20
    sent = 0
    with socket.create_connection(("127.0.0.1", EXTRA_PORT), timeout=5.0) as sock:
        try:
            sock.sendall(handshake() + extended(19, 0xFFFFFFF0, 1, 1, 1))
            while sent < 200 * 2**20:
                sock.sendall(chunk)
                sent += len(chunk)
            closed = sock.recv(1) == b""
        except (ConnectionError, TimeoutError):
            closed = True
    grown = rss_mib(pid) - before
    print(f"\n4 GB claim: {sent / 2**20:.0f} MiB sent before the IOC closed; RSS {grown:+.1f} MiB")
    assert closed, "the circuit stayed open"
    assert sent < 200 * 2**20, "the IOC took all 200 MB"
    assert grown < 20, f"RSS grew by {grown:.1f} MiB"
    assert caget_value(f"{bl.prefix}motor.DMOV") == "1"  # serving
    log = Path(bl.motor_ioc.log_path).read_bytes()[log_start:].decode(errors="replace")
    assert log.count("claims 4294967280 bytes of payload") == 1, log[-2000:]


def test_a_channel_id_never_created_closes_the_circuit_with_one_line(beamline):
    bl = beamline
    with socket.create_connection(("127.0.0.1", CHART_PORT), timeout=5.0) as sock:
        sock.sendall(handshake() + header(15, 0, 6, 1, 12345, 1))  # read of sid 12345
        deadline = time.monotonic() + 5.0
        closed = False
        while time.monotonic() < deadline:
            try:
                if sock.recv(65536) == b"":
                    closed = True
                    break
            except ConnectionError:
                closed = True
                break
    assert closed, "the circuit stayed open"
    assert caget_value(f"{bl.chart}Width") == "320"  # serving
    log = Path(bl.chart_ioc.log_path).read_text(errors="replace")
    assert "names channel id 12345, never created" in log, log[-2000:]
    assert "exception=KeyError" not in log  # caproto's own end of the command task
