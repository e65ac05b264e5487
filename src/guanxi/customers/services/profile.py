"""Customer profile writes: create, change (with optimistic locking), reassign."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import InvalidInput, reject_unknown
from guanxi.core.normalise import FieldCleaner
from guanxi.core.records import record_create, record_update
from guanxi.customers.models import Customer, CustomerFacts
from guanxi.customers.search import refresh_columns

# Profile fields kept by hand, besides name, phone and owner.
PROFILE_FIELDS = (
    "kind",
    "short_name",
    "name_en",
    "industry",
    "size",
    "email",
    "website",
    "province",
    "city",
    "district",
    "address",
    "birthday",
    "founded_on",
    "source",
    "notes",
)
# Profile fields that can be emptied on update (``clear=``): None means "unchanged" for the rest.
CLEARABLE_FIELDS = ("birthday", "founded_on")


def _cleaned(name: str | None, phone: str | None, profile: dict[str, Any]) -> dict[str, Any]:
    reject_unknown(profile, PROFILE_FIELDS)
    cleaner = FieldCleaner()
    cleaner.name(name)
    cleaner.phone(phone)
    for field, value in profile.items():
        cleaner.text(field, value)
    birthday, founded_on = profile.get("birthday"), profile.get("founded_on")
    for field, day in (("birthday", birthday), ("founded_on", founded_on)):
        if isinstance(day, date) and day > timezone.localdate():
            cleaner.errors.append({"loc": [field], "msg": _("This date lies in the future.")})
    return cleaner.result()


def _assignable_owner(*, actor: User, owner: User) -> User:
    if owner.pk != actor.pk:
        access.ensure_perm(actor, Perm.ASSIGN)
    if not owner.is_active or owner.is_system:
        raise InvalidInput(
            _("The owner must be an active user."), errors=[{"loc": ["owner_id"], "msg": _("Inactive user.")}]
        )
    return owner


@transaction.atomic
def customer_create(*, actor: User, name: str, phone: str = "", owner: User | None = None, **profile: Any) -> Customer:
    owner = _assignable_owner(actor=actor, owner=owner or actor)
    customer = Customer(owner=owner, team_id=owner.team_id, **refresh_columns(_cleaned(name, phone, profile)))
    record_create(actor=actor, instance=customer)
    CustomerFacts.objects.create(customer=customer, as_of=timezone.now())
    return customer


@transaction.atomic
def customer_update(
    *,
    actor: User,
    customer: Customer,
    version: int | None,
    name: str | None = None,
    phone: str | None = None,
    owner: User | None = None,
    clear: Sequence[str] = (),
    **profile: Any,
) -> Customer:
    """Change profile fields given (None = unchanged; ``clear`` names dates to empty); a new owner needs
    the assign permission."""
    access.ensure(actor, "change", customer)
    reject_unknown(clear, CLEARABLE_FIELDS)
    changes = _cleaned(name, phone, {k: v for k, v in profile.items() if v is not None}) | dict.fromkeys(clear)
    if owner is not None and owner.pk != customer.owner_id:
        access.ensure(actor, "assign", customer)
        changes["owner"] = _assignable_owner(actor=actor, owner=owner)
        changes["team"] = owner.team
    changes = refresh_columns(changes, customer)
    return record_update(actor=actor, instance=customer, changes=changes, expected_version=version)
