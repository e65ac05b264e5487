"""Composite grading (VAL-5): indicators -> normalised scores -> weighted index -> grade.

Managers choose the indicators (profit, margin %, revenue, growth, payment punctuality, tenure,
a strategic flag, custom fields), how each is normalised, its weight and the grade thresholds.
Every customer's index is the sum of its indicators' contributions, so "why this grade" is
exactly those contributions. A missing indicator (NaN: e.g. no invoices yet for punctuality)
leaves that customer's other weights to share its part, and the explanation says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata

from guanxi.insights.kernels.inputs import FloatArray, IntArray


class Normalisation(StrEnum):
    RANK = "rank"  # percentile among the customers: robust to outliers (the default)
    MINMAX = "minmax"  # (value - p1) / (p99 - p1), clipped: keeps distances, trims the extremes
    FLAG = "flag"  # 0/1 as given (a strategic customer, a manual mark)


@dataclass(frozen=True)
class Indicator:
    name: str
    weight: float
    normalisation: Normalisation = Normalisation.RANK
    higher_is_better: bool = True


@dataclass(frozen=True)
class GradeScheme:
    """Indicators with weights, and thresholds on the 0-100 index: ``grades[i]`` from ``thresholds[i]`` up.

    Example: grades ("A", "B", "C", "D"), thresholds (80, 60, 40, 0).
    """

    indicators: tuple[Indicator, ...]
    grades: tuple[str, ...] = ("A", "B", "C", "D")
    thresholds: tuple[float, ...] = (80.0, 60.0, 40.0, 0.0)

    def check(self) -> None:
        if not self.indicators:
            raise ValueError("a grading needs at least one indicator")
        names = [indicator.name for indicator in self.indicators]
        if len(set(names)) != len(names):
            raise ValueError("indicator names must be unique")
        weights = np.array([indicator.weight for indicator in self.indicators])
        if np.any(~np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError("weights must be >= 0 and not all zero")
        if len(self.grades) != len(self.thresholds) or not self.grades:
            raise ValueError("one threshold per grade")
        if any(b >= a for a, b in zip(self.thresholds, self.thresholds[1:], strict=False)):
            raise ValueError("thresholds must fall strictly from the best grade to the worst")
        if self.thresholds[-1] > 0:
            raise ValueError("the last grade must start at 0, so every customer gets a grade")


@dataclass(frozen=True)
class Grading:
    index: FloatArray  # 0..100 per customer
    grade: IntArray  # position in scheme.grades (0 = best)
    contributions: FloatArray  # customers x indicators, points of the index; rows add up to ``index``
    scores: FloatArray  # customers x indicators, normalised 0..1 (NaN where the value was missing)


def normalised_scores(values: ArrayLike, indicator: Indicator) -> FloatArray:
    """One indicator's values -> 0..1 scores (NaN stays NaN: missing)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or np.any(np.isinf(array)):
        raise ValueError(f"{indicator.name}: one finite value (or NaN) per customer")
    present = ~np.isnan(array)
    scores = np.full(array.size, np.nan)
    if not present.any():
        return scores
    known = array[present] if indicator.higher_is_better else -array[present]
    if indicator.normalisation == Normalisation.FLAG:
        if np.any((array[present] != 0) & (array[present] != 1)):
            raise ValueError(f"{indicator.name}: a flag is 0 or 1")
        scores[present] = known if indicator.higher_is_better else 1 + known
    elif indicator.normalisation == Normalisation.RANK:
        scores[present] = (rankdata(known, method="average") - 0.5) / known.size if known.size > 1 else 0.5
    else:
        low, high = np.percentile(known, [1, 99])
        scores[present] = np.clip((known - low) / (high - low), 0, 1) if high > low else 0.5
    return scores


def composite_grades(columns: Sequence[ArrayLike], scheme: GradeScheme) -> Grading:
    """Grade every customer; ``columns`` follow ``scheme.indicators``."""
    scheme.check()
    if len(columns) != len(scheme.indicators):
        raise ValueError("one column of values per indicator")
    scores = np.column_stack(
        [normalised_scores(column, indicator) for column, indicator in zip(columns, scheme.indicators, strict=True)]
    )
    weights = np.array([indicator.weight for indicator in scheme.indicators], dtype=np.float64)
    available = np.where(np.isnan(scores), 0.0, weights)
    share = available.sum(axis=1, keepdims=True)
    effective = np.divide(available, share, out=np.zeros_like(available), where=share > 0)
    contributions = 100.0 * effective * np.nan_to_num(scores, nan=0.0)
    index = contributions.sum(axis=1)
    thresholds = np.array(scheme.thresholds)
    grade = np.argmax(index[:, None] >= thresholds[None, :] - 1e-9, axis=1).astype(np.int64)
    return Grading(index=index, grade=grade, contributions=contributions, scores=scores)


def grade_migration(previous: ArrayLike, current: ArrayLike, grades: int) -> IntArray:
    """Counts of customers moving from grade i (rows) to grade j (columns) between two evaluations.

    -1 marks a customer not graded in that evaluation (new, or gone); it gets the last row/column.
    """
    before, after = np.asarray(previous, dtype=np.int64), np.asarray(current, dtype=np.int64)
    if before.shape != after.shape:
        raise ValueError("one grade per customer in both evaluations")
    if np.any((before < -1) | (before >= grades)) or np.any((after < -1) | (after >= grades)):
        raise ValueError("grades must be in 0..grades-1, or -1 for 'not graded'")
    size = grades + 1
    rows, cols = np.where(before < 0, grades, before), np.where(after < 0, grades, after)
    counts: IntArray = np.bincount(rows * size + cols, minlength=size * size).reshape(size, size).astype(np.int64)
    return counts


@dataclass(frozen=True)
class FeltVersusIndex:
    """A manager's felt key customers against the index's top group (the seed's exercise)."""

    felt: int
    top: int
    both: int  # felt key and in the index's top group
    felt_outside_top: NDArray[np.intp]  # positions: felt key, but the index ranks them lower
    top_not_felt: NDArray[np.intp]  # positions: the index's top, not on the manager's list
    felt_percentile: FloatArray  # each felt customer's index percentile (100 = the best)


def felt_versus_index(index: ArrayLike, felt_key: ArrayLike, top_grade: ArrayLike) -> FeltVersusIndex:
    """Compare the customers a manager *feels* are key with those the index puts in the top grade."""
    values = np.asarray(index, dtype=np.float64)
    felt = np.asarray(felt_key, dtype=bool)
    top = np.asarray(top_grade, dtype=bool)
    if not values.shape == felt.shape == top.shape:
        raise ValueError("one value per customer")
    percentile = 100.0 * (rankdata(values, method="max") / values.size) if values.size else values
    return FeltVersusIndex(
        felt=int(felt.sum()),
        top=int(top.sum()),
        both=int((felt & top).sum()),
        felt_outside_top=np.flatnonzero(felt & ~top),
        top_not_felt=np.flatnonzero(top & ~felt),
        felt_percentile=percentile[felt],
    )
