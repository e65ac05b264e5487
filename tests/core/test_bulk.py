"""``core.bulk.rewrite``: every row replaced, the table's indexes and keys back under their own names."""

from __future__ import annotations

import sqlite3
from datetime import date

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from guanxi.core import bulk
from guanxi.insights.models import CustomerValue
from guanxi.insights.services import _db_key

pytestmark = pytest.mark.django_db
DUPLICATE = (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)  # bulk.write uses the driver's cursor


def _indexes() -> dict[str, bool]:
    """Index name -> unique, for the CustomerValue table, as the database reports them."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, CustomerValue._meta.db_table)
    return {name: bool(info["unique"]) for name, info in constraints.items() if info["index"] or info["primary_key"]}


def _rows(customers: list[object], profit: float) -> list[tuple[object, ...]]:
    day = date(2026, 11, 1).isoformat() if connection.vendor == "sqlite" else date(2026, 11, 1)
    return [(_db_key(customer.pk), day, profit, 1) for customer in customers]  # type: ignore[attr-defined]


def test_rewrite_replaces_every_row_and_keeps_the_indexes(records) -> None:
    customers = [records.own, records.team, records.other]
    table = bulk.Table.of(CustomerValue, ["customer", "as_of", "profit", "orders"])
    with transaction.atomic(), bulk.rewrite(table) as target:
        bulk.write(target, _rows(customers, 10.0))
    before = _indexes()
    assert "insights_value_class_idx" in before
    assert "insights_value_rank_idx" in before

    with transaction.atomic(), bulk.rewrite(table) as target:
        bulk.write(target, _rows(customers[:2], 25.5))

    assert sorted(float(v) for v in CustomerValue.objects.values_list("profit", flat=True)) == [25.5, 25.5]
    assert set(CustomerValue.objects.values_list("customer_id", flat=True)) == {c.pk for c in customers[:2]}
    assert _indexes() == before  # same names, same uniqueness
    with pytest.raises(DUPLICATE), transaction.atomic():  # the primary key still holds
        bulk.write(table, _rows(customers[:1], 1.0))


def test_a_failed_rewrite_leaves_the_old_rows(records) -> None:
    customers = [records.own, records.team]
    table = bulk.Table.of(CustomerValue, ["customer", "as_of", "profit", "orders"])
    with transaction.atomic(), bulk.rewrite(table) as target:
        bulk.write(target, _rows(customers, 10.0))

    with pytest.raises(DUPLICATE), transaction.atomic(), bulk.rewrite(table) as target:
        bulk.write(target, _rows(customers, 99.0) + _rows(customers[:1], 98.0))  # a duplicate key

    assert sorted(float(v) for v in CustomerValue.objects.values_list("profit", flat=True)) == [10.0, 10.0]
    assert "insights_value_clv_idx" in _indexes()
