"""Writes of composite grading: schemes, treatments, "evaluate now" and personal felt-key marks."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import Conflict, InvalidInput, field_error, reject_unknown
from guanxi.core.records import record_create, record_delete, record_update
from guanxi.customers.models import Customer
from guanxi.insights.grading.catalogue import scheme_clean
from guanxi.insights.grading.engine import grade_evaluate
from guanxi.insights.models import (
    JOB_NOT_ACTIVE,
    CustomerGrade,
    FeltKeyMark,
    GradeEvaluation,
    GradeScheme,
    GradeTreatment,
    RunStatus,
    ServiceLevel,
)

logger = logging.getLogger(__name__)

SCHEME_FIELDS = ("name", "name_en", "indicators", "grades", "thresholds", "evaluate_every_days")
TREATMENT_FIELDS = ("visit_every_days", "service_level", "price_book", "credit_limit", "max_discount_pct")
DEFAULT_INDICATORS = [
    {"key": "profit", "weight": 30, "normalisation": "rank", "higher_is_better": True},
    {"key": "margin", "weight": 15, "normalisation": "rank", "higher_is_better": True},
    {"key": "revenue", "weight": 15, "normalisation": "rank", "higher_is_better": True},
    {"key": "growth", "weight": 15, "normalisation": "rank", "higher_is_better": True},
    {"key": "tenure", "weight": 10, "normalisation": "rank", "higher_is_better": True},
    {"key": "payment_punctuality", "weight": 15, "normalisation": "rank", "higher_is_better": True},
]
DEFAULT_TREATMENTS: dict[str, dict[str, Any]] = {
    "A": {"visit_every_days": 14, "service_level": ServiceLevel.PREMIUM, "price_book": "A",
          "credit_limit": Decimal("500000"), "max_discount_pct": Decimal("15")},
    "B": {"visit_every_days": 30, "service_level": ServiceLevel.PRIORITY, "price_book": "B",
          "credit_limit": Decimal("200000"), "max_discount_pct": Decimal("10")},
    "C": {"visit_every_days": 60, "service_level": ServiceLevel.STANDARD, "price_book": "C",
          "credit_limit": Decimal("50000"), "max_discount_pct": Decimal("5")},
    "D": {"visit_every_days": 120, "service_level": ServiceLevel.BASIC, "price_book": "",
          "credit_limit": None, "max_discount_pct": Decimal("0")},
}  # fmt: skip


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 366:
        raise field_error("evaluate_every_days", _("Give a number of days from 1 to 366."))
    return value


def _name(value: Any, field: str, *, required: bool) -> str:
    text = value.strip() if isinstance(value, str) else None
    if text is None or len(text) > 120 or (required and not text):
        raise field_error(field, _("Give a name of up to 120 characters.") if required else _("Up to 120 characters."))
    return text


def _sync_treatments(*, actor: User, scheme: GradeScheme) -> None:
    """One treatment row per grade of the scheme: rows of removed grades go, new grades get an empty row."""
    GradeTreatment.objects.filter(scheme=scheme).exclude(grade__in=scheme.grades).delete()
    have = set(GradeTreatment.objects.filter(scheme=scheme).values_list("grade", flat=True))
    for grade in scheme.grades:
        if grade not in have:
            record_create(actor=actor, instance=GradeTreatment(scheme=scheme, grade=grade))


@transaction.atomic
def grade_scheme_create(
    *,
    actor: User,
    name: str,
    indicators: Any,
    grades: Any,
    thresholds: Any,
    name_en: str = "",
    evaluate_every_days: int = 30,
    treatments_from: GradeScheme | None = None,
) -> GradeScheme:
    """A new, inactive scheme with a treatment row per grade: empty, or copied from ``treatments_from``'s
    treatment of the same grade (a scheme started as a copy of another)."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    parts = scheme_clean(indicators=indicators, grades=grades, thresholds=thresholds)
    scheme = GradeScheme(
        name=_name(name, "name", required=True),
        name_en=_name(name_en, "name_en", required=False),
        evaluate_every_days=_days(evaluate_every_days),
        is_active=False,
        **parts,
    )
    record_create(actor=actor, instance=scheme)
    if treatments_from is not None:
        for source in GradeTreatment.objects.filter(scheme=treatments_from, grade__in=scheme.grades):
            copied = {field: getattr(source, field) for field in TREATMENT_FIELDS}
            record_create(actor=actor, instance=GradeTreatment(scheme=scheme, grade=source.grade, **copied))
    _sync_treatments(actor=actor, scheme=scheme)
    return scheme


