"""Merging customers and contacts: every related record moves, field choices apply, undo restores exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation

from guanxi.accounts.models import RecordShare, User
from guanxi.accounts.services import record_share
from guanxi.contracts.models import OrderLine
from guanxi.contracts.services import LineIn, order_create
from guanxi.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed, NotFound
from guanxi.core.models import AuditEntry
from guanxi.customers import selectors, services
from guanxi.customers.models import (
    Contact,
    ContactRelationship,
    Customer,
    CustomerFacts,
    Interaction,
    MergeRecord,
    Tag,
    TagGroup,
)
from guanxi.customers.services.merge import CONTACT_MERGE, CUSTOMER_MERGE, handled_links
from guanxi.customers.services.merge_moves import is_derived, related_links, snapshot
from guanxi.insights.models import FeltKeyMark
from guanxi.leads.models import Channel, Lead
from tests.conftest import Org, Records
from tests.sales.factories import ProductFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- a survivor and a duplicate with something of everything -----------------------------------


@dataclass
class World:
    survivor: Customer
    absorbed: Customer
    outsider: Customer
    shared_contact: Contact  # holds an open post at both: collapses to one
    absorbed_contact: Contact


def _build(org: Org) -> World:
    rep1 = org["rep1"]
    survivor = services.customer_create(
        actor=rep1, name="杭州云栖科技有限公司", phone="0571-8702 3456", province="浙江省"
    )
    absorbed = services.customer_create(
        actor=rep1,
        name="云栖科技杭州分部",
        phone="138 0013 8000",
        email="hello@yunqi.example",
        short_name="云栖",
        industry="I",
    )
    outsider = services.customer_create(actor=rep1, name="宁波港盛物流有限公司")
    partner = services.customer_create(actor=rep1, name="绍兴越州纺织有限公司")
    # Contacts: one at each, one at both (the open post at both collapses), one who left the absorbed one.
    services.contact_create(actor=rep1, customer=survivor, name="王芳")
    absorbed_contact = services.contact_create(actor=rep1, customer=absorbed, name="李雷", post={"title": "采购"})
    shared = services.contact_create(actor=rep1, customer=survivor, name="韩梅梅")
    services.position_start(actor=rep1, contact=shared, customer=absorbed, title="顾问")
    gone = services.contact_create(actor=rep1, customer=absorbed, name="张伟")
    services.position_end(actor=rep1, position=gone.positions.get())
    # Interactions on both.
    for customer, count in ((survivor, 2), (absorbed, 3)):
        for n in range(count):
            services.interaction_log(
                actor=rep1,
                customer=customer,
                channel="phone",
                direction="outbound",
                summary=f"电话 {n}",
                occurred_at=timezone.now() - timedelta(days=n + 1),
                contact=absorbed_contact if customer == absorbed else None,
            )
    # Relationships: one between the two (disappears), one both have (collapses), a mirrored
    # symmetric one (collapses), and one only the absorbed has (moves).
    services.relationship_create(actor=rep1, from_customer=absorbed, to_customer=survivor, kind="partner")
    services.relationship_create(actor=rep1, from_customer=survivor, to_customer=outsider, kind="parent_of")
    services.relationship_create(actor=rep1, from_customer=absorbed, to_customer=outsider, kind="parent_of")
    services.relationship_create(actor=rep1, from_customer=survivor, to_customer=partner, kind="competitor")
    services.relationship_create(actor=rep1, from_customer=partner, to_customer=absorbed, kind="competitor")
    services.relationship_create(actor=rep1, from_customer=partner, to_customer=absorbed, kind="referred")
    # Tags: one on both (union keeps one), one on the absorbed only.
    group = TagGroup.objects.create(name="价值")
    both, only = Tag.objects.create(group=group, name="大客户"), Tag.objects.create(group=group, name="老客户")
    for customer, tag in ((survivor, both), (absorbed, both), (absorbed, only)):
        services.customer_tag_add(actor=rep1, customer=customer, tag=tag)
    # Orders with lines (the lines carry the customer too).
    product = ProductFactory(created_by=org["admin"])
    for customer, day in ((survivor, date(2025, 1, 5)), (absorbed, date(2025, 2, 6)), (absorbed, date(2025, 3, 7))):
        order_create(
            actor=rep1,
            customer=customer,
            ordered_on=day,
            lines=[
                LineIn(product_id=product.pk, quantity=Decimal(2)),
                LineIn(product_id=product.pk, quantity=Decimal(1)),
            ],
        )
    # Felt-key marks (a manager's judgement moves): manager1 marked both, rep1 only the absorbed one.
    for customer, user in ((survivor, "manager1"), (absorbed, "manager1"), (absorbed, "rep1")):
        FeltKeyMark.objects.create(customer=customer, marked_by=org[user])
    # Leads that became (or were linked to) each customer: the lead history moves with the customer.
    channel = Channel.objects.create(name="合并测试渠道", kind="free", created_by=rep1, updated_by=rep1)
    for customer in (survivor, absorbed):
        Lead.objects.create(channel=channel, name="线索", customer=customer, owner=rep1, created_by=rep1,
                            updated_by=rep1)  # fmt: skip
    # Shares: rep2 sees the absorbed one; rep3 has a weaker share on the survivor and a stronger on the absorbed.
    record_share(actor=rep1, record=absorbed, user=org["rep2"])
    record_share(actor=rep1, record=survivor, user=org["rep3"])
    record_share(actor=rep1, record=absorbed, user=org["rep3"], can_change=True)
    for customer in (survivor, absorbed):
        customer.refresh_from_db()
    return World(survivor, absorbed, outsider, shared, absorbed_contact)


@pytest.fixture
def world(org: Org) -> World:
    return _build(org)


def _merge(world: World, actor: User, **kwargs: Any) -> MergeRecord:
    return services.customer_merge(
        actor=actor,
        survivor=world.survivor,
        absorbed=world.absorbed,
        version=world.survivor.version,
        other_version=world.absorbed.version,
        **kwargs,
    )


def _fks_to(model: type[models.Model]) -> set[str]:
    """Every foreign key to ``model`` in every installed model, found independently of the service."""
    return {
        f"{other._meta.label_lower}.{field.name}"
        for other in apps.get_models(include_auto_created=True)
        for field in other._meta.concrete_fields
        if field.is_relation and field.related_model is model
    }


def _pointing(model: type[models.Model], pk: Any) -> dict[str, int]:
    return {
        link.label: link.model._base_manager.filter(**{link.field: pk}).count() for link in related_links(model)
    } | ({"shares": RecordShare.objects.filter(record_id=pk).count()} if model is Customer else {})


def _all_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table that points at customers or contacts, plus both tables themselves."""
    tables = {Customer, Contact, RecordShare} | {
        link.model for model in (Customer, Contact) for link in related_links(model)
    }
    return {
        model._meta.label: sorted((snapshot(row) for row in model._base_manager.all()), key=lambda r: str(r["id"]))
        for model in tables
        if not getattr(model, "DERIVED_FROM_RECORDS", False)
    }


