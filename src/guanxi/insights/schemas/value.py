"""API schemas of customer value: a customer's breakdown, the value settings, the value runs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import InputSchema


class ChannelCostOut(Schema):
    channel: str
    label: str
    count: int = Field(description="Interactions on this channel in the period (counted now)")
    unit_cost: Decimal = Field(description="Cost of one interaction, from the run's settings")
    cost: Decimal


class LaterPartOut(Schema):
    key: str
    label: str


class CustomerValueOut(Schema):
    """A customer's value and why: profit after cost to serve, growth, RFM, lifetime value, class, rank."""

    customer_id: UUID
    computed: bool = Field(description="False until a value run has computed this customer")
    as_of: date | None
    run_id: UUID | None
    period_start: date | None
    previous_period_start: date | None
    revenue: Decimal = Field(description="Revenue in the period, after discounts")
    product_cost: Decimal
    discount: Decimal = Field(description="Discount given (already missing from revenue)")
    gross_margin: Decimal
    interactions: list[ChannelCostOut]
    interaction_cost: Decimal = Field(description="Cost of interactions as the run computed it")
    interactions_since_run: bool = Field(description="The live per-channel lines differ from the run's total")
    returns: int
    cost_per_return: Decimal
    return_cost: Decimal
    not_available_yet: list[LaterPartOut] = Field(description="Parts of the cost to serve whose records come later")
    cost_to_serve: Decimal
    profit: Decimal
    margin_percent: Decimal | None
    previous_revenue: Decimal
    growth_percent: Decimal | None
    rfm_recency: int
    rfm_frequency: int
    rfm_monetary: int
    rfm_bins: int
    recency_days: int | None
    orders: int
    future_value: Decimal = Field(description="Predicted future value over the horizon (margin, discounted)")
    lifetime_value: Decimal = Field(description="Current profit + predicted future value")
    expected_purchases: Decimal
    p_alive: Decimal | None
    expected_spend: Decimal | None
    clv_horizon_months: int
    clv_fitted: bool
    clv_note: str
    campaign_value: Decimal | None = Field(
        default=None, description="Incremental value from campaigns: filled by the marketing module"
    )
    value_class: str
    value_class_label: str
    value_class_rule: str
    profit_rank: int | None
    customers_ranked: int
    next_purchase_on: date | None


class ValueSettingsOut(Schema):
    analysis_months: int
    rfm_bins: int
    interaction_costs: dict[str, Decimal]
    cost_per_visit_hour: Decimal
    cost_per_ticket: Decimal
    cost_per_return: Decimal
    late_payment_rate_per_day: Decimal
    valuable_profit_share: Decimal
    growable_share: Decimal
    clv_horizon_months: int
    clv_monthly_discount_rate: Decimal
    version: int
    updated_at: datetime | None


class ValueSettingsIn(InputSchema):
    """Only the fields given change; ``version`` is the one read (a stale one gets 409)."""

    version: int = Field(ge=1)
    analysis_months: int | None = Field(default=None, ge=1, le=60)
    rfm_bins: int | None = Field(default=None, ge=2, le=10)
    interaction_costs: dict[str, Decimal] | None = Field(
        default=None, description="Cost of one interaction per channel (customers' channels); at least 0"
    )
    cost_per_visit_hour: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    cost_per_ticket: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    cost_per_return: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    late_payment_rate_per_day: Decimal | None = Field(default=None, ge=0, max_digits=8, decimal_places=6)
    valuable_profit_share: Decimal | None = Field(default=None, gt=0, le=1, max_digits=4, decimal_places=3)
    growable_share: Decimal | None = Field(default=None, ge=0, le=1, max_digits=4, decimal_places=3)
    clv_horizon_months: int | None = Field(default=None, ge=1, le=120)
    clv_monthly_discount_rate: Decimal | None = Field(default=None, ge=0, lt=1, max_digits=6, decimal_places=4)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude={"version"}, exclude_none=True)


class UserRefOut(Schema):
    id: int
    username: str


class ValueRunOut(Schema):
    id: UUID
    as_of: date
    status: str
    step: str
    progress: int
    customers: int
    orders: int
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    error: str
    requested_by: UserRefOut | None
    parameters: dict[str, Any]
    results: dict[str, Any]
