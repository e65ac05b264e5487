""" "Evaluate now" and "recompute members now" run in the background; the pages show queued, running, done."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.insights import grading
from guanxi.insights.grading import services as grading_services
from guanxi.insights.models import CustomerValue, GradeEvaluation, GradeScheme, Segment, SegmentMember
from guanxi.insights.segments import segment_create
from guanxi.insights.segments import services as segment_services
from tests.conftest import Org, Records

pytestmark = pytest.mark.django_db
RULE = {"match": "all", "conditions": [{"field": "profit", "op": "gt", "value": 100}]}


def _client(org: Org, username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org[username], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    return client


def _value(customer: Customer, profit: int) -> None:
    figures = {"profit": Decimal(profit), "revenue": Decimal(profit), "tenure_days": profit}
    CustomerValue.objects.update_or_create(customer=customer, defaults={"as_of": date(2026, 6, 30), **figures})


@pytest.fixture
def scheme(org: Org, records: Records) -> GradeScheme:
    for customer, profit in ((records.own, 10), (records.team, 500), (records.other, 300), (records.below, 100)):
        _value(customer, profit)
    return grading.grade_scheme_default_ensure(actor=org["admin"])


def test_evaluate_now_is_queued_then_the_worker_grades_everyone_and_the_page_says_so(
    org: Org, scheme: GradeScheme, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(org, "director")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post("/insights/grading/evaluate/").status_code == 302
        page = client.get("/insights/grading/").content.decode()
    assert len(queued) == 1  # handed to the worker when the request commits, not run inside it
    assert not GradeEvaluation.objects.exists()
    assert 'data-status="queued"' in page
    assert 'hx-get="/insights/grading/evaluate/status/"' in page
    assert "Waiting for the worker" in page

    queued[0]()  # the worker (huey runs tasks immediately in tests)

    assert GradeEvaluation.objects.get().customers == 4
    status = client.get("/insights/grading/evaluate/status/", HTTP_HX_REQUEST="true")
    assert status.status_code == 200
    assert status["HX-Refresh"] == "true"
    body = status.content.decode()
    assert 'data-status="done"' in body
    assert "4 customers graded" in body
    assert "hx-get" not in body  # no more polling


def test_asking_twice_while_queued_queues_one_job(
    org: Org, scheme: GradeScheme, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(org, "director")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        client.post("/insights/grading/evaluate/")
        client.post("/insights/grading/evaluate/")
    assert len(queued) == 1
    assert GradeEvaluation.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/insights/grading/evaluate/")  # done: a new request queues a new job
    assert GradeEvaluation.objects.count() == 2


def test_a_job_whose_worker_went_away_can_be_asked_for_again(
    org: Org, scheme: GradeScheme, django_capture_on_commit_callbacks: Any
) -> None:
    GradeScheme.objects.filter(pk=scheme.pk).update(
        evaluation_status="running", evaluation_queued_at=timezone.now() - timedelta(hours=3)
    )
    page = _client(org, "director").get("/insights/grading/").content.decode()
    assert "has not reported back" in page
    with django_capture_on_commit_callbacks(execute=True):
        grading_services.grade_evaluation_request(actor=org["director"])
    assert GradeEvaluation.objects.count() == 1
    assert GradeScheme.objects.get(pk=scheme.pk).evaluation_status == "done"


def test_a_scheme_deactivated_before_the_worker_runs_is_not_evaluated(
    org: Org, scheme: GradeScheme, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as queued:
        grading_services.grade_evaluation_request(actor=org["admin"])
    other = grading.grade_scheme_create(
        actor=org["admin"], name="新方案", indicators=[{"key": "profit", "weight": 1}], grades=["A"], thresholds=[0]
    )
    grading.grade_scheme_activate(actor=org["admin"], scheme=other)
    queued[0]()
    assert not GradeEvaluation.objects.exists()
    assert GradeScheme.objects.get(pk=scheme.pk).evaluation_status == "failed"


def test_a_failing_evaluation_is_reported_as_failed_with_its_error(
    org: Org, scheme: GradeScheme, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(grading_services, "grade_evaluate", broken)
    client = _client(org, "director")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/insights/grading/evaluate/")
    body = client.get("/insights/grading/evaluate/status/").content.decode()
    assert 'data-status="failed"' in body
    assert "RuntimeError: disk full" in body


def test_without_an_active_scheme_evaluate_now_says_so_and_queues_nothing(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(org, "director")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post("/insights/grading/evaluate/", follow=True)
    assert not queued
    assert "No grading scheme is active" in response.content.decode()


def test_only_value_managers_see_the_evaluation_job(org: Org, scheme: GradeScheme) -> None:
    assert _client(org, "rep1").get("/insights/grading/evaluate/status/").status_code == 403
    assert 'data-testid="job-status"' not in _client(org, "rep1").get("/insights/grading/").content.decode()


def test_recompute_members_is_queued_then_the_worker_recomputes_and_the_page_says_so(
    org: Org, records: Records, django_capture_on_commit_callbacks: Any
) -> None:
    _value(records.team, 500)
    segment = segment_create(actor=org["admin"], name="高利润", rule=RULE)
    assert set(SegmentMember.objects.filter(segment=segment).values_list("customer_id", flat=True)) == {records.team.pk}
    _value(records.other, 300)
    client = _client(org, "director")
    url = f"/insights/segments/{segment.pk}/"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post(f"{url}refresh/").status_code == 302
        page = client.get(url).content.decode()
    assert len(queued) == 1
    assert SegmentMember.objects.filter(segment=segment).count() == 1  # nothing recomputed inside the request
    assert 'data-status="queued"' in page
    assert f'hx-get="{url}refresh/status/"' in page

    queued[0]()

    assert SegmentMember.objects.filter(segment=segment).count() == 2
    status = client.get(f"{url}refresh/status/", HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true"
    body = status.content.decode()
    assert 'data-status="done"' in body
    assert "2 members, 1 joined, 0 left." in body


def test_an_inactive_segment_is_not_queued(org: Org, records: Records, django_capture_on_commit_callbacks: Any) -> None:
    segment = segment_create(actor=org["admin"], name="停用", rule=RULE, is_active=False)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = _client(org, "director").post(f"/insights/segments/{segment.pk}/refresh/", follow=True)
    assert not queued
    assert "This segment is not active." in response.content.decode()
    assert Segment.objects.get(pk=segment.pk).refresh_status == ""


def test_a_segment_deactivated_before_the_worker_runs_is_left_alone(
    org: Org, records: Records, django_capture_on_commit_callbacks: Any
) -> None:
    segment = segment_create(actor=org["admin"], name="高利润", rule=RULE)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        segment_services.segment_refresh_request(actor=org["admin"], segment=segment)
    Segment.objects.filter(pk=segment.pk).update(is_active=False)
    queued[0]()
    segment.refresh_from_db()
    assert (segment.refresh_status, segment.refresh_job.not_active) == ("failed", True)
    body = _client(org, "director").get(f"/insights/segments/{segment.pk}/refresh/status/").content.decode()
    assert "deactivated before the worker got to it" in body


def test_only_value_managers_queue_or_follow_a_member_refresh(org: Org, records: Records) -> None:
    segment = segment_create(actor=org["admin"], name="高利润", rule=RULE)
    rep = _client(org, "rep1")
    assert rep.post(f"/insights/segments/{segment.pk}/refresh/").status_code == 403
    assert rep.get(f"/insights/segments/{segment.pk}/refresh/status/").status_code == 403
    assert Segment.objects.get(pk=segment.pk).refresh_status == ""
