"""Dynamic segments: rules over profile, value, grade, tags and behaviour; membership with history; access."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from guanxi.customers.models import Customer, CustomerTag, Tag, TagGroup
from guanxi.customers.services import interaction_log
from guanxi.insights import segments
from guanxi.insights.models import (
    CustomerGrade,
    CustomerValue,
    GradeEvaluation,
    GradeScheme,
    Segment,
    SegmentChange,
    SegmentMember,
    SegmentSnapshot,
)
from tests.conftest import Org, Records
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 30)


def _value(customer: Customer, **figures: Any) -> CustomerValue:
    defaults: dict[str, Any] = {"as_of": DAY}
    return CustomerValue.objects.create(customer=customer, **(defaults | figures))


def _rule(*conditions: tuple[str, str, Any], match: str = "all") -> dict[str, Any]:
    return {"match": match, "conditions": [{"field": f, "op": o, "value": v} for f, o, v in conditions]}


def _members(segment: Segment) -> set[str]:
    return {str(pk) for pk in SegmentMember.objects.filter(segment=segment).values_list("customer_id", flat=True)}


def _matching(rule: dict[str, Any], today: date = DAY) -> set[str]:
    return {
        str(pk)
        for pk in Customer.objects.filter(segments.segment_rule_q(rule, today=today)).values_list("pk", flat=True)
    }


def test_rule_over_value_figures_class_and_rfm_picks_the_right_customers(org: Org) -> None:
    rich = CustomerFactory(owner=org["rep1"])
    poor = CustomerFactory(owner=org["rep1"])
    lost = CustomerFactory(owner=org["rep2"])
    unvalued = CustomerFactory(owner=org["rep2"])
    _value(rich, profit=Decimal("900"), revenue=Decimal("3000"), previous_revenue=Decimal("1000"),
           value_class="most_valuable", rfm_recency=5, rfm_monetary=5)  # fmt: skip
    _value(poor, profit=Decimal("-50"), revenue=Decimal("100"), previous_revenue=Decimal("400"), value_class="negative",
           rfm_recency=4, rfm_monetary=1)  # fmt: skip
    _value(lost, profit=Decimal("300"), revenue=Decimal("0"), value_class="other", rfm_recency=1, rfm_monetary=5)
    assert _matching(_rule(("value_class", "eq", "most_valuable"), ("rfm_recency", "gte", 4))) == {str(rich.pk)}
    assert _matching(_rule(("value_class", "eq", "negative"), ("profit", "gt", 500), match="any")) == {
        str(rich.pk),
        str(poor.pk),
    }
    assert _matching(_rule(("profit", "between", [0, 500]))) == {str(lost.pk)}
    assert _matching(_rule(("growth", "gt", 1000))) == {str(rich.pk)}  # 3000 - 1000
    assert _matching(_rule(("growth", "lt", 0))) == {str(poor.pk)}
    assert _matching(_rule(("rfm_monetary", "in", [1, 5]), ("rfm_recency", "lte", 2))) == {str(lost.pk)}
    assert _matching(_rule(("profit", "is_empty", None))) == {str(unvalued.pk)}
    assert _matching(_rule(("value_class", "ne", "negative"))) == {str(rich.pk), str(lost.pk), str(unvalued.pk)}


def test_rule_over_profile_tags_grade_and_behaviour(org: Org, records: Records) -> None:
    Customer.objects.filter(pk=records.own.pk).update(province="浙江", industry="C")
    Customer.objects.filter(pk=records.team.pk).update(province="浙江", created_at=timezone.now() - timedelta(days=400))
    group = TagGroup.objects.create(name="行业")
    vip = Tag.objects.create(group=group, name="VIP")
    CustomerTag.objects.create(customer=records.other, tag=vip, source="manual", tagged_at=timezone.now())
    scheme = GradeScheme.objects.create(name="默认", created_by=org["admin"], updated_by=org["admin"])
    evaluation = GradeEvaluation.objects.create(scheme=scheme, as_of=DAY)
    CustomerGrade.objects.create(customer=records.below, evaluation=evaluation, as_of=DAY, grade="A", grade_index=90)
    for _ in range(3):
        interaction_log(actor=org["rep1"], customer=records.own, channel="phone", direction="outbound", summary="跟进")
    today = timezone.localdate()
    everyone = {str(c.pk) for c in records.all().values()}
    assert _matching(_rule(("province", "eq", "浙江"), ("industry", "eq", "C"))) == {str(records.own.pk)}
    assert _matching(_rule(("tag", "eq", vip.pk))) == {str(records.other.pk)}
    assert _matching(_rule(("tag", "ne", vip.pk))) == everyone - {str(records.other.pk)}
    assert _matching(_rule(("grade", "eq", "A"))) == {str(records.below.pk)}
    assert _matching(_rule(("grade", "is_empty", None))) == everyone - {str(records.below.pk)}
    assert _matching(_rule(("owner", "in", [org["rep2"].pk, org["rep3"].pk]))) == {
        str(records.other.pk),
        str(records.below.pk),
    }
    assert _matching(_rule(("created_days_ago", "gt", 365)), today) == {str(records.team.pk)}
    assert _matching(_rule(("created_days_ago", "lt", 90)), today) == everyone - {str(records.team.pk)}
    assert _matching(_rule(("interactions_90d", "gte", 3)), today) == {str(records.own.pk)}
    assert _matching(_rule(("interactions_90d", "eq", 0)), today) == everyone - {str(records.own.pk)}


def test_next_purchase_overdue_compares_the_expected_date_with_today(org: Org, records: Records) -> None:
    _value(records.own, next_purchase_on=DAY - timedelta(days=3))
    _value(records.team, next_purchase_on=DAY + timedelta(days=3))
    assert _matching(_rule(("next_purchase_overdue", "eq", True))) == {str(records.own.pk)}
    assert str(records.team.pk) in _matching(_rule(("next_purchase_overdue", "eq", False)))


@pytest.mark.parametrize(
    ("rule", "loc"),
    [
        (_rule(("wealth", "eq", 1)), ["rule", "conditions", 0, "field"]),
        (_rule(("profit", "eq", 1), ("profit", "in", [1])), ["rule", "conditions", 1, "op"]),
        (_rule(("profit", "gt", "lots")), ["rule", "conditions", 0, "value"]),
        (_rule(("rfm_recency", "gte", 2.5)), ["rule", "conditions", 0, "value"]),
        (_rule(("profit", "between", [5, 1])), ["rule", "conditions", 0, "value"]),
        (_rule(("profit", "between", [1, "x"])), ["rule", "conditions", 0, "value", 1]),
        (_rule(("value_class", "eq", "royal")), ["rule", "conditions", 0, "value"]),
        (_rule(("tag", "eq", 999999)), ["rule", "conditions", 0, "value"]),
        (_rule(("next_purchase_overdue", "eq", "yes")), ["rule", "conditions", 0, "value"]),
        (_rule(("created_at", "gte", "30/06/2026")), ["rule", "conditions", 0, "value"]),
        ({"match": "some", "conditions": []}, ["rule", "match"]),
        ({"match": "all", "conditions": []}, ["rule", "conditions"]),
    ],
)
def test_invalid_rules_name_the_bad_part(org: Org, rule: dict[str, Any], loc: list[Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        segments.segment_create(actor=org["admin"], name="坏规则", rule=rule)
    assert caught.value.errors[0]["loc"] == loc
    assert not Segment.objects.exists()


def test_refresh_records_who_joined_and_left_with_a_snapshot(org: Org) -> None:
    a, b, c = (CustomerFactory(owner=org["rep1"]) for _ in range(3))
    _value(a, profit=Decimal("100"), revenue=Decimal("1000"))
    _value(b, profit=Decimal("200"), revenue=Decimal("500"))
    _value(c, profit=Decimal("-10"), revenue=Decimal("50"))
    segment = segments.segment_create(actor=org["admin"], name="盈利客户", rule=_rule(("profit", "gt", 0)))
    assert _members(segment) == {str(a.pk), str(b.pk)}
    first = SegmentSnapshot.objects.get(segment=segment)
    assert (first.members, first.joined, first.left) == (2, 2, 0)
    assert (first.profit, first.revenue) == (Decimal("300.00"), Decimal("1500.00"))

    CustomerValue.objects.filter(customer=a).update(profit=Decimal("-1"))
    CustomerValue.objects.filter(customer=c).update(profit=Decimal("50"))
    later = DAY + timedelta(days=1)
    result = segments.segments_refresh(as_of=later)
    assert result["joined"] == 1
    assert result["left"] == 1
    assert _members(segment) == {str(b.pk), str(c.pk)}
    assert SegmentMember.objects.get(segment=segment, customer=c).since == later
    assert SegmentMember.objects.get(segment=segment, customer=b).since == timezone.localdate()
    assert set(SegmentChange.objects.filter(segment=segment, on=later).values_list("customer_id", "joined")) == {
        (a.pk, False),
        (c.pk, True),
    }
    segment.refresh_from_db()
    assert segment.members_count == 2
    snapshot = SegmentSnapshot.objects.filter(segment=segment).latest("id")
    assert (snapshot.members, snapshot.joined, snapshot.left, snapshot.profit) == (2, 1, 1, Decimal("250.00"))

    again = segments.segments_refresh(as_of=later)  # nothing changed: no history rows
    assert again["joined"] == again["left"] == 0
    assert SegmentChange.objects.filter(segment=segment).count() == 4


def test_inactive_segments_are_not_refreshed_and_members_filter_the_customer_list(org: Org) -> None:
    a = CustomerFactory(owner=org["rep1"])
    _value(a, profit=Decimal("10"))
    segment = segments.segment_create(actor=org["admin"], name="停用", rule=_rule(("profit", "gt", 0)), is_active=False)
    assert _members(segment) == set()
    segments.segment_update(actor=org["admin"], segment=segment, version=segment.version, changes={"is_active": True})
    assert _members(segment) == {str(a.pk)}
    assert list(Customer.objects.filter(segments.segment_member_q(segment.pk))) == [a]


def test_only_value_managers_change_segments_and_stale_writes_conflict(org: Org) -> None:
    rule = _rule(("value_class", "eq", "negative"))
    with pytest.raises(NotAllowed):
        segments.segment_create(actor=org["manager1"], name="负价值", rule=rule)
    segment = segments.segment_create(actor=org["director"], name="负价值", rule=rule, team_ids=[org.east.pk])
    with pytest.raises(NotAllowed):
        segments.segment_update(actor=org["rep1"], segment=segment, version=segment.version, changes={"name": "x"})
    with pytest.raises(NotAllowed):
        segments.segment_delete(actor=org["manager1"], segment=segment)
    stale = segment.version
    segments.segment_update(actor=org["admin"], segment=segment, version=stale, changes={"team_ids": [org.south.pk]})
    assert list(segment.teams.values_list("name", flat=True)) == ["South"]
    with pytest.raises(Conflict):
        segments.segment_update(
            actor=org["admin"], segment=Segment.objects.get(pk=segment.pk), version=stale, changes={"name": "改"}
        )
    assert Segment.objects.get(pk=segment.pk).name == "负价值"
    with pytest.raises(InvalidInput):
        segments.segment_create(actor=org["admin"], name="负价值", rule=rule)
    segments.segment_delete(actor=org["admin"], segment=segment)
    assert not Segment.objects.exists()


def test_members_and_counts_cover_the_readers_scope_and_managers_see_totals(org: Org, records: Records) -> None:
    for customer in records.all().values():
        _value(customer, profit=Decimal("5"))
    segment = segments.segment_create(
        actor=org["admin"], name="全部", rule=_rule(("profit", "gt", 0)), team_ids=[org.east.pk]
    )
    row = segments.segment_row(actor=org["rep1"], segment=segment)
    assert (row.members, row.members_total, row.curves_visible) == (1, None, True)
    row = segments.segment_row(actor=org["rep2"], segment=segment)
    assert (row.members, row.members_total, row.curves_visible) == (1, None, False)
    row = segments.segment_row(actor=org["director"], segment=segment)
    assert (row.members, row.members_total, row.curves_visible) == (4, 4, True)
    page = segments.segment_members_page(actor=org["manager1"], segment=segment)
    assert {m.customer_id for m in page["items"]} == {records.own.pk, records.team.pk, records.below.pk}
    history = segments.segment_history(actor=org["rep2"], segment=segment)
    assert not history.totals_visible
    assert history.snapshots == []
    assert {c.customer_id for c in history.changes} == {records.other.pk}
    with pytest.raises(NotAllowed):
        segments.segment_curves(actor=org["rep2"], segment=segment)
    assert segments.segment_curves(actor=org["rep1"], segment=segment) == {}


def test_customer_segments_hide_invisible_customers(org: Org, records: Records) -> None:
    _value(records.other, profit=Decimal("5"))
    segment = segments.segment_create(actor=org["admin"], name="赚钱", rule=_rule(("profit", "gt", 0)))
    assert [m.segment for m in segments.customer_segments(actor=org["rep2"], customer=records.other)] == [segment]
    with pytest.raises(NotFound):
        segments.customer_segments(actor=org["rep1"], customer=records.other)


def test_default_segments_are_created_once_and_mapped_to_the_first_two_teams(org: Org) -> None:
    created = segments.segments_default_ensure(actor=org["admin"])
    assert [s.name_en for s in created] == [
        "Valuable and active",
        "Negative value",
        "Sleeping big customers",
        "New customers",
        "Grade A",
    ]
    assert [list(s.teams.values_list("name", flat=True)) for s in created[:3]] == [["East"], ["Shanghai"], []]
    assert segments.segments_default_ensure(actor=org["admin"]) == []
    assert Segment.objects.count() == 5


# --- API ---------------------------------------------------------------------------------------


def test_api_creates_a_segment_and_reports_rule_errors_with_their_path(org: Org, records: Records, api: Any) -> None:
    for customer in records.all().values():
        _value(customer, profit=Decimal("5"), value_class="most_valuable")
    client = api("director")
    bad = client.post("/api/v1/insights/segments", {"name": "坏", "rule": _rule(("profit", "gt", "many"))})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "body.rule.conditions.0.value"
    body = {"name": "最有价值", "rule": _rule(("value_class", "eq", "most_valuable")), "team_ids": [org.east.pk]}
    created = client.post("/api/v1/insights/segments", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["members"], data["members_total"], data["teams"]) == (4, 4, [{"id": org.east.pk, "name": "East"}])
    listed = api("rep1").get("/api/v1/insights/segments").json()["items"]
    assert [(s["name"], s["members"], s["members_total"], s["curves_visible"]) for s in listed] == [
        ("最有价值", 1, None, True)
    ]
    members = api("manager2").get(f"/api/v1/insights/segments/{data['id']}/members").json()["items"]
    assert [m["name"] for m in members] == [records.other.name]
    assert api("rep2").get(f"/api/v1/insights/segments/{data['id']}/curves").status_code == 403
    stale = client.patch(f"/api/v1/insights/segments/{data['id']}", {"version": 99, "name": "改名"})
    assert stale.status_code == 409
    renamed = client.patch(f"/api/v1/insights/segments/{data['id']}", {"version": data["version"], "name": "改名"})
    assert renamed.json()["name"] == "改名"


def test_api_customer_segments_and_field_catalogue(org: Org, records: Records, api: Any) -> None:
    _value(records.own, profit=Decimal("5"))
    segments.segment_create(actor=org["admin"], name="赚钱", rule=_rule(("profit", "gt", 0)))
    mine = api("rep1").get(f"/api/v1/insights/customers/{records.own.pk}/segments")
    assert [s["name"] for s in mine.json()] == ["赚钱"]
    assert api("rep2").get(f"/api/v1/insights/customers/{records.own.pk}/segments").status_code == 404
    fields = {f["key"]: f for f in api("rep1").get("/api/v1/insights/segment-fields").json()}
    assert {"profit", "growth", "grade", "tag", "value_class", "next_purchase_overdue"} <= set(fields)
    assert [op["value"] for op in fields["tag"]["ops"]] == ["eq", "ne", "in", "not_in"]
    assert {c["value"] for c in fields["value_class"]["choices"]} == {
        "most_valuable",
        "most_growable",
        "negative",
        "other",
    }


# --- pages -------------------------------------------------------------------------------------


def _page_rows(**rows: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"cond-count": str(len(rows))}
    for i, (field, (op, value)) in enumerate(rows.items()):
        data |= {f"cond-{i}-field": field, f"cond-{i}-op": op, f"cond-{i}-value": value}
    return data


def test_rule_builder_page_creates_a_segment_from_plain_form_rows(
    org: Org, records: Records, browser_client: Any
) -> None:
    _value(records.own, profit=Decimal("5"), rfm_recency=5, rfm_monetary=5)
    client = browser_client("admin")
    client.get("/insights/segments/new/")  # the CSRF cookie
    token = client.cookies["csrftoken"].value
    form = {"csrfmiddlewaretoken": token, "name": "页面建的", "is_active": "on", "match": "all", "teams": [org.east.pk]}
    added = client.post("/insights/segments/new/", form | _page_rows(rfm_recency=("gte", "4")) | {"add_row": "1"})
    assert added.status_code == 200
    assert 'name="cond-1-field"' in added.content.decode()
    assert not Segment.objects.exists()
    wrong = client.post("/insights/segments/new/", form | _page_rows(rfm_recency=("gte", "high")))
    assert wrong.status_code == 422
    assert "invalid-feedback d-block" in wrong.content.decode()
    assert not Segment.objects.exists()
    done = client.post(
        "/insights/segments/new/", form | _page_rows(rfm_recency=("gte", "4"), rfm_monetary=("in", "4, 5"))
    )
    segment = Segment.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/insights/segments/{segment.pk}/"
    assert segment.rule["conditions"][1] == {"field": "rfm_monetary", "op": "in", "value": [4, 5]}
    assert _members(segment) == {str(records.own.pk)}
    assert list(segment.teams.all()) == [org.east]


def test_segment_pages_show_counts_within_scope_and_curves_only_to_mapped_teams(
    org: Org, records: Records, browser_client: Any, django_assert_max_num_queries: Any
) -> None:
    for customer in records.all().values():
        _value(customer, profit=Decimal("5"))
    for number in range(5):
        segments.segment_create(
            actor=org["admin"], name=f"细分{number}", rule=_rule(("profit", "gt", number)), team_ids=[org.south.pk]
        )
    segment = Segment.objects.get(name="细分0")
    rep2 = browser_client("rep2")
    with django_assert_max_num_queries(12):
        listing = rep2.get("/insights/segments/")
    assert listing.status_code == 200
    assert listing.content.decode().count('<td class="text-end">1</td>') == 5  # rep2 sees one customer in each
    with django_assert_max_num_queries(16):
        detail = rep2.get(f"/insights/segments/{segment.pk}/")
    body = detail.content.decode()
    assert detail.status_code == 200
    assert records.other.name in body
    assert records.own.name not in body
    assert 'id="gx-curves-none"' in body
    rep1_body = browser_client("rep1").get(f"/insights/segments/{segment.pk}/").content.decode()
    assert 'id="gx-curves-hidden"' in rep1_body
    assert f"?segment_id={segment.pk}" in rep1_body
    assert browser_client("rep1").get("/insights/segments/new/").status_code == 403
    assert browser_client("rep1").get(f"/insights/segments/{segment.pk}/edit/").status_code == 403
