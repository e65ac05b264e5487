"""Input and output of /api/v1/leads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from guanxi.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from guanxi.core.schemas import InputSchema
from guanxi.customers.models import Channel as InteractionChannel
from guanxi.customers.models import Outcome
from guanxi.customers.schemas import TeamRef, UserRef, user_ref
from guanxi.leads.models import MAX_GRADE_LENGTH, LeadStatus

MAX_ID = 2**63 - 1  # the largest key the databases store

DuplicateFilter = Literal["none", "suspected", "merged", "linked", "dismissed"]
# A funnel step, or "recycled": back in the pool at some time (the funnel's recycled column).
FunnelStep = Literal["new", "contacted", "qualified", "converted", "recycled"]
# A lead status, or "open": any of new, contacted, qualified, recycled (tests keep it in step with LeadStatus).
StatusFilter = Literal["new", "contacted", "qualified", "converted", "rejected", "recycled", "open"]
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
GradeFilter = Annotated[
    str, Field(min_length=1, max_length=MAX_GRADE_LENGTH)
]  # a grade's letter (grading rules), or "none"


class LeadFilters(InputSchema):
    q: str = Field(default="", max_length=200, description="Name, company, phone or e-mail")
    status: StatusFilter | None = Field(
        default=None, description="A status; 'open': new, contacted, qualified or recycled"
    )
    grade: list[GradeFilter] = Field(
        default_factory=list, max_length=12, description="One or more grades (A, B, …); 'none': leads without a grade"
    )
    channel_id: UUID | None = None
    owner_id: RecordId | Literal["none"] | None = Field(default=None, description="A user's id; 'none': in a pool")
    team_id: RecordId | Literal["none"] | None = Field(default=None, description="A team's id; 'none': no team")
    pool: bool = Field(default=False, description="Only the leads the caller may claim now from their team's pool")
    created_from: date | None = None
    created_to: date | None = None
    duplicate_state: DuplicateFilter | None = None
    reached: FunnelStep | None = Field(
        default=None,
        description="Leads the caller works with that reached this funnel step (and maybe went further), "
        "counted as the leads funnel counts them",
    )
    ordering: str = Field(
        default="", max_length=40, description="created_at, updated_at or score; '-' descending (default -created_at)"
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=500)

    def selector_filters(self) -> dict[str, Any]:
        state = self.duplicate_state
        return {
            "q": self.q,
            "status": self.status or "",
            "grades": self.grade,
            "channel_id": self.channel_id,
            "owner_id": self.owner_id,
            "team_id": self.team_id,
            "pool": self.pool,
            "created_from": self.created_from,
            "created_to": self.created_to,
            "duplicate_state": None if state is None else ("" if state == "none" else state),
            "reached": self.reached,
        }


class LeadFields(InputSchema):
    name: str | None = Field(default=None, max_length=120)
    company: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    city: str | None = Field(default=None, max_length=60)
    region: str | None = Field(default=None, max_length=60)
    industry: str | None = Field(default=None, max_length=60)
    company_size: str | None = Field(default=None, max_length=40)
    source_detail: str | None = Field(default=None, max_length=200)
    message: str | None = Field(default=None, max_length=5000)

    def given(self) -> dict[str, str]:
        return {name: value for name in LeadFields.model_fields if (value := getattr(self, name)) is not None}


class LeadIn(LeadFields):
    channel_id: UUID
    extra: dict[str, str] = Field(default_factory=dict, max_length=50, description="Other fields, kept as they are")

    def raw(self) -> dict[str, str]:
        return {**{key[:60]: value[:500] for key, value in self.extra.items()}, **self.given()}


class LeadPatch(LeadFields):
    version: int = Field(ge=1, description="The version you read; a stale one is refused with 409")


class VersionIn(InputSchema):
    version: int | None = Field(default=None, ge=1, description="The version you read; a stale one gets 409")


class FollowUpIn(VersionIn):
    channel: InteractionChannel
    summary: str = Field(min_length=1, max_length=2000)
    outcome: Outcome | None = None
    next_step: str = Field(default="", max_length=500)


class StatusIn(VersionIn):
    status: LeadStatus
    reason: str = Field(default="", max_length=500)


class ConvertIn(VersionIn):
    customer_id: UUID | None = Field(default=None, description="Join this existing customer instead of a new one")


class AssignIn(VersionIn):
    owner_id: int = Field(ge=1, le=MAX_ID)


class ChannelRef(Schema):
    id: UUID
    name: str
    kind: str


class GradeReason(Schema):
    why: str
    points: int


class RejectionOut(Schema):
    rule: str
    field: str
    reason: str


class LeadOut(Schema):
    id: UUID
    status: str
    name: str
    company: str
    title: str
    phone: str
    phone_e164: str
    email: str
    city: str
    region: str
    industry: str
    company_size: str
    source_detail: str
    message: str
    extra: dict[str, Any]
    score: int
    grade: str
    grade_reasons: list[GradeReason]
    rejections: list[RejectionOut]
    duplicate_state: str
    channel: ChannelRef
    owner: UserRef | None = None
    team: TeamRef | None = None
    in_pool: bool
    customer_id: UUID | None = None
    contact_id: UUID | None = None
    claimed_at: datetime | None = None
    assigned_at: datetime | None = None
    last_follow_up_at: datetime | None = None
    converted_at: datetime | None = None
    recycled_count: int
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: Any) -> dict[str, object] | None:
        return None if obj.owner is None else user_ref(obj.owner)


class ConvertOut(Schema):
    customer_id: UUID
    lead: LeadOut


class LeadEventOut(Schema):
    id: int
    kind: str
    kind_label: str
    actor: str
    from_status: str
    to_status: str
    owner: str
    team: str
    data: dict[str, Any]
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return "" if obj.actor is None else str(obj.actor)

    @staticmethod
    def resolve_owner(obj: Any) -> str:
        return "" if obj.owner is None else str(obj.owner)

    @staticmethod
    def resolve_team(obj: Any) -> str:
        return "" if obj.team is None else obj.team.name
