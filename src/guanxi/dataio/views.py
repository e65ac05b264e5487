"""Import wizard (upload → mapping → dry-run report → apply), the job page with live progress, exports."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guanxi.core.errors import InvalidInput, InvalidTransition, NotAllowed
from guanxi.core.forms import add_domain_errors
from guanxi.core.pages import HtmxHttpRequest, actor_of
from guanxi.customers.lists import value_filters
from guanxi.dataio import exports, selectors, services
from guanxi.dataio.downloads import file_response
from guanxi.dataio.forms import ApplyForm, MappingForm, UploadForm
from guanxi.dataio.models import ACTIVE_STATUSES, ImportJob, ImportStatus

PROBLEMS_PAGE = 50
EXPORT_FILTERS = ("q", "owner_id", "team_id", "tag_id", "province", "city", "customer_id")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_list_view(request: HttpRequest) -> HttpResponse:
    """The user's imports and the upload form (step 1 of the wizard)."""
    actor = actor_of(request)
    allowed = services.import_allowed(actor)
    form = UploadForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST":
        if not allowed:
            raise NotAllowed(_("You do not have the permission for this action."))
        if form.is_valid():
            try:
                job = services.import_create(
                    actor=actor,
                    upload=form.cleaned_data["file"],
                    file_name=form.cleaned_data["file"].name,
                    kind=form.cleaned_data["kind"],
                )
            except InvalidInput as exc:
                add_domain_errors(form, exc)
            else:
                return redirect("dataio:import-detail", pk=job.pk)
    page = selectors.job_page(actor=actor, limit=50, cursor=request.GET.get("cursor") or None)
    context = {"form": form, "can_import": allowed, "jobs": page["items"], "next_cursor": page["next_cursor"]}
    return render(request, "dataio/import_list.html", context, status=422 if form.errors else 200)