# --- coverage ----------------------------------------------------------------------------------


def test_the_merge_handles_every_foreign_key_to_customers_and_contacts() -> None:
    """A later module's foreign key is found in model meta, so it is moved without a change here."""
    assert handled_links(CUSTOMER_MERGE) == _fks_to(Customer) | {"accounts.recordshare.record_id"}
    assert handled_links(CONTACT_MERGE) == _fks_to(Contact)
    assert {"contracts.order.customer", "contracts.orderline.customer"} <= handled_links(CUSTOMER_MERGE)


# --- merging customers -------------------------------------------------------------------------


def test_every_related_record_moves_to_the_survivor(org: Org, world: World) -> None:
    survivor, absorbed = world.survivor.pk, world.absorbed.pk
    before_s, before_a = _pointing(Customer, survivor), _pointing(Customer, absorbed)
    derived = {link.label for link in related_links(Customer) if is_derived(link)}
    assert derived >= {"customers.customerfacts.customer", "insights.customervalue.customer"}
    assert all(before_a[label] for label in before_a if label not in derived), "the scenario covers every related table"

    merge = _merge(world, org["rep1"])

    after_s, after_a = _pointing(Customer, survivor), _pointing(Customer, absorbed)
    removed: dict[str, int] = {}
    for link in related_links(Customer):
        column = link.model._meta.get_field(link.field).attname
        removed[link.label] = sum(
            1
            for item in merge.removed
            if item["model"] == link.model._meta.label_lower and item["row"][column] in {str(survivor), str(absorbed)}
        )
    removed["shares"] = sum(1 for item in merge.removed if item["model"] == "accounts.recordshare")
    for label in before_s:
        if label in derived:
            continue  # derived: recomputed, not moved
        assert after_a[label] == 0, label
        assert after_s[label] == before_s[label] + before_a[label] - removed[label], label
    # What collapsed: the relationship between the two, the same parent_of, the mirrored
    # competitor; the tag on both; the shared contact's second open post; manager1's second felt-key
    # mark; rep3's weaker share.
    assert {label: count for label, count in removed.items() if label not in derived} == {
        "contracts.order.customer": 0,
        "contracts.orderline.customer": 0,
        "customers.customerrelationship.from_customer": 2,
        "customers.customerrelationship.to_customer": 2,
        "customers.customertag.customer": 1,
        "customers.interaction.customer": 0,
        "customers.position.customer": 1,
        "insights.feltkeymark.customer": 1,  # manager1 had marked both: one mark stays
        "leads.lead.customer": 0,
        "shares": 1,
    }
    assert len(merge.moved["customers.interaction.customer"]) == 3
    assert len(merge.moved["contracts.orderline.customer"]) == 4
    assert not Customer.objects.filter(pk=absorbed).exists()
    assert RecordShare.objects.get(record_id=survivor, user=org["rep3"]).can_change  # the stronger share stays
    # The shared contact holds one open post at the survivor (the survivor's), and still the history.
    assert world.shared_contact.positions.filter(customer_id=survivor, ended_on__isnull=True).count() == 1


