"""Insights pages: composite grading (scheme, treatments, evaluations and migration), felt key, the 360° grade."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import Conflict, NotFound
from guanxi.core.forms import form_write
from guanxi.core.pages import HtmxHttpRequest, actor_of
from guanxi.customers import selectors as customers
from guanxi.insights import grading
from guanxi.insights.grading import selectors
from guanxi.insights.grading import services as grading_services
from guanxi.insights.grading.forms import NewSchemeForm, SchemeForm, TreatmentForm
from guanxi.insights.models import GradeScheme

EVALUATIONS_SHOWN = 12


def _manager(actor: User) -> bool:
    return access.has_perm(actor, Perm.MANAGE_VALUE)


def _ensure_manager(actor: User) -> None:
    if not _manager(actor):
        raise PermissionDenied


def _customer_list_url(grade: str) -> str:
    return f"{reverse('customers:customer-list')}?grade={grade}"


def _sankey(view: selectors.EvaluationView | None) -> dict[str, Any] | None:
    """Nodes and flows of the migration into ``view``'s evaluation (grades now link to the customer list)."""
    if view is None or not view.migration or view.evaluation.previous_id is None:
        return None
    migration = view.migration
    before = [_("new") if row == "new" else _("%(grade)s before") % {"grade": row} for row in migration["rows"]]
    now = [_("%(grade)s now") % {"grade": column} for column in migration["columns"]]
    links = []
    for r, counts in enumerate(migration["counts"]):
        for c, count in enumerate(counts):
            if count:
                url = _customer_list_url(migration["columns"][c])
                links.append({"source": before[r], "target": now[c], "value": count, "url": url})
    used = {link["source"] for link in links} | {link["target"] for link in links}
    nodes = [{"name": name, "url": ""} for name in before if name in used]
    nodes += [
        {"name": name, "url": _customer_list_url(column)}
        for name, column in zip(now, migration["columns"], strict=True)
        if name in used
    ]
    return {"nodes": nodes, "links": links}


def _migration_rows(view: selectors.EvaluationView | None) -> list[dict[str, Any]]:
    if view is None or not view.migration or view.evaluation.previous_id is None:
        return []
    rows = view.migration["rows"]
    labels = [_("new") if row == "new" else row for row in rows]
    return [{"label": label, "counts": counts} for label, counts in zip(labels, view.migration["counts"], strict=True)]


@login_required
@require_GET
def grading_view(request: HttpRequest) -> HttpResponse:
    """The active scheme, its treatments, the last evaluations and the grade migration between the last two."""
    actor = actor_of(request)
    scheme = selectors.grade_scheme_active()
    evaluations = selectors.grade_evaluation_list(actor=actor, limit=EVALUATIONS_SHOWN)
    latest = next((view for view in evaluations if scheme and view.evaluation.scheme_id == scheme.pk), None)
    context = {
        "scheme": scheme,
        "indicators": selectors.scheme_indicator_rows(scheme.indicators) if scheme else [],
        "grade_rows": list(zip(scheme.grades, scheme.thresholds, strict=False)) if scheme else [],
        "treatments": selectors.grade_treatments(scheme=scheme) if scheme else [],
        "evaluations": evaluations,
        "latest": latest,
        "sankey": _sankey(latest),
        "migration_rows": _migration_rows(latest),
        "can_manage": _manager(actor),
        "customer_list_url": reverse("customers:customer-list"),
        **(_evaluation_job(request, scheme) if _manager(actor) else {}),
    }
    return render(request, "insights/grading_overview.html", context)


