"""Leads API: leads (mounted at /api/v1 in guanxi/api.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status

from guanxi.accounts.api_auth import request_user
from guanxi.accounts.selectors import assignable_user_get
from guanxi.core.pagination import MAX_LIMIT, Page, bounded
from guanxi.leads import selectors, services
from guanxi.leads.models import Lead
from guanxi.leads.schemas.leads import (
    AssignIn,
    ConvertIn,
    ConvertOut,
    FollowUpIn,
    LeadEventOut,
    LeadFilters,
    LeadIn,
    LeadOut,
    LeadPatch,
    StatusIn,
)

router = Router(tags=["leads"])


@router.get("/leads", response=Page[LeadOut])
def lead_list(request: HttpRequest, filters: Query[LeadFilters]) -> dict[str, Any]:
    """Leads the caller sees; ``pool=true``: the leads waiting in the caller's team pool, to claim."""
    return selectors.lead_page(
        actor=request_user(request),
        order=filters.ordering or None,
        limit=filters.limit,
        cursor=filters.cursor,
        **filters.selector_filters(),
    )


@router.post("/leads", response={201: LeadOut})
def lead_create(request: HttpRequest, payload: LeadIn) -> Status[Lead]:
    """A lead from an integration: cleaned, graded, assigned or pooled. A lead failing a cleaning
    rule is kept and returned as ``rejected`` with its reasons (still 201)."""
    actor = request_user(request)
    channel = selectors.channel_for_entry(pk=payload.channel_id)
    return Status(201, services.lead_create(actor=actor, channel=channel, raw=payload.raw(), source="api"))


@router.get("/leads/{lead_id}", response=LeadOut)
def lead_get(request: HttpRequest, lead_id: UUID) -> Lead:
    return selectors.lead_detail(actor=request_user(request), pk=lead_id)


@router.patch("/leads/{lead_id}", response=LeadOut)
def lead_update(request: HttpRequest, lead_id: UUID, payload: LeadPatch) -> Lead:
    actor = request_user(request)
    lead = selectors.lead_detail(actor=actor, pk=lead_id)
    services.lead_update(actor=actor, lead=lead, version=payload.version, **payload.given())
    return selectors.lead_detail(actor=actor, pk=lead_id)


@router.post("/leads/{lead_id}/claim", response=LeadOut)
def lead_claim(request: HttpRequest, lead_id: UUID) -> Lead:
    """Take the lead from the pool: 200 for the one who gets it, 409 for everyone else."""
    actor = request_user(request)
    services.lead_claim(actor=actor, lead_id=lead_id)
    return selectors.lead_detail(actor=actor, pk=lead_id)


@router.post("/leads/{lead_id}/follow-ups", response={201: LeadOut})
def lead_follow_up(request: HttpRequest, lead_id: UUID, payload: FollowUpIn) -> Status[Lead]:
    """Record a follow-up; a new or recycled lead becomes *contacted*."""
    actor = request_user(request)
    lead = selectors.lead_detail(actor=actor, pk=lead_id)
    services.lead_follow_up(
        actor=actor,
        lead=lead,
        channel=payload.channel,
        summary=payload.summary,
        outcome=payload.outcome or "",
        next_step=payload.next_step,
        version=payload.version,
    )
    return Status(201, selectors.lead_detail(actor=actor, pk=lead_id))


@router.post("/leads/{lead_id}/status", response=LeadOut)
def lead_set_status(request: HttpRequest, lead_id: UUID, payload: StatusIn) -> Lead:
    actor = request_user(request)
    lead = selectors.lead_detail(actor=actor, pk=lead_id)
    services.lead_set_status(
        actor=actor, lead=lead, status=payload.status, version=payload.version, reason=payload.reason
    )
    return selectors.lead_detail(actor=actor, pk=lead_id)


@router.post("/leads/{lead_id}/convert", response={201: ConvertOut})
def lead_convert(request: HttpRequest, lead_id: UUID, payload: ConvertIn) -> Status[dict[str, Any]]:
    """The lead becomes a customer with its contact, or joins the visible customer ``customer_id``."""
    actor = request_user(request)
    lead = selectors.lead_detail(actor=actor, pk=lead_id)
    existing = None
    if payload.customer_id is not None:
        existing = selectors.customer_for_conversion(actor=actor, pk=payload.customer_id)
    customer = services.lead_convert(actor=actor, lead=lead, customer=existing, version=payload.version)
    return Status(201, {"customer_id": customer.pk, "lead": selectors.lead_detail(actor=actor, pk=lead_id)})


@router.post("/leads/{lead_id}/assign", response=LeadOut)
def lead_assign(request: HttpRequest, lead_id: UUID, payload: AssignIn) -> Lead:
    """Hand the lead to an active user (needs the assign permission)."""
    actor = request_user(request)
    lead = selectors.lead_detail(actor=actor, pk=lead_id)
    owner = assignable_user_get(pk=payload.owner_id)
    return services.lead_assign(actor=actor, lead=lead, owner=owner, version=payload.version)


@router.get("/leads/{lead_id}/events", response=Page[LeadEventOut])
def lead_events(request: HttpRequest, lead_id: UUID) -> dict[str, Any]:
    """The lead's history, newest first."""
    actor = request_user(request)
    lead = selectors.lead_detail(actor=actor, pk=lead_id)
    return bounded(selectors.lead_timeline(actor=actor, lead=lead, limit=MAX_LIMIT + 1), limit=MAX_LIMIT)
