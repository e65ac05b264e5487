from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import InputSchema
from guanxi.customers.models import (
    BuyingRole,
    Channel,
    CompanySize,
    ContactRelationKind,
    CustomerKind,
    CustomerSource,
    Direction,
    Gender,
    Industry,
    Outcome,
    PositionEnd,
    RelationKind,
)


class UserRef(Schema):
    id: int
    username: str
    display_name: str


class TeamRef(Schema):
    id: int
    name: str


def user_ref(user: Any) -> dict[str, object]:
    return {"id": user.pk, "username": user.username, "display_name": str(user)}


# --- customers ------------------------------------------------------------------------------


class CustomerProfile(InputSchema):
    """Hand-kept profile fields; on PATCH, a field left out (or null) is unchanged, except that
    null empties ``birthday`` and ``founded_on``."""

    kind: CustomerKind | None = None
    short_name: str | None = Field(default=None, max_length=100)
    name_en: str | None = Field(default=None, max_length=200)
    industry: Industry | None = None
    size: CompanySize | None = None
    email: str | None = Field(default=None, max_length=254)
    website: str | None = Field(default=None, max_length=300)
    province: str | None = Field(default=None, max_length=40)
    city: str | None = Field(default=None, max_length=40)
    district: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)
    birthday: date | None = None
    founded_on: date | None = None
    source: CustomerSource | None = None
    notes: str | None = Field(default=None, max_length=5000)

    def profile(self) -> dict[str, Any]:
        fields = CustomerProfile.model_fields
        return {name: getattr(self, name) for name in fields if getattr(self, name) is not None}


class CustomerIn(CustomerProfile):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(default="", max_length=40)
    owner_id: int | None = Field(default=None, description="Defaults to the caller; others need the assign permission")


class CustomerPatch(CustomerProfile):
    version: int = Field(ge=1, description="The version you read; a stale one is refused with 409")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    owner_id: int | None = None

    def cleared(self) -> list[str]:
        """Dates sent as null are emptied; left out, they are unchanged."""
        return [
            name for name in ("birthday", "founded_on") if name in self.model_fields_set and getattr(self, name) is None
        ]


class CustomerOut(Schema):
    id: UUID
    kind: str
    name: str
    short_name: str
    name_en: str
    phone: str
    phone_e164: str
    email: str
    industry: str
    size: str
    website: str
    province: str
    city: str
    district: str
    address: str
    birthday: date | None = None
    founded_on: date | None = None
    source: str
    notes: str
    owner: UserRef
    team: TeamRef | None = None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: Any) -> dict[str, object]:
        return user_ref(obj.owner)


class AuditEntryOut(Schema):
    at: datetime
    actor: str
    action: str
    field: str
    old_value: str
    new_value: str
    version: int

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return str(obj.actor)


# --- contacts and posts ------------------------------------------------------------------


class PostFields(InputSchema):
    title: str | None = Field(default=None, max_length=120)
    department: str | None = Field(default=None, max_length=120)
    buying_role: BuyingRole | None = None

    def post(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PostFields.model_fields if getattr(self, name) is not None}


class ContactFields(InputSchema):
    gender: Gender | None = None
    email: str | None = Field(default=None, max_length=254)
    wechat: str | None = Field(default=None, max_length=60)
    birthday: date | None = None
    notes: str | None = Field(default=None, max_length=5000)

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ContactFields.model_fields if getattr(self, name) is not None}


class ContactIn(ContactFields, PostFields):
    name: str = Field(min_length=1, max_length=120)
    mobile: str = Field(default="", max_length=40)
    started_on: date | None = Field(default=None, description="When the first post began; today if left out")


class ContactPatch(ContactFields):
    version: int = Field(ge=1)
    name: str | None = Field(default=None, min_length=1, max_length=120)
    mobile: str | None = Field(default=None, max_length=40)


class ContactOut(Schema):
    id: UUID
    name: str
    gender: str
    mobile: str
    mobile_e164: str
    email: str
    wechat: str
    birthday: date | None = None
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime


class PositionStartIn(PostFields):
    customer_id: UUID
    started_on: date | None = None


class PositionChangeIn(PostFields):
    changed_on: date | None = Field(default=None, description="When the new post began; today if left out")


class PositionEndIn(InputSchema):
    ended_on: date | None = None
    reason: PositionEnd = PositionEnd.LEFT


class PositionOut(Schema):
    id: UUID
    contact_id: UUID
    contact_name: str
    customer_id: UUID
    customer_name: str
    title: str
    department: str
    buying_role: str
    started_on: date
    ended_on: date | None = None
    end_reason: str
    is_current: bool
    version: int

    @staticmethod
    def resolve_contact_name(obj: Any) -> str:
        return str(obj.contact.name)

    @staticmethod
    def resolve_customer_name(obj: Any) -> str:
        return str(obj.customer.name)


# --- interactions -------------------------------------------------------------------------


