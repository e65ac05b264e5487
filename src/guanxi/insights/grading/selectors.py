"""Scoped reads of composite grading: schemes, evaluations, a customer's grade and why, felt key vs the index.

Evaluation counts and migrations cover every customer, so only value managers see them; everyone
else sees grade counts over their own scope, counted live from the current grades.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import numpy as np
from django.db.models import Count, Exists, Max, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import InvalidInput, NotFound
from guanxi.customers.models import Customer
from guanxi.insights.grading.catalogue import INDICATORS, indicator_labels, tag_id_of
from guanxi.insights.kernels import grading as kernel
from guanxi.insights.models import (
    CustomerGrade,
    CustomerValue,
    FeltKeyMark,
    GradeChange,
    GradeEvaluation,
    GradeScheme,
    GradeTreatment,
)

HISTORY_LIMIT = 100
LIST_LIMIT = 100


def _ensure_user(actor: Any) -> User:
    user = access.active_user(actor)
    if user is None:
        raise NotFound(_("Not found."))
    return user


# --- schemes and treatments: readable by every user ------------------------------------------


def grade_scheme_list(*, actor: Any) -> QuerySet[GradeScheme]:
    _ensure_user(actor)
    return GradeScheme.objects.prefetch_related("treatments").order_by("-is_active", "name", "created_at")


def grade_scheme_get(*, actor: Any, pk: UUID | str) -> GradeScheme:
    _ensure_user(actor)
    try:
        return GradeScheme.objects.get(pk=pk)
    except (GradeScheme.DoesNotExist, ValueError):
        raise NotFound(_("Not found.")) from None


@dataclass(frozen=True)
class SchemeRow:
    """A scheme on the scheme list: its evaluations, and why it cannot be deleted (if so)."""

    scheme: GradeScheme
    evaluations: int
    last_evaluated: date | None
    refusal: str  # empty when it may be deleted (mirrors ``services.grade_scheme_delete``)


def _refusal(scheme: GradeScheme, *, evaluations: int, current: bool) -> str:
    if scheme.is_active:
        return _("The active scheme cannot be deleted. Activate another one first.")
    if current:
        return _("The current grades come from this scheme. Evaluate the active scheme first.")
    if evaluations:
        return _("This scheme has kept evaluations (the grade history), so it cannot be deleted.")
    return ""


def _scheme_rows(schemes: QuerySet[GradeScheme]) -> list[SchemeRow]:
    current = CustomerGrade.objects.filter(evaluation__scheme=OuterRef("pk"))
    annotated = schemes.annotate(
        evaluation_count=Count("evaluations"), last_evaluated=Max("evaluations__as_of"), current=Exists(current)
    )
    rows = []
    for scheme in annotated:
        count: int = scheme.evaluation_count
        refusal = _refusal(scheme, evaluations=count, current=scheme.current)
        rows.append(SchemeRow(scheme, count, scheme.last_evaluated, refusal))
    return rows


def grade_scheme_rows(*, actor: Any) -> list[SchemeRow]:
    """Every scheme, the active one first, with its number of evaluations and the last one's date (one query)."""
    _ensure_user(actor)
    return _scheme_rows(GradeScheme.objects.order_by("-is_active", "name", "created_at"))


def grade_scheme_row(*, actor: Any, pk: UUID | str) -> SchemeRow:
    """One scheme as the scheme list shows it; ``NotFound`` when there is no such scheme."""
    _ensure_user(actor)
    try:
        rows = _scheme_rows(GradeScheme.objects.filter(pk=pk))
    except (ValueError, TypeError):
        rows = []
    if not rows:
        raise NotFound(_("Not found."))
    return rows[0]


def grade_evaluation_latest(*, scheme: GradeScheme) -> GradeEvaluation | None:
    """The scheme's newest kept evaluation (for "evaluate now": what the last job produced)."""
    return GradeEvaluation.objects.filter(scheme=scheme).order_by("-created_at").only("customers", "as_of").first()


def grade_scheme_active() -> GradeScheme | None:
    return GradeScheme.objects.filter(is_active=True).first()


def grade_treatments(*, scheme: GradeScheme) -> list[GradeTreatment]:
    """The scheme's treatments in grade order (best first)."""
    rows = {row.grade: row for row in scheme.treatments.all()}
    return [rows[grade] for grade in scheme.grades if grade in rows]


def grade_treatment_get(*, actor: Any, scheme: GradeScheme, grade: str) -> GradeTreatment:
    _ensure_user(actor)
    treatment = GradeTreatment.objects.filter(scheme=scheme, grade=grade).first()
    if treatment is None:
        raise NotFound(_("Not found."))
    return treatment


def grade_treatment_for(*, customer: Customer) -> GradeTreatment | None:
    """The treatment of the customer's current grade in the active scheme (other modules read this)."""
    grade = CustomerGrade.objects.filter(customer_id=customer.pk).values("grade")[:1]
    return GradeTreatment.objects.filter(scheme__is_active=True, grade=Subquery(grade)).first()


