"""The payload size a CA header claims (pure)."""

from __future__ import annotations

import struct

import caproto as ca

from chartioc.iocs.common.ca_header import claimed_payload


def test_a_plain_header_claims_its_16_bit_size() -> None:
    create = bytes(ca.CreateChanRequest("BL:motor.RBV", 1, 13))
    assert claimed_payload(create) == len(create) - 16
    assert claimed_payload(create[:16]) == len(create) - 16  # the header alone tells
    assert claimed_payload(create[:15]) is None


def test_an_extended_header_claims_its_32_bit_size() -> None:
    header = struct.pack(">HHHHIIII", 19, 0xFFFF, 6, 0, 1, 2, 0xFFFFFFF0, 8)
    assert claimed_payload(header) == 0xFFFFFFF0
    assert claimed_payload(header[:20]) is None  # the real size not here yet
    # size 0xFFFF with a count is a plain header of 65535 bytes
    assert claimed_payload(struct.pack(">HHHHII", 19, 0xFFFF, 6, 3, 1, 2)) == 0xFFFF