def test_the_survivors_facts_are_recomputed_from_the_moved_records(org: Org, world: World) -> None:
    _merge(world, org["rep1"])
    facts = CustomerFacts.objects.get(customer=world.survivor)
    assert facts.interactions_count == 5
    assert facts.orders_count == 3
    assert facts.revenue == sum(OrderLine.objects.filter(customer=world.survivor).values_list("amount", flat=True))
    assert facts.first_purchase_on == date(2025, 1, 5)
    assert facts.last_purchase_on == date(2025, 3, 7)


def test_field_choices_apply_and_are_audited(org: Org, world: World) -> None:
    merge = _merge(world, org["rep1"], fields={"name": "absorbed", "province": "survivor"})
    survivor = Customer.objects.get(pk=world.survivor.pk)
    assert survivor.name == "云栖科技杭州分部"
    assert survivor.name_initials == "yqkjhzfb"
    assert survivor.phone == "0571-8702 3456"  # left out: the survivor's value
    assert survivor.email == "hello@yunqi.example"  # left out, empty at the survivor: the absorbed one's
    assert survivor.short_name == "云栖"
    assert survivor.province == "浙江省"
    assert merge.changed_fields == ["name", "short_name", "industry", "email"]
    trail = AuditEntry.objects.filter(record_id=str(survivor.pk), version=survivor.version)
    assert dict(trail.values_list("field", "new_value")) == {
        "name": "云栖科技杭州分部",
        "short_name": "云栖",
        "industry": "I",
        "email": "hello@yunqi.example",
        "merged_from": "云栖科技杭州分部",
    }
    gone = AuditEntry.objects.get(record_id=str(world.absorbed.pk), field="merged_into")
    assert (gone.action, gone.new_value) == ("delete", "杭州云栖科技有限公司")
    assert merge.merged_by == org["rep1"]
    assert merge.absorbed_snapshot["name"] == "云栖科技杭州分部"
    assert merge.survivor_snapshot["name"] == "杭州云栖科技有限公司"


