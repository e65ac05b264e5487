"""Contacts and the posts they hold over time.

A post is never edited into something else: when someone changes job or leaves, the open post
is closed on that day and (for a change) a new one opens, so the history keeps who held which
post when. Writing to a contact or a post needs the right to change its customer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.errors import InvalidInput, InvalidTransition, reject_unknown
from guanxi.core.normalise import FieldCleaner
from guanxi.core.records import record_create, record_update
from guanxi.customers.models import Contact, Customer, Position, PositionEnd

CONTACT_FIELDS = ("gender", "email", "wechat", "birthday", "notes")
POST_FIELDS = ("title", "department", "buying_role")


def _contact_values(name: str | None, mobile: str | None, fields: dict[str, Any]) -> dict[str, Any]:
    cleaner = FieldCleaner()
    cleaner.name(name)
    cleaner.phone(mobile, field="mobile")
    for field, value in fields.items():
        cleaner.text(field, value)
    return cleaner.result()


def _post_values(post: dict[str, Any]) -> dict[str, Any]:
    reject_unknown(post, POST_FIELDS)
    return {field: (value.strip() if isinstance(value, str) else value) for field, value in post.items()}


def _check_day(day: date, field: str) -> date:
    if day > timezone.localdate():
        raise InvalidInput(_("This date lies in the future."), errors=[{"loc": [field], "msg": _("Future date.")}])
    return day


@transaction.atomic
def contact_create(
    *,
    actor: User,
    customer: Customer,
    name: str,
    mobile: str = "",
    started_on: date | None = None,
    post: dict[str, Any] | None = None,
    **fields: Any,
) -> Contact:
    """A new contact with their first post at ``customer``."""
    access.ensure(actor, "change", customer)
    contact = record_create(actor=actor, instance=Contact(**_contact_values(name, mobile, fields)))
    position_start(actor=actor, contact=contact, customer=customer, started_on=started_on, **(post or {}))
    return contact


@transaction.atomic
def contact_update(
    *,
    actor: User,
    contact: Contact,
    version: int | None,
    name: str | None = None,
    mobile: str | None = None,
    **fields: Any,
) -> Contact:
    access.ensure(actor, "change", contact)
    changes = _contact_values(name, mobile, {k: v for k, v in fields.items() if v is not None})
    return record_update(actor=actor, instance=contact, changes=changes, expected_version=version)


@transaction.atomic
def position_start(
    *, actor: User, contact: Contact, customer: Customer, started_on: date | None = None, **post: Any
) -> Position:
    """The contact takes up a post at ``customer`` (a first job, or a move to another company)."""
    access.ensure(actor, "change", customer)
    if Position.objects.filter(contact=contact, customer=customer, ended_on__isnull=True).exists():
        raise InvalidTransition(_("This contact already holds a post at this customer; change that post instead."))
    day = _check_day(started_on or timezone.localdate(), "started_on")
    position = Position(contact=contact, customer=customer, started_on=day, **_post_values(post))
    return record_create(actor=actor, instance=position)


def _close(*, actor: User, position: Position, ended_on: date, reason: str) -> Position:
    if position.ended_on is not None:
        raise InvalidTransition(_("This post has already ended."))
    if ended_on < position.started_on:
        raise InvalidInput(
            _("A post cannot end before it started."), errors=[{"loc": ["ended_on"], "msg": _("Before the start.")}]
        )
    changes = {"ended_on": _check_day(ended_on, "ended_on"), "end_reason": reason}
    return record_update(actor=actor, instance=position, changes=changes, expected_version=position.version)


@transaction.atomic
def position_change(*, actor: User, position: Position, changed_on: date | None = None, **post: Any) -> Position:
    """The contact moves to another post at the same customer: close this one, open the new one."""
    access.ensure(actor, "change", position)
    day = changed_on or timezone.localdate()
    new_post = {field: getattr(position, field) for field in POST_FIELDS} | _post_values(post)
    _close(actor=actor, position=position, ended_on=day, reason=PositionEnd.CHANGED_POST)
    successor = Position(contact=position.contact, customer=position.customer, started_on=day, **new_post)
    return record_create(actor=actor, instance=successor)


@transaction.atomic
def position_end(
    *, actor: User, position: Position, ended_on: date | None = None, reason: str = PositionEnd.LEFT
) -> Position:
    """The contact leaves this post (for example, leaves the company)."""
    access.ensure(actor, "change", position)
    if reason not in PositionEnd.values:
        raise InvalidInput(_("Unknown reason."), errors=[{"loc": ["reason"], "msg": _("Unknown reason.")}])
    return _close(actor=actor, position=position, ended_on=ended_on or timezone.localdate(), reason=reason)
