"""Permission-matrix checks of the insights dashboard routes and pages (see matrix_common.py)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from guanxi.insights.models import CurveKind, CustomerValue, RunStatus, SegmentCurve, ValueRun
from guanxi.insights.segments import segment_create
from tests.insights.matrix_common import VALUE_MANAGERS, ApiChecks, PageChecks, login_redirect

CURVE_READERS = VALUE_MANAGERS | {"rep1", "manager1"}  # value managers and East, the team the segment is mapped to

LOSS = {"own": "-5.00", "team": "70.00", "other": "-30.00"}  # profit of each record's customer


def _figures(ctx: Any, record_keys: list[str]) -> None:
    """A finished run with figures for rep1's, rep1b's and rep2's customers."""
    run = ValueRun.objects.create(as_of=timezone.localdate(), status=RunStatus.DONE, finished_at=timezone.now())
    for key in record_keys:
        profit = LOSS[key]
        CustomerValue.objects.create(
            customer=getattr(ctx.records, key),
            run=run,
            as_of=run.as_of,
            profit=profit,
            lifetime_value=profit,
            value_class="negative" if profit.startswith("-") else "most_valuable",
        )


def checks(visible: dict[str, set[str]], record_keys: list[str]) -> tuple[ApiChecks, PageChecks]:
    def api_dashboard(ctx: Any) -> None:
        _figures(ctx, record_keys)
        response = ctx.api().get("/api/v1/insights/dashboard")
        if ctx.user is None:
            assert response.status_code == 401
            return
        assert response.status_code == 200
        body = response.json()
        seen = visible[ctx.actor]
        assert body["customers"] == len(seen), ctx.actor
        assert body["pareto"]["destroyers"] == sum(1 for key in seen if LOSS[key].startswith("-"))
        listed = ctx.api().get("/api/v1/customers?value_class=negative")  # the loss-makers' drill-down
        assert listed.status_code == 200
        ids = {item["id"] for item in listed.json()["items"]}
        for key in record_keys:
            negative = LOSS[key].startswith("-")
            assert (str(getattr(ctx.records, key).pk) in ids) == (key in seen and negative), key

    def page_dashboard(ctx: Any) -> None:
        _figures(ctx, record_keys)
        response = ctx.browser().get(reverse("insights:dashboard"))
        if ctx.user is None:
            assert login_redirect(response)
            return
        assert response.status_code == 200
        assert f'data-testid="figure-customers">{len(visible[ctx.actor])}<' in response.content.decode()

    def page_dashboard_curves(ctx: Any) -> None:
        """The curve card shows a segment's curves to value managers and its mapped team only."""
        _figures(ctx, record_keys)
        rule = {"match": "all", "conditions": [{"field": "profit", "op": "gt", "value": 0}]}
        segment = segment_create(actor=ctx.org["admin"], name="东区曲线", rule=rule, team_ids=[ctx.org.east.pk])
        data = {"purchases": 2, "months": 1, "spend_per_customer": [424242.5]}
        SegmentCurve.objects.create(segment=segment, kind=CurveKind.COHORT, as_of=timezone.localdate(), data=data)
        response = ctx.browser().get(reverse("insights:dashboard"), {"curve_segment": str(segment.pk)})
        if ctx.user is None:
            assert login_redirect(response)
            return
        assert response.status_code == 200
        assert ("424242.5" in response.content.decode()) == (ctx.actor in CURVE_READERS), ctx.actor

    def page_dashboard_all(ctx: Any) -> None:
        page_dashboard(ctx)
        ValueRun.objects.all().delete()
        CustomerValue.objects.all().delete()
        page_dashboard_curves(ctx)

    api: ApiChecks = {("GET", "/api/v1/insights/dashboard"): api_dashboard}
    pages: PageChecks = {"insights:dashboard": page_dashboard_all}
    return api, pages
