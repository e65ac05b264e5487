"""GET /api/v1/exports/customers takes the customer list's value filters and exports exactly those customers."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from guanxi.accounts.models import Perm
from guanxi.customers.models import Customer
from guanxi.insights.models import CustomerValue, SegmentMember
from guanxi.insights.segments import segment_create
from tests.conftest import Org, Records
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/exports/customers"


def _value(customer: Customer, value_class: str, profit: str, rfm_r: int = 3) -> Customer:
    CustomerValue.objects.create(
        customer=customer,
        as_of=date(2026, 6, 30),
        profit=Decimal(profit),
        lifetime_value=Decimal(profit),
        value_class=value_class,
        rfm_recency=rfm_r,
    )
    return customer


@pytest.fixture
def book(org: Org, records: Records) -> dict[str, Customer]:
    """Negative and valuable customers of rep1 (East), rep1b (East) and rep2 (South)."""
    return {
        "own_negative": _value(records.own, "negative", "-20.00"),
        "team_valuable": _value(records.team, "most_valuable", "900.00", rfm_r=5),
        "other_negative": _value(records.other, "negative", "-70.00"),
        "below_other": _value(records.below, "other", "10.00"),
        "own_valuable": _value(CustomerFactory(owner=org["rep1"], name="甲乙丙公司"), "most_valuable", "300.00", 5),
        "team_negative": _value(CustomerFactory(owner=org["rep1b"], name="丁戊公司"), "negative", "-1.00"),
    }


def _names(client: Any, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    return sorted(row[1] for row in rows[1:])


def _grant_export(org: Org, username: str) -> None:
    role = org[username].role
    assert role is not None
    role.permissions = [*role.permissions, Perm.EXPORT.value]
    role.save(update_fields=["permissions"])


def test_the_negative_class_export_holds_exactly_the_negative_customers_the_actor_sees(
    api: Any, book: dict[str, Customer]
) -> None:
    negative = sorted(c.name for key, c in book.items() if key.endswith("_negative"))
    assert _names(api("director"), f"{URL}?value_class=negative") == negative
    east = sorted(book[key].name for key in ("own_negative", "team_negative"))
    assert _names(api("manager1"), f"{URL}?value_class=negative") == east
    assert _names(api("director"), f"{URL}?value_class=negative&format=csv&profit_max=-10.00") == sorted(
        [book["own_negative"].name, book["other_negative"].name]
    )


def test_a_reps_export_never_holds_another_teams_customer(org: Org, api: Any, book: dict[str, Customer]) -> None:
    _grant_export(org, "rep1")
    client = api("rep1")
    assert _names(client, f"{URL}?value_class=negative") == [book["own_negative"].name]
    assert _names(client, f"{URL}?rfm_r=5") == [book["own_valuable"].name]
    everything = _names(client, URL)
    assert book["other_negative"].name not in everything
    assert book["team_negative"].name not in everything  # rep1 sees their own customers only


def test_segment_and_money_filters_pick_the_same_customers_as_the_list(
    org: Org, api: Any, book: dict[str, Customer]
) -> None:
    rule = {"match": "all", "conditions": [{"field": "profit", "op": "gt", "value": 100}]}
    segment = segment_create(actor=org["admin"], name="高利润", rule=rule)
    assert SegmentMember.objects.filter(segment=segment).count() == 2
    valuable = sorted(book[key].name for key in ("team_valuable", "own_valuable"))
    assert _names(api("director"), f"{URL}?segment_id={segment.pk}") == valuable
    assert _names(api("director"), f"{URL}?clv_min=300.00&clv_max=900.00") == valuable
    listed = api("director").get(f"/api/v1/customers?segment_id={segment.pk}").json()["items"]
    assert sorted(item["name"] for item in listed) == valuable


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("value_class=precious", "value_class"),
        ("rfm_r=11", "rfm_r"),
        ("profit_min=1.234", "profit_min"),
        ("clv_max=lots", "clv_max"),
        ("segment_id=not-a-segment", "segment_id"),
        ("grade=ABCDEFGHIJ", "grade"),
    ],
)
def test_a_bad_value_filter_is_a_422_naming_the_field(
    api: Any, book: dict[str, Customer], query: str, field: str
) -> None:
    response = api("director").get(f"{URL}?{query}")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    paths = [error["path"] for error in response.json()["errors"]]
    assert any(path.endswith(field) for path in paths), paths
