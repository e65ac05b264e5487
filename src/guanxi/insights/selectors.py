"""Scoped reads of customer value: one customer's figures and why, the value settings, the value runs.

A customer's figures are visible exactly when the customer is (``access.get_visible``: hidden
answers "not found"). Runs are company-wide aggregates, so only value managers read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.dates import day_start
from guanxi.core.errors import NotFound
from guanxi.customers.models import Channel, Customer, Interaction
from guanxi.insights.models import CustomerValue, RunStatus, ValueClassChoice, ValueRun, ValueSettings
from guanxi.insights.services import months_before

CENT = Decimal("0.01")
ACTIVE_RUN_STATUSES = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})
# Parts of the cost to serve whose source records come with later modules, with their labels.
LATER_PARTS = {
    "visit_cost": ("visits", "cost_per_visit_hour"),
    "ticket_cost": ("tickets", "cost_per_ticket"),
    "financing_cost": ("financing", "late_payment_rate_per_day"),
}


def _decimal(value: Any, default: str = "0") -> Decimal:
    try:
        return Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        return Decimal(default)


# --- value settings -----------------------------------------------------------------------


def value_settings_get(*, actor: User | Any) -> ValueSettings:
    """The value settings (defaults until a manager saves them); anyone logged in reads them."""
    if access.active_user(actor) is None:
        raise NotFound(_("Not found."))
    return ValueSettings.objects.select_related("updated_by").filter(pk=1).first() or ValueSettings(pk=1)


# --- one customer's value -----------------------------------------------------------------


@dataclass(frozen=True)
class ChannelCost:
    channel: str
    label: str
    count: int
    unit_cost: Decimal
    cost: Decimal


@dataclass(frozen=True)
class LaterPart:
    """A part of the cost to serve whose records come with a later module."""

    key: str
    label: str


@dataclass(frozen=True)
class ValueBreakdown:
    """Everything the value panel and ``GET /customers/{id}/value`` show ("why this value")."""

    customer_id: UUID
    computed: bool
    as_of: date | None = None
    run_id: UUID | None = None
    period_start: date | None = None
    previous_period_start: date | None = None
    # profit for the period
    revenue: Decimal = Decimal(0)
    product_cost: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    gross_margin: Decimal = Decimal(0)
    interactions: tuple[ChannelCost, ...] = ()
    interaction_cost: Decimal = Decimal(0)
    interactions_since_run: bool = False
    returns: int = 0
    cost_per_return: Decimal = Decimal(0)
    return_cost: Decimal = Decimal(0)
    not_available_yet: tuple[LaterPart, ...] = ()
    cost_to_serve: Decimal = Decimal(0)
    profit: Decimal = Decimal(0)
    margin_percent: Decimal | None = None
    # growth
    previous_revenue: Decimal = Decimal(0)
    growth_percent: Decimal | None = None
    # RFM
    rfm_recency: int = 0
    rfm_frequency: int = 0
    rfm_monetary: int = 0
    rfm_bins: int = 5
    recency_days: int | None = None
    orders: int = 0
    # lifetime value
    future_value: Decimal = Decimal(0)
    lifetime_value: Decimal = Decimal(0)
    expected_purchases: Decimal = Decimal(0)
    p_alive: Decimal | None = None
    expected_spend: Decimal | None = None
    clv_horizon_months: int = 12
    clv_fitted: bool = False
    clv_note: str = ""
    # class and rank
    value_class: str = ""
    value_class_label: str = ""
    value_class_rule: str = ""
    profit_rank: int | None = None
    customers_ranked: int = 0
    next_purchase_on: date | None = None


def customer_value_breakdown(*, actor: User | Any, customer_id: UUID) -> ValueBreakdown:
    """A visible customer's value figures from the latest run, line by line; NotFound when hidden.

    Interactions are counted live per channel (one small query) and priced at the run's unit costs.
    """
    customer = access.get_visible(actor, Customer.objects.all(), pk=customer_id)
    value = CustomerValue.objects.select_related("run").filter(customer_id=customer.pk).first()
    if value is None:
        return ValueBreakdown(customer_id=customer.pk, computed=False)
    run = value.run
    parameters: dict[str, Any] = dict(run.parameters) if run is not None else {}
    if not parameters:
        parameters = _settings_parameters()
    period_start = _period_start(parameters, value.as_of)
    months = int(parameters.get("analysis_months") or 12)
    previous_start = months_before(period_start - timedelta(days=1), months) + timedelta(days=1)
    interactions = _interaction_lines(actor, customer, parameters, period_start, value.as_of)
    counted = sum((line.cost for line in interactions), Decimal(0))
    clv_summary: dict[str, Any] = dict(run.results.get("clv") or {}) if run is not None else {}
    later = run.results.get("not_available_yet") if run is not None else None
    return ValueBreakdown(
        customer_id=customer.pk,
        computed=True,
        as_of=value.as_of,
        run_id=run.pk if run is not None else None,
        period_start=period_start,
        previous_period_start=previous_start,
        revenue=value.revenue,
        product_cost=value.product_cost,
        discount=value.discount,
        gross_margin=value.gross_margin,
        interactions=tuple(interactions),
        interaction_cost=value.interaction_cost,
        interactions_since_run=counted != value.interaction_cost,
        returns=value.returns,
        cost_per_return=_decimal(parameters.get("cost_per_return")).quantize(CENT),
        return_cost=value.return_cost,
        not_available_yet=_later_parts(later if isinstance(later, list) else list(LATER_PARTS)),
        cost_to_serve=value.cost_to_serve,
        profit=value.profit,
        margin_percent=None if value.margin is None else (value.margin * 100).quantize(Decimal("0.1")),
        previous_revenue=value.previous_revenue,
        growth_percent=_growth(value.revenue, value.previous_revenue),
        rfm_recency=value.rfm_recency,
        rfm_frequency=value.rfm_frequency,
        rfm_monetary=value.rfm_monetary,
        rfm_bins=int(parameters.get("rfm_bins") or 5),
        recency_days=value.recency_days,
        orders=value.orders,
        future_value=value.future_value,
        lifetime_value=value.lifetime_value,
        expected_purchases=value.expected_purchases,
        p_alive=value.p_alive,
        expected_spend=value.expected_spend,
        clv_horizon_months=int(parameters.get("clv_horizon_months") or 12),
        clv_fitted=bool(clv_summary.get("fitted")),
        clv_note=str(clv_summary.get("reason") or ""),
        value_class=value.value_class,
        value_class_label=str(ValueClassChoice(value.value_class).label)
        if value.value_class in ValueClassChoice.values
        else value.value_class,
        value_class_rule=class_rule(value, parameters),
        profit_rank=value.profit_rank,
        customers_ranked=run.customers if run is not None else 0,
        next_purchase_on=value.next_purchase_on,
    )


def _settings_parameters() -> dict[str, Any]:
    row = ValueSettings.objects.filter(pk=1).first() or ValueSettings(pk=1)
    return {
        "analysis_months": row.analysis_months,
        "rfm_bins": row.rfm_bins,
        "interaction_costs": row.interaction_costs,
        "cost_per_return": str(row.cost_per_return),
        "valuable_profit_share": str(row.valuable_profit_share),
        "growable_share": str(row.growable_share),
        "clv_horizon_months": row.clv_horizon_months,
    }


def _period_start(parameters: dict[str, Any], as_of: date) -> date:
    try:
        return date.fromisoformat(str(parameters["period_start"]))
    except (KeyError, ValueError):
        return months_before(as_of, int(parameters.get("analysis_months") or 12)) + timedelta(days=1)


def _interaction_lines(
    actor: User | Any, customer: Customer, parameters: dict[str, Any], start: date, as_of: date
) -> list[ChannelCost]:
    rows = (
        access.scope(actor, Interaction.objects.all())
        .filter(
            customer_id=customer.pk,
            occurred_at__gte=day_start(start),
            occurred_at__lt=day_start(as_of + timedelta(days=1)),
        )
        .values("channel")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for row in rows:
        channel = row["channel"] if row["channel"] in Channel.values else Channel.OTHER.value
        counts[channel] = counts.get(channel, 0) + int(row["count"])
    costs = parameters.get("interaction_costs") or {}
    lines = []
    for channel in Channel:
        if channel.value not in counts:
            continue
        unit = _decimal(costs.get(channel.value)).quantize(CENT)
        count = counts[channel.value]
        lines.append(ChannelCost(channel.value, str(channel.label), count, unit, (unit * count).quantize(CENT)))
    return lines


def _later_parts(keys: list[str]) -> tuple[LaterPart, ...]:
    labels = {
        "visit_cost": _("Visit hours"),
        "ticket_cost": _("Service tickets"),
        "financing_cost": _("Financing of late payments"),
    }
    return tuple(LaterPart(key, str(labels.get(key, key))) for key in keys)


def _growth(revenue: Decimal, previous: Decimal) -> Decimal | None:
    if previous <= 0:
        return None
    return ((revenue - previous) / previous * 100).quantize(Decimal("0.1"))


def _percent(share: Any) -> str:
    return f"{_decimal(share) * 100:.0f}%"


def class_rule(value: CustomerValue, parameters: dict[str, Any]) -> str:
    """The rule that put the customer in its class, with the numbers of the run's settings."""
    valuable = _percent(parameters.get("valuable_profit_share", "0.8"))
    growable = _percent(parameters.get("growable_share", "0.2"))
    numbers = {
        "profit": f"{value.profit:,.2f}",
        "future": f"{value.future_value:,.2f}",
        "total": f"{value.profit + value.future_value:,.2f}",
        "valuable": valuable,
        "growable": growable,
    }
    if value.value_class == ValueClassChoice.NEGATIVE:
        return (
            _(
                "Current profit plus predicted future value is below zero (%(profit)s + %(future)s = %(total)s): "
                "serving this customer costs more than they bring."
            )
            % numbers
        )
    if value.value_class == ValueClassChoice.MOST_VALUABLE:
        return (
            _(
                "Among the most profitable customers who together make %(valuable)s of all positive profit "
                "(profit %(profit)s)."
            )
            % numbers
        )
    if value.value_class == ValueClassChoice.MOST_GROWABLE:
        return (
            _(
                "Not among the most valuable, but in the top %(growable)s of the others by how much predicted "
                "future value (%(future)s) exceeds current profit (%(profit)s)."
            )
            % numbers
        )
    return (
        _(
            "Not among the customers who make %(valuable)s of all positive profit, not in the top %(growable)s "
            "by growth of predicted future value over current profit, and not of negative value."
        )
        % numbers
    )


# --- value runs ---------------------------------------------------------------------------


def value_run_list(*, actor: User | Any) -> QuerySet[ValueRun]:
    """Every value run, newest first; only value managers (runs are company-wide aggregates)."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    return ValueRun.objects.select_related("requested_by").order_by("-created_at")


def value_run_get(*, actor: User | Any, run_id: UUID | str) -> ValueRun:
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    run = ValueRun.objects.select_related("requested_by").filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("Not found."))
    return run


def value_run_latest_done(*, actor: User | Any) -> ValueRun | None:
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    return ValueRun.objects.filter(status=RunStatus.DONE).order_by("-finished_at", "-created_at").first()
