"""Contacts and their posts over time: job changes and departures keep the history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from guanxi.core.models import AuditEntry
from guanxi.customers.models import Position
from tests.conftest import Org, Records


def _add_contact(client: Any, customer_id: Any, **extra: Any) -> Any:
    body = {"name": "王芳", "mobile": "139 1234 5678", "title": "采购主管", "buying_role": "purchaser", **extra}
    response = client.post(f"/api/v1/customers/{customer_id}/contacts", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_new_contact_gets_a_first_post_and_appears_in_the_org_chart(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    contact = _add_contact(rep1, records.own.pk, started_on="2024-03-01")
    assert contact["mobile_e164"] == "+8613912345678"
    chart = rep1.get(f"/api/v1/customers/{records.own.pk}/contacts?current=true").json()["items"]
    assert [(p["contact_name"], p["title"], p["buying_role"], p["started_on"]) for p in chart] == [
        ("王芳", "采购主管", "purchaser", "2024-03-01")
    ]


def test_changing_post_closes_the_old_one_and_keeps_it_in_history(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    contact = _add_contact(rep1, records.own.pk, started_on="2023-01-01")
    old = rep1.get(f"/api/v1/contacts/{contact['id']}/positions").json()["items"][0]
    new = rep1.post(f"/api/v1/positions/{old['id']}/change", {"title": "采购总监", "changed_on": "2025-06-01"})
    assert new.status_code == 201
    assert (new.json()["title"], new.json()["buying_role"], new.json()["started_on"]) == (
        "采购总监",
        "purchaser",
        "2025-06-01",
    )
    history = rep1.get(f"/api/v1/contacts/{contact['id']}/positions").json()["items"]
    assert [(p["title"], p["started_on"], p["ended_on"], p["end_reason"]) for p in history] == [
        ("采购总监", "2025-06-01", None, ""),
        ("采购主管", "2023-01-01", "2025-06-01", "changed_post"),
    ]
    chart = rep1.get(f"/api/v1/customers/{records.own.pk}/contacts?current=true").json()["items"]
    assert [p["title"] for p in chart] == ["采购总监"]


def test_leaving_removes_from_the_org_chart_but_not_from_history(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    contact = _add_contact(rep1, records.own.pk, started_on="2022-05-01")
    post = rep1.get(f"/api/v1/contacts/{contact['id']}/positions").json()["items"][0]
    ended = rep1.post(f"/api/v1/positions/{post['id']}/end", {"ended_on": "2024-12-31", "reason": "left"})
    assert ended.json()["is_current"] is False
    assert rep1.get(f"/api/v1/customers/{records.own.pk}/contacts?current=true").json()["items"] == []
    everyone = rep1.get(f"/api/v1/customers/{records.own.pk}/contacts").json()["items"]
    assert [(p["contact_name"], p["ended_on"]) for p in everyone] == [("王芳", "2024-12-31")]
    again = rep1.post(f"/api/v1/positions/{post['id']}/end", {})
    assert again.status_code == 409


def test_a_contact_who_moves_company_is_seen_by_each_owner_only_at_their_customer(
    api: Any, org: Org, records: Records
) -> None:
    rep1, manager1 = api("rep1"), api("manager1")
    contact = _add_contact(rep1, records.own.pk, started_on="2020-01-01")
    post = rep1.get(f"/api/v1/contacts/{contact['id']}/positions").json()["items"][0]
    rep1.post(f"/api/v1/positions/{post['id']}/end", {"ended_on": "2025-01-31"})
    moved = manager1.post(
        f"/api/v1/contacts/{contact['id']}/positions",
        {
            "customer_id": str(records.below.pk),
            "title": "总经理",
            "buying_role": "decision_maker",
            "started_on": "2025-02-01",
        },
    )
    assert moved.status_code == 201
    assert [
        p["customer_name"] for p in manager1.get(f"/api/v1/contacts/{contact['id']}/positions").json()["items"]
    ] == [
        records.below.name,
        records.own.name,
    ]
    assert [p["customer_name"] for p in rep1.get(f"/api/v1/contacts/{contact['id']}/positions").json()["items"]] == [
        records.own.name
    ]
    assert api("rep3").get(f"/api/v1/contacts/{contact['id']}").status_code == 200
    assert api("rep2").get(f"/api/v1/contacts/{contact['id']}").status_code == 404


def test_post_dates_are_checked(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = rep1.post(f"/api/v1/customers/{records.own.pk}/contacts", {"name": "未来人", "started_on": tomorrow})
    assert future.status_code == 422
    contact = _add_contact(rep1, records.own.pk, started_on="2024-05-01")
    post = rep1.get(f"/api/v1/contacts/{contact['id']}/positions").json()["items"][0]
    early = rep1.post(f"/api/v1/positions/{post['id']}/end", {"ended_on": "2024-04-30"})
    assert early.status_code == 422
    assert Position.objects.get(pk=post["id"]).ended_on is None
    twice = rep1.post(f"/api/v1/contacts/{contact['id']}/positions", {"customer_id": str(records.own.pk)})
    assert twice.status_code == 409


def test_contact_changes_are_audited_and_versioned(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    contact = _add_contact(rep1, records.own.pk)
    changed = rep1.patch(f"/api/v1/contacts/{contact['id']}", {"version": 1, "wechat": "wangfang88"})
    assert changed.json()["version"] == 2
    assert rep1.patch(f"/api/v1/contacts/{contact['id']}", {"version": 1, "wechat": "x"}).status_code == 409
    assert AuditEntry.objects.filter(record_id=contact["id"], field="wechat", new_value="wangfang88").exists()


def test_read_only_share_of_the_customer_shows_contacts_but_refuses_changes(
    api: Any, org: Org, records: Records
) -> None:
    from guanxi.accounts.services import record_share

    contact = _add_contact(api("rep2"), records.other.pk)
    record_share(actor=org["rep2"], record=records.other, user=org["rep1"])
    rep1 = api("rep1")
    assert rep1.get(f"/api/v1/contacts/{contact['id']}").status_code == 200
    assert rep1.patch(f"/api/v1/contacts/{contact['id']}", {"version": 1, "wechat": "x"}).status_code == 403
    assert rep1.post(f"/api/v1/customers/{records.other.pk}/contacts", {"name": "插队"}).status_code == 403
    assert records.other.owner == org["rep2"]
