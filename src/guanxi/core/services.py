"""Platform writes: worker health pings and the purge of stored idempotent answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model
from django.utils import timezone

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.models import HealthPing, IdempotencyRecord


def health_ping_request(*, actor: User) -> HealthPing:
    """Record a ping and hand it to the worker once the row is committed."""
    access.ensure_perm(actor, Perm.VIEW_SYSTEM)
    ping = HealthPing.objects.create(requested_by=actor, requested_at=timezone.now())
    from guanxi.core.tasks import health_ping_process

    transaction.on_commit(lambda: health_ping_process(ping.pk))
    return ping


def health_ping_mark_processed(*, ping_id: int, worker: str) -> None:
    HealthPing.objects.filter(pk=ping_id, processed_at__isnull=True).update(processed_at=timezone.now(), worker=worker)


def idempotency_records_purge() -> int:
    """Forget stored Idempotency-Key answers older than the replay window; returns how many."""
    cutoff = timezone.now() - timedelta(hours=settings.GUANXI_IDEMPOTENCY_HOURS)
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def planner_statistics_refresh(models: Sequence[type[Model]] = (), using: str = DEFAULT_DB_ALIAS) -> None:
    """Let the database's query planner know the tables' sizes and how selective each index is.

    Without statistics SQLite guesses that every index narrows a table to ten rows, and then
    reads a manager's whole team (hundreds of thousands of customers) instead of the few
    search candidates: 400 ms instead of 10 ms at a million customers. PostgreSQL's autovacuum
    gathers them by itself, but only some time after a bulk load. Run nightly, after ``guanxi
    demo`` and after large imports (``models``: only their tables; default: every table).

    SQLite reads every index in full (no ``analysis_limit``): a sample of the first index rows
    sees one owner or team and takes it for the average (1,000 customers per owner instead of
    20,000), which again turns the plans around.
    """
    connection = connections[using]
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in tables or [""]:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}" if table else "ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
