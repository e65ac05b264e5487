"""/api/v1/customers: search, profile CRUD with optimistic locking, audit trail, contacts and interactions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from guanxi.accounts.api_auth import request_user
from guanxi.accounts.models import User
from guanxi.accounts.selectors import assignable_user_get
from guanxi.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, bounded
from guanxi.core.schemas import InputSchema
from guanxi.customers import selectors, services
from guanxi.customers.lists import VALUE_FILTERS, value_filters, with_view
from guanxi.customers.models import Contact, Customer, Interaction
from guanxi.customers.schemas import (
    AuditEntryOut,
    ContactIn,
    ContactOut,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    InteractionIn,
    InteractionOut,
    NetworkOut,
    PositionOut,
    RelationshipIn,
    RelationshipOut,
    VersionQuery,
)
from guanxi.insights.models import ValueClassChoice

router = Router(tags=["customers"])


class CustomerFilters(InputSchema):
    q: str = Field(
        default="",
        max_length=200,
        description="Name, short or English name, pinyin, pinyin initials, e-mail, or a phone number in any "
        "format (its start or its end)",
    )
    owner_id: int | None = None
    team_id: int | None = None
    tag_id: int | None = None
    province: str = Field(default="", max_length=40)
    city: str = Field(default="", max_length=40)
    value_class: ValueClassChoice | None = Field(default=None, description="Value class from the latest value run")
    grade: str = Field(default="", max_length=8, description="Current grade (e.g. A)")
    segment_id: UUID | None = Field(default=None, description="Members of this segment")
    rfm_r: int | None = Field(default=None, ge=1, le=10, description="R score (recency)")
    rfm_f: int | None = Field(default=None, ge=1, le=10, description="F score (frequency)")
    rfm_m: int | None = Field(default=None, ge=1, le=10, description="M score (monetary)")
    profit_min: Decimal | None = Field(default=None, max_digits=18, decimal_places=2, allow_inf_nan=False)
    profit_max: Decimal | None = Field(default=None, max_digits=18, decimal_places=2, allow_inf_nan=False)
    clv_min: Decimal | None = Field(
        default=None, max_digits=18, decimal_places=2, allow_inf_nan=False, description="Lifetime value at least"
    )
    clv_max: Decimal | None = Field(
        default=None, max_digits=18, decimal_places=2, allow_inf_nan=False, description="Lifetime value at most"
    )
    view: UUID | None = Field(default=None, description="A saved view's id: its filters, overridden by those given")
    ordering: str = Field(
        default="", max_length=40, description="created_at, updated_at or name; '-' descending (default -created_at)"
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=500)


class HistoryFilters(InputSchema):
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT)


class PageFilters(InputSchema):
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=500)


class ContactFilters(InputSchema):
    current: bool = Field(default=False, description="Only posts held now")


def _owner(owner_id: int | None) -> User | None:
    return None if owner_id is None else assignable_user_get(pk=owner_id)


@router.get("", response=Page[CustomerOut])
def customer_list(request: HttpRequest, filters: Query[CustomerFilters]) -> dict[str, object]:
    actor = request_user(request)
    given = filters.dict(include={"q", "owner_id", "team_id", "tag_id", "province", "city", "ordering", *VALUE_FILTERS})
    chosen, _view = with_view(actor, filters.view, given)
    value, _errors = value_filters(chosen)  # a saved view's value filters are checked here (422)
    plain = {key: given for key, given in chosen.items() if key not in VALUE_FILTERS}
    order = plain.pop("ordering", None)
    return selectors.customer_page(
        actor=actor, order=order, limit=filters.limit, cursor=filters.cursor, **plain, **value
    )


@router.post("", response={201: CustomerOut})
def customer_create(request: HttpRequest, payload: CustomerIn) -> Status[Any]:
    actor = request_user(request)
    customer = services.customer_create(
        actor=actor, name=payload.name, phone=payload.phone, owner=_owner(payload.owner_id), **payload.profile()
    )
    return Status(201, selectors.customer_get(actor=actor, pk=customer.pk))


@router.get("/{customer_id}", response=CustomerOut)
def customer_get(request: HttpRequest, customer_id: UUID) -> Customer:
    return selectors.customer_get(actor=request_user(request), pk=customer_id)


@router.patch("/{customer_id}", response=CustomerOut)
def customer_update(request: HttpRequest, customer_id: UUID, payload: CustomerPatch) -> Customer:
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    return services.customer_update(
        actor=actor,
        customer=customer,
        version=payload.version,
        name=payload.name,
        phone=payload.phone,
        owner=_owner(payload.owner_id),
        clear=payload.cleared(),
        **payload.profile(),
    )


@router.delete("/{customer_id}", response={204: None})
def customer_delete(request: HttpRequest, customer_id: UUID, query: Query[VersionQuery]) -> Status[None]:
    """Delete a customer with its posts, interactions and tags (needs *delete*); 409 if it has orders."""
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    services.customer_delete(actor=actor, customer=customer, version=query.version)
    return Status(204, None)


@router.get("/{customer_id}/history", response=Page[AuditEntryOut])
def customer_history(request: HttpRequest, customer_id: UUID, filters: Query[HistoryFilters]) -> dict[str, object]:
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    return bounded(selectors.customer_history(actor=actor, customer=customer), limit=filters.limit)


@router.get("/{customer_id}/contacts", response=Page[PositionOut])
def customer_contacts(request: HttpRequest, customer_id: UUID, filters: Query[ContactFilters]) -> dict[str, object]:
    """The customer's people as their posts here, newest first (``current=true``: the org chart now)."""
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    return bounded(selectors.contact_list(actor=actor, customer=customer, current_only=filters.current))


