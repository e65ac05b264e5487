"""Import jobs: the uploaded file, its column mapping and options, progress, and what happened to each row.

A job belongs to the user who uploaded it (like an API token, it is personal, not a scoped
customer record); users with the settings permission see every job. The records an import
creates are ordinary customers and contacts, audited and scoped as usual.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BaseModel


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    CONTACTS = "contacts", _("Contacts")


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (xlsx)"


class DuplicatePolicy(models.TextChoices):
    SKIP = "skip", _("Skip the row")
    MERGE = "merge", _("Fill the existing record's empty fields")
    CREATE = "create", _("Create a new record anyway")


class ImportMode(models.TextChoices):
    VALID_ROWS = "valid_rows", _("Apply the valid rows, give me the rejected ones as a file")
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing: apply nothing if any row has an error")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded: map the columns")
    CHECKING = "checking", _("Checking (dry run)")
    CHECKED = "checked", _("Checked: ready to apply")
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed: nothing applied")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses in which a worker owns the job and may be resumed after a crash.
ACTIVE_STATUSES = (ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.RUNNING)


class ImportJob(BaseModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10, choices=FileFormat.choices)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    file_sha256 = models.CharField(max_length=64, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    duplicate_policy = models.CharField(
        _("duplicates"), max_length=10, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )
    mode = models.CharField(_("mode"), max_length=20, choices=ImportMode.choices, default=ImportMode.VALID_ROWS)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    # The phase the worker is in: "check" (dry run), "apply", or "undo" (all or nothing failed).
    phase = models.CharField(max_length=10, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    # Dry run figures.
    checked_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    check_errors = models.PositiveIntegerField(_("rows with errors"), default=0)
    check_duplicates = models.PositiveIntegerField(_("duplicate rows"), default=0)
    # Apply figures.
    created_count = models.PositiveIntegerField(_("created"), default=0)
    merged_count = models.PositiveIntegerField(_("merged"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0)
    # The status an all-or-nothing job takes once its "undo" phase has taken everything back.
    ends_as = models.CharField(max_length=20, choices=ImportStatus.choices, blank=True)
    claim = models.CharField(max_length=40, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    message_zh = models.CharField(max_length=500, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [
            models.Index(fields=["created_by", "-created_at", "-id"], name="dataio_job_creator_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="dataio_job_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class RowOutcome(models.TextChoices):
    CREATED = "created", _("Created")
    MERGED = "merged", _("Merged")
    SKIPPED = "skipped", _("Skipped")
    REJECTED = "rejected", _("Rejected")


class ImportRow(models.Model):
    """What the apply phase did with one data row. One row per (job, row number): never twice."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=RowOutcome.choices)
    record_id = models.UUIDField(null=True, blank=True)
    # Fields a merge filled (name → value before), to undo an all-or-nothing import.
    filled = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="dataio_row_once")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number} {self.outcome}"


class ProblemKind(models.TextChoices):
    ERROR = "error", _("Error")
    DUPLICATE = "duplicate", _("Duplicate")


class ImportProblem(models.Model):
    """One reason a row was rejected, or one duplicate it matched; ``phase`` is "check" or "apply"."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    phase = models.CharField(max_length=10)
    row_number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=ProblemKind.choices)
    column = models.CharField(max_length=255, blank=True)
    field = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=500)
    message_zh = models.CharField(max_length=500)
    # Only set when the importer may see the matching record.
    match_id = models.UUIDField(null=True, blank=True)
    match_name = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["job", "phase", "row_number", "id"], name="dataio_problem_row_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number} {self.kind} {self.field}"