def _detail(request: HttpRequest, job: ImportJob, *, form: Any = None, status: int = 200) -> HttpResponse:
    actor = actor_of(request)
    configurable = job.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED)
    mapping_form = form if isinstance(form, MappingForm) else MappingForm(job=job) if configurable else None
    apply_form = form if isinstance(form, ApplyForm) else None
    if apply_form is None and job.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        apply_form = ApplyForm(initial={"mode": job.mode, "duplicate_policy": job.duplicate_policy})
    page = selectors.problem_page(actor=actor, job=job, limit=PROBLEMS_PAGE)
    context = {
        "job": job,
        "active": job.status in ACTIVE_STATUSES,
        "can_import": services.import_allowed(actor),
        "mapping_form": mapping_form,
        "apply_form": apply_form,
        "problems": page["items"],
        "next_cursor": page["next_cursor"],
        "has_error_file": selectors.has_error_file(job),
        "phase": selectors.report_phase(job),
    }
    return render(request, "dataio/import_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def import_detail_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    return _detail(request, selectors.job_get(actor=actor_of(request), pk=pk))


@login_required
@require_http_methods(["POST"])
def import_check_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Step 2 → 3: save the mapping and start the dry run."""
    actor = actor_of(request)
    job = selectors.job_get(actor=actor, pk=pk)
    form = MappingForm(request.POST, job=job)
    if form.is_valid():
        try:
            services.import_check(
                actor=actor, job=job, mapping=form.mapping(), duplicate_policy=form.cleaned_data["duplicate_policy"]
            )
        except InvalidInput as exc:
            add_domain_errors(form, exc, aliases={name: f"col_{name}" for name in form.mapped})
        else:
            return redirect("dataio:import-detail", pk=job.pk)
    return _detail(request, job, form=form, status=422)


@login_required
@require_http_methods(["POST"])
def import_apply_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Step 4: run the import in the chosen mode."""
    actor = actor_of(request)
    job = selectors.job_get(actor=actor, pk=pk)
    form = ApplyForm(request.POST)
    if form.is_valid():
        try:
            services.import_apply(actor=actor, job=job, **form.cleaned_data)
        except (InvalidInput, InvalidTransition) as exc:
            add_domain_errors(form, exc)
        else:
            return redirect("dataio:import-detail", pk=job.pk)
    return _detail(request, job, form=form, status=422)


@login_required
@require_http_methods(["POST"])
def import_cancel_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    job = selectors.job_get(actor=actor, pk=pk)
    try:
        services.import_cancel(actor=actor, job=job)
    except InvalidTransition as exc:
        messages.warning(request, exc.detail)
    return redirect("dataio:import-detail", pk=job.pk)


@login_required
@require_http_methods(["GET", "HEAD"])
def import_progress_view(request: HtmxHttpRequest, pk: UUID) -> HttpResponse:
    """Polled by the job page every two seconds; once the job stops, the page reloads to show its report."""
    job = selectors.job_get(actor=actor_of(request), pk=pk)
    response = render(request, "dataio/partials/_import_progress.html", {"job": job, "active": True})
    if job.status not in ACTIVE_STATUSES and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def import_problems_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """More rows of the report (the "more" button)."""
    actor = actor_of(request)
    job = selectors.job_get(actor=actor, pk=pk)
    page = selectors.problem_page(actor=actor, job=job, limit=PROBLEMS_PAGE, cursor=request.GET.get("cursor") or None)
    context = {"job": job, "problems": page["items"], "next_cursor": page["next_cursor"]}
    return render(request, "dataio/partials/_problem_rows.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def import_error_file_view(request: HttpRequest, pk: UUID) -> HttpResponseBase:
    actor = actor_of(request)
    error_file = selectors.error_file(actor=actor, job=selectors.job_get(actor=actor, pk=pk))
    return file_response(error_file.rows, error_file.file_format, error_file.name, title="errors")


def _filters(query: QueryDict) -> exports.ExportFilters:
    def number(name: str) -> int | None:
        raw = query.get(name, "")
        return int(raw) if raw.isdigit() and len(raw) < 18 else None

    customer = query.get("customer_id", "")
    try:
        customer_id = UUID(customer) if customer else None
    except ValueError:
        customer_id = None
    return exports.ExportFilters(
        q=query.get("q", "")[:200],
        owner_id=number("owner_id"),
        team_id=number("team_id"),
        tag_id=number("tag_id"),
        province=query.get("province", "")[:40],
        city=query.get("city", "")[:40],
        customer_id=customer_id,
        value=value_filters(query, strict=False)[0],
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def export_view(request: HttpRequest, kind: str) -> HttpResponseBase:
    """A list view as CSV or xlsx, with the list's filters (``?format=xlsx&q=…``)."""
    file_format = request.GET.get("format", "csv")
    if kind not in exports.KINDS or file_format not in exports.FORMATS:
        return render(request, "web/404.html", status=404)
    export = exports.export_rows(
        actor=actor_of(request), kind=kind, filters=_filters(request.GET), file_format=file_format
    )

    def rows() -> Any:
        yield export.header
        yield from export.rows

    return file_response(rows(), file_format, f"{kind}.{file_format}", title=export.title)


@login_required
@require_http_methods(["GET", "HEAD"])
def data_menu_view(request: HttpRequest, kind: str) -> HttpResponse:
    """The items of the import/export menu, with the list's current filters in the export links."""
    actor = actor_of(request)
    if kind not in exports.KINDS:
        return render(request, "web/404.html", status=404)
    query = QueryDict(mutable=True)
    for name in EXPORT_FILTERS:
        value = request.GET.get(name, "")
        if value:
            query[name] = value[:200]
    context = {
        "kind": kind,
        "query": query.urlencode(),
        "can_export": exports.export_allowed(actor),
        "can_import": services.import_allowed(actor) and kind in ("customers", "contacts"),
    }
    return render(request, "dataio/partials/_data_menu.html", context)