def test_bad_field_choices_are_refused_and_change_nothing(org: Org, world: World) -> None:
    rows = _all_rows()
    with pytest.raises(InvalidInput) as refused:
        _merge(world, org["rep1"], fields={"name": "both", "owner_id": "absorbed"})
    assert [error["loc"] for error in refused.value.errors] == [["fields", "owner_id"], ["fields", "name"]]
    assert _all_rows() == rows


def test_a_record_cannot_be_merged_with_itself(org: Org, world: World) -> None:
    with pytest.raises(InvalidInput):
        services.customer_merge(
            actor=org["rep1"],
            survivor=world.survivor,
            absorbed=world.survivor,
            version=world.survivor.version,
            other_version=world.survivor.version,
        )


def test_a_stale_version_of_either_record_is_a_conflict_and_changes_nothing(org: Org, world: World) -> None:
    rows = _all_rows()
    for versions in ((world.survivor.version - 1, world.absorbed.version), (world.survivor.version, 99)):
        with pytest.raises(Conflict):
            services.customer_merge(
                actor=org["rep1"],
                survivor=world.survivor,
                absorbed=world.absorbed,
                version=versions[0],
                other_version=versions[1],
            )
        assert _all_rows() == rows


def test_search_finds_the_survivor_under_the_absorbed_name_only_if_it_was_chosen(org: Org, records: Records) -> None:
    rep1 = org["rep1"]

    def pair(name: str, other: str) -> tuple[Customer, Customer]:
        return services.customer_create(actor=rep1, name=name), services.customer_create(actor=rep1, name=other)

    def found(q: str) -> list[Any]:
        return [c.pk for c in selectors.customer_page(actor=rep1, q=q)["items"]]

    kept, gone = pair("西湖龙井茶业有限公司", "龙井茶业(西湖)")
    services.customer_merge(actor=rep1, survivor=kept, absorbed=gone, version=1, other_version=1)
    assert found("龙井茶业(西湖)") == []
    assert found("西湖龙井茶业") == [kept.pk]
    assert gone.pk not in [c.pk for c in selectors.customer_page(actor=rep1)["items"]]

    kept, gone = pair("钱塘江船舶有限公司", "钱江船舶集团")
    services.customer_merge(
        actor=rep1, survivor=kept, absorbed=gone, version=1, other_version=1, fields={"name": "absorbed"}
    )
    assert found("钱江船舶集团") == [kept.pk]
    assert found("qjcbjt") == [kept.pk]  # pinyin initials follow the chosen name
    assert found("钱塘江船舶") == []


def test_owners_differ_so_merging_needs_the_assign_permission(org: Org) -> None:
    mine = services.customer_create(actor=org["rep1"], name="甲公司")
    theirs = services.customer_create(actor=org["rep1b"], name="甲公司(重复)")
    record_share(actor=org["rep1b"], record=theirs, user=org["rep1"], can_change=True)
    rows = _all_rows()
    with pytest.raises(NotAllowed):
        services.customer_merge(actor=org["rep1"], survivor=mine, absorbed=theirs, version=1, other_version=1)
    assert _all_rows() == rows
    merge = services.customer_merge(actor=org["manager1"], survivor=mine, absorbed=theirs, version=1, other_version=1)
    assert merge.merged_by == org["manager1"]


def test_a_rep_cannot_merge_a_record_outside_their_scope(org: Org, records: Records) -> None:
    rows = _all_rows()
    for survivor, absorbed in ((records.own, records.other), (records.other, records.own)):
        with pytest.raises(NotFound):
            services.customer_merge(actor=org["rep1"], survivor=survivor, absorbed=absorbed, version=1, other_version=1)
    assert _all_rows() == rows


def test_a_read_only_share_is_not_enough(org: Org, records: Records) -> None:
    record_share(actor=org["rep1b"], record=records.team, user=org["rep1"])
    rows = _all_rows()
    with pytest.raises(NotAllowed):
        services.customer_merge(
            actor=org["rep1"], survivor=records.own, absorbed=records.team, version=1, other_version=1
        )
    assert _all_rows() == rows


# --- undo ----------------------------------------------------------------------------------------


def _without(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in names}