@router.post("/{customer_id}/contacts", response={201: ContactOut})
def customer_contact_create(request: HttpRequest, customer_id: UUID, payload: ContactIn) -> Status[Contact]:
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    contact = services.contact_create(
        actor=actor,
        customer=customer,
        name=payload.name,
        mobile=payload.mobile,
        started_on=payload.started_on,
        post=payload.post(),
        **payload.fields(),
    )
    return Status(201, contact)


@router.get("/{customer_id}/interactions", response=Page[InteractionOut])
def customer_interactions(request: HttpRequest, customer_id: UUID, filters: Query[PageFilters]) -> dict[str, Any]:
    """Newest first: the first item is the last conversation, to read before the next one."""
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    return selectors.interaction_page(actor=actor, customer=customer, limit=filters.limit, cursor=filters.cursor)


@router.post("/{customer_id}/interactions", response={201: InteractionOut})
def customer_interaction_log(request: HttpRequest, customer_id: UUID, payload: InteractionIn) -> Status[Interaction]:
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    contact = None if payload.contact_id is None else selectors.contact_get(actor=actor, pk=payload.contact_id)
    interaction = services.interaction_log(
        actor=actor,
        customer=customer,
        contact=contact,
        channel=payload.channel,
        direction=payload.direction,
        summary=payload.summary,
        occurred_at=payload.occurred_at,
        outcome=payload.outcome or "",
        next_step=payload.next_step,
        next_step_on=payload.next_step_on,
    )
    return Status(201, selectors.interaction_get(actor=actor, pk=interaction.pk))


class NetworkFilters(InputSchema):
    depth: int = Field(default=2, ge=1, le=3)


@router.get("/{customer_id}/relationships", response=Page[RelationshipOut])
def customer_relationships(request: HttpRequest, customer_id: UUID) -> dict[str, object]:
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    return bounded(selectors.relationship_list(actor=actor, customer=customer))


@router.post("/{customer_id}/relationships", response={201: RelationshipOut})
def customer_relationship_create(request: HttpRequest, customer_id: UUID, payload: RelationshipIn) -> Status[Any]:
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    other = selectors.customer_get(actor=actor, pk=payload.to_customer_id)
    relation = services.relationship_create(
        actor=actor,
        from_customer=customer,
        to_customer=other,
        kind=payload.kind,
        label=payload.label,
        note=payload.note,
    )
    return Status(201, selectors.relationship_get(actor=actor, pk=relation.pk))


@router.get("/{customer_id}/network", response=NetworkOut)
def customer_network(request: HttpRequest, customer_id: UUID, filters: Query[NetworkFilters]) -> Any:
    """Related customers up to ``depth`` hops, for the network graph; hidden customers never appear."""
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    return selectors.customer_network(actor=actor, customer=customer, depth=filters.depth)
