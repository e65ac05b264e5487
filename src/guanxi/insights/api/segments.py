"""/api/v1/insights: segments, their members, history and curves, the rule fields, a customer's segments."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status

from guanxi.accounts.api_auth import request_user
from guanxi.core.pagination import Page, bounded
from guanxi.customers import selectors as customer_selectors
from guanxi.insights import segments
from guanxi.insights.schemas.segments import (
    CurvesOut,
    CustomerSegmentOut,
    FieldOut,
    HistoryOut,
    MembersFilters,
    MembersPage,
    RefreshOut,
    SegmentIn,
    SegmentOut,
    SegmentPatch,
)
from guanxi.insights.segments.rules import op_label

router = Router(tags=["insights"])


def _out(row: segments.SegmentRow) -> dict[str, Any]:
    segment = row.segment
    return {
        "id": segment.pk,
        "name": segment.name,
        "name_en": segment.name_en,
        "description": segment.description,
        "rule": segment.rule,
        "is_active": segment.is_active,
        "teams": [{"id": team.pk, "name": team.name} for team in segment.teams.all()],
        "members": row.members,
        "members_total": row.members_total,
        "evaluated_at": segment.evaluated_at,
        "curves_visible": row.curves_visible,
        "version": segment.version,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
    }


def _fresh(request: HttpRequest, segment_id: Any) -> dict[str, Any]:
    actor = request_user(request)
    return _out(segments.segment_row(actor=actor, segment=segments.segment_get(actor=actor, pk=segment_id)))


@router.get("/segments", response=Page[SegmentOut])
def segment_list(request: HttpRequest) -> dict[str, Any]:
    """Every segment; member counts cover the customers the caller sees (managers also get the totals)."""
    rows = segments.segment_list(actor=request_user(request))
    return bounded([_out(row) for row in rows], limit=500)


@router.post("/segments", response={201: SegmentOut})
def segment_create(request: HttpRequest, payload: SegmentIn) -> Status[dict[str, Any]]:
    """Create a segment (value managers); its members are computed right away."""
    data = payload.model_dump()
    segment = segments.segment_create(actor=request_user(request), **data)
    return Status(201, _fresh(request, segment.pk))


@router.get("/segments/{segment_id}", response=SegmentOut)
def segment_get(request: HttpRequest, segment_id: UUID) -> dict[str, Any]:
    return _fresh(request, segment_id)


@router.patch("/segments/{segment_id}", response=SegmentOut)
def segment_update(request: HttpRequest, segment_id: UUID, payload: SegmentPatch) -> dict[str, Any]:
    """Change a segment or its teams (value managers); a changed rule recomputes the members."""
    actor = request_user(request)
    segment = segments.segment_get(actor=actor, pk=segment_id)
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    changes = {key: value for key, value in changes.items() if value is not None}
    segments.segment_update(actor=actor, segment=segment, version=payload.version, changes=changes)
    return _fresh(request, segment_id)


@router.delete("/segments/{segment_id}", response={204: None})
def segment_delete(request: HttpRequest, segment_id: UUID, version: int | None = None) -> Status[None]:
    actor = request_user(request)
    segment = segments.segment_get(actor=actor, pk=segment_id)
    segments.segment_delete(actor=actor, segment=segment, version=version)
    return Status(204, None)


@router.post("/segments/{segment_id}/refresh", response=RefreshOut)
def segment_refresh(request: HttpRequest, segment_id: UUID) -> dict[str, Any]:
    """Recompute the members now (value managers)."""
    actor = request_user(request)
    segment = segments.segment_get(actor=actor, pk=segment_id)
    result = segments.segment_refresh(actor=actor, segment=segment)
    return result["segments"][str(segment.pk)]  # type: ignore[no-any-return]


@router.get("/segments/{segment_id}/members", response=MembersPage)
def segment_members(request: HttpRequest, segment_id: UUID, filters: Query[MembersFilters]) -> dict[str, Any]:
    """The members the caller sees, newest first."""
    actor = request_user(request)
    segment = segments.segment_get(actor=actor, pk=segment_id)
    page = segments.segment_members_page(
        actor=actor, segment=segment, order=filters.ordering or None, limit=filters.limit, cursor=filters.cursor
    )
    page["items"] = [_member(member) for member in page["items"]]
    return page


def _member(member: Any) -> dict[str, Any]:
    customer = member.customer
    value = getattr(customer, "value", None)
    return {
        "customer_id": customer.pk,
        "name": customer.name,
        "owner": str(customer.owner),
        "since": member.since,
        "value_class": value.value_class if value else None,
        "profit": value.profit if value else None,
        "revenue": value.revenue if value else None,
    }


@router.get("/segments/{segment_id}/history", response=HistoryOut)
def segment_history(request: HttpRequest, segment_id: UUID) -> dict[str, Any]:
    """Size snapshots (value managers) and recent joins and leaves of customers the caller sees."""
    actor = request_user(request)
    history = segments.segment_history(actor=actor, segment=segments.segment_get(actor=actor, pk=segment_id))
    return {
        "totals_visible": history.totals_visible,
        "snapshots": history.snapshots,
        "changes": [
            {"customer_id": c.customer_id, "customer_name": c.customer.name, "on": c.on, "joined": c.joined}
            for c in history.changes
        ],
    }


@router.get("/segments/{segment_id}/curves", response=CurvesOut)
def segment_curves(request: HttpRequest, segment_id: UUID) -> dict[str, Any]:
    """Cohort curve, days between purchases and the spend trend with its forecast (value managers and mapped teams)."""
    actor = request_user(request)
    stored = segments.segment_curves(actor=actor, segment=segments.segment_get(actor=actor, pk=segment_id))
    return {
        "as_of": max((curve.as_of for curve in stored.values()), default=None),
        **{kind: stored[kind].data if kind in stored else None for kind in ("cohort", "interpurchase", "trend")},
    }


@router.get("/segment-fields", response=list[FieldOut])
def segment_fields(request: HttpRequest) -> list[dict[str, Any]]:
    """The fields a rule may use, with their operators and choices."""
    request_user(request)
    return [
        {
            "key": key,
            "label": str(spec.label),
            "group": str(spec.group),
            "type": spec.type,
            "ops": [{"value": op, "label": op_label(key, op)} for op in spec.ops],
            "choices": [{"value": value, "label": str(label)} for value, label in spec.choices],
        }
        for key, spec in segments.FIELDS.items()
    ]


@router.get("/customers/{customer_id}/segments", response=list[CustomerSegmentOut])
def customer_segments(request: HttpRequest, customer_id: UUID) -> list[dict[str, Any]]:
    """The active segments a customer is in now (404 for customers the caller does not see)."""
    actor = request_user(request)
    customer = customer_selectors.customer_get(actor=actor, pk=customer_id)
    return [
        {"segment_id": m.segment_id, "name": m.segment.name, "name_en": m.segment.name_en, "since": m.since}
        for m in segments.customer_segments(actor=actor, customer=customer)
    ]
