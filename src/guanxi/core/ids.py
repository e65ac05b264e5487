"""Record ids that sort by creation time: UUID version 7 (RFC 9562).

A bulk write of new records with random (version 4) ids inserts every id, and every foreign key to it,
at a random place in its index; ids that grow with time are appended near the end, where the pages
are already in memory. They are ordinary UUIDs to everything else.
"""

from __future__ import annotations

import os
import time
import uuid

_VERSION_7 = 0x7 << 76
_VARIANT = 0b10 << 62


def time_ordered_uuid() -> uuid.UUID:
    """48 bits of Unix time in milliseconds, the version, then 74 random bits."""
    millis = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80 | _VERSION_7 | (random >> 68) << 64 | _VARIANT | (random & ((1 << 62) - 1))
    return uuid.UUID(int=value)
