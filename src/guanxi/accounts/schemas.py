from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import InputSchema


class TokenObtainIn(InputSchema):
    username: str = Field(min_length=1, max_length=254, description="Username or email")
    password: str = Field(min_length=1, max_length=4096)
    otp: str | None = Field(default=None, max_length=12, description="TOTP code when two-factor login is on")
    name: str = Field(default="API", max_length=100, description="A label to recognise the token by")
    expires_at: datetime | None = None


class TokenObtainOut(Schema):
    token: str
    token_id: int
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class TeamRef(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    language: str
    time_zone: str
    team: TeamRef | None = None
    role: str | None = None
    permissions: list[str]
    scopes: dict[str, str | None]
