"""The grading scheme pages: list, new (a copy of the active scheme), activate and delete, for value managers."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from guanxi.insights import grading
from guanxi.insights.models import CustomerValue, GradeEvaluation, GradeScheme, GradeTreatment
from tests.conftest import Org, Records

pytestmark = pytest.mark.django_db
SPARE = {
    "name": "备用方案",
    "indicators": [{"key": "profit", "weight": 1}],
    "grades": ["A", "B"],
    "thresholds": [50, 0],
}


def _client(org: Org, username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org[username], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    return client


def _graded(org: Org, records: Records) -> GradeScheme:
    """The default scheme, active, evaluated twice."""
    for number, customer in enumerate(records.all().values(), start=1):
        CustomerValue.objects.create(customer=customer, as_of=date(2026, 6, 30), profit=Decimal(number * 100))
    scheme = grading.grade_scheme_default_ensure(actor=org["admin"])
    grading.grade_evaluate(as_of=date(2026, 5, 31))
    grading.grade_evaluate(as_of=date(2026, 6, 30))
    return scheme


def _row(html: str, scheme: GradeScheme) -> str:
    found = re.search(rf'<tr data-scheme="{scheme.pk}">(.*?)</tr>', html, re.S)
    assert found is not None, "the scheme is not listed"
    return found.group(1)


def test_the_list_shows_version_activity_last_evaluation_and_count(
    org: Org, records: Records, django_assert_max_num_queries: Any
) -> None:
    active = _graded(org, records)
    spare = grading.grade_scheme_create(actor=org["admin"], **SPARE)
    client = _client(org, "director")
    client.get("/insights/grading/schemes/")
    with django_assert_max_num_queries(8):
        response = client.get("/insights/grading/schemes/")
    assert response.status_code == 200
    html = response.content.decode()
    active_row, spare_row = _row(html, active), _row(html, spare)
    assert ">active<" in active_row
    assert ">active<" not in spare_row
    assert "2026-06-30" in active_row
    assert re.search(r'<td class="text-end">2</td>', active_row)
    assert re.search(r'<td class="text-end">0</td>', spare_row)
    assert "/delete/" not in active_row
    assert "/delete/" in spare_row
    assert "/activate/" not in active_row
    assert "/activate/" in spare_row
    assert html.index("综合评级") < html.index("备用方案")  # the active one first
    overview = client.get("/insights/grading/").content.decode()
    assert 'href="/insights/grading/schemes/"' in overview


def test_a_new_scheme_starts_as_a_copy_of_the_active_one_with_its_treatments(org: Org, records: Records) -> None:
    active = _graded(org, records)
    client = _client(org, "director")
    page = client.get("/insights/grading/schemes/new/").content.decode()
    assert 'value="Copy of 综合评级"' in page
    assert 'value="A, B, C, D"' in page
    assert f'name="source" value="{active.pk}"' in page
    data = {"source": str(active.pk), "name": "新方案", "name_en": "", "evaluate_every_days": "60",
            "grades": "A, B, C, D", "thresholds": "80, 60, 40, 0", "w_profit": "40", "n_profit": "rank",
            "h_profit": "on", "w_revenue": "60", "n_revenue": "minmax", "h_revenue": "on"}  # fmt: skip
    response = client.post("/insights/grading/schemes/new/", data)
    assert response.status_code == 302, response.content.decode()
    created = GradeScheme.objects.get(name="新方案")
    assert not created.is_active
    assert active.__class__.objects.get(pk=active.pk).is_active
    assert [(row["key"], row["weight"]) for row in created.indicators] == [("profit", 40.0), ("revenue", 60.0)]
    assert created.evaluate_every_days == 60
    copied = dict(GradeTreatment.objects.filter(scheme=created).values_list("grade", "credit_limit"))
    assert copied["A"] == Decimal("500000.00")
    assert copied["D"] is None


def test_without_an_active_scheme_a_new_one_starts_from_the_default_catalogue(org: Org) -> None:
    page = _client(org, "admin").get("/insights/grading/schemes/new/").content.decode()
    assert 'value="Composite grade"' in page
    assert 'value="80, 60, 40, 0"' in page
    assert 'name="source"' in page
    assert 'name="source" value=' not in page


def test_a_bad_new_scheme_is_a_422_and_creates_nothing(org: Org, records: Records) -> None:
    _graded(org, records)
    data = {"name": "坏方案", "evaluate_every_days": "30", "grades": "A, B", "thresholds": "10, 50", "w_profit": "1"}
    response = _client(org, "director").post("/insights/grading/schemes/new/", data)
    assert response.status_code == 422
    assert not GradeScheme.objects.filter(name="坏方案").exists()


def test_activation_asks_first_then_switches_and_a_stale_version_is_a_409(org: Org, records: Records) -> None:
    active = _graded(org, records)
    spare = grading.grade_scheme_create(actor=org["admin"], **SPARE)
    client = _client(org, "director")
    url = f"/insights/grading/schemes/{spare.pk}/activate/"
    confirm = client.get(url).content.decode()
    assert "in place of “综合评级”" in confirm
    assert GradeScheme.objects.get(pk=spare.pk).is_active is False
    stale = client.post(url, {"version": str(spare.version - 1 if spare.version > 1 else 99)})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.content.decode()
    assert list(GradeScheme.objects.filter(is_active=True)) == [active]
    done = client.post(url, {"version": str(spare.version)})
    assert done.status_code == 302
    assert list(GradeScheme.objects.filter(is_active=True).values_list("pk", flat=True)) == [spare.pk]


@pytest.mark.parametrize("which", ["active", "evaluated"])
def test_the_active_or_an_evaluated_scheme_cannot_be_deleted(org: Org, records: Records, which: str) -> None:
    active = _graded(org, records)
    spare = grading.grade_scheme_create(actor=org["admin"], **SPARE)
    if which == "evaluated":  # no longer active nor the source of the current grades, but it has history
        grading.grade_scheme_activate(actor=org["admin"], scheme=spare)
        grading.grade_evaluate(as_of=date(2026, 7, 31))
    victim = active
    client = _client(org, "director")
    url = f"/insights/grading/schemes/{victim.pk}/delete/"
    assert 'id="gx-scheme-refusal"' in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 409
    message = "evaluations" if which == "evaluated" else "active scheme cannot be deleted"
    assert message in response.content.decode()
    assert GradeScheme.objects.filter(pk=victim.pk).exists()
    assert GradeEvaluation.objects.filter(scheme=victim).count() == 2


def test_a_never_evaluated_scheme_is_deleted_after_confirmation(org: Org, records: Records) -> None:
    _graded(org, records)
    spare = grading.grade_scheme_create(actor=org["admin"], **SPARE)
    client = _client(org, "admin")
    url = f"/insights/grading/schemes/{spare.pk}/delete/"
    assert "This cannot be undone." in client.get(url).content.decode()
    assert GradeScheme.objects.filter(pk=spare.pk).exists()
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == "/insights/grading/schemes/"
    assert "has been deleted" in response.content.decode()
    assert not GradeScheme.objects.filter(pk=spare.pk).exists()
    assert not GradeTreatment.objects.filter(scheme_id=spare.pk).exists()


def test_only_value_managers_reach_the_scheme_pages(org: Org, records: Records) -> None:
    active = _graded(org, records)
    spare = grading.grade_scheme_create(actor=org["admin"], **SPARE)
    base = "/insights/grading/schemes/"
    urls = [base, f"{base}new/", f"{base}{spare.pk}/activate/", f"{base}{spare.pk}/delete/"]
    for username in ("manager1", "rep1"):
        client = _client(org, username)
        for url in urls:
            assert client.get(url).status_code == 403, (username, url)
            posted = client.post(url, {"version": str(spare.version), "name": "x"})
            assert posted.status_code == (405 if url.endswith("/schemes/") else 403), (username, url)
    anonymous = Client()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    assert set(GradeScheme.objects.values_list("pk", "is_active")) == {(active.pk, True), (spare.pk, False)}
    assert 'href="/insights/grading/schemes/"' not in _client(org, "rep1").get("/insights/grading/").content.decode()


def test_an_unknown_scheme_is_a_404(org: Org) -> None:
    client = _client(org, "director")
    assert client.get("/insights/grading/schemes/00000000-0000-0000-0000-000000000000/activate/").status_code == 404
    assert client.post("/insights/grading/schemes/00000000-0000-0000-0000-000000000000/delete/").status_code == 404