def test_undo_restores_both_records_and_every_row_exactly(org: Org, world: World) -> None:
    rows = _all_rows()
    facts = {row.pk: _without(snapshot(row), "as_of") for row in CustomerFacts.objects.all()}
    merge = _merge(world, org["rep1"], fields={"name": "absorbed", "phone": "absorbed", "industry": "survivor"})
    assert _all_rows() != rows

    services.merge_undo(actor=org["rep1"], merge=merge)

    after = _all_rows()
    customers_before = {row["id"]: row for row in rows.pop("customers.Customer")}
    customers_after = {row["id"]: row for row in after.pop("customers.Customer")}
    assert after == rows  # posts, interactions, relationships, tags, orders, lines, shares, contacts: as before
    absorbed = str(world.absorbed.pk)
    assert customers_after[absorbed] == customers_before[absorbed]  # own id, values, version, timestamps
    survivor = str(world.survivor.pk)
    moving = ("version", "updated_at", "updated_by_id")
    assert _without(customers_after[survivor], *moving) == _without(customers_before[survivor], *moving)
    assert customers_after[survivor]["version"] == customers_before[survivor]["version"] + 2
    assert {row.pk: _without(snapshot(row), "as_of") for row in CustomerFacts.objects.all()} == facts
    merge.refresh_from_db()
    assert (merge.undone_by, merge.undone_at is not None) == (org["rep1"], True)
    assert AuditEntry.objects.filter(record_id=survivor, field="merge_undone").exists()
    assert AuditEntry.objects.get(record_id=absorbed, field="merge_undone").action == "create"
    assert selectors.customer_page(actor=org["rep1"], q="云栖科技杭州分部")["items"][0].pk == world.absorbed.pk


def test_undo_leaves_records_added_to_the_survivor_after_the_merge(org: Org, world: World) -> None:
    merge = _merge(world, org["rep1"])
    later = services.interaction_log(
        actor=org["rep1"], customer=world.survivor, channel="email", direction="inbound", summary="合并之后"
    )
    services.merge_undo(actor=org["rep1"], merge=merge)
    assert Interaction.objects.get(pk=later.pk).customer_id == world.survivor.pk
    assert Interaction.objects.filter(customer=world.absorbed).count() == 3
    assert Interaction.objects.filter(customer=world.survivor).count() == 3
    assert CustomerFacts.objects.get(customer=world.survivor).interactions_count == 3


def test_undo_is_refused_when_a_merged_field_was_edited_since(org: Org, world: World) -> None:
    merge = _merge(world, org["rep1"], fields={"name": "absorbed"})
    survivor = Customer.objects.get(pk=world.survivor.pk)
    services.customer_update(actor=org["rep1"], customer=survivor, version=survivor.version, name="新名字")
    rows = _all_rows()
    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.merge_undo(actor=org["rep1"], merge=merge)
    assert refused.value.detail == "新名字 was edited after the merge (name); undoing it would overwrite those changes."
    assert _all_rows() == rows
    assert MergeRecord.objects.get(pk=merge.pk).undone_at is None


def test_undo_keeps_later_edits_of_other_fields(org: Org, world: World) -> None:
    merge = _merge(world, org["rep1"], fields={"name": "absorbed"})
    survivor = Customer.objects.get(pk=world.survivor.pk)
    services.customer_update(actor=org["rep1"], customer=survivor, version=survivor.version, notes="合并后补充")
    services.merge_undo(actor=org["rep1"], merge=merge)
    survivor.refresh_from_db()
    assert (survivor.name, survivor.notes) == ("杭州云栖科技有限公司", "合并后补充")


def test_undo_works_until_midnight_in_the_users_time_zone(org: Org, world: World) -> None:
    late_evening = datetime(2025, 3, 4, 23, 30, tzinfo=SHANGHAI)
    merge = _merge(world, org["rep1"], now=late_evening)
    assert merge.undo_until == datetime(2025, 3, 5, 0, 0, tzinfo=SHANGHAI)
    rows = _all_rows()
    with pytest.raises(InvalidTransition) as refused:
        services.merge_undo(actor=org["rep1"], merge=merge, now=datetime(2025, 3, 5, 0, 1, tzinfo=SHANGHAI))
    assert "2025-03-05 00:00" in refused.value.detail
    assert _all_rows() == rows
    services.merge_undo(actor=org["rep1"], merge=merge, now=datetime(2025, 3, 4, 23, 59, tzinfo=SHANGHAI))
    assert Customer.objects.filter(pk=world.absorbed.pk).exists()


