"""Channel Access limits that both sides must agree on, defined once.

The IOCs (what a PV accepts and serves), the renderer (what it draws), the
client tools and the GUI (what libca must be allowed to receive) import these;
none of them retypes a number. Pure constants: no Channel Access library is
imported, so every layer may use this module (``docs/architecture.md``,
*Layers*).
"""

from __future__ import annotations

__all__ = [
    "FRAME_SIDES",
    "MAX_ARRAY_BYTES",
    "MAX_FRAME_BYTES",
    "MAX_FRAME_SIDE",
    "MAX_STRING",
    "MAX_UNITS",
    "MIN_FRAME_SIDE",
]

#: Characters of a DBR_STRING: 40 bytes with the terminating NUL (PV names, titles,
#: ``Status_RBV``, a motor's DESC).
MAX_STRING = 39
#: Characters of a channel's units: 8 bytes with the terminating NUL (a motor's EGU).
MAX_UNITS = 7
#: Smallest and largest side of a chart frame in pixels: what ``Width`` and ``Height``
#: accept (and publish as display limits) and what the renderer draws.
MIN_FRAME_SIDE = 64
MAX_FRAME_SIDE = 2048
FRAME_SIDES = (MIN_FRAME_SIDE, MAX_FRAME_SIDE)
#: Bytes of the largest frame, an RGB1 image ``MAX_FRAME_SIDE`` a side: the fixed length
#: of every ``ArrayData`` PV.
MAX_FRAME_BYTES = MAX_FRAME_SIDE * MAX_FRAME_SIDE * 3
#: ``EPICS_CA_MAX_ARRAY_BYTES`` for libca clients (needed before EPICS base 3.16.1):
#: the largest frame plus room for the message header.
MAX_ARRAY_BYTES = MAX_FRAME_BYTES + 4096
