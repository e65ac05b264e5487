"""Editing who a lead is runs the duplicate check again: candidates, the flag and the lead's keys follow the edit."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.leads import duplicates, services
from guanxi.leads.models import DedupKey, DuplicateCandidate, DuplicateState, Lead, LeadEventKind, LeadStatus
from tests.conftest import Org, Records
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CUSTOMER_PHONE = "138 0013 8000"  # records.own, 杭州云栖科技有限公司


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


def _edit(org: Org, lead: Lead, **fields: str) -> Lead:
    lead.refresh_from_db()
    services.lead_update(actor=org["manager1"], lead=lead, version=lead.version, **fields)
    lead.refresh_from_db()
    return lead


def _candidates(lead: Lead) -> set[Any]:
    rows = DuplicateCandidate.objects.filter(lead=lead)
    return {row.other_lead_id or row.customer_id or row.contact_id for row in rows}


def _duplicate_events(lead: Lead) -> int:
    return lead.events.filter(kind=LeadEventKind.DUPLICATE).count()


def test_editing_the_phone_to_a_customers_flags_the_lead_with_that_customer(
    org: Org, records: Records, channel: Any
) -> None:
    lead = _lead(org, channel, name="赵敏", company="成都蜀锦文化传媒", phone="13912345678")
    assert lead.duplicate_state == DuplicateState.NONE
    assert _candidates(lead) == set()

    edited = _edit(org, lead, phone=CUSTOMER_PHONE)

    assert edited.duplicate_state == DuplicateState.SUSPECTED
    assert _candidates(edited) == {records.own.pk}
    assert DuplicateCandidate.objects.get(lead=edited).reason == "same_phone"
    assert _duplicate_events(edited) == 1


def test_editing_the_phone_away_clears_the_stale_candidate(org: Org, records: Records, channel: Any) -> None:
    lead = _lead(org, channel, name="杭州云栖科技", company="杭州云栖科技有限公司", phone=CUSTOMER_PHONE)
    assert _candidates(lead) == {records.own.pk}

    edited = _edit(org, lead, name="赵敏", company="成都蜀锦文化传媒", phone="13912345678")

    assert _candidates(edited) == set()
    assert edited.duplicate_state == DuplicateState.NONE
    assert _duplicate_events(edited) == 2  # found at entry, cleared by the edit


def test_a_later_lead_finds_the_edited_lead_by_its_new_phone_not_the_old(org: Org, channel: Any) -> None:
    edited = _lead(org, channel, name="赵敏", phone="13912345678")
    _edit(org, edited, phone="13700001111")

    by_new = _lead(org, channel, name="赵敏", phone="137 0000 1111")
    by_old = _lead(org, channel, name="赵敏", phone="139 1234 5678")

    assert _candidates(by_new) == {edited.pk}
    assert edited.pk not in _candidates(by_old)
    assert not DedupKey.objects.filter(kind=DedupKey.Kind.LEAD, record_id=edited.pk, key__contains="13912345678")


def test_an_edit_that_does_not_change_who_the_lead_is_keeps_the_candidates(
    org: Org, records: Records, channel: Any
) -> None:
    lead = _lead(org, channel, name="杭州云栖科技", company="杭州云栖科技有限公司", phone=CUSTOMER_PHONE)
    edited = _edit(org, lead, message="想要报价", industry="制造业")
    assert edited.duplicate_state == DuplicateState.SUSPECTED
    assert _candidates(edited) == {records.own.pk}
    assert _duplicate_events(edited) == 1


def test_a_dismissed_lead_that_becomes_someone_else_is_suspected_again(
    org: Org, records: Records, channel: Any
) -> None:
    lead = _lead(org, channel, name="杭州云栖科技", company="杭州云栖科技有限公司", phone=CUSTOMER_PHONE)
    candidate = DuplicateCandidate.objects.get(lead=lead)
    duplicates.lead_duplicate_dismiss(actor=org["manager1"], lead=lead, candidate=candidate)
    other = CustomerFactory(owner=org["rep1"], name="苏州博远精密机械有限公司", phone="051262345678",
                            phone_e164="+8651262345678")  # fmt: skip

    edited = _edit(org, lead, name="苏州博远精密机械", company="苏州博远精密机械有限公司", phone="0512-6234 5678")

    assert edited.duplicate_state == DuplicateState.SUSPECTED
    assert _candidates(edited) == {other.pk}


def test_a_dismissed_lead_edited_without_new_candidates_stays_not_a_duplicate(
    org: Org, records: Records, channel: Any
) -> None:
    lead = _lead(org, channel, name="杭州云栖科技", company="杭州云栖科技有限公司", phone=CUSTOMER_PHONE)
    duplicates.lead_duplicate_dismiss(
        actor=org["manager1"], lead=lead, candidate=DuplicateCandidate.objects.get(lead=lead)
    )
    edited = _edit(org, lead, name="赵敏", company="成都蜀锦文化传媒", phone="13912345678")
    assert edited.duplicate_state == DuplicateState.DISMISSED
    assert _candidates(edited) == set()


def test_a_linked_lead_stays_linked_and_is_found_by_its_new_phone(org: Org, records: Records, channel: Any) -> None:
    lead = _lead(org, channel, name="张伟", company="杭州云栖科技", phone="13711112222")
    duplicates.lead_link(actor=org["manager1"], lead=lead, customer=records.own)

    edited = _edit(org, lead, phone="13655556666")
    later = _lead(org, channel, name="张伟", phone="136 5555 6666")

    assert (edited.duplicate_state, edited.customer_id) == (DuplicateState.LINKED, records.own.pk)
    assert edited.pk in _candidates(later)


def test_a_merged_lead_edited_is_never_found_again(org: Org, channel: Any) -> None:
    first = _lead(org, channel, name="李娜", company="深圳华信电子有限公司", email="lina@huaxin.cn")
    second = _lead(org, channel, name="李 娜", company="深圳華信電子", phone="13600001111")
    duplicates.lead_merge(actor=org["manager1"], lead=second, into_lead=first)

    merged = _edit(org, second, phone="13522223333")
    later = _lead(org, channel, name="李娜", phone="135 2222 3333")

    assert (merged.status, merged.duplicate_state) == (LeadStatus.REJECTED, DuplicateState.MERGED)
    assert merged.pk not in _candidates(later)
    assert not DedupKey.objects.filter(kind=DedupKey.Kind.LEAD, record_id=merged.pk).exists()
