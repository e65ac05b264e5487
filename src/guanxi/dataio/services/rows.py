"""One data row → a record to create (or the reasons it cannot be), with its duplicate keys.

Rows are parsed in English first; a row with errors is parsed again in Chinese so that every
reason is stored in both languages (parsing is deterministic, so the reasons line up).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.core.errors import InvalidInput
from guanxi.core.spreadsheet import unneutralise
from guanxi.customers.models import Contact, Customer, Position
from guanxi.customers.services import bulk
from guanxi.dataio.columns import Column, columns_of, parse_choice, parse_date, unknown_choice_message
from guanxi.dataio.files import DataRow
from guanxi.dataio.models import ImportKind


@dataclass(frozen=True)
class Reason:
    field: str
    column: str
    message: str
    message_zh: str


@dataclass
class Parsed:
    row: DataRow
    customer: Customer | None = None
    contact: Contact | None = None
    position: Position | None = None
    errors: list[Reason] = field(default_factory=list)

    @property
    def record(self) -> Customer | Contact | None:
        return self.customer if self.customer is not None else self.contact

    def match_keys(self) -> list[tuple[str, str]]:
        """("phone", E.164), ("email", lower case), ("name", name key) — what duplicates are matched on."""
        keys: list[tuple[str, str]] = []
        if self.customer is not None:
            customer = self.customer
            keys += [("phone", customer.phone_e164), ("email", customer.email.lower()), ("name", customer.name_key)]
        elif self.contact is not None:
            keys += [("phone", self.contact.mobile_e164), ("email", self.contact.email.lower())]
        return [(kind, value) for kind, value in keys if value]


@dataclass(frozen=True)
class Lookups:
    """What a chunk's rows refer to, fetched in a few queries: owners by username, customers by name or id."""

    owners: dict[str, User]
    customers: dict[str, Customer | str]  # raw reference → customer, or an error code


@dataclass
class RowContext:
    kind: str
    actor: User
    mapping: dict[str, int]
    headers: Sequence[str]
    can_assign: bool
    columns: dict[str, Column] = field(init=False)

    def __post_init__(self) -> None:
        self.columns = {column.name: column for column in columns_of(self.kind) if column.name in self.mapping}

    def header(self, name: str) -> str:
        index = self.mapping.get(name)
        return self.headers[index] if index is not None and index < len(self.headers) else ""

    def values(self, row: DataRow) -> dict[str, str]:
        cells = row.cells
        return {
            name: unneutralise(" ".join(cells[index].split()) if name != "notes" else cells[index].strip())
            if index < len(cells)
            else ""
            for name, index in self.mapping.items()
        }


_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


def customer_ref_id(raw: str) -> uuid.UUID | None:
    return uuid.UUID(raw) if _UUID.match(raw.strip()) else None


def _typed(ctx: RowContext, values: dict[str, str], errors: list[tuple[str, str]]) -> dict[str, Any]:
    """Choices and dates of the mapped columns; the rest as text. Unparseable cells become errors."""
    typed: dict[str, Any] = {}
    for name, column in ctx.columns.items():
        raw = values.get(name, "")
        if not raw or column.kind in {"owner", "customer"}:
            continue
        if column.kind == "choice" and column.choices is not None:
            code = parse_choice(column.choices, raw)
            if code is None:
                errors.append((name, unknown_choice_message(column.choices, raw)))
            else:
                typed[name] = code
        elif column.kind == "date":
            day = parse_date(raw)
            if day is None:
                errors.append((name, _("Not a date; write it like 2024-03-05.")))
            else:
                typed[name] = day
        else:
            typed[name] = raw
    return typed


def _service_errors(exc: InvalidInput) -> list[tuple[str, str]]:
    found = [(bulk.field_of(error), str(error.get("msg", ""))) for error in exc.errors]
    return found or [("", exc.detail)]


def _owner(ctx: RowContext, values: dict[str, str], lookups: Lookups, errors: list[tuple[str, str]]) -> User:
    raw = values.get("owner", "")
    if not raw:
        return ctx.actor
    owner = lookups.owners.get(raw)
    if owner is None:
        errors.append(("owner", _("No active user has this username.")))
        return ctx.actor
    if owner.pk != ctx.actor.pk and not ctx.can_assign:
        errors.append(("owner", _("You may not give customers to other users; leave the owner empty.")))
        return ctx.actor
    return owner


def _customer_row(ctx: RowContext, row: DataRow, lookups: Lookups) -> tuple[Parsed, list[tuple[str, str]]]:
    values = ctx.values(row)
    errors: list[tuple[str, str]] = []
    typed = _typed(ctx, values, errors)
    owner = _owner(ctx, values, lookups, errors)
    name, phone = typed.pop("name", ""), typed.pop("phone", "")
    parsed = Parsed(row)
    try:
        customer = bulk.customer_build(owner=owner, name=name, phone=phone, **typed)
    except InvalidInput as exc:
        errors += _service_errors(exc)
    else:
        parsed.customer = None if errors else customer
    return parsed, errors


def _customer_of(ctx: RowContext, values: dict[str, str], lookups: Lookups, errors: list[tuple[str, str]]) -> Any:
    raw = values.get("customer", "")
    if not raw:
        errors.append(("customer", _("Say which customer this contact belongs to (its name or id).")))
        return None
    found = lookups.customers.get(raw)
    if isinstance(found, Customer):
        return found
    messages = {
        "ambiguous": _("Several customers you can see have this name; use the customer's id instead."),
        "readonly": _("You may not change this customer, so you cannot add contacts to it."),
    }
    errors.append(("customer", messages.get(str(found), _("No customer with this name or id that you can see."))))
    return None


def _contact_row(ctx: RowContext, row: DataRow, lookups: Lookups) -> tuple[Parsed, list[tuple[str, str]]]:
    values = ctx.values(row)
    errors: list[tuple[str, str]] = []
    typed = _typed(ctx, values, errors)
    customer = _customer_of(ctx, values, lookups, errors)
    post = {name: typed.pop(name) for name in ("title", "department", "buying_role", "started_on") if name in typed}
    name, mobile = typed.pop("name", ""), typed.pop("mobile", "")
    parsed = Parsed(row)
    contact = position = None
    try:
        contact = bulk.contact_build(name=name, mobile=mobile, **typed)
    except InvalidInput as exc:
        errors += _service_errors(exc)
    if customer is not None:
        try:
            position = bulk.position_build(customer=customer, **post)
        except InvalidInput as exc:
            errors += _service_errors(exc)
    if not errors:
        parsed.contact, parsed.position = contact, position
    return parsed, errors


_PARSERS: dict[str, Callable[[RowContext, DataRow, Lookups], tuple[Parsed, list[tuple[str, str]]]]] = {
    ImportKind.CUSTOMERS: _customer_row,
    ImportKind.CONTACTS: _contact_row,
}


def parse(ctx: RowContext, row: DataRow, lookups: Lookups) -> Parsed:
    """The row as an unsaved record, or with every reason in English and Chinese."""
    parser = _PARSERS[ctx.kind]
    with translation.override("en"):
        parsed, errors = parser(ctx, row, lookups)
    if not errors:
        return parsed
    with translation.override("zh-hans"):
        _again, errors_zh = parser(ctx, row, lookups)
    if len(errors_zh) != len(errors):
        errors_zh = errors
    parsed.errors = [
        Reason(field=name, column=ctx.header(name), message=message[:500], message_zh=zh[:500])
        for (name, message), (_name, zh) in zip(errors, errors_zh, strict=True)
    ]
    return parsed
