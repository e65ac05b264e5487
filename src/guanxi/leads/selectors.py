"""Scoped reads of leads: every list goes through ``access``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from guanxi.accounts import access
from guanxi.leads.models import OPEN_STATUSES, Lead


def leads_visible(*, actor: Any) -> QuerySet[Lead]:
    return access.scope(actor, Lead.objects.select_related("channel", "owner", "team"))


def pool_leads(*, actor: Any) -> QuerySet[Lead]:
    """Leads the actor could claim now: open, without owner, in the pool of the actor's team."""
    team_id = getattr(actor, "team_id", None)
    if team_id is None:
        return Lead.objects.none()
    return leads_visible(actor=actor).filter(owner__isnull=True, team_id=team_id, status__in=OPEN_STATUSES)
