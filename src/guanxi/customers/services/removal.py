"""Deleting customer-master records: customers, contacts, interactions, tags, tag groups and rules.

Deleting needs the *delete* permission on top of change rights (``access.ensure(…, "delete")``),
is audited, and never takes business history with it: a customer with orders cannot be deleted
(merge it into the right customer instead), and a contact who also works for customers the
actor cannot change is not deleted from under their colleagues.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, RecordShare, User
from guanxi.core.errors import Conflict, NotAllowed
from guanxi.core.records import record_delete
from guanxi.customers.models import Contact, Customer, CustomerTag, Interaction, Position, Tag, TagGroup, TagRule
from guanxi.customers.search import RECORD_TYPE
from guanxi.customers.services import facts


def _check_version(record: Customer | Contact, version: int | None) -> None:
    if version is not None and version != record.version:
        raise Conflict(_("The record was changed by someone else. Reload it and try again."))


@transaction.atomic
def customer_delete(*, actor: User, customer: Customer, version: int | None) -> None:
    """Delete a customer with its posts, interactions, tags and relationships; refused with orders."""
    access.ensure(actor, "delete", customer)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _check_version(customer, version)
    if customer.orders.exists():
        raise Conflict(_("This customer has orders (purchase history). Merge it into another customer instead."))
    # People who worked only here go with the customer; others keep their posts elsewhere.
    only_here = Contact.objects.filter(positions__customer=customer).exclude(
        pk__in=Position.objects.exclude(customer=customer).values("contact_id")
    )
    for contact in only_here:
        record_delete(actor=actor, instance=contact)
    RecordShare.objects.filter(record_type=RECORD_TYPE, record_id=customer.pk).delete()
    record_delete(actor=actor, instance=customer)


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact, version: int | None) -> None:
    """Delete a contact and their posts; interactions stay on the customer, without the contact."""
    access.ensure(actor, "delete", contact)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _check_version(contact, version)
    customers = Customer.objects.filter(positions__contact=contact).distinct()
    if any(not access.can(actor, "change", customer) for customer in customers):
        raise NotAllowed(_("This contact also holds posts at customers you cannot change."))
    record_delete(actor=actor, instance=contact)


@transaction.atomic
def interaction_delete(*, actor: User, interaction: Interaction) -> None:
    """Delete a logged interaction; the customer's last touch is recomputed."""
    access.ensure(actor, "delete", interaction)
    customer_id = interaction.customer_id
    record_delete(actor=actor, instance=interaction)
    facts.customer_facts_refresh(customer_ids=[customer_id])


@transaction.atomic
def tag_delete(*, actor: User, tag: Tag) -> None:
    """Delete a tag: it disappears from every customer, and its rules (audited) go with it."""
    access.ensure_perm(actor, Perm.MANAGE_SETTINGS)
    for rule in TagRule.objects.filter(tag=tag):
        record_delete(actor=actor, instance=rule)
    CustomerTag.objects.filter(tag=tag).delete()
    tag.delete()


@transaction.atomic
def tag_group_delete(*, actor: User, group: TagGroup) -> None:
    """Delete an empty tag group (delete or move its tags first)."""
    access.ensure_perm(actor, Perm.MANAGE_SETTINGS)
    if group.tags.exists():
        raise Conflict(_("This group still has tags. Delete them first."))
    group.delete()


@transaction.atomic
def tag_rule_delete(*, actor: User, rule: TagRule) -> None:
    """Delete a rule and the tags it gave (tags given by hand stay)."""
    access.ensure_perm(actor, Perm.MANAGE_SETTINGS)
    CustomerTag.objects.filter(rule=rule).delete()
    record_delete(actor=actor, instance=rule)
