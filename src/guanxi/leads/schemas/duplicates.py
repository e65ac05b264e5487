"""Schemas of the duplicate check's API: candidates, merge, link, and the import report."""

from __future__ import annotations

from uuid import UUID

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import InputSchema

MAX_VERSION = 2_147_483_647


class CandidateOut(Schema):
    id: int
    kind: str = Field(description="lead, customer or contact")
    record_id: UUID | None = Field(description="The other record; empty when you may not see it")
    name: str
    score: float
    reason: str = Field(description="same_phone, same_email, similar_name_and_company, works_at …")
    detail: str
    visible: bool
    note: str = Field(description="For a record you cannot see: whom to ask")


class DuplicatesOut(Schema):
    lead_id: UUID
    duplicate_state: str
    items: list[CandidateOut]


class MergeIn(InputSchema):
    into_lead_id: UUID = Field(description="The lead that stays; this one is closed as merged into it")
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION, description="This lead's version as you read it")


class LinkIn(InputSchema):
    customer_id: UUID
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION, description="This lead's version as you read it")


class LeadStateOut(Schema):
    id: UUID
    status: str
    duplicate_state: str
    version: int
    customer_id: UUID | None = None
    merged_into_id: UUID | None = None


class ImportOut(Schema):
    rows: int
    created: int
    rejected: int
    duplicates: int
    errors: list[str]
    seconds: float
