from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import InputSchema


class UserRef(Schema):
    id: int
    username: str
    display_name: str


class TeamRef(Schema):
    id: int
    name: str


class CustomerIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(default="", max_length=40)
    owner_id: int | None = Field(default=None, description="Defaults to the caller; others need the assign permission")


class CustomerPatch(InputSchema):
    version: int = Field(ge=1, description="The version you read; a stale one is refused with 409")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    owner_id: int | None = None


class CustomerOut(Schema):
    id: UUID
    name: str
    phone: str
    phone_e164: str
    owner: UserRef
    team: TeamRef | None = None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: object) -> dict[str, object]:
        owner = obj.owner  # type: ignore[attr-defined]
        return {"id": owner.pk, "username": owner.username, "display_name": str(owner)}


class AuditEntryOut(Schema):
    at: datetime
    actor: str
    action: str
    field: str
    old_value: str
    new_value: str
    version: int

    @staticmethod
    def resolve_actor(obj: object) -> str:
        return str(obj.actor)  # type: ignore[attr-defined]
