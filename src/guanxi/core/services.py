"""Platform writes: worker health pings and the purge of stored idempotent answers."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
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
