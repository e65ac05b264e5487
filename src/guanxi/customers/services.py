"""Customer writes: each one transaction, access-checked, audited and versioned."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import InvalidInput
from guanxi.core.normalise import name_pinyin, phone_e164
from guanxi.core.records import record_create, record_update
from guanxi.customers.models import Customer


def _normalised(name: str | None, phone: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: list[dict[str, object]] = []
    if name is not None:
        clean = " ".join(name.split())
        if not clean:
            errors.append({"loc": ["name"], "msg": _("Name is required.")})
        values["name"] = clean
        values["name_pinyin"], values["name_initials"] = name_pinyin(clean)
    if phone is not None:
        clean_phone = phone.strip()
        e164 = phone_e164(clean_phone) if clean_phone else ""
        if e164 is None:
            errors.append({"loc": ["phone"], "msg": _("Not a valid phone number.")})
        values["phone"], values["phone_e164"] = clean_phone, e164 or ""
    if errors:
        raise InvalidInput(_("Some fields are not valid."), errors=errors)
    return values


def _assignable_owner(*, actor: User, owner: User) -> User:
    if owner.pk != actor.pk:
        access.ensure_perm(actor, Perm.ASSIGN)
    if not owner.is_active or owner.is_system:
        raise InvalidInput(
            _("The owner must be an active user."), errors=[{"loc": ["owner_id"], "msg": _("Inactive user.")}]
        )
    return owner


@transaction.atomic
def customer_create(*, actor: User, name: str, phone: str = "", owner: User | None = None) -> Customer:
    owner = _assignable_owner(actor=actor, owner=owner or actor)
    customer = Customer(owner=owner, team_id=owner.team_id, **_normalised(name, phone))
    return record_create(actor=actor, instance=customer)


@transaction.atomic
def customer_update(
    *,
    actor: User,
    customer: Customer,
    version: int | None,
    name: str | None = None,
    phone: str | None = None,
    owner: User | None = None,
) -> Customer:
    access.ensure(actor, "change", customer)
    changes = _normalised(name, phone)
    if owner is not None and owner.pk != customer.owner_id:
        access.ensure(actor, "assign", customer)
        changes["owner"] = _assignable_owner(actor=actor, owner=owner)
        changes["team"] = owner.team
    return record_update(actor=actor, instance=customer, changes=changes, expected_version=version)
