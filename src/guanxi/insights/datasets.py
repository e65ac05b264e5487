"""What the value engine reads: set-based SQL over orders and interactions, returned as numpy arrays.

Every array is indexed by the customer's position in ``CustomerIndex.keys`` (all customers, in
primary-key order). Amounts are read as floats (the kernels' unit); the service writes Decimals
back. The whole organisation is read, whatever the requester may see: value is a property of the
customer, computed by the system; who may *see* it is decided when it is read (``selectors``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone
from numpy.typing import NDArray

from guanxi.contracts.models import SOLD, Order, OrderStatus
from guanxi.customers.models import Channel, Customer, Interaction

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
FETCH = 50_000  # rows per fetchmany


def _key(value: Any) -> bytes:
    """A customer key as 32 hex bytes: SQLite stores UUIDs as hex text, PostgreSQL returns UUID objects."""
    return (value.hex if hasattr(value, "hex") and not isinstance(value, str) else str(value).replace("-", "")).encode()


@dataclass(frozen=True)
class CustomerIndex:
    keys: NDArray[np.bytes_]  # sorted 32-byte hex keys
    ids: list[Any]  # the primary keys, same order

    @property
    def size(self) -> int:
        return len(self.ids)

    def positions(self, raw_keys: list[Any]) -> IntArray:
        wanted = np.array([_key(k) for k in raw_keys], dtype="S32")
        found = np.searchsorted(self.keys, wanted)
        found = np.minimum(found, max(self.size - 1, 0))
        if self.size == 0 or np.any(self.keys[found] != wanted):
            raise LookupError("a row names a customer that is not in the index")
        return found.astype(np.int64)


def customer_index() -> CustomerIndex:
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=FETCH))
    keys = np.array([_key(pk) for pk in ids], dtype="S32")
    order = np.argsort(keys, kind="stable")  # the database's UUID order and the hex order agree; make sure
    return CustomerIndex(keys=keys[order], ids=[ids[i] for i in order])


@dataclass(frozen=True)
class PurchaseDays:
    """Sold orders grouped by (customer, day): the purchase occasions, with their money."""

    customer: IntArray
    day: IntArray  # days since 1970-01-01
    amount: FloatArray
    cost: FloatArray
    discount: FloatArray
    orders: IntArray


@dataclass(frozen=True)
class OrderStatusCounts:
    returned: IntArray
    returned_in_period: IntArray


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(FETCH):
            rows += batch
    return rows


def _midnight(day: date) -> datetime:
    """The start of ``day`` in the organisation's time zone (interactions are stamped in time)."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _epoch_day(value: Any) -> int:
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return (day - date(1970, 1, 1)).days


def purchase_days(index: CustomerIndex, *, as_of: date) -> PurchaseDays:
    """Every purchase occasion up to ``as_of`` (sold orders only; returned and cancelled do not count)."""
    table = Order._meta.db_table
    placeholders = ", ".join(["%s"] * len(SOLD))
    rows = _rows(
        f"SELECT customer_id, ordered_on, SUM(amount), SUM(cost), SUM(discount), COUNT(*) FROM {table} "  # noqa: S608
        f"WHERE status IN ({placeholders}) AND ordered_on <= %s GROUP BY customer_id, ordered_on",
        [*(str(s) for s in SOLD), as_of],
    )
    if not rows:
        empty = np.zeros(0)
        return PurchaseDays(empty.astype(np.int64), empty.astype(np.int64), empty, empty, empty, empty.astype(np.int64))
    customers, days, amounts, costs, discounts, counts = zip(*rows, strict=True)
    return PurchaseDays(
        customer=index.positions(list(customers)),
        day=np.array([_epoch_day(d) for d in days], dtype=np.int64),
        amount=np.array(amounts, dtype=np.float64),
        cost=np.array(costs, dtype=np.float64),
        discount=np.array(discounts, dtype=np.float64),
        orders=np.array(counts, dtype=np.int64),
    )


def returned_orders(index: CustomerIndex, *, start: date, as_of: date) -> OrderStatusCounts:
    """Returned orders per customer: ever (up to ``as_of``) and within the period."""
    returned = np.zeros(index.size, dtype=np.int64)
    in_period = np.zeros(index.size, dtype=np.int64)
    table = Order._meta.db_table
    rows = _rows(
        f"SELECT customer_id, SUM(CASE WHEN ordered_on >= %s THEN 1 ELSE 0 END), COUNT(*) FROM {table} "  # noqa: S608
        "WHERE status = %s AND ordered_on <= %s GROUP BY customer_id",
        [start, str(OrderStatus.RETURNED), as_of],
    )
    if rows:
        customers, recent, total = zip(*rows, strict=True)
        where = index.positions(list(customers))
        in_period[where] = np.array(recent, dtype=np.int64)
        returned[where] = np.array(total, dtype=np.int64)
    return OrderStatusCounts(returned=returned, returned_in_period=in_period)


CHANNELS = tuple(str(channel) for channel in Channel.values)


def interaction_counts(index: CustomerIndex, *, start: date, as_of: date) -> FloatArray:
    """Interactions per customer (rows) and channel (columns, ``CHANNELS``) in the period."""
    counts = np.zeros((index.size, len(CHANNELS)))
    table = Interaction._meta.db_table
    rows = _rows(
        f"SELECT customer_id, channel, COUNT(*) FROM {table} "  # noqa: S608
        "WHERE occurred_at >= %s AND occurred_at < %s GROUP BY customer_id, channel",
        [_midnight(start), _midnight(as_of + timedelta(days=1))],
    )
    if rows:
        customers, channels, number = zip(*rows, strict=True)
        column = {name: i for i, name in enumerate(CHANNELS)}
        where = index.positions(list(customers))
        columns = np.array([column.get(str(c), column["other"]) for c in channels], dtype=np.int64)
        np.add.at(counts, (where, columns), np.array(number, dtype=np.float64))
    return counts