@dataclass(frozen=True)
class IndicatorRow:
    key: str
    label: str
    weight: float
    share: float  # percent of the total weight
    normalisation: str
    higher_is_better: bool
    available: bool
    help: str


def scheme_indicator_rows(indicators: list[dict[str, Any]]) -> list[IndicatorRow]:
    labels = indicator_labels([row["key"] for row in indicators])
    total = sum(float(row["weight"]) for row in indicators) or 1.0
    rows = []
    for row in indicators:
        spec = INDICATORS.get(row["key"])
        rows.append(
            IndicatorRow(
                key=row["key"],
                label=labels[row["key"]],
                weight=float(row["weight"]),
                share=round(100.0 * float(row["weight"]) / total, 1),
                normalisation=row["normalisation"],
                higher_is_better=bool(row["higher_is_better"]),
                available=spec.available if spec else True,
                help=str(spec.help) if spec else "",
            )
        )
    return rows


# --- evaluations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationView:
    evaluation: GradeEvaluation
    counts: dict[str, int] | None  # company-wide for managers; the actor's scope for the current one; else None
    scoped: bool  # counts cover only the actor's customers
    migration: dict[str, Any] | None  # managers only
    is_current: bool


def scoped_grade_counts(*, actor: Any) -> dict[str, int]:
    """Customers per grade now, over the actor's scope."""
    visible = access.scope(actor, Customer.objects.all()).values("pk")
    rows = CustomerGrade.objects.filter(customer_id__in=visible).values("grade").annotate(n=Count("pk")).order_by()
    return {row["grade"]: row["n"] for row in rows}


def _current_evaluation_id() -> UUID | None:
    return CustomerGrade.objects.values_list("evaluation_id", flat=True).first()


def _view(
    actor: User, evaluation: GradeEvaluation, current: UUID | None, scoped: dict[str, int] | None
) -> EvaluationView:
    is_current = evaluation.pk == current
    if access.has_perm(actor, Perm.MANAGE_VALUE):
        return EvaluationView(evaluation, dict(evaluation.counts), False, evaluation.migration, is_current)
    counts = {grade: (scoped or {}).get(grade, 0) for grade in evaluation.grades} if is_current else None
    return EvaluationView(evaluation, counts, True, None, is_current)


def grade_evaluation_list(*, actor: Any, limit: int = LIST_LIMIT) -> list[EvaluationView]:
    user = _ensure_user(actor)
    newest = GradeEvaluation.objects.select_related("scheme", "previous").order_by("-as_of", "-created_at")
    evaluations = list(newest[:limit])
    current = _current_evaluation_id()
    scoped = None if access.has_perm(user, Perm.MANAGE_VALUE) else scoped_grade_counts(actor=user)
    return [_view(user, evaluation, current, scoped) for evaluation in evaluations]


def grade_evaluation_get(*, actor: Any, pk: UUID | str) -> EvaluationView:
    user = _ensure_user(actor)
    try:
        evaluation = GradeEvaluation.objects.select_related("scheme").get(pk=pk)
    except (GradeEvaluation.DoesNotExist, ValueError):
        raise NotFound(_("Not found.")) from None
    current = _current_evaluation_id()
    scoped = None if access.has_perm(user, Perm.MANAGE_VALUE) else scoped_grade_counts(actor=user)
    return _view(user, evaluation, current, scoped)


# --- one customer --------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    key: str
    label: str
    points: float  # index points this indicator gave
    weight: float
    raw: float | None  # the stored value behind it (current figures), where there is one
    missing: bool  # no value for this customer: its weight went to the others


@dataclass(frozen=True)
class GradeHistory:
    grade: CustomerGrade | None
    why: list[Contribution]
    changes: list[GradeChange]
    treatment: GradeTreatment | None
    felt_key: bool
    grades: list[str] = field(default_factory=list)


RAW_FIELDS = {
    "profit": "profit",
    "margin": "margin",
    "revenue": "revenue",
    "orders": "orders",
    "tenure": "tenure_days",
    "lifetime_value": "lifetime_value",
    "recency": "recency_days",
}


def _raw_values(value: CustomerValue | None, tags: set[int]) -> dict[str, float | None]:
    raws: dict[str, float | None] = {}
    if value is not None:
        for key, name in RAW_FIELDS.items():
            raw = getattr(value, name)
            raws[key] = None if raw is None else float(raw)
        revenue, previous = float(value.revenue), float(value.previous_revenue)
        raws["growth"] = (revenue - previous) / previous if previous > 0 else None
    for tag_id in tags:
        raws[f"tag:{tag_id}"] = 1.0
    return raws


def _why(grade: CustomerGrade, value: CustomerValue | None, tags: set[int]) -> list[Contribution]:
    indicators: list[dict[str, Any]] = grade.evaluation.indicators
    labels = indicator_labels([row["key"] for row in indicators])
    raws = _raw_values(value, tags)
    points: list[float] = list(grade.contributions)
    rows = []
    for position, row in enumerate(indicators):
        key = row["key"]
        raw = raws.get(key, 0.0 if tag_id_of(key) is not None else None)
        spec = INDICATORS.get(key)
        missing = (spec is not None and not spec.available) or (spec is not None and raw is None)
        rows.append(
            Contribution(
                key=key,
                label=labels[key],
                points=float(points[position]) if position < len(points) else 0.0,
                weight=float(row["weight"]),
                raw=raw,
                missing=missing,
            )
        )
    return rows


