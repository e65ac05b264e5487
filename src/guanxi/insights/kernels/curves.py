"""Consumption curves (VAL-7), always within a segment, never over all customers.

* purchases and spend by period since acquisition (per customer still in the observation);
* the distribution of the time between purchases;
* each customer's expected next purchase date;
* a trend forecast of a segment's spend per period with its prediction interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from guanxi.insights.kernels.inputs import FloatArray, IntArray, floats


def _ints(values: ArrayLike, name: str) -> IntArray:
    array = np.asarray(values)
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{name} must be one-dimensional whole numbers")
    return array.astype(np.int64)


@dataclass(frozen=True)
class CohortCurve:
    """Per segment (rows) and period since acquisition (columns)."""

    customers: IntArray  # customers observed for at least that many periods
    purchases_per_customer: FloatArray
    spend_per_customer: FloatArray


def cohort_curve(
    purchase_customer: ArrayLike,
    purchase_period: ArrayLike,
    purchase_amount: ArrayLike,
    customer_segment: ArrayLike,
    customer_periods_observed: ArrayLike,
    *,
    segments: int,
    periods: int,
) -> CohortCurve:
    """Average purchases and spend in the k-th period after acquisition, per segment.

    Only customers observed for more than k periods count in period k, so young customers do
    not pull the curve down.

    Parameters
    ----------
    purchase_customer, purchase_period, purchase_amount : arrays, one entry per purchase
        The customer's position, the period since the customer's first purchase (0 = first),
        and the amount.
    customer_segment, customer_periods_observed : arrays, one entry per customer
        Segment number (0..segments-1; -1 = in no segment) and how many whole periods the
        customer has been observed since acquisition (at least 1).
    """
    who, when = _ints(purchase_customer, "purchase_customer"), _ints(purchase_period, "purchase_period")
    amount = floats(purchase_amount, "purchase_amount")
    segment, observed = _ints(customer_segment, "customer_segment"), _ints(customer_periods_observed, "periods")
    if not who.shape == when.shape == amount.shape or segment.shape != observed.shape:
        raise ValueError("purchase arrays must match each other, customer arrays each other")
    if who.size and (who.min() < 0 or who.max() >= segment.size):
        raise ValueError("purchase_customer must be positions of the customer arrays")
    if np.any(segment >= segments) or np.any(segment < -1) or np.any(when < 0) or np.any(observed < 0):
        raise ValueError("segments in 0..segments-1 (or -1), periods >= 0")
    # customers[s, k]: customers of segment s observed for more than k periods
    members = segment >= 0
    counts = np.zeros((segments, periods + 1), dtype=np.int64)
    np.add.at(counts, (segment[members], np.minimum(observed[members], periods)), 1)
    customers = counts[:, ::-1].cumsum(axis=1)[:, ::-1][:, 1:]
    keep = (segment[who] >= 0) & (when < periods) & (when < observed[who])
    purchases = np.zeros((segments, periods))
    spend = np.zeros((segments, periods))
    np.add.at(purchases, (segment[who[keep]], when[keep]), 1.0)
    np.add.at(spend, (segment[who[keep]], when[keep]), amount[keep])
    with np.errstate(invalid="ignore", divide="ignore"):
        return CohortCurve(
            customers=customers,
            purchases_per_customer=np.where(customers > 0, purchases / customers, np.nan),
            spend_per_customer=np.where(customers > 0, spend / customers, np.nan),
        )


def interpurchase_days(purchase_customer: ArrayLike, purchase_day: ArrayLike) -> tuple[IntArray, FloatArray]:
    """Days between consecutive purchase days of the same customer: (customer of each gap, gap).

    Purchases on the same day are one purchase occasion.
    """
    who, day = _ints(purchase_customer, "purchase_customer"), _ints(purchase_day, "purchase_day")
    if who.shape != day.shape:
        raise ValueError("one customer and one day per purchase")
    order = np.lexsort((day, who))
    who, day = who[order], day[order]
    distinct = np.ones(who.size, dtype=bool)
    distinct[1:] = (who[1:] != who[:-1]) | (day[1:] != day[:-1])
    who, day = who[distinct], day[distinct]
    same = who[1:] == who[:-1]
    return who[1:][same], (day[1:] - day[:-1])[same].astype(np.float64)


def next_purchase_day(
    purchase_customer: ArrayLike,
    purchase_day: ArrayLike,
    customer_segment: ArrayLike,
    *,
    segments: int,
    min_gaps: int = 2,
) -> FloatArray:
    """Expected next purchase day per customer: last purchase + the median gap between purchases.

    The customer's own median gap when they have at least ``min_gaps`` gaps, else their
    segment's median; NaN for customers who never bought (or whose segment has no gaps).
    """
    who, day = _ints(purchase_customer, "purchase_customer"), _ints(purchase_day, "purchase_day")
    segment = _ints(customer_segment, "customer_segment")
    size = segment.size
    last = np.full(size, np.nan)
    if who.size:
        np.fmax.at(last, who, day.astype(np.float64))
    gap_customer, gaps = interpurchase_days(who, day)
    own = np.full(size, np.nan)
    count = np.bincount(gap_customer, minlength=size)
    if gaps.size:
        order = np.lexsort((gaps, gap_customer))
        gap_customer, gaps = gap_customer[order], gaps[order]
        starts = np.searchsorted(gap_customer, np.arange(size))
        enough = count >= min_gaps
        lower = starts + (count - 1) // 2
        upper = starts + count // 2
        idx = np.flatnonzero(enough)
        own[idx] = (gaps[lower[idx]] + gaps[upper[idx]]) / 2
    fallback = np.full(segments, np.nan)
    for s in range(segments):
        mine = gaps[segment[gap_customer] == s] if gaps.size else gaps
        if mine.size:
            fallback[s] = float(np.median(mine))
    seg_gap = np.full(size, np.nan)
    members = segment >= 0
    seg_gap[members] = fallback[segment[members]]
    gap = np.where(np.isnan(own), seg_gap, own)
    result: FloatArray = last + gap
    return result


@dataclass(frozen=True)
class TrendForecast:
    fitted: FloatArray
    forecast: FloatArray
    lower: FloatArray
    upper: FloatArray
    slope: float  # change per period
    level: float


def trend_forecast(series: ArrayLike, *, horizon: int, level: float = 0.9) -> TrendForecast:
    """Linear trend of a segment's figure per period, extended ``horizon`` periods with a prediction interval.

    Ordinary least squares on (period, value); the interval is the t-based prediction interval
    of a new observation, so it widens away from the data.

    Raises
    ------
    ValueError
        With fewer than 3 periods (no interval can be estimated) or a level outside (0, 1).
    """
    values = floats(series, "series")
    n = values.size
    if n < 3:
        raise ValueError("a trend needs at least 3 periods")
    if not 0 < level < 1 or horizon < 1:
        raise ValueError("level must be in (0, 1) and horizon >= 1")
    t = np.arange(n, dtype=np.float64)
    slope, intercept = np.polyfit(t, values, 1)
    fitted = intercept + slope * t
    residual = values - fitted
    sigma = float(np.sqrt(residual @ residual / (n - 2)))
    future = np.arange(n, n + horizon, dtype=np.float64)
    forecast = intercept + slope * future
    spread = np.sqrt(1 + 1 / n + (future - t.mean()) ** 2 / ((t - t.mean()) @ (t - t.mean())))
    half = float(stats.t.ppf(0.5 + level / 2, n - 2)) * sigma * spread
    return TrendForecast(
        fitted=fitted, forecast=forecast, lower=forecast - half, upper=forecast + half, slope=float(slope), level=level
    )
