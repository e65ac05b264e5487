"""What the value engine reads: orders and interactions, one flat scan each, straight into numpy.

Design and measurements: ``docs/dev/insights-dataset-spike.md``. In short, at a million customers
and 5.4M orders every SQL ``GROUP BY`` shape took 17-25 s and Python ``Decimal``/row objects even
more, while one table-order scan moved in a few big buffers and grouped by numpy takes 8-9 s:

* SQLite: one query per million rowids returns each column as one ``group_concat`` blob (ids as
  hex, dates as ISO text, status as one digit, money as integer cents), parsed by numpy;
* PostgreSQL: ``COPY (SELECT ...) TO STDOUT (FORMAT BINARY)`` of fixed-width columns, read as a
  structured array.

Customers are addressed by position in ``CustomerIndex`` (all customers, sorted by their UUID
bytes). The whole organisation is read whatever the requester may see: value is a property of
the customer, computed by the system; who may *see* it is decided when it is read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db import connection, transaction
from numpy.typing import NDArray

from guanxi.contracts.models import SOLD, Order, OrderStatus
from guanxi.core.dates import day_start
from guanxi.customers.models import Channel, Customer, Interaction
from guanxi.insights.kernels.inputs import FloatArray, IntArray

SQLITE_CHUNK = 1_000_000  # rowids per group_concat query
CHANNELS = tuple(str(channel) for channel in Channel.values)
EPOCH = date(1970, 1, 1)
PG_EPOCH_OFFSET = (date(2000, 1, 1) - EPOCH).days  # binary COPY dates count from 2000-01-01
DAY_BITS = 20  # days since 1970 fit in 20 bits until the year 4840
SOLD_CODE, RETURNED_CODE, OTHER_CODE = 0, 1, 2


def epoch_day(day: date) -> int:
    return (day - EPOCH).days


@contextmanager
def snapshot() -> Iterator[None]:
    """Every read inside sees the same data (one SQLite read transaction / PostgreSQL snapshot)."""
    nested = connection.in_atomic_block  # then the caller's transaction decides (tests, a larger unit of work)
    with transaction.atomic():
        if connection.vendor == "postgresql" and not nested:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


# --- customers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerIndex:
    """Every customer's key, sorted by the UUID's bytes; a customer is its position here."""

    keys: NDArray[np.bytes_]  # 16-byte UUIDs, sorted

    @property
    def size(self) -> int:
        return int(self.keys.size)

    def hex_ids(self) -> list[str]:
        """The keys as 32 hex digits: SQLite's storage form, and accepted as input by PostgreSQL.

        From the raw buffer: numpy drops the trailing zero bytes of an ``S16`` element when it is read.
        """
        digits = self.keys.tobytes().hex()
        return [digits[i : i + 32] for i in range(0, len(digits), 32)]

    def positions(self, keys: NDArray[np.bytes_]) -> IntArray:
        """Positions of ``keys`` (16-byte UUIDs); LookupError for a key that is not a customer."""
        found = np.searchsorted(self.keys, keys)
        if self.size == 0 and keys.size:
            raise LookupError("rows name customers, but there are none")
        found = np.minimum(found, max(self.size - 1, 0))
        if keys.size and np.any(self.keys[found] != keys):
            raise LookupError("a row names a customer that is not in the index")
        return found.astype(np.int64)


def _sqlite_blob(sql: str, params: list[Any]) -> list[bytes | None]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return list(row) if row else []


def _hex_keys(blob: bytes | None) -> NDArray[np.bytes_]:
    if not blob:
        return np.zeros(0, dtype="S16")
    return np.frombuffer(bytes.fromhex(blob.decode("ascii")), dtype="S16")


def _pg_copy(sql: str, params: list[Any], fields: list[tuple[str, str]]) -> NDArray[Any]:
    """Rows of a binary COPY of fixed-width NOT NULL columns as a structured array."""
    layout = [("fields", ">i2")]
    for name, kind in fields:
        layout += [(f"{name}_len", ">i4"), (name, kind)]
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)", params) as copy:
        for chunk in copy:
            buffer.write(chunk)
    data = buffer.getbuffer()
    header, trailer = 19, 2  # signature + flags + extension length; the -1 field count
    if len(data) < header + trailer:
        return np.zeros(0, dtype=layout)
    body = data[header : len(data) - trailer]
    rows = np.frombuffer(body, dtype=layout)
    if rows.size and np.any(rows["fields"] != len(fields)):
        raise ValueError("unexpected binary COPY layout")
    return rows


def customer_index() -> CustomerIndex:
    table = Customer._meta.db_table
    if connection.vendor == "sqlite":
        keys = _hex_keys(_sqlite_blob(f"SELECT CAST(group_concat(id, '') AS BLOB) FROM {table}", [])[0])  # noqa: S608
    else:
        keys = _pg_copy(f"SELECT id FROM {table}", [], [("id", "S16")])["id"]  # noqa: S608
    return CustomerIndex(keys=np.sort(keys))


def keys_by_label(table: str, key_column: str, label_column: str) -> dict[str, NDArray[np.bytes_]]:
    """The 16-byte keys of a table's rows grouped by a short text column (a grade, a class): no row objects.

    ``table`` and the column names come from models, never from users.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {label_column}, CAST(group_concat({key_column}, '') AS BLOB) FROM {table} "  # noqa: S608
                f"GROUP BY {label_column}"
            )
            return {str(label): _hex_keys(blob) for label, blob in cursor.fetchall()}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT {label_column} FROM {table}")  # noqa: S608
        labels = [str(row[0]) for row in cursor.fetchall()]
    return {
        label: _pg_copy(f"SELECT {key_column} FROM {table} WHERE {label_column} = %s", [label], [("id", "S16")])["id"]  # noqa: S608
        for label in labels
    }


