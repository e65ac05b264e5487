"""Keyset (cursor) pagination: stable under inserts and O(limit) at any depth, so it scales to millions."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Model, Q, QuerySet
from django.db.models.sql.where import WhereNode
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Schema

from guanxi.core.errors import InvalidInput

T = TypeVar("T")
M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(Schema, Generic[T]):
    """Every list endpoint answers with this envelope."""

    items: list[T]
    limit: int
    next_cursor: str | None = None
    truncated: bool = False


def bounded(queryset: QuerySet[M] | Any, *, limit: int = MAX_LIMIT) -> dict[str, Any]:
    """The envelope for short lists that have no cursor (a customer's tags, a contact's posts, …).

    At most ``limit`` items; ``truncated`` tells the client that more exist, instead of a silent cut.
    """
    rows = list(queryset[: limit + 1])
    return {"items": rows[:limit], "limit": limit, "next_cursor": None, "truncated": len(rows) > limit}


@dataclass(frozen=True)
class Ordering:
    """Public ordering name → (model field, field kind)."""

    fields: Mapping[str, str]
    default: str

    def parse(self, raw: str | None) -> tuple[str, bool]:
        value = (raw or self.default).strip()
        descending = value.startswith("-")
        name = value.lstrip("-")
        if name not in self.fields:
            allowed = ", ".join(sorted(self.fields))
            raise InvalidInput(
                _("Unknown ordering."), errors=[{"loc": ["query", "ordering"], "msg": _("Use one of: %s") % allowed}]
            )
        return name, descending


def _encode(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict) or not {"o", "v", "k"} <= payload.keys():
        raise InvalidInput(_("Invalid cursor."), errors=[{"loc": ["query", "cursor"], "msg": _("Invalid cursor.")}])
    return payload


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def _from_json(kind: str, value: Any) -> Any:
    if kind == "datetime":
        parsed = parse_datetime(str(value)) if value is not None else None
        if parsed is None:
            raise InvalidInput(_("Invalid cursor."), errors=[{"loc": ["query", "cursor"], "msg": _("Invalid cursor.")}])
        return parsed
    if not isinstance(value, str | int | float):
        raise InvalidInput(_("Invalid cursor."), errors=[{"loc": ["query", "cursor"], "msg": _("Invalid cursor.")}])
    return value


def _after_cursor(field: str, kind: str, token: str, descending: bool, cursor: str) -> Q:
    """(field, pk) strictly after the cursor, written as a plain range on ``field`` first so a
    (field, pk) index is scanned as a range instead of an OR over the whole table."""
    payload = _decode(cursor)
    if payload["o"] != token:
        raise InvalidInput(
            _("The cursor belongs to another ordering."),
            errors=[{"loc": ["query", "cursor"], "msg": _("Invalid cursor.")}],
        )
    value, key = _from_json(kind, payload["v"]), payload["k"]
    op = "lt" if descending else "gt"
    return Q(**{f"{field}__{op}e": value}) & (Q(**{f"{field}__{op}": value}) | Q(**{f"pk__{op}": key}))


def _without_conditions(queryset: QuerySet[M]) -> QuerySet[M]:
    """The same rows-to-objects mapping (select_related, ordering) with an empty WHERE."""
    outer = queryset.all()
    outer.query.where = WhereNode()
    return outer


@dataclass(frozen=True)
class PagePlan:
    """How a search finds one page faster than filtering the ordered list (see ``customers.search``).

    ``candidates(prepare, order_by, limit)`` gets ``prepare`` (applies the page's ordering and
    cursor to an unfiltered base queryset) and returns the keys among which the page lies, or
    None; then ``evaluate`` runs the page query its own way (e.g. with planner settings).
    Keys must come from the page's own scoped, filtered rows: the page is then read by key alone.
    """

    candidates: Callable[[Callable[[QuerySet[Any]], QuerySet[Any]], tuple[str, str], int], list[Any] | None]
    evaluate: Callable[[QuerySet[Any]], list[Any]]


def paginate(
    queryset: QuerySet[M],
    *,
    ordering: Ordering,
    order: str | None,
    limit: int,
    cursor: str | None,
    parts: Sequence[Q] = (),
    plan: PagePlan | None = None,
) -> dict[str, Any]:
    """Return ``{"items", "limit", "next_cursor"}`` for one page ordered by (field, pk).

    ``parts`` (from ``access.scope_parts``) are disjuncts of the queryset's scope: the page is
    then taken from the union of each part's own first ``limit + 1`` rows, so every part walks
    its index in order and stops early. Each part is applied on top of the full ``queryset``
    (scope included), so parts can only make the query faster, never show more.

    ``plan`` (search) may find the page's candidate keys another way, or evaluate the final
    query differently; the rows returned are always those of ``queryset``.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    name, descending = ordering.parse(order)
    field, kind = ordering.fields[name].split(":") if ":" in ordering.fields[name] else (ordering.fields[name], "str")
    token = ("-" if descending else "") + name
    order_by = (f"-{field}" if descending else field, "-pk" if descending else "pk")
    after = Q()
    if cursor:
        try:
            after = _after_cursor(field, kind, token, descending, cursor)
        except (ValueError, TypeError, ValidationError):
            raise InvalidInput(
                _("Invalid cursor."), errors=[{"loc": ["query", "cursor"], "msg": _("Invalid cursor.")}]
            ) from None
    qs = queryset.order_by(*order_by).filter(after)
    if plan is not None:
        keys = plan.candidates(lambda base: base.order_by(*order_by).filter(after), order_by, limit)
        if keys is not None:
            # The keys come from the scoped, filtered queryset: read the page by key alone (with
            # the conditions again, PostgreSQL would AND them with a trigram bitmap of every match).
            qs, parts = _without_conditions(qs).filter(pk__in=keys), ()
        else:
            rows = plan.evaluate(qs[: limit + 1])
            return _page(rows, limit, field, token)
    # First the page's keys, then its rows by key. Every key comes from the scoped, filtered
    # queryset, so the second query needs none of its conditions again.
    # * The keys are read without the joins of ``select_related``: with statistics, SQLite would
    #   otherwise start from the small joined table (the users) and sort a million customers.
    # * The keys go in as a literal list: as subqueries (``pk IN (…) OR pk IN (…)``) PostgreSQL
    #   cannot estimate them and walks the whole list in order instead.
    keys = _part_keys(qs, parts, limit) if len(parts) > 1 else list(qs.values_list("pk", flat=True)[: limit + 1])
    return _page(list(_without_conditions(qs).filter(pk__in=keys)[: limit + 1]), limit, field, token)


def _part_keys(qs: QuerySet[M], parts: Sequence[Q], limit: int) -> list[Any]:
    """The first ``limit`` + 1 keys of each scope part, each part walking its own index in order.

    One statement (``UNION ALL`` of the parts, each ordered and limited in its own subquery, which
    Django's ``union()`` refuses on SQLite), so the round trips do not grow with the parts.
    """
    statements, params = [], []
    for number, part in enumerate(parts):
        top = qs.filter(part).values_list("pk", flat=True)[: limit + 1]
        sql, part_params = top.query.get_compiler(using=qs.db).as_sql()
        statements.append(f"SELECT * FROM ({sql}) AS part{number}")  # noqa: S608 -- compiled by Django, values as params
        params += list(part_params)
    with connections[qs.db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(statements), params)
        return [row[0] for row in cursor.fetchall()]


def _page(rows: list[Any], limit: int, field: str, token: str) -> dict[str, Any]:
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode({"o": token, "v": _to_json(getattr(last, field)), "k": _to_json(last.pk)})
    return {"items": rows, "limit": limit, "next_cursor": next_cursor}
