"""Relationships between customers (parent, partner, referral, …) and between contacts (reports to, …)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.errors import field_error
from guanxi.core.records import record_create, record_delete
from guanxi.customers.models import (
    SYMMETRIC_KINDS,
    Contact,
    ContactRelationship,
    Customer,
    CustomerRelationship,
    RelationKind,
)


@transaction.atomic
def relationship_create(
    *, actor: User, from_customer: Customer, to_customer: Customer, kind: str, label: str = "", note: str = ""
) -> CustomerRelationship:
    """Link two customers; needs the right to change the first and to see the second."""
    access.ensure(actor, "change", from_customer)
    access.ensure(actor, "view", to_customer)
    if from_customer.pk == to_customer.pk:
        raise field_error("to_customer_id", _("A customer cannot be related to itself."))
    same = Q(from_customer=from_customer, to_customer=to_customer, kind=kind)
    if kind in SYMMETRIC_KINDS:
        same |= Q(from_customer=to_customer, to_customer=from_customer, kind=kind)
    if CustomerRelationship.objects.filter(same).exists():
        raise field_error("kind", _("These customers are already related this way."))
    if kind == RelationKind.OTHER and not label.strip():
        raise field_error("label", _("Say what the relationship is."))
    relation = CustomerRelationship(
        from_customer=from_customer, to_customer=to_customer, kind=kind, label=label.strip(), note=note.strip()
    )
    return record_create(actor=actor, instance=relation)


@transaction.atomic
def relationship_delete(*, actor: User, relationship: CustomerRelationship) -> None:
    access.ensure(actor, "change", relationship)
    record_delete(actor=actor, instance=relationship)


@transaction.atomic
def contact_relationship_create(
    *, actor: User, from_contact: Contact, to_contact: Contact, kind: str, note: str = ""
) -> ContactRelationship:
    access.ensure(actor, "change", from_contact)
    access.ensure(actor, "view", to_contact)
    if from_contact.pk == to_contact.pk:
        raise field_error("to_contact_id", _("A contact cannot be related to themselves."))
    if ContactRelationship.objects.filter(from_contact=from_contact, to_contact=to_contact, kind=kind).exists():
        raise field_error("kind", _("These contacts are already related this way."))
    relation = ContactRelationship(from_contact=from_contact, to_contact=to_contact, kind=kind, note=note.strip())
    return record_create(actor=actor, instance=relation)


@transaction.atomic
def contact_relationship_delete(*, actor: User, relationship: ContactRelationship) -> None:
    access.ensure(actor, "change", relationship)
    record_delete(actor=actor, instance=relationship)
