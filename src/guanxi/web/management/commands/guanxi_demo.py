from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guanxi.core.services import planner_statistics_refresh
from guanxi.web.demo import DEMO_PASSWORD, DEMO_USERS, demo_load
from guanxi.web.demo_leads import demo_leads_load
from guanxi.web.demo_scale import DEFAULT_SEED
from guanxi.web.demo_scale.load import DemoScaleRefused, demo_scale_load
from guanxi.web.demo_value import demo_value_load


class Command(BaseCommand):
    help = (
        "Load the demo organisation, logins and customers (idempotent). With --customers N, also N generated "
        "customers with contacts, interactions and about 20 order lines each, loaded in bulk (for benchmarks)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--customers", type=int, default=None, help="generate this many customers in bulk")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated data")
        parser.add_argument(
            "--force", action="store_true", help="generate even if the database holds customers that are not demo data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logins = ", ".join(name for name, *_rest in DEMO_USERS)
        count = options["customers"]
        if count is None:
            created = demo_load()
            if demo_value_load():
                created = True
                self.stdout.write("Value demo: generated customers, grading, segments and three monthly value runs.")
            if demo_leads_load():
                created = True
                self.stdout.write("Lead demo: five channels with costs and half a year of leads.")
            if created:
                planner_statistics_refresh()
            state = "created" if created else "already present"
            self.stdout.write(f"Demo data {state}. Logins: {logins} (password: {DEMO_PASSWORD})")
            return
        if count < 0:
            raise CommandError("--customers must be zero or more")
        try:
            result = demo_scale_load(
                customers=count, seed=options["seed"], force=options["force"], progress=self._progress
            )
        except DemoScaleRefused as refused:
            raise CommandError(str(refused)) from refused
        planner_statistics_refresh()  # also when resuming: an interrupted load may have ended before it
        if result.created == 0:
            self.stdout.write(f"{result.customers:,} generated customers already present (seed {options['seed']}).")
        else:
            lines = result.rows.get("lines", 0)
            self.stdout.write(
                f"Generated {result.created:,} customers and {lines:,} order lines in {result.seconds:.0f} s "
                f"(seed {options['seed']})."
            )
        self.stdout.write(f"Logins: {logins} and more reps (password: {DEMO_PASSWORD})")

    def _progress(self, message: str) -> None:
        self.stdout.write(f"  {message}")
        self.stdout.flush()
