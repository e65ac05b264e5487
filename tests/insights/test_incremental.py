"""An order arrives: its customer's value figures follow before the nightly run, and agree with it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.contracts.models import SOLD, Order, OrderStatus
from guanxi.contracts.services import LineIn, order_create
from guanxi.customers.models import Customer
from guanxi.insights import incremental, services
from guanxi.insights.models import CustomerValue
from tests.conftest import Org
from tests.insights.test_services import AS_OF, _customer_base, _product, _run

pytestmark = pytest.mark.django_db
COMPARED = ("revenue", "product_cost", "gross_margin", "cost_to_serve", "profit", "orders", "previous_revenue")


def _figures(customer: Customer) -> dict[str, Any]:
    return CustomerValue.objects.filter(customer=customer).values(*COMPARED, "recency_days", "rfm_frequency").get()


def test_one_customers_refresh_matches_what_the_full_run_computes(org: Org) -> None:
    _customer_base(org)
    _run()
    customer = Customer.objects.order_by("name")[7]
    before = _figures(customer)
    for n, amount in enumerate((Decimal("1250.00"), Decimal("80.50"))):
        Order.objects.create(
            customer=customer,
            number=f"NEW-{n}",
            ordered_on=AS_OF - timedelta(days=n),
            status=OrderStatus.DELIVERED,
            amount=amount,
            cost=amount * Decimal("0.6"),
            created_by=org["rep1"],
            updated_by=org["rep1"],
        )

    row = incremental.value_customer_refresh(customer_id=customer.pk, as_of=AS_OF)
    assert row is not None
    refreshed = _figures(customer)
    assert refreshed["revenue"] == before["revenue"] + Decimal("1330.50")
    assert refreshed["orders"] == before["orders"] + 2
    assert refreshed["recency_days"] == 0
    clv_after_refresh = CustomerValue.objects.get(customer=customer).lifetime_value

    _run()  # the nightly run agrees on everything that does not depend on the others
    full = _figures(customer)
    for name in COMPARED:
        assert refreshed[name] == full[name], name
    assert abs(refreshed["rfm_frequency"] - full["rfm_frequency"]) <= 1
    full_clv = CustomerValue.objects.get(customer=customer).lifetime_value
    assert float(clv_after_refresh) == pytest.approx(float(full_clv), rel=0.05)


def test_without_a_finished_run_nothing_is_written(org: Org) -> None:
    customer = Customer.objects.create(name="新客户", owner=org["rep1"], team=org["rep1"].team, created_by=org["rep1"],
                                       updated_by=org["rep1"])  # fmt: skip
    assert incremental.value_customer_refresh(customer_id=customer.pk) is None
    assert not CustomerValue.objects.exists()


def test_recording_an_order_refreshes_its_customer_after_commit(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    _customer_base(org)
    _run()
    customer = Customer.objects.order_by("name")[3]
    before = CustomerValue.objects.get(customer=customer).revenue
    product = _product(org)
    with django_capture_on_commit_callbacks(execute=True):
        order_create(
            actor=org["rep1"],
            customer=customer,
            ordered_on=AS_OF,
            lines=[LineIn(product_id=product.pk, quantity=Decimal(3))],
        )
    # The task refreshes as of today: the period is the twelve months up to today.
    today = timezone.localdate()
    start = services.months_before(today, 12) + timedelta(days=1)
    sold = Order.objects.filter(customer=customer, ordered_on__gte=start, ordered_on__lte=today, status__in=SOLD)
    row = CustomerValue.objects.get(customer=customer)
    assert row.as_of == today
    assert row.revenue == sum((order.amount for order in sold), Decimal("0"))
    assert row.orders == sold.count()
    assert row.revenue != before
