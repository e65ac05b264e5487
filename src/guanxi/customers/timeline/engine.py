"""The 360° timeline: a customer's interactions and recorded changes, merged newest first.

Every kind of entry comes from a *source*: a function that reads its own rows with an indexed
``ORDER BY time DESC, key DESC LIMIT n + 1`` after the cursor and turns them into
``TimelineEntry`` objects. A page is the lazy k-way merge of those short lists: one query per
source of at most page size + 1 rows, and only the entries the page shows are built, whatever
the length of the customer's history.

The cursor is one position in the merged order — (time, source, key) — so "load more" asks
every source for what lies strictly after it. Sources are registered by name with a ``rank``
that breaks ties between entries at the same moment. A later module (opportunities, contracts,
payments, tickets) adds its entries with ``@timeline_source(...)`` in its own ``timeline.py``;
those modules are imported on first use (like ``admin.py``), and the page needs no change.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from itertools import groupby, islice
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import autodiscover_modules
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.dates import day_start
from guanxi.core.errors import InvalidInput
from guanxi.core.models import AuditEntry
from guanxi.customers.models import (
    Customer,
)

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

Key = str | int


# --- what a page holds ------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One changed field, with choice codes already turned into their labels."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: when, who, what, and where to read more.

    ``key`` orders entries of one source that share ``at`` (a primary key, or a record id);
    ``actor_id`` names a user whose display name the page fills into ``actor`` (one query for all);
    ``date_only`` marks entries that carry a business date (an order date, a post's first day)
    rather than a moment: they sort at the start of that day and show the date alone.
    """

    at: datetime
    key: Key
    kind: str
    title: str
    actor: str = ""
    actor_id: int | None = None
    text: str = ""
    facts: tuple[tuple[str, str], ...] = ()
    changes: tuple[Change, ...] = ()
    url: str = ""
    link_label: str = ""
    date_only: bool = False
    icon: str = "circle"

    @property
    def day(self) -> date:
        """The calendar day of a date-only entry (the site's time zone, where ``day_start`` put it)."""
        return timezone.localtime(self.at, timezone.get_default_timezone()).date()


@dataclass(frozen=True)
class Mark:
    """A position in the merged order (newest first): entries *after* it are older, or tie lower."""

    at: datetime
    rank: int
    key: Key


@dataclass(frozen=True)
class Window:
    """What a source is asked for: at most ``limit`` entries of ``customer`` after ``after``."""

    actor: User
    customer: Customer
    limit: int
    rank: int
    after: Mark | None

    def after_q(self, field: str, key_field: str) -> Q:
        """Rows strictly after the cursor, for a source ordered by (``field`` desc, ``key_field`` desc)."""
        if self.after is None:
            return Q()
        at = self.after.at
        if self.rank < self.after.rank:  # this source sorts below the cursor's at the same moment
            return Q(**{f"{field}__lte": at})
        if self.rank > self.after.rank:
            return Q(**{f"{field}__lt": at})
        return Q(**{f"{field}__lt": at}) | Q(**{field: at, f"{key_field}__lt": self.after.key})

    def after_date_q(self, field: str, key_field: str) -> Q:
        """The same for a date column, whose entries sit at the start of their day (``day_start``)."""
        if self.after is None:
            return Q()
        day = timezone.localtime(self.after.at, timezone.get_default_timezone()).date()
        at_day_start = day_start(day) == self.after.at
        if self.rank < self.after.rank or not at_day_start:
            return Q(**{f"{field}__lte": day})
        if self.rank > self.after.rank:
            return Q(**{f"{field}__lt": day})
        return Q(**{f"{field}__lt": day}) | Q(**{field: day, f"{key_field}__lt": self.after.key})


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: str | None


# --- the registry of sources ------------------------------------------------------------------

Fetch = Callable[[Window], Iterable[TimelineEntry]]


@dataclass(frozen=True)
class TimelineSource:
    name: str
    rank: int
    fetch: Fetch


_sources: dict[str, TimelineSource] = {}
_discovered = False


def register_source(name: str, *, rank: int, fetch: Fetch) -> None:
    """Add a source. ``rank`` must be unique: it orders entries of different sources at the same moment."""
    current = _sources.get(name)
    if current is not None and current.fetch is fetch:
        return
    if current is not None:
        raise ValueError(f"a timeline source named {name!r} is already registered")
    if any(source.rank == rank for source in _sources.values()):
        raise ValueError(f"timeline rank {rank} is taken")
    _sources[name] = TimelineSource(name=name, rank=rank, fetch=fetch)


def timeline_source(name: str, *, rank: int) -> Callable[[Fetch], Fetch]:
    """Decorator form of ``register_source``."""

    def decorate(fetch: Fetch) -> Fetch:
        register_source(name, rank=rank, fetch=fetch)
        return fetch

    return decorate


def registered_sources() -> list[TimelineSource]:
    """Every source, the apps' ``timeline`` modules imported first."""
    global _discovered  # the apps' modules are imported once per process
    if not _discovered:
        autodiscover_modules("timeline")
        _discovered = True
    return sorted(_sources.values(), key=lambda source: source.rank, reverse=True)


# --- the page ---------------------------------------------------------------------------------


