"""RFM scores, purchase trend, the Pareto (whale) curve and the three value classes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.insights.kernels.value import (
    ValueClass,
    ValueClassRule,
    edge_scores,
    pareto_curve,
    purchase_trend,
    quantile_scores,
    rfm_scores,
    value_classes,
)

money = st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 2))


def test_quintiles_of_ten_customers_give_two_per_score() -> None:
    scores = quantile_scores(np.arange(10, 0, -1), bins=5)
    assert scores.tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_recency_scores_the_most_recent_buyers_highest_and_non_buyers_zero() -> None:
    scores = rfm_scores(recency_days=[3, 400, 30, 0], frequency=[5, 1, 2, 0], monetary=[900, 50, 300, 0], bins=3)
    assert scores.recency.tolist() == [3, 1, 2, 0]
    assert scores.frequency.tolist() == [3, 1, 2, 0]
    assert scores.monetary.tolist() == [3, 1, 2, 0]
    assert scores.code.tolist() == [333, 111, 222, 0]


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(0, 50), min_size=1, max_size=80), bins=st.integers(2, 7))
def test_quantile_scores_are_in_range_monotone_and_tie_safe(values: list[int], bins: int) -> None:
    array = np.array(values, dtype=float)
    scores = quantile_scores(array, bins=bins)
    assert scores.min() >= 1
    assert scores.max() <= bins
    order = np.argsort(array, kind="stable")
    assert np.all(np.diff(scores[order]) >= 0)  # a higher value never scores lower
    for value in set(values):
        assert len(set(scores[array == value].tolist())) == 1  # equal values, equal scores
    shuffled = np.random.default_rng(0).permutation(array.size)
    assert np.array_equal(quantile_scores(array[shuffled], bins=bins), scores[shuffled])  # no row-order effect


def test_fixed_thresholds_score_as_a_manager_set_them() -> None:
    assert edge_scores([0, 999, 1000, 5000, 20000], [1000, 5000, 10000]).tolist() == [1, 1, 2, 3, 4]
    days = edge_scores([3, 7, 8, 45, 365], [7, 30, 90], higher_is_better=False)
    assert days.tolist() == [4, 4, 3, 2, 1]
    with pytest.raises(ValueError, match="ascending"):
        edge_scores([1], [5, 5])


def test_purchase_trend_reports_incremental_spend_and_growth() -> None:
    trend = purchase_trend([100, 0, 200], [150, 80, 100], [2, 0, 4], [3, 1, 2])
    assert trend.incremental_spend.tolist() == [50, 80, -100]
    assert trend.spend_growth[0] == pytest.approx(0.5)
    assert np.isnan(trend.spend_growth[1])  # nothing bought before: growth is undefined, not infinite
    assert trend.spend_growth[2] == pytest.approx(-0.5)
    assert trend.purchase_rate_change.tolist() == [1, 1, -2]


def test_pareto_finds_the_customers_that_make_80_percent_and_the_loss_makers() -> None:
    profit = [500, -100, 300, 100, 50, -50, 200]  # total 1000
    curve = pareto_curve(profit)
    assert curve.total_profit == 1000
    assert [profit[i] for i in curve.order] == [500, 300, 200, 100, 50, -50, -100]
    assert curve.customers_for_target == 2  # 500 + 300 = 80 %
    assert curve.customer_share_for_target == pytest.approx(2 / 7)
    assert curve.peak_customers == 5
    assert curve.peak_share == pytest.approx(1.15)  # without the two loss makers: 15 % more profit
    assert curve.destroyers == 2
    assert curve.cumulative_share[-1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="positive"):
        pareto_curve([-5, 2])


@settings(max_examples=60, deadline=None)
@given(profit=st.lists(money, min_size=1, max_size=60), target=st.floats(0.05, 1.0))
def test_pareto_head_is_the_fewest_customers_reaching_the_target(profit: list[float], target: float) -> None:
    values = np.array(profit)
    if values.sum() <= 0:
        return
    curve = pareto_curve(values, target=target)
    top = np.sort(values)[::-1]
    n = curve.customers_for_target
    assert top[:n].sum() >= target * values.sum() - 1e-6 * np.abs(values).sum()
    if n > 1:
        assert top[: n - 1].sum() < target * values.sum() + 1e-6 * np.abs(values).sum()


def test_value_classes_follow_the_stated_rule() -> None:
    current = [800, 150, 50, 0, -30, -200, 10, 0]
    future = [900, 100, 400, 300, 100, 50, 5, 0]
    classes = value_classes(current, future, ValueClassRule(valuable_profit_share=0.8, growable_share=0.7))
    # positive profit 1010: 800 alone is 79 %, so the head is 800 and 150
    assert classes[0] == ValueClass.MOST_VALUABLE
    assert classes[1] == ValueClass.MOST_VALUABLE
    assert classes[5] == ValueClass.NEGATIVE  # -200 + 50 < 0: costs more than it will bring
    assert classes[4] != ValueClass.NEGATIVE  # -30 now, but +100 to come
    growable = {i for i, c in enumerate(classes) if c == ValueClass.MOST_GROWABLE}
    # candidates with more to come: 2 (+350), 3 (+300), 4 (+130); 70 % of 3 is 2 customers
    assert growable == {2, 3}
    assert classes[7] == ValueClass.OTHER


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(money, money), min_size=1, max_size=60))
def test_value_classes_partition_customers_and_negative_means_a_net_loss(rows: list[tuple[float, float]]) -> None:
    current, future = (np.array(column) for column in zip(*rows, strict=True))
    classes = value_classes(current, future)
    assert set(classes.tolist()) <= {int(c) for c in ValueClass}
    assert np.array_equal(classes == ValueClass.NEGATIVE, current + future < 0)
    valuable = classes == ValueClass.MOST_VALUABLE
    if valuable.any() and (~valuable & (current > 0) & (classes != ValueClass.NEGATIVE)).any():
        # every most-valuable customer earns at least as much as any positive customer left out
        assert current[valuable].min() >= current[~valuable & (classes != ValueClass.NEGATIVE)].max() - 1e-9


def test_kernels_import_no_django() -> None:
    import guanxi.insights.kernels as package

    modules = sorted(path.stem for path in Path(package.__file__).parent.glob("*.py") if path.stem != "__init__")
    imports = "; ".join(f"import guanxi.insights.kernels.{name}" for name in modules)
    code = f"import sys; {imports}; sys.exit(1 if any(m.split('.')[0] == 'django' for m in sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0  # noqa: S603