def test_the_day_ends_at_midnight_of_the_merging_users_own_zone(org: Org, world: World) -> None:
    rep1 = org["rep1"]
    rep1.time_zone = "Europe/Berlin"
    rep1.save(update_fields=["time_zone"])
    # 23:30 in Shanghai is 16:30 in Berlin: the Berlin day still has hours to go.
    merge = _merge(world, rep1, now=datetime(2025, 3, 4, 23, 30, tzinfo=SHANGHAI))
    assert merge.undo_until == datetime(2025, 3, 5, 0, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    services.merge_undo(actor=rep1, merge=merge, now=datetime(2025, 3, 5, 6, 0, tzinfo=SHANGHAI))


def test_undo_twice_is_refused(org: Org, world: World) -> None:
    merge = _merge(world, org["rep1"])
    services.merge_undo(actor=org["rep1"], merge=merge)
    with pytest.raises(InvalidTransition):
        services.merge_undo(actor=org["rep1"], merge=merge)


def test_undo_by_a_manager_but_not_by_another_rep(org: Org, world: World) -> None:
    merge = _merge(world, org["rep1"])
    survivor = Customer.objects.get(pk=world.survivor.pk)
    record_share(actor=org["rep1"], record=survivor, user=org["rep1b"], can_change=True)
    rows = _all_rows()
    with pytest.raises(NotAllowed):
        services.merge_undo(actor=org["rep1b"], merge=merge)  # may change the survivor, but did not merge
    with pytest.raises(NotFound):
        selectors.merge_get(actor=org["manager2"], pk=merge.pk)  # cannot see the survivor
    assert _all_rows() == rows
    services.merge_undo(actor=org["manager1"], merge=merge)
    assert Customer.objects.filter(pk=world.absorbed.pk).exists()


def test_undo_is_refused_once_the_survivor_was_merged_away(org: Org, world: World) -> None:
    first = _merge(world, org["rep1"])
    survivor = Customer.objects.get(pk=world.survivor.pk)
    services.customer_merge(
        actor=org["rep1"],
        survivor=world.outsider,
        absorbed=survivor,
        version=world.outsider.version,
        other_version=survivor.version,
    )
    with pytest.raises(InvalidTransition):
        services.merge_undo(actor=org["rep1"], merge=first)
    assert selectors.merge_get(actor=org["rep1"], pk=first.pk) == first  # still readable by whoever merged


# --- contacts --------------------------------------------------------------------------------------


def test_contacts_merge_and_undo(org: Org, records: Records) -> None:
    rep1, customer = org["rep1"], records.own
    other_customer = services.customer_create(actor=rep1, name="另一家公司")
    kept = services.contact_create(actor=rep1, customer=customer, name="陈静", mobile="13900000001")
    gone = services.contact_create(actor=rep1, customer=customer, name="陈静 ", email="chen@example.com")
    services.position_start(actor=rep1, contact=gone, customer=other_customer, title="董事")
    boss = services.contact_create(actor=rep1, customer=customer, name="周总")
    services.contact_relationship_create(actor=rep1, from_contact=gone, to_contact=boss, kind="reports_to")
    services.contact_relationship_create(actor=rep1, from_contact=kept, to_contact=boss, kind="reports_to")
    services.contact_relationship_create(actor=rep1, from_contact=gone, to_contact=kept, kind="introduced_by")
    services.interaction_log(
        actor=rep1, customer=customer, contact=gone, channel="wechat", direction="inbound", summary="咨询"
    )
    rows = _all_rows()
    before_kept = _pointing(Contact, kept.pk)
    before_gone = _pointing(Contact, gone.pk)

    merge = services.contact_merge(
        actor=rep1, survivor=kept, absorbed=gone, version=kept.version, other_version=gone.version
    )

    assert not Contact.objects.filter(pk=gone.pk).exists()
    assert _pointing(Contact, gone.pk) == dict.fromkeys(before_gone, 0)
    after = _pointing(Contact, kept.pk)
    assert after["customers.interaction.contact"] == before_kept["customers.interaction.contact"] + 1
    assert after["customers.position.contact"] == 2  # the open post at the same customer collapsed
    assert after["customers.contactrelationship.from_contact"] == 1  # the same reports-to collapsed
    assert not ContactRelationship.objects.filter(kind="introduced_by").exists()  # between the two: gone
    kept.refresh_from_db()
    assert (kept.mobile, kept.email) == ("13900000001", "chen@example.com")

    services.merge_undo(actor=rep1, merge=merge)
    assert _all_rows() | {"customers.Contact": []} == rows | {"customers.Contact": []}
    restored = Contact.objects.get(pk=gone.pk)
    assert snapshot(restored) == merge.absorbed_snapshot


def test_contact_merge_needs_both_contacts_in_scope(org: Org, records: Records) -> None:
    mine = services.contact_create(actor=org["rep1"], customer=records.own, name="甲")
    theirs = services.contact_create(actor=org["rep2"], customer=records.other, name="甲")
    with pytest.raises(NotFound):
        services.contact_merge(actor=org["rep1"], survivor=mine, absorbed=theirs, version=1, other_version=1)
    assert Contact.objects.filter(pk=theirs.pk).exists()


# --- API ---------------------------------------------------------------------------------------------


def test_api_merge_get_and_undo(api: Any, org: Org, world: World) -> None:
    client = api("rep1")
    body = {
        "other_id": str(world.absorbed.pk),
        "version": world.survivor.version,
        "other_version": world.absorbed.version,
        "fields": {"name": "absorbed"},
    }
    response = client.post(f"/api/v1/customers/{world.survivor.pk}/merge", body)
    assert response.status_code == 201, response.content
    merge = response.json()
    assert merge["kind"] == "customer"
    assert merge["moved"]["customers.interaction.customer"] == 3
    assert merge["removed"]["customers.customertag"] == 1
    assert merge["changed_fields"][0] == "name"
    assert merge["before"]["absorbed"]["name"] == "云栖科技杭州分部"
    assert client.get(f"/api/v1/customers/{world.absorbed.pk}").status_code == 404
    assert client.get(f"/api/v1/customers/{world.survivor.pk}").json()["name"] == "云栖科技杭州分部"

    assert client.get(f"/api/v1/merges/{merge['id']}").json()["id"] == merge["id"]
    assert api("manager2").get(f"/api/v1/merges/{merge['id']}").status_code == 404
    undone = client.post(f"/api/v1/merges/{merge['id']}/undo")
    assert undone.status_code == 200
    assert undone.json()["undone_by"]["username"] == "rep1"
    again = client.post(f"/api/v1/merges/{merge['id']}/undo")
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"


def test_api_refusals(api: Any, org: Org, world: World, records: Records) -> None:
    client = api("rep1")
    path = f"/api/v1/customers/{world.survivor.pk}/merge"
    base = {
        "other_id": str(world.absorbed.pk),
        "version": world.survivor.version,
        "other_version": world.absorbed.version,
    }
    rows = _all_rows()
    assert client.post(path, base | {"version": world.survivor.version + 1}).status_code == 409
    assert client.post(path, base | {"fields": {"name": "mine"}}).status_code == 422
    assert client.post(path, base | {"fields": {"colour": "absorbed"}}).status_code == 422
    assert client.post(path, base | {"other_id": str(records.other.pk)}).status_code == 404
    assert client.post(path, base | {"other_id": str(world.survivor.pk)}).status_code == 422
    assert api("rep2").post(path, base).status_code == 404
    assert _all_rows() == rows


def test_api_contact_merge(api: Any, org: Org, records: Records) -> None:
    rep1 = org["rep1"]
    kept = services.contact_create(actor=rep1, customer=records.own, name="林涛")
    gone = services.contact_create(actor=rep1, customer=records.own, name="林涛", wechat="lintao")
    response = api("rep1").post(
        f"/api/v1/contacts/{kept.pk}/merge", {"other_id": str(gone.pk), "version": 1, "other_version": 1}
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "contact"
    assert Contact.objects.get(pk=kept.pk).wechat == "lintao"


# --- pages -----------------------------------------------------------------------------------------


def test_pages_pick_compare_merge_and_undo(browser_client: Any, org: Org, world: World) -> None:
    client = browser_client("rep1")
    client.get("/")  # a CSRF cookie
    detail = client.get(reverse("customers:customer-detail", args=[world.survivor.pk])).content.decode()
    assert reverse("customers:customer-merge", args=[world.survivor.pk]) in detail

    picked = client.get(reverse("customers:customer-merge", args=[world.survivor.pk]), {"q": "云栖"}).content.decode()
    compare_url = reverse("customers:customer-merge-compare", args=[world.survivor.pk, world.absorbed.pk])
    assert compare_url in picked

    page = client.get(compare_url).content.decode()
    assert "hello@yunqi.example" in page
    assert 'name="keep_email" value="absorbed" id="keep-email-absorbed" checked' in page  # empty here: theirs
    assert 'name="keep_name" value="survivor" id="keep-name-survivor" checked' in page

    token = client.cookies["csrftoken"].value
    form = {
        "csrfmiddlewaretoken": token,
        "version": world.survivor.version,
        "other_version": world.absorbed.version,
        "keep_name": "absorbed",
    }
    response = client.post(compare_url, form)
    assert response.status_code == 302
    merge = MergeRecord.objects.get()
    assert response["Location"] == reverse("customers:merge-detail", args=[merge.pk])
    assert Customer.objects.get(pk=world.survivor.pk).name == "云栖科技杭州分部"

    confirmation = client.get(response["Location"]).content.decode()
    assert reverse("customers:merge-undo", args=[merge.pk]) in confirmation
    undone = client.post(reverse("customers:merge-undo", args=[merge.pk]), {"csrfmiddlewaretoken": token})
    assert undone.status_code == 302
    assert Customer.objects.filter(pk=world.absorbed.pk).exists()
    after = client.get(undone["Location"]).content.decode()
    assert 'id="gx-merge-undone"' in after
    assert reverse("customers:merge-undo", args=[merge.pk]) not in after


def test_compare_page_with_a_stale_version_shows_a_conflict(browser_client: Any, org: Org, world: World) -> None:
    client = browser_client("rep1")
    client.get("/")
    url = reverse("customers:customer-merge-compare", args=[world.survivor.pk, world.absorbed.pk])
    assert f'name="version" value="{world.survivor.version}"' in client.get(url).content.decode()
    # Someone else edits the surviving record while the user is choosing.
    services.customer_update(actor=org["rep1"], customer=world.survivor, version=world.survivor.version, notes="改了")
    form = {
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        "version": world.survivor.version - 1,
        "other_version": world.absorbed.version,
    }
    response = client.post(url, form)
    assert response.status_code == 409
    assert f'name="version" value="{world.survivor.version}"' in response.content.decode()  # reloaded
    assert Customer.objects.filter(pk=world.absorbed.pk).exists()


def test_merge_pages_of_a_record_outside_the_scope_are_not_found(
    browser_client: Any, org: Org, records: Records
) -> None:
    client = browser_client("rep1")
    assert client.get(reverse("customers:customer-merge", args=[records.other.pk])).status_code == 404
    url = reverse("customers:customer-merge-compare", args=[records.own.pk, records.other.pk])
    assert client.get(url).status_code == 404


def test_the_survivors_page_and_timeline_show_the_merge(browser_client: Any, org: Org, world: World) -> None:
    _merge(world, org["rep1"])
    client = browser_client("rep1")
    assert client.get(reverse("customers:customer-detail", args=[world.survivor.pk])).status_code == 200
    timeline = client.get(reverse("customers:customer-timeline", args=[world.survivor.pk]))
    assert timeline.status_code == 200
    assert "云栖科技杭州分部" in timeline.content.decode()  # "merged from" entry
    assert client.get(reverse("customers:customer-detail", args=[world.absorbed.pk])).status_code == 404
