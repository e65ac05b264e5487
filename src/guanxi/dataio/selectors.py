"""Reads of import jobs: a job and its files are the importer's, and every job is visible to settings managers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import NotFound
from guanxi.core.pagination import DEFAULT_LIMIT, Ordering, paginate
from guanxi.dataio import files
from guanxi.dataio.columns import columns_of
from guanxi.dataio.models import ImportJob, ImportProblem, ImportStatus, ProblemKind
from guanxi.dataio.services.engine import APPLY, CHECK

JOB_ORDERING = Ordering(fields={"created_at": "created_at:datetime"}, default="-created_at")
PROBLEM_ORDERING = Ordering(fields={"row": "row_number"}, default="row")
ERROR_COLUMN = "错误 / error"


def _visible(actor: User | Any) -> Q | None:
    user = access.active_user(actor)
    if user is None:
        return None
    if access.has_perm(user, Perm.MANAGE_SETTINGS):
        # Settings managers look after every import.
        return Q()
    # Everyone else sees the imports they started.
    return Q(created_by=user)


def job_list(*, actor: User | Any) -> QuerySet[ImportJob]:
    q = _visible(actor)
    jobs = ImportJob.objects.select_related("created_by")
    return jobs.none() if q is None else jobs.filter(q)


def job_page(*, actor: User | Any, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
    return paginate(job_list(actor=actor), ordering=JOB_ORDERING, order=None, limit=limit, cursor=cursor)


def job_get(*, actor: User | Any, pk: UUID | str) -> ImportJob:
    try:
        job = job_list(actor=actor).filter(pk=pk).first()
    except (ValueError, TypeError):
        job = None
    if job is None:
        raise NotFound(_("Not found."))
    return job


def report_phase(job: ImportJob) -> str:
    """Whose problems the job shows: the apply phase's once it started applying, else the dry run's."""
    return CHECK if job.phase in ("", CHECK) else APPLY


def problem_page(
    *,
    actor: User | Any,
    job: ImportJob,
    phase: str | None = None,
    kind: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Problems of the dry run or the apply phase, by row number."""
    job = job_get(actor=actor, pk=job.pk)
    problems = ImportProblem.objects.filter(job=job, phase=phase or report_phase(job))
    if kind:
        problems = problems.filter(kind=kind)
    return paginate(problems, ordering=PROBLEM_ORDERING, order=None, limit=limit, cursor=cursor)


def mapping_rows(job: ImportJob) -> list[tuple[str, str, bool, int | None]]:
    """(field, label, required, mapped column index) for the mapping form."""
    return [
        (column.name, str(column.label), column.required, job.mapping.get(column.name))
        for column in columns_of(job.kind)
    ]


@dataclass(frozen=True)
class ErrorFile:
    name: str
    file_format: str
    rows: Iterator[list[str]]


def _reasons(job: ImportJob, phase: str) -> dict[int, str]:
    zh: dict[int, list[str]] = {}
    en: dict[int, list[str]] = {}
    problems = ImportProblem.objects.filter(job=job, phase=phase, kind=ProblemKind.ERROR).order_by("row_number", "id")
    for row, column, message, message_zh in problems.values_list("row_number", "column", "message", "message_zh"):
        zh.setdefault(row, []).append(f"{column}：{message_zh}" if column else message_zh)
        en.setdefault(row, []).append(f"{column}: {message}" if column else message)
    return {row: "；".join(zh[row]) + " / " + "; ".join(en[row]) for row in zh}


def has_error_file(job: ImportJob) -> bool:
    finished = job.status in (ImportStatus.CHECKED, ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)
    phase = report_phase(job)
    return finished and ImportProblem.objects.filter(job=job, phase=phase, kind=ProblemKind.ERROR).exists()


def error_file(*, actor: User | Any, job: ImportJob) -> ErrorFile:
    """The rejected rows as they were in the file, plus a reason column, in the file's own format."""
    job = job_get(actor=actor, pk=job.pk)
    if not has_error_file(job):
        raise NotFound(_("This import has no rejected rows."))
    reasons = _reasons(job, report_phase(job))
    path = files.stored_path(f"{job.pk}.{job.file_format}")
    sniffed = files.Sniffed(job.file_format, job.encoding, job.delimiter)
    width = len(job.headers)

    def rows() -> Iterator[list[str]]:
        yield [*job.headers, ERROR_COLUMN]
        for row in files.data_rows(path, sniffed):
            reason = reasons.get(row.number)
            if reason is not None:
                yield [*(row.cells + [""] * width)[:width], reason]

    stem = job.file_name.rsplit(".", 1)[0]
    return ErrorFile(name=f"{stem}-errors.{job.file_format}", file_format=job.file_format, rows=rows())
