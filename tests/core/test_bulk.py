"""``core.bulk.rewrite``: every row replaced, the table's indexes and keys back under their own names."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from guanxi.core import bulk
from guanxi.insights.models import CustomerValue

pytestmark = pytest.mark.django_db
DUPLICATE = (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)  # bulk.write uses the driver's cursor


def _indexes() -> dict[str, bool]:
    """Index name -> unique, for the CustomerValue table, as the database reports them."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, CustomerValue._meta.db_table)
    return {name: bool(info["unique"]) for name, info in constraints.items() if info["index"] or info["primary_key"]}


def _rows(customers: list[object], profit: float) -> list[tuple[object, ...]]:
    day = date(2026, 11, 1).isoformat() if connection.vendor == "sqlite" else date(2026, 11, 1)
    return [(bulk.db_uuid(customer.pk), day, profit, 1) for customer in customers]  # type: ignore[attr-defined]


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


def test_arrays_become_rounded_numbers_nulls_labels_and_days(records) -> None:
    """The same arrays give the same stored values on both backends (SQLite rows, PostgreSQL binary COPY)."""
    import numpy as np

    from guanxi.insights.datasets import CustomerIndex

    customers = sorted([records.own, records.team], key=lambda c: c.pk.bytes)
    keys = np.array([c.pk.bytes for c in customers], dtype="S16")
    assert CustomerIndex(keys=keys).size == 2
    nan = float("nan")
    arrays = [
        bulk.Array("customer", keys, "key"),
        bulk.Array("profit", np.array([1234.567, -0.004]), "number", digits=2),
        bulk.Array("p_alive", np.array([0.123456, nan]), "number", digits=4, nullable=True),
        bulk.Array("orders", np.array([3.0, 0.0]), "whole"),
        bulk.Array("recency_days", np.array([-1, 17]), "whole", nullable=True),
        bulk.Array("tenure_days", np.array([nan, 400.0]), "whole", nullable=True),
        bulk.Array("value_class", np.array([2, 0]), "label", labels=("most_valuable", "most_growable", "negative")),
        bulk.Array("next_purchase_on", np.array([20_000.0, nan]), "day"),
    ]
    day = date(2026, 11, 1)
    constants = {"as_of": day.isoformat() if connection.vendor == "sqlite" else day}
    table = bulk.Table.of(CustomerValue, [*(a.field for a in arrays), *constants])
    with transaction.atomic(), bulk.rewrite(table) as target:
        bulk.write_arrays(CustomerValue, target, arrays, constants)

    first, second = (CustomerValue.objects.get(customer=c) for c in customers)
    assert (float(first.profit), float(second.profit)) == (1234.57, 0.0)
    assert float(first.p_alive) == pytest.approx(0.1235)
    assert second.p_alive is None
    assert (first.orders, second.orders) == (3, 0)
    assert (first.recency_days, second.recency_days) == (None, 17)
    assert (first.tenure_days, second.tenure_days) == (None, 400)
    assert (first.value_class, second.value_class) == ("negative", "most_valuable")
    assert (first.next_purchase_on, second.next_purchase_on) == (date(1970, 1, 1) + timedelta(days=20_000), None)
    assert first.as_of == day
