"""Exports of list views: scoped querysets turned into rows, streamed as CSV or written as xlsx.

Every export starts from the same scoped selectors as the pages (``access.scope``), needs the
export permission, and is read in chunks so a million rows never sit in memory. Headers and
choice labels are in the caller's language; times in the caller's time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Model, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.contracts.models import Order
from guanxi.core.errors import InvalidInput
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Customer, Interaction, Position

CHUNK = 2000
XLSX_MAX_ROWS = 1_048_575  # a sheet's limit, less the header


@dataclass(frozen=True)
class Export:
    title: str
    header: list[str]
    rows: Iterator[list[Any]]


@dataclass(frozen=True)
class ExportFilters:
    q: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    tag_id: int | None = None
    province: str = ""
    city: str = ""
    customer_id: UUID | None = None
    value: dict[str, Any] = field(default_factory=dict)  # the list's value filters (customers.lists.VALUE_FILTERS)


Column = tuple[Any, Callable[[Any], Any]]


def _user(user: User | None) -> str:
    return user.username if user is not None else ""


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _day(value: Any) -> str:
    return value.isoformat() if value else ""


CUSTOMER_COLUMNS: list[Column] = [
    ("id", lambda c: str(c.pk)),
    (gettext_lazy("Name"), lambda c: c.name),
    (gettext_lazy("Short name"), lambda c: c.short_name),
    (gettext_lazy("English name"), lambda c: c.name_en),
    (gettext_lazy("Kind"), lambda c: c.get_kind_display()),
    (gettext_lazy("Industry"), lambda c: c.get_industry_display() if c.industry else ""),
    (gettext_lazy("Size"), lambda c: c.get_size_display() if c.size else ""),
    (gettext_lazy("Phone"), lambda c: c.phone),
    (gettext_lazy("Email"), lambda c: c.email),
    (gettext_lazy("Website"), lambda c: c.website),
    (gettext_lazy("Province"), lambda c: c.province),
    (gettext_lazy("City"), lambda c: c.city),
    (gettext_lazy("District"), lambda c: c.district),
    (gettext_lazy("Address"), lambda c: c.address),
    (gettext_lazy("Birthday"), lambda c: _day(c.birthday)),
    (gettext_lazy("Founded on"), lambda c: _day(c.founded_on)),
    (gettext_lazy("Source"), lambda c: c.get_source_display() if c.source else ""),
    (gettext_lazy("Notes"), lambda c: c.notes),
    (gettext_lazy("Owner (username)"), lambda c: _user(c.owner)),
    (gettext_lazy("Team"), lambda c: c.team.name if c.team else ""),
    (gettext_lazy("Created at"), lambda c: _local(c.created_at)),
    (gettext_lazy("Last changed"), lambda c: _local(c.updated_at)),
]

CONTACT_COLUMNS: list[Column] = [
    ("id", lambda p: str(p.contact_id)),
    (gettext_lazy("Name"), lambda p: p.contact.name),
    (gettext_lazy("Gender"), lambda p: p.contact.get_gender_display() if p.contact.gender else ""),
    (gettext_lazy("Mobile"), lambda p: p.contact.mobile),
    (gettext_lazy("Email"), lambda p: p.contact.email),
    (gettext_lazy("WeChat ID"), lambda p: p.contact.wechat),
    (gettext_lazy("Birthday"), lambda p: _day(p.contact.birthday)),
    (gettext_lazy("Customer (name or id)"), lambda p: p.customer.name),
    (gettext_lazy("Customer id"), lambda p: str(p.customer_id)),
    (gettext_lazy("Title"), lambda p: p.title),
    (gettext_lazy("Department"), lambda p: p.department),
    (gettext_lazy("Buying role"), lambda p: p.get_buying_role_display() if p.buying_role else ""),
    (gettext_lazy("Started on"), lambda p: _day(p.started_on)),
    (gettext_lazy("Ended on"), lambda p: _day(p.ended_on)),
    (gettext_lazy("Notes"), lambda p: p.contact.notes),
]

INTERACTION_COLUMNS: list[Column] = [
    ("id", lambda i: str(i.pk)),
    (gettext_lazy("Occurred at"), lambda i: _local(i.occurred_at)),
    (gettext_lazy("Customer"), lambda i: i.customer.name),
    (gettext_lazy("Customer id"), lambda i: str(i.customer_id)),
    (gettext_lazy("Contact"), lambda i: i.contact.name if i.contact else ""),
    (gettext_lazy("Channel"), lambda i: i.get_channel_display()),
    (gettext_lazy("Direction"), lambda i: i.get_direction_display()),
    (gettext_lazy("Outcome"), lambda i: i.get_outcome_display() if i.outcome else ""),
    (gettext_lazy("Summary"), lambda i: i.summary),
    (gettext_lazy("Next step"), lambda i: i.next_step),
    (gettext_lazy("Next step on"), lambda i: _day(i.next_step_on)),
    (gettext_lazy("Logged by"), lambda i: _user(i.created_by)),
]

ORDER_COLUMNS: list[Column] = [
    ("id", lambda o: str(o.pk)),
    (gettext_lazy("Number"), lambda o: o.number),
    (gettext_lazy("Ordered on"), lambda o: _day(o.ordered_on)),
    (gettext_lazy("Customer"), lambda o: o.customer.name),
    (gettext_lazy("Customer id"), lambda o: str(o.customer_id)),
    (gettext_lazy("Status"), lambda o: o.get_status_display()),
    (gettext_lazy("Currency"), lambda o: o.currency),
    (gettext_lazy("Amount"), lambda o: o.amount),
    (gettext_lazy("Cost"), lambda o: o.cost),
    (gettext_lazy("Discount given"), lambda o: o.discount),
    (gettext_lazy("Notes"), lambda o: o.notes),
]


def _customers(actor: User, filters: ExportFilters) -> QuerySet[Customer]:
    return customer_selectors.customer_list(
        actor=actor,
        q=filters.q,
        owner_id=filters.owner_id,
        team_id=filters.team_id,
        tag_id=filters.tag_id,
        province=filters.province,
        city=filters.city,
        **filters.value,
    ).order_by("-created_at", "-id")


def _contacts(actor: User, filters: ExportFilters) -> QuerySet[Position]:
    posts = access.scope(actor, Position.objects.select_related("contact", "customer"))
    if filters.customer_id is not None:
        posts = posts.filter(customer_id=filters.customer_id)
    return posts.order_by("customer_id", "-started_on", "id")


def _interactions(actor: User, filters: ExportFilters) -> QuerySet[Interaction]:
    rows = access.scope(actor, Interaction.objects.select_related("customer", "contact", "created_by"))
    if filters.customer_id is not None:
        rows = rows.filter(customer_id=filters.customer_id)
    return rows.order_by("-occurred_at", "-id")


def _orders(actor: User, filters: ExportFilters) -> QuerySet[Order]:
    rows = access.scope(actor, Order.objects.select_related("customer"))
    if filters.customer_id is not None:
        rows = rows.filter(customer_id=filters.customer_id)
    return rows.order_by("-ordered_on", "-created_at", "-id")


KINDS: dict[str, tuple[Any, Callable[[User, ExportFilters], QuerySet[Any]], list[Column]]] = {
    "customers": (gettext_lazy("Customers"), _customers, CUSTOMER_COLUMNS),
    "contacts": (gettext_lazy("Contacts"), _contacts, CONTACT_COLUMNS),
    "interactions": (gettext_lazy("Interactions"), _interactions, INTERACTION_COLUMNS),
    "orders": (gettext_lazy("Orders"), _orders, ORDER_COLUMNS),
}
FORMATS = ("csv", "xlsx")


def export_allowed(actor: User | Any) -> bool:
    return access.has_perm(actor, Perm.EXPORT)


def export_rows(*, actor: User, kind: str, filters: ExportFilters, file_format: str = "csv") -> Export:
    """The rows of one list view the actor may see; reading starts when ``rows`` is iterated.

    The language and time zone of the call are kept for the iteration, which a streamed
    response runs after the request's own settings are gone.
    """
    access.ensure_perm(actor, Perm.EXPORT)
    if kind not in KINDS:
        raise InvalidInput(_("Unknown export."), errors=[{"loc": ["kind"], "msg": _("Unknown export.")}])
    title, query, columns = KINDS[kind]
    queryset = query(actor, filters)
    language, zone = translation.get_language(), timezone.get_current_timezone()
    limit = XLSX_MAX_ROWS if file_format == "xlsx" else None

    def rows() -> Iterator[list[Any]]:
        with translation.override(language), timezone.override(zone):
            yield from _values(queryset, columns, limit)

    return Export(title=str(title), header=[str(name) for name, _getter in columns], rows=rows())


def _values(queryset: QuerySet[Model], columns: Sequence[Column], limit: int | None) -> Iterator[list[Any]]:
    rows = queryset if limit is None else queryset[:limit]
    for record in rows.iterator(chunk_size=CHUNK):
        yield [getter(record) for _name, getter in columns]