@transaction.atomic
def grade_scheme_update(
    *, actor: User, scheme: GradeScheme, version: int | None, changes: dict[str, Any]
) -> GradeScheme:
    """Change the name, indicators, grades, thresholds or schedule; kept evaluations keep their own copy."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    reject_unknown(changes, SCHEME_FIELDS)
    cleaned: dict[str, Any] = {}
    if "name" in changes:
        cleaned["name"] = _name(changes["name"], "name", required=True)
    if "name_en" in changes:
        cleaned["name_en"] = _name(changes["name_en"], "name_en", required=False)
    if "evaluate_every_days" in changes:
        cleaned["evaluate_every_days"] = _days(changes["evaluate_every_days"])
    if {"indicators", "grades", "thresholds"} & set(changes):
        cleaned |= scheme_clean(
            indicators=changes.get("indicators", scheme.indicators),
            grades=changes.get("grades", scheme.grades),
            thresholds=changes.get("thresholds", scheme.thresholds),
        )
    record_update(actor=actor, instance=scheme, changes=cleaned, expected_version=version)
    _sync_treatments(actor=actor, scheme=scheme)
    return scheme


@transaction.atomic
def grade_scheme_activate(*, actor: User, scheme: GradeScheme, version: int | None = None) -> GradeScheme:
    """Make ``scheme`` the one the value run evaluates (the active one before is deactivated)."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    if version is not None and version != scheme.version:
        raise Conflict(_("This record was changed by someone else. Reload it and try again."))
    for other in GradeScheme.objects.select_for_update().filter(is_active=True).exclude(pk=scheme.pk):
        record_update(actor=actor, instance=other, changes={"is_active": False}, expected_version=None)
    return record_update(actor=actor, instance=scheme, changes={"is_active": True}, expected_version=version)


@transaction.atomic
def grade_scheme_delete(*, actor: User, scheme: GradeScheme) -> None:
    """Delete a scheme that is not active and was never evaluated (evaluations are the grade history, kept)."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    if scheme.is_active:
        raise Conflict(_("The active scheme cannot be deleted. Activate another one first."))
    if CustomerGrade.objects.filter(evaluation__scheme=scheme).exists():
        raise Conflict(_("The current grades come from this scheme. Evaluate the active scheme first."))
    if GradeEvaluation.objects.filter(scheme=scheme).exists():
        raise Conflict(_("This scheme has kept evaluations (the grade history), so it cannot be deleted."))
    record_delete(actor=actor, instance=scheme)


def _decimal(value: Any, field: str, *, low: Decimal, high: Decimal) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise field_error(field, _("The value must be a number.")) from None
    if not number.is_finite() or not low <= number <= high:
        raise field_error(field, _("The value must be between %(low)s and %(high)s.") % {"low": low, "high": high})
    return number.quantize(Decimal("0.01"))


def _treatment_changes(values: dict[str, Any]) -> dict[str, Any]:
    reject_unknown(values, TREATMENT_FIELDS)
    cleaned: dict[str, Any] = {}
    if "visit_every_days" in values:
        days = values["visit_every_days"]
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366):
            raise field_error("visit_every_days", _("Give a number of days from 1 to 366, or nothing."))
        cleaned["visit_every_days"] = days
    if "service_level" in values:
        if values["service_level"] not in ServiceLevel.values:
            raise field_error("service_level", _("Choose a service level."))
        cleaned["service_level"] = values["service_level"]
    if "price_book" in values:
        cleaned["price_book"] = _name(values["price_book"] or "", "price_book", required=False)[:60]
    if "credit_limit" in values:
        cleaned["credit_limit"] = _decimal(values["credit_limit"], "credit_limit", low=Decimal(0), high=Decimal("1e15"))
    if "max_discount_pct" in values:
        cleaned["max_discount_pct"] = _decimal(
            values["max_discount_pct"], "max_discount_pct", low=Decimal(0), high=Decimal(100)
        )
    return cleaned


@transaction.atomic
def grade_treatment_set(
    *, actor: User, scheme: GradeScheme, grade: str, version: int | None, values: dict[str, Any]
) -> GradeTreatment:
    """Set how one grade of a scheme is treated (visits, service, price book, credit, discount)."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    if grade not in scheme.grades:
        raise field_error("grade", _("This scheme has no such grade."))
    cleaned = _treatment_changes(values)
    treatment = GradeTreatment.objects.select_for_update().filter(scheme=scheme, grade=grade).first()
    if treatment is None:
        return record_create(actor=actor, instance=GradeTreatment(scheme=scheme, grade=grade, **cleaned))
    return record_update(actor=actor, instance=treatment, changes=cleaned, expected_version=version)


