"""Insights pages: a customer's value on the 360° page, value settings, value runs, the calibration report."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from guanxi.accounts import access
from guanxi.accounts.models import Perm
from guanxi.core.errors import Conflict, InvalidInput
from guanxi.core.forms import add_domain_errors
from guanxi.core.pages import HtmxHttpRequest, actor_of
from guanxi.customers.models import Channel
from guanxi.insights import calibration, selectors, settings_service
from guanxi.insights.forms import CHANNEL_PREFIX, ValueSettingsForm
from guanxi.insights.kernels.clv import FitError
from guanxi.insights.models import ValueRun

RUNS_SHOWN = 50
HOLDOUT_WEEKS = (13, 26, 39, 52)
# The engine's step names (insights.services), as the run pages show them; unknown steps show as they are.
STEP_LABELS = {
    "start": _lazy("Preparing"),
    "read": _lazy("Reading orders and interactions"),
    "profit": _lazy("Profit after cost to serve"),
    "rfm": _lazy("RFM scores"),
    "lifetime value": _lazy("Lifetime value"),
    "classes": _lazy("Value classes"),
    "next purchase": _lazy("Expected next purchase"),
    "write": _lazy("Writing the figures"),
    "grading": _lazy("Grading"),
    "segments": _lazy("Segments"),
    "curves": _lazy("Consumption curves"),
    "done": _lazy("Done"),
}


@login_required
@require_http_methods(["GET", "HEAD"])
def customer_value_panel_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The 360° header figure "value": profit and class, with the breakdown behind "Why this value"."""
    value = selectors.customer_value_breakdown(actor=actor_of(request), customer_id=pk)
    return render(request, "insights/partials/_value_panel.html", {"value": value})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def value_settings_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    row = selectors.value_settings_get(actor=actor)
    can_edit = access.has_perm(actor, Perm.MANAGE_VALUE)
    if request.method != "POST":
        form = ValueSettingsForm(initial=ValueSettingsForm.initial_of(row))
        return _settings_page(request, form, row, can_edit=can_edit)
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    form = ValueSettingsForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, form, row, can_edit=True, status=422)
    try:
        settings_service.value_settings_update(
            actor=actor, version=form.cleaned_data["version"], changes=form.changes()
        )
    except Conflict:
        current = selectors.value_settings_get(actor=actor)
        return _settings_page(request, form, current, can_edit=True, status=409, conflict=True)
    except InvalidInput as exc:
        add_domain_errors(form, exc, aliases={c: f"{CHANNEL_PREFIX}{c}" for c in Channel.values})
        return _settings_page(request, form, row, can_edit=True, status=422)
    messages.success(request, _("The value settings have been saved. The next value run uses them."))
    return redirect("insights:value-settings")


def _settings_page(
    request: HttpRequest,
    form: ValueSettingsForm,
    row: Any,
    *,
    can_edit: bool,
    status: int = 200,
    conflict: bool = False,
) -> HttpResponse:
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    context = {"form": form, "settings_row": row, "can_edit": can_edit, "conflict": conflict}
    return render(request, "insights/value_settings.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def value_runs_view(request: HttpRequest) -> HttpResponse:
    """The runs (value managers); POST: "recompute now"."""
    actor = actor_of(request)
    if request.method == "POST":
        run = settings_service.value_run_request(actor=actor)
        messages.success(request, _("A value run has been queued."))
        return redirect("insights:value-run-detail", pk=run.pk)
    runs = list(selectors.value_run_list(actor=actor)[:RUNS_SHOWN])
    rows = [(run, _seconds(run)) for run in runs]
    return render(request, "insights/value_runs.html", {"rows": rows})


def _seconds(run: ValueRun) -> float | None:
    if run.started_at is None or run.finished_at is None:
        return None
    return (run.finished_at - run.started_at).total_seconds()


@login_required
@require_http_methods(["GET", "HEAD"])
def value_run_detail_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    run = selectors.value_run_get(actor=actor_of(request), run_id=pk)
    return render(request, "insights/value_run_detail.html", _run_context(run))


@login_required
@require_http_methods(["GET", "HEAD"])
def value_run_progress_view(request: HtmxHttpRequest, pk: UUID) -> HttpResponse:
    """Polled every two seconds while the run works; once it stops, the page reloads to show the summary."""
    run = selectors.value_run_get(actor=actor_of(request), run_id=pk)
    context = _run_context(run)
    response = render(request, "insights/partials/_value_run_progress.html", context)
    if not context["active"] and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def _run_context(run: ValueRun) -> dict[str, Any]:
    results = run.results or {}
    timings = results.get("timings_s") or {}
    return {
        "run": run,
        "step": str(STEP_LABELS.get(run.step, run.step)),
        "active": run.status in selectors.ACTIVE_RUN_STATUSES,
        "results": results,
        "classes": results.get("classes") or {},
        "pareto": results.get("pareto") or {},
        "clv": results.get("clv") or {},
        "timings": [(str(STEP_LABELS.get(name, name)), seconds) for name, seconds in timings.items()],
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def calibration_view(request: HttpRequest) -> HttpResponse:
    """The calibration / holdout report of the lifetime value model: the latest stored, or computed on request."""
    actor = actor_of(request)
    latest = selectors.value_run_latest_done(actor=actor)
    stored = (latest.results or {}).get("calibration") if latest is not None else None
    weeks = _holdout_weeks(request.GET.get("holdout_weeks"))
    context: dict[str, Any] = {"run": latest, "weeks_choices": HOLDOUT_WEEKS, "holdout_weeks": weeks}
    report: dict[str, Any] | None = stored if isinstance(stored, dict) and stored.get("buckets") else None
    context["stored"] = report is not None
    if report is None and request.GET.get("compute"):
        as_of = latest.as_of if latest is not None else timezone.localdate()
        try:
            report = calibration.calibration_from_database(as_of=as_of, holdout_weeks=weeks)
        except (FitError, ValueError) as error:
            context["error"] = str(error)
    context["report"] = report
    if report is not None:
        context["chart"] = json.dumps(_chart(report))
    return render(request, "insights/calibration.html", context)


def _holdout_weeks(raw: str | None) -> int:
    try:
        weeks = int(raw or 26)
    except ValueError:
        return 26
    return weeks if weeks in HOLDOUT_WEEKS else 26


def _chart(report: dict[str, Any]) -> dict[str, Any]:
    buckets = report.get("buckets") or []
    return {
        "labels": [str(b.get("frequency")) for b in buckets],
        "predicted": [b.get("predicted_mean") for b in buckets],
        "actual": [b.get("actual_mean") for b in buckets],
        "names": {"predicted": _("Predicted"), "actual": _("Actual")},
        "x_title": _("Purchases in the calibration period"),
        "y_title": _("Purchases per customer in the holdout"),
    }


urlpatterns: list[URLPattern | URLResolver] = [
    path("customers/<uuid:pk>/value/", customer_value_panel_view, name="customer-value-panel"),
    path("value/settings/", value_settings_view, name="value-settings"),
    path("value/runs/", value_runs_view, name="value-runs"),
    path("value/runs/<uuid:pk>/", value_run_detail_view, name="value-run-detail"),
    path("value/runs/<uuid:pk>/progress/", value_run_progress_view, name="value-run-progress"),
    path("value/calibration/", calibration_view, name="calibration"),
]
