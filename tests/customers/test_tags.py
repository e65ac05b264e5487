"""Tags: manual tagging, the tag filter, and rules that tag customers in bulk from profile and facts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.core.errors import InvalidInput
from guanxi.customers.models import CustomerFacts, CustomerTag, Tag, TagGroup, TagRule
from guanxi.customers.services import tag_rule_apply
from guanxi.customers.services.tags import rule_q
from tests.conftest import Org, Records
from tests.customers.factories import CustomerFactory


@pytest.fixture
def vip(org: Org) -> Tag:
    return Tag.objects.create(group=TagGroup.objects.create(name="价值"), name="大客户")


def test_manual_tag_and_filter(api: Any, org: Org, records: Records, vip: Tag) -> None:
    rep1 = api("rep1")
    assert rep1.post(f"/api/v1/customers/{records.own.pk}/tags", {"tag_id": vip.pk}).status_code == 201
    assert [t["tag_name"] for t in rep1.get(f"/api/v1/customers/{records.own.pk}/tags").json()["items"]] == ["大客户"]
    assert [c["id"] for c in rep1.get(f"/api/v1/customers?tag_id={vip.pk}").json()["items"]] == [str(records.own.pk)]
    assert rep1.delete(f"/api/v1/customers/{records.own.pk}/tags/{vip.pk}").status_code == 204
    assert rep1.get(f"/api/v1/customers?tag_id={vip.pk}").json()["items"] == []


def test_tag_filter_honours_scope(api: Any, org: Org, records: Records, vip: Tag) -> None:
    api("rep2").post(f"/api/v1/customers/{records.other.pk}/tags", {"tag_id": vip.pk})
    assert api("rep1").get(f"/api/v1/customers?tag_id={vip.pk}").json()["items"] == []
    assert len(api("director").get(f"/api/v1/customers?tag_id={vip.pk}").json()["items"]) == 1


def _facts(customer: Any, **values: Any) -> None:
    CustomerFacts.objects.update_or_create(customer=customer, defaults={"as_of": timezone.now(), **values})


def test_rule_tags_matching_customers_and_untags_when_they_stop_matching(org: Org, vip: Tag) -> None:
    big = CustomerFactory(owner=org["rep1"], province="浙江省")
    small = CustomerFactory(owner=org["rep1"], province="浙江省")
    far = CustomerFactory(owner=org["rep2"], province="广东省")
    _facts(big, revenue=Decimal("500000"))
    _facts(small, revenue=Decimal("900"))
    _facts(far, revenue=Decimal("800000"))
    rule = TagRule.objects.create(
        name="浙江大客户",
        tag=vip,
        created_by=org["admin"],
        updated_by=org["admin"],
        conditions=[
            {"field": "revenue", "op": "gte", "value": 100000},
            {"field": "province", "op": "eq", "value": "浙江省"},
        ],
    )
    assert tag_rule_apply(rule=rule) == 1
    assert set(CustomerTag.objects.filter(tag=vip).values_list("customer_id", flat=True)) == {big.pk}
    _facts(big, revenue=Decimal("10"))
    _facts(small, revenue=Decimal("200000"))
    assert tag_rule_apply(rule=rule) == 1
    assert set(CustomerTag.objects.filter(tag=vip).values_list("customer_id", flat=True)) == {small.pk}
    rule.refresh_from_db()
    assert rule.last_count == 1


def test_a_manual_tag_survives_the_rule(api: Any, org: Org, records: Records, vip: Tag) -> None:
    rule = TagRule.objects.create(
        name="近期无接触",
        tag=vip,
        created_by=org["admin"],
        updated_by=org["admin"],
        conditions=[{"field": "last_touch_at", "op": "within_days", "value": 30}],
    )
    _facts(records.own, last_touch_at=timezone.now() - timedelta(days=3))
    tag_rule_apply(rule=rule)
    api("rep1").post(f"/api/v1/customers/{records.own.pk}/tags", {"tag_id": vip.pk})
    _facts(records.own, last_touch_at=timezone.now() - timedelta(days=90))
    tag_rule_apply(rule=rule)
    assert CustomerTag.objects.get(customer=records.own, tag=vip).source == "manual"


@pytest.mark.parametrize(
    "conditions",
    [
        [],
        [{"field": "password", "op": "eq", "value": "x"}],
        [{"field": "revenue", "op": "contains", "value": 1}],
        [{"field": "revenue", "op": "gt", "value": "lots"}],
        [{"field": "last_touch_at", "op": "older_than_days", "value": -5}],
        [{"field": "province", "op": "in", "value": "浙江省"}],
        ["revenue > 5"],
    ],
)
def test_bad_rule_conditions_are_refused(conditions: Any) -> None:
    with pytest.raises(InvalidInput):
        rule_q(conditions, match_all=True)


def test_rules_are_settings_and_run_through_the_api(api: Any, org: Org, records: Records, vip: Tag) -> None:
    body = {"name": "有订单", "tag_id": vip.pk, "conditions": [{"field": "orders_count", "op": "gte", "value": 1}]}
    assert api("manager1").post("/api/v1/tag-rules", body).status_code == 403
    _facts(records.own, orders_count=3)
    made = api("admin").post("/api/v1/tag-rules", body)
    assert made.status_code == 201, made.content
    assert CustomerTag.objects.filter(tag=vip, customer=records.own, source="rule").exists()
    bad = api("admin").post("/api/v1/tag-rules", {**body, "conditions": [{"field": "x", "op": "eq", "value": 1}]})
    assert bad.status_code == 422
    assert TagRule.objects.count() == 1
