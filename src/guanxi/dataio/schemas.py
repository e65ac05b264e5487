"""API shapes of import jobs, their problems and exports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.utils import translation
from ninja import Schema
from pydantic import Field

from guanxi.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from guanxi.core.schemas import InputSchema
from guanxi.dataio.models import ImportJob, ImportProblem
from guanxi.insights.models import ValueClassChoice


class ImportCounts(Schema):
    rows_total: int | None
    rows_done: int
    checked_rows: int
    check_errors: int
    check_duplicates: int
    created: int
    merged: int
    skipped: int
    rejected: int
    duplicates: int


class ImportJobOut(Schema):
    id: UUID
    kind: str
    file_name: str
    file_format: str
    file_size: int
    encoding: str
    headers: list[str]
    mapping: dict[str, int]
    duplicate_policy: str
    mode: str
    status: str
    phase: str
    counts: ImportCounts
    message: str
    has_error_file: bool
    created_by: str
    created_at: datetime
    checked_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def resolve_counts(job: ImportJob) -> dict[str, int | None]:
        return {
            "rows_total": job.rows_total,
            "rows_done": job.rows_done,
            "checked_rows": job.checked_rows,
            "check_errors": job.check_errors,
            "check_duplicates": job.check_duplicates,
            "created": job.created_count,
            "merged": job.merged_count,
            "skipped": job.skipped_count,
            "rejected": job.rejected_count,
            "duplicates": job.duplicate_count,
        }

    @staticmethod
    def resolve_message(job: ImportJob) -> str:
        return job.message_zh if translation.get_language() == "zh-hans" and job.message_zh else job.message

    @staticmethod
    def resolve_created_by(job: ImportJob) -> str:
        return job.created_by.username

    @staticmethod
    def resolve_has_error_file(job: ImportJob) -> bool:
        from guanxi.dataio.selectors import has_error_file

        return has_error_file(job)


class ImportProblemOut(Schema):
    row: int
    kind: str
    column: str
    field: str
    message: str
    message_zh: str
    match_id: UUID | None
    match_name: str

    @staticmethod
    def resolve_row(problem: ImportProblem) -> int:
        return problem.row_number


class UploadOptions(InputSchema):
    kind: str = Field(default="customers", pattern="^(customers|contacts)$")
    duplicate_policy: str = Field(default="skip", pattern="^(skip|merge|create)$")
    mode: str = Field(default="valid_rows", pattern="^(valid_rows|all_or_nothing)$")


class ImportOptionsIn(InputSchema):
    mapping: dict[str, int | None] | None = Field(
        default=None, description="Field name → column index (0-based) in the file; null leaves a field unmapped"
    )
    duplicate_policy: str | None = Field(default=None, max_length=10, description="skip, merge or create")


class ImportApplyIn(ImportOptionsIn):
    mode: str | None = Field(default=None, max_length=20, description="valid_rows or all_or_nothing")


class JobFilters(InputSchema):
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=500)


class ProblemFilters(JobFilters):
    phase: str | None = Field(default=None, pattern="^(check|apply)$")
    kind: str | None = Field(default=None, pattern="^(error|duplicate)$")


class ExportQuery(InputSchema):
    format: str = Field(default="csv", pattern="^(csv|xlsx)$")
    q: str = Field(default="", max_length=200)
    owner_id: int | None = Field(default=None, ge=1, le=2**62)
    team_id: int | None = Field(default=None, ge=1, le=2**62)
    tag_id: int | None = Field(default=None, ge=1, le=2**62)
    province: str = Field(default="", max_length=40)
    city: str = Field(default="", max_length=40)
    customer_id: UUID | None = None


class CustomerExportQuery(ExportQuery):
    """The customer export takes the customer list's value filters too (``customers.lists.VALUE_FILTERS``)."""

    value_class: ValueClassChoice | None = Field(default=None, description="Value class from the latest value run")
    grade: str = Field(default="", max_length=8, description="Current grade (e.g. A)")
    segment_id: UUID | None = Field(default=None, description="Members of this segment")
    rfm_r: int | None = Field(default=None, ge=1, le=10, description="R score (recency)")
    rfm_f: int | None = Field(default=None, ge=1, le=10, description="F score (frequency)")
    rfm_m: int | None = Field(default=None, ge=1, le=10, description="M score (monetary)")
    profit_min: Decimal | None = Field(default=None, max_digits=18, decimal_places=2, allow_inf_nan=False)
    profit_max: Decimal | None = Field(default=None, max_digits=18, decimal_places=2, allow_inf_nan=False)
    clv_min: Decimal | None = Field(
        default=None, max_digits=18, decimal_places=2, allow_inf_nan=False, description="Lifetime value at least"
    )
    clv_max: Decimal | None = Field(
        default=None, max_digits=18, decimal_places=2, allow_inf_nan=False, description="Lifetime value at most"
    )
