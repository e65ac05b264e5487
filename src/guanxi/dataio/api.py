"""/api/v1/imports (upload, options, dry run, apply, cancel, problems, error file) and /api/v1/exports."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponseBase
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from guanxi.accounts.api_auth import request_user
from guanxi.core.pagination import Page
from guanxi.customers.lists import VALUE_FILTERS, value_filters
from guanxi.dataio import exports, selectors, services
from guanxi.dataio.downloads import file_response
from guanxi.dataio.models import ImportJob
from guanxi.dataio.schemas import (
    CustomerExportQuery,
    ExportQuery,
    ImportApplyIn,
    ImportJobOut,
    ImportOptionsIn,
    ImportProblemOut,
    JobFilters,
    ProblemFilters,
    UploadOptions,
)

imports = Router(tags=["imports"])
exports_router = Router(tags=["exports"])


@imports.post("", response={201: ImportJobOut})
def import_upload(request: HttpRequest, file: File[UploadedFile], options: Form[UploadOptions]) -> Status[ImportJob]:
    """Upload a CSV (UTF-8 or GBK) or xlsx file; the answer carries its columns and a suggested mapping."""
    job = services.import_create(
        actor=request_user(request),
        upload=file,
        file_name=file.name or "",
        kind=options.kind,
        duplicate_policy=options.duplicate_policy,
        mode=options.mode,
    )
    return Status(201, job)


@imports.get("", response=Page[ImportJobOut])
def import_list(request: HttpRequest, filters: Query[JobFilters]) -> dict[str, Any]:
    """Your imports, newest first (settings managers see everyone's)."""
    return selectors.job_page(actor=request_user(request), limit=filters.limit, cursor=filters.cursor)


@imports.get("/{job_id}", response=ImportJobOut)
def import_get(request: HttpRequest, job_id: UUID) -> ImportJob:
    """Status, progress (rows done of rows total) and the figures of the dry run and the import."""
    return selectors.job_get(actor=request_user(request), pk=job_id)


@imports.post("/{job_id}/check", response={202: ImportJobOut})
def import_check(request: HttpRequest, job_id: UUID, payload: ImportOptionsIn) -> Status[ImportJob]:
    """Save the mapping and duplicate policy, and start the dry run (nothing is written)."""
    actor = request_user(request)
    job = selectors.job_get(actor=actor, pk=job_id)
    job = services.import_check(
        actor=actor, job=job, mapping=payload.mapping, duplicate_policy=payload.duplicate_policy
    )
    return Status(202, job)


@imports.get("/{job_id}/problems", response=Page[ImportProblemOut])
def import_problems(request: HttpRequest, job_id: UUID, filters: Query[ProblemFilters]) -> dict[str, Any]:
    """Every problem row with its column and reason (both languages), and the duplicates found."""
    actor = request_user(request)
    job = selectors.job_get(actor=actor, pk=job_id)
    return selectors.problem_page(
        actor=actor, job=job, phase=filters.phase, kind=filters.kind, limit=filters.limit, cursor=filters.cursor
    )


@imports.post("/{job_id}/apply", response={202: ImportJobOut})
def import_apply(request: HttpRequest, job_id: UUID, payload: ImportApplyIn) -> Status[ImportJob]:
    """Run the import: ``valid_rows`` applies the good rows, ``all_or_nothing`` applies nothing if any row fails."""
    actor = request_user(request)
    job = selectors.job_get(actor=actor, pk=job_id)
    job = services.import_apply(
        actor=actor,
        job=job,
        mode=payload.mode,
        duplicate_policy=payload.duplicate_policy,
        mapping=payload.mapping,
    )
    return Status(202, job)


@imports.post("/{job_id}/cancel", response=ImportJobOut)
def import_cancel(request: HttpRequest, job_id: UUID) -> ImportJob:
    actor = request_user(request)
    return services.import_cancel(actor=actor, job=selectors.job_get(actor=actor, pk=job_id))


@imports.get("/{job_id}/error-file", response={200: None})
def import_error_file(request: HttpRequest, job_id: UUID) -> HttpResponseBase:
    """The rejected rows in the uploaded format, with a ``错误 / error`` column giving each reason."""
    actor = request_user(request)
    error_file = selectors.error_file(actor=actor, job=selectors.job_get(actor=actor, pk=job_id))
    return file_response(error_file.rows, error_file.file_format, error_file.name, title="errors")


def export_response(request: HttpRequest, kind: str, query: ExportQuery) -> HttpResponseBase:
    given = query.dict(include=set(VALUE_FILTERS)) if isinstance(query, CustomerExportQuery) else {}
    value, _errors = value_filters(given, strict=True)  # a bad value filter is a 422 naming it
    filters = exports.ExportFilters(
        q=query.q,
        owner_id=query.owner_id,
        team_id=query.team_id,
        tag_id=query.tag_id,
        province=query.province,
        city=query.city,
        customer_id=query.customer_id,
        value=value,
    )
    export = exports.export_rows(actor=request_user(request), kind=kind, filters=filters, file_format=query.format)

    def rows() -> Any:
        yield export.header
        yield from export.rows

    return file_response(rows(), query.format, f"{kind}.{query.format}", title=export.title)


@exports_router.get("/customers", response={200: None})
def export_customers(request: HttpRequest, query: Query[CustomerExportQuery]) -> HttpResponseBase:
    """The customer list you see (same filters as ``GET /api/v1/customers``, value filters included) as CSV or xlsx."""
    return export_response(request, "customers", query)


@exports_router.get("/contacts", response={200: None})
def export_contacts(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponseBase:
    """Contacts with their posts at customers you see (``customer_id`` for one customer)."""
    return export_response(request, "contacts", query)


@exports_router.get("/interactions", response={200: None})
def export_interactions(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponseBase:
    return export_response(request, "interactions", query)


@exports_router.get("/orders", response={200: None})
def export_orders(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponseBase:
    return export_response(request, "orders", query)
