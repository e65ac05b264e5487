"""/api/v1/saved-views: named filters + columns of a list, per user, shareable."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from guanxi.accounts.api_auth import request_user
from guanxi.core import saved_views
from guanxi.core.models import SavedView, ViewSharing
from guanxi.core.pagination import MAX_LIMIT, Page, bounded
from guanxi.core.schemas import InputSchema

router = Router(tags=["saved views"])

FilterValue = int | str | None


class SavedViewOut(Schema):
    id: UUID
    record_type: str
    name: str
    filters: dict[str, Any]
    columns: list[str]
    sharing: str
    owner_id: int
    owner_name: str
    mine: bool
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_owner_name(obj: SavedView) -> str:
        return str(obj.owner)

    @staticmethod
    def resolve_mine(obj: SavedView, context: dict[str, Any]) -> bool:
        return bool(obj.owner_id == request_user(context["request"]).pk)


class SavedViewIn(InputSchema):
    record_type: str = Field(max_length=64, description="The list: customers.customer")
    name: str = Field(max_length=80)
    filters: dict[str, FilterValue] = Field(default_factory=dict, max_length=20)
    columns: list[str] = Field(default_factory=list, max_length=30)
    sharing: ViewSharing = ViewSharing.PRIVATE


class SavedViewPatch(InputSchema):
    version: int = Field(ge=1)
    name: str | None = Field(default=None, max_length=80)
    filters: dict[str, FilterValue] | None = Field(default=None, max_length=20)
    columns: list[str] | None = Field(default=None, max_length=30)
    sharing: ViewSharing | None = None


class SavedViewFilters(InputSchema):
    record_type: str = Field(default="", max_length=64)
    limit: int = Field(default=MAX_LIMIT, ge=1, le=MAX_LIMIT)


@router.get("", response=Page[SavedViewOut])
def saved_view_list(request: HttpRequest, filters: Query[SavedViewFilters]) -> dict[str, Any]:
    views = saved_views.saved_view_list(actor=request_user(request), record_type=filters.record_type or None)
    return bounded(views, limit=filters.limit)


@router.post("", response={201: SavedViewOut})
def saved_view_create(request: HttpRequest, payload: SavedViewIn) -> Status[SavedView]:
    view = saved_views.saved_view_create(
        actor=request_user(request),
        record_type=payload.record_type,
        name=payload.name,
        filters=payload.filters,
        columns=payload.columns,
        sharing=payload.sharing,
    )
    return Status(201, view)


@router.get("/{view_id}", response=SavedViewOut)
def saved_view_get(request: HttpRequest, view_id: UUID) -> SavedView:
    return saved_views.saved_view_get(actor=request_user(request), pk=view_id)


@router.patch("/{view_id}", response=SavedViewOut)
def saved_view_update(request: HttpRequest, view_id: UUID, payload: SavedViewPatch) -> SavedView:
    actor = request_user(request)
    return saved_views.saved_view_update(
        actor=actor,
        view=saved_views.saved_view_get(actor=actor, pk=view_id),
        version=payload.version,
        name=payload.name,
        filters=payload.filters,
        columns=payload.columns,
        sharing=payload.sharing,
    )


@router.delete("/{view_id}", response={204: None})
def saved_view_delete(request: HttpRequest, view_id: UUID) -> Status[None]:
    actor = request_user(request)
    saved_views.saved_view_delete(actor=actor, view=saved_views.saved_view_get(actor=actor, pk=view_id))
    return Status(204, None)
