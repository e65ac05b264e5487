"""Scoped reads of leads: every list goes through ``access``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.errors import NotFound, field_error
from guanxi.core.pagination import DEFAULT_LIMIT, Ordering, paginate
from guanxi.customers.models import Customer
from guanxi.leads import reports
from guanxi.leads.models import NO_GRADE, OPEN, OPEN_STATUSES, Channel, Lead, LeadEvent

LEAD_ORDERING = Ordering(
    fields={"created_at": "created_at:datetime", "updated_at": "updated_at:datetime", "score": "score:int"},
    default="-created_at",
)
TIMELINE_LIMIT = 200
MIN_PHONE_DIGITS = 3
NONE: Literal["none"] = "none"  # owner_id / team_id: leads without one (the pool; no team)


def leads_visible(*, actor: Any) -> QuerySet[Lead]:
    return access.scope(actor, Lead.objects.select_related("channel", "owner", "team"))


def pool_leads(*, actor: Any) -> QuerySet[Lead]:
    """Leads the actor could claim now: open, without owner, in the pool of the actor's team."""
    team_id = getattr(actor, "team_id", None)
    if team_id is None:
        return Lead.objects.none()
    return leads_visible(actor=actor).filter(owner__isnull=True, team_id=team_id, status__in=OPEN_STATUSES)


def lead_search_q(q: str) -> Q:
    """Leads by name, company, e-mail or phone (any part of the number as typed or in E.164)."""
    text = " ".join(q.split())
    if not text:
        return Q()
    found = Q(name__icontains=text) | Q(company__icontains=text) | Q(email__icontains=text) | Q(phone__contains=text)
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= MIN_PHONE_DIGITS and len(digits) >= len(text.replace(" ", "").replace("-", "")) - 1:
        found |= Q(phone_e164__contains=digits.lstrip("0"))
    return found


def lead_list(
    *,
    actor: Any,
    q: str = "",
    status: str = "",
    grades: Sequence[str] = (),
    channel_id: Any = None,
    owner_id: int | Literal["none"] | None = None,
    team_id: int | Literal["none"] | None = None,
    pool: bool = False,
    created_from: date | None = None,
    created_to: date | None = None,
    duplicate_state: str | None = None,
    reached: str | None = None,
) -> QuerySet[Lead]:
    """The leads the actor sees (``pool``: only those the actor could claim now), filtered.

    ``owner_id``/``team_id`` ``"none"``: leads without owner (in a pool) or without team; ``grades`` may hold
    ``"none"``: leads without a grade. ``reached``: a funnel step (new, contacted, qualified, converted) or
    "recycled" (back in the pool at some time) — the leads the actor works with that reached it, counted as
    the funnel counts them (``reports.reached_q``), so a funnel number and its list agree.
    """
    qs = pool_leads(actor=actor) if pool else leads_visible(actor=actor)
    if reached is not None:
        step = reports.reached_q(reached)
        worked = reports.worked_q(actor)
        qs = qs.none() if worked is None else qs.filter(worked).filter(step)
    if q:
        qs = qs.filter(lead_search_q(q))
    if status == OPEN:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if grades:
        qs = qs.filter(grade__in=["" if grade == NO_GRADE else grade for grade in grades])
    if channel_id is not None:
        qs = qs.filter(channel_id=channel_id)
    if owner_id == NONE:
        qs = qs.filter(owner__isnull=True)
    elif isinstance(owner_id, int):
        qs = qs.filter(owner_id=owner_id)
    if team_id == NONE:
        qs = qs.filter(team__isnull=True)
    elif isinstance(team_id, int):
        qs = qs.filter(team_id=team_id)
    # Days are clamped to the reports' 1900–2999 (no lead lies outside; year 1 or 9999 would overflow in UTC).
    if created_from is not None and created_from > reports.EARLIEST:
        qs = qs.filter(created_at__gte=reports.local_day_start(min(created_from, reports.LATEST)))
    if created_to is not None and created_to < reports.LATEST:
        day_after = max(created_to, reports.EARLIEST) + timedelta(days=1)
        qs = qs.filter(created_at__lt=reports.local_day_start(day_after))
    if duplicate_state is not None:
        qs = qs.filter(duplicate_state=duplicate_state)
    return qs


def lead_page(
    *, actor: Any, order: str | None = None, limit: int = DEFAULT_LIMIT, cursor: str | None = None, **filters: Any
) -> dict[str, Any]:
    """One keyset page of ``lead_list`` (``items``, ``limit``, ``next_cursor``): two queries at any depth."""
    return paginate(lead_list(actor=actor, **filters), ordering=LEAD_ORDERING, order=order, limit=limit, cursor=cursor)


def lead_detail(*, actor: Any, pk: Any) -> Lead:
    """One lead the actor sees (its pool's leads included); ``NotFound`` when missing or hidden."""
    return access.get_visible(
        actor, Lead.objects.select_related("channel", "owner", "team", "customer", "updated_by"), pk=pk
    )


def lead_timeline(*, actor: Any, lead: Lead, limit: int = TIMELINE_LIMIT) -> list[LeadEvent]:
    """The lead's history, newest first, with who did each step (one query)."""
    access.ensure(actor, "view", lead)
    return list(
        LeadEvent.objects.filter(lead=lead)
        .select_related("actor", "owner", "team")
        .order_by("-created_at", "-id")[:limit]
    )


def channel_choices(*, active_only: bool = True) -> QuerySet[Channel]:
    """Channels to pick from (lead filters, the new-lead form)."""
    qs = Channel.objects.order_by("name")
    return qs.filter(is_active=True) if active_only else qs


def channel_get_active(*, pk: Any) -> Channel | None:
    """An active channel by id, or None (unknown, inactive or a malformed id)."""
    try:
        return Channel.objects.filter(pk=pk, is_active=True).first()
    except (ValueError, TypeError, ValidationError):
        return None


def customer_for_conversion(*, actor: Any, pk: Any) -> Customer:
    """A customer the actor may see, to join a converted lead to; others are a field error (422)."""
    try:
        return access.get_visible(actor, Customer.objects.select_related("owner"), pk=pk)
    except NotFound:
        raise field_error("customer_id", _("Unknown customer.")) from None


def channel_for_entry(*, pk: Any) -> Channel:
    """The active channel a new lead comes through; unknown or inactive is a field error (422)."""
    channel = channel_get_active(pk=pk)
    if channel is None:
        raise field_error("channel_id", _("Unknown or inactive channel."))
    return channel


def customer_pick(*, actor: Any, q: str, limit: int = 10) -> list[Customer]:
    """Visible customers whose name contains ``q`` (the conversion form's picker)."""
    text = " ".join(q.split())
    if not text:
        return []
    return list(access.scope(actor, Customer.objects.filter(name__icontains=text)).order_by("name")[:limit])


def lead_events_for_customer(*, customer: Customer) -> QuerySet[LeadEvent]:
    """History of the leads converted into (or linked to) this customer, for the customer's timeline.

    The customer's timeline checks the customer's visibility; the events of its leads come with it.
    """
    return LeadEvent.objects.filter(lead__customer=customer).select_related("lead")


def assignee_choices() -> QuerySet[User]:
    """Active people a lead may be handed to (the assign form), by team then name."""
    return (
        User.objects.filter(is_active=True, is_system=False)
        .select_related("team")
        .order_by("team__name", "display_name", "username")
    )
