"""Set Django up once for benchmarks, on a throwaway SQLite database (or DATABASE_URL if given)."""

from __future__ import annotations

import os
import tempfile


def setup() -> None:
    """Point Guanxi at a temporary var/ (unless DATABASE_URL says otherwise), migrate, done."""
    import django
    from django.apps import apps

    if apps.ready:
        return
    os.environ.setdefault("GUANXI_VAR_DIR", tempfile.mkdtemp(prefix="guanxi-bench-"))
    os.environ.setdefault("GUANXI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("GUANXI_TOKEN_RATE", "1000000/m")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
