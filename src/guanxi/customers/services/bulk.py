"""Bulk writes for imports: many customers or contacts per statement, checked like single writes.

Values go through the same cleaning as ``customer_create`` / ``contact_create`` (``FieldCleaner``,
phones to E.164, search columns by ``customers.search.refresh_columns``) and the same model
validation, without a query per row; every created record gets the same per-field audit
entries as ``record_create`` writes. Callers own the transaction and decide who may write
(the importer acts on their own behalf and each record is checked as usual).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.errors import InvalidInput, NotAllowed
from guanxi.core.models import AuditEntry, Versioned
from guanxi.core.records import NOT_AUDITED, audit_entry, record_update
from guanxi.customers.models import Contact, Customer, CustomerFacts, Position
from guanxi.customers.search import refresh_columns
from guanxi.customers.services.contacts import CONTACT_FIELDS, POST_FIELDS, _contact_values, position_start
from guanxi.customers.services.profile import PROFILE_FIELDS, _cleaned

# Relations checked by the caller (owner) or set here; validating them would cost a query per row.
_NOT_VALIDATED = ["owner", "team", "created_by", "updated_by", "contact", "customer"]
BATCH = 1000


def _model_errors(instance: models.Model) -> list[dict[str, object]]:
    try:
        instance.full_clean(exclude=_NOT_VALIDATED, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return [{"loc": [name], "msg": message} for name, messages in exc.message_dict.items() for message in messages]
    return []


def field_of(error: dict[str, object]) -> str:
    loc = error.get("loc")
    return str(loc[-1]) if isinstance(loc, list) and loc else ""


def _check(instance: models.Model) -> None:
    errors = _model_errors(instance)
    if errors:
        raise InvalidInput(_("Some fields are not valid."), errors=errors)


def customer_build(*, owner: User, name: str, phone: str = "", **profile: Any) -> Customer:
    """An unsaved customer with cleaned values and search columns, or ``InvalidInput`` listing every field error."""
    errors: list[dict[str, object]] = []
    try:
        values = _cleaned(name, phone, profile)
    except InvalidInput as exc:
        # Check the other fields too, so that one import report lists every problem of the row.
        errors = list(exc.errors)
        bad = {field_of(error) for error in errors}
        rest = {field: value for field, value in profile.items() if field not in bad}
        values = _cleaned("-" if "name" in bad else name, "" if "phone" in bad else phone, rest)
    customer = Customer(owner=owner, team=owner.team, **refresh_columns(values))
    errors += _model_errors(customer)
    if errors:
        raise InvalidInput(_("Some fields are not valid."), errors=errors)
    return customer


def contact_build(*, name: str, mobile: str = "", **fields: Any) -> Contact:
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields."), errors=[{"loc": [f], "msg": _("Unknown field.")} for f in unknown])
    errors: list[dict[str, object]] = []
    try:
        values = _contact_values(name, mobile, fields)
    except InvalidInput as exc:
        errors = list(exc.errors)
        bad = {field_of(error) for error in errors}
        rest = {field: value for field, value in fields.items() if field not in bad}
        values = _contact_values("-" if "name" in bad else name, "" if "mobile" in bad else mobile, rest)
    contact = Contact(**values)
    errors += _model_errors(contact)
    if errors:
        raise InvalidInput(_("Some fields are not valid."), errors=errors)
    return contact


def position_build(*, customer: Customer, started_on: date | None = None, **post: Any) -> Position:
    unknown = set(post) - set(POST_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields."), errors=[{"loc": [f], "msg": _("Unknown field.")} for f in unknown])
    day = started_on or timezone.localdate()
    if day > timezone.localdate():
        raise InvalidInput(
            _("This date lies in the future."), errors=[{"loc": ["started_on"], "msg": _("Future date.")}]
        )
    post = {field: value.strip() if isinstance(value, str) else value for field, value in post.items()}
    position = Position(customer=customer, started_on=day, **post)
    _check(position)
    return position


def _stamp(actor: User, records: Sequence[Versioned]) -> None:
    for record in records:
        record.created_by = actor
        record.updated_by = actor
        record.version = 1


def _audit(actor: User, records: Sequence[Versioned]) -> None:
    """The entries ``record_create`` writes: one per filled, editable field."""
    if not records:
        return
    now = timezone.now()
    fields = [f for f in records[0]._meta.concrete_fields if f.editable and f.name not in NOT_AUDITED]
    entries = [
        audit_entry(
            actor=actor,
            record=record,
            at=now,
            action=AuditEntry.Action.CREATE,
            field=field.name,
            new=getattr(record, field.name),
        )
        for record in records
        for field in fields
        if getattr(record, field.attname) not in (None, "", [], {})
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=BATCH)


@transaction.atomic
def customers_bulk_create(*, actor: User, customers: Sequence[Customer]) -> list[Customer]:
    """Insert customers built by ``customer_build`` (owners already checked), with facts rows and audit."""
    _stamp(actor, customers)
    created = Customer.objects.bulk_create(customers, batch_size=BATCH)
    now = timezone.now()
    CustomerFacts.objects.bulk_create([CustomerFacts(customer=c, as_of=now) for c in created], batch_size=BATCH)
    _audit(actor, created)
    return created


@transaction.atomic
def contacts_bulk_create(*, actor: User, people: Sequence[tuple[Contact, Position]]) -> list[Contact]:
    """Insert contacts with their first post; the actor must be able to change each post's customer."""
    customers = {position.customer_id: position.customer for _contact, position in people}
    changeable = access.visible_q(actor, Customer, for_change=True)
    allowed = (
        set(Customer.objects.filter(changeable, pk__in=customers).values_list("pk", flat=True))
        if changeable is not None
        else set()
    )
    if set(customers) - allowed:
        raise NotAllowed(_("You may not do this to this record."))
    contacts = [contact for contact, _position in people]
    _stamp(actor, contacts)
    Contact.objects.bulk_create(contacts, batch_size=BATCH)
    positions = []
    for contact, position in people:
        position.contact = contact
        positions.append(position)
    _stamp(actor, positions)
    Position.objects.bulk_create(positions, batch_size=BATCH)
    _audit(actor, contacts)
    _audit(actor, positions)
    return contacts