# --- orders --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderArrays:
    """One entry per order up to the as-of date."""

    customer: IntArray
    day: IntArray  # days since 1970-01-01
    status: NDArray[np.int8]  # SOLD_CODE, RETURNED_CODE or OTHER_CODE (cancelled)
    amount: FloatArray
    cost: FloatArray
    discount: FloatArray


def _status_case() -> tuple[str, list[str]]:
    sold = ", ".join(["%s"] * len(SOLD))
    sql = f"CASE WHEN status IN ({sold}) THEN {SOLD_CODE} WHEN status = %s THEN {RETURNED_CODE} ELSE {OTHER_CODE} END"
    return sql, [*(str(s) for s in SOLD), str(OrderStatus.RETURNED)]


def _money(column: str, vendor: str) -> str:
    if vendor == "sqlite":
        return f"CAST(group_concat(CAST(round({column} * 100) AS INTEGER)) AS BLOB)"
    return f"round({column} * 100)::int8"


def orders_read(index: CustomerIndex, *, as_of: date) -> OrderArrays:
    """Every order dated up to ``as_of``, with status code and money (in units, from integer cents)."""
    table = Order._meta.db_table
    status_sql, status_params = _status_case()
    if connection.vendor == "sqlite":
        columns: dict[str, list[NDArray[Any]]] = {
            name: [] for name in ("customer", "day", "status", "amount", "cost", "discount")
        }
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT min(rowid), max(rowid) FROM {table}")  # noqa: S608
            low, high = cursor.fetchone()
        sql = (
            f"SELECT CAST(group_concat(customer_id, '') AS BLOB), CAST(group_concat(ordered_on, '') AS BLOB), "  # noqa: S608
            f"CAST(group_concat({status_sql}, '') AS BLOB), {_money('amount', 'sqlite')}, "
            f"{_money('cost', 'sqlite')}, {_money('discount', 'sqlite')} "
            f"FROM {table} WHERE rowid BETWEEN %s AND %s AND ordered_on <= %s"
        )
        for start in range(low or 0, (high or -1) + 1, SQLITE_CHUNK):
            blobs = _sqlite_blob(sql, [*status_params, start, start + SQLITE_CHUNK - 1, as_of.isoformat()])
            if not blobs or blobs[0] is None:
                continue
            ids, days, codes, amounts, costs, discounts = blobs
            columns["customer"].append(index.positions(_hex_keys(ids)))
            columns["day"].append(np.frombuffer(days or b"", dtype="S10").astype("datetime64[D]").astype(np.int64))
            columns["status"].append((np.frombuffer(codes or b"", dtype=np.uint8) - ord("0")).astype(np.int8))
            for name, blob in (("amount", amounts), ("cost", costs), ("discount", discounts)):
                columns[name].append(np.fromstring(blob or b"", sep=",", dtype=np.int64) / 100.0)
        joined = {name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in columns.items()}
        return OrderArrays(
            customer=joined["customer"].astype(np.int64),
            day=joined["day"].astype(np.int64),
            status=joined["status"].astype(np.int8),
            amount=joined["amount"].astype(np.float64),
            cost=joined["cost"].astype(np.float64),
            discount=joined["discount"].astype(np.float64),
        )
    rows = _pg_copy(
        f"SELECT customer_id, ordered_on, ({status_sql})::int2, {_money('amount', 'pg')}, "  # noqa: S608
        f"{_money('cost', 'pg')}, {_money('discount', 'pg')} FROM {table} WHERE ordered_on <= %s",
        [*status_params, as_of],
        [
            ("customer", "S16"),
            ("day", ">i4"),
            ("status", ">i2"),
            ("amount", ">i8"),
            ("cost", ">i8"),
            ("discount", ">i8"),
        ],
    )
    return OrderArrays(
        customer=index.positions(rows["customer"]),
        day=rows["day"].astype(np.int64) + PG_EPOCH_OFFSET,
        status=rows["status"].astype(np.int8),
        amount=rows["amount"] / 100.0,
        cost=rows["cost"] / 100.0,
        discount=rows["discount"] / 100.0,
    )


