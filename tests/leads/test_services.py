"""Lead services: entry through cleaning, grading and assignment; the pool and claiming; follow-up; conversion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from guanxi.accounts import access
from guanxi.core.errors import Conflict, InvalidTransition, NotFound
from guanxi.customers.models import Interaction
from guanxi.leads import selectors, services
from guanxi.leads.models import Channel, Lead, LeadEventKind, LeadStatus
from tests.conftest import Org

pytestmark = pytest.mark.django_db


def _pool_only() -> None:
    """Assignment that puts every lead in its channel team's pool."""
    settings_row = services.lead_settings()
    settings_row.assignment = {"rules": [{"kind": "pool"}]}
    settings_row.save()


@pytest.fixture
def channel(org: Org) -> Channel:
    return services.channel_create(actor=org["admin"], name="展会 Trade show", kind="paid", team=org.east)


def test_a_lead_is_cleaned_graded_and_waits_in_the_channel_teams_pool(org: Org, channel: Channel) -> None:
    _pool_only()
    lead = services.lead_create(
        actor=org["admin"],
        channel=channel,
        raw={"name": " 张  伟 ", "company": "杭州云栖科技 有限公司", "phone": "138-0013-8000",
             "email": "ZW@Example.COM", "title": "总经理", "industry": "制造业"},
    )  # fmt: skip
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert lead.phone_e164 == "+8613800138000"
    assert lead.email == "zw@example.com"
    assert lead.name in {"张 伟", "张伟"}
    assert lead.grade in {"A", "B", "C", "D"}
    assert lead.score > 0
    assert lead.grade_reasons, "why this grade"
    assert lead.owner_id is None
    assert lead.team_id == org.east.pk
    kinds = list(lead.events.order_by("created_at").values_list("kind", flat=True))
    assert kinds == [LeadEventKind.CREATED, LeadEventKind.POOLED]


def test_a_lead_failing_a_rule_is_kept_as_rejected_with_every_reason(org: Org, channel: Channel) -> None:
    lead = services.lead_create(
        actor=org["admin"], channel=channel, raw={"name": "x", "phone": "12", "email": "a@mailinator.com"}
    )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.REJECTED
    rules = {r["rule"] for r in lead.rejections}
    assert len(rules) >= 2, lead.rejections
    assert all(r["reason"] for r in lead.rejections)
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_pool_leads_are_seen_and_claimed_by_their_team_only(org: Org, channel: Channel) -> None:
    _pool_only()
    lead = services.lead_create(actor=org["admin"], channel=channel, raw={"name": "李娜", "phone": "13900139000"})
    assert [row.pk for row in selectors.pool_leads(actor=org["rep1"])] == [lead.pk]
    assert list(selectors.pool_leads(actor=org["rep2"])) == []
    with pytest.raises(NotFound):
        services.lead_claim(actor=org["rep2"], lead_id=lead.pk)

    claimed = services.lead_claim(actor=org["rep1"], lead_id=lead.pk)

    assert claimed.owner_id == org["rep1"].pk
    assert claimed.claimed_at is not None
    with pytest.raises((Conflict, NotFound)):
        services.lead_claim(actor=org["rep1b"], lead_id=lead.pk)
    assert list(selectors.pool_leads(actor=org["rep1b"])) == []
    assert access.can(org["rep1"], "change", claimed)


def test_a_rep_cannot_claim_more_than_the_limit(org: Org, channel: Channel) -> None:
    _pool_only()
    settings_row = services.lead_settings()
    settings_row.claim_limit = 1
    settings_row.save()
    first, second = (
        services.lead_create(actor=org["admin"], channel=channel, raw={"name": n, "phone": p})
        for n, p in (("甲", "13900139001"), ("乙", "13900139002"))
    )
    services.lead_claim(actor=org["rep1"], lead_id=first.pk)
    with translation.override("en"), pytest.raises(Conflict, match="open leads"):
        services.lead_claim(actor=org["rep1"], lead_id=second.pk)
    assert Lead.objects.get(pk=second.pk).owner_id is None


def test_leads_without_follow_up_return_to_the_pool_with_their_history(org: Org, channel: Channel) -> None:
    _pool_only()
    lead = services.lead_create(actor=org["admin"], channel=channel, raw={"name": "王伟", "phone": "13700137000"})
    services.lead_claim(actor=org["rep1"], lead_id=lead.pk)
    days = services.lead_settings().recycle_days

    assert services.leads_recycle(now=timezone.now() + timedelta(days=days - 1)) == 0
    assert services.leads_recycle(now=timezone.now() + timedelta(days=days, hours=1)) == 1

    lead.refresh_from_db()
    assert lead.owner_id is None
    assert lead.status == LeadStatus.RECYCLED
    assert lead.recycled_count == 1
    kinds = set(lead.events.values_list("kind", flat=True))
    assert {LeadEventKind.CLAIMED, LeadEventKind.RECYCLED} <= kinds
    assert [row.pk for row in selectors.pool_leads(actor=org["rep1b"])] == [lead.pk]


def test_a_follow_up_keeps_the_lead_and_converting_makes_customer_contact_and_interactions(
    org: Org, channel: Channel
) -> None:
    _pool_only()
    lead = services.lead_create(
        actor=org["admin"], channel=channel,
        raw={"name": "赵敏", "company": "宁波海曙贸易有限公司", "phone": "13600136000", "title": "采购经理"},
    )  # fmt: skip
    lead = services.lead_claim(actor=org["rep1"], lead_id=lead.pk)
    lead = services.lead_follow_up(actor=org["rep1"], lead=lead, channel="phone", summary="约了下周拜访")
    assert lead.status == LeadStatus.CONTACTED
    with pytest.raises(NotFound):
        services.lead_follow_up(actor=org["rep2"], lead=lead, channel="phone", summary="x")
    lead = services.lead_set_status(actor=org["rep1"], lead=lead, status=LeadStatus.QUALIFIED, version=lead.version)

    customer = services.lead_convert(actor=org["rep1"], lead=lead, version=lead.version)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert lead.customer_id == customer.pk
    assert lead.contact is not None
    assert customer.owner_id == org["rep1"].pk
    assert "宁波海曙贸易" in customer.name
    assert Interaction.objects.filter(customer=customer, summary="约了下周拜访").count() == 1
    with pytest.raises(InvalidTransition):
        services.lead_convert(actor=org["rep1"], lead=lead)


def test_a_stale_version_is_refused(org: Org, channel: Channel) -> None:
    _pool_only()
    lead = services.lead_create(actor=org["admin"], channel=channel, raw={"name": "周", "phone": "13500135000"})
    lead = services.lead_claim(actor=org["rep1"], lead_id=lead.pk)
    with pytest.raises(Conflict):
        services.lead_set_status(actor=org["rep1"], lead=lead, status=LeadStatus.QUALIFIED, version=lead.version - 1)
