"""/api/v1/leads: the scoped list and pool, a lead, entry through a channel, claim, follow-up, status, convert."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from guanxi.customers.models import Customer, Interaction
from guanxi.leads import services
from guanxi.leads.models import OPEN, Channel, Lead, LeadEventKind, LeadStatus
from guanxi.leads.schemas.leads import StatusFilter
from tests.conftest import Org, Records

pytestmark = pytest.mark.django_db


def _pool_only() -> None:
    row = services.lead_settings()
    row.assignment = {"rules": [{"kind": "pool"}]}
    row.save()


@pytest.fixture
def channel(org: Org) -> Channel:
    _pool_only()
    return services.channel_create(actor=org["admin"], name="展会 Trade show", kind="paid", team=org.east)


def _lead(org: Org, channel: Channel, name: str, phone: str, **extra: str) -> Lead:
    return services.lead_create(actor=org["admin"], channel=channel, raw={"name": name, "phone": phone, **extra})


def _claimed(org: Org, channel: Channel, rep: str, name: str, phone: str) -> Lead:
    lead = _lead(org, channel, name, phone)
    return services.lead_claim(actor=org[rep], lead_id=lead.pk)


def _ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_a_rep_sees_own_leads_and_own_team_pool_only(org: Org, channel: Channel, api: Any) -> None:
    mine = _claimed(org, channel, "rep1", "张伟", "13800138001")
    teammates = _claimed(org, channel, "rep1b", "李娜", "13800138002")
    pooled = _lead(org, channel, "王芳", "13800138003")
    south = services.channel_create(actor=org["admin"], name="南区展会", kind="free", team=org.south)
    south_pool = _lead(org, south, "刘洋", "13800138004")

    assert _ids(api("rep1").get("/api/v1/leads")) == {str(mine.pk), str(pooled.pk)}
    assert _ids(api("rep1").get("/api/v1/leads?pool=true")) == {str(pooled.pk)}
    assert _ids(api("rep2").get("/api/v1/leads?pool=true")) == {str(south_pool.pk)}
    assert _ids(api("manager1").get("/api/v1/leads")) == {str(mine.pk), str(teammates.pk), str(pooled.pk)}
    assert _ids(api("director").get("/api/v1/leads")) >= {str(south_pool.pk), str(teammates.pk)}


def test_someone_elses_lead_is_not_found(org: Org, channel: Channel, api: Any) -> None:
    theirs = _claimed(org, channel, "rep1b", "李娜", "13800138002")
    assert api("rep1").get(f"/api/v1/leads/{theirs.pk}").status_code == 404
    response = api("rep1").post(f"/api/v1/leads/{theirs.pk}/follow-ups", {"channel": "phone", "summary": "打过"})
    assert response.status_code == 404
    assert Lead.objects.get(pk=theirs.pk).status == LeadStatus.NEW
    assert api("manager1").get(f"/api/v1/leads/{theirs.pk}").status_code == 200


def test_the_list_filters_by_grade_status_and_search(org: Org, channel: Channel, api: Any) -> None:
    rich = _lead(org, channel, "张伟", "13800138001", company="杭州云栖科技有限公司", email="zw@yunqi.cn",
                 title="总经理", industry="制造业")  # fmt: skip
    poor = _lead(org, channel, "李娜", "13800138002")
    assert rich.grade != poor.grade
    client = api("manager1")

    assert _ids(client.get(f"/api/v1/leads?grade={rich.grade}")) == {str(rich.pk)}
    both = _ids(client.get(f"/api/v1/leads?grade={rich.grade}&grade={poor.grade}"))
    assert both == {str(rich.pk), str(poor.pk)}
    assert _ids(client.get("/api/v1/leads?q=云栖")) == {str(rich.pk)}
    assert _ids(client.get("/api/v1/leads?q=138002")) == {str(poor.pk)}
    assert _ids(client.get("/api/v1/leads?status=contacted")) == set()
    assert _ids(client.get("/api/v1/leads?duplicate_state=merged")) == set()
    unflagged = _ids(client.get("/api/v1/leads?duplicate_state=none"))
    flagged = _ids(client.get("/api/v1/leads?duplicate_state=suspected"))
    assert unflagged | flagged == {str(rich.pk), str(poor.pk)}
    ordered = client.get("/api/v1/leads?ordering=-score").json()["items"]
    assert [item["id"] for item in ordered] == [str(rich.pk), str(poor.pk)]


def test_the_list_pages_with_a_cursor(org: Org, channel: Channel, api: Any) -> None:
    made = {str(_lead(org, channel, f"客户{i}", f"1380013810{i}").pk) for i in range(5)}
    client = api("manager1")
    first = client.get("/api/v1/leads?limit=3").json()
    second = client.get(f"/api/v1/leads?limit=3&cursor={first['next_cursor']}").json()
    assert second["next_cursor"] is None
    assert {item["id"] for item in first["items"] + second["items"]} == made


def test_bad_filters_are_422_with_the_field(org: Org, api: Any) -> None:
    response = api("rep1").get("/api/v1/leads?status=won")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "status"
    assert api("rep1").get("/api/v1/leads?ordering=name").status_code == 422


def test_an_integration_creates_a_lead_with_its_grade(org: Org, channel: Channel, api: Any) -> None:
    body = {"channel_id": str(channel.pk), "name": "张伟", "company": "云栖科技", "phone": "138-0013-8000",
            "email": "ZW@Example.com", "extra": {"utm": "expo"}}  # fmt: skip
    response = api("rep1").post("/api/v1/leads", body)
    assert response.status_code == 201, response.content
    lead = response.json()
    assert lead["status"] == "new"
    assert lead["phone_e164"] == "+8613800138000"
    assert lead["email"] == "zw@example.com"
    assert lead["grade"] in {"A", "B", "C", "D"}
    assert lead["grade_reasons"]
    assert lead["in_pool"] is True
    assert lead["extra"] == {"utm": "expo"}


def test_a_rejected_lead_is_created_and_returned_with_its_reasons(org: Org, channel: Channel, api: Any) -> None:
    before = Lead.objects.count()
    response = api("rep1").post("/api/v1/leads", {"channel_id": str(channel.pk), "name": "x", "phone": "12"})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "rejected"
    assert body["rejections"]
    assert all(r["reason"] for r in body["rejections"])
    assert Lead.objects.count() == before + 1


def test_an_unknown_or_inactive_channel_is_422(org: Org, channel: Channel, api: Any) -> None:
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    before = Lead.objects.count()
    for channel_id in (str(channel.pk), "00000000-0000-0000-0000-000000000000"):
        response = api("rep1").post("/api/v1/leads", {"channel_id": channel_id, "name": "张伟", "phone": "13800138000"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"][-1] == "channel_id"
    assert Lead.objects.count() == before


def test_anonymous_callers_get_401(channel: Channel, api: Any) -> None:
    assert api(None).get("/api/v1/leads").status_code == 401
    assert api(None).post("/api/v1/leads", {"channel_id": str(channel.pk), "name": "x"}).status_code == 401


def test_claim_answers_200_to_the_winner_and_409_to_the_next_rep(org: Org, channel: Channel, api: Any) -> None:
    lead = _lead(org, channel, "王芳", "13800138003")
    won = api("rep1").post(f"/api/v1/leads/{lead.pk}/claim")
    assert won.status_code == 200
    assert won.json()["owner"]["username"] == "rep1"
    lost = api("rep1b").post(f"/api/v1/leads/{lead.pk}/claim")
    assert lost.status_code == 409
    assert lost["Content-Type"].startswith("application/problem+json")
    assert Lead.objects.get(pk=lead.pk).owner == org["rep1"]
    assert api("rep2").post(f"/api/v1/leads/{lead.pk}/claim").status_code == 404


def test_a_follow_up_moves_a_new_lead_to_contacted(org: Org, channel: Channel, api: Any) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    body = {"channel": "phone", "summary": "约了下周拜访", "outcome": "interested", "version": lead.version}
    response = api("rep1").post(f"/api/v1/leads/{lead.pk}/follow-ups", body)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "contacted"
    assert response.json()["last_follow_up_at"] is not None
    events = api("rep1").get(f"/api/v1/leads/{lead.pk}/events").json()["items"]
    assert events[0]["kind"] in {LeadEventKind.STATUS, LeadEventKind.FOLLOWED_UP}
    assert {"followed_up", "claimed", "created"} <= {e["kind"] for e in events}
    assert any(e["actor"] == str(org["rep1"]) for e in events)


def test_bad_follow_up_input_is_422_with_the_field(org: Org, channel: Channel, api: Any) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    response = api("rep1").post(f"/api/v1/leads/{lead.pk}/follow-ups", {"channel": "pigeon", "summary": "x"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "channel"
    response = api("rep1").post(f"/api/v1/leads/{lead.pk}/follow-ups", {"channel": "phone", "summary": ""})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "summary"
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_a_pool_lead_must_be_claimed_before_it_is_worked(org: Org, channel: Channel, api: Any) -> None:
    lead = _lead(org, channel, "王芳", "13800138003")
    response = api("rep1").post(f"/api/v1/leads/{lead.pk}/follow-ups", {"channel": "phone", "summary": "打过"})
    assert response.status_code == 403
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_status_moves_and_a_stale_version_is_409(org: Org, channel: Channel, api: Any) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    client = api("rep1")
    moved = client.post(f"/api/v1/leads/{lead.pk}/status", {"status": "qualified", "version": lead.version})
    assert moved.status_code == 200
    assert moved.json()["status"] == "qualified"
    stale = client.post(f"/api/v1/leads/{lead.pk}/status", {"status": "rejected", "version": lead.version})
    assert stale.status_code == 409
    wrong = client.post(f"/api/v1/leads/{lead.pk}/status", {"status": "converted"})
    assert wrong.status_code == 409
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.QUALIFIED


def test_converting_creates_a_customer_the_rep_sees(org: Org, channel: Channel, api: Any) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    Lead.objects.filter(pk=lead.pk).update(company="杭州新客户科技有限公司")
    client = api("rep1")
    client.post(f"/api/v1/leads/{lead.pk}/follow-ups", {"channel": "phone", "summary": "有兴趣"})
    response = client.post(f"/api/v1/leads/{lead.pk}/convert", {})
    assert response.status_code == 201, response.content
    customer_id = response.json()["customer_id"]
    assert response.json()["lead"]["status"] == "converted"
    assert response.json()["lead"]["customer_id"] == customer_id
    assert client.get(f"/api/v1/customers/{customer_id}").status_code == 200
    assert Interaction.objects.filter(customer_id=customer_id).count() == 1
    assert client.post(f"/api/v1/leads/{lead.pk}/convert", {}).status_code == 409


def test_converting_into_an_existing_customer_needs_a_visible_one(
    org: Org, channel: Channel, records: Records, api: Any
) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    client = api("rep1")
    hidden = client.post(f"/api/v1/leads/{lead.pk}/convert", {"customer_id": str(records.other.pk)})
    assert hidden.status_code == 422
    assert hidden.json()["errors"][0]["loc"][-1] == "customer_id"
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW
    count = Customer.objects.count()
    joined = client.post(f"/api/v1/leads/{lead.pk}/convert", {"customer_id": str(records.own.pk)})
    assert joined.status_code == 201
    assert joined.json()["customer_id"] == str(records.own.pk)
    assert Customer.objects.count() == count


def test_editing_a_lead_cleans_regrades_and_checks_the_version(org: Org, channel: Channel, api: Any) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    client = api("rep1")
    body = {"version": lead.version, "company": "杭州云栖科技有限公司", "email": "ZW@Yunqi.CN", "title": "总经理"}
    response = client.patch(f"/api/v1/leads/{lead.pk}", body)
    assert response.status_code == 200, response.content
    edited = response.json()
    assert edited["email"] == "zw@yunqi.cn"
    assert edited["score"] > lead.score
    assert edited["version"] == lead.version + 1
    assert client.patch(f"/api/v1/leads/{lead.pk}", {"version": lead.version, "city": "杭州"}).status_code == 409
    bad = client.patch(f"/api/v1/leads/{lead.pk}", {"version": edited["version"], "phone": "12"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"][-1] == "phone"
    assert Lead.objects.get(pk=lead.pk).phone_e164 == "+8613800138001"
    kinds = set(Lead.objects.get(pk=lead.pk).events.values_list("kind", flat=True))
    assert LeadEventKind.EDITED in kinds


def test_assigning_needs_the_permission_and_an_active_user(org: Org, channel: Channel, api: Any) -> None:
    lead = _lead(org, channel, "王芳", "13800138003")
    refused = api("rep1").post(f"/api/v1/leads/{lead.pk}/assign", {"owner_id": org["rep1"].pk})
    assert refused.status_code == 403
    assert Lead.objects.get(pk=lead.pk).owner_id is None
    org["rep1b"].is_active = False
    org["rep1b"].save()
    inactive = api("manager1").post(f"/api/v1/leads/{lead.pk}/assign", {"owner_id": org["rep1b"].pk})
    assert inactive.status_code == 422
    assert inactive.json()["errors"][0]["loc"][-1] == "owner_id"
    response = api("manager1").post(f"/api/v1/leads/{lead.pk}/assign", {"owner_id": org["rep1"].pk})
    assert response.status_code == 200, response.content
    assert response.json()["owner"]["username"] == "rep1"
    assert Lead.objects.get(pk=lead.pk).events.filter(kind=LeadEventKind.ASSIGNED).exists()
    assert _ids(api("rep1").get("/api/v1/leads")) == {str(lead.pk)}


def test_the_list_and_the_pool_have_a_fixed_query_budget(
    org: Org, channel: Channel, api: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        _lead(org, channel, f"客户{i}", f"1380013820{i:02d}"[:11])
    client = api("rep1")
    client.get("/api/v1/leads")  # warm the token's user and role caches
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/leads").json()["items"]) == 12
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/leads?pool=true").json()["items"]) == 12
    lead = Lead.objects.first()
    assert lead is not None
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/leads/{lead.pk}").status_code == 200


@pytest.mark.parametrize(
    "query", ["reached=won", "reached=", "reached=NEW", "owner_id=nobody", "team_id=0", "owner_id=none&reached=x"]
)
def test_an_unknown_funnel_step_or_id_is_a_field_error(api: Any, query: str) -> None:
    response = api("manager1").get(f"/api/v1/leads?{query}")
    assert response.status_code == 422
    field = query.rsplit("&", 1)[-1].split("=")[0]
    assert field in response.content.decode()


def test_owner_none_lists_the_pool_and_team_none_the_leads_without_team(org: Org, channel: Channel, api: Any) -> None:
    mine = _claimed(org, channel, "rep1", "张伟", "13800138001")
    pooled = _lead(org, channel, "王芳", "13800138003")
    homeless = _lead(org, channel, "刘洋", "13800138004")
    Lead.objects.filter(pk=homeless.pk).update(team=None)
    client = api("director")
    assert _ids(client.get("/api/v1/leads?owner_id=none")) == {str(pooled.pk), str(homeless.pk)}
    assert _ids(client.get("/api/v1/leads?team_id=none")) == {str(homeless.pk)}
    assert _ids(client.get(f"/api/v1/leads?owner_id={org['rep1'].pk}")) == {str(mine.pk)}


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_created_dates_far_outside_any_business_list_calmly(org: Org, channel: Channel, api: Any, day: str) -> None:
    lead = _lead(org, channel, "王芳", "13800138003")
    client = api("director")
    ancient = day < "1900"
    assert _ids(client.get(f"/api/v1/leads?created_from={day}")) == (set() if not ancient else {str(lead.pk)})
    assert _ids(client.get(f"/api/v1/leads?created_to={day}")) == (set() if ancient else {str(lead.pk)})


def test_the_status_filter_knows_every_status_and_open() -> None:
    assert set(get_args(StatusFilter)) == {*LeadStatus.values, OPEN}
