"""One customer's value figures between nightly runs: when an order arrives, its customer is refreshed.

``value_customer_refresh`` reads that customer's orders and interactions (a few small queries),
and places them among the population of the latest finished run: the run stored what that takes
(each RFM score's value range, the class thresholds, the fitted CLV models and the population
margin). Figures relative to everyone else — rank by profit, segment curves, grades — wait for
the next full run, which also corrects any drift.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import numpy as np
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from guanxi.contracts.models import SOLD, Order, OrderStatus
from guanxi.core.dates import day_start
from guanxi.customers.models import Customer, Interaction
from guanxi.insights import datasets
from guanxi.insights.kernels.clv import (
    WEEKS_PER_MONTH,
    BetaGeoModel,
    BetaGeoParams,
    GammaGammaModel,
    GammaGammaParams,
    lifetime_value,
)
from guanxi.insights.kernels.profit import CostRates, ServiceLoad, profit_breakdown
from guanxi.insights.models import CustomerValue, RunStatus, ValueClassChoice, ValueRun
from guanxi.insights.services import clv_summary_days, months_before


def _cents(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2)))


def _orders(customer_id: UUID, as_of: date) -> datasets.OrderArrays:
    rows = list(
        Order.objects.filter(customer_id=customer_id, ordered_on__lte=as_of).values_list(
            "ordered_on", "status", "amount", "cost", "discount"
        )
    )
    sold = {str(s) for s in SOLD}

    def code(status: str) -> int:
        if status in sold:
            return datasets.SOLD_CODE
        return datasets.RETURNED_CODE if status == OrderStatus.RETURNED else datasets.OTHER_CODE

    return datasets.OrderArrays(
        customer=np.zeros(len(rows), dtype=np.int64),
        day=np.array([datasets.epoch_day(row[0]) for row in rows], dtype=np.int64),
        status=np.array([code(row[1]) for row in rows], dtype=np.int8),
        amount=np.array([float(row[2]) for row in rows]),
        cost=np.array([float(row[3]) for row in rows]),
        discount=np.array([float(row[4]) for row in rows]),
    )


def _interactions(customer_id: UUID, start: date, as_of: date) -> np.ndarray:
    counts = dict(
        Interaction.objects.filter(
            customer_id=customer_id,
            occurred_at__gte=day_start(start),
            occurred_at__lt=day_start(as_of + timedelta(days=1)),
        )
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    row = np.zeros((1, len(datasets.CHANNELS)))
    for channel, n in counts.items():
        column = datasets.CHANNELS.index(channel) if channel in datasets.CHANNELS else datasets.CHANNELS.index("other")
        row[0, column] += n
    return row


def _score(value: float, bounds: list[float | None], *, lower_is_better: bool) -> int:
    """The best score whose range this value reaches; the lowest score below every range (0: nobody scored).

    ``bounds[s - 1]`` is the least value that earned score s (recency: the most days).
    """
    known = [(level, limit) for level, limit in enumerate(bounds, start=1) if limit is not None]
    if not known:
        return 0
    reached = [level for level, limit in known if (value <= limit if lower_is_better else value >= limit)]
    return max(reached) if reached else known[0][0]


def _future_value(
    clv: dict[str, Any], summary: tuple[np.ndarray, ...], margin: float, parameters: dict[str, Any]
) -> tuple[float, float | None, float | None, float]:
    """Expected purchases, P(alive), expected spend and discounted future value with the run's fitted models."""
    frequency, recency_days, age_days, monetary = summary
    if not clv.get("fitted") or age_days[0] <= 0:
        return 0.0, None, None, 0.0
    recency, age = recency_days / 7.0, age_days / 7.0
    purchases = BetaGeoModel()
    purchases.params_ = BetaGeoParams(**clv["bgnbd"])
    spend_info = clv["spend"]
    spend: GammaGammaModel | np.ndarray
    if spend_info.get("model") == "gamma_gamma":
        spend = GammaGammaModel()
        spend.params_ = GammaGammaParams(p=spend_info["p"], q=spend_info["q"], gamma=spend_info["gamma"])
        per_purchase = float(spend.expected_average_spend(frequency, monetary)[0])
    else:
        per_purchase = float(monetary[0]) if frequency[0] > 0 else float(spend_info["population_average"])
        spend = np.array([per_purchase])
    horizon = float(clv["horizon_weeks"])
    columns = (frequency, recency, age)
    expected = float(purchases.expected_purchases(horizon, *columns)[0])
    alive = float(purchases.probability_alive(*columns)[0])
    future = lifetime_value(
        purchases,
        spend,
        *columns,
        monetary,
        horizon=horizon,
        period=WEEKS_PER_MONTH,
        discount_rate=float(parameters["clv_monthly_discount_rate"]),
        margin=1.0,
    )
    return expected, alive, per_purchase, float(future[0]) * margin


def _value_class(profit: float, future: float, thresholds: dict[str, float | None]) -> str:
    if profit + future < 0:
        return ValueClassChoice.NEGATIVE
    valuable = thresholds.get("most_valuable_min_profit")
    if valuable is not None and profit > 0 and profit >= valuable:
        return ValueClassChoice.MOST_VALUABLE
    growable = thresholds.get("most_growable_min_gap")
    if growable is not None and future - profit >= growable:
        return ValueClassChoice.MOST_GROWABLE
    return ValueClassChoice.OTHER


