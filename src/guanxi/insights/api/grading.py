"""/api/v1/insights: grading schemes and treatments, evaluations, a customer's grade, felt-key marks."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from guanxi.accounts import access
from guanxi.accounts.api_auth import request_user
from guanxi.accounts.models import Perm
from guanxi.core.errors import Conflict
from guanxi.core.pagination import Page, bounded
from guanxi.customers import selectors as customers
from guanxi.insights import grading
from guanxi.insights.grading import selectors
from guanxi.insights.schemas.grading import (
    CustomerGradeOut,
    EvaluationDetailOut,
    EvaluationOut,
    FeltComparisonOut,
    FeltKeyIn,
    FeltKeyOut,
    GradeSchemeIn,
    GradeSchemeOut,
    GradeSchemePatch,
    TreatmentIn,
    TreatmentOut,
    VersionIn,
)

router = Router(tags=["insights"])


def _evaluation(view: selectors.EvaluationView, *, detail: bool, managers: bool) -> dict[str, Any]:
    evaluation = view.evaluation
    out: dict[str, Any] = {
        "id": evaluation.pk,
        "scheme_id": evaluation.scheme_id,
        "scheme_name": evaluation.scheme.name,
        "as_of": evaluation.as_of,
        "created_at": evaluation.created_at,
        "grades": evaluation.grades,
        "is_current": view.is_current,
        "customers": evaluation.customers if managers else None,
        "counts": view.counts,
        "scoped": view.scoped,
    }
    if detail:
        out |= {
            "thresholds": evaluation.thresholds,
            "indicators": selectors.scheme_indicator_rows(evaluation.indicators),
            "migration": view.migration,
        }
    return out


@router.get("/grading-schemes", response=Page[GradeSchemeOut])
def grading_scheme_list(request: HttpRequest) -> dict[str, object]:
    """Every grading scheme, the active one first (readable by every user: other modules show treatments)."""
    return bounded(selectors.grade_scheme_list(actor=request_user(request)))


@router.post("/grading-schemes", response={201: GradeSchemeOut})
def grading_scheme_create(request: HttpRequest, payload: GradeSchemeIn) -> Status[Any]:
    """A new, inactive scheme (value managers)."""
    scheme = grading.grade_scheme_create(
        actor=request_user(request),
        name=payload.name,
        name_en=payload.name_en,
        indicators=[indicator.as_dict() for indicator in payload.indicators],
        grades=payload.grades,
        thresholds=payload.thresholds,
        evaluate_every_days=payload.evaluate_every_days,
    )
    return Status(201, scheme)


@router.get("/grading-schemes/{scheme_id}", response=GradeSchemeOut)
def grading_scheme_get(request: HttpRequest, scheme_id: UUID) -> Any:
    return selectors.grade_scheme_get(actor=request_user(request), pk=scheme_id)


@router.patch("/grading-schemes/{scheme_id}", response=GradeSchemeOut)
def grading_scheme_update(request: HttpRequest, scheme_id: UUID, payload: GradeSchemePatch) -> Any:
    actor = request_user(request)
    scheme = selectors.grade_scheme_get(actor=actor, pk=scheme_id)
    return grading.grade_scheme_update(actor=actor, scheme=scheme, version=payload.version, changes=payload.changes())


@router.delete("/grading-schemes/{scheme_id}", response={204: None})
def grading_scheme_delete(request: HttpRequest, scheme_id: UUID) -> Status[None]:
    """Delete a scheme that is not active and was never evaluated (409 otherwise: evaluations are the grade history)."""
    actor = request_user(request)
    grading.grade_scheme_delete(actor=actor, scheme=selectors.grade_scheme_get(actor=actor, pk=scheme_id))
    return Status(204, None)


@router.post("/grading-schemes/{scheme_id}/activate", response=GradeSchemeOut)
def grading_scheme_activate(request: HttpRequest, scheme_id: UUID, payload: VersionIn | None = None) -> Any:
    """Make this the scheme the value run evaluates; the one active before is deactivated."""
    actor = request_user(request)
    scheme = selectors.grade_scheme_get(actor=actor, pk=scheme_id)
    return grading.grade_scheme_activate(actor=actor, scheme=scheme, version=payload.version if payload else None)


@router.put("/grading-schemes/{scheme_id}/treatments/{grade}", response=TreatmentOut)
def grading_treatment_set(request: HttpRequest, scheme_id: UUID, grade: str, payload: TreatmentIn) -> Any:
    """Set how a grade is treated: visit frequency, service level, price book, credit limit, maximum discount."""
    actor = request_user(request)
    scheme = selectors.grade_scheme_get(actor=actor, pk=scheme_id)
    values = payload.model_dump(exclude={"version"})
    return grading.grade_treatment_set(actor=actor, scheme=scheme, grade=grade, version=payload.version, values=values)


@router.post("/grading-schemes/{scheme_id}/evaluate", response={201: EvaluationDetailOut})
def grading_scheme_evaluate(request: HttpRequest, scheme_id: UUID) -> Status[Any]:
    """Grade every customer now with this scheme, which must be the active one (runs synchronously)."""
    actor = request_user(request)
    scheme = selectors.grade_scheme_get(actor=actor, pk=scheme_id)
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    if not scheme.is_active:
        raise Conflict(_("Only the active scheme is evaluated. Activate it first."))
    evaluation = grading.grade_evaluate_now(actor=actor)
    view = selectors.grade_evaluation_get(actor=actor, pk=evaluation.pk)
    return Status(201, _evaluation(view, detail=True, managers=True))


@router.get("/grade-evaluations", response=Page[EvaluationOut])
def grade_evaluation_list(request: HttpRequest) -> dict[str, object]:
    """Kept evaluations, newest first; counts are company-wide for value managers, your scope's otherwise."""
    actor = request_user(request)
    managers = access.has_perm(actor, Perm.MANAGE_VALUE)
    views = selectors.grade_evaluation_list(actor=actor, limit=selectors.LIST_LIMIT + 1)
    return bounded([_evaluation(view, detail=False, managers=managers) for view in views], limit=selectors.LIST_LIMIT)


