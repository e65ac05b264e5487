"""Lead reports: channel value (cost per lead, per customer, ROI) and the funnel (rates, time in each step)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from guanxi.accounts.models import User
from guanxi.contracts.models import Order, OrderStatus
from guanxi.core.dates import day_start
from guanxi.core.errors import InvalidInput
from guanxi.leads import channels, reports, services
from guanxi.leads.models import Channel, Lead, LeadStatus
from tests.conftest import Org
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 20)
_numbers = count(1)


def _at(day: date, hours: float = 0) -> datetime:
    return day_start(day) + timedelta(hours=hours)


def make_lead(
    org: Org,
    channel: Channel,
    *,
    created: datetime,
    owner: User | None = None,
    status: str = LeadStatus.NEW,
    **stamps: Any,
) -> Lead:
    owner_team = owner.team if owner is not None else org.east
    lead = Lead.objects.create(
        channel=channel, owner=owner, team=owner_team, status=status, name="李雷",
        created_by=org["admin"], updated_by=org["admin"], **stamps,
    )  # fmt: skip
    Lead.objects.filter(pk=lead.pk).update(created_at=created)
    lead.refresh_from_db()
    return lead


def convert(org: Org, lead: Lead, at: datetime, customer: Any = None) -> Any:
    customer = customer or CustomerFactory(owner=lead.owner or org["rep1"])
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.CONVERTED, converted_at=at, customer=customer)
    return customer


def order(org: Org, customer: Any, on: date, amount: str, cost: str, status: str = OrderStatus.CONFIRMED) -> Order:
    return Order.objects.create(
        customer=customer, number=f"O-{next(_numbers)}", ordered_on=on, status=status, amount=Decimal(amount),
        cost=Decimal(cost), created_by=org["admin"], updated_by=org["admin"],
    )  # fmt: skip


@pytest.fixture
def fair(org: Org) -> Channel:
    return channels.channel_create(actor=org["admin"], name="展会 Fair", kind="paid", team=org.east)


@pytest.fixture
def web(org: Org) -> Channel:
    return channels.channel_create(actor=org["admin"], name="官网 Website", kind="self_built", team=org.east)


@pytest.fixture
def may(org: Org, fair: Channel, web: Channel) -> dict[str, Any]:
    """May 2026: the fair brings 4 leads (1 rejected, 2 converted), costs 1000; the website 1 lead, no cost."""
    rep1, rep2 = org["rep1"], org["rep2"]
    day = date(2026, 5, 3)
    won_a = make_lead(org, fair, created=_at(day), owner=rep1)
    won_b = make_lead(org, fair, created=_at(day), owner=rep2)
    make_lead(org, fair, created=_at(day), owner=rep1, status=LeadStatus.REJECTED)
    make_lead(org, fair, created=_at(day), owner=None)
    make_lead(org, web, created=_at(day), owner=rep1)
    make_lead(org, fair, created=_at(date(2026, 4, 30)), owner=rep1)  # April: outside the window
    a = convert(org, won_a, _at(date(2026, 5, 10), 9))
    b = convert(org, won_b, _at(date(2026, 5, 12), 9))
    order(org, a, date(2026, 5, 9), "999", "1")  # before the conversion: not the channel's doing
    order(org, a, date(2026, 5, 10), "3000", "1800")
    order(org, a, date(2026, 6, 1), "1000", "600", status=OrderStatus.CANCELLED)  # not sold
    order(org, b, date(2026, 5, 20), "2000", "1000")
    channels.channel_cost_add(actor=org["admin"], channel=fair, spent_on=date(2026, 5, 1), amount="600")
    channels.channel_cost_add(actor=org["admin"], channel=fair, spent_on=date(2026, 5, 31), amount="400")
    channels.channel_cost_add(actor=org["admin"], channel=fair, spent_on=date(2026, 6, 1), amount="5000")
    return {"a": a, "b": b}


def _row(report: reports.ChannelValueReport, name: str) -> reports.ChannelValue:
    return next(row for row in report.rows if row.name == name)


def test_channel_value_gives_cost_per_lead_per_customer_and_roi(org: Org, may: dict[str, Any]) -> None:
    report = reports.channel_value(actor=org["director"], period="month", today=TODAY)
    assert (report.start, report.end) == (date(2026, 5, 1), date(2026, 5, 31))
    fair = _row(report, "展会 Fair")
    assert (fair.leads, fair.valid, fair.converted) == (4, 3, 2)
    assert fair.revenue == Decimal("5000")
    assert fair.profit == Decimal("2200")  # (3000 − 1800) + (2000 − 1000)
    assert fair.cost == Decimal("1000")
    assert fair.cost_per_lead == Decimal("250.00")
    assert fair.cost_per_customer == Decimal("500.00")
    assert fair.roi == Decimal("1.2000")  # (2200 − 1000) / 1000


def test_a_channel_without_cost_has_no_ratios_built_on_cost(org: Org, may: dict[str, Any]) -> None:
    web = _row(reports.channel_value(actor=org["admin"], period="month", today=TODAY), "官网 Website")
    assert (web.leads, web.converted, web.cost) == (1, 0, Decimal("0"))
    assert web.cost_per_lead == Decimal("0.00")
    assert web.cost_per_customer is None
    assert web.roi is None


def test_the_total_row_adds_up_the_channels(org: Org, may: dict[str, Any]) -> None:
    total = reports.channel_value(actor=org["admin"], period="month", today=TODAY).total
    assert (total.leads, total.valid, total.converted) == (5, 4, 2)
    assert (total.cost, total.profit) == (Decimal("1000"), Decimal("2200"))
    assert total.cost_per_lead == Decimal("200.00")


def test_a_quarter_takes_in_april_and_june_costs(org: Org, may: dict[str, Any]) -> None:
    fair = _row(reports.channel_value(actor=org["admin"], period="quarter", today=TODAY), "展会 Fair")
    assert (fair.leads, fair.cost) == (5, Decimal("6000"))


def test_reps_see_counts_of_their_own_leads_without_money(org: Org, may: dict[str, Any]) -> None:
    report = reports.channel_value(actor=org["rep1"], period="month", today=TODAY)
    fair = _row(report, "展会 Fair")
    assert report.money is False
    assert (fair.leads, fair.converted) == (2, 1)  # rep1's converted lead and rejected lead; not the pool's
    assert (fair.revenue, fair.cost, fair.roi, fair.cost_per_lead) == (None, None, None, None)


def test_a_manager_sees_the_teams_leads(org: Org, may: dict[str, Any]) -> None:
    fair = _row(reports.channel_value(actor=org["manager2"], period="month", today=TODAY), "展会 Fair")
    assert (fair.leads, fair.converted) == (1, 1)


def _funnel_data(org: Org, fair: Channel) -> None:
    """Four leads on 1 May: one converted (new 1 day, contacted 2 days, qualified 3 days), one stuck
    contacted after 3 days as new, one rejected, one recycled and back to new."""
    day = date(2026, 5, 1)
    start = _at(day)
    make_lead(org, fair, created=start, owner=org["rep1"], status=LeadStatus.CONVERTED,
              contacted_at=start + timedelta(days=1), qualified_at=start + timedelta(days=3),
              converted_at=start + timedelta(days=6))  # fmt: skip
    make_lead(org, fair, created=start, owner=org["rep1"], status=LeadStatus.CONTACTED,
              contacted_at=start + timedelta(days=3))  # fmt: skip
    make_lead(org, fair, created=start, owner=org["rep2"], status=LeadStatus.REJECTED, rejected_at=start)
    make_lead(org, fair, created=start, owner=None, status=LeadStatus.RECYCLED, recycled_count=1)


def test_funnel_counts_rates_and_time_in_each_step(org: Org, fair: Channel) -> None:
    _funnel_data(org, fair)
    report = reports.funnel(actor=org["admin"], by="channel", period="month", today=TODAY)
    (row,) = report.rows
    assert (row.created, row.contacted, row.qualified, row.converted) == (4, 2, 1, 1)
    assert (row.rejected, row.recycled) == (1, 1)
    assert row.contacted_rate == Decimal("0.5000")
    assert row.qualified_rate == Decimal("0.5000")
    assert row.converted_rate == Decimal("1.0000")
    assert row.overall_rate == Decimal("0.2500")
    assert (row.time_new.leads, row.time_new.mean_days, row.time_new.median_days) == (2, 2.0, 2.0)
    assert (row.time_contacted.mean_days, row.time_qualified.median_days) == (2.0, 3.0)
    assert report.total.created == 4


def test_funnel_by_owner_puts_pool_leads_in_their_own_row(org: Org, fair: Channel) -> None:
    _funnel_data(org, fair)
    with translation.override("en"):
        report = reports.funnel(actor=org["admin"], by="owner", period="month", today=TODAY)
    rows = {row.label: row for row in report.rows}
    assert rows[str(org["rep1"])].created == 2
    assert rows[str(org["rep1"])].time_new.median_days == 2.0
    assert rows["In the pool"].recycled == 1
    assert rows[str(org["rep2"])].rejected == 1


def test_a_reps_funnel_covers_only_their_leads(org: Org, fair: Channel) -> None:
    _funnel_data(org, fair)
    report = reports.funnel(actor=org["rep1"], by="team", period="month", today=TODAY)
    assert report.total.created == 2
    assert report.total.converted == 1


def test_funnel_refuses_an_unknown_grouping(org: Org) -> None:
    with pytest.raises(InvalidInput):
        reports.funnel(actor=org["admin"], by="colour")


def test_a_range_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInput):
        reports.report_window("range", start=date(2026, 5, 2), end=date(2026, 5, 1), today=TODAY)


@given(
    st.sampled_from(["month", "quarter", "year"]), st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
)
def test_a_calendar_period_holds_its_anchor_day(period: str, anchor: date) -> None:
    low, high = reports.report_window(period, start=anchor, end=None, today=TODAY)
    assert low <= anchor <= high
    assert low.day == 1
    assert (high + timedelta(days=1)).day == 1
    assert reports.report_window(period, start=low, end=None, today=TODAY) == (low, high)


@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=-(10**6), max_value=10**6))
def test_ratio_is_none_only_for_a_zero_denominator(numerator: int, denominator: int) -> None:
    result = reports.ratio(numerator, denominator)
    assert (result is None) == (denominator == 0)
    if result is not None:
        assert abs(result - Decimal(numerator) / Decimal(denominator)) <= Decimal("0.005")


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31)])
def test_report_dates_far_outside_any_business_are_refused_not_a_crash(day: date) -> None:
    from guanxi.core.errors import InvalidInput
    from guanxi.leads.reports import report_window

    for period in ("month", "range"):
        with pytest.raises(InvalidInput):
            report_window(period, start=day, end=None, today=date(2026, 11, 24))


# --- drill-down: every funnel number lists exactly the leads it counts ------------------------------------


def _worked_funnel(org: Org, channel: Channel) -> None:
    """Leads worked through the services: new → contacted → qualified → converted, some stopping on the way.

    rep1: one converted through every step, one stuck contacted, one stuck qualified, one still new, one
    contacted and later recycled to the pool; rep1b: one converted straight from contacted (qualified
    skipped), one contacted after coming back from the pool; the pool: one new lead and one rejected at
    entry. The south channel brings one more.
    """
    row = services.lead_settings()
    row.assignment = {"rules": [{"kind": "pool"}]}
    row.save()

    def worked(rep: str, phone: str, *moves: str) -> Lead:
        lead = services.lead_create(actor=org["admin"], channel=channel, raw={"name": f"客户{phone}", "phone": phone})
        lead = services.lead_claim(actor=org[rep], lead_id=lead.pk)
        for move in moves:
            if move == "contacted":
                lead = services.lead_follow_up(actor=org[rep], lead=lead, channel="phone", summary="打过电话")
            elif move == "converted":
                services.lead_convert(actor=org[rep], lead=lead)
            else:
                lead = services.lead_set_status(actor=org[rep], lead=lead, status=move)
        return lead

    worked("rep1", "13800138001", "contacted", "qualified", "converted")
    worked("rep1", "13800138002", "contacted")
    worked("rep1", "13800138003", "contacted", "qualified")
    worked("rep1", "13800138004")
    back = worked("rep1", "13800138005", "contacted")
    Lead.objects.filter(pk=back.pk).update(owner=None, status=LeadStatus.RECYCLED, recycled_count=1)
    worked("rep1b", "13800138006", "contacted", "converted")
    again = worked("rep1b", "13800138009", "contacted")  # back in the pool once, claimed again since
    Lead.objects.filter(pk=again.pk).update(recycled_count=1)
    services.lead_create(actor=org["admin"], channel=channel, raw={"name": "王芳", "phone": "13800138007"})
    rejected = services.lead_create(actor=org["admin"], channel=channel, raw={"name": "x", "phone": "12"})
    assert rejected.status == LeadStatus.REJECTED
    south = channels.channel_create(actor=org["admin"], name="南区展会", kind="free", team=org.south)
    services.lead_create(actor=org["admin"], channel=south, raw={"name": "刘洋", "phone": "13800138008"})


@pytest.mark.parametrize(("username", "by"), [("admin", "channel"), ("manager1", "owner"), ("rep1", "team")])
def test_every_funnel_number_lists_the_leads_it_counts(
    org: Org, fair: Channel, api: Any, username: str, by: str
) -> None:
    _worked_funnel(org, fair)
    actor = org[username]
    report = reports.funnel(actor=actor, by=by, period="month")
    assert report.total.converted == {"admin": 2, "manager1": 2, "rep1": 1}[username]
    assert report.total.recycled == {"admin": 2, "manager1": 2, "rep1": 0}[username]
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(actor, backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    dashboard = page.get(reverse("leads:dashboard"), {"by": by, "period": "month"}).content.decode()
    lead_list = reverse("leads:lead-list")
    for row in [*report.rows, report.total]:
        for column in ("created", "contacted", "qualified", "converted", "rejected", "recycled"):
            link = f"{lead_list}?{row.drill[column]}"
            assert f'href="{escape(link)}"' in dashboard
            listed = page.get(link).context["leads"]
            items = api(username).get(f"/api/v1/leads?{row.drill[column]}&limit=200").json()["items"]
            assert len(listed) == len(items) == getattr(row, column), (row.label, column)


def test_reached_counts_a_lead_that_went_further_and_skips_pool_leads_the_rep_only_sees(
    org: Org, fair: Channel, api: Any
) -> None:
    _worked_funnel(org, fair)
    rep = api("rep1")
    contacted = rep.get("/api/v1/leads?reached=contacted").json()["items"]
    assert sorted(item["status"] for item in contacted) == ["contacted", "converted", "qualified"]
    assert len(rep.get("/api/v1/leads").json()["items"]) == 7  # own four + the pool three (recycled, new, rejected)
    assert len(rep.get("/api/v1/leads?reached=new").json()["items"]) == 4
    assert len(api("manager1").get("/api/v1/leads?reached=contacted&owner_id=none").json()["items"]) == 1


@pytest.mark.parametrize("username", ["director", "rep1"])
def test_channel_value_numbers_list_the_leads_they_count(org: Org, fair: Channel, api: Any, username: str) -> None:
    _worked_funnel(org, fair)
    report = reports.channel_value(actor=org[username], period="month")
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(org[username], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    dashboard = page.get(reverse("leads:dashboard"), {"period": "month"}).content.decode()
    lead_list = reverse("leads:lead-list")
    for row, column in [(row, "leads") for row in [*report.rows, report.total]] + [
        (row, "converted") for row in report.rows
    ]:
        link = f"{lead_list}?{row.drill[column]}"
        assert f'href="{escape(link)}"' in dashboard
        items = api(username).get(f"/api/v1/leads?{row.drill[column]}&limit=200").json()["items"]
        assert len(page.get(link).context["leads"]) == len(items) == getattr(row, column), (row.name, column)
