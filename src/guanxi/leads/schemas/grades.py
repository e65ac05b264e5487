"""The grade check report: does the lowest lead grade catch the prospects that waste effort?"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ninja import Schema
from pydantic import Field


class GradeRowOut(Schema):
    grade: str = Field(description="The grade's letter; '' for the leads without a grade")
    label: str
    low_value: bool = Field(description="The grading flags this grade as not worth a salesperson's time")
    configured: bool = Field(description="A grade of the current grading rules (not a letter left by older rules)")
    leads: int
    share: Decimal | None = Field(description="Share of all the leads in the window (0–1); null without leads")
    converted: int
    conversion_rate: Decimal | None = Field(description="converted / leads; null without leads")
    rejected: int
    open: int = Field(description="Neither converted nor rejected")
    median_days_to_convert: float | None = Field(description="Created → converted, over the converted leads")


class GradeGroupOut(Schema):
    grades: list[str]
    leads: int
    share: Decimal | None
    converted: int
    conversion_rate: Decimal | None
    conversion_share: Decimal | None = Field(description="Share of all the window's conversions (0–1)")


class GradeRateOut(Schema):
    grade: str
    rate: Decimal


class GradeCheckOut(Schema):
    start: date
    end: date
    benchmark: Decimal = Field(description="Share of prospects research finds wasting effort (0.38)")
    rows: list[GradeRowOut]
    total: GradeRowOut
    flagged: GradeGroupOut = Field(description="The low-value grades together")
    rest: GradeGroupOut = Field(description="Every other grade (and the leads without one)")
    rates: list[GradeRateOut] = Field(description="Conversion rates of the configured grades with leads, best first")
    ordered: bool | None = Field(
        description="Each grade converts at least as well as the next one; null: too little to compare"
    )
