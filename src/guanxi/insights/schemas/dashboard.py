"""API schemas of the value dashboard: every chart's figures over the actor's customers, with drill-downs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from ninja import Schema
from pydantic import Field


class DrillOut(Schema):
    """The customers behind a chart element: filters of ``GET /api/v1/customers`` and the list page's URL."""

    filters: dict[str, str]
    url: str


class ClassSliceOut(Schema):
    key: str = Field(description="most_valuable, most_growable, other or negative")
    label: str
    customers: int
    profit: Decimal
    drill: DrillOut


class ClassRuleOut(Schema):
    valuable_profit_share: Decimal = Field(description="Most valuable: the top customers making this share of profit")
    growable_share: Decimal = Field(description="Most growable: this share of the rest, by future over current profit")
    analysis_months: int
    period_start: str
    settings_changed: bool = Field(description="The value settings changed since the run: the next run uses them")


class ParetoPointOut(Schema):
    customers: int
    customer_share: float
    cumulative_profit: Decimal
    profit_share: float


class ParetoOut(Schema):
    available: bool = Field(description="False when the total profit is not positive")
    target: float
    points: list[ParetoPointOut] = Field(description="The cumulative profit curve, at most 201 points")
    head_customers: int = Field(description="The fewest customers that together make 80 % of the profit")
    head_share: float
    head_profit_min: Decimal | None
    head: DrillOut | None
    peak_share: float
    destroyers: int = Field(description="Customers with a loss")
    destroyed_profit: Decimal
    destroyers_drill: DrillOut


class RfmCellOut(Schema):
    recency: int
    frequency: int
    customers: int
    profit: Decimal
    drill: DrillOut


class RfmOut(Schema):
    bins: int
    cells: list[RfmCellOut]
    unrated: int = Field(description="Customers who never bought (no scores)")
    max_customers: int


class ClvBucketOut(Schema):
    low: Decimal
    high: Decimal = Field(description="Exclusive")
    customers: int
    drill: DrillOut


class GradeBarOut(Schema):
    grade: str
    customers: int
    drill: DrillOut


class GradeFlowOut(Schema):
    previous: str = Field(description="The grade before the last evaluation, or 'new'")
    grade: str
    customers: int


class GradesOut(Schema):
    evaluation_id: UUID | None
    as_of: date | None
    bars: list[GradeBarOut]
    flows: list[GradeFlowOut]


class DashboardOut(Schema):
    """Figures of the latest value run over the customers the caller sees (``as_of`` null: no run yet)."""

    run_id: UUID | None
    as_of: date | None
    finished_at: datetime | None
    customers: int
    total_profit: Decimal
    total_revenue: Decimal
    classes: list[ClassSliceOut]
    rule: ClassRuleOut | None
    pareto: ParetoOut | None
    rfm: RfmOut | None
    clv: list[ClvBucketOut]
    grades: GradesOut | None
