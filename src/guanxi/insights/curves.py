"""Consumption curves per segment (VAL-7): from the engine's in-memory purchases, never over all customers.

For every active segment: purchases and spend by month since acquisition (cohort curve), the
distribution of days between purchases, and the monthly spend of the last 24 months with a
6-month linear forecast and its 90 % interval; stored as ``SegmentCurve`` rows. Also each
customer's expected next purchase day (``next_purchase_days``), which the engine stores.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from django.db import connection, transaction
from numpy.typing import NDArray

from guanxi.insights import datasets
from guanxi.insights.kernels.curves import cohort_curve, interpurchase_days, next_purchase_day, trend_forecast
from guanxi.insights.kernels.inputs import FloatArray, IntArray
from guanxi.insights.models import CurveKind, Segment, SegmentCurve, SegmentMember

COHORT_MONTHS = 24
TREND_MONTHS = 24
FORECAST_MONTHS = 6
LEVEL = 0.9
GAP_EDGES = (1, 8, 15, 31, 61, 91, 121, 181, 271, 366)  # bins [1, 8), [8, 15), … and 366 days or more


def _segment_keys(segment_ids: list[Any]) -> dict[Any, NDArray[np.bytes_]]:
    """Each segment's member keys (16-byte UUIDs), one aggregate query per segment."""
    table = SegmentMember._meta.db_table
    if connection.vendor == "sqlite":
        sql = f"SELECT group_concat(customer_id, '') FROM {table} WHERE segment_id = %s"  # noqa: S608
    else:
        sql = f"SELECT string_agg(replace(customer_id::text, '-', ''), '') FROM {table} WHERE segment_id = %s"  # noqa: S608
    result: dict[Any, NDArray[np.bytes_]] = {}
    with connection.cursor() as cursor:
        for segment_id in segment_ids:
            cursor.execute(sql, [segment_id.hex if connection.vendor == "sqlite" else segment_id])
            digits = cursor.fetchone()[0] or ""
            result[segment_id] = np.frombuffer(bytes.fromhex(digits), dtype="S16")
    return result


def _positions(index: datasets.CustomerIndex, keys: NDArray[np.bytes_]) -> IntArray:
    """Positions of the keys that are in the index (members created after it was read are left out)."""
    if index.size == 0 or keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    found = np.minimum(np.searchsorted(index.keys, keys), index.size - 1)
    known: IntArray = found[index.keys[found] == keys].astype(np.int64)
    return known


