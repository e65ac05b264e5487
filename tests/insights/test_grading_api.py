"""The grading API as a client sees it: schemes, treatments, evaluations, a customer's grade, felt key."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from guanxi.insights import grading
from guanxi.insights.models import CustomerValue, GradeScheme
from tests.conftest import Org, Records

pytestmark = pytest.mark.django_db
BASE = "/api/v1/insights"
SCHEME = {
    "name": "利润与忠诚",
    "indicators": [{"key": "profit", "weight": 60}, {"key": "tenure", "weight": 40}],
    "grades": ["A", "B", "C"],
    "thresholds": [70, 40, 0],
}


def _graded(org: Org, records: Records) -> GradeScheme:
    for customer, profit, tenure in ((records.own, 900, 800), (records.team, 50, 30), (records.other, 400, 300)):
        CustomerValue.objects.create(
            customer=customer, as_of=date(2026, 6, 30), profit=Decimal(profit), tenure_days=tenure
        )
    scheme = grading.grade_scheme_create(actor=org["admin"], **SCHEME)
    grading.grade_scheme_activate(actor=org["admin"], scheme=scheme)
    grading.grade_evaluate(as_of=date(2026, 6, 30))
    return scheme


def test_a_manager_creates_activates_and_evaluates_a_scheme(org: Org, records: Records, api: Any) -> None:
    client = api("director")
    CustomerValue.objects.create(customer=records.own, as_of=date(2026, 6, 30), profit=Decimal(900))

    created = client.post(f"{BASE}/grading-schemes", SCHEME)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["is_active"] is False
    assert [(i["key"], i["share"], i["normalisation"]) for i in body["indicators"]] == [
        ("profit", 60.0, "rank"),
        ("tenure", 40.0, "rank"),
    ]
    assert [t["grade"] for t in body["treatments"]] == ["A", "B", "C"]
    scheme_id = body["id"]
    refused = client.post(f"{BASE}/grading-schemes/{scheme_id}/evaluate")
    assert refused.status_code == 409  # not active yet
    assert client.post(f"{BASE}/grading-schemes/{scheme_id}/activate").json()["is_active"] is True

    evaluated = client.post(f"{BASE}/grading-schemes/{scheme_id}/evaluate")

    assert evaluated.status_code == 201, evaluated.content
    evaluation = evaluated.json()
    assert evaluation["customers"] == 4
    assert sum(evaluation["counts"].values()) == 4
    assert evaluation["migration"]["rows"] == ["new"]
    listed = client.get(f"{BASE}/grade-evaluations").json()["items"]
    assert [item["id"] for item in listed] == [evaluation["id"]]


def test_a_bad_scheme_answers_422_with_field_paths(org: Org, api: Any) -> None:
    bad = {**SCHEME, "thresholds": [70, 80, 0]}
    response = api("admin").post(f"{BASE}/grading-schemes", bad)
    assert response.status_code == 422
    assert ["body", "thresholds"] in [error["loc"] for error in response.json()["errors"]]
    assert not GradeScheme.objects.exists()


def test_a_stale_patch_is_refused_with_409(org: Org, api: Any) -> None:
    client = api("admin")
    scheme = client.post(f"{BASE}/grading-schemes", SCHEME).json()
    first = client.patch(f"{BASE}/grading-schemes/{scheme['id']}", {"version": 1, "name": "新名字"})
    assert first.status_code == 200
    assert first.json()["name"] == "新名字"
    stale = client.patch(f"{BASE}/grading-schemes/{scheme['id']}", {"version": 1, "name": "又一个"})
    assert stale.status_code == 409
    assert GradeScheme.objects.get().name == "新名字"


def test_a_treatment_is_set_by_managers_and_read_by_everyone(org: Org, records: Records, api: Any) -> None:
    scheme = _graded(org, records)
    treatment = {"visit_every_days": 10, "service_level": "premium", "credit_limit": "300000", "max_discount_pct": 8}
    path = f"{BASE}/grading-schemes/{scheme.pk}/treatments/A"
    assert api("rep1").request("PUT", path, treatment).status_code == 403
    response = api("admin").request("PUT", path, treatment)
    assert response.status_code == 200, response.content
    assert response.json()["credit_limit"] == "300000.00"
    seen = api("rep1").get(f"{BASE}/grading-schemes/{scheme.pk}").json()["treatments"][0]
    assert (seen["grade"], seen["visit_every_days"], seen["service_level"]) == ("A", 10, "premium")
    assert api("admin").request("PUT", f"{BASE}/grading-schemes/{scheme.pk}/treatments/Z", treatment).status_code == 422


def test_a_customers_grade_explains_itself_and_hides_invisible_customers(org: Org, records: Records, api: Any) -> None:
    _graded(org, records)
    client = api("rep1")

    response = client.get(f"{BASE}/customers/{records.own.pk}/grade")

    assert response.status_code == 200
    body = response.json()
    assert body["grade"] == "A"
    assert [(w["key"], w["raw"]) for w in body["why"]] == [("profit", 900.0), ("tenure", 800.0)]
    assert sum(w["points"] for w in body["why"]) == pytest.approx(float(body["grade_index"]), abs=0.02)
    assert [h["grade"] for h in body["history"]] == ["A"]
    assert body["treatment"]["grade"] == "A"
    assert client.get(f"{BASE}/customers/{records.other.pk}/grade").status_code == 404


def test_evaluations_show_rep_only_their_own_counts(org: Org, records: Records, api: Any) -> None:
    _graded(org, records)
    item = api("rep1").get(f"{BASE}/grade-evaluations").json()["items"][0]
    assert item["scoped"] is True
    assert item["customers"] is None
    assert item["counts"] == {"A": 1, "B": 0, "C": 0}
    detail = api("rep1").get(f"{BASE}/grade-evaluations/{item['id']}").json()
    assert detail["migration"] is None


def test_felt_key_mark_and_comparison(org: Org, records: Records, api: Any) -> None:
    _graded(org, records)
    client = api("manager1")
    assert client.request("PUT", f"{BASE}/customers/{records.team.pk}/felt-key", {}).json()["felt_key"] is True
    assert client.request("PUT", f"{BASE}/customers/{records.other.pk}/felt-key", {}).status_code == 404

    comparison = client.get(f"{BASE}/felt-key/comparison").json()

    assert (comparison["felt"], comparison["top"], comparison["both"]) == (1, 1, 0)
    assert [row["customer_id"] for row in comparison["felt_outside_top"]] == [str(records.team.pk)]
    assert [row["customer_id"] for row in comparison["top_not_felt"]] == [str(records.own.pk)]
    assert client.delete(f"{BASE}/customers/{records.team.pk}/felt-key").status_code == 204
    assert client.get(f"{BASE}/felt-key/comparison").json()["felt"] == 0
