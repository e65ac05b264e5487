"""A customer's value and why (360° panel and API), value settings, value runs, the calibration page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.contracts.services import LineIn, order_create
from guanxi.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from guanxi.core.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.customers.services import interaction_log
from guanxi.insights import selectors, services, settings_service
from guanxi.insights.models import CustomerValue, RunStatus, ValueRun, ValueSettings
from guanxi.sales.services import product_create
from tests.conftest import Org, Records

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)
PARAMETERS = {
    "period_start": "2025-07-01",
    "analysis_months": 12,
    "rfm_bins": 5,
    "interaction_costs": {"phone": "8.00", "meeting": "200.00", "email": "1.00"},
    "cost_per_visit_hour": "150.00",
    "cost_per_ticket": "120.00",
    "cost_per_return": "80.00",
    "late_payment_rate_per_day": "0.000200",
    "valuable_profit_share": "0.800",
    "growable_share": "0.200",
    "clv_horizon_months": 12,
    "clv_monthly_discount_rate": "0.0100",
    "settings_version": 1,
}


def _run(**fields: Any) -> ValueRun:
    values: dict[str, Any] = {
        "as_of": AS_OF,
        "status": RunStatus.DONE,
        "customers": 120,
        "orders": 900,
        "parameters": PARAMETERS,
        "results": {
            "not_available_yet": ["visit_cost", "ticket_cost", "financing_cost"],
            "clv": {"fitted": True},
            "total_profit": 12345.5,
            "total_revenue": 99999.0,
            "classes": {"most_valuable": 10, "most_growable": 5, "negative": 3, "other": 102},
        },
    }
    return ValueRun.objects.create(**(values | fields))


def _value(customer: Customer, run: ValueRun | None = None, **fields: Any) -> CustomerValue:
    """A stored value row like the engine writes: the big, costly customer who loses money."""
    values: dict[str, Any] = {
        "customer": customer,
        "run": run or _run(),
        "as_of": AS_OF,
        "revenue": Decimal("8000.00"),
        "product_cost": Decimal("6000.00"),
        "gross_margin": Decimal("2000.00"),
        "discount": Decimal("2000.00"),
        "interaction_cost": Decimal("2160.00"),
        "return_cost": Decimal("160.00"),
        "cost_to_serve": Decimal("2320.00"),
        "profit": Decimal("-320.00"),
        "margin": Decimal("-0.0400"),
        "orders": 10,
        "returns": 2,
        "previous_revenue": Decimal("5000.00"),
        "recency_days": 41,
        "rfm_recency": 4,
        "rfm_frequency": 5,
        "rfm_monetary": 5,
        "expected_purchases": Decimal("6.500"),
        "p_alive": Decimal("0.8500"),
        "expected_spend": Decimal("750.00"),
        "future_value": Decimal("-100.00"),
        "lifetime_value": Decimal("-420.00"),
        "value_class": "negative",
        "profit_rank": 118,
        "next_purchase_on": date(2026, 7, 20),
    }
    return CustomerValue.objects.create(**(values | fields))


@pytest.fixture
def english(org: Org) -> Any:
    """``english("rep1")``: a logged-in client that reads English (the default language is Simplified Chinese)."""

    def make(username: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(org[username], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
        return client

    return make


def _touch(org: Org, customer: Customer, channel: str, times: int, day: date = date(2026, 3, 1)) -> None:
    for i in range(times):
        interaction_log(
            actor=customer.owner,
            customer=customer,
            channel=channel,
            direction="outbound",
            summary="跟进",
            occurred_at=datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC) + timedelta(hours=i),
        )


# --- a customer's value ---------------------------------------------------------------------


def test_breakdown_explains_profit_line_by_line(org: Org, records: Records) -> None:
    _value(records.own)
    _touch(org, records.own, "meeting", 10)
    _touch(org, records.own, "phone", 20)
    _touch(org, records.own, "phone", 3, day=date(2025, 6, 1))  # before the period: not counted

    value = selectors.customer_value_breakdown(actor=org["rep1"], customer_id=records.own.pk)

    assert value.computed
    lines = {line.channel: (line.count, line.unit_cost, line.cost) for line in value.interactions}
    assert lines == {
        "phone": (20, Decimal("8.00"), Decimal("160.00")),
        "meeting": (10, Decimal("200.00"), Decimal("2000.00")),
    }
    assert not value.interactions_since_run  # the live lines add up to the run's 2160
    assert (value.returns, value.cost_per_return, value.return_cost) == (2, Decimal("80.00"), Decimal("160.00"))
    assert [part.key for part in value.not_available_yet] == ["visit_cost", "ticket_cost", "financing_cost"]
    assert value.margin_percent == Decimal("-4.0")
    assert value.growth_percent == Decimal("60.0")  # 8000 against 5000
    assert value.period_start == date(2025, 7, 1)
    assert value.previous_period_start == date(2024, 7, 1)
    assert "-320.00 + -100.00 = -420.00" in value.value_class_rule
    assert (value.profit_rank, value.customers_ranked) == (118, 120)


def test_the_class_rule_states_the_run_settings_numbers(org: Org, records: Records) -> None:
    run = _run(parameters=PARAMETERS | {"valuable_profit_share": "0.700", "growable_share": "0.250"})
    _value(records.own, run, value_class="most_valuable", profit=Decimal("5000.00"))
    _value(records.team, run, value_class="most_growable", profit=Decimal("10.00"))
    valuable = selectors.customer_value_breakdown(actor=org["admin"], customer_id=records.own.pk)
    growable = selectors.customer_value_breakdown(actor=org["admin"], customer_id=records.team.pk)
    assert "70%" in valuable.value_class_rule
    assert "25%" in growable.value_class_rule


def test_a_customer_without_figures_is_honestly_not_computed(org: Org, records: Records) -> None:
    value = selectors.customer_value_breakdown(actor=org["rep1"], customer_id=records.own.pk)
    assert not value.computed
    assert value.profit == 0


def test_hidden_customers_values_are_not_found(org: Org, records: Records) -> None:
    _value(records.other)
    with pytest.raises(NotFound):
        selectors.customer_value_breakdown(actor=org["rep1"], customer_id=records.other.pk)


def test_api_answers_the_breakdown_and_404_for_hidden_customers(org: Org, records: Records, api: Any) -> None:
    _value(records.own)
    _value(records.other)
    client = api("rep1")
    response = client.get(f"/api/v1/insights/customers/{records.own.pk}/value")
    assert response.status_code == 200
    body = response.json()
    assert body["computed"] is True
    assert Decimal(body["profit"]) == Decimal("-320.00")
    assert Decimal(body["cost_to_serve"]) == Decimal("2320.00")
    assert body["value_class"] == "negative"
    assert body["campaign_value"] is None
    assert body["next_purchase_on"] == "2026-07-20"
    assert [part["key"] for part in body["not_available_yet"]] == ["visit_cost", "ticket_cost", "financing_cost"]
    hidden = client.get(f"/api/v1/insights/customers/{records.other.pk}/value")
    assert hidden.status_code == 404
    shown = hidden.content.decode()
    assert "-320.00" not in shown  # the other team's customer's profit (a bare "320" may sit in a record id)
    assert "2320.00" not in shown  # and its cost to serve


def test_panel_shows_profit_cost_to_serve_and_lifetime_value(
    org: Org, records: Records, english: Any, django_assert_max_num_queries: Any
) -> None:
    _value(records.own)
    _touch(org, records.own, "meeting", 10)
    _touch(org, records.own, "phone", 20)
    client = english("rep1")
    url = reverse("insights:customer-value-panel", args=[records.own.pk])
    client.get(url)  # session and user loaded once
    with django_assert_max_num_queries(6):  # session, user, customer, value with its run, interactions
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="value-panel"' in html
    assert 'data-testid="cost-to-serve"' in html
    assert "-320.00" in html
    assert "10 × 200.00" in html
    assert "20 × 8.00" in html
    assert "2 × 80.00" in html
    assert html.count("Not available yet") == 3
    assert "-420.00" in html  # lifetime value
    assert "2026-07-20" in html
    assert "118 of 120" in html
    assert "filled by the marketing module" in html


def test_panel_says_not_computed_yet_and_hides_other_teams_customers(org: Org, records: Records, english: Any) -> None:
    _value(records.other)
    client = english("rep1")
    own = client.get(reverse("insights:customer-value-panel", args=[records.own.pk]))
    assert own.status_code == 200
    assert "Not computed yet" in own.content.decode()
    hidden = client.get(reverse("insights:customer-value-panel", args=[records.other.pk]))
    assert hidden.status_code == 404
    shown = hidden.content.decode()
    assert "-320.00" not in shown  # the other team's customer's profit (a bare "320" may sit in a record id)
    assert "2320.00" not in shown  # and its cost to serve


# --- value settings -------------------------------------------------------------------------


def test_managers_change_settings_with_a_version_and_an_audit_trail(org: Org) -> None:
    director = org["director"]
    row = settings_service.value_settings_update(
        actor=director,
        version=1,
        changes={"interaction_costs": {"phone": Decimal("9.5")}, "valuable_profit_share": Decimal("0.75")},
    )
    assert row.version == 2
    stored = ValueSettings.objects.get(pk=1)
    assert stored.interaction_costs["phone"] == "9.50"
    assert stored.interaction_costs["meeting"] == "200.00"  # untouched channels keep their cost
    assert stored.valuable_profit_share == Decimal("0.750")
    fields = set(AuditEntry.objects.filter(record_type="insights.valuesettings").values_list("field", flat=True))
    assert fields == {"interaction_costs", "valuable_profit_share"}
    with pytest.raises(Conflict):
        settings_service.value_settings_update(actor=director, version=1, changes={"rfm_bins": 4})
    assert ValueSettings.objects.get(pk=1).rfm_bins == 5


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"interaction_costs": {"phone": Decimal("-1")}}, ["interaction_costs", "phone"]),
        ({"interaction_costs": {"fax": Decimal("1")}}, ["interaction_costs", "fax"]),
        ({"valuable_profit_share": Decimal("0")}, ["valuable_profit_share"]),
        ({"valuable_profit_share": Decimal("1.5")}, ["valuable_profit_share"]),
        ({"growable_share": Decimal("-0.1")}, ["growable_share"]),
        ({"cost_per_return": Decimal("-5")}, ["cost_per_return"]),
        ({"clv_monthly_discount_rate": Decimal("1")}, ["clv_monthly_discount_rate"]),
        ({"analysis_months": 0}, ["analysis_months"]),
        ({"rfm_bins": 11}, ["rfm_bins"]),
    ],
)
def test_bad_settings_are_refused_with_the_field_and_nothing_changes(
    org: Org, changes: dict[str, Any], loc: list[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        settings_service.value_settings_update(
            actor=org["admin"], version=1, changes=changes | {"cost_per_ticket": Decimal("99")}
        )
    assert loc in [error["loc"] for error in refused.value.errors]
    row = ValueSettings.objects.filter(pk=1).first()
    assert row is None or (row.version, row.cost_per_ticket) == (1, Decimal("120.00"))


def test_settings_api_reads_for_everyone_and_writes_for_managers(org: Org, api: Any) -> None:
    read = api("rep1").get("/api/v1/insights/value-settings")
    assert read.status_code == 200
    assert Decimal(read.json()["valuable_profit_share"]) == Decimal("0.8")
    refused = api("rep1").request("PUT", "/api/v1/insights/value-settings", {"version": 1, "rfm_bins": 4})
    assert refused.status_code == 403
    assert not ValueSettings.objects.exists()
    saved = api("director").request("PUT", "/api/v1/insights/value-settings", {"version": 1, "rfm_bins": 4})
    assert saved.status_code == 200
    assert saved.json()["version"] == 2
    stale = api("admin").request("PUT", "/api/v1/insights/value-settings", {"version": 1, "rfm_bins": 3})
    assert stale.status_code == 409
    bad = api("admin").request(
        "PUT", "/api/v1/insights/value-settings", {"version": 2, "interaction_costs": {"phone": "-2"}}
    )
    assert bad.status_code == 422
    assert ValueSettings.objects.get(pk=1).rfm_bins == 4


def _settings_post(**overrides: str) -> dict[str, str]:
    data = {
        "version": "1",
        "analysis_months": "12",
        "rfm_bins": "5",
        "cost_per_visit_hour": "150",
        "cost_per_ticket": "120",
        "cost_per_return": "80",
        "late_payment_rate_per_day": "0.0002",
        "valuable_profit_share": "0.8",
        "growable_share": "0.2",
        "clv_horizon_months": "12",
        "clv_monthly_discount_rate": "0.01",
        "cost_phone": "8",
        "cost_sms": "0.5",
        "cost_email": "1",
        "cost_meeting": "200",
        "cost_visit": "300",
        "cost_wechat": "2",
        "cost_web": "0.5",
        "cost_other": "5",
    }
    return data | overrides


def test_settings_page_saves_for_managers_and_shows_the_rules_to_others(org: Org, english: Any) -> None:
    url = reverse("insights:value-settings")
    rep = english("rep1")
    page = rep.get(url)
    assert page.status_code == 200
    assert "You can read the rules" in page.content.decode()
    assert rep.post(url, _settings_post(cost_meeting="250")).status_code == 403
    assert not ValueSettings.objects.exists()
    director = english("director")
    assert director.post(url, _settings_post(cost_meeting="250")).status_code == 302
    assert ValueSettings.objects.get(pk=1).interaction_costs["meeting"] == "250.00"
    stale = director.post(url, _settings_post(cost_meeting="260"))
    assert stale.status_code == 409
    assert ValueSettings.objects.get(pk=1).interaction_costs["meeting"] == "250.00"
    bad = director.post(url, _settings_post(version="2", valuable_profit_share="0"))
    assert bad.status_code == 422
    assert "Enter a share above 0 and at most 1." in bad.content.decode()


# --- value runs -----------------------------------------------------------------------------


def test_recompute_now_queues_a_run_that_the_worker_processes(
    org: Org, records: Records, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = settings_service.value_run_request(actor=org["director"])
    assert run.status == RunStatus.QUEUED
    assert run.requested_by == org["director"]
    assert len(callbacks) == 1  # the task is enqueued once the request commits
    with pytest.raises(NotAllowed):
        settings_service.value_run_request(actor=org["manager1"])
    assert ValueRun.objects.count() == 1


def test_runs_api_is_for_value_managers(org: Org, api: Any) -> None:
    done = _run()
    assert api("rep1").get("/api/v1/insights/value-runs").status_code == 403
    assert api("manager1").get(f"/api/v1/insights/value-runs/{done.pk}").status_code == 403
    listing = api("director").get("/api/v1/insights/value-runs")
    assert listing.status_code == 200
    assert [item["id"] for item in listing.json()["items"]] == [str(done.pk)]
    detail = api("admin").get(f"/api/v1/insights/value-runs/{done.pk}").json()
    assert detail["results"]["total_profit"] == 12345.5
    assert api("rep1").post("/api/v1/insights/value-runs").status_code == 403
    assert ValueRun.objects.count() == 1
    queued = api("director").post("/api/v1/insights/value-runs")
    assert queued.status_code == 202
    assert queued.json()["status"] == "queued"


def test_runs_page_lists_runs_and_the_detail_polls_while_running(
    org: Org, english: Any, django_assert_max_num_queries: Any
) -> None:
    for day in range(5):
        _run(as_of=AS_OF - timedelta(days=day), requested_by=org["admin"])
    running = _run(status=RunStatus.RUNNING, step="profit", progress=30, results={})
    client = english("director")
    client.get(reverse("insights:value-runs"))
    with django_assert_max_num_queries(4):  # the same for 6 runs as for 600
        page = client.get(reverse("insights:value-runs"))
    assert page.status_code == 200
    assert page.content.decode().count("12,345.50") == 5
    detail = client.get(reverse("insights:value-run-detail", args=[running.pk]))
    assert 'hx-trigger="every 2s"' in detail.content.decode()
    progress = client.get(reverse("insights:value-run-progress", args=[running.pk]), HTTP_HX_REQUEST="true")
    assert "30%" in progress.content.decode()
    assert "Step: Profit after cost to serve" in progress.content.decode()
    assert "HX-Refresh" not in progress
    ValueRun.objects.filter(pk=running.pk).update(status=RunStatus.DONE, progress=100)
    finished = client.get(reverse("insights:value-run-progress", args=[running.pk]), HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    assert 'hx-trigger="every 2s"' not in finished.content.decode()


def test_runs_pages_are_refused_to_non_managers(org: Org, english: Any) -> None:
    run = _run()
    client = english("manager1")
    assert client.get(reverse("insights:value-runs")).status_code == 403
    assert client.get(reverse("insights:value-run-detail", args=[run.pk])).status_code == 403
    assert client.post(reverse("insights:value-runs")).status_code == 403
    assert ValueRun.objects.count() == 1


# --- the calibration page -------------------------------------------------------------------


def test_calibration_page_shows_the_stored_report(org: Org, english: Any) -> None:
    report = {
        "calibration_end": "2025-12-31",
        "holdout_end": "2026-06-30",
        "holdout_weeks": 26.0,
        "customers": 300,
        "predicted_total": 410.5,
        "actual_total": 432.0,
        "error_percent": -4.98,
        "parameters": {"r": 0.5, "alpha": 3.0, "a": 0.8, "b": 2.5},
        "buckets": [
            {"frequency": str(i), "customers": 30, "predicted_mean": 0.1 * i, "actual_mean": 0.11 * i} for i in range(7)
        ]
        + [{"frequency": "7+", "customers": 90, "predicted_mean": 2.0, "actual_mean": 2.1}],
    }
    _run(results={"calibration": report})
    response = english("director").get(reverse("insights:calibration"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="stored"' in html
    assert 'data-bucket="7+"' in html
    assert "data-gx-calibration=" in html
    assert "432" in html
    assert english("rep1").get(reverse("insights:calibration")).status_code == 403


def test_calibration_page_computes_on_request_when_no_run_stored_one(org: Org, english: Any) -> None:
    client = english("admin")
    page = client.get(reverse("insights:calibration"))
    assert 'data-state="not-stored"' in page.content.decode()
    computed = client.get(reverse("insights:calibration") + "?compute=1&holdout_weeks=13")
    assert computed.status_code == 200
    assert "cannot be tested on these data" in computed.content.decode()  # no orders at all


def test_the_breakdown_of_a_real_run_adds_up(org: Org, records: Records) -> None:
    product = product_create(
        actor=org["admin"], code="P-1", name="机床配件", unit="件", list_price=Decimal("100"), unit_cost=Decimal("60")
    )
    for day in (date(2025, 9, 1), date(2026, 1, 5), date(2026, 5, 20)):
        line = LineIn(product_id=product.pk, quantity=Decimal(5), discount_rate=Decimal(0))
        order_create(actor=org["rep1"], customer=records.own, ordered_on=day, lines=[line])
    _touch(org, records.own, "phone", 2)
    services.value_recompute(run=services.value_run_start(as_of=AS_OF))

    value = selectors.customer_value_breakdown(actor=org["rep1"], customer_id=records.own.pk)

    assert value.computed
    assert value.revenue == Decimal("1500.00")
    assert [(line.channel, line.count, line.cost) for line in value.interactions] == [("phone", 2, Decimal("16.00"))]
    assert not value.interactions_since_run
    assert value.cost_to_serve == Decimal("16.00")
    assert value.profit == value.gross_margin - value.cost_to_serve == Decimal("584.00")
    assert value.lifetime_value == value.profit + value.future_value
    assert value.orders == 3
    assert value.recency_days == 41
