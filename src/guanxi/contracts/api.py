"""/api/v1/orders: purchase history per customer; lines priced from the catalogue unless given."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from guanxi.accounts.api_auth import request_user
from guanxi.contracts import selectors, services
from guanxi.contracts.models import Order
from guanxi.contracts.schemas import OrderDetailOut, OrderIn, OrderOut, OrderStatusIn
from guanxi.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from guanxi.core.schemas import InputSchema
from guanxi.customers import selectors as customers

router = Router(tags=["orders"])


class OrderFilters(InputSchema):
    customer_id: UUID | None = None
    ordering: str = Field(default="-ordered_on", max_length=20, description="ordered_on or created_at; '-' descending")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=500)


@router.get("", response=Page[OrderOut])
def order_list(request: HttpRequest, filters: Query[OrderFilters]) -> dict[str, Any]:
    return selectors.order_page(
        actor=request_user(request),
        customer_id=filters.customer_id,
        limit=filters.limit,
        cursor=filters.cursor,
        order=filters.ordering,
    )


@router.post("", response={201: OrderDetailOut})
def order_create(request: HttpRequest, payload: OrderIn) -> Status[Any]:
    actor = request_user(request)
    customer = customers.customer_get(actor=actor, pk=payload.customer_id)
    lines = [services.LineIn(**line.model_dump()) for line in payload.lines]
    order = services.order_create(
        actor=actor,
        customer=customer,
        ordered_on=payload.ordered_on,
        lines=lines,
        status=payload.status,
        number=payload.number,
        notes=payload.notes,
    )
    return Status(201, selectors.order_get(actor=actor, pk=order.pk))


@router.get("/{order_id}", response=OrderDetailOut)
def order_get(request: HttpRequest, order_id: UUID) -> Order:
    return selectors.order_get(actor=request_user(request), pk=order_id)


@router.post("/{order_id}/status", response=OrderDetailOut)
def order_set_status(request: HttpRequest, order_id: UUID, payload: OrderStatusIn) -> Order:
    actor = request_user(request)
    order = selectors.order_get(actor=actor, pk=order_id)
    services.order_set_status(actor=actor, order=order, version=payload.version, status=payload.status)
    return selectors.order_get(actor=actor, pk=order_id)