@dataclass(frozen=True)
class PurchaseDays:
    """Sold orders grouped by (customer, day): the purchase occasions, with their money."""

    customer: IntArray
    day: IntArray
    amount: FloatArray
    cost: FloatArray
    discount: FloatArray
    orders: IntArray


def purchase_days(orders: OrderArrays) -> PurchaseDays:
    """Group the sold orders by customer and day (sorted by customer, then day)."""
    sold = orders.status == SOLD_CODE
    key = (orders.customer[sold] << DAY_BITS) | orders.day[sold]
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else np.zeros(0, dtype=np.intp)

    def summed(values: FloatArray) -> FloatArray:
        return np.add.reduceat(values[sold][order], starts) if key.size else np.zeros(0)

    return PurchaseDays(
        customer=key[starts] >> DAY_BITS,
        day=key[starts] & ((1 << DAY_BITS) - 1),
        amount=summed(orders.amount),
        cost=summed(orders.cost),
        discount=summed(orders.discount),
        orders=np.diff(np.r_[starts, key.size]).astype(np.int64),
    )


def returned_in_period(orders: OrderArrays, size: int, *, start: date) -> IntArray:
    """Returned orders per customer dated within the period."""
    returned = (orders.status == RETURNED_CODE) & (orders.day >= epoch_day(start))
    return np.bincount(orders.customer[returned], minlength=size).astype(np.int64)


# --- interactions ----------------------------------------------------------------------------


def interaction_counts(index: CustomerIndex, *, start: date, as_of: date) -> FloatArray:
    """Interactions per customer (rows) and channel (columns, ``CHANNELS``) in the period."""
    table = Interaction._meta.db_table
    codes = " ".join(f"WHEN %s THEN {i}" for i, _ in enumerate(CHANNELS))
    channel_sql = f"CASE channel {codes} ELSE {CHANNELS.index('other')} END"
    low, high = day_start(start), day_start(as_of + timedelta(days=1))
    if connection.vendor == "sqlite":
        bounds = [connection.ops.adapt_datetimefield_value(value) for value in (low, high)]
        ids, channels = _sqlite_blob(
            f"SELECT CAST(group_concat(customer_id, '') AS BLOB), CAST(group_concat({channel_sql}, '') AS BLOB) "  # noqa: S608
            f"FROM {table} WHERE occurred_at >= %s AND occurred_at < %s",
            [*CHANNELS, *bounds],
        )
        where = index.positions(_hex_keys(ids))
        column = np.frombuffer(channels or b"", dtype=np.uint8).astype(np.int64) - ord("0")
    else:
        rows = _pg_copy(
            f"SELECT customer_id, ({channel_sql})::int2 FROM {table} "  # noqa: S608
            "WHERE occurred_at >= %s AND occurred_at < %s",
            [*CHANNELS, low, high],
            [("customer", "S16"), ("channel", ">i2")],
        )
        where, column = index.positions(rows["customer"]), rows["channel"].astype(np.int64)
    counts = np.bincount(where * len(CHANNELS) + column, minlength=index.size * len(CHANNELS))
    return counts.reshape(index.size, len(CHANNELS)).astype(np.float64)
