"""Scoped reads of orders, and set-based purchase aggregates for customer facts and analytics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Count, Max, Min, Prefetch, Sum

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.contracts.models import SOLD, Order, OrderLine
from guanxi.core.pagination import DEFAULT_LIMIT, Ordering, paginate

ORDER_ORDERING = Ordering(
    fields={"ordered_on": "ordered_on", "created_at": "created_at:datetime"}, default="-ordered_on"
)


@dataclass(frozen=True)
class PurchaseFigures:
    orders: int
    revenue: Decimal
    cost: Decimal
    first_on: date
    last_on: date


def purchase_figures(*, customer_ids: list[Any] | None = None) -> dict[Any, PurchaseFigures]:
    """Per customer, over sold orders only: order count, revenue, product cost, first and last purchase.

    One grouped scan of the order-line table (indexed by customer and date). A system-level
    aggregate: callers are services that write derived facts, not pages.
    """
    lines = OrderLine.objects.filter(status__in=SOLD)
    if customer_ids is not None:
        lines = lines.filter(customer_id__in=customer_ids)
    grouped = lines.values("customer_id").annotate(
        orders=Count("order_id", distinct=True),
        revenue=Sum("amount"),
        cost=Sum("cost"),
        first_on=Min("ordered_on"),
        last_on=Max("ordered_on"),
    )
    return {
        row["customer_id"]: PurchaseFigures(row["orders"], row["revenue"], row["cost"], row["first_on"], row["last_on"])
        for row in grouped
    }


def order_get(*, actor: User | Any, pk: UUID | str) -> Order:
    """One visible order with its customer and its lines (each with its product), in three queries."""
    lines = Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    return access.get_visible(actor, Order.objects.select_related("customer").prefetch_related(lines), pk=pk)


def order_page(
    *,
    actor: User | Any,
    customer_id: UUID | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    order: str | None = None,
) -> dict[str, Any]:
    orders = access.scope(actor, Order.objects.select_related("customer"))
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    return paginate(orders, ordering=ORDER_ORDERING, order=order, limit=limit, cursor=cursor)
