"""What a CA message header claims, read before caproto buffers its payload (pure).

caproto's server appends every byte a client sends to the circuit's buffer
until the message its header announces is complete, so a header claiming a
4 GB payload makes the IOC hold whatever follows. :func:`claimed_payload`
reads the size from the first header of the unparsed bytes, so that the
circuit can be closed as soon as the claim is over the limit.
"""

from __future__ import annotations

import struct

__all__ = ["claimed_payload"]

_HEADER = struct.Struct(">HHHHII")  # command, payload size, data type, count, p1, p2
_EXTENDED = struct.Struct(">II")  # after a header with size 0xFFFF and count 0


def claimed_payload(buffer: bytes | bytearray | memoryview) -> int | None:
    """The payload size the first CA header in ``buffer`` claims, in bytes.

    None while the header itself is incomplete (fewer than 16 bytes, or 24
    for an extended header: payload size 0xFFFF and count 0, the real size
    and count in the next 8 bytes).
    """
    if len(buffer) < _HEADER.size:
        return None
    _, size, _, count, _, _ = _HEADER.unpack_from(buffer, 0)
    if size != 0xFFFF or count != 0:
        return int(size)
    if len(buffer) < _HEADER.size + _EXTENDED.size:
        return None
    size, _ = _EXTENDED.unpack_from(buffer, _HEADER.size)
    return int(size)
