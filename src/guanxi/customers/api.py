"""/api/v1/customers: list and search, get, create, PATCH with optimistic locking, audit trail."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import Field

from guanxi.accounts.api_auth import request_user
from guanxi.accounts.models import User
from guanxi.core.errors import InvalidInput
from guanxi.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from guanxi.core.schemas import InputSchema
from guanxi.customers import selectors, services
from guanxi.customers.models import Customer
from guanxi.customers.schemas import AuditEntryOut, CustomerIn, CustomerOut, CustomerPatch

router = Router(tags=["customers"])


class CustomerFilters(InputSchema):
    q: str = Field(default="", max_length=200, description="Name, pinyin, pinyin initials or phone digits")
    owner_id: int | None = None
    team_id: int | None = None
    ordering: str = Field(
        default="-created_at", max_length=40, description="created_at, updated_at or name; '-' for descending"
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=500)


class HistoryFilters(InputSchema):
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT)


def _owner(actor: User, owner_id: int | None) -> User | None:
    if owner_id is None:
        return None
    owner = User.objects.filter(pk=owner_id, is_active=True, is_system=False).select_related("team").first()
    if owner is None:
        raise InvalidInput(_("Unknown owner."), errors=[{"loc": ["owner_id"], "msg": _("Unknown user.")}])
    return owner


@router.get("", response=Page[CustomerOut])
def customer_list(request: HttpRequest, filters: Query[CustomerFilters]) -> dict[str, object]:
    return selectors.customer_page(
        actor=request_user(request),
        q=filters.q,
        owner_id=filters.owner_id,
        team_id=filters.team_id,
        order=filters.ordering,
        limit=filters.limit,
        cursor=filters.cursor,
    )


@router.post("", response={201: CustomerOut})
def customer_create(request: HttpRequest, payload: CustomerIn) -> Status[Any]:
    actor = request_user(request)
    customer = services.customer_create(
        actor=actor, name=payload.name, phone=payload.phone, owner=_owner(actor, payload.owner_id)
    )
    return Status(201, selectors.customer_get(actor=actor, pk=customer.pk))


@router.get("/{customer_id}", response=CustomerOut)
def customer_get(request: HttpRequest, customer_id: UUID) -> Customer:
    return selectors.customer_get(actor=request_user(request), pk=customer_id)


@router.patch("/{customer_id}", response=CustomerOut)
def customer_update(request: HttpRequest, customer_id: UUID, payload: CustomerPatch) -> Customer:
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    return services.customer_update(
        actor=actor,
        customer=customer,
        version=payload.version,
        name=payload.name,
        phone=payload.phone,
        owner=_owner(actor, payload.owner_id),
    )


@router.get("/{customer_id}/history", response=Page[AuditEntryOut])
def customer_history(request: HttpRequest, customer_id: UUID, filters: Query[HistoryFilters]) -> dict[str, object]:
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    entries = list(selectors.customer_history(actor=actor, customer=customer)[: filters.limit])
    return {"items": entries, "limit": filters.limit, "next_cursor": None}
