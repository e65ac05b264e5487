"""Duplicate candidates of a lead, and merging, linking and dismissing (mounted at /api/v1)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router

from guanxi.accounts.api_auth import request_user
from guanxi.leads import duplicates, selectors
from guanxi.leads.models import Lead
from guanxi.leads.schemas.duplicates import DuplicatesOut, LeadStateOut, LinkIn, MergeIn

router = Router(tags=["leads"])


@router.get("/leads/{lead_id}/duplicates", response=DuplicatesOut)
def duplicates_list(request: HttpRequest, lead_id: UUID) -> dict[str, Any]:
    """Other leads, customers and contacts judged the same as this lead; hidden ones without their name."""
    actor = request_user(request)
    lead = selectors.lead_detail(actor=actor, pk=lead_id)
    items = duplicates.lead_duplicates(actor=actor, lead=lead)
    return {"lead_id": lead.pk, "duplicate_state": lead.duplicate_state, "items": items}


@router.post("/leads/{lead_id}/merge", response=LeadStateOut)
def lead_merge(request: HttpRequest, lead_id: UUID, payload: MergeIn) -> Lead:
    """Close this lead as a duplicate of ``into_lead_id``; answers with the lead that stays."""
    actor = request_user(request)
    lead = selectors.lead_detail(actor=actor, pk=lead_id)
    into = selectors.lead_detail(actor=actor, pk=payload.into_lead_id)
    return duplicates.lead_merge(actor=actor, lead=lead, into_lead=into, version=payload.version)


@router.post("/leads/{lead_id}/link", response=LeadStateOut)
def lead_link(request: HttpRequest, lead_id: UUID, payload: LinkIn) -> Lead:
    """This lead is (someone at) an existing customer: link it; it stays open."""
    actor = request_user(request)
    lead = selectors.lead_detail(actor=actor, pk=lead_id)
    customer = duplicates.customer_get(actor=actor, pk=payload.customer_id)
    return duplicates.lead_link(actor=actor, lead=lead, customer=customer, version=payload.version)


@router.post("/leads/{lead_id}/duplicates/{candidate_id}/dismiss", response=LeadStateOut)
def duplicate_dismiss(request: HttpRequest, lead_id: UUID, candidate_id: int) -> Lead:
    """Not the same: the candidate goes away."""
    actor = request_user(request)
    lead = selectors.lead_detail(actor=actor, pk=lead_id)
    candidate = duplicates.candidate_get(lead=lead, pk=candidate_id)
    return duplicates.lead_duplicate_dismiss(actor=actor, lead=lead, candidate=candidate)
