"""Segment membership, computed set-based: a few ``INSERT … SELECT`` / ``DELETE`` statements per segment.

The rule's customers are never loaded into Python: the compiled rule query fills a temporary
table (with a primary key) that is anti-joined against the stored members each way, so a segment
of 300,000 out of a million customers costs a handful of statements, not a loop.
"""

from __future__ import annotations

import logging
import time as clock
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.insights.models import Segment, SegmentChange, SegmentMember, SegmentSnapshot, ValueRun
from guanxi.insights.segments.rules import segment_rule_q

logger = logging.getLogger(__name__)


def segment_member_q(segment_id: Any) -> Q:
    """Customers who are members of the segment now (a filter on ``Customer``)."""
    return Q(pk__in=SegmentMember.objects.filter(segment_id=segment_id).values("customer_id"))


def _key(value: Any) -> Any:
    """A UUID as the backend stores it (SQLite: 32 hex digits)."""
    return value.hex if connection.vendor == "sqlite" else value


def _day(value: date) -> Any:
    return value.isoformat() if connection.vendor == "sqlite" else value


def _execute(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(int(cursor.rowcount), 0)


TARGET = "gx_segment_target"  # a temporary table: the rule's customers, evaluated once per refresh


def _target_fill(segment: Segment, as_of: date) -> None:
    """The rule's customers into a temporary table with a primary key, so both diffs are index joins."""
    target = Customer.objects.filter(segment_rule_q(segment.rule, today=as_of)).order_by().values("id").distinct()
    target_sql, target_params = target.query.sql_with_params()
    key_type = "char(32)" if connection.vendor == "sqlite" else "uuid"
    _execute(f"DROP TABLE IF EXISTS {TARGET}", [])
    _execute(f"CREATE TEMPORARY TABLE {TARGET} (id {key_type} PRIMARY KEY)", [])
    _execute(f"INSERT INTO {TARGET} (id) {target_sql}", list(target_params))  # the rule, compiled by Django
    if connection.vendor == "postgresql":
        _execute(f"ANALYZE {TARGET}", [])


def _refresh_one(segment: Segment, as_of: date) -> dict[str, int]:
    _target_fill(segment, as_of)
    members, changes = SegmentMember._meta.db_table, SegmentChange._meta.db_table
    key, day = _key(segment.pk), _day(as_of)
    # Members the rule no longer holds: history first, then out (anti-joins: no NOT IN over a big set).
    gone = (
        f"SELECT m.id, m.customer_id FROM {members} m LEFT JOIN {TARGET} t ON t.id = m.customer_id "  # noqa: S608
        "WHERE m.segment_id = %s AND t.id IS NULL"
    )
    left = _execute(
        f'INSERT INTO {changes} (segment_id, customer_id, "on", joined) '  # noqa: S608
        f"SELECT %s, g.customer_id, %s, %s FROM ({gone}) g",
        [key, day, False, key],
    )
    if left:
        _execute(f"DELETE FROM {members} WHERE id IN (SELECT g.id FROM ({gone}) g)", [key])  # noqa: S608
    # Customers the rule holds who are not members yet.
    new = (
        f"SELECT t.id FROM {TARGET} t LEFT JOIN {members} m ON m.customer_id = t.id AND m.segment_id = %s "  # noqa: S608
        "WHERE m.id IS NULL"
    )
    joined = _execute(
        f'INSERT INTO {changes} (segment_id, customer_id, "on", joined) SELECT %s, n.id, %s, %s FROM ({new}) n',  # noqa: S608
        [key, day, True, key],
    )
    if joined:
        _execute(
            f"INSERT INTO {members} (segment_id, customer_id, since) SELECT %s, n.id, %s FROM ({new}) n",  # noqa: S608
            [key, day, key],
        )
    _execute(f"DROP TABLE {TARGET}", [])
    count = SegmentMember.objects.filter(segment=segment).count()
    money = SegmentMember.objects.filter(segment=segment).aggregate(
        profit=Coalesce(Sum("customer__value__profit"), Decimal(0)),
        revenue=Coalesce(Sum("customer__value__revenue"), Decimal(0)),
    )
    SegmentSnapshot.objects.create(
        segment=segment,
        as_of=as_of,
        members=count,
        joined=joined,
        left=left,
        profit=money["profit"],
        revenue=money["revenue"],
    )
    Segment.objects.filter(pk=segment.pk).update(members_count=count, evaluated_at=timezone.now())
    segment.members_count = count
    return {"members": count, "joined": joined, "left": left}


def segments_refresh(*, as_of: date, run: ValueRun | None = None, segment: Segment | None = None) -> dict[str, Any]:
    """Recompute the members of every active segment (or of ``segment``) as of a day.

    Per segment, in one transaction: who left and who joined (``SegmentChange`` on ``as_of``),
    the members now (``SegmentMember``, with the day they joined), a ``SegmentSnapshot`` (size,
    joined, left, the members' profit and revenue) and ``members_count`` / ``evaluated_at``.
    An inactive segment keeps its members as last computed. ``run`` is the value run that
    triggered the refresh (named in the log).
    """
    segments = [segment] if segment is not None else list(Segment.objects.filter(is_active=True).order_by("name"))
    started = clock.perf_counter()
    summary: dict[str, Any] = {"as_of": as_of.isoformat(), "segments": {}, "joined": 0, "left": 0}
    for item in segments:
        if not item.is_active:
            continue
        with transaction.atomic():
            result = _refresh_one(item, as_of)
        summary["segments"][str(item.pk)] = result
        summary["joined"] += result["joined"]
        summary["left"] += result["left"]
    summary["seconds"] = round(clock.perf_counter() - started, 3)
    logger.info("segments refreshed as of %s (run %s): %s", as_of, run.pk if run else "-", summary)
    return summary
