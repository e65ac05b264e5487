"""A converted lead's history on the customer's 360° timeline, and the hourly recycle job."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from huey.api import PeriodicTask

from guanxi.customers.timeline import timeline_page
from guanxi.leads import services, tasks
from guanxi.leads.models import Channel, Lead, LeadEvent, LeadEventKind, LeadStatus
from tests.conftest import Org, Records

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(org: Org) -> Channel:
    row = services.lead_settings()
    row.assignment = {"rules": [{"kind": "pool"}]}
    row.save()
    return services.channel_create(actor=org["admin"], name="展会 Trade show", kind="paid", team=org.east)


def _converted(org: Org, channel: Channel) -> Lead:
    lead = services.lead_create(
        actor=org["admin"],
        channel=channel,
        raw={"name": "张伟", "company": "杭州新客户科技有限公司", "phone": "13800138001"},
    )
    lead = services.lead_claim(actor=org["rep1"], lead_id=lead.pk)
    lead = services.lead_follow_up(actor=org["rep1"], lead=lead, channel="phone", summary="有兴趣")
    lead = services.lead_set_status(actor=org["rep1"], lead=lead, status="qualified", reason="预算已确认")
    services.lead_convert(actor=org["rep1"], lead=lead)
    lead.refresh_from_db()
    return lead


def test_the_customer_timeline_shows_the_leads_history_after_conversion(org: Org, channel: Channel) -> None:
    lead = _converted(org, channel)
    assert lead.customer is not None
    with translation.override("en"):
        page = timeline_page(actor=org["rep1"], customer=lead.customer, limit=50)
    lead_entries = [entry for entry in page.entries if entry.kind == "lead"]
    titles = [entry.title for entry in lead_entries]
    assert any("Converted" in title for title in titles)
    assert any("Claimed" in title for title in titles)
    assert any("Created" in title for title in titles)
    qualified = next(entry for entry in lead_entries if ("Reason", "预算已确认") in entry.facts)
    assert qualified.actor == str(org["rep1"])
    # the follow-up shows once, as the customer's interaction, not again as a lead step
    assert not any("Followed up" in title for title in titles)
    assert sum(1 for entry in page.entries if entry.kind == "interaction") == 1
    assert all(entry.url == reverse("leads:lead-detail", args=[lead.pk]) for entry in lead_entries)


def test_the_lead_steps_page_through_the_timeline_cursor(org: Org, channel: Channel) -> None:
    lead = _converted(org, channel)
    assert lead.customer is not None
    steps = LeadEvent.objects.filter(lead=lead).exclude(kind=LeadEventKind.FOLLOWED_UP).count()
    seen, cursor = [], None
    for _ in range(20):
        page = timeline_page(actor=org["rep1"], customer=lead.customer, limit=2, cursor=cursor)
        seen += [entry for entry in page.entries if entry.kind == "lead"]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == steps
    assert len({entry.key for entry in seen}) == steps


def test_the_timeline_page_of_the_customer_shows_the_lead(org: Org, channel: Channel) -> None:
    lead = _converted(org, channel)
    assert lead.customer is not None
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org["rep1"], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    html = client.get(reverse("customers:customer-timeline", args=[lead.customer.pk])).content.decode()
    assert reverse("leads:lead-detail", args=[lead.pk]) in html
    assert "Lead: Converted" in html


def test_a_customer_without_leads_has_no_lead_steps(org: Org, records: Records, channel: Channel) -> None:
    _converted(org, channel)
    page = timeline_page(actor=org["rep1"], customer=records.own, limit=50)
    assert not [entry for entry in page.entries if entry.kind == "lead"]


def test_the_hourly_job_returns_neglected_leads_to_the_pool(org: Org, channel: Channel) -> None:
    job = tasks.leads_recycle_hourly.task_class()
    assert isinstance(job, PeriodicTask)
    moments = [datetime(2026, 1, 1, hour, minute) for hour in range(24) for minute in range(60)]  # noqa: DTZ001 -- huey's clock is naive
    fires = [moment.hour for moment in moments if job.validate_datetime(moment)]
    assert fires == list(range(24)), "once an hour"
    lead = services.lead_create(actor=org["admin"], channel=channel, raw={"name": "王芳", "phone": "13800138003"})
    services.lead_claim(actor=org["rep1"], lead_id=lead.pk)
    days = services.lead_settings().recycle_days
    Lead.objects.filter(pk=lead.pk).update(claimed_at=timezone.now() - timedelta(days=days, hours=1))

    assert tasks.leads_recycle_hourly.call_local() == 1

    lead.refresh_from_db()
    assert lead.owner_id is None
    assert lead.status == LeadStatus.RECYCLED
    assert lead.events.filter(kind=LeadEventKind.RECYCLED).exists()
    assert tasks.leads_recycle_hourly.call_local() == 0
