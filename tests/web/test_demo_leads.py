"""The lead demo: channels with costs, leads in both demo teams' pools, every funnel step, a grade check
whose flag works, idempotent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.accounts.models import User
from guanxi.leads import reports, selectors
from guanxi.leads.models import Channel, ChannelCost, Lead, LeadStatus
from guanxi.web.demo import demo_load
from guanxi.web.demo_leads import PLANS, demo_leads_load

pytestmark = pytest.mark.django_db


def test_the_lead_demo_fills_both_pools_and_every_step_once() -> None:
    demo_load()
    assert demo_leads_load() is True

    assert Channel.objects.count() == len(PLANS)
    assert {c.kind for c in Channel.objects.all()} == {"self_built", "free", "paid"}
    assert ChannelCost.objects.exists()
    for rep in ("rep1", "rep2"):  # East and South
        assert selectors.pool_leads(actor=User.objects.get(username=rep)).count() > 5, rep
    statuses = set(Lead.objects.values_list("status", flat=True))
    assert {LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.CONVERTED, LeadStatus.REJECTED} <= (
        statuses
    )
    converted = Lead.objects.filter(status=LeadStatus.CONVERTED)
    assert all(lead.customer_id for lead in converted)
    assert all(lead.rejections for lead in Lead.objects.filter(status=LeadStatus.REJECTED, rejected_at__isnull=False)
               if lead.events.filter(kind="rejected").exists())  # fmt: skip

    # The grade check shows a flag that works: a third or more of the leads in the flagged grade D, which
    # converts almost never, and conversion falling from A to D over the half year.
    today = timezone.localdate()
    check = reports.grade_check(
        actor=User.objects.get(username="admin"), period="range", start=today - timedelta(days=200)
    )
    assert check.flagged.grades == ("D",)
    assert Decimal("0.33") <= (check.flagged.share or 0) <= Decimal("0.5"), check.flagged
    assert (check.flagged.conversion_rate or 0) <= Decimal("0.02"), check.flagged
    assert (check.rest.conversion_rate or 0) >= Decimal("0.1"), check.rest
    assert check.ordered is True, check.rates

    count = Lead.objects.count()
    assert demo_leads_load() is False
    assert Lead.objects.count() == count
