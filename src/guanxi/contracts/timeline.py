"""Orders on the customer's 360° timeline: each order on its order date, and every status change."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from guanxi.contracts.models import Order
from guanxi.core.models import AuditEntry
from guanxi.customers.timeline import TimelineEntry, Window, audit_changes, audit_events, day_start, timeline_source

ORDER_RECORD_TYPE = f"{Order._meta.app_label}.{Order._meta.model_name}"


@timeline_source("orders", rank=10)
def order_entries(window: Window) -> Iterable[TimelineEntry]:
    """Orders by order date (index customer, -ordered_on)."""
    orders = (
        Order.objects.filter(customer=window.customer)
        .filter(window.after_date_q("ordered_on", "id"))
        .order_by("-ordered_on", "-id")[: window.limit]
    )
    for order in orders:
        yield TimelineEntry(
            at=day_start(order.ordered_on),
            key=str(order.pk),
            kind="order",
            icon="cart",
            title=_("Order %(number)s") % {"number": order.number},
            actor_id=order.created_by_id,
            facts=(
                (_("Amount"), f"{order.amount:,.2f} {order.currency}"),
                (_("Status"), order.get_status_display()),
            ),
            date_only=True,
        )


@timeline_source("order_changes", rank=11)
def order_change_entries(window: Window) -> Iterable[TimelineEntry]:
    """Status changes of the customer's orders, from their audit trail (index record_type, record_id, -at).

    Only orders changed since they were placed (``version`` > 1) have such entries, so the id list
    stays short even for a customer with thousands of orders.
    """
    changed = Order.objects.filter(customer=window.customer, version__gt=1).values_list("pk", "number")
    numbers = {str(pk): number for pk, number in changed}
    if not numbers:
        return
    trail = AuditEntry.objects.filter(
        record_type=ORDER_RECORD_TYPE, record_id__in=list(numbers), action=AuditEntry.Action.UPDATE
    )
    for event in audit_events(trail, window):
        first = event[0]
        yield TimelineEntry(
            at=first.at,
            key=first.record_id,
            kind="order",
            icon="cart-check",
            title=_("Order %(number)s changed") % {"number": numbers[first.record_id]},
            actor_id=first.actor_id,
            changes=audit_changes(Order, event),
        )