def customer_grade_history(*, actor: Any, customer: Customer) -> GradeHistory:
    """The customer's current grade with each indicator's contribution, its changes (newest first) and treatment."""
    access.ensure(actor, "view", customer)
    user = _ensure_user(actor)
    grade = CustomerGrade.objects.select_related("evaluation").filter(customer_id=customer.pk).first()
    changes = list(GradeChange.objects.filter(customer_id=customer.pk).order_by("-as_of", "-id")[:HISTORY_LIMIT])
    felt = FeltKeyMark.objects.filter(customer_id=customer.pk, marked_by=user).exists()
    if grade is None:
        return GradeHistory(grade=None, why=[], changes=changes, treatment=None, felt_key=felt)
    value = CustomerValue.objects.filter(customer_id=customer.pk).first()
    tag_keys = [tag_id_of(row["key"]) for row in grade.evaluation.indicators]
    wanted = [t for t in tag_keys if t is not None]
    tags = set(customer.tags.filter(tag_id__in=wanted).values_list("tag_id", flat=True)) if wanted else set()
    treatment = GradeTreatment.objects.filter(scheme_id=grade.evaluation.scheme_id, grade=grade.grade).first()
    return GradeHistory(
        grade=grade,
        why=_why(grade, value, tags),
        changes=changes,
        treatment=treatment,
        felt_key=felt,
        grades=list(grade.evaluation.grades),
    )


def felt_key_marked(*, actor: Any, customer: Customer) -> bool:
    user = _ensure_user(actor)
    return FeltKeyMark.objects.filter(customer_id=customer.pk, marked_by=user).exists()


# --- felt key against the index ---------------------------------------------------------------


@dataclass(frozen=True)
class FeltRow:
    customer_id: UUID
    name: str
    grade: str
    grade_index: Decimal
    percentile: float | None


@dataclass(frozen=True)
class FeltComparison:
    top_grade: str | None
    as_of: date | None
    felt: int  # the actor's marks on graded customers they see
    top: int  # customers they see in the top grade
    both: int
    felt_outside_top: list[FeltRow]
    top_not_felt: list[FeltRow]
    top_not_felt_total: int
    ungraded_marks: int  # marks on customers without a grade yet


def felt_comparison(*, actor: Any, scheme: GradeScheme | None = None) -> FeltComparison:
    """The actor's felt-key customers against the index's top grade, over the customers they see."""
    user = _ensure_user(actor)
    current = CustomerGrade.objects.select_related("evaluation").first()
    if current is not None and scheme is not None and current.evaluation.scheme_id != scheme.pk:
        raise InvalidInput(
            _("The current grades come from another scheme."),
            errors=[{"loc": ["scheme"], "msg": _("The current grades come from another scheme.")}],
        )
    visible = access.scope(user, Customer.objects.all()).values("pk")
    marks = FeltKeyMark.objects.filter(marked_by=user, customer_id__in=visible)
    marked = set(marks.values_list("customer_id", flat=True))
    if current is None:
        return FeltComparison(None, None, 0, 0, 0, [], [], 0, len(marked))
    top_grade = current.evaluation.grades[0]
    graded = CustomerGrade.objects.filter(customer_id__in=visible)
    rows = list(graded.values_list("customer_id", "grade_index", "grade"))
    ids = [row[0] for row in rows]
    index = np.array([float(row[1]) for row in rows], dtype=np.float64)
    felt_mask = np.array([customer_id in marked for customer_id in ids], dtype=bool)
    top_mask = np.array([row[2] == top_grade for row in rows], dtype=bool)
    result = kernel.felt_versus_index(index, felt_mask, top_mask)
    percentile = dict(zip(np.flatnonzero(felt_mask).tolist(), result.felt_percentile.tolist(), strict=True))
    order = sorted(result.top_not_felt.tolist(), key=lambda i: -index[i])
    shown_top = order[:LIST_LIMIT]
    outside = sorted(result.felt_outside_top.tolist(), key=lambda i: index[i])
    names = dict(Customer.objects.filter(pk__in=[ids[i] for i in [*outside, *shown_top]]).values_list("pk", "name"))

    def row(i: int) -> FeltRow:
        return FeltRow(ids[i], names.get(ids[i], ""), rows[i][2], rows[i][1], percentile.get(i))

    return FeltComparison(
        top_grade=top_grade,
        as_of=current.evaluation.as_of,
        felt=result.felt,
        top=result.top,
        both=result.both,
        felt_outside_top=[row(i) for i in outside],
        top_not_felt=[row(i) for i in shown_top],
        top_not_felt_total=int(result.top_not_felt.size),
        ungraded_marks=len(marked) - result.felt,
    )
