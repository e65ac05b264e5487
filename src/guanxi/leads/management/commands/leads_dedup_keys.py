"""``manage.py leads_dedup_keys``: fill the duplicate check's key table anew from every lead, customer and contact."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from guanxi.leads.duplicates import dedup_keys_rebuild


class Command(BaseCommand):
    help = "Rebuild the duplicate-check keys of leads, customers and contacts (after a bulk load or an upgrade)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        counts = dedup_keys_rebuild()
        seconds = time.perf_counter() - started
        summary = ", ".join(f"{kind}: {count}" for kind, count in counts.items())
        self.stdout.write(f"duplicate-check keys written in {seconds:.1f} s ({summary})")