@router.get("/grade-evaluations/{evaluation_id}", response=EvaluationDetailOut)
def grade_evaluation_get(request: HttpRequest, evaluation_id: UUID) -> dict[str, Any]:
    actor = request_user(request)
    view = selectors.grade_evaluation_get(actor=actor, pk=evaluation_id)
    return _evaluation(view, detail=True, managers=access.has_perm(actor, Perm.MANAGE_VALUE))


@router.get("/customers/{customer_id}/grade", response=CustomerGradeOut)
def customer_grade(request: HttpRequest, customer_id: UUID) -> dict[str, Any]:
    """The customer's current grade, why (each indicator's points), its history and treatment."""
    actor = request_user(request)
    customer = customers.customer_get(actor=actor, pk=customer_id)
    history = selectors.customer_grade_history(actor=actor, customer=customer)
    grade = history.grade
    return {
        "customer_id": customer.pk,
        "graded": grade is not None,
        "grade": grade.grade if grade else None,
        "grade_index": grade.grade_index if grade else None,
        "as_of": grade.as_of if grade else None,
        "grades": history.grades,
        "why": history.why,
        "history": history.changes,
        "treatment": history.treatment,
        "felt_key": history.felt_key,
    }


@router.put("/customers/{customer_id}/felt-key", response=FeltKeyOut)
def felt_key_mark(request: HttpRequest, customer_id: UUID, payload: FeltKeyIn) -> dict[str, Any]:
    """Mark the customer as one you feel is key (your own mark)."""
    actor = request_user(request)
    customer = customers.customer_get(actor=actor, pk=customer_id)
    mark = grading.felt_key_mark(actor=actor, customer=customer, note=payload.note)
    return {"customer_id": customer.pk, "felt_key": True, "note": mark.note}


@router.delete("/customers/{customer_id}/felt-key", response={204: None})
def felt_key_unmark(request: HttpRequest, customer_id: UUID) -> Status[None]:
    actor = request_user(request)
    grading.felt_key_unmark(actor=actor, customer=customers.customer_get(actor=actor, pk=customer_id))
    return Status(204, None)


@router.get("/felt-key/comparison", response=FeltComparisonOut)
def felt_key_comparison(request: HttpRequest) -> Any:
    """Your felt-key customers against the index's top grade, over the customers you see."""
    return selectors.felt_comparison(actor=request_user(request))
