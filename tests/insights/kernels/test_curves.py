"""Consumption curves per segment: cohort curves, gaps between purchases, next purchase, trend."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.insights.kernels.curves import cohort_curve, interpurchase_days, next_purchase_day, trend_forecast


def test_cohort_curve_counts_only_customers_observed_long_enough() -> None:
    # customer 0 (segment 0): bought in periods 0, 1, 2; observed 3 periods
    # customer 1 (segment 0): bought in period 0 only; observed 1 period (a young customer)
    # customer 2 (segment 1): bought in periods 0 and 2; observed 4 periods
    curve = cohort_curve(
        purchase_customer=[0, 0, 0, 1, 2, 2],
        purchase_period=[0, 1, 2, 0, 0, 2],
        purchase_amount=[100, 50, 50, 80, 10, 30],
        customer_segment=[0, 0, 1],
        customer_periods_observed=[3, 1, 4],
        segments=2,
        periods=3,
    )
    assert curve.customers.tolist() == [[2, 1, 1], [1, 1, 1]]
    assert curve.purchases_per_customer[0].tolist() == [1.0, 1.0, 1.0]  # the young customer leaves after period 0
    assert curve.spend_per_customer[0].tolist() == [90.0, 50.0, 50.0]
    assert curve.spend_per_customer[1].tolist() == [10.0, 0.0, 30.0]


def test_gaps_between_purchase_days_merge_same_day_orders() -> None:
    who, gaps = interpurchase_days([0, 0, 0, 1, 0, 1], [10, 10, 17, 5, 31, 9])
    assert who.tolist() == [0, 0, 1]
    assert gaps.tolist() == [7.0, 14.0, 4.0]


def test_next_purchase_uses_the_customers_own_rhythm_or_the_segments() -> None:
    # customer 0: every 10 days (days 0, 10, 20, 30); customer 1: one purchase on day 50
    # customer 2: never bought; all in segment 0
    days = next_purchase_day([0, 0, 0, 0, 1], [0, 10, 20, 30, 50], [0, 0, 0], segments=1)
    assert days[0] == 40
    assert days[1] == 60  # the segment's median gap, 10
    assert np.isnan(days[2])


@settings(max_examples=40, deadline=None)
@given(
    purchases=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 400)), min_size=0, max_size=60),
)
def test_gaps_are_positive_and_one_fewer_than_purchase_days(purchases: list[tuple[int, int]]) -> None:
    who = np.array([p[0] for p in purchases], dtype=np.int64)
    day = np.array([p[1] for p in purchases], dtype=np.int64)
    gap_who, gaps = interpurchase_days(who, day)
    assert np.all(gaps > 0)
    for customer in range(6):
        distinct_days = len({d for c, d in purchases if c == customer})
        assert int((gap_who == customer).sum()) == max(distinct_days - 1, 0)


def test_trend_forecast_follows_a_rising_segment_with_a_widening_interval() -> None:
    rng = np.random.default_rng(3)
    series = 1000 + 50 * np.arange(24) + rng.normal(0, 20, 24)
    result = trend_forecast(series, horizon=6, level=0.9)
    assert result.slope == pytest.approx(50, rel=0.1)
    assert result.forecast[0] == pytest.approx(1000 + 50 * 24, rel=0.03)
    assert np.all(result.lower < result.forecast)
    assert np.all(result.forecast < result.upper)
    widths = result.upper - result.lower
    assert np.all(np.diff(widths) > 0)  # further ahead, less certain
    truth = 1000 + 50 * np.arange(24, 30)
    assert np.all((truth > result.lower) & (truth < result.upper))


def test_trend_needs_three_periods() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        trend_forecast([1.0, 2.0], horizon=1)
