"""Lead channels, their costs, the lead settings and the lead reports: API schemas."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import InputSchema

Kind = Literal["self_built", "free", "paid"]


class ChannelIn(InputSchema):
    name: str = Field(min_length=1, max_length=120)
    kind: Kind
    description: str = Field(default="", max_length=2000)
    is_active: bool = True
    form_enabled: bool = False
    team_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="The team whose pool takes leads no rule assigns"
    )
    cleaning: dict[str, Any] | None = Field(default=None, description="Cleaning rules; empty: the defaults")


class ChannelPatch(InputSchema):
    """Fields left out are unchanged; ``version`` is the one read (a stale one gets 409)."""

    version: int = Field(ge=1)
    name: str | None = Field(default=None, min_length=1, max_length=120)
    kind: Kind | None = None
    description: str | None = Field(default=None, max_length=2000)
    is_active: bool | None = None
    form_enabled: bool | None = None
    team_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class VersionIn(InputSchema):
    version: int = Field(ge=1)


class CleaningIn(InputSchema):
    version: int = Field(ge=1)
    rules: dict[str, Any] = Field(description="The cleaning rules (see docs/leads.md); 422 names each wrong setting")


class TeamRef(Schema):
    id: int
    name: str


class ChannelOut(Schema):
    id: UUID
    name: str
    kind: str
    description: str
    is_active: bool
    form_enabled: bool
    team: TeamRef | None
    form_url: str | None = Field(description="The public web form's address (lead managers only)")
    cleaning: dict[str, Any] | None = Field(description="Cleaning rules in force (lead managers only)")
    version: int
    created_at: datetime
    updated_at: datetime


class ChannelList(Schema):
    items: list[ChannelOut]
    limit: int
    next_cursor: str | None
    truncated: bool


class CostIn(InputSchema):
    spent_on: date
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    note: str = Field(default="", max_length=200)


class CostOut(Schema):
    id: UUID
    spent_on: date
    amount: Decimal
    note: str
    created_at: datetime


class CostList(Schema):
    items: list[CostOut]
    limit: int
    next_cursor: str | None
    truncated: bool


class SettingsPatch(InputSchema):
    version: int = Field(ge=1)
    grading: dict[str, Any] | None = None
    assignment: dict[str, Any] | None = None
    claim_limit: int | None = Field(default=None, ge=1, le=10000)
    recycle_days: int | None = Field(default=None, ge=1, le=10000)


class SettingsOut(Schema):
    grading: dict[str, Any]
    assignment: dict[str, Any]
    claim_limit: int
    recycle_days: int
    version: int
    updated_at: datetime


class ChannelValueOut(Schema):
    channel_id: UUID | None
    name: str
    kind: str
    is_active: bool
    leads: int
    valid: int
    converted: int
    revenue: Decimal | None
    profit: Decimal | None
    cost: Decimal | None
    cost_per_lead: Decimal | None
    cost_per_customer: Decimal | None
    roi: Decimal | None


class ChannelReportOut(Schema):
    start: date
    end: date
    money: bool = Field(description="False: money figures are hidden (lead managers see them)")
    rows: list[ChannelValueOut]
    total: ChannelValueOut


class StepTimeOut(Schema):
    leads: int
    mean_days: float | None
    median_days: float | None


class FunnelRowOut(Schema):
    key: str
    label: str
    created: int
    contacted: int
    qualified: int
    converted: int
    rejected: int
    recycled: int
    contacted_rate: Decimal | None
    qualified_rate: Decimal | None
    converted_rate: Decimal | None
    overall_rate: Decimal | None
    time_new: StepTimeOut
    time_contacted: StepTimeOut
    time_qualified: StepTimeOut


class FunnelOut(Schema):
    start: date
    end: date
    by: str
    rows: list[FunnelRowOut]
    total: FunnelRowOut