def _scheme_or_404(actor: User, pk: UUID) -> GradeScheme:
    return selectors.grade_scheme_get(actor=actor, pk=pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def grading_scheme_edit_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    _ensure_manager(actor)
    scheme = _scheme_or_404(actor, pk)
    form = SchemeForm(request.POST or None, scheme=scheme, initial=SchemeForm.initial_for(scheme))
    status = 200
    if request.method == "POST":
        saved, status = form_write(
            form,
            lambda: grading.grade_scheme_update(
                actor=actor, scheme=scheme, version=form.cleaned_data["version"], changes=form.changes()
            ),
        )
        if saved is not None:
            messages.success(request, _("The grading scheme has been saved."))
            return redirect("insights:grading")
    context = {"scheme": scheme, "form": form, "rows": form.rows()}
    return render(request, "insights/grading_scheme_edit.html", context, status=status)


@login_required
@require_GET
def grading_scheme_list_view(request: HttpRequest) -> HttpResponse:
    """Every scheme: version, active, last evaluation and how many were kept (value managers)."""
    actor = actor_of(request)
    _ensure_manager(actor)
    return render(request, "insights/grading_scheme_list.html", {"rows": selectors.grade_scheme_rows(actor=actor)})


def _source(actor: User, raw: str | None) -> GradeScheme | None:
    """The scheme a new one is copied from: the one named (when it exists), else the active one."""
    if raw:
        try:
            return selectors.grade_scheme_get(actor=actor, pk=raw)
        except NotFound:
            return None
    return selectors.grade_scheme_active()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def grading_scheme_create_view(request: HttpRequest) -> HttpResponse:
    """A new, inactive scheme, started as a copy of the active one (or of the default catalogue)."""
    actor = actor_of(request)
    _ensure_manager(actor)
    source = _source(actor, request.POST.get("source") if request.method == "POST" else None)
    draft = NewSchemeForm.draft(source)
    form = NewSchemeForm(request.POST or None, scheme=draft, initial=NewSchemeForm.initial_for_draft(draft, source))
    status = 200
    if request.method == "POST":
        created, status = form_write(
            form,
            lambda: grading.grade_scheme_create(actor=actor, treatments_from=source, **form.changes()),
        )
        if created is not None:
            messages.success(
                request, _("The scheme “%(name)s” has been created. It is not active yet.") % {"name": created.name}
            )
            return redirect("insights:grading-scheme-list")
    context = {"scheme": draft, "source": source, "form": form, "rows": form.rows(), "creating": True}
    return render(request, "insights/grading_scheme_edit.html", context, status=status)


def _confirm(
    request: HttpRequest, row: selectors.SchemeRow, action: str, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "row": row,
        "scheme": row.scheme,
        "action": action,
        "error": error,
        "active": selectors.grade_scheme_active(),
    }
    return render(request, "insights/grading_scheme_confirm.html", context, status=status)


def _posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def grading_scheme_activate_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """GET: "make this the active scheme?"; POST (with the version read): activate it; stale → 409."""
    actor = actor_of(request)
    _ensure_manager(actor)
    row = selectors.grade_scheme_row(actor=actor, pk=pk)
    if request.method != "POST":
        return _confirm(request, row, "activate")
    version = _posted_version(request)
    try:
        if version is None:
            raise Conflict(_("This record was changed by someone else. Reload it and try again."))
        grading.grade_scheme_activate(actor=actor, scheme=row.scheme, version=version)
    except Conflict as exc:
        return _confirm(
            request, selectors.grade_scheme_row(actor=actor, pk=pk), "activate", error=exc.detail, status=409
        )
    messages.success(
        request, _("“%(name)s” is now the active scheme. The next evaluation uses it.") % {"name": row.scheme.name}
    )
    return redirect("insights:grading-scheme-list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def grading_scheme_delete_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """GET: "delete this scheme?" (or why it cannot be); POST: delete it, refused for the active or evaluated one."""
    actor = actor_of(request)
    _ensure_manager(actor)
    row = selectors.grade_scheme_row(actor=actor, pk=pk)
    if request.method != "POST":
        return _confirm(request, row, "delete")
    try:
        grading.grade_scheme_delete(actor=actor, scheme=row.scheme)
    except Conflict as exc:
        return _confirm(request, row, "delete", error=exc.detail, status=409)
    messages.success(request, _("The scheme “%(name)s” has been deleted.") % {"name": row.scheme.name})
    return redirect("insights:grading-scheme-list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def grading_treatment_edit_view(request: HttpRequest, pk: UUID, grade: str) -> HttpResponse:
    actor = actor_of(request)
    _ensure_manager(actor)
    scheme = _scheme_or_404(actor, pk)
    if grade not in scheme.grades:
        raise NotFound(_("Not found."))
    treatment = next((t for t in selectors.grade_treatments(scheme=scheme) if t.grade == grade), None)
    form = TreatmentForm(request.POST or None, initial=TreatmentForm.initial_for(treatment))
    status = 200
    if request.method == "POST":
        saved, status = form_write(
            form,
            lambda: grading.grade_treatment_set(
                actor=actor, scheme=scheme, grade=grade, version=form.cleaned_data["version"], values=form.values()
            ),
        )
        if saved is not None:
            messages.success(request, _("The treatment of grade %(grade)s has been saved.") % {"grade": grade})
            return redirect("insights:grading")
    context = {"scheme": scheme, "grade": grade, "form": form}
    return render(request, "insights/grading_treatment_edit.html", context, status=status)


def _evaluation_job(request: HttpRequest, scheme: GradeScheme | None) -> dict[str, Any]:
    """The "evaluate now" job of the active scheme, for insights/partials/_job_status.html."""
    latest = selectors.grade_evaluation_latest(scheme=scheme) if scheme is not None else None
    result = ""
    if latest is not None:
        result = _("%(count)d customers graded, as of %(day)s.") % {
            "count": latest.customers,
            "day": latest.as_of.isoformat(),
        }
    return {
        "job": scheme.evaluation_job if scheme is not None else None,
        "job_id": "gx-evaluation-job",
        "job_url": reverse("insights:grading-evaluation-status"),
        "result": result,
        "not_active_text": _("The scheme was deactivated before the worker got to it, so it was not evaluated."),
    }


@login_required
@require_POST
def grading_evaluate_view(request: HttpRequest) -> HttpResponse:
    """Queue a grading of every customer with the active scheme (value managers); the page follows the job."""
    actor = actor_of(request)
    _ensure_manager(actor)
    try:
        grading_services.grade_evaluation_request(actor=actor)
    except Conflict as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("An evaluation has been queued: every customer is graded in the background."))
    return redirect("insights:grading")


@login_required
@require_GET
def grading_evaluation_status_view(request: HtmxHttpRequest) -> HttpResponse:
    """Where "evaluate now" stands (polled while it works); once it stops, the page reloads to show the grades."""
    actor = actor_of(request)
    _ensure_manager(actor)
    context = _evaluation_job(request, selectors.grade_scheme_active())
    response = render(request, "insights/partials/_job_status.html", context)
    if request.htmx and context["job"] is not None and not context["job"].is_active:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def felt_key_view(request: HttpRequest) -> HttpResponse:
    """The actor's felt-key customers against the index's top grade."""
    comparison = selectors.felt_comparison(actor=actor_of(request))
    context = {
        "comparison": comparison,
        "top_url": _customer_list_url(comparison.top_grade) if comparison.top_grade else "",
    }
    return render(request, "insights/grading_felt_key.html", context)


def _panel(request: HttpRequest, actor: User, pk: UUID) -> HttpResponse:
    customer = customers.customer_get(actor=actor, pk=pk)
    history = selectors.customer_grade_history(actor=actor, customer=customer)
    top = max((row.points for row in history.why), default=0.0)
    context = {
        "customer": customer,
        "history": history,
        "grade": history.grade,
        "why": [{"row": row, "width": round(100 * row.points / top) if top > 0 else 0} for row in history.why],
        "grade_list_url": _customer_list_url(history.grade.grade) if history.grade else "",
    }
    return render(request, "insights/partials/_grade_panel.html", context)


@login_required
@require_GET
def customer_grade_panel_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The 360° header fragment: grade and index, why, history, treatment, the felt-key toggle."""
    return _panel(request, actor_of(request), pk)


@login_required
@require_POST
def felt_key_toggle_view(request: HtmxHttpRequest, pk: UUID) -> HttpResponse:
    """Mark or unmark the customer as felt key (a personal mark); htmx gets the panel back."""
    actor = actor_of(request)
    customer = customers.customer_get(actor=actor, pk=pk)
    if selectors.felt_key_marked(actor=actor, customer=customer):
        grading.felt_key_unmark(actor=actor, customer=customer)
    else:
        grading.felt_key_mark(actor=actor, customer=customer)
    if request.htmx:
        return _panel(request, actor, pk)
    return redirect("customers:customer-detail", pk=pk)


urlpatterns: list[URLPattern | URLResolver] = [
    path("grading/", grading_view, name="grading"),
    path("grading/schemes/", grading_scheme_list_view, name="grading-scheme-list"),
    path("grading/schemes/new/", grading_scheme_create_view, name="grading-scheme-create"),
    path("grading/schemes/<uuid:pk>/edit/", grading_scheme_edit_view, name="grading-scheme-edit"),
    path("grading/schemes/<uuid:pk>/activate/", grading_scheme_activate_view, name="grading-scheme-activate"),
    path("grading/schemes/<uuid:pk>/delete/", grading_scheme_delete_view, name="grading-scheme-delete"),
    path(
        "grading/schemes/<uuid:pk>/treatments/<str:grade>/", grading_treatment_edit_view, name="grading-treatment-edit"
    ),
    path("grading/evaluate/", grading_evaluate_view, name="grading-evaluate"),
    path("grading/evaluate/status/", grading_evaluation_status_view, name="grading-evaluation-status"),
    path("grading/felt-key/", felt_key_view, name="felt-key"),
    path("customers/<uuid:pk>/grade/", customer_grade_panel_view, name="customer-grade-panel"),
    path("customers/<uuid:pk>/felt-key/", felt_key_toggle_view, name="felt-key-toggle"),
]
