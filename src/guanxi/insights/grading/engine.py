"""The grading step: every customer's indicators -> the kernel -> stored grades, history and migration.

``grade_evaluate`` runs after the value engine has written ``CustomerValue`` (it may pass the
arrays it already holds) or on its own (a manager's "evaluate now"), reading the stored figures.
Writes go in with ``core.bulk``: no model instance per customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import numpy as np
from django.db import transaction
from django.db.models import FloatField
from django.db.models.functions import Cast
from numpy.typing import NDArray

from guanxi.core import bulk
from guanxi.customers.models import CustomerTag
from guanxi.insights import datasets
from guanxi.insights.grading.catalogue import INDICATORS, TAG_PREFIX, tag_id_of
from guanxi.insights.grading.catalogue import kernel_scheme as to_kernel
from guanxi.insights.kernels import grading as kernel
from guanxi.insights.kernels.inputs import FloatArray, IntArray
from guanxi.insights.models import CustomerGrade, CustomerValue, GradeChange, GradeEvaluation, GradeScheme, ValueRun

READ_CHUNK = 20_000
NEW = "new"  # the migration row of customers not graded at the previous evaluation


@dataclass
class GradeInputs:
    """One value per customer position of a ``datasets.CustomerIndex``; NaN = missing."""

    profit: FloatArray
    margin: FloatArray
    revenue: FloatArray
    growth: FloatArray
    orders: FloatArray
    tenure_days: FloatArray
    lifetime_value: FloatArray
    recency_days: FloatArray

    @classmethod
    def missing(cls, size: int) -> GradeInputs:
        return cls(*(np.full(size, np.nan) for _ in range(8)))


def growth_of(revenue: FloatArray, previous_revenue: FloatArray) -> FloatArray:
    """Spend growth against the previous period (0.25 = +25 %); NaN when there was no spend then."""
    growth = np.full(revenue.shape, np.nan)
    np.divide(revenue - previous_revenue, previous_revenue, out=growth, where=previous_revenue > 0)
    return growth


def _keys(ids: list[UUID]) -> NDArray[np.bytes_]:
    return np.array([key.bytes for key in ids], dtype="S16")


def _known_positions(index: datasets.CustomerIndex, keys: NDArray[np.bytes_]) -> tuple[IntArray, NDArray[np.bool_]]:
    """Positions of ``keys`` in the index, and which keys are customers (rows of deleted ones are skipped)."""
    if index.size == 0 or keys.size == 0:
        return np.zeros(keys.size, dtype=np.int64), np.zeros(keys.size, dtype=bool)
    found = np.minimum(np.searchsorted(index.keys, keys), index.size - 1)
    return found.astype(np.int64), index.keys[found] == keys


def grade_inputs_read(index: datasets.CustomerIndex) -> GradeInputs:
    """The indicators from the stored value figures (customers without figures stay missing)."""
    inputs = GradeInputs.missing(index.size)
    names = ("profit", "margin", "revenue", "previous_revenue", "orders", "tenure_days", "lifetime_value",
             "recency_days")  # fmt: skip
    columns = {name: np.full(index.size, np.nan) for name in names}
    rows = CustomerValue.objects.values_list("customer_id", *(Cast(name, FloatField()) for name in names)).order_by()
    chunk: list[tuple[Any, ...]] = []
    for row in rows.iterator(chunk_size=READ_CHUNK):
        chunk.append(row)
        if len(chunk) == READ_CHUNK:
            _scatter(index, chunk, columns, names)
            chunk = []
    _scatter(index, chunk, columns, names)
    inputs.profit, inputs.margin, inputs.revenue = columns["profit"], columns["margin"], columns["revenue"]
    inputs.growth = growth_of(np.nan_to_num(columns["revenue"]), np.nan_to_num(columns["previous_revenue"]))
    inputs.growth[np.isnan(columns["revenue"])] = np.nan
    inputs.orders, inputs.tenure_days = columns["orders"], columns["tenure_days"]
    inputs.lifetime_value, inputs.recency_days = columns["lifetime_value"], columns["recency_days"]
    return inputs


def _scatter(
    index: datasets.CustomerIndex, rows: list[tuple[Any, ...]], columns: dict[str, FloatArray], names: tuple[str, ...]
) -> None:
    if not rows:
        return
    positions, known = _known_positions(index, _keys([row[0] for row in rows]))
    values = np.array([[np.nan if v is None else v for v in row[1:]] for row in rows], dtype=np.float64)
    for column, name in enumerate(names):
        columns[name][positions[known]] = values[known, column]


def _tag_flags(index: datasets.CustomerIndex, tag_id: int | None) -> FloatArray:
    flags = np.zeros(index.size)
    if tag_id is None:
        return flags
    ids = list(CustomerTag.objects.filter(tag_id=tag_id).values_list("customer_id", flat=True).order_by())
    positions, known = _known_positions(index, _keys(ids))
    flags[positions[known]] = 1.0
    return flags


def indicator_column(key: str, index: datasets.CustomerIndex, inputs: GradeInputs) -> FloatArray:
    """One indicator's values for every customer (NaN where missing)."""
    if key.startswith(TAG_PREFIX):
        return _tag_flags(index, tag_id_of(key))
    spec = INDICATORS.get(key)
    if spec is None or spec.source is None:
        return np.full(index.size, np.nan)
    column: FloatArray = np.asarray(getattr(inputs, spec.source), dtype=np.float64)
    return column


