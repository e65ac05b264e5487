"""The grade check: per lead grade, how many leads, how many converted, and does the flagged lowest grade
catch the ~38 % of prospects that waste effort (s4)? Counts link to the lead list showing those leads."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from guanxi.accounts.models import User
from guanxi.core.dates import day_start
from guanxi.core.errors import InvalidInput
from guanxi.leads import channels, reports, services
from guanxi.leads.grading import config_from_json
from guanxi.leads.models import OPEN_STATUSES, Channel, Lead, LeadStatus
from guanxi.leads.views.channels import percent
from tests.conftest import Org
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
MAY = date(2026, 5, 1)
WINDOW = {"period": "month", "start": MAY}
QUERY = "period=month&start=2026-05-01"


def _at(day: date, hours: float = 0) -> datetime:
    return day_start(day) + timedelta(hours=hours)


@pytest.fixture
def fair(org: Org) -> Channel:
    return channels.channel_create(actor=org["admin"], name="展会 Fair", kind="paid", team=org.east)


def lead(
    org: Org,
    channel: Channel,
    grade: str,
    owner: str | None,
    *,
    day: date = date(2026, 5, 4),
    converted_after: int | None = None,
    status: str = LeadStatus.CONTACTED,
) -> Lead:
    user: User | None = org[owner] if owner else None
    made = Lead.objects.create(
        channel=channel, owner=user, team=user.team if user else org.east, status=status, grade=grade,
        name=f"{grade}-{owner}", created_by=org["admin"], updated_by=org["admin"],
    )  # fmt: skip
    Lead.objects.filter(pk=made.pk).update(created_at=_at(day, 9))
    if converted_after is not None:
        customer = CustomerFactory(owner=user or org["rep1"])
        Lead.objects.filter(pk=made.pk).update(
            status=LeadStatus.CONVERTED, customer=customer, converted_at=_at(day, 9) + timedelta(days=converted_after)
        )
    made.refresh_from_db()
    return made


@pytest.fixture
def cohort(org: Org, fair: Channel) -> None:
    """May 2026, ten leads: A 2 (both converted), B 3 (1 converted), C 1, D 4 (one rejected, one in the pool).

    rep1 works A1, B1 (both converted), D1 and the rejected D2; one D lead of April lies outside the window.
    """
    lead(org, fair, "A", "rep1", converted_after=2)
    lead(org, fair, "A", "rep2", converted_after=4)
    lead(org, fair, "B", "rep1", converted_after=10)
    lead(org, fair, "B", "rep2")
    lead(org, fair, "B", "rep1b", status=LeadStatus.QUALIFIED)
    lead(org, fair, "C", "rep2")
    lead(org, fair, "D", "rep1", status=LeadStatus.NEW)
    lead(org, fair, "D", "rep1", status=LeadStatus.REJECTED)
    lead(org, fair, "D", None, status=LeadStatus.NEW)  # in East's pool: rep1 sees it to claim, does not work it
    lead(org, fair, "D", "rep2", status=LeadStatus.RECYCLED)
    lead(org, fair, "D", "rep1", day=date(2026, 4, 30), status=LeadStatus.NEW)  # April


def _rows(report: reports.GradeCheckReport) -> dict[str, tuple[int, int, int, int]]:
    return {row.grade: (row.leads, row.converted, row.rejected, row.open) for row in report.rows}


def test_an_admin_sees_every_grade_with_its_conversions(org: Org, cohort: None) -> None:
    report = reports.grade_check(actor=org["admin"], **WINDOW)
    assert (report.start, report.end) == (date(2026, 5, 1), date(2026, 5, 31))
    assert [row.grade for row in report.rows] == ["A", "B", "C", "D"]  # the grading's order; no "no grade" row
    assert _rows(report) == {"A": (2, 2, 0, 0), "B": (3, 1, 0, 2), "C": (1, 0, 0, 1), "D": (4, 0, 1, 3)}
    a, b, c, d = report.rows
    assert (a.share, b.share, c.share, d.share) == (Decimal("0.2"), Decimal("0.3"), Decimal("0.1"), Decimal("0.4"))
    assert (a.conversion_rate, b.conversion_rate, d.conversion_rate) == (
        Decimal("1"),
        Decimal("0.3333"),
        Decimal("0"),
    )
    assert (a.median_days_to_convert, b.median_days_to_convert, c.median_days_to_convert) == (3.0, 10.0, None)
    assert (report.total.leads, report.total.converted, report.total.median_days_to_convert) == (10, 3, 4.0)
    assert [row.low_value for row in report.rows] == [False, False, False, True]


def test_the_flagged_grade_is_set_against_the_benchmark_and_the_others(org: Org, cohort: None) -> None:
    report = reports.grade_check(actor=org["admin"], **WINDOW)
    assert report.benchmark == Decimal("0.38")
    flagged, rest = report.flagged, report.rest
    assert (flagged.grades, flagged.leads, flagged.share, flagged.converted) == (("D",), 4, Decimal("0.4"), 0)
    assert (flagged.conversion_rate, flagged.conversion_share) == (Decimal("0"), Decimal("0"))
    assert (rest.grades, rest.leads, rest.converted, rest.conversion_rate) == (("A", "B", "C"), 6, 3, Decimal("0.5"))
    assert rest.conversion_share == Decimal("1")
    assert report.ordered is True
    assert [(rate.grade, rate.rate) for rate in report.rates] == [
        ("A", Decimal("1")),
        ("B", Decimal("0.3333")),
        ("C", Decimal("0")),
        ("D", Decimal("0")),
    ]


def test_a_rep_counts_only_the_leads_they_work(org: Org, cohort: None) -> None:
    report = reports.grade_check(actor=org["rep1"], **WINDOW)
    assert _rows(report) == {"A": (1, 1, 0, 0), "B": (1, 1, 0, 0), "C": (0, 0, 0, 0), "D": (2, 0, 1, 1)}
    c = report.rows[2]
    assert (c.share, c.conversion_rate) == (Decimal("0"), None)  # no leads: no rate ("—")
    assert (report.flagged.share, report.rest.conversion_rate) == (Decimal("0.5"), Decimal("1"))
    assert report.ordered is True  # C has no leads and is left out of the comparison


def _dashboard(org: Org, username: str = "admin") -> str:
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(org[username], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    return page.get(f"{reverse('leads:dashboard')}?{QUERY}").content.decode()


def many(org: Org, channel: Channel, grade: str, count: int, converted: int) -> None:
    """``count`` leads of rep1 of one grade created on 4 May, the first ``converted`` of them converted."""
    leads = Lead.objects.bulk_create(
        Lead(channel=channel, owner=org["rep1"], team=org.east, status=LeadStatus.CONTACTED, grade=grade,
             name=f"{grade}{n}", created_by=org["admin"], updated_by=org["admin"])
        for n in range(count)
    )  # fmt: skip
    Lead.objects.filter(pk__in=[made.pk for made in leads]).update(created_at=_at(date(2026, 5, 4), 9))
    for made in leads[:converted]:
        customer = CustomerFactory(owner=org["rep1"])
        Lead.objects.filter(pk=made.pk).update(
            status=LeadStatus.CONVERTED, customer=customer, converted_at=_at(date(2026, 5, 6))
        )


def test_an_unordered_grading_is_called_out_on_the_dashboard(org: Org, fair: Channel) -> None:
    many(org, fair, "A", 20, 1)
    many(org, fair, "B", 20, 6)
    many(org, fair, "C", 20, 2)
    many(org, fair, "D", 30, 0)
    report = reports.grade_check(actor=org["admin"], **WINDOW)
    assert report.ordered is False
    html = _dashboard(org)
    assert "Conversion does not fall from grade to grade (A 5.0% › B 30.0% › C 10.0% › D 0.0%)" in html
    assert "the grading rules need a look" in html
    assert 'data-testid="grades-unordered"' in html
    assert f'href="{reverse("leads:settings")}"' in html
    assert "this may be chance" not in html


def test_an_unordered_grading_on_few_leads_may_be_chance(org: Org, fair: Channel) -> None:
    lead(org, fair, "A", "rep1")
    lead(org, fair, "A", "rep1")
    lead(org, fair, "B", "rep1", converted_after=1)
    lead(org, fair, "D", "rep1", converted_after=1)
    lead(org, fair, "D", "rep1")
    report = reports.grade_check(actor=org["admin"], **WINDOW)
    assert report.ordered is False
    html = _dashboard(org)
    assert "Conversion does not fall from grade to grade (A 0.0% › B 100.0% › D 50.0%), but some grades" in html
    assert "this may be chance: look at a longer period" in html
    assert 'data-testid="grades-unordered"' in html
    assert "The flagged leads convert at least as well as the others" in html  # D 50 % against A–C 33 %


def test_the_dashboard_compares_the_flagged_share_with_the_38_percent(org: Org, cohort: None) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(org["admin"], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    html = page.get(f"{reverse('leads:dashboard')}?{QUERY}").content.decode()
    assert "D: 40.0% of leads, 0.0% converted; A–C: 50.0% converted." in html
    assert "about 38.0% of prospects waste effort" in html
    assert "Your grading flags 40.0% of the leads, about as many." in html
    assert "Skipping the flagged leads would have cost 0.0% of the conversions (0 of 3)." in html
    assert "Conversion falls from grade to grade" in html
    assert 'data-testid="grades-unordered"' not in html


def test_a_flagged_share_well_above_the_benchmark_is_questioned(org: Org, cohort: None) -> None:
    html = _dashboard(org, "rep1")
    assert "Your grading flags 50.0% of the leads, more than that" in html  # rep1: D is 2 of their 4 leads
    assert "fewer than 20 leads in this period, so their rates are rough" in html


def test_the_dashboard_is_bilingual(org: Org, cohort: None) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page.force_login(org["admin"], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    response = page.get(f"{reverse('leads:dashboard')}?{QUERY}")
    assert response.status_code == 200
    assert response.context["grade_sentences"]


def _links_checked(org: Org, api: Any, username: str) -> int:
    """Every count of the grade check links to the lead list (page and API) showing exactly that many leads."""
    report = reports.grade_check(actor=org[username], **WINDOW)
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(org[username], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    html = page.get(f"{reverse('leads:dashboard')}?{QUERY}").content.decode()
    lead_list = reverse("leads:lead-list")
    lines = [*report.rows, report.total, report.flagged, report.rest]
    checked = 0
    for line in lines:
        for column in ("leads", "converted", "rejected", "open"):
            if column not in line.drill:
                continue
            link = f"{lead_list}?{line.drill[column]}"
            assert f'href="{escape(link)}"' in html, (line, column)
            listed = page.get(link).context["leads"]
            items = api(username).get(f"/api/v1/leads?{line.drill[column]}&limit=200").json()["items"]
            assert len(listed) == len(items) == getattr(line, column), (line, column)
            if column == "open":
                assert {lead.status for lead in listed} <= set(OPEN_STATUSES)
            checked += 1
    return checked


@pytest.mark.parametrize("username", ["admin", "rep1"])
def test_every_grade_count_lists_the_leads_it_counts(org: Org, cohort: None, api: Any, username: str) -> None:
    assert _links_checked(org, api, username) >= 20


def test_leads_without_a_grade_get_their_own_row_and_links(org: Org, fair: Channel, api: Any) -> None:
    ungraded = lead(org, fair, "", "rep1")
    lead(org, fair, "", "rep1", status=LeadStatus.REJECTED)
    lead(org, fair, "A", "rep1", converted_after=3)
    with translation.override("en"):
        report = reports.grade_check(actor=org["admin"], **WINDOW)
    assert [row.grade for row in report.rows] == ["A", "B", "C", "D", ""]
    row = report.rows[-1]
    assert (row.label, row.leads, row.rejected, row.open) == ("No grade", 2, 1, 1)
    assert "grade=none" in row.drill["open"]
    assert report.rest.leads == 3
    assert _links_checked(org, api, "rep1") >= 24
    listed = api("rep1").get(f"/api/v1/leads?{row.drill['open']}").json()["items"]
    assert [item["id"] for item in listed] == [str(ungraded.pk)]


def test_grades_of_other_rules_link_to_their_leads(org: Org, fair: Channel, api: Any) -> None:
    row = services.lead_settings()
    row.grading = {
        **row.grading,
        "grades": [
            {"letter": "Hot", "min_score": 50},
            {"letter": "Warm", "min_score": 20},
            {"letter": "Cold", "min_score": None, "low_value": True},
        ],
    }
    row.save()
    lead(org, fair, "Hot", "rep1", converted_after=2)
    lead(org, fair, "Cold", "rep1")
    lead(org, fair, "Cold", "rep1", status=LeadStatus.REJECTED)
    lead(org, fair, "B", "rep1")  # graded by the rules before
    report = reports.grade_check(actor=org["rep1"], **WINDOW)
    assert [(r.grade, r.leads) for r in report.rows] == [("Hot", 1), ("Warm", 0), ("Cold", 2), ("B", 1)]
    assert _links_checked(org, api, "rep1") >= 20
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(org["rep1"], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    html = page.get(reverse("leads:lead-list"), {"grade": "B"}).content.decode()
    boxes = re.findall(r'name="grade" value="([^"]*)" id="[^"]*"( checked)?', html)
    assert boxes == [("Hot", ""), ("Warm", ""), ("Cold", ""), ("B", " checked"), ("none", "")]


def test_a_grade_letter_fits_the_lead_grade_column() -> None:
    grading = {"rules": [], "grades": [{"letter": "A", "min_score": 10}, {"letter": "Other"}]}
    with pytest.raises(InvalidInput) as raised:
        config_from_json(grading)
    assert raised.value.errors[0]["loc"][-3:] == ["grades", 1, "letter"]
    assert Lead._meta.get_field("grade").max_length == 4


def test_a_grade_may_not_be_called_none() -> None:
    grading = {"rules": [], "grades": [{"letter": "A", "min_score": 10}, {"letter": "None"}]}
    with translation.override("en"), pytest.raises(InvalidInput) as raised:
        config_from_json(grading)
    assert raised.value.errors[0]["loc"][-3:] == ["grades", 1, "letter"]
    assert "“none” stands for leads without a grade" in str(raised.value.errors[0]["msg"])


def test_the_grades_follow_the_configured_grading(org: Org, fair: Channel) -> None:
    row = services.lead_settings()
    row.grading = {
        **row.grading,
        "grades": [
            {"letter": "A", "min_score": 50},
            {"letter": "C", "min_score": 10, "low_value": True},
            {"letter": "X", "min_score": None, "low_value": True},
        ],
    }
    row.save()
    lead(org, fair, "X", "rep1")
    lead(org, fair, "C", "rep1", converted_after=1)
    lead(org, fair, "B", "rep1")  # from older rules
    report = reports.grade_check(actor=org["admin"], **WINDOW)
    assert [(r.grade, r.low_value, r.configured) for r in report.rows] == [
        ("A", False, True),
        ("C", True, True),
        ("X", True, True),
        ("B", False, False),
    ]
    assert (report.flagged.grades, report.flagged.leads, report.flagged.conversion_share) == (
        ("C", "X"),
        2,
        Decimal("1"),
    )
    assert report.rates == [reports.GradeRate("C", Decimal("1")), reports.GradeRate("X", Decimal("0"))]


def test_the_api_gives_the_grade_check(org: Org, cohort: None, api: Any) -> None:
    data = api("rep1").get(f"/api/v1/lead-reports/grades?{QUERY}").json()
    assert (data["start"], data["end"], Decimal(data["benchmark"])) == ("2026-05-01", "2026-05-31", Decimal("0.38"))
    assert [(row["grade"], row["leads"], row["converted"]) for row in data["rows"]] == [
        ("A", 1, 1),
        ("B", 1, 1),
        ("C", 0, 0),
        ("D", 2, 0),
    ]
    assert data["rows"][2]["conversion_rate"] is None
    assert (data["flagged"]["grades"], Decimal(data["flagged"]["share"])) == (["D"], Decimal("0.5"))
    assert data["ordered"] is True
    assert api(None).get("/api/v1/lead-reports/grades").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=week", "period"),
        ("start=yesterday", "start"),
        ("period=range&start=2026-05-10&end=2026-05-01", "end"),
        ("start=0001-01-01", "start"),
        ("period=range&start=2010-01-01&end=2026-01-01", "end"),
    ],
)
def test_bad_periods_are_422_naming_the_field(org: Org, api: Any, query: str, field: str) -> None:
    response = api("admin").get(f"/api/v1/lead-reports/grades?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == field


@given(st.none() | st.decimals(min_value=0, max_value=1, places=4))
def test_percent_shows_one_decimal_or_a_dash(rate: Decimal | None) -> None:
    shown = percent(rate)
    if rate is None:
        assert shown == "—"
    else:
        assert shown.endswith("%")
        assert abs(Decimal(shown[:-1]) - rate * 100) <= Decimal("0.05")
