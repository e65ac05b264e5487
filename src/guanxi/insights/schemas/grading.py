"""Ninja schemas of composite grading (/api/v1/insights/grading-schemes, grade-evaluations, a customer's grade)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema

from guanxi.insights.grading.selectors import grade_treatments, scheme_indicator_rows
from guanxi.insights.models import GradeScheme

Normalisation = Literal["rank", "minmax", "flag"]
ServiceLevelName = Literal["premium", "priority", "standard", "basic"]


class IndicatorIn(Schema):
    key: str = Field(max_length=40, description="A key of the catalogue (profit, margin, …) or tag:<tag id>")
    weight: float = Field(ge=0, le=1000)
    normalisation: Normalisation | None = Field(default=None, description="Left out: the catalogue's default")
    higher_is_better: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class GradeSchemeIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    indicators: list[IndicatorIn] = Field(max_length=20)
    grades: list[str] = Field(default=["A", "B", "C", "D"], max_length=10, description="Best first")
    thresholds: list[float] = Field(default=[80, 60, 40, 0], max_length=10, description="Index each grade starts at")
    evaluate_every_days: int = Field(default=30, ge=1, le=366)


class GradeSchemePatch(Schema):
    version: int = Field(ge=1, description="The version you read; a stale one is refused with 409")
    name: str | None = Field(default=None, min_length=1, max_length=120)
    name_en: str | None = Field(default=None, max_length=120)
    indicators: list[IndicatorIn] | None = Field(default=None, max_length=20)
    grades: list[str] | None = Field(default=None, max_length=10)
    thresholds: list[float] | None = Field(default=None, max_length=10)
    evaluate_every_days: int | None = Field(default=None, ge=1, le=366)

    def changes(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True, exclude={"version"})
        if self.indicators is not None:
            given["indicators"] = [indicator.as_dict() for indicator in self.indicators]
        return {name: value for name, value in given.items() if value is not None}


class VersionIn(Schema):
    version: int | None = Field(default=None, ge=1)


class IndicatorOut(Schema):
    key: str
    label: str
    weight: float
    share: float = Field(description="Percent of the total weight")
    normalisation: str
    higher_is_better: bool
    available: bool = Field(description="False while the data behind it is not recorded (then missing for everyone)")
    help: str


class TreatmentIn(Schema):
    version: int | None = Field(default=None, ge=1, description="The version you read; left out: no check")
    visit_every_days: int | None = Field(default=None, ge=1, le=366)
    service_level: ServiceLevelName = "standard"
    price_book: str = Field(default="", max_length=60)
    credit_limit: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    max_discount_pct: Decimal | None = Field(default=None, ge=0, le=100, max_digits=5, decimal_places=2)


class TreatmentOut(Schema):
    grade: str
    visit_every_days: int | None
    service_level: str
    price_book: str
    credit_limit: Decimal | None
    max_discount_pct: Decimal | None
    version: int


class GradeSchemeOut(Schema):
    id: UUID
    name: str
    name_en: str
    is_active: bool
    indicators: list[IndicatorOut]
    grades: list[str]
    thresholds: list[float]
    evaluate_every_days: int
    treatments: list[TreatmentOut]
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_indicators(obj: GradeScheme) -> list[Any]:
        return scheme_indicator_rows(obj.indicators)

    @staticmethod
    def resolve_treatments(obj: GradeScheme) -> list[Any]:
        return grade_treatments(scheme=obj)


class EvaluationOut(Schema):
    id: UUID
    scheme_id: UUID
    scheme_name: str
    as_of: date
    created_at: datetime
    grades: list[str]
    is_current: bool = Field(description="Its grades are the customers' grades now")
    customers: int | None = Field(description="Every customer graded (value managers only)")
    counts: dict[str, int] | None = Field(description="Customers per grade; see ``scoped``")
    scoped: bool = Field(description="Counts cover only the customers you see (the current evaluation only)")


class EvaluationDetailOut(EvaluationOut):
    thresholds: list[float]
    indicators: list[IndicatorOut]
    migration: dict[str, Any] | None = Field(
        description="rows: grade before (and 'new'), columns: grade now, counts (value managers only)"
    )


class ContributionOut(Schema):
    key: str
    label: str
    points: float
    weight: float
    raw: float | None
    missing: bool


class GradeChangeOut(Schema):
    as_of: date
    previous_grade: str
    grade: str
    grade_index: Decimal


class CustomerGradeOut(Schema):
    customer_id: UUID
    graded: bool
    grade: str | None
    grade_index: Decimal | None
    as_of: date | None
    grades: list[str]
    why: list[ContributionOut]
    history: list[GradeChangeOut]
    treatment: TreatmentOut | None
    felt_key: bool


class FeltKeyIn(Schema):
    note: str = Field(default="", max_length=300)


class FeltKeyOut(Schema):
    customer_id: UUID
    felt_key: bool
    note: str


class FeltRowOut(Schema):
    customer_id: UUID
    name: str
    grade: str
    grade_index: Decimal
    percentile: float | None


class FeltComparisonOut(Schema):
    top_grade: str | None
    as_of: date | None
    felt: int
    top: int
    both: int
    felt_outside_top: list[FeltRowOut]
    top_not_felt: list[FeltRowOut]
    top_not_felt_total: int
    ungraded_marks: int