def grade_evaluation_due(*, as_of: date) -> bool:
    """An active scheme exists and has no evaluation yet, or its last is ``evaluate_every_days`` old."""
    scheme = GradeScheme.objects.filter(is_active=True).first()
    if scheme is None:
        return False
    last = scheme.evaluations.order_by("-as_of", "-created_at").values_list("as_of", flat=True).first()
    return last is None or last <= as_of - timedelta(days=scheme.evaluate_every_days)


def _current_grades(index: datasets.CustomerIndex) -> tuple[list[str], IntArray, Any]:
    """Each customer's grade before this evaluation (from CustomerGrade) as codes into a label list; -1 none.

    Read as key blocks per grade (``datasets.keys_by_label``): a million rows without a row object each.
    """
    codes = np.full(index.size, -1, dtype=np.int64)
    table = CustomerGrade._meta.db_table
    blocks = datasets.keys_by_label(table, "customer_id", "grade")
    labels = sorted(blocks)
    for code, label in enumerate(labels):
        positions, known = _known_positions(index, blocks[label])
        codes[positions[known]] = code
    evaluations = list(CustomerGrade.objects.order_by().values_list("evaluation_id", flat=True).distinct()[:2])
    return labels, codes, evaluations[0] if len(evaluations) == 1 else None


def _grades_at(index: datasets.CustomerIndex, evaluation: GradeEvaluation) -> tuple[list[str], IntArray]:
    """Each customer's grade at an older evaluation: their last change at or before it."""
    codes = np.full(index.size, -1, dtype=np.int64)
    labels: list[str] = []
    rows = (
        GradeChange.objects.filter(evaluation__created_at__lte=evaluation.created_at)
        .order_by("id")
        .values_list("customer_id", "grade")
    )
    latest: dict[UUID, str] = dict(rows.iterator(chunk_size=READ_CHUNK))  # later changes overwrite earlier ones
    if latest:
        positions, known = _known_positions(index, _keys(list(latest)))
        for grade in latest.values():
            if grade not in labels:
                labels.append(grade)
        values = np.array([labels.index(grade) for grade in latest.values()], dtype=np.int64)
        codes[positions[known]] = values[known]
    return labels, codes


def _migration(
    previous: GradeEvaluation | None, before: tuple[list[str], IntArray], grades: list[str], grade: IntArray
) -> dict[str, Any]:
    """Counts from each grade at the previous evaluation (and "new") to each grade now."""
    if previous is None:
        rows = [NEW]
        counts = [[int(np.count_nonzero(grade == g)) for g in range(len(grades))]]
        return {"rows": rows, "columns": grades, "counts": counts}
    old_labels, old_codes = before
    labels = list(grades) + [g for g in previous.grades if g not in grades]
    labels += [g for g in old_labels if g not in labels]
    remap = np.array([labels.index(g) for g in old_labels] or [0], dtype=np.int64)
    old = np.where(old_codes >= 0, remap[np.maximum(old_codes, 0)], -1)
    matrix = kernel.grade_migration(old, grade, len(labels))
    row_labels = [*previous.grades, *(g for g in old_labels if g not in previous.grades)]
    positions = [labels.index(g) for g in row_labels] + [len(labels)]
    counts = [[int(matrix[r, c]) for c in range(len(grades))] for r in positions]
    return {"rows": [*row_labels, NEW], "columns": grades, "counts": counts}


