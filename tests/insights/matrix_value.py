"""Permission-matrix checks of the insights value routes and pages (see matrix_common.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.urls import reverse

from guanxi.insights.models import CustomerValue, ValueRun, ValueSettings
from tests.insights.matrix_common import (
    ApiChecks,
    Check,
    PageChecks,
    expected,
    expected_manager,
    login_redirect,
)

SETTINGS_BODY = {"version": 1, "rfm_bins": 4, "interaction_costs": {"phone": "9.00"}}


def _settings_state() -> tuple[Any, ...] | None:
    row = ValueSettings.objects.filter(pk=1).first()
    return None if row is None else (row.version, row.rfm_bins, row.interaction_costs.get("phone"))


def _run() -> ValueRun:
    return ValueRun.objects.create(as_of=date(2026, 6, 30), status="done", results={"total_profit": 1.0})


def _with_values(ctx: Any, record_keys: list[str]) -> None:
    run = _run()
    for key in record_keys:
        customer = getattr(ctx.records, key)
        CustomerValue.objects.create(customer=customer, run=run, as_of=run.as_of, profit=Decimal("123.45"))


def _settings_form() -> dict[str, str]:
    channels = ("phone", "sms", "email", "meeting", "visit", "wechat", "web", "other")
    return {
        "version": "1",
        "analysis_months": "12",
        "rfm_bins": "4",
        "cost_per_visit_hour": "150",
        "cost_per_ticket": "120",
        "cost_per_return": "80",
        "late_payment_rate_per_day": "0.0002",
        "valuable_profit_share": "0.8",
        "growable_share": "0.2",
        "clv_horizon_months": "12",
        "clv_monthly_discount_rate": "0.01",
    } | {f"cost_{channel}": "1" for channel in channels}


def checks(visible: dict[str, set[str]], record_keys: list[str]) -> tuple[ApiChecks, PageChecks]:
    def api_customer_value(ctx: Any) -> None:
        _with_values(ctx, record_keys)
        client = ctx.api()
        for key in record_keys:
            customer = getattr(ctx.records, key)
            response = client.get(f"/api/v1/insights/customers/{customer.pk}/value")
            assert response.status_code == expected(ctx, visible, key, 200), key
            if response.status_code != 200:
                assert "123.45" not in response.content.decode(), f"hidden figures leaked for {key}"

    def api_settings_read(ctx: Any) -> None:
        response = ctx.api().get("/api/v1/insights/value-settings")
        assert response.status_code == (401 if ctx.user is None else 200)

    def api_settings_write(ctx: Any) -> None:
        before = _settings_state()
        response = ctx.api().request("PUT", "/api/v1/insights/value-settings", SETTINGS_BODY)
        assert response.status_code == expected_manager(ctx, 200), response.content
        if response.status_code != 200:
            assert _settings_state() == before, "a refused write changed the value settings"

    def api_runs_list(ctx: Any) -> None:
        _run()
        response = ctx.api().get("/api/v1/insights/value-runs")
        assert response.status_code == expected_manager(ctx, 200)

    def api_run_request(ctx: Any) -> None:
        before = ValueRun.objects.count()
        response = ctx.api().post("/api/v1/insights/value-runs")
        assert response.status_code == expected_manager(ctx, 202), response.content
        if response.status_code != 202:
            assert ValueRun.objects.count() == before, "a refused request queued a run"

    def api_run_detail(ctx: Any) -> None:
        run = _run()
        response = ctx.api().get(f"/api/v1/insights/value-runs/{run.pk}")
        assert response.status_code == expected_manager(ctx, 200)

    api: ApiChecks = {
        ("GET", "/api/v1/insights/customers/{customer_id}/value"): api_customer_value,
        ("GET", "/api/v1/insights/value-settings"): api_settings_read,
        ("PUT", "/api/v1/insights/value-settings"): api_settings_write,
        ("GET", "/api/v1/insights/value-runs"): api_runs_list,
        ("POST", "/api/v1/insights/value-runs"): api_run_request,
        ("GET", "/api/v1/insights/value-runs/{run_id}"): api_run_detail,
    }

    def page_value_panel(ctx: Any) -> None:
        _with_values(ctx, record_keys)
        client = ctx.browser()
        for key in record_keys:
            customer = getattr(ctx.records, key)
            response = client.get(reverse("insights:customer-value-panel", args=[customer.pk]))
            if ctx.user is None:
                assert login_redirect(response)
            else:
                assert response.status_code == expected(ctx, visible, key, 200), key
                if response.status_code != 200:
                    assert "123.45" not in response.content.decode(), f"hidden figures leaked for {key}"

    def page_settings(ctx: Any) -> None:
        client = ctx.browser()
        url = reverse("insights:value-settings")
        page = client.get(url)
        before = _settings_state()
        response = client.post(url, _settings_form())
        if ctx.user is None:
            assert login_redirect(page)
            assert login_redirect(response)
        else:
            assert page.status_code == 200
            assert response.status_code == expected_manager(ctx, 302), response.content[:300]
        if response.status_code != 302 or ctx.user is None:
            assert _settings_state() == before, "a refused page write changed the value settings"

    def manager_page(name: str, *, with_run: bool = False, post: bool = False) -> Check:
        def check(ctx: Any) -> None:
            client = ctx.browser()
            args = [_run().pk] if with_run else []
            url = reverse(f"insights:{name}", args=args)
            response = client.get(url)
            if ctx.user is None:
                assert login_redirect(response)
            else:
                assert response.status_code == expected_manager(ctx, 200), name
            if post:
                before = ValueRun.objects.count()
                posted = client.post(url)
                if ctx.user is None:
                    assert login_redirect(posted)
                else:
                    assert posted.status_code == expected_manager(ctx, 302)
                if posted.status_code != 302 or ctx.user is None:
                    assert ValueRun.objects.count() == before, "a refused page request queued a run"

        return check

    pages: PageChecks = {
        "insights:customer-value-panel": page_value_panel,
        "insights:value-settings": page_settings,
        "insights:value-runs": manager_page("value-runs", post=True),
        "insights:value-run-detail": manager_page("value-run-detail", with_run=True),
        "insights:value-run-progress": manager_page("value-run-progress", with_run=True),
        "insights:calibration": manager_page("calibration"),
    }
    return api, pages
