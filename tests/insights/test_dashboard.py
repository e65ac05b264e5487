"""The value dashboard: figures over exactly the actor's customers, and drill-downs that list those customers."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from guanxi.customers import selectors as customer_selectors
from guanxi.customers.lists import value_filters
from guanxi.customers.models import Customer
from guanxi.insights.dashboard import Dashboard, Drill, clv_edges, value_dashboard
from guanxi.insights.models import (
    CustomerGrade,
    CustomerValue,
    GradeChange,
    GradeEvaluation,
    GradeScheme,
    RunStatus,
    ValueRun,
)
from tests.conftest import Org
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


def _run(**parameters: Any) -> ValueRun:
    return ValueRun.objects.create(
        as_of=AS_OF,
        status=RunStatus.DONE,
        finished_at=timezone.now(),
        parameters={"rfm_bins": 5, "valuable_profit_share": "0.800", "growable_share": "0.200", **parameters},
    )


def _customer(
    owner: Any,
    profit: str,
    *,
    value_class: str = "other",
    rfm: tuple[int, int] = (3, 3),
    clv: str | None = None,
    run: ValueRun | None = None,
) -> Customer:
    customer = CustomerFactory(owner=owner)
    CustomerValue.objects.create(
        customer=customer,
        run=run,
        as_of=AS_OF,
        profit=Decimal(profit),
        revenue=Decimal(profit).copy_abs() * 3,
        value_class=value_class,
        rfm_recency=rfm[0],
        rfm_frequency=rfm[1],
        lifetime_value=Decimal(clv if clv is not None else profit),
    )
    return customer


def _rank() -> None:
    """Profit ranks over every customer, as the engine stores them (1 = most profitable)."""
    for rank, value in enumerate(CustomerValue.objects.order_by("-profit", "customer_id"), start=1):
        CustomerValue.objects.filter(pk=value.pk).update(profit_rank=rank)


def _book(org: Org) -> dict[str, list[Customer]]:
    """rep1: six customers making 900 (the head: 500 + 300); rep2: two, one losing 40."""
    run = _run()
    rep1 = [
        _customer(org["rep1"], "500", value_class="most_valuable", rfm=(5, 5), clv="1500", run=run),
        _customer(org["rep1"], "300", value_class="most_valuable", rfm=(5, 3), clv="700", run=run),
        _customer(org["rep1"], "100", value_class="most_growable", rfm=(4, 3), clv="900", run=run),
        _customer(org["rep1"], "50", rfm=(2, 1), run=run),
        _customer(org["rep1"], "50", rfm=(2, 1), run=run),
        _customer(org["rep1"], "-100", value_class="negative", rfm=(0, 0), clv="-150", run=run),
    ]
    rep2 = [
        _customer(org["rep2"], "200", value_class="most_valuable", rfm=(5, 5), run=run),
        _customer(org["rep2"], "-40", value_class="negative", rfm=(1, 1), clv="-60", run=run),
    ]
    _rank()
    return {"rep1": rep1, "rep2": rep2}


def _listed(actor: Any, drill: Drill) -> int:
    """How many rows the customer list shows for a drill-down (the list's own filter path)."""
    clean, _errors = value_filters(drill.filters)
    return customer_selectors.customer_list(actor=actor, **clean).count()


def _class(dashboard: Dashboard, key: str) -> int:
    return next(s.customers for s in dashboard.classes if s.key == key)


def test_two_reps_see_the_figures_of_their_own_customers_only(org: Org) -> None:
    _book(org)
    rep1 = value_dashboard(actor=org["rep1"])
    rep2 = value_dashboard(actor=org["rep2"])
    director = value_dashboard(actor=org["director"])
    assert (rep1.customers, rep1.total_profit) == (6, Decimal("900.00"))
    assert (rep2.customers, rep2.total_profit) == (2, Decimal("160.00"))
    assert (director.customers, director.total_profit) == (8, Decimal("1060.00"))
    assert _class(rep1, "negative") == 1
    assert _class(rep2, "most_valuable") == 1
    assert _class(director, "most_valuable") == 3
    assert value_dashboard(actor=org["manager2"]).customers == 2  # South: rep2's customers


def test_pareto_head_and_destroyers_are_computed_within_the_scope(org: Org) -> None:
    _book(org)
    pareto = value_dashboard(actor=org["rep1"]).pareto
    assert pareto is not None
    assert pareto.available
    assert pareto.head_customers == 2  # 500 + 300 = 800 >= 80 % of 900
    assert pareto.head_share == pytest.approx(2 / 6)
    assert pareto.head_profit_min == Decimal("300.00")
    assert pareto.head is not None
    assert pareto.head.filters == {"profit_min": "300.00"}
    assert pareto.destroyers == 1
    assert pareto.destroyed_profit == Decimal("-100.00")
    assert pareto.destroyers_drill.url == "/customers/?profit_max=-0.01"
    assert pareto.peak_share == pytest.approx(1000 / 900)
    last = pareto.points[-1]
    assert (last.customers, last.cumulative_profit, last.profit_share) == (6, Decimal("900.00"), pytest.approx(1.0))
    director = value_dashboard(actor=org["director"]).pareto
    assert director is not None
    assert director.head_customers == 3  # 500 + 300 + 200 = 1000 >= 848
    assert director.destroyers == 2


def test_the_whole_company_s_curve_is_the_same_from_stored_ranks_and_from_window_functions(org: Org) -> None:
    run = _run()
    rng = random.Random(3)
    for i in range(450):  # more customers than tiles: the head lies inside a tile
        _customer(org["rep1" if i % 3 else "rep2"], f"{rng.uniform(-200, 900):.2f}", run=run)
    _rank()
    from_ranks = value_dashboard(actor=org["director"]).pareto
    CustomerValue.objects.update(profit_rank=None)
    from_windows = value_dashboard(actor=org["director"]).pareto
    assert from_ranks is not None
    assert from_windows is not None
    same = ("head_customers", "head_profit_min", "head", "peak_share", "destroyers", "destroyed_profit")
    assert [getattr(from_ranks, name) for name in same] == [getattr(from_windows, name) for name in same]
    assert from_ranks.points[-1] == from_windows.points[-1]
    assert len(from_windows.points) == 201
    profits = sorted((v.profit for v in CustomerValue.objects.all()), reverse=True)
    total, running = sum(profits), Decimal(0)
    for number, profit in enumerate(profits, start=1):
        running += profit
        if running >= total * Decimal("0.8"):
            assert (from_ranks.head_customers, from_ranks.head_profit_min) == (number, profit)
            break
    assert len(from_ranks.points) == 201


def test_every_number_equals_the_rows_of_the_list_it_drills_into(org: Org) -> None:
    _book(org)
    CustomerFactory(owner=org["rep1"])  # added after the run: no figures, in no drill-down
    for actor in ("rep1", "rep2", "manager1", "director"):
        user = org[actor]
        dashboard = value_dashboard(actor=user)
        assert dashboard.pareto is not None
        assert dashboard.rfm is not None
        pairs = [(s.customers, s.drill) for s in dashboard.classes]
        pairs += [(c.customers, c.drill) for c in dashboard.rfm.cells]
        pairs += [(b.customers, b.drill) for b in dashboard.clv]
        pairs.append((dashboard.pareto.destroyers, dashboard.pareto.destroyers_drill))
        if dashboard.pareto.head is not None:
            pairs.append((dashboard.pareto.head_customers, dashboard.pareto.head))
        assert pairs
        for shown, drill in pairs:
            assert _listed(user, drill) == shown, (actor, drill.filters)


def test_rfm_cells_count_customers_by_scores_and_leave_out_those_who_never_bought(org: Org) -> None:
    _book(org)
    rfm = value_dashboard(actor=org["rep1"]).rfm
    assert rfm is not None
    cells = {(c.recency, c.frequency): c.customers for c in rfm.cells}
    assert cells == {(5, 5): 1, (5, 3): 1, (4, 3): 1, (2, 1): 2}
    assert rfm.unrated == 1
    assert rfm.bins == 5
    cell = next(c for c in rfm.cells if (c.recency, c.frequency) == (5, 3))
    assert cell.drill.url == "/customers/?rfm_r=5&rfm_f=3"


def test_lifetime_value_buckets_cover_every_customer_in_readable_steps(org: Org) -> None:
    _book(org)
    buckets = value_dashboard(actor=org["rep1"]).clv
    assert sum(b.customers for b in buckets) == 6
    assert buckets[0].low <= Decimal("-150") < buckets[0].high
    assert buckets[-1].low <= Decimal("1500") < buckets[-1].high
    by_low = {b.low: b.customers for b in buckets}
    assert by_low[Decimal("500")] == 2  # 700 and 900
    assert by_low[Decimal("1000")] == 1  # 1500
    bar = next(b for b in buckets if b.low == Decimal("500"))
    assert bar.drill.filters == {"clv_min": "500", "clv_max": "999.99"}
    assert clv_edges(Decimal("0"), Decimal("0")) == [Decimal("0"), Decimal("10")]


def test_value_class_rule_is_the_one_the_run_used(org: Org) -> None:
    _run(valuable_profit_share="0.700", growable_share="0.300", analysis_months=6, settings_version=1)
    rule = value_dashboard(actor=org["rep1"]).rule
    assert rule is not None
    assert (rule.valuable_profit_share, rule.growable_share, rule.analysis_months) == (
        Decimal("0.700"),
        Decimal("0.300"),
        6,
    )


def test_before_any_run_the_dashboard_is_empty(org: Org) -> None:
    ValueRun.objects.create(as_of=AS_OF, status=RunStatus.FAILED)
    dashboard = value_dashboard(actor=org["director"])
    assert not dashboard.has_run
    assert dashboard.customers == 0
    assert dashboard.pareto is None


def test_a_loss_making_book_has_no_pareto_head_but_shows_its_destroyers(org: Org) -> None:
    run = _run()
    _customer(org["rep1"], "-10", value_class="negative", run=run)
    _customer(org["rep1"], "5", run=run)
    pareto = value_dashboard(actor=org["rep1"]).pareto
    assert pareto is not None
    assert not pareto.available
    assert pareto.head is None
    assert pareto.destroyers == 1


def _evaluation(org: Org) -> tuple[GradeEvaluation, dict[str, Customer]]:
    """Last evaluation: rep1's a (B→A) and b (new→B), c stays A; rep2's d (A→C), e stays C."""
    scheme = GradeScheme.objects.create(
        name="综合评级",
        is_active=True,
        grades=["A", "B", "C"],
        thresholds=[80, 50, 0],
        created_by=org["admin"],
        updated_by=org["admin"],
    )
    first = GradeEvaluation.objects.create(scheme=scheme, as_of=date(2026, 5, 1), grades=["A", "B", "C"])
    last = GradeEvaluation.objects.create(scheme=scheme, previous=first, as_of=date(2026, 6, 1), grades=["A", "B", "C"])
    people = {
        "a": CustomerFactory(owner=org["rep1"]),
        "b": CustomerFactory(owner=org["rep1"]),
        "c": CustomerFactory(owner=org["rep1"]),
        "d": CustomerFactory(owner=org["rep2"]),
        "e": CustomerFactory(owner=org["rep2"]),
    }
    now = {"a": "A", "b": "B", "c": "A", "d": "C", "e": "C"}
    for key, grade in now.items():
        CustomerGrade.objects.create(
            customer=people[key], evaluation=last, as_of=last.as_of, grade=grade, grade_index=50
        )
    for key, before, after in (("a", "B", "A"), ("b", "", "B"), ("d", "A", "C")):
        GradeChange.objects.create(
            evaluation=last, customer=people[key], as_of=last.as_of, previous_grade=before, grade=after, grade_index=50
        )
    GradeChange.objects.create(
        evaluation=first, customer=people["c"], as_of=first.as_of, previous_grade="", grade="A", grade_index=90
    )
    return last, people


def test_grade_distribution_and_migration_cover_the_scope(org: Org) -> None:
    last, _people = _evaluation(org)
    rep1 = value_dashboard(actor=org["rep1"]).grades
    assert rep1 is not None
    assert rep1.as_of == last.as_of
    assert [(b.grade, b.customers) for b in rep1.bars] == [("A", 2), ("B", 1), ("C", 0)]
    assert {(f.previous, f.grade): f.customers for f in rep1.flows} == {("B", "A"): 1, ("new", "B"): 1, ("A", "A"): 1}
    director = value_dashboard(actor=org["director"]).grades
    assert director is not None
    assert {(f.previous, f.grade): f.customers for f in director.flows} == {
        ("B", "A"): 1,
        ("new", "B"): 1,
        ("A", "C"): 1,
        ("A", "A"): 1,
        ("C", "C"): 1,
    }
    for bar in director.bars:
        assert _listed(org["director"], bar.drill) == bar.customers
    assert director.bars[0].drill.url == "/customers/?grade=A"


# --- the page and the API ---------------------------------------------------------------------


def test_the_page_shows_the_scope_s_figures_with_links_to_the_customers_behind_them(
    org: Org, browser_client: Any
) -> None:
    _book(org)
    body = browser_client("rep1").get("/insights/").content.decode()
    assert 'data-testid="value-classes"' in body
    assert 'data-testid="class-link-negative" href="/customers/?value_class=negative"' in body
    assert 'href="/customers/?profit_min=300.00"' in body
    assert 'href="/customers/?profit_max=-0.01"' in body
    assert 'href="/customers/?rfm_r=5&amp;rfm_f=3"' in body
    assert 'data-testid="figure-customers">6<' in body
    assert "2026-06-30" in body
    other = browser_client("rep2").get("/insights/").content.decode()
    assert 'data-testid="figure-customers">2<' in other


def test_clicking_the_negative_slice_lists_exactly_the_negative_customers(org: Org, browser_client: Any) -> None:
    book = _book(org)
    client = browser_client("manager1")
    body = client.get("/customers/?value_class=negative").content.decode()
    assert str(book["rep1"][5].pk) in body
    assert str(book["rep2"][1].pk) not in body  # rep2's loss-maker is outside manager1's scope
    assert str(book["rep1"][0].pk) not in body


def test_before_the_first_run_the_page_says_so_and_managers_get_the_hint(org: Org, browser_client: Any) -> None:
    rep = browser_client("rep1").get("/insights/")
    assert rep.status_code == 200
    assert 'data-testid="dashboard-empty"' in rep.content.decode()
    assert 'data-testid="value-classes"' not in rep.content.decode()
    director = browser_client("director").get("/insights/").content.decode()
    assert 'data-testid="dashboard-empty"' in director
    try:
        runs = reverse("insights:value-runs")
    except NoReverseMatch:  # the value runs page is another area's: a plain hint until it exists
        return
    assert f'href="{runs}" data-testid="recompute-link"' in director
    assert 'data-testid="recompute-link"' not in rep.content.decode()


def test_the_api_gives_each_actor_their_own_figures_and_drill_downs(org: Org, api: Any) -> None:
    _book(org)
    rep1 = api("rep1").get("/api/v1/insights/dashboard").json()
    rep2 = api("rep2").get("/api/v1/insights/dashboard").json()
    assert (rep1["customers"], rep1["total_profit"]) == (6, "900.00")
    assert (rep2["customers"], rep2["total_profit"]) == (2, "160.00")
    negative = next(s for s in rep1["classes"] if s["key"] == "negative")
    assert negative["drill"] == {"filters": {"value_class": "negative"}, "url": "/customers/?value_class=negative"}
    assert rep1["pareto"]["head_customers"] == 2
    listed = api("rep1").get("/api/v1/customers?profit_min=300.00").json()["items"]
    assert len(listed) == rep1["pareto"]["head_customers"]
    assert api(None).get("/api/v1/insights/dashboard").status_code == 401


def test_the_page_costs_the_same_queries_for_few_and_many_customers(
    org: Org, browser_client: Any, django_assert_max_num_queries: Any
) -> None:
    _evaluation(org)
    run = _run()
    client = browser_client("manager1")
    counts = []
    for total in (5, 60):
        for i in range(total):
            _customer(org["rep1"], str(10 * i - 50), value_class="other", rfm=(1 + i % 5, 1 + i % 4), run=run)
        _rank()
        with django_assert_max_num_queries(16) as captured:
            assert client.get("/insights/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_the_dashboard_agrees_with_the_value_engine_for_the_whole_company(org: Org) -> None:
    from guanxi.insights import services

    for i in range(12):
        _customer(org["rep1" if i % 2 else "rep2"], "0")
    CustomerValue.objects.all().delete()
    run = services.value_recompute(run=services.value_run_start(as_of=AS_OF))
    dashboard = value_dashboard(actor=org["director"])
    assert dashboard.run_id == run.pk
    assert dashboard.customers == run.results["customers"]
    assert {s.key: s.customers for s in dashboard.classes} == run.results["classes"]
    assert dashboard.pareto is not None
    assert dashboard.pareto.destroyers == run.results["pareto"].get("destroyers", 0)