def grade_evaluate(
    *,
    as_of: date,
    run: ValueRun | None = None,
    index: datasets.CustomerIndex | None = None,
    inputs: GradeInputs | None = None,
) -> GradeEvaluation | None:
    """Grade every customer with the active scheme and keep the evaluation; None without an active scheme."""
    scheme = GradeScheme.objects.filter(is_active=True).first()
    if scheme is None:
        return None
    if index is None:
        with datasets.snapshot():
            index = datasets.customer_index()
    if inputs is None:
        inputs = grade_inputs_read(index)
    kernel_scheme = to_kernel(scheme.indicators, scheme.grades, scheme.thresholds)
    columns = [indicator_column(row["key"], index, inputs) for row in scheme.indicators]
    result = kernel.composite_grades(columns, kernel_scheme)
    with transaction.atomic():
        return _store(scheme, as_of, run, index, result)


def _store(
    scheme: GradeScheme, as_of: date, run: ValueRun | None, index: datasets.CustomerIndex, result: kernel.Grading
) -> GradeEvaluation:
    grades: list[str] = list(scheme.grades)
    previous = scheme.evaluations.order_by("-as_of", "-created_at").first()
    old_labels, old_codes, current_evaluation = _current_grades(index)
    if previous is None or current_evaluation == previous.pk:
        before = (old_labels, old_codes)
    else:
        before = _grades_at(index, previous)
    evaluation = GradeEvaluation.objects.create(
        scheme=scheme,
        run=run,
        previous=previous,
        as_of=as_of,
        indicators=scheme.indicators,
        grades=grades,
        thresholds=scheme.thresholds,
        customers=index.size,
        counts={g: int(np.count_nonzero(result.grade == i)) for i, g in enumerate(grades)},
        migration=_migration(previous, before, grades, result.grade),
    )
    _write_grades(evaluation, index, result, grades, old_labels, old_codes)
    return evaluation


def _write_grades(
    evaluation: GradeEvaluation,
    index: datasets.CustomerIndex,
    result: kernel.Grading,
    grades: list[str],
    old_labels: list[str],
    old_codes: IntArray,
) -> None:
    """Replace every CustomerGrade row; a GradeChange row for each customer whose grade is not the one before.

    Written from the arrays (``core.bulk.write_arrays``): no Python object per customer on PostgreSQL.
    """
    constants = {"evaluation": bulk.db_uuid(evaluation.pk), "as_of": bulk.db_date(evaluation.as_of)}
    labels = (*grades, *(g for g in old_labels if g not in grades), "")
    remap = np.array([labels.index(g) for g in old_labels] or [0], dtype=np.int64)
    before = np.where(old_codes >= 0, remap[np.maximum(old_codes, 0)], len(labels) - 1)
    changed = np.flatnonzero(before != result.grade)
    Array = bulk.Array
    grade_arrays = [
        Array("customer", index.keys, "key"),
        Array("grade", result.grade, "label", labels=labels),
        Array("grade_index", result.index, "number", digits=2),
        Array("contributions", result.contributions, "numbers", digits=2),
    ]
    grade_table = bulk.Table.of(CustomerGrade, [*(a.field for a in grade_arrays), *constants])
    with bulk.rewrite(grade_table) as target:
        bulk.write_arrays(CustomerGrade, target, grade_arrays, constants)
    change_arrays = [
        Array("customer", index.keys[changed], "key"),
        Array("previous_grade", before[changed], "label", labels=labels),
        Array("grade", result.grade[changed], "label", labels=labels),
        Array("grade_index", result.index[changed], "number", digits=2),
    ]
    change_table = bulk.Table.of(GradeChange, [*(a.field for a in change_arrays), *constants])
    bulk.write_arrays(GradeChange, change_table, change_arrays, constants)
