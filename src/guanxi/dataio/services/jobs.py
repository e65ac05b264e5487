"""Import jobs from the user's side: upload, map columns, dry run, apply, cancel.

Importing needs the import permission; the rows are then written as the importer, so each
record is checked like a hand-typed one (owners other than oneself need the assign
permission, contacts need a customer one may change). The work runs in the worker
(``dataio.tasks``); these services only validate and queue.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import InvalidInput, InvalidTransition, field_error
from guanxi.dataio import files
from guanxi.dataio.columns import columns_of, suggest_mapping
from guanxi.dataio.models import (
    ACTIVE_STATUSES,
    DuplicatePolicy,
    ImportJob,
    ImportKind,
    ImportMode,
    ImportProblem,
    ImportRow,
    ImportStatus,
)
from guanxi.dataio.services.engine import APPLY, CHECK

MAX_FILE_NAME = 255
CONFIGURABLE = (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED)


def import_allowed(actor: User | Any) -> bool:
    return access.has_perm(actor, Perm.IMPORT)


def _ensure_can_import(actor: User) -> None:
    access.ensure_perm(actor, Perm.IMPORT)


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise field_error(field, _("Use one of: %s") % ", ".join(choices.values))
    return value


def clean_mapping(kind: str, headers: list[str], mapping: Mapping[str, Any]) -> dict[str, int]:
    """Field → column index; every field known, every column used once, the required fields present."""
    known = {column.name: column for column in columns_of(kind)}
    errors: list[dict[str, object]] = []
    clean: dict[str, int] = {}
    used: dict[int, str] = {}
    for name, index in mapping.items():
        if index is None or index == "":
            continue
        if name not in known:
            errors.append({"loc": ["mapping", name], "msg": _("Unknown field.")})
            continue
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(headers):
            errors.append({"loc": ["mapping", name], "msg": _("No such column in the file.")})
            continue
        if index in used:
            errors.append({"loc": ["mapping", name], "msg": _("This column is already used for another field.")})
            continue
        used[index] = name
        clean[name] = index
    for column in known.values():
        if column.required and column.name not in clean and not any(e["loc"][-1] == column.name for e in errors):  # type: ignore[index]
            errors.append(
                {"loc": ["mapping", column.name], "msg": _("Choose the column for “%s”.") % str(column.label)}
            )
    if errors:
        raise InvalidInput(_("The column mapping is not complete."), errors=errors)
    return clean


@transaction.atomic
def import_create(
    *,
    actor: User,
    upload: IO[bytes],
    file_name: str,
    kind: str,
    duplicate_policy: str = DuplicatePolicy.SKIP,
    mode: str = ImportMode.VALID_ROWS,
) -> ImportJob:
    """Store and check an uploaded file; the job then waits for its column mapping (suggested from the header)."""
    _ensure_can_import(actor)
    _choice(kind, ImportKind, "kind")
    _choice(duplicate_policy, DuplicatePolicy, "duplicate_policy")
    _choice(mode, ImportMode, "mode")
    name = Path(file_name or "").name.replace("\x00", "")[:MAX_FILE_NAME] or "upload"
    job_id = uuid.uuid4()
    temporary = f"{job_id}.upload"
    try:
        size, digest = files.store_upload(upload, temporary)
        sniffed = files.sniff(files.stored_path(temporary), name)
        stored = files.stored_path(f"{job_id}.{sniffed.file_format}")
        files.stored_path(temporary).rename(stored)
        headers = files.read_header(stored, sniffed)
        total = files.count_rows(stored, sniffed, len(headers))
    except BaseException:
        for suffix in ("upload", "csv", "xlsx"):
            files.stored_path(f"{job_id}.{suffix}").unlink(missing_ok=True)
        raise
    return ImportJob.objects.create(
        id=job_id,
        created_by=actor,
        kind=kind,
        file_name=name,
        file_format=sniffed.file_format,
        file_size=size,
        file_sha256=digest,
        encoding=sniffed.encoding,
        delimiter=sniffed.delimiter,
        headers=headers,
        mapping=suggest_mapping(kind, headers),
        duplicate_policy=duplicate_policy,
        mode=mode,
        rows_total=total,
    )


def _configure(
    job: ImportJob, mapping: Mapping[str, Any] | None, duplicate_policy: str | None, mode: str | None
) -> list[str]:
    changed = []
    if mapping is not None:
        job.mapping = clean_mapping(job.kind, job.headers, mapping)
        changed.append("mapping")
    else:
        clean_mapping(job.kind, job.headers, job.mapping)
    if duplicate_policy is not None:
        job.duplicate_policy = _choice(duplicate_policy, DuplicatePolicy, "duplicate_policy")
        changed.append("duplicate_policy")
    if mode is not None:
        job.mode = _choice(mode, ImportMode, "mode")
        changed.append("mode")
    return changed


def _locked(job: ImportJob) -> ImportJob:
    return ImportJob.objects.select_for_update().get(pk=job.pk)


def _queue(job: ImportJob) -> None:
    from guanxi.dataio.tasks import import_job_run

    job_id = str(job.pk)
    transaction.on_commit(lambda: import_job_run(job_id))


def _reset(job: ImportJob, phase: str) -> None:
    job.phase = phase
    job.rows_done = 0
    job.claim = ""
    job.heartbeat_at = None
    job.ends_as = ""
    job.message = job.message_zh = ""
    job.finished_at = None
    job.checked_rows = job.check_errors = job.check_duplicates = 0
    job.created_count = job.merged_count = job.skipped_count = job.rejected_count = job.duplicate_count = 0
    ImportProblem.objects.filter(job=job).delete()


@transaction.atomic
def import_check(
    *,
    actor: User,
    job: ImportJob,
    mapping: Mapping[str, Any] | None = None,
    duplicate_policy: str | None = None,
) -> ImportJob:
    """Start the dry run: every row is checked and every problem reported; nothing is written."""
    _ensure_can_import(actor)
    job = _locked(job)
    if job.status not in CONFIGURABLE:
        raise InvalidTransition(_("This import is running or finished; it can no longer be checked."))
    _configure(job, mapping, duplicate_policy, None)
    _reset(job, CHECK)
    job.status = ImportStatus.CHECKING
    job.save()
    _queue(job)
    return job


@transaction.atomic
def import_apply(
    *,
    actor: User,
    job: ImportJob,
    mode: str | None = None,
    duplicate_policy: str | None = None,
    mapping: Mapping[str, Any] | None = None,
) -> ImportJob:
    """Queue the import. All or nothing checks every row again first and applies only if none has an error."""
    _ensure_can_import(actor)
    job = _locked(job)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise InvalidTransition(_("Only an uploaded or checked import can be applied."))
    _configure(job, mapping, duplicate_policy, mode)
    _reset(job, CHECK if job.mode == ImportMode.ALL_OR_NOTHING else APPLY)
    job.status = ImportStatus.QUEUED
    job.started_at = None
    job.save()
    _queue(job)
    return job


@transaction.atomic
def import_cancel(*, actor: User, job: ImportJob) -> ImportJob:
    """Stop the job. Rows already applied stay, except in all-or-nothing mode, where they are taken back."""
    job = _locked(job)
    if job.status not in (*ACTIVE_STATUSES, ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise InvalidTransition(_("This import has already finished."))
    applied = job.phase in (APPLY, "undo") and ImportRow.objects.filter(job=job).exists()
    if job.mode == ImportMode.ALL_OR_NOTHING and applied and job.status in ACTIVE_STATUSES:
        # Take the job from its worker (its next checkpoint fails) and undo what was written.
        job.phase, job.ends_as, job.claim = "undo", ImportStatus.CANCELLED, ""
        job.save(update_fields=["phase", "ends_as", "claim", "updated_at"])
        _queue(job)
        return job
    job.status, job.claim = ImportStatus.CANCELLED, ""
    job.save(update_fields=["status", "claim", "updated_at"])
    return job
