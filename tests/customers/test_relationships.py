"""Relationships between customers and contacts, and the network graph that never shows hidden customers."""

from __future__ import annotations

from typing import Any

from guanxi.core.models import AuditEntry
from guanxi.customers.models import CustomerRelationship
from tests.conftest import Org, Records
from tests.customers.factories import CustomerFactory


def _relate(client: Any, source: Any, target: Any, kind: str = "parent_of", **extra: Any) -> Any:
    body = {"to_customer_id": str(target.pk), "kind": kind, **extra}
    return client.post(f"/api/v1/customers/{source.pk}/relationships", body)


def test_relationship_reads_from_both_sides(api: Any, org: Org, records: Records) -> None:
    manager1 = api("manager1")
    assert _relate(manager1, records.own, records.team, "parent_of").status_code == 201
    from_team = manager1.get(f"/api/v1/customers/{records.team.pk}/relationships").json()["items"]
    assert [(r["from_customer_name"], r["kind"], r["to_customer_name"]) for r in from_team] == [
        (records.own.name, "parent_of", records.team.name)
    ]


def test_network_walks_two_hops_and_skips_hidden_customers(api: Any, org: Org, records: Records) -> None:
    director = api("director")
    group = CustomerFactory(owner=org["rep1"], name="云栖集团")
    _relate(director, group, records.own, "parent_of")
    _relate(director, records.own, records.team, "partner")
    _relate(director, records.team, records.below, "referred")
    _relate(director, records.own, records.other, "competitor")
    full = director.get(f"/api/v1/customers/{records.own.pk}/network?depth=2").json()
    assert {n["name"]: n["hops"] for n in full["nodes"]} == {
        records.own.name: 0,
        group.name: 1,
        records.team.name: 1,
        records.other.name: 1,
        records.below.name: 2,
    }
    assert len(full["edges"]) == 4
    rep1 = api("rep1").get(f"/api/v1/customers/{records.own.pk}/network").json()
    assert {n["name"] for n in rep1["nodes"]} == {records.own.name, group.name}
    assert [(e["source"], e["target"]) for e in rep1["edges"]] == [(str(group.pk), str(records.own.pk))]


def test_symmetric_and_duplicate_relationships_are_refused(api: Any, org: Org, records: Records) -> None:
    manager1 = api("manager1")
    assert _relate(manager1, records.own, records.team, "partner").status_code == 201
    assert _relate(manager1, records.team, records.own, "partner").status_code == 422
    assert _relate(manager1, records.own, records.team, "partner").status_code == 422
    assert _relate(manager1, records.own, records.own, "parent_of").status_code == 422
    assert _relate(manager1, records.own, records.team, "other").status_code == 422
    assert CustomerRelationship.objects.count() == 1


def test_cannot_relate_to_a_customer_you_cannot_see(api: Any, org: Org, records: Records) -> None:
    assert _relate(api("rep1"), records.own, records.other).status_code == 404
    assert not CustomerRelationship.objects.exists()


def test_delete_is_audited_and_needs_the_right_to_change(api: Any, org: Org, records: Records) -> None:
    manager1 = api("manager1")
    relation = _relate(manager1, records.own, records.team, "pays_for").json()
    assert api("rep1b").delete(f"/api/v1/relationships/{relation['id']}").status_code == 404
    assert manager1.delete(f"/api/v1/relationships/{relation['id']}").status_code == 204
    assert not CustomerRelationship.objects.exists()
    assert AuditEntry.objects.filter(record_id=relation["id"], action="delete").exists()


def test_contacts_report_to_each_other(api: Any, org: Org, records: Records) -> None:
    rep1 = api("rep1")
    boss = rep1.post(f"/api/v1/customers/{records.own.pk}/contacts", {"name": "老板", "title": "总经理"}).json()
    buyer = rep1.post(f"/api/v1/customers/{records.own.pk}/contacts", {"name": "采购", "title": "采购员"}).json()
    made = rep1.post(
        f"/api/v1/contacts/{buyer['id']}/relationships", {"to_contact_id": boss["id"], "kind": "reports_to"}
    )
    assert made.status_code == 201
    listed = rep1.get(f"/api/v1/contacts/{boss['id']}/relationships").json()["items"]
    assert [(r["from_contact_name"], r["kind"], r["to_contact_name"]) for r in listed] == [
        ("采购", "reports_to", "老板")
    ]
    assert api("rep2").get(f"/api/v1/contacts/{boss['id']}/relationships").status_code == 404
    assert rep1.delete(f"/api/v1/contact-relationships/{made.json()['id']}").status_code == 204
