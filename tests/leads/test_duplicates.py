"""The duplicate check in the database: candidates at entry, visibility, merge, link, dismiss, keys after edits."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from guanxi.core.errors import InvalidTransition, NotFound
from guanxi.customers.services.contacts import contact_create
from guanxi.customers.services.profile import customer_update
from guanxi.leads import duplicates, selectors, services
from guanxi.leads.models import DedupKey, DuplicateCandidate, DuplicateState, Lead, LeadEventKind, LeadStatus
from tests.conftest import Org, Records
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(org: Org) -> Any:
    row = services.lead_settings()
    row.assignment = {"rules": [{"kind": "pool"}]}
    row.save()
    return services.channel_create(actor=org["admin"], name="官网表单", kind="self_built", team=org.east)


def _lead(org: Org, channel: Any, **raw: str) -> Lead:
    lead = services.lead_create(actor=org["admin"], channel=channel, raw=raw)
    lead.refresh_from_db()
    return lead


def _reasons(lead: Lead) -> dict[str, str]:
    return {row.kind: row.reason for row in DuplicateCandidate.objects.filter(lead=lead)}


def test_a_lead_with_the_phone_of_an_existing_customer_is_flagged_same_phone(
    org: Org, records: Records, channel: Any
) -> None:
    lead = _lead(org, channel, name="杭州云栖科技", company="杭州云栖科技有限公司", phone="138 0013 8000")
    assert lead.duplicate_state == DuplicateState.SUSPECTED
    (candidate,) = DuplicateCandidate.objects.filter(lead=lead)
    assert candidate.customer_id == records.own.pk
    assert candidate.reason == "same_phone"
    assert candidate.score >= 0.9
    assert lead.events.filter(kind=LeadEventKind.DUPLICATE).exists()
    assert lead.status == LeadStatus.NEW  # still graded and assigned as any lead


def test_a_new_person_is_not_flagged(org: Org, records: Records, channel: Any) -> None:
    lead = _lead(org, channel, name="赵敏", company="成都蜀锦文化传媒", phone="13912345678")
    assert lead.duplicate_state == DuplicateState.NONE
    assert not DuplicateCandidate.objects.filter(lead=lead).exists()


@pytest.mark.parametrize(
    "company",
    ["杭州云栖科技", "云栖科技有限公司", "杭州雲棲科技有限公司", "Hangzhou Yunqi Technology Co., Ltd."],
)
def test_a_person_at_a_company_variant_of_a_customer_is_a_candidate(
    org: Org, records: Records, channel: Any, company: str
) -> None:
    lead = _lead(org, channel, name="张伟", company=company, phone="13711112222")
    assert _reasons(lead) == {"customer": "works_at"}
    assert DuplicateCandidate.objects.get(lead=lead).customer_id == records.own.pk


def test_two_leads_of_one_person_with_company_variants_find_each_other(org: Org, channel: Any) -> None:
    first = _lead(org, channel, name="李娜", company="深圳华信电子有限公司", email="lina@huaxin.cn")
    second = _lead(org, channel, name="李 娜", company="深圳華信電子", phone="13600001111")
    (candidate,) = DuplicateCandidate.objects.filter(lead=second)
    assert candidate.other_lead_id == first.pk
    assert candidate.reason == "similar_name_and_company"


def test_a_contact_with_the_same_mobile_is_a_candidate(org: Org, records: Records, channel: Any) -> None:
    contact = contact_create(actor=org["rep1b"], customer=records.team, name="王芳", mobile="13599998888")
    lead = _lead(org, channel, name="王芳", phone="+86 135 9999 8888")
    assert DuplicateCandidate.objects.get(lead=lead).contact_id == contact.pk


def test_candidates_never_show_what_the_actor_cannot_see(org: Org, records: Records, channel: Any) -> None:
    lead = _lead(org, channel, name="杭州云栖科技", company="杭州云栖科技有限公司", phone="13800138000")
    lead.owner = org["rep1b"]
    lead.save()
    # rep1b (East) may change the lead but does not see rep1's customer.
    (seen,) = duplicates.lead_duplicates(actor=org["rep1b"], lead=lead)
    assert not seen.visible
    assert seen.record_id is None
    assert seen.name == ""
    assert seen.detail == ""
    with translation.override("en"):
        (in_english,) = duplicates.lead_duplicates(actor=org["rep1b"], lead=lead)
    assert "ask your manager" in in_english.note
    (owner_view,) = duplicates.lead_duplicates(actor=org["manager1"], lead=lead)
    assert owner_view.visible
    assert owner_view.name == "杭州云栖科技有限公司"


def test_a_rep_of_another_team_cannot_read_the_leads_candidates(org: Org, records: Records, channel: Any) -> None:
    lead = _lead(org, channel, name="杭州云栖科技", company="杭州云栖科技有限公司", phone="13800138000")
    with pytest.raises(NotFound):
        selectors.lead_detail(actor=org["rep2"], pk=lead.pk)


def test_merge_closes_the_duplicate_and_keeps_both_histories(org: Org, channel: Any) -> None:
    first = _lead(org, channel, name="陈静", company="宁波港盛物流", phone="13711110000")
    second = _lead(org, channel, name="陈静", company="宁波港盛物流有限公司", phone="13711110000",
                   email="chenjing@gangsheng.com")  # fmt: skip
    kept = duplicates.lead_merge(actor=org["manager1"], lead=second, into_lead=first, version=second.version)
    second.refresh_from_db()
    assert kept.pk == first.pk
    assert second.status == LeadStatus.REJECTED
    assert second.duplicate_state == DuplicateState.MERGED
    assert second.merged_into_id == first.pk
    assert kept.email == "chenjing@gangsheng.com"  # filled from the duplicate
    assert second.events.filter(kind=LeadEventKind.MERGED).exists()
    assert kept.events.filter(kind=LeadEventKind.MERGED).exists()
    assert second.events.filter(kind=LeadEventKind.CREATED).exists()
    assert not DedupKey.objects.filter(record_id=second.pk).exists()
    with pytest.raises(InvalidTransition):
        duplicates.lead_merge(actor=org["manager1"], lead=second, into_lead=first)


def test_link_keeps_the_lead_open_and_conversion_joins_the_customer(org: Org, records: Records, channel: Any) -> None:
    lead = _lead(org, channel, name="张伟", company="杭州云栖科技", phone="13711112222")
    linked = duplicates.lead_link(actor=org["manager1"], lead=lead, customer=records.own)
    assert linked.customer_id == records.own.pk
    assert linked.duplicate_state == DuplicateState.LINKED
    assert linked.status == LeadStatus.NEW
    assert linked.events.filter(kind=LeadEventKind.LINKED).exists()


def test_link_to_a_customer_the_actor_cannot_see_is_not_found(org: Org, records: Records, channel: Any) -> None:
    lead = _lead(org, channel, name="张伟", company="杭州云栖科技", phone="13711112222")
    with pytest.raises(NotFound):
        duplicates.lead_link(actor=org["manager1"], lead=lead, customer=records.other)
    lead.refresh_from_db()
    assert lead.customer_id is None


def test_dismissing_the_last_candidate_marks_the_lead_not_a_duplicate(org: Org, records: Records, channel: Any) -> None:
    lead = _lead(org, channel, name="杭州云栖科技", company="杭州云栖科技有限公司", phone="13800138000")
    candidate = DuplicateCandidate.objects.get(lead=lead)
    dismissed = duplicates.lead_duplicate_dismiss(actor=org["manager1"], lead=lead, candidate=candidate)
    assert dismissed.duplicate_state == DuplicateState.DISMISSED
    assert not DuplicateCandidate.objects.filter(lead=lead).exists()


def test_a_new_customer_is_found_by_the_next_lead(org: Org, channel: Any) -> None:
    customer = CustomerFactory(owner=org["rep1"], name="苏州博远精密机械有限公司", phone="051262345678")
    lead = _lead(org, channel, company="博远精密机械(苏州)有限公司", phone="0512-6234 5678")
    assert DuplicateCandidate.objects.get(lead=lead).customer_id == customer.pk


def test_keys_follow_a_customers_phone_change(org: Org, records: Records, channel: Any) -> None:
    customer_update(actor=org["rep1"], customer=records.own, version=records.own.version, phone="13966667777")
    lead = _lead(org, channel, company="杭州云栖科技有限公司", phone="13966667777")
    assert DuplicateCandidate.objects.get(lead=lead).customer_id == records.own.pk
    old = _lead(org, channel, name="路人甲", phone="13800138000")
    assert not DuplicateCandidate.objects.filter(lead=old, customer=records.own).exists()


def test_keys_follow_a_customers_name_change(org: Org, records: Records, channel: Any) -> None:
    """An edit (``record_update``: no post_save) reaches the keys through ``core.records.record_updated``."""
    customer_update(actor=org["rep1"], customer=records.own, version=records.own.version, name="温州瓯江茶业有限公司")
    lead = _lead(org, channel, name="周杰", company="温州瓯江茶业", phone="13312345678")
    assert DuplicateCandidate.objects.get(lead=lead).customer_id == records.own.pk


def test_rebuild_fills_the_keys_of_every_customer_contact_and_open_lead(
    org: Org, records: Records, channel: Any
) -> None:
    contact_create(actor=org["rep1b"], customer=records.team, name="王芳", mobile="13599998888")
    _lead(org, channel, name="赵敏", company="成都蜀锦文化传媒", phone="13912345678")
    before = sorted(DedupKey.objects.values_list("kind", "record_id", "key"))
    DedupKey.objects.all().delete()
    counts = duplicates.dedup_keys_rebuild(batch=2)
    assert sorted(DedupKey.objects.values_list("kind", "record_id", "key")) == before
    assert counts["customer"] >= 4
    assert counts["contact"] >= 1
    assert counts["lead"] >= 1