def _month(days: IntArray) -> IntArray:
    """Calendar month number (months since 1970-01) of epoch days."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _last_complete_month(today: int) -> int:
    """The month of ``today`` when today is its last day, else the month before."""
    now, tomorrow = _month(np.array([today, today + 1]))
    return int(now) if tomorrow != now else int(now) - 1


def _month_label(month: int) -> str:
    return str(np.datetime64(month, "M"))


def _clean(values: FloatArray, digits: int = 2) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), digits) for v in values]


def _cohort(who: IntArray, day: IntArray, amount: FloatArray, size: int, today: int) -> dict[str, Any]:
    """Per calendar month since the customer's first purchase (month 0); month k counts the customers
    whose k-th month is complete, so young customers do not pull the curve down."""
    never = np.iinfo(np.int64).max
    first = np.full(size, never, dtype=np.int64)
    np.minimum.at(first, who, _month(day))
    buyers = first < never
    observed = np.where(buyers, _last_complete_month(today) - first + 1, 0).clip(min=0)
    segment = np.where(buyers, 0, -1)
    period = _month(day) - first[who]
    curve = cohort_curve(who, period, amount, segment, observed, segments=1, periods=COHORT_MONTHS)
    spend = curve.spend_per_customer[0]
    return {
        "months": COHORT_MONTHS,
        "buyers": int(buyers.sum()),
        "customers": curve.customers[0].tolist(),
        "purchases_per_customer": _clean(curve.purchases_per_customer[0], 4),
        "spend_per_customer": _clean(spend),
        "cumulative_spend_per_customer": _clean(np.where(np.isnan(spend), np.nan, np.cumsum(np.nan_to_num(spend)))),
    }


def _interpurchase(who: IntArray, day: IntArray) -> dict[str, Any]:
    gap_customer, gaps = interpurchase_days(who, day)
    edges = np.array([*GAP_EDGES, np.inf])
    counts = np.histogram(gaps, bins=edges)[0] if gaps.size else np.zeros(len(GAP_EDGES), dtype=np.int64)
    data: dict[str, Any] = {
        "edges": list(GAP_EDGES),
        "counts": [int(c) for c in counts],
        "gaps": int(gaps.size),
        "customers": int(np.unique(gap_customer).size),
    }
    if gaps.size:
        p25, median, p75, p90 = np.percentile(gaps, [25, 50, 75, 90])
        data |= {"median": median, "p25": p25, "p75": p75, "p90": p90, "mean": float(gaps.mean())}
        data = {k: round(float(v), 1) if isinstance(v, np.floating | float) else v for k, v in data.items()}
    return data


def _trend(day: IntArray, amount: FloatArray, as_of: date) -> dict[str, Any]:
    """Monthly spend of the last 24 complete months, a 6-month linear forecast and its 90 % interval."""
    last_month = _last_complete_month(datasets.epoch_day(as_of))
    first_month = last_month - TREND_MONTHS + 1
    months = _month(day) - first_month
    inside = (months >= 0) & (months < TREND_MONTHS)
    spend = np.bincount(months[inside], weights=amount[inside], minlength=TREND_MONTHS).astype(np.float64)
    purchases = np.bincount(months[inside], minlength=TREND_MONTHS)
    data: dict[str, Any] = {
        "months": [_month_label(first_month + i) for i in range(TREND_MONTHS)],
        "spend": _clean(spend),
        "purchases": [int(n) for n in purchases],
        "forecast_months": [_month_label(last_month + 1 + i) for i in range(FORECAST_MONTHS)],
        "level": LEVEL,
    }
    if not spend.any():
        return data | {"available": False}
    fit = trend_forecast(spend, horizon=FORECAST_MONTHS, level=LEVEL)
    return data | {
        "available": True,
        "fitted": _clean(fit.fitted),
        "forecast": _clean(np.maximum(fit.forecast, 0)),
        "lower": _clean(np.maximum(fit.lower, 0)),
        "upper": _clean(np.maximum(fit.upper, 0)),
        "slope": round(fit.slope, 2),
    }


def segment_curves(
    positions: IntArray, *, as_of: date, size: int, days: datasets.PurchaseDays
) -> dict[str, dict[str, Any]]:
    """The three curves of one set of customers (positions in the index)."""
    member = np.zeros(size, dtype=bool)
    member[positions] = True
    today = datasets.epoch_day(as_of)
    chosen = member[days.customer] & (days.day <= today)
    who, day, amount = days.customer[chosen], days.day[chosen], days.amount[chosen]
    base = {"members": int(positions.size), "purchases": int(who.size)}
    return {
        CurveKind.COHORT: base | _cohort(who, day, amount, size, today),
        CurveKind.INTERPURCHASE: base | _interpurchase(who, day),
        CurveKind.TREND: base | _trend(day, amount, as_of),
    }


def segment_curves_refresh(*, as_of: date, index: datasets.CustomerIndex, days: datasets.PurchaseDays) -> None:
    """Recompute and store the curves of every active segment from the engine's purchase arrays."""
    segments = list(Segment.objects.filter(is_active=True).order_by("name").values_list("pk", flat=True))
    keys = _segment_keys(segments)
    for segment_id in segments:
        curves = segment_curves(_positions(index, keys[segment_id]), as_of=as_of, size=index.size, days=days)
        with transaction.atomic():
            for kind, data in curves.items():
                SegmentCurve.objects.update_or_create(
                    segment_id=segment_id, kind=kind, defaults={"as_of": as_of, "data": data}
                )


def next_purchase_days(*, as_of: date, index: datasets.CustomerIndex, days: datasets.PurchaseDays) -> FloatArray:
    """Epoch day of each customer's expected next purchase (NaN where unknown).

    Last purchase + the customer's median gap, or the median gap of their first active segment
    (by name) when they have fewer than two gaps of their own.
    """
    segments = list(Segment.objects.filter(is_active=True).order_by("name").values_list("pk", flat=True))
    keys = _segment_keys(segments)
    group = np.full(index.size, -1, dtype=np.int64)
    for number in range(len(segments) - 1, -1, -1):  # the first segment by name wins
        group[_positions(index, keys[segments[number]])] = number
    chosen = days.day <= datasets.epoch_day(as_of)
    return next_purchase_day(days.customer[chosen], days.day[chosen], group, segments=max(len(segments), 1))