def grade_evaluate_now(*, actor: User, as_of: date | None = None) -> GradeEvaluation:
    """Grade every customer now with the active scheme, synchronously (the API; pages queue
    ``grade_evaluation_request`` instead)."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    evaluation = grade_evaluate(as_of=as_of or timezone.localdate())
    if evaluation is None:
        raise Conflict(_("No grading scheme is active. Activate one first."))
    return evaluation


@transaction.atomic
def grade_evaluation_request(*, actor: User) -> GradeScheme:
    """ "Evaluate now": queue a grading of every customer with the active scheme; the worker runs it
    once this transaction commits. While one is queued or running, asking again queues nothing."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    scheme = GradeScheme.objects.select_for_update().filter(is_active=True).first()
    if scheme is None:
        raise Conflict(_("No grading scheme is active. Activate one first."))
    if scheme.evaluation_job.is_active:
        return scheme
    GradeScheme.objects.filter(pk=scheme.pk).update(
        evaluation_status=RunStatus.QUEUED, evaluation_queued_at=timezone.now(), evaluation_finished_at=None,
        evaluation_error="",
    )  # fmt: skip
    scheme.refresh_from_db()
    scheme_id = str(scheme.pk)

    def enqueue() -> None:
        from guanxi.insights.tasks import grade_evaluation_task

        grade_evaluation_task(scheme_id)

    transaction.on_commit(enqueue)
    return scheme


def grade_evaluation_process(*, scheme_id: Any, as_of: date | None = None) -> GradeEvaluation | None:
    """The worker's side of "evaluate now": grade every customer, recording on the scheme how it went.

    The scheme must still be the active one when the worker gets to it.
    """
    scheme = GradeScheme.objects.filter(pk=scheme_id).first()
    if scheme is None:
        return None
    jobs = GradeScheme.objects.filter(pk=scheme.pk)
    jobs.update(evaluation_status=RunStatus.RUNNING, evaluation_error="")
    evaluation: GradeEvaluation | None = None
    error = ""
    try:
        if scheme.is_active:
            evaluation = grade_evaluate(as_of=as_of or timezone.localdate())
        if evaluation is None or evaluation.scheme_id != scheme.pk:
            error = JOB_NOT_ACTIVE
    except Exception as exc:
        logger.exception("grade evaluation of scheme %s failed", scheme.pk)
        error = f"{type(exc).__name__}: {exc}"
    status = RunStatus.FAILED if error else RunStatus.DONE
    jobs.update(evaluation_status=status, evaluation_finished_at=timezone.now(), evaluation_error=error)
    return evaluation


@transaction.atomic
def felt_key_mark(*, actor: User, customer: Customer, note: str = "") -> FeltKeyMark:
    """Mark a customer the actor *feels* is key (a personal mark; marking twice keeps one)."""
    access.ensure(actor, "view", customer)
    if not isinstance(note, str) or len(note) > 300:
        raise InvalidInput(_("Up to 300 characters."), errors=[{"loc": ["note"], "msg": _("Up to 300 characters.")}])
    mark, created = FeltKeyMark.objects.get_or_create(customer=customer, marked_by=actor, defaults={"note": note})
    if not created and mark.note != note:
        FeltKeyMark.objects.filter(pk=mark.pk).update(note=note, updated_at=timezone.now())
        mark.note = note
    return mark


@transaction.atomic
def felt_key_unmark(*, actor: User, customer: Customer) -> None:
    access.ensure(actor, "view", customer)
    FeltKeyMark.objects.filter(customer=customer, marked_by=actor).delete()


@transaction.atomic
def grade_scheme_default_ensure(*, actor: User) -> GradeScheme:
    """The default active scheme "综合评级 / Composite grade" when there is no scheme yet; else the active one."""
    existing = GradeScheme.objects.order_by("-is_active", "created_at").first()
    if existing is not None:
        return existing
    scheme = GradeScheme(
        name="综合评级",
        name_en="Composite grade",
        is_active=True,
        indicators=DEFAULT_INDICATORS,
        grades=["A", "B", "C", "D"],
        thresholds=[80, 60, 40, 0],
        evaluate_every_days=30,
    )
    record_create(actor=actor, instance=scheme)
    for grade, values in DEFAULT_TREATMENTS.items():
        record_create(actor=actor, instance=GradeTreatment(scheme=scheme, grade=grade, **values))
    return scheme