def _empty(value: Any) -> bool:
    return value in (None, "")


FILLABLE_CUSTOMER = ("phone", *PROFILE_FIELDS)


@transaction.atomic
def customer_fill_empty(*, actor: User, customer: Customer, source: Customer) -> dict[str, Any]:
    """Merge an imported row into an existing customer: only fields empty there are filled, audited.

    Returns the filled fields with their previous values (to undo an all-or-nothing import).
    """
    access.ensure(actor, "change", customer)
    changes: dict[str, Any] = {}
    for field in FILLABLE_CUSTOMER:
        value = getattr(source, field)
        if not _empty(value) and _empty(getattr(customer, field)):
            changes[field] = value
    if "phone" in changes:
        changes["phone_e164"] = source.phone_e164
    if not changes:
        return {}
    before = {field: getattr(customer, field) for field in changes}
    record_update(actor=actor, instance=customer, changes=refresh_columns(changes, customer), expected_version=None)
    return before


@transaction.atomic
def contact_fill_empty(*, actor: User, contact: Contact, source: Contact, position: Position | None) -> dict[str, Any]:
    """Merge into an existing contact: empty fields filled; a post at the row's customer started if none is open."""
    access.ensure(actor, "change", contact)
    changes: dict[str, Any] = {}
    for field in ("mobile", *CONTACT_FIELDS):
        value = getattr(source, field)
        if not _empty(value) and _empty(getattr(contact, field)):
            changes[field] = value
    if "mobile" in changes:
        changes["mobile_e164"] = source.mobile_e164
    before = {field: getattr(contact, field) for field in changes}
    if changes:
        record_update(actor=actor, instance=contact, changes=changes, expected_version=None)
    if (
        position is not None
        and not Position.objects.filter(
            contact=contact, customer_id=position.customer_id, ended_on__isnull=True
        ).exists()
    ):
        post = {field: getattr(position, field) for field in POST_FIELDS}
        started = position_start(
            actor=actor, contact=contact, customer=position.customer, started_on=position.started_on, **post
        )
        before["__position__"] = str(started.pk)
    return before


@transaction.atomic
def customer_fill_undo(*, actor: User, customer: Customer, filled: dict[str, Any]) -> None:
    """Empty again the fields a merge filled (they were empty before it), audited."""
    changes = {field: old for field, old in filled.items() if field in FILLABLE_CUSTOMER}
    if "phone" in changes:
        changes["phone_e164"] = ""
    if changes:
        record_update(actor=actor, instance=customer, changes=refresh_columns(changes, customer), expected_version=None)


@transaction.atomic
def contact_fill_undo(*, actor: User, contact: Contact, filled: dict[str, Any]) -> None:
    position_id = filled.get("__position__")
    if position_id:
        records_bulk_delete(actor=actor, model=Position, ids=[position_id])
    changes = {field: old for field, old in filled.items() if field in ("mobile", *CONTACT_FIELDS)}
    if "mobile" in changes:
        changes["mobile_e164"] = ""
    if changes:
        record_update(actor=actor, instance=contact, changes=changes, expected_version=None)


@transaction.atomic
def records_bulk_delete(
    *, actor: User, model: type[Customer] | type[Contact] | type[Position], ids: Sequence[Any]
) -> int:
    """Delete records an import created (undoing it), leaving one audit entry per record like ``record_delete``."""
    now = timezone.now()
    deleted = 0
    for start in range(0, len(ids), BATCH):
        rows = list(model.objects.filter(pk__in=ids[start : start + BATCH]))
        AuditEntry.objects.bulk_create(
            audit_entry(actor=actor, record=row, at=now, action=AuditEntry.Action.DELETE, field="", old=str(row))
            for row in rows
        )
        deleted += model.objects.filter(pk__in=[row.pk for row in rows]).delete()[0] and len(rows)
    return deleted
