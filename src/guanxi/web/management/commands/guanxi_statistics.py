from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from guanxi.core.services import planner_statistics_refresh


class Command(BaseCommand):
    help = (
        "Refresh the query planner's statistics (table sizes, index selectivity). The worker does this nightly; "
        "run it after loading or deleting many rows outside Guanxi's imports."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        planner_statistics_refresh()
        self.stdout.write("Planner statistics refreshed.")
