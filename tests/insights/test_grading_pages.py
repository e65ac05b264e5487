"""Grading pages as a user sees them: the scheme, treatments, migration, felt key and the 360° grade panel."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from guanxi.customers.models import Customer
from guanxi.insights import grading
from guanxi.insights.models import CustomerValue, FeltKeyMark, GradeEvaluation, GradeScheme
from tests.conftest import Org, Records
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _value(customer: Customer, profit: int) -> None:
    figures = {"profit": Decimal(profit), "revenue": Decimal(profit), "tenure_days": profit}
    CustomerValue.objects.update_or_create(customer=customer, defaults={"as_of": date(2026, 6, 30), **figures})


def _graded_twice(org: Org, records: Records) -> GradeScheme:
    """Default scheme; own moves from the bottom to the top between two evaluations."""
    for customer, profit in ((records.own, 10), (records.team, 500), (records.other, 300), (records.below, 100)):
        _value(customer, profit)
    scheme = grading.grade_scheme_default_ensure(actor=org["admin"])
    grading.grade_evaluate(as_of=date(2026, 5, 31))
    _value(records.own, 900)
    grading.grade_evaluate(as_of=date(2026, 6, 30))
    return scheme


def _client(org: Org, username: str) -> tuple[Client, str]:
    """A logged-in client reading English (the users' language is Simplified Chinese), with its CSRF token."""
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org[username], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    client.get("/accounts/login/")
    return client, client.cookies["csrftoken"].value


def _english(org: Org, username: str) -> Client:
    return _client(org, username)[0]


def test_the_grading_page_shows_the_scheme_treatments_and_the_migration_to_managers(org: Org, records: Records) -> None:
    _graded_twice(org, records)
    page = _english(org, "director").get("/insights/grading/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Payment punctuality" in html
    assert "not available yet" in html
    assert "500,000" in html or "500000" in html  # grade A's credit limit
    found = re.search(r'<script id="gx-grade-sankey-data" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    sankey = json.loads(found.group(1))
    flows = {(link["source"], link["target"]): link["value"] for link in sankey["links"]}
    assert sum(flows.values()) == 4
    assert all(link["url"].startswith("/customers/?grade=") for link in sankey["links"])
    assert "Evaluate now" in html


def test_a_rep_sees_the_scheme_but_only_their_own_counts_and_no_migration(org: Org, records: Records) -> None:
    _graded_twice(org, records)
    html = _english(org, "rep1").get("/insights/grading/").content.decode()
    assert "gx-grade-sankey-data" not in html
    assert "value managers see it" in html
    assert "your customers" in html
    assert "Evaluate now" not in html


def test_the_grading_page_query_count_does_not_grow_with_evaluations(
    org: Org, records: Records, django_assert_max_num_queries: Any
) -> None:
    _graded_twice(org, records)
    client = _english(org, "rep1")
    client.get("/insights/grading/")
    counts = []
    for extra in (0, 6):
        for day in range(extra):
            grading.grade_evaluate(as_of=date(2026, 7, 1 + day))
        with django_assert_max_num_queries(20) as captured:
            assert client.get("/insights/grading/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_a_manager_edits_the_scheme_and_a_bad_threshold_is_shown(org: Org, records: Records) -> None:
    scheme = grading.grade_scheme_default_ensure(actor=org["admin"])
    client, token = _client(org, "director")
    url = f"/insights/grading/schemes/{scheme.pk}/edit/"
    form = {
        "csrfmiddlewaretoken": token,
        "version": scheme.version,
        "name": "利润为王",
        "name_en": "",
        "evaluate_every_days": 7,
        "grades": "A, B, C",
        "thresholds": "70, 30, 0",
        "w_profit": "3",
        "n_profit": "minmax",
        "h_profit": "on",
        "w_recency": "1",
        "n_recency": "rank",
    }
    saved = client.post(url, form)
    assert saved.status_code == 302
    scheme.refresh_from_db()
    assert scheme.name == "利润为王"
    assert scheme.grades == ["A", "B", "C"]
    assert scheme.indicators == [
        {"key": "profit", "weight": 3.0, "normalisation": "minmax", "higher_is_better": True},
        {"key": "recency", "weight": 1.0, "normalisation": "rank", "higher_is_better": False},
    ]
    refused = client.post(url, form | {"version": scheme.version, "thresholds": "30, 70, 0"})
    assert refused.status_code == 422
    assert "Thresholds must fall from the best grade to the worst." in refused.content.decode()
    stale = client.post(url, form | {"version": 1, "name": "过期"})
    assert stale.status_code == 409
    scheme.refresh_from_db()
    assert scheme.name == "利润为王"
    assert _english(org, "manager1").get(url).status_code == 403


def test_a_manager_sets_a_treatment_and_evaluates_now(
    org: Org, records: Records, django_capture_on_commit_callbacks: Any
) -> None:
    scheme = grading.grade_scheme_default_ensure(actor=org["admin"])
    client, token = _client(org, "admin")
    treatment = scheme.treatments.get(grade="B")
    response = client.post(
        f"/insights/grading/schemes/{scheme.pk}/treatments/B/",
        {
            "csrfmiddlewaretoken": token,
            "version": treatment.version,
            "visit_every_days": 21,
            "service_level": "priority",
            "price_book": "渠道价",
            "credit_limit": "150000",
            "max_discount_pct": "7.5",
        },
    )
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert (treatment.visit_every_days, treatment.price_book, treatment.max_discount_pct) == (
        21,
        "渠道价",
        Decimal("7.5"),
    )

    with django_capture_on_commit_callbacks(execute=True):  # the worker runs once the request commits
        evaluated = client.post("/insights/grading/evaluate/", {"csrfmiddlewaretoken": token})

    assert evaluated.status_code == 302
    assert GradeEvaluation.objects.get().customers == 4


def test_the_grade_panel_explains_the_grade_and_its_history(org: Org, records: Records) -> None:
    _graded_twice(org, records)
    html = _english(org, "rep1").get(f"/insights/customers/{records.own.pk}/grade/").content.decode()
    assert 'data-testid="grade-panel"' in html
    history = html[html.index('data-testid="grade-history"') :]
    assert history.index("2026-06-30") < history.index("2026-05-31")  # newest first
    assert "Profit" in html
    assert "No value: its weight went to the other indicators." in html  # payment punctuality
    assert "Premium" in html  # grade A's treatment
    assert _english(org, "rep1").get(f"/insights/customers/{records.other.pk}/grade/").status_code == 404


def test_the_grade_panel_says_not_graded_yet(org: Org, records: Records) -> None:
    html = _english(org, "rep1").get(f"/insights/customers/{records.own.pk}/grade/").content.decode()
    assert "Not graded yet" in html
    assert 'data-testid="grade-history"' in html


def test_the_grade_panel_query_count_does_not_grow_with_history(
    org: Org, records: Records, django_assert_max_num_queries: Any
) -> None:
    _graded_twice(org, records)
    client = _english(org, "rep1")
    url = f"/insights/customers/{records.own.pk}/grade/"
    client.get(url)
    counts = []
    for extra in (0, 5):
        for day in range(extra):
            _value(records.own, 10 if day % 2 else 900)
            grading.grade_evaluate(as_of=date(2026, 7, 1 + day))
        with django_assert_max_num_queries(15) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_the_felt_key_toggle_marks_and_unmarks_for_the_user_only(org: Org, records: Records) -> None:
    _graded_twice(org, records)
    client, token = _client(org, "manager1")
    url = f"/insights/customers/{records.team.pk}/felt-key/"
    marked = client.post(url, {"csrfmiddlewaretoken": token}, HTTP_HX_REQUEST="true")
    assert marked.status_code == 200
    assert 'aria-pressed="true"' in marked.content.decode()
    assert FeltKeyMark.objects.filter(marked_by=org["manager1"], customer=records.team).exists()
    other_panel = _english(org, "director").get(f"/insights/customers/{records.team.pk}/grade/").content.decode()
    assert 'aria-pressed="false"' in other_panel

    page = client.get("/insights/grading/felt-key/").content.decode()
    lower = page[page.index('id="gx-felt-outside-top"') : page.index('id="gx-top-not-felt"')]
    assert records.team.name in lower  # grade B by the index
    assert records.own.name in page[page.index('id="gx-top-not-felt"') :]

    unmarked = client.post(url, {"csrfmiddlewaretoken": token})
    assert unmarked.status_code == 302
    assert not FeltKeyMark.objects.exists()
    assert (
        client.post(f"/insights/customers/{records.other.pk}/felt-key/", {"csrfmiddlewaretoken": token}).status_code
        == 404
    )


def test_user_text_is_escaped_on_the_pages(org: Org, records: Records) -> None:
    evil = CustomerFactory(owner=org["rep1"], name="<script>alert(1)</script>")
    _value(evil, 10_000)
    for profit, customer in enumerate(records.all().values(), start=1):
        _value(customer, profit)  # ranked below the evil name, which is then in grade A
    grading.grade_scheme_default_ensure(actor=org["admin"])
    grading.grade_evaluate(as_of=date(2026, 6, 30))
    html = _english(org, "rep1").get("/insights/grading/felt-key/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
