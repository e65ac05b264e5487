"""``CustomerFacts``: figures derived from business records, kept current and recomputed in bulk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Subquery
from django.utils import timezone

from guanxi.contracts import selectors as contracts
from guanxi.customers.models import Customer, CustomerFacts, Interaction

FACT_FIELDS = [
    "as_of",
    "last_touch_at",
    "last_touch_channel",
    "interactions_count",
    "orders_count",
    "revenue",
    "product_cost",
    "first_purchase_on",
    "last_purchase_on",
]


def touch(customer_id: Any, occurred_at: datetime, channel: str) -> None:
    """Count a touch and move "last touch" forward if it is newer (one statement each, race-free)."""
    row, _created = CustomerFacts.objects.get_or_create(customer_id=customer_id, defaults={"as_of": timezone.now()})
    CustomerFacts.objects.filter(pk=row.pk).update(interactions_count=F("interactions_count") + 1)
    newer = CustomerFacts.objects.filter(pk=row.pk, last_touch_at__lt=occurred_at) | CustomerFacts.objects.filter(
        pk=row.pk, last_touch_at__isnull=True
    )
    newer.update(last_touch_at=occurred_at, last_touch_channel=channel, as_of=timezone.now())


def customer_facts_refresh(*, customer_ids: list[Any] | None = None) -> int:
    """Recompute every figure set-based (all customers when ``customer_ids`` is None)."""
    latest = Interaction.objects.filter(customer=OuterRef("pk")).order_by("-occurred_at", "-id")
    customers = Customer.objects.all() if customer_ids is None else Customer.objects.filter(pk__in=customer_ids)
    touches = customers.annotate(
        touch_at=Max("interactions__occurred_at"),
        touches=Count("interactions"),
        touch_channel=Subquery(latest.values("channel")[:1]),
    ).values_list("pk", "touch_at", "touches", "touch_channel")
    purchases = contracts.purchase_figures(customer_ids=customer_ids)
    now = timezone.now()
    rows = []
    for pk, touch_at, count, channel in touches:
        bought = purchases.get(pk)
        rows.append(
            CustomerFacts(
                customer_id=pk,
                as_of=now,
                last_touch_at=touch_at,
                interactions_count=count,
                last_touch_channel=channel or "",
                orders_count=bought.orders if bought else 0,
                revenue=bought.revenue if bought else 0,
                product_cost=bought.cost if bought else 0,
                first_purchase_on=bought.first_on if bought else None,
                last_purchase_on=bought.last_on if bought else None,
            )
        )
    CustomerFacts.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["customer"], update_fields=FACT_FIELDS, batch_size=2000
    )
    return len(rows)
