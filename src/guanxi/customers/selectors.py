"""Scoped reads of customers."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.models import AuditEntry
from guanxi.core.normalise import phone_search_digits
from guanxi.core.pagination import DEFAULT_LIMIT, Ordering, paginate
from guanxi.core.records import record_audit_trail
from guanxi.customers.models import Contact, Customer, Interaction, Position

_PHONEISH = re.compile(r"^[\d\s+()-]{3,}$")


def customer_search_q(q: str) -> Q:
    """Name, pinyin, pinyin initials or phone digits."""
    text = q.replace("\x00", "").strip()
    if _PHONEISH.match(text):
        return Q(phone_e164__contains=phone_search_digits(text))
    lowered = text.lower().replace(" ", "")
    return Q(name__icontains=text) | Q(name_pinyin__startswith=lowered) | Q(name_initials__startswith=lowered)


def customer_list(
    *, actor: User | Any, q: str = "", owner_id: int | None = None, team_id: int | None = None
) -> QuerySet[Customer]:
    qs = access.scope(actor, Customer.objects.select_related("owner", "team"))
    if q.replace("\x00", "").strip():
        qs = qs.filter(customer_search_q(q))
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    return qs


CUSTOMER_ORDERING = Ordering(
    fields={"created_at": "created_at:datetime", "updated_at": "updated_at:datetime", "name": "name"},
    default="-created_at",
)


def customer_page(
    *,
    actor: User | Any,
    q: str = "",
    owner_id: int | None = None,
    team_id: int | None = None,
    order: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """One page of ``customer_list``: keyset-paginated, each scope part walking its own index."""
    return paginate(
        customer_list(actor=actor, q=q, owner_id=owner_id, team_id=team_id),
        ordering=CUSTOMER_ORDERING,
        order=order,
        limit=limit,
        cursor=cursor,
        parts=access.scope_parts(actor, Customer),
    )


def customer_get(*, actor: User | Any, pk: UUID | str) -> Customer:
    return access.get_visible(actor, Customer.objects.select_related("owner", "team", "updated_by"), pk=pk)


def customer_history(*, actor: User | Any, customer: Customer) -> QuerySet[AuditEntry]:
    access.ensure(actor, "view", customer)
    return record_audit_trail(record=customer)


# --- contacts and posts -------------------------------------------------------------------

INTERACTION_ORDERING = Ordering(fields={"occurred_at": "occurred_at:datetime"}, default="-occurred_at")


def contact_get(*, actor: User | Any, pk: UUID | str) -> Contact:
    return access.get_visible(actor, Contact.objects.all(), pk=pk)


def contact_list(*, actor: User | Any, customer: Customer, current_only: bool = False) -> QuerySet[Position]:
    """The customer's people as their posts there (newest first); each post carries its contact."""
    access.ensure(actor, "view", customer)
    posts = Position.objects.filter(customer=customer).select_related("contact")
    return posts.filter(ended_on__isnull=True) if current_only else posts


def position_get(*, actor: User | Any, pk: UUID | str) -> Position:
    return access.get_visible(actor, Position.objects.select_related("contact", "customer"), pk=pk)


def position_list(*, actor: User | Any, contact: Contact) -> QuerySet[Position]:
    """Every post the contact held, at customers the actor can see, newest first."""
    access.ensure(actor, "view", contact)
    return access.scope(actor, Position.objects.filter(contact=contact).select_related("customer"))


# --- interactions -------------------------------------------------------------------------


def interaction_get(*, actor: User | Any, pk: UUID | str) -> Interaction:
    return access.get_visible(actor, Interaction.objects.select_related("contact", "created_by"), pk=pk)


def interaction_page(
    *, actor: User | Any, customer: Customer, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> dict[str, Any]:
    """The customer's interactions, newest first: the first item is the last conversation."""
    access.ensure(actor, "view", customer)
    interactions = Interaction.objects.filter(customer=customer).select_related("contact", "created_by")
    return paginate(interactions, ordering=INTERACTION_ORDERING, order=None, limit=limit, cursor=cursor)
