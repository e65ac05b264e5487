"""The interaction log: last conversation first, "last touch" kept right, bad input refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from guanxi.customers.models import CustomerFacts, Interaction
from guanxi.customers.services import customer_facts_refresh
from tests.conftest import Records


def _log(client: Any, customer_id: Any, **extra: Any) -> Any:
    body = {"channel": "phone", "direction": "outbound", "summary": "介绍新品", **extra}
    return client.post(f"/api/v1/customers/{customer_id}/interactions", body)


def test_last_conversation_comes_first_with_its_next_step(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    now = timezone.now()
    _log(rep1, records.own.pk, occurred_at=(now - timedelta(days=3)).isoformat(), summary="第一次拜访")
    _log(
        rep1,
        records.own.pk,
        channel="wechat",
        occurred_at=(now - timedelta(days=1)).isoformat(),
        summary="客户嫌价格高",
        outcome="follow_up",
        next_step="申请九折",
        next_step_on=now.date().isoformat(),
    )
    items = rep1.get(f"/api/v1/customers/{records.own.pk}/interactions?limit=1").json()["items"]
    assert [(i["summary"], i["next_step"], i["author"]["username"]) for i in items] == [
        ("客户嫌价格高", "申请九折", "rep1")
    ]


def test_logging_moves_last_touch_forward_never_back(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    now = timezone.now()
    _log(rep1, records.own.pk, channel="meeting", occurred_at=(now - timedelta(hours=2)).isoformat())
    _log(rep1, records.own.pk, channel="sms", occurred_at=(now - timedelta(days=30)).isoformat())
    facts = CustomerFacts.objects.get(customer=records.own)
    assert facts.interactions_count == 2
    assert facts.last_touch_channel == "meeting"
    assert abs((facts.last_touch_at - (now - timedelta(hours=2))).total_seconds()) < 1


def test_moving_an_interaction_in_time_recomputes_last_touch(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    now = timezone.now()
    recent = _log(rep1, records.own.pk, channel="email", occurred_at=(now - timedelta(hours=1)).isoformat()).json()
    _log(rep1, records.own.pk, channel="phone", occurred_at=(now - timedelta(days=2)).isoformat())
    corrected = rep1.patch(
        f"/api/v1/interactions/{recent['id']}", {"version": 1, "occurred_at": (now - timedelta(days=5)).isoformat()}
    )
    assert corrected.status_code == 200
    assert CustomerFacts.objects.get(customer=records.own).last_touch_channel == "phone"


def test_bulk_refresh_agrees_with_incremental_updates(api: Any, records: Records) -> None:
    rep1, rep2 = api("rep1"), api("rep2")
    now = timezone.now()
    for days, channel in [(9, "visit"), (4, "web"), (6, "phone")]:
        _log(rep1, records.own.pk, channel=channel, occurred_at=(now - timedelta(days=days)).isoformat())
    _log(rep2, records.other.pk, channel="email")
    incremental = {
        f.customer_id: (f.last_touch_at, f.last_touch_channel, f.interactions_count)
        for f in CustomerFacts.objects.all()
    }
    CustomerFacts.objects.all().delete()
    assert customer_facts_refresh() == 4
    bulk = {
        f.customer_id: (f.last_touch_at, f.last_touch_channel, f.interactions_count)
        for f in CustomerFacts.objects.filter(interactions_count__gt=0)
    }
    assert bulk == incremental


def test_bad_interactions_are_refused_and_nothing_is_logged(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    other_contact = api("rep2").post(f"/api/v1/customers/{records.other.pk}/contacts", {"name": "别人的联系人"}).json()
    future = (timezone.now() + timedelta(days=1)).isoformat()
    cases = [
        ({"occurred_at": future}, "body.occurred_at"),
        ({"channel": "telepathy"}, "body.channel"),
        ({"summary": ""}, "body.summary"),
    ]
    for extra, path in cases:
        response = _log(rep1, records.own.pk, **extra)
        assert response.status_code == 422, extra
        assert path in [e["path"] for e in response.json()["errors"]]
    hidden = _log(rep1, records.own.pk, contact_id=other_contact["id"])
    assert hidden.status_code == 404
    assert not Interaction.objects.filter(customer=records.own).exists()


def test_a_contact_from_another_customer_cannot_be_attached(api: Any, records: Records) -> None:
    manager1 = api("manager1")
    team_contact = manager1.post(f"/api/v1/customers/{records.team.pk}/contacts", {"name": "隔壁联系人"}).json()
    response = _log(manager1, records.own.pk, contact_id=team_contact["id"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.contact_id"


def test_nightly_job_heals_drifted_facts(api: Any, records: Records) -> None:
    from guanxi.customers.tasks import customer_facts_nightly

    _log(api("rep1"), records.own.pk, channel="visit")
    CustomerFacts.objects.filter(customer=records.own).update(last_touch_at=None, interactions_count=0)
    customer_facts_nightly.call_local()
    facts = CustomerFacts.objects.get(customer=records.own)
    assert (facts.interactions_count, facts.last_touch_channel) == (1, "visit")
    assert facts.last_touch_at is not None