class InteractionIn(InputSchema):
    channel: Channel
    direction: Direction
    summary: str = Field(min_length=1, max_length=5000)
    occurred_at: datetime | None = Field(default=None, description="Now if left out; never in the future")
    contact_id: UUID | None = None
    outcome: Outcome | None = None
    next_step: str = Field(default="", max_length=500)
    next_step_on: date | None = None


class InteractionPatch(InputSchema):
    version: int = Field(ge=1)
    channel: Channel | None = None
    direction: Direction | None = None
    summary: str | None = Field(default=None, min_length=1, max_length=5000)
    occurred_at: datetime | None = None
    outcome: Outcome | None = None
    next_step: str | None = Field(default=None, max_length=500)
    next_step_on: date | None = None


class InteractionOut(Schema):
    id: UUID
    customer_id: UUID
    contact_id: UUID | None = None
    contact_name: str | None = None
    channel: str
    direction: str
    occurred_at: datetime
    outcome: str
    summary: str
    next_step: str
    next_step_on: date | None = None
    author: UserRef
    version: int
    created_at: datetime

    @staticmethod
    def resolve_contact_name(obj: Any) -> str | None:
        return obj.contact.name if obj.contact_id else None

    @staticmethod
    def resolve_author(obj: Any) -> dict[str, object]:
        return user_ref(obj.created_by)


# --- relationships --------------------------------------------------------------------------


class RelationshipIn(InputSchema):
    to_customer_id: UUID
    kind: RelationKind
    label: str = Field(default="", max_length=60, description="Wording for the kind 'other'")
    note: str = Field(default="", max_length=500)


class RelationshipOut(Schema):
    id: UUID
    from_customer_id: UUID
    from_customer_name: str
    to_customer_id: UUID
    to_customer_name: str
    kind: str
    label: str
    note: str
    version: int

    @staticmethod
    def resolve_from_customer_name(obj: Any) -> str:
        return str(obj.from_customer.name)

    @staticmethod
    def resolve_to_customer_name(obj: Any) -> str:
        return str(obj.to_customer.name)


class NetworkNodeOut(Schema):
    id: UUID
    name: str
    hops: int


class NetworkEdgeOut(Schema):
    id: UUID
    source: UUID
    target: UUID
    kind: str
    label: str


class NetworkOut(Schema):
    nodes: list[NetworkNodeOut]
    edges: list[NetworkEdgeOut]
    truncated: bool


class ContactRelationshipIn(InputSchema):
    to_contact_id: UUID
    kind: ContactRelationKind
    note: str = Field(default="", max_length=500)


class ContactRelationshipOut(Schema):
    id: UUID
    from_contact_id: UUID
    from_contact_name: str
    to_contact_id: UUID
    to_contact_name: str
    kind: str
    note: str

    @staticmethod
    def resolve_from_contact_name(obj: Any) -> str:
        return str(obj.from_contact.name)

    @staticmethod
    def resolve_to_contact_name(obj: Any) -> str:
        return str(obj.to_contact.name)


# --- tags ------------------------------------------------------------------------------------


class TagOut(Schema):
    id: int
    name: str
    name_en: str
    group_id: int


class TagGroupOut(Schema):
    id: int
    name: str
    name_en: str
    tags: list[TagOut]

    @staticmethod
    def resolve_tags(obj: Any) -> list[Any]:
        return list(obj.tags.all())


class TagGroupIn(InputSchema):
    name: str = Field(min_length=1, max_length=60)
    name_en: str = Field(default="", max_length=60)


class TagIn(InputSchema):
    group_id: int
    name: str = Field(min_length=1, max_length=60)
    name_en: str = Field(default="", max_length=60)


class CustomerTagIn(InputSchema):
    tag_id: int


class CustomerTagOut(Schema):
    tag_id: int
    tag_name: str
    group_name: str
    source: str
    tagged_at: datetime

    @staticmethod
    def resolve_tag_name(obj: Any) -> str:
        return str(obj.tag.name)

    @staticmethod
    def resolve_group_name(obj: Any) -> str:
        return str(obj.tag.group.name)


class Condition(InputSchema):
    field: str = Field(max_length=40)
    op: str = Field(max_length=20)
    value: str | float | int | list[str] = Field(description="Text, number, days, or a list of texts for 'in'")


class TagRuleIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    tag_id: int
    conditions: list[Condition] = Field(min_length=1, max_length=20)
    match_all: bool = True
    is_active: bool = True


class TagRuleOut(Schema):
    id: UUID
    name: str
    tag_id: int
    conditions: list[dict[str, Any]]
    match_all: bool
    is_active: bool
    last_run_at: datetime | None = None
    last_count: int
    version: int


class TagRename(InputSchema):
    name: str | None = Field(default=None, min_length=1, max_length=60)
    name_en: str | None = Field(default=None, max_length=60)


class VersionQuery(InputSchema):
    version: int | None = Field(default=None, ge=1, description="Refuse (409) if the record changed since this version")
