"""Orders: priced lines, totals in Decimal, status changes, and the customer's purchase figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from guanxi.contracts.models import Order, OrderLine
from guanxi.customers.models import CustomerFacts
from tests.conftest import Org, Records
from tests.sales.factories import ProductFactory

URL = "/api/v1/orders"


def _order(client: Any, customer_id: Any, lines: list[dict[str, Any]], **extra: Any) -> Any:
    body = {"customer_id": str(customer_id), "ordered_on": "2025-03-15", "lines": lines, **extra}
    return client.post(URL, body)


def test_order_prices_from_catalogue_with_discounts_and_costs(api: Any, org: Org, records: Records) -> None:
    gateway = ProductFactory(
        code="GW", list_price=Decimal("1999.00"), unit_cost=Decimal("1200.00"), created_by=org["admin"]
    )
    cable = ProductFactory(code="CB", list_price=Decimal("9.99"), unit_cost=Decimal("3.33"), created_by=org["admin"])
    response = _order(
        api("rep1"),
        records.own.pk,
        [
            {"product_id": str(gateway.pk), "quantity": "2", "discount_rate": "0.1"},
            {"product_id": str(cable.pk), "quantity": "3", "unit_price": "8.50"},
        ],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # 2 × 1999 × 0.9 = 3598.20; 3 × 8.50 = 25.50
    assert [line["amount"] for line in body["lines"]] == ["3598.20", "25.50"]
    assert (body["amount"], body["cost"], body["discount"]) == ("3623.70", "2409.99", "399.80")
    assert body["number"].startswith("SO-")


def test_sold_orders_feed_purchase_facts_and_returns_take_them_back(api: Any, org: Org, records: Records) -> None:
    product = ProductFactory(list_price=Decimal("100.00"), unit_cost=Decimal("40.00"), created_by=org["admin"])
    rep1 = api("rep1")
    line = [{"product_id": str(product.pk), "quantity": "5"}]
    first = _order(rep1, records.own.pk, line, ordered_on="2024-01-10").json()
    _order(rep1, records.own.pk, line, ordered_on="2025-02-20")
    facts = CustomerFacts.objects.get(customer=records.own)
    assert (facts.orders_count, facts.revenue, facts.product_cost) == (2, Decimal("1000.00"), Decimal("400.00"))
    assert (facts.first_purchase_on, facts.last_purchase_on) == (date(2024, 1, 10), date(2025, 2, 20))
    returned = rep1.post(f"{URL}/{first['id']}/status", {"version": 1, "status": "returned"})
    assert returned.status_code == 200
    facts.refresh_from_db()
    assert (facts.orders_count, facts.revenue, facts.first_purchase_on) == (1, Decimal("500.00"), date(2025, 2, 20))
    assert set(OrderLine.objects.filter(order_id=first["id"]).values_list("status", flat=True)) == {"returned"}


def test_status_can_only_move_forward(api: Any, org: Org, records: Records) -> None:
    product = ProductFactory(created_by=org["admin"])
    rep1 = api("rep1")
    order = _order(rep1, records.own.pk, [{"product_id": str(product.pk), "quantity": "1"}]).json()
    assert rep1.post(f"{URL}/{order['id']}/status", {"version": 1, "status": "cancelled"}).status_code == 200
    again = rep1.post(f"{URL}/{order['id']}/status", {"version": 2, "status": "delivered"})
    assert again.status_code == 409
    assert Order.objects.get(pk=order["id"]).status == "cancelled"


def test_orders_follow_customer_visibility(api: Any, org: Org, records: Records) -> None:
    product = ProductFactory(created_by=org["admin"])
    order = _order(api("rep2"), records.other.pk, [{"product_id": str(product.pk), "quantity": "1"}]).json()
    assert api("rep1").get(f"{URL}/{order['id']}").status_code == 404
    assert api("rep1").get(f"{URL}?customer_id={records.other.pk}").json()["items"] == []
    assert api("manager2").get(f"{URL}/{order['id']}").status_code == 200
    hidden = _order(api("rep1"), records.other.pk, [{"product_id": str(product.pk), "quantity": "1"}])
    assert hidden.status_code == 404
    assert Order.objects.count() == 1


def test_bad_orders_are_refused_whole(api: Any, org: Org, records: Records) -> None:
    product = ProductFactory(created_by=org["admin"])
    inactive = ProductFactory(is_active=False, created_by=org["admin"])
    dollars = ProductFactory(currency="USD", created_by=org["admin"])
    ok = {"product_id": str(product.pk), "quantity": "1"}
    rep1 = api("rep1")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    cases = [
        ([ok, {"product_id": str(inactive.pk), "quantity": "1"}], {}, "body.lines.1.product_id"),
        ([{**ok, "quantity": "0"}], {}, "body.lines.0.quantity"),
        ([{**ok, "discount_rate": "1.5"}], {}, "body.lines.0.discount_rate"),
        ([], {}, "body.lines"),
        ([ok], {"ordered_on": tomorrow}, "body.ordered_on"),
        ([ok], {"status": "returned"}, "body.status"),
        ([ok, {"product_id": str(dollars.pk), "quantity": "1"}], {}, "body.lines"),
    ]
    for lines, extra, path in cases:
        response = _order(rep1, records.own.pk, lines, **extra)
        assert response.status_code == 422, (lines, extra, response.content)
        assert path in [e["path"] for e in response.json()["errors"]], response.json()
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()


def test_own_order_numbers_must_be_unique(api: Any, org: Org, records: Records) -> None:
    product = ProductFactory(created_by=org["admin"])
    line = [{"product_id": str(product.pk), "quantity": "1"}]
    assert _order(api("rep1"), records.own.pk, line, number="ERP-0001").status_code == 201
    again = _order(api("rep1"), records.own.pk, line, number="ERP-0001")
    assert again.status_code == 422
    assert Order.objects.count() == 1