def value_customer_refresh(*, customer_id: UUID | str, as_of: date | None = None) -> CustomerValue | None:
    """Recompute one customer's figures as of ``as_of`` (today) against the latest finished run.

    None when no run has finished yet (the first full run computes everyone) or the customer is gone.
    """
    run = ValueRun.objects.filter(status=RunStatus.DONE).order_by("-finished_at").first()
    customer = Customer.objects.filter(pk=customer_id).only("pk").first()
    if run is None or customer is None or "rfm_bounds" not in run.results:
        return None
    as_of = as_of or timezone.localdate()
    parameters, results = run.parameters, run.results
    start = months_before(as_of, int(parameters["analysis_months"])) + timedelta(days=1)
    previous_start = months_before(start - timedelta(days=1), int(parameters["analysis_months"])) + timedelta(days=1)
    orders = _orders(customer.pk, as_of)
    days = datasets.purchase_days(orders)
    today = datasets.epoch_day(as_of)
    in_period = days.day >= datasets.epoch_day(start)
    in_previous = (days.day >= datasets.epoch_day(previous_start)) & ~in_period
    costs = parameters["interaction_costs"]
    rates = CostRates(
        per_interaction=tuple(float(costs.get(channel, 0)) for channel in datasets.CHANNELS),
        per_visit_hour=float(parameters["cost_per_visit_hour"]),
        per_ticket=float(parameters["cost_per_ticket"]),
        per_return=float(parameters["cost_per_return"]),
        late_payment_rate_per_day=float(parameters["late_payment_rate_per_day"]),
    )
    returned = datasets.returned_in_period(orders, 1, start=start)
    zero = np.zeros(1)
    breakdown = profit_breakdown(
        np.array([days.amount[in_period].sum()]),
        np.array([days.cost[in_period].sum()]),
        np.array([days.discount[in_period].sum()]),
        ServiceLoad(
            interactions=_interactions(customer.pk, start, as_of),
            visit_hours=zero,
            tickets=zero,
            returns=returned.astype(np.float64),
            overdue_amount_days=zero,
        ),
        rates,
    )
    revenue, profit = float(breakdown.revenue[0]), float(breakdown.profit[0])
    order_count = int(days.orders[in_period].sum())
    bought = days.day.size > 0
    recency = int(today - days.day.max()) if bought else None
    bounds = results["rfm_bounds"]
    summary = clv_summary_days(days, 1, today)
    margin_of_sales = float(breakdown.gross_margin[0]) / revenue if revenue > 0 else None
    population_margin = float(results.get("clv", {}).get("population_margin", 0.0))
    clv_margin = min(max(margin_of_sales if margin_of_sales is not None else population_margin, 0.0), 1.0)
    expected, alive, per_purchase, future = _future_value(results.get("clv", {}), summary, clv_margin, parameters)
    first_day = int(days.day.min()) if bought else None
    values: dict[str, Any] = {
        "run": run,
        "as_of": as_of,
        "revenue": _cents(revenue),
        "product_cost": _cents(breakdown.product_cost[0]),
        "gross_margin": _cents(breakdown.gross_margin[0]),
        "discount": _cents(breakdown.discount[0]),
        "interaction_cost": _cents(breakdown.interaction_cost[0]),
        "visit_cost": _cents(breakdown.visit_cost[0]),
        "ticket_cost": _cents(breakdown.ticket_cost[0]),
        "return_cost": _cents(breakdown.return_cost[0]),
        "financing_cost": _cents(breakdown.financing_cost[0]),
        "cost_to_serve": _cents(breakdown.cost_to_serve[0]),
        "profit": _cents(profit),
        "margin": None if revenue <= 0 else Decimal(str(round(max(min(profit / revenue, 99999), -99999), 4))),
        "orders": order_count,
        "returns": int(returned[0]),
        "previous_revenue": _cents(days.amount[in_previous].sum()),
        "previous_orders": int(days.orders[in_previous].sum()),
        "recency_days": recency,
        "rfm_recency": _score(recency, bounds["recency"], lower_is_better=True) if recency is not None else 0,
        "rfm_frequency": _score(order_count, bounds["frequency"], lower_is_better=False) if bought else 0,
        "rfm_monetary": _score(revenue, bounds["monetary"], lower_is_better=False) if bought else 0,
        "expected_purchases": Decimal(str(round(expected, 3))),
        "p_alive": None if alive is None else Decimal(str(round(alive, 4))),
        "expected_spend": None if per_purchase is None else _cents(per_purchase),
        "future_value": _cents(future),
        "lifetime_value": _cents(profit + future),
        "value_class": _value_class(profit, future, results.get("class_thresholds", {})),
        "tenure_days": None if first_day is None else today - first_day,
    }
    with transaction.atomic():
        row, _created = CustomerValue.objects.update_or_create(customer_id=customer.pk, defaults=values)
    return row
