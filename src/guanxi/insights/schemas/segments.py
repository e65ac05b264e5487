"""Segments API schemas: definitions in and out, members, history, curves, the rule field catalogue."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from guanxi.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from guanxi.core.schemas import InputSchema


class ConditionIn(InputSchema):
    field: str = Field(max_length=40, description="A key of GET /segment-fields")
    op: str = Field(max_length=20, description="One of the field's ops")
    value: Any = Field(default=None, description="A value, a list (in, not_in), [from, to] (between), none (is_empty)")


class RuleIn(InputSchema):
    match: Literal["all", "any"] = "all"
    conditions: list[ConditionIn] = Field(min_length=1, max_length=20)


class SegmentIn(InputSchema):
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    description: str = Field(default="", max_length=2000)
    rule: RuleIn
    is_active: bool = True
    team_ids: list[int] = Field(default_factory=list, max_length=100, description="Sales teams that work the segment")


class SegmentPatch(InputSchema):
    """Fields left out are unchanged; ``version`` is the one read (a stale one gets 409)."""

    version: int = Field(ge=1)
    name: str | None = Field(default=None, min_length=1, max_length=120)
    name_en: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    rule: RuleIn | None = None
    is_active: bool | None = None
    team_ids: list[int] | None = Field(default=None, max_length=100)


class TeamRef(Schema):
    id: int
    name: str


class SegmentOut(Schema):
    id: UUID
    name: str
    name_en: str
    description: str
    rule: dict[str, Any]
    is_active: bool
    teams: list[TeamRef]
    members: int = Field(description="Members the caller sees")
    members_total: int | None = Field(description="All members (value managers only)")
    evaluated_at: datetime | None
    curves_visible: bool
    version: int
    created_at: datetime
    updated_at: datetime


class MemberOut(Schema):
    customer_id: UUID
    name: str
    owner: str
    since: date
    value_class: str | None
    profit: Decimal | None
    revenue: Decimal | None


class MembersPage(Schema):
    items: list[MemberOut]
    limit: int
    next_cursor: str | None = None


class MembersFilters(InputSchema):
    ordering: str = Field(default="", max_length=20, description="joined or -joined (default: newest members first)")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=500)


class SnapshotOut(Schema):
    as_of: date
    members: int
    joined: int
    left: int
    profit: Decimal
    revenue: Decimal


class ChangeOut(Schema):
    customer_id: UUID
    customer_name: str
    on: date
    joined: bool


class HistoryOut(Schema):
    totals_visible: bool = Field(description="Snapshots carry company-wide figures: value managers only")
    snapshots: list[SnapshotOut]
    changes: list[ChangeOut] = Field(description="Recent joins and leaves of customers the caller sees")


class CurvesOut(Schema):
    as_of: date | None
    cohort: dict[str, Any] | None
    interpurchase: dict[str, Any] | None
    trend: dict[str, Any] | None


class RefreshOut(Schema):
    members: int
    joined: int
    left: int


class ChoiceOut(Schema):
    value: str
    label: str


class FieldOut(Schema):
    key: str
    label: str
    group: str
    type: str
    ops: list[ChoiceOut]
    choices: list[ChoiceOut]


class CustomerSegmentOut(Schema):
    segment_id: UUID
    name: str
    name_en: str
    since: date
