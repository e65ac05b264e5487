"""Keep the duplicate check's keys of customers and contacts current when they are saved or deleted.

Derived data only (an index, like a database trigger would keep): no domain behaviour runs here.
Edits made by ``core.records.record_update`` (a ``QuerySet.update``: no ``post_save``) arrive through
its ``record_updated`` signal, connected to the same receivers.
"""

from __future__ import annotations

from typing import Any

from guanxi.customers.models import Contact, Customer, Position
from guanxi.leads.models import DedupKey


def customer_saved(sender: type[Customer], instance: Customer, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from guanxi.leads.duplicates import dedup_keys_refresh

    dedup_keys_refresh(customers=[instance.pk])


def contact_saved(sender: type[Contact], instance: Contact, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from guanxi.leads.duplicates import dedup_keys_refresh

    dedup_keys_refresh(contacts=[instance.pk])


def position_saved(sender: type[Position], instance: Position, raw: bool = False, **kwargs: Any) -> None:
    """A new or ended post changes the company a contact's keys name."""
    if raw:
        return
    from guanxi.leads.duplicates import dedup_keys_refresh

    dedup_keys_refresh(contacts=[instance.contact_id])


def customer_deleted(sender: type[Customer], instance: Customer, **kwargs: Any) -> None:
    DedupKey.objects.filter(kind=DedupKey.Kind.CUSTOMER, record_id=instance.pk).delete()


def contact_deleted(sender: type[Contact], instance: Contact, **kwargs: Any) -> None:
    DedupKey.objects.filter(kind=DedupKey.Kind.CONTACT, record_id=instance.pk).delete()
