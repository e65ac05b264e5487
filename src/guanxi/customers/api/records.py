"""/api/v1/contacts, /api/v1/positions, /api/v1/interactions: the records that hang on a customer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from guanxi.accounts.api_auth import request_user
from guanxi.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, bounded
from guanxi.core.schemas import InputSchema
from guanxi.customers import selectors, services
from guanxi.customers.models import Contact, Interaction, Position
from guanxi.customers.schemas import (
    ContactOut,
    ContactPatch,
    ContactRelationshipIn,
    ContactRelationshipOut,
    InteractionOut,
    InteractionPatch,
    PositionChangeIn,
    PositionEndIn,
    PositionOut,
    PositionStartIn,
    VersionQuery,
)

contacts = Router(tags=["contacts"])
positions = Router(tags=["contacts"])
interactions = Router(tags=["interactions"])
relationships = Router(tags=["customers"])
contact_relationships = Router(tags=["contacts"])


class ContactFilters(InputSchema):
    q: str = Field(default="", max_length=200, description="Name, pinyin, initials, mobile (start or end) or e-mail")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=500)


@contacts.get("", response=Page[ContactOut])
def contact_list(request: HttpRequest, filters: Query[ContactFilters]) -> dict[str, object]:
    """Contacts at customers you can see, searched, newest first."""
    return selectors.contact_page(actor=request_user(request), q=filters.q, limit=filters.limit, cursor=filters.cursor)


@contacts.delete("/{contact_id}", response={204: None})
def contact_delete(request: HttpRequest, contact_id: UUID, query: Query[VersionQuery]) -> Status[None]:
    """Delete a contact and their posts (needs *delete*, and change rights at every customer they work for)."""
    actor = request_user(request)
    contact = selectors.contact_get(actor=actor, pk=contact_id)
    services.contact_delete(actor=actor, contact=contact, version=query.version)
    return Status(204, None)


@contacts.get("/{contact_id}", response=ContactOut)
def contact_get(request: HttpRequest, contact_id: UUID) -> Contact:
    return selectors.contact_get(actor=request_user(request), pk=contact_id)


@contacts.patch("/{contact_id}", response=ContactOut)
def contact_update(request: HttpRequest, contact_id: UUID, payload: ContactPatch) -> Contact:
    actor = request_user(request)
    contact = selectors.contact_get(actor=actor, pk=contact_id)
    return services.contact_update(
        actor=actor,
        contact=contact,
        version=payload.version,
        name=payload.name,
        mobile=payload.mobile,
        **payload.fields(),
    )


@contacts.get("/{contact_id}/positions", response=Page[PositionOut])
def contact_positions(request: HttpRequest, contact_id: UUID) -> dict[str, object]:
    """Every post the contact held, newest first: who held which post when."""
    actor = request_user(request)
    contact = selectors.contact_get(actor=actor, pk=contact_id)
    return bounded(selectors.position_list(actor=actor, contact=contact))


@contacts.post("/{contact_id}/positions", response={201: PositionOut})
def contact_position_start(request: HttpRequest, contact_id: UUID, payload: PositionStartIn) -> Status[Any]:
    """The contact takes up a post at a customer (for example after moving company)."""
    actor = request_user(request)
    contact = selectors.contact_get(actor=actor, pk=contact_id)
    customer = selectors.customer_get(actor=actor, pk=payload.customer_id)
    position = services.position_start(
        actor=actor, contact=contact, customer=customer, started_on=payload.started_on, **payload.post()
    )
    return Status(201, selectors.position_get(actor=actor, pk=position.pk))


@positions.get("/{position_id}", response=PositionOut)
def position_get(request: HttpRequest, position_id: UUID) -> Position:
    return selectors.position_get(actor=request_user(request), pk=position_id)


@positions.post("/{position_id}/change", response={201: PositionOut})
def position_change(request: HttpRequest, position_id: UUID, payload: PositionChangeIn) -> Status[Any]:
    """Close this post and open the new one at the same customer; the old one stays in the history."""
    actor = request_user(request)
    position = selectors.position_get(actor=actor, pk=position_id)
    successor = services.position_change(
        actor=actor, position=position, changed_on=payload.changed_on, **payload.post()
    )
    return Status(201, selectors.position_get(actor=actor, pk=successor.pk))


@positions.post("/{position_id}/end", response=PositionOut)
def position_end(request: HttpRequest, position_id: UUID, payload: PositionEndIn) -> Position:
    actor = request_user(request)
    position = selectors.position_get(actor=actor, pk=position_id)
    services.position_end(actor=actor, position=position, ended_on=payload.ended_on, reason=payload.reason)
    return selectors.position_get(actor=actor, pk=position_id)


@interactions.get("/{interaction_id}", response=InteractionOut)
def interaction_get(request: HttpRequest, interaction_id: UUID) -> Interaction:
    return selectors.interaction_get(actor=request_user(request), pk=interaction_id)


@interactions.patch("/{interaction_id}", response=InteractionOut)
def interaction_update(request: HttpRequest, interaction_id: UUID, payload: InteractionPatch) -> Interaction:
    actor = request_user(request)
    interaction = selectors.interaction_get(actor=actor, pk=interaction_id)
    fields = payload.model_dump(exclude={"version"}, exclude_none=True)
    services.interaction_update(actor=actor, interaction=interaction, version=payload.version, **fields)
    return selectors.interaction_get(actor=actor, pk=interaction_id)


@interactions.delete("/{interaction_id}", response={204: None})
def interaction_delete(request: HttpRequest, interaction_id: UUID) -> Status[None]:
    """Delete a logged interaction (needs *delete*); the customer's last touch is recomputed."""
    actor = request_user(request)
    services.interaction_delete(actor=actor, interaction=selectors.interaction_get(actor=actor, pk=interaction_id))
    return Status(204, None)


@contacts.get("/{contact_id}/relationships", response=Page[ContactRelationshipOut])
def contact_relationships_list(request: HttpRequest, contact_id: UUID) -> dict[str, object]:
    actor = request_user(request)
    contact = selectors.contact_get(actor=actor, pk=contact_id)
    return bounded(selectors.contact_relationship_list(actor=actor, contact=contact))


@contacts.post("/{contact_id}/relationships", response={201: ContactRelationshipOut})
def contact_relationship_create(request: HttpRequest, contact_id: UUID, payload: ContactRelationshipIn) -> Status[Any]:
    actor = request_user(request)
    contact = selectors.contact_get(actor=actor, pk=contact_id)
    other = selectors.contact_get(actor=actor, pk=payload.to_contact_id)
    relation = services.contact_relationship_create(
        actor=actor, from_contact=contact, to_contact=other, kind=payload.kind, note=payload.note
    )
    return Status(201, selectors.contact_relationship_get(actor=actor, pk=relation.pk))


@contact_relationships.delete("/{relationship_id}", response={204: None})
def contact_relationship_delete(request: HttpRequest, relationship_id: UUID) -> Status[None]:
    actor = request_user(request)
    relation = selectors.contact_relationship_get(actor=actor, pk=relationship_id)
    services.contact_relationship_delete(actor=actor, relationship=relation)
    return Status(204, None)


@relationships.delete("/{relationship_id}", response={204: None})
def relationship_delete(request: HttpRequest, relationship_id: UUID) -> Status[None]:
    actor = request_user(request)
    relation = selectors.relationship_get(actor=actor, pk=relationship_id)
    services.relationship_delete(actor=actor, relationship=relation)
    return Status(204, None)
