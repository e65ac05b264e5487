"""Time-ordered record ids (UUID version 7)."""

from __future__ import annotations

import time
import uuid

from guanxi.core.ids import time_ordered_uuid


def test_ids_are_version_7_uuids_that_sort_by_time() -> None:
    first = time_ordered_uuid()
    time.sleep(0.002)
    later = [time_ordered_uuid() for _ in range(1000)]
    assert first.version == 7
    assert first.variant == uuid.RFC_4122
    assert all(first < one for one in later)
    assert len({*later, first}) == 1001
    assert abs((first.int >> 80) - time.time() * 1000) < 5_000  # the first 48 bits are the time in ms