def _invalid_cursor() -> InvalidInput:
    return InvalidInput(_("Invalid cursor."), errors=[{"loc": ["query", "cursor"], "msg": _("Invalid cursor.")}])


def _encode(at: datetime, source: str, key: Key) -> str:
    payload = json.dumps({"t": at.isoformat(), "s": source, "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode(cursor: str, ranks: dict[str, int]) -> Mark:
    try:
        payload = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _invalid_cursor() from None
    if not isinstance(payload, dict) or payload.keys() != {"t", "s", "k"}:
        raise _invalid_cursor()
    at = parse_datetime(payload["t"]) if isinstance(payload["t"], str) else None
    key, source = payload["k"], payload["s"]
    valid_key = isinstance(key, int | str) and not isinstance(key, bool) and len(str(key)) <= 64
    if at is None or timezone.is_naive(at) or source not in ranks or not valid_key:
        raise _invalid_cursor()
    return Mark(at=at, rank=ranks[source], key=key)


class SourceOrderError(RuntimeError):
    """A source yielded its entries out of (time, key) order: a bug in that source."""


def _stream(source: TimelineSource, window: Window) -> Iterator[tuple[datetime, int, Key, str, TimelineEntry]]:
    """The source's entries as merge items, checked to come newest first, at most ``window.limit``.

    Consumed lazily by the merge: a source's query runs when the merge starts, but each entry is
    built only when the merge gets to it, so a page builds about ``limit`` entries, not
    ``limit`` per source.
    """
    previous: tuple[datetime, Key] | None = None
    for entry in islice(source.fetch(window), window.limit):
        if previous is not None and (entry.at, entry.key) > previous:
            raise SourceOrderError(f"timeline source {source.name!r} is not ordered by (time, key) descending")
        previous = (entry.at, entry.key)
        yield entry.at, source.rank, entry.key, source.name, entry


def timeline_page(
    *, actor: User | Any, customer: Customer, limit: int = PAGE_SIZE, cursor: str | None = None
) -> TimelinePage:
    """One page of the customer's timeline, newest first, and the cursor for the next one."""
    access.ensure(actor, "view", customer)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    sources = registered_sources()
    after = _decode(cursor, {source.name: source.rank for source in sources}) if cursor else None
    streams = [
        _stream(source, Window(actor=actor, customer=customer, limit=limit + 1, rank=source.rank, after=after))
        for source in sources
    ]
    try:
        merged = list(islice(heapq.merge(*streams, key=lambda item: item[:3], reverse=True), limit + 1))
    except (ValidationError, ValueError, TypeError):
        if after is None:
            raise
        raise _invalid_cursor() from None  # a key that does not fit some source's key column
    next_cursor = None
    if len(merged) > limit:
        at, _rank, key, name, _entry = merged[limit - 1]
        next_cursor = _encode(at, name, key)
    return TimelinePage(entries=_with_actors([item[4] for item in merged[:limit]]), next_cursor=next_cursor)


def _with_actors(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """Fill in who: the display names of the entries' ``actor_id`` users, in one query."""
    ids = {entry.actor_id for entry in entries if entry.actor_id is not None and not entry.actor}
    names = {user.pk: str(user) for user in User.objects.filter(pk__in=ids)} if ids else {}
    return [
        replace(entry, actor=names.get(entry.actor_id, "")) if entry.actor_id in names and not entry.actor else entry
        for entry in entries
    ]


# --- labels for audited fields ----------------------------------------------------------------


def _shown(value: str, field: models.Field[Any, Any] | None) -> str:
    if field is None or not value:
        return value
    choices = dict(getattr(field, "flatchoices", None) or ())
    return str(choices.get(value, value))


def audit_changes(model: type[models.Model], entries: Iterable[AuditEntry]) -> tuple[Change, ...]:
    """The entries of one write as labelled changes; derived fields (pinyin, E.164) are left out."""
    from guanxi.customers.services.merge import AUDIT_LABELS  # entries that name an event, not a field

    changes = []
    for entry in entries:
        if not entry.field:
            continue
        try:
            field: Any = model._meta.get_field(entry.field)
        except FieldDoesNotExist:
            label = AUDIT_LABELS.get(entry.field, entry.field)
            changes.append(Change(str(label), entry.old_value, entry.new_value))
            continue
        if not getattr(field, "editable", True) and entry.field not in {"owner", "team"}:
            continue
        label = str(capfirst(getattr(field, "verbose_name", entry.field)))
        changes.append(Change(label, _shown(entry.old_value, field), _shown(entry.new_value, field)))
    return tuple(changes)


def audit_events(trail: QuerySet[AuditEntry], window: Window) -> list[list[AuditEntry]]:
    """The audit entries of ``trail`` grouped into writes (same record, same moment), newest first.

    One query: the rows of the newest ``window.limit`` distinct moments after the cursor. The
    key of a write is its record id, so several records' trails can share one source.
    """
    after = trail.filter(window.after_q("at", "record_id"))
    moments = after.order_by("-at").values("at").distinct()[: window.limit]
    rows = after.filter(at__in=moments).order_by("-at", "-record_id", "id")
    return [list(group) for _key, group in groupby(rows, key=lambda row: (row.at, row.record_id))]
