"""Deleting customers, contacts, interactions, tags and rules: permission, history kept, nothing lost by accident."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.accounts.models import Perm, Role
from guanxi.contracts.services import LineIn, order_create
from guanxi.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from guanxi.core.models import AuditEntry
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer, CustomerFacts, CustomerTag, Interaction, Position, TagRule
from guanxi.customers.selectors import contact_page, customer_page
from tests.accounts.factories import UserFactory
from tests.conftest import Org
from tests.sales.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _deleter(org: Org, scope: str = "own") -> Any:
    role = Role.objects.create(code=f"cleaner-{scope}", name="清理员", default_scope=scope, permissions=[Perm.DELETE])
    return UserFactory(username=f"cleaner-{scope}", role=role, team=org.east)


def test_deleting_a_customer_takes_its_posts_interactions_tags_and_lone_contacts(org: Org) -> None:
    admin, rep1 = org["admin"], org["rep1"]
    customer = services.customer_create(actor=rep1, name="待删除有限公司")
    elsewhere = services.customer_create(actor=rep1, name="另一家有限公司")
    lone = services.contact_create(actor=rep1, customer=customer, name="只在这里")
    shared = services.contact_create(actor=rep1, customer=customer, name="两边都在")
    services.position_start(actor=rep1, contact=shared, customer=elsewhere)
    services.interaction_log(actor=rep1, customer=customer, channel="phone", direction="outbound", summary="电话")
    tag = services.tag_create(actor=admin, group=services.tag_group_create(actor=admin, name="组"), name="重点")
    services.customer_tag_add(actor=rep1, customer=customer, tag=tag)

    services.customer_delete(actor=admin, customer=customer, version=customer.version)

    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not Contact.objects.filter(pk=lone.pk).exists()
    assert Contact.objects.filter(pk=shared.pk).exists()
    assert Position.objects.filter(contact=shared).count() == 1
    assert not Interaction.objects.filter(customer_id=customer.pk).exists()
    assert not CustomerTag.objects.filter(customer_id=customer.pk).exists()
    assert not CustomerFacts.objects.filter(pk=customer.pk).exists()
    assert AuditEntry.objects.filter(record_id=str(customer.pk), action="delete").exists()
    assert customer_page(actor=admin, q="待删除")["items"] == []


def test_a_customer_with_orders_or_a_stale_version_is_not_deleted(org: Org) -> None:
    admin, rep1 = org["admin"], org["rep1"]
    customer = services.customer_create(actor=rep1, name="有订单有限公司")
    with pytest.raises(Conflict):
        services.customer_delete(actor=admin, customer=customer, version=customer.version + 1)
    product = ProductFactory(created_by=admin)
    order_create(
        actor=rep1,
        customer=customer,
        ordered_on=date(2025, 1, 2),
        lines=[LineIn(product_id=product.pk, quantity=Decimal(1))],
    )
    with pytest.raises(Conflict):
        services.customer_delete(actor=admin, customer=customer, version=None)
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_deleting_needs_the_delete_permission_and_the_record_in_scope(org: Org) -> None:
    customer = services.customer_create(actor=org["rep1"], name="权限测试有限公司")
    with pytest.raises(NotAllowed):
        services.customer_delete(actor=org["rep1"], customer=customer, version=None)
    with pytest.raises(NotAllowed):
        services.customer_delete(actor=org["manager1"], customer=customer, version=None)
    with pytest.raises(NotFound):
        services.customer_delete(actor=org["rep2"], customer=customer, version=None)
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_a_contact_working_for_customers_out_of_reach_is_not_deleted(org: Org) -> None:
    cleaner = _deleter(org, scope="own")
    mine = services.customer_create(actor=cleaner, name="我的客户有限公司")
    theirs = services.customer_create(actor=org["rep2"], name="别人的客户有限公司")
    contact = services.contact_create(actor=cleaner, customer=mine, name="跨公司联系人")
    services.position_start(actor=org["rep2"], contact=contact, customer=theirs)
    with pytest.raises(NotAllowed):
        services.contact_delete(actor=cleaner, contact=contact, version=None)
    assert Position.objects.filter(contact=contact).count() == 2
    alone = services.contact_create(actor=cleaner, customer=mine, name="单一联系人")
    services.contact_delete(actor=cleaner, contact=alone, version=alone.version)
    assert not Contact.objects.filter(pk=alone.pk).exists()


def test_deleting_an_interaction_recomputes_the_last_touch(org: Org) -> None:
    rep1 = org["rep1"]
    customer = services.customer_create(actor=rep1, name="触达有限公司")
    now = timezone.now()
    services.interaction_log(
        actor=rep1,
        customer=customer,
        channel="phone",
        direction="outbound",
        summary="早",
        occurred_at=now - timedelta(days=3),
    )
    latest = services.interaction_log(
        actor=rep1, customer=customer, channel="wechat", direction="inbound", summary="晚", occurred_at=now
    )
    services.interaction_delete(actor=org["admin"], interaction=latest)
    facts = CustomerFacts.objects.get(pk=customer.pk)
    assert facts.last_touch_channel == "phone"
    assert facts.interactions_count == 1


def test_deleting_a_tag_removes_it_everywhere_and_a_group_with_tags_is_kept(org: Org) -> None:
    admin, rep1 = org["admin"], org["rep1"]
    group = services.tag_group_create(actor=admin, name="价值")
    tag = services.tag_create(actor=admin, group=group, name="高价值")
    customer = services.customer_create(actor=rep1, name="打标有限公司")
    services.customer_tag_add(actor=rep1, customer=customer, tag=tag)
    services.tag_rule_save(
        actor=admin,
        rule=None,
        name="个人",
        tag=tag,
        match_all=True,
        is_active=True,
        conditions=[{"field": "kind", "op": "eq", "value": "individual"}],
    )
    with pytest.raises(Conflict):
        services.tag_group_delete(actor=admin, group=group)
    with pytest.raises(NotAllowed):
        services.tag_delete(actor=rep1, tag=tag)
    services.tag_delete(actor=admin, tag=tag)
    assert not CustomerTag.objects.exists()
    assert not TagRule.objects.exists()
    services.tag_group_delete(actor=admin, group=group)


def test_renaming_tags_keeps_names_unique(org: Org) -> None:
    admin = org["admin"]
    group = services.tag_group_create(actor=admin, name="来源")
    first = services.tag_create(actor=admin, group=group, name="展会")
    services.tag_create(actor=admin, group=group, name="转介绍")
    with pytest.raises(InvalidInput) as taken:
        services.tag_update(actor=admin, tag=first, name="转介绍")
    assert taken.value.errors[0]["loc"] == ["name"]
    assert services.tag_update(actor=admin, tag=first, name="行业展会", name_en="Trade fair").name_en == "Trade fair"


@pytest.mark.parametrize("q", ["王小明", "wangxiaoming", "wxm", "139 0013", "9000", "xm.wang@"])
def test_contacts_are_searched_within_the_scope(org: Org, q: str) -> None:
    rep1, rep2 = org["rep1"], org["rep2"]
    mine = services.customer_create(actor=rep1, name="联系人搜索有限公司")
    theirs = services.customer_create(actor=rep2, name="别处有限公司")
    services.contact_create(
        actor=rep1, customer=mine, name="王小明", mobile="139 0013 9000", email="xm.wang@example.cn"
    )
    services.contact_create(
        actor=rep2, customer=theirs, name="王小明", mobile="139 0013 9000", email="xm.wang@example.cn"
    )
    services.contact_create(actor=rep1, customer=mine, name="李四", mobile="138 0000 1111")
    found = contact_page(actor=rep1, q=q)["items"]
    assert [c.name for c in found] == ["王小明"]
    assert len(contact_page(actor=org["director"], q=q)["items"]) == 2
