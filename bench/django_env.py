"""Set Django up once for benchmarks, on a throwaway SQLite database (or DATABASE_URL if given)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile


def setup() -> None:
    """Point Guanxi at a temporary var/ (unless DATABASE_URL says otherwise), migrate, done."""
    import django
    from django.apps import apps

    if apps.ready:
        return
    if "GUANXI_VAR_DIR" not in os.environ and "DATABASE_URL" not in os.environ:
        scratch = tempfile.mkdtemp(prefix="guanxi-bench-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        os.environ["GUANXI_VAR_DIR"] = scratch
    os.environ.setdefault("GUANXI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("GUANXI_TOKEN_RATE", "1000000/m")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
