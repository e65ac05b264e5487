"""Consumption curves per segment, from real orders: cohort curve, gaps between purchases, trend, next purchase."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from guanxi.contracts.services import LineIn, order_create
from guanxi.customers.models import Customer
from guanxi.insights import curves, datasets, segments
from guanxi.insights.models import CurveKind, Segment, SegmentCurve
from guanxi.sales.services import product_create
from tests.conftest import Org
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)
EPOCH = date(1970, 1, 1)


def _buy(org: Org, customer: Customer, product: Any, days: list[date], quantity: int) -> None:
    for day in days:
        line = LineIn(product_id=product.pk, quantity=Decimal(quantity))
        order_create(actor=org["admin"], customer=customer, ordered_on=day, lines=[line])


def _arrays() -> tuple[datasets.CustomerIndex, datasets.PurchaseDays]:
    with datasets.snapshot():
        index = datasets.customer_index()
        orders = datasets.orders_read(index, as_of=AS_OF)
    return index, datasets.purchase_days(orders)


@pytest.fixture
def shop(org: Org) -> dict[str, Any]:
    """rep1's monthly buyer and occasional buyer (the segment), rep2's big buyer (outside it)."""
    product = product_create(
        actor=org["admin"], code="P-1", name="配件", unit="件", list_price=Decimal("100"), unit_cost=Decimal("60")
    )
    monthly = CustomerFactory(owner=org["rep1"], name="月月买")
    occasional = CustomerFactory(owner=org["rep1"], name="偶尔买")
    outsider = CustomerFactory(owner=org["rep2"], name="外人")
    _buy(org, monthly, product, [date(2026, m, 5) for m in range(1, 7)], 1)
    _buy(org, occasional, product, [date(2026, 3, 10), date(2026, 5, 10)], 2)
    _buy(org, outsider, product, [date(2025, 1, 1), date(2026, 6, 1)], 50)
    segment = segments.segment_create(
        actor=org["admin"],
        name="rep1 的客户",
        rule={"match": "all", "conditions": [{"field": "owner", "op": "eq", "value": org["rep1"].pk}]},
    )
    return {"segment": segment, "monthly": monthly, "occasional": occasional, "outsider": outsider}


def _curve(segment: Segment, kind: str) -> dict[str, Any]:
    return SegmentCurve.objects.get(segment=segment, kind=kind).data  # type: ignore[no-any-return]


def test_cohort_curve_follows_months_since_acquisition_within_the_segment(shop: dict[str, Any]) -> None:
    index, days = _arrays()
    curves.segment_curves_refresh(as_of=AS_OF, index=index, days=days)
    cohort = _curve(shop["segment"], CurveKind.COHORT)
    assert cohort["members"] == 2
    assert cohort["buyers"] == 2
    assert cohort["customers"][:7] == [2, 2, 2, 2, 1, 1, 0]  # the occasional buyer started in March
    assert cohort["purchases_per_customer"][:7] == [1.0, 0.5, 1.0, 0.5, 1.0, 1.0, None]
    assert cohort["spend_per_customer"][:6] == [150.0, 50.0, 150.0, 50.0, 100.0, 100.0]
    assert cohort["cumulative_spend_per_customer"][5] == 600.0


def test_gaps_between_purchases_and_the_trend_stay_inside_the_segment(shop: dict[str, Any]) -> None:
    index, days = _arrays()
    curves.segment_curves_refresh(as_of=AS_OF, index=index, days=days)
    gaps = _curve(shop["segment"], CurveKind.INTERPURCHASE)
    assert gaps["gaps"] == 6
    assert gaps["customers"] == 2
    assert gaps["median"] == 31.0
    assert gaps["counts"][:5] == [0, 0, 2, 3, 1]
    trend = _curve(shop["segment"], CurveKind.TREND)
    assert trend["months"][0] == "2024-07"
    assert trend["months"][-1] == "2026-06"
    assert trend["spend"][-6:] == [100.0, 100.0, 300.0, 100.0, 300.0, 100.0]  # the outsider's 5,000 is not there
    assert sum(trend["spend"]) == 1000.0
    assert trend["available"] is True
    assert trend["forecast_months"] == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
    assert all(
        low <= mid <= high for low, mid, high in zip(trend["lower"], trend["forecast"], trend["upper"], strict=True)
    )
    assert trend["slope"] > 0


def test_a_segment_without_purchases_has_honest_empty_curves(org: Org) -> None:
    CustomerFactory(owner=org["rep1"])
    segment = segments.segment_create(
        actor=org["admin"],
        name="没买过",
        rule={"match": "all", "conditions": [{"field": "orders", "op": "eq", "value": 0}]},
    )
    index, days = _arrays()
    curves.segment_curves_refresh(as_of=AS_OF, index=index, days=days)
    assert _curve(segment, CurveKind.TREND)["available"] is False
    assert _curve(segment, CurveKind.INTERPURCHASE)["gaps"] == 0
    assert _curve(segment, CurveKind.COHORT)["buyers"] == 0


def test_next_purchase_uses_the_own_rhythm_or_the_segments(shop: dict[str, Any]) -> None:
    index, days = _arrays()
    expected = curves.next_purchase_days(as_of=AS_OF, index=index, days=days)
    position = {
        key: int(index.positions(np.frombuffer(shop[key].pk.bytes, dtype="S16"))[0])
        for key in ("monthly", "occasional", "outsider")
    }
    assert EPOCH + timedelta(days=int(expected[position["monthly"]])) == date(2026, 7, 6)  # June 5 + 31 days
    assert EPOCH + timedelta(days=int(expected[position["occasional"]])) == date(2026, 6, 10)  # May 10 + segment's 31
    assert math.isnan(expected[position["outsider"]])  # one gap of its own, and in no segment


def test_detail_page_draws_the_curves_for_managers_and_mapped_teams(
    org: Org, shop: dict[str, Any], browser_client: Any
) -> None:
    segment = shop["segment"]
    segments.segment_update(
        actor=org["admin"], segment=segment, version=segment.version, changes={"team_ids": [org.east.pk]}
    )
    index, days = _arrays()
    curves.segment_curves_refresh(as_of=AS_OF, index=index, days=days)
    for actor in ("director", "rep1"):
        body = browser_client(actor).get(f"/insights/segments/{segment.pk}/").content.decode()
        assert 'id="gx-segment-curves"' in body, actor
        assert 'data-gx-chart="trend"' in body
        assert 'id="gx-gap-summary"' in body
    hidden = browser_client("rep2").get(f"/insights/segments/{segment.pk}/").content.decode()
    assert 'id="gx-segment-curves"' not in hidden
    assert 'id="gx-curves-hidden"' in hidden


def test_the_nightly_value_run_refreshes_members_curves_and_next_purchase_dates(shop: dict[str, Any]) -> None:
    from guanxi.insights import services
    from guanxi.insights.models import CustomerValue

    services.value_recompute(run=services.value_run_start(as_of=AS_OF))
    assert _curve(shop["segment"], CurveKind.TREND)["spend"][-1] == 100.0
    assert CustomerValue.objects.get(customer=shop["monthly"]).next_purchase_on == date(2026, 7, 6)
    assert CustomerValue.objects.get(customer=shop["occasional"]).next_purchase_on == date(2026, 6, 10)
