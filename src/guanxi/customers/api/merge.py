"""Merging customers and contacts: ``POST /customers/{id}/merge``, ``POST /contacts/{id}/merge``,
``GET /merges/{id}`` and ``POST /merges/{id}/undo`` (the same day only)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from guanxi.accounts.api_auth import request_user
from guanxi.core.schemas import InputSchema
from guanxi.customers import selectors, services
from guanxi.customers.models import MergeKind, MergeRecord
from guanxi.customers.schemas import UserRef, user_ref
from guanxi.customers.services.merge import SPECS
from guanxi.customers.services.merge_moves import concrete

customer_merges = Router(tags=["customers"])
contact_merges = Router(tags=["contacts"])
merges = Router(tags=["merges"])

MAX_VERSION = 2_147_483_647


class MergeIn(InputSchema):
    """Merge ``other_id`` into the record in the path, which survives; ``other_id`` is removed."""

    other_id: UUID = Field(description="The record merged into this one and then removed")
    version: int = Field(ge=1, le=MAX_VERSION, description="This record's version as you read it")
    other_version: int = Field(ge=1, le=MAX_VERSION, description="The other record's version as you read it")
    fields: dict[str, Literal["survivor", "absorbed"]] = Field(
        default_factory=dict,
        max_length=40,
        description="Field name → whose value to keep. A field left out keeps the survivor's value, "
        "or the absorbed record's when the survivor's is empty.",
    )


class MergeBefore(Schema):
    survivor: dict[str, Any]
    absorbed: dict[str, Any]


class MergeOut(Schema):
    id: UUID
    kind: str
    survivor_id: UUID
    absorbed_id: UUID
    survivor_name: str
    absorbed_name: str
    merged_by: UserRef
    merged_at: datetime
    undo_until: datetime
    undone_at: datetime | None = None
    undone_by: UserRef | None = None
    choices: dict[str, str]
    changed_fields: list[str]
    moved: dict[str, int] = Field(description="Records moved to the survivor, per model.field")
    removed: dict[str, int] = Field(description="Duplicates collapsed into the survivor's, per model")
    before: MergeBefore = Field(description="The fields to pick from, as both records had them")

    @staticmethod
    def resolve_merged_by(obj: MergeRecord) -> dict[str, object]:
        return user_ref(obj.merged_by)

    @staticmethod
    def resolve_undone_by(obj: MergeRecord) -> dict[str, object] | None:
        return None if obj.undone_by is None else user_ref(obj.undone_by)

    @staticmethod
    def resolve_moved(obj: MergeRecord) -> dict[str, int]:
        return {label: len(pks) for label, pks in obj.moved.items()}

    @staticmethod
    def resolve_removed(obj: MergeRecord) -> dict[str, int]:
        return dict(Counter(str(item["model"]) for item in obj.removed))

    @staticmethod
    def resolve_before(obj: MergeRecord) -> dict[str, dict[str, Any]]:
        spec = SPECS[MergeKind(obj.kind)]
        columns = {name: concrete(spec.model, name).attname for name in spec.fields}
        return {
            "survivor": {name: obj.survivor_snapshot.get(column) for name, column in columns.items()},
            "absorbed": {name: obj.absorbed_snapshot.get(column) for name, column in columns.items()},
        }


@customer_merges.post("/{customer_id}/merge", response={201: MergeOut})
def customer_merge(request: HttpRequest, customer_id: UUID, payload: MergeIn) -> Status[MergeRecord]:
    """Merge another customer into this one: its contacts' posts, interactions, relationships, tags,
    orders and shares move here; it is removed. Undo the same day with ``POST /merges/{id}/undo``."""
    actor = request_user(request)
    survivor = selectors.customer_get(actor=actor, pk=customer_id)
    absorbed = selectors.customer_get(actor=actor, pk=payload.other_id)
    merge = services.customer_merge(
        actor=actor,
        survivor=survivor,
        absorbed=absorbed,
        version=payload.version,
        other_version=payload.other_version,
        fields=payload.fields,
    )
    return Status(201, merge)


@contact_merges.post("/{contact_id}/merge", response={201: MergeOut})
def contact_merge(request: HttpRequest, contact_id: UUID, payload: MergeIn) -> Status[MergeRecord]:
    """Merge another contact into this one: posts, interactions and contact relationships move here."""
    actor = request_user(request)
    survivor = selectors.contact_get(actor=actor, pk=contact_id)
    absorbed = selectors.contact_get(actor=actor, pk=payload.other_id)
    merge = services.contact_merge(
        actor=actor,
        survivor=survivor,
        absorbed=absorbed,
        version=payload.version,
        other_version=payload.other_version,
        fields=payload.fields,
    )
    return Status(201, merge)


@merges.get("/{merge_id}", response=MergeOut)
def merge_get(request: HttpRequest, merge_id: UUID) -> MergeRecord:
    return selectors.merge_get(actor=request_user(request), pk=merge_id)


@merges.post("/{merge_id}/undo", response=MergeOut)
def merge_undo(request: HttpRequest, merge_id: UUID) -> MergeRecord:
    """Undo a merge on the day it was made (by whoever merged, or a manager): both records as before."""
    actor = request_user(request)
    merge = selectors.merge_get(actor=actor, pk=merge_id)
    return services.merge_undo(actor=actor, merge=merge)
