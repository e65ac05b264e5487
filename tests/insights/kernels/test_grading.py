"""Composite grading: weights, normalisation, thresholds, why-this-grade, migration, felt vs index."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.insights.kernels.grading import (
    GradeScheme,
    Indicator,
    Normalisation,
    composite_grades,
    felt_versus_index,
    grade_migration,
    normalised_scores,
)

SCHEME = GradeScheme(
    indicators=(
        Indicator("profit", 0.5),
        Indicator("margin", 0.3, Normalisation.MINMAX),
        Indicator("strategic", 0.2, Normalisation.FLAG),
    ),
    grades=("A", "B", "C", "D"),
    thresholds=(75, 50, 25, 0),
)


def test_the_best_customer_on_every_indicator_gets_the_top_grade_and_the_explanation_adds_up() -> None:
    profit = [9000, 100, 4000, -500]
    margin = [0.40, 0.05, 0.25, -0.10]
    strategic = [1, 0, 0, 0]
    result = composite_grades([profit, margin, strategic], SCHEME)
    assert result.grade.tolist()[0] == 0  # A
    assert result.grade.tolist()[3] == 3  # D
    np.testing.assert_allclose(result.contributions.sum(axis=1), result.index)
    # customer 0: top rank of 4 in profit (0.875 x 50), top margin (1 x 30), strategic (1 x 20)
    assert result.contributions[0].tolist() == pytest.approx([43.75, 30.0, 20.0])


def test_a_missing_indicator_shares_its_weight_among_the_others() -> None:
    scheme = GradeScheme(indicators=(Indicator("profit", 0.5), Indicator("punctuality", 0.5)))
    result = composite_grades([[100, 200], [0.9, np.nan]], scheme)
    assert np.isnan(result.scores[1, 1])
    assert result.contributions[1, 1] == 0
    assert result.contributions[1, 0] == pytest.approx(100 * 0.75)  # all of the weight on profit
    assert result.index[1] == pytest.approx(75)


def test_lower_is_better_and_flags() -> None:
    days_late = Indicator("days_late", 1.0, Normalisation.MINMAX, higher_is_better=False)
    assert normalised_scores([0, 50, 100], days_late).tolist() == pytest.approx([1.0, 0.5, 0.0])
    flag = Indicator("strategic", 1.0, Normalisation.FLAG)
    assert normalised_scores([1, 0, np.nan], flag)[:2].tolist() == [1, 0]
    with pytest.raises(ValueError, match="0 or 1"):
        normalised_scores([2], flag)


@settings(max_examples=50, deadline=None)
@given(rows=st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1, 1), st.integers(0, 1)), min_size=1, max_size=40))
def test_index_is_0_to_100_and_grades_follow_the_thresholds(rows: list[tuple[float, float, int]]) -> None:
    columns = [np.array(column, dtype=float) for column in zip(*rows, strict=True)]
    result = composite_grades(columns, SCHEME)
    assert np.all(result.index >= -1e-9)
    assert np.all(result.index <= 100 + 1e-9)
    thresholds = np.array(SCHEME.thresholds)
    for value, grade in zip(result.index, result.grade, strict=True):
        assert value >= thresholds[grade] - 1e-9
        if grade > 0:
            assert value < thresholds[grade - 1]


def test_schemes_that_cannot_grade_everyone_are_refused() -> None:
    with pytest.raises(ValueError, match="strictly"):
        GradeScheme(indicators=(Indicator("p", 1),), grades=("A", "B"), thresholds=(50, 50)).check()
    with pytest.raises(ValueError, match="start at 0"):
        GradeScheme(indicators=(Indicator("p", 1),), grades=("A", "B"), thresholds=(80, 20)).check()
    with pytest.raises(ValueError, match="not all zero"):
        GradeScheme(indicators=(Indicator("p", 0),)).check()
    with pytest.raises(ValueError, match="unique"):
        GradeScheme(indicators=(Indicator("p", 1), Indicator("p", 1))).check()
    with pytest.raises(ValueError, match="one column"):
        composite_grades([[1.0]], SCHEME)


def test_grade_migration_counts_moves_and_new_customers() -> None:
    previous = [0, 0, 1, 2, -1]
    current = [0, 1, 1, 0, 2]
    moves = grade_migration(previous, current, grades=3)
    assert moves.shape == (4, 4)
    assert moves[0, 0] == 1
    assert moves[0, 1] == 1
    assert moves[1, 1] == 1
    assert moves[2, 0] == 1
    assert moves[3, 2] == 1  # a new customer graded C
    assert moves.sum() == 5


def test_felt_key_customers_compared_with_the_index() -> None:
    index = [95, 90, 20, 70, 10]
    felt = [True, False, True, False, False]
    top = [True, True, False, False, False]
    result = felt_versus_index(index, felt, top)
    assert (result.felt, result.top, result.both) == (2, 2, 1)
    assert result.felt_outside_top.tolist() == [2]  # the manager's favourite scores 20
    assert result.top_not_felt.tolist() == [1]
    assert result.felt_percentile.tolist() == [100.0, 40.0]
