"""Order writes: one transaction each; totals computed here in Decimal; customer facts follow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.contracts.models import Order, OrderLine, OrderStatus
from guanxi.core.errors import InvalidInput, InvalidTransition
from guanxi.core.records import record_create, record_update
from guanxi.customers import services as customers
from guanxi.customers.models import Customer
from guanxi.sales import selectors as catalogue

CENT = Decimal("0.01")
MAX_LINES = 500
TRANSITIONS = {
    OrderStatus.CONFIRMED: {OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED},
    OrderStatus.DELIVERED: {OrderStatus.RETURNED},
    OrderStatus.RETURNED: set(),
    OrderStatus.CANCELLED: set(),
}


@dataclass(frozen=True)
class LineIn:
    product_id: uuid.UUID
    quantity: Decimal
    unit_price: Decimal | None = None  # the product's list price when left out
    discount_rate: Decimal = Decimal("0")
    unit_cost: Decimal | None = None  # the product's unit cost when left out


def _value_follows(customer_id: uuid.UUID) -> None:
    """Once the order is committed, the customer's value figures are refreshed in the background."""
    # Imported here: the value engine reads orders, so insights imports this app, not the reverse.
    from guanxi.insights.tasks import value_customer_refresh_task

    transaction.on_commit(lambda: value_customer_refresh_task(str(customer_id)))


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _new_number() -> str:
    return f"SO-{uuid.uuid4().hex[:16].upper()}"


def _check_header(ordered_on: date, status: str, number: str, line_count: int) -> None:
    errors: list[dict[str, object]] = []
    if ordered_on > timezone.localdate():
        errors.append({"loc": ["ordered_on"], "msg": _("This date lies in the future.")})
    if status not in (OrderStatus.CONFIRMED, OrderStatus.DELIVERED):
        errors.append({"loc": ["status"], "msg": _("A new order is confirmed or delivered.")})
    if not 1 <= line_count <= MAX_LINES:
        errors.append({"loc": ["lines"], "msg": _("An order has 1 to %(max)d lines.") % {"max": MAX_LINES}})
    if number and Order.objects.filter(number=number).exists():
        errors.append({"loc": ["number"], "msg": _("This order number is taken.")})
    if errors:
        raise InvalidInput(_("Some fields are not valid."), errors=errors)


@transaction.atomic
def order_create(
    *,
    actor: User,
    customer: Customer,
    ordered_on: date,
    lines: list[LineIn],
    status: str = OrderStatus.CONFIRMED,
    number: str = "",
    notes: str = "",
) -> Order:
    """Record a purchase: lines priced from the catalogue unless given, totals and facts kept in step."""
    access.ensure(actor, "change", customer)
    number = number.strip()
    _check_header(ordered_on, status, number, len(lines))
    products = catalogue.products_for_order(actor=actor, ids=[line.product_id for line in lines])
    if len({product.currency for product in products.values()}) > 1:
        raise InvalidInput(
            _("All lines of an order must be in one currency."),
            errors=[{"loc": ["lines"], "msg": _("All lines of an order must be in one currency.")}],
        )
    order = Order(customer=customer, number=number or _new_number(), ordered_on=ordered_on, status=status, notes=notes)
    rows = []
    for line in lines:
        product = products[line.product_id]
        price = product.list_price if line.unit_price is None else line.unit_price
        unit_cost = product.unit_cost if line.unit_cost is None else line.unit_cost
        gross = line.quantity * price
        amount = _money(gross * (1 - line.discount_rate))
        rows.append(
            OrderLine(
                order=order,
                customer=customer,
                ordered_on=ordered_on,
                status=status,
                product=product,
                quantity=line.quantity,
                unit_price=price,
                discount_rate=line.discount_rate,
                unit_cost=unit_cost,
                amount=amount,
                cost=_money(line.quantity * unit_cost),
            )
        )
        order.amount += amount
        order.cost += _money(line.quantity * unit_cost)
        order.discount += _money(gross) - amount
        order.currency = product.currency
    record_create(actor=actor, instance=order)
    for row in rows:
        row.full_clean(exclude=["order"])
    OrderLine.objects.bulk_create(rows)
    customers.customer_facts_refresh(customer_ids=[customer.pk])
    _value_follows(customer.pk)
    return order


@transaction.atomic
def order_set_status(*, actor: User, order: Order, version: int | None, status: str) -> Order:
    """Deliver, return or cancel an order; its lines follow, and so do the customer's figures."""
    access.ensure(actor, "change", order)
    if status not in TRANSITIONS.get(OrderStatus(order.status), set()):
        raise InvalidTransition(
            _("An order that is %(current)s cannot become %(new)s.")
            % {
                "current": order.get_status_display(),
                "new": OrderStatus(status).label if status in OrderStatus.values else status,
            }
        )
    record_update(actor=actor, instance=order, changes={"status": status}, expected_version=version)
    OrderLine.objects.filter(order=order).update(status=status, updated_at=timezone.now())
    customers.customer_facts_refresh(customer_ids=[order.customer_id])
    _value_follows(order.customer_id)
    return order
