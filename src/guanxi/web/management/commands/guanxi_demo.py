from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from guanxi.web.demo import DEMO_PASSWORD, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load the demo organisation, logins and customers (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo_load()
        state = "created" if created else "already present"
        logins = ", ".join(name for name, *_rest in DEMO_USERS)
        self.stdout.write(f"Demo data {state}. Logins: {logins} (password: {DEMO_PASSWORD})")
