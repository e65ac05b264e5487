"""The worker side of an import: dry run and apply, chunk by chunk, exact across crashes.

Each chunk of rows is one transaction that writes the created and merged records, one
``ImportRow`` per row (unique per job and row number), the problems found, and the job's
checkpoint (``rows_done``) and figures. The checkpoint update is conditional on the worker's
claim and on the job still running, so a worker that lost the job (cancelled, or taken over
after it looked dead) rolls its chunk back. A killed worker loses only its open chunk; the
job is resumed from ``rows_done`` by ``job_resume_stale`` (periodic, and at worker start).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import InvalidInput
from guanxi.core.services import planner_statistics_refresh
from guanxi.customers.models import Contact, Customer, Position
from guanxi.customers.services import bulk
from guanxi.dataio.files import DataRow, Sniffed, data_rows, stored_path
from guanxi.dataio.models import (
    ACTIVE_STATUSES,
    DuplicatePolicy,
    ImportJob,
    ImportKind,
    ImportMode,
    ImportProblem,
    ImportRow,
    ImportStatus,
    ProblemKind,
    RowOutcome,
)
from guanxi.dataio.services import duplicates
from guanxi.dataio.services.duplicates import Match
from guanxi.dataio.services.rows import Lookups, Parsed, RowContext, customer_ref_id, parse

logger = logging.getLogger(__name__)
CHECK, APPLY = "check", "apply"
STATISTICS_AFTER_ROWS = 10_000  # an import that created this many rows refreshes the planner's statistics


class LostClaim(Exception):
    """The job was cancelled or taken over: this worker must stop and keep nothing of its open chunk."""


@dataclass
class Run:
    job: ImportJob
    actor: User
    phase: str
    claim: str
    rows: RowContext
    seen: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def contacts(self) -> bool:
        return self.job.kind == ImportKind.CONTACTS


@dataclass
class Decision:
    item: Parsed
    outcome: str
    match: Match | None = None
    note: tuple[str, str] | None = None  # why a duplicate was not merged (en, zh)


# --- lookups for a chunk ------------------------------------------------------------------


def _lookups(run: Run, rows: Sequence[DataRow]) -> Lookups:
    values = [run.rows.values(row) for row in rows]
    usernames = {v["owner"] for v in values if v.get("owner")}
    owners = {
        user.username: user
        for user in User.objects.filter(username__in=usernames, is_active=True, is_system=False).select_related("team")
    }
    refs = {v["customer"] for v in values if v.get("customer")}
    return Lookups(owners=owners, customers=_customer_refs(run.actor, refs) if refs else {})


def _customer_refs(actor: User, refs: set[str]) -> dict[str, Customer | str]:
    """Each reference (an id, or an exact name) → the visible customer it names, or why not."""
    ids = {ref: customer_ref_id(ref) for ref in refs}
    names = [ref for ref, pk in ids.items() if pk is None]
    wanted = Q(pk__in=[pk for pk in ids.values() if pk is not None]) | Q(name__in=names)
    visible = list(access.scope(actor, Customer.objects.filter(wanted).select_related("owner")))
    change_q = access.visible_q(actor, Customer, for_change=True)
    changeable = (
        set(Customer.objects.filter(change_q, pk__in=[c.pk for c in visible]).values_list("pk", flat=True))
        if change_q is not None
        else set()
    )
    found: dict[str, Customer | str] = {}
    for ref, pk in ids.items():
        hits = [c for c in visible if c.pk == pk] if pk is not None else [c for c in visible if c.name == ref]
        if len(hits) > 1:
            found[ref] = "ambiguous"
        elif hits:
            found[ref] = hits[0] if hits[0].pk in changeable else "readonly"
    return found


# --- deciding what happens to each row -------------------------------------------------------


def _notes(key: str) -> tuple[str, str]:
    texts = {
        "hidden": gettext_noop("This record is outside what you may see, so nothing was merged into it."),
        "readonly": gettext_noop("You may not change this record, so nothing was merged into it."),
        "same_file": gettext_noop(
            "Rows that repeat an earlier row of the file are only created with the policy “create”."
        ),
    }
    out = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            out.append(_(texts[key]))
    return out[0], out[1]


def _decide(run: Run, item: Parsed, match: Match | None) -> Decision:
    policy = run.job.duplicate_policy
    if item.errors:
        return Decision(item, RowOutcome.REJECTED)
    if match is None or policy == DuplicatePolicy.CREATE:
        return Decision(item, RowOutcome.CREATED, match)
    if match.row_number is not None:
        return Decision(
            item, RowOutcome.SKIPPED, match, _notes("same_file") if policy == DuplicatePolicy.MERGE else None
        )
    if policy == DuplicatePolicy.SKIP:
        return Decision(item, RowOutcome.SKIPPED, match)
    if not match.visible:
        return Decision(item, RowOutcome.SKIPPED, match, _notes("hidden"))
    if not match.changeable:
        return Decision(item, RowOutcome.SKIPPED, match, _notes("readonly"))
    return Decision(item, RowOutcome.MERGED, match)


def _match_message(run: Run, match: Match) -> tuple[str, str]:
    out = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            by = str({"phone": _("phone"), "email": _("email"), "name": _("name")}[match.by])
            if match.row_number is not None:
                text = _("Same %(by)s as row %(row)d of this file.") % {"by": by, "row": match.row_number}
            elif not match.visible:
                text = (
                    _("A contact with this %(by)s already exists.")
                    if run.contacts
                    else _("A customer with this %(by)s already exists.")
                ) % {"by": by}
            else:
                text = _("Same %(by)s as the existing record “%(name)s”.") % {"by": by, "name": match.name}
            out.append(text)
    return out[0], out[1]


def _problems(run: Run, decision: Decision) -> list[ImportProblem]:
    item = decision.item
    problems = [
        ImportProblem(
            job=run.job,
            phase=run.phase,
            row_number=item.row.number,
            kind=ProblemKind.ERROR,
            column=reason.column[:255],
            field=reason.field[:40],
            message=reason.message,
            message_zh=reason.message_zh,
        )
        for reason in item.errors
    ]
    match = decision.match
    if match is not None:
        message, message_zh = _match_message(run, match)
        if decision.note is not None:
            message, message_zh = f"{message} {decision.note[0]}", f"{message_zh}{decision.note[1]}"
        problems.append(
            ImportProblem(
                job=run.job,
                phase=run.phase,
                row_number=item.row.number,
                kind=ProblemKind.DUPLICATE,
                column=run.rows.header(match.by if match.by != "phone" or not run.contacts else "mobile"),
                field=match.by,
                message=message[:500],
                message_zh=message_zh[:500],
                match_id=match.record_id if match.visible else None,
                match_name=match.name[:200] if match.visible else "",
            )
        )
    return problems


# --- one chunk ------------------------------------------------------------------------------------


def _decisions(run: Run, rows: Sequence[DataRow]) -> list[Decision]:
    lookups = _lookups(run, rows)
    parsed = [parse(run.rows, row, lookups) for row in rows]
    valid = [item for item in parsed if not item.errors]
    matches = duplicates.find(actor=run.actor, parsed=valid, contacts=run.contacts)
    decisions = []
    for item in parsed:
        match = None if item.errors else duplicates.in_file(run.seen, item) or matches.get(item.row.number)
        decision = _decide(run, item, match)
        if decision.outcome == RowOutcome.CREATED:
            duplicates.remember(run.seen, item)
        decisions.append(decision)
    return decisions


def _write(run: Run, decisions: Sequence[Decision], targets: dict[Any, Any]) -> list[ImportRow]:
    """Apply phase: create, merge, and say per row what happened."""
    created = [d.item for d in decisions if d.outcome == RowOutcome.CREATED]
    if run.contacts:
        people = [(item.contact, item.position) for item in created if item.contact and item.position]
        bulk.contacts_bulk_create(actor=run.actor, people=people)
    else:
        bulk.customers_bulk_create(actor=run.actor, customers=[item.customer for item in created if item.customer])
    outcomes = []
    for decision in decisions:
        record = decision.item.record
        filled: dict[str, Any] = {}
        record_id = record.pk if record is not None and decision.outcome == RowOutcome.CREATED else None
        if decision.outcome == RowOutcome.MERGED and decision.match is not None:
            target = targets[decision.match.record_id]
            record_id = target.pk
            filled = _merge(run, target, decision.item)
        if decision.outcome == RowOutcome.SKIPPED and decision.match is not None:
            record_id = decision.match.record_id if decision.match.visible else None
        outcomes.append(
            ImportRow(
                job=run.job,
                row_number=decision.item.row.number,
                outcome=decision.outcome,
                record_id=record_id,
                filled={k: _json(v) for k, v in filled.items()},
            )
        )
    return outcomes


def _json(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def _merge_targets(run: Run, decisions: Sequence[Decision]) -> dict[Any, Any]:
    """The records merged into, one instance each (several rows may fill the same record)."""
    ids = [d.match.record_id for d in decisions if d.outcome == RowOutcome.MERGED and d.match and d.match.record_id]
    if not ids:
        return {}
    model: type[Contact] | type[Customer] = Contact if run.contacts else Customer
    targets = {record.pk: record for record in model.objects.filter(pk__in=ids)}
    for decision in decisions:
        if decision.outcome == RowOutcome.MERGED and decision.match and decision.match.record_id not in targets:
            decision.outcome = RowOutcome.SKIPPED  # deleted since the duplicate check
    return targets


def _merge(run: Run, target: Any, item: Parsed) -> dict[str, Any]:
    if run.contacts and item.contact is not None:
        return bulk.contact_fill_empty(actor=run.actor, contact=target, source=item.contact, position=item.position)
    assert item.customer is not None  # noqa: S101 -- a merged row parsed without errors
    return bulk.customer_fill_empty(actor=run.actor, customer=target, source=item.customer)


def _figures(run: Run, decisions: Sequence[Decision]) -> dict[str, Any]:
    def count(outcome: str) -> int:
        return sum(1 for d in decisions if d.outcome == outcome)

    rejected = count(RowOutcome.REJECTED)
    dupes = sum(1 for d in decisions if d.match is not None)
    if run.phase == CHECK:
        return {
            "checked_rows": F("checked_rows") + len(decisions),
            "check_errors": F("check_errors") + rejected,
            "check_duplicates": F("check_duplicates") + dupes,
        }
    return {
        "created_count": F("created_count") + count(RowOutcome.CREATED),
        "merged_count": F("merged_count") + count(RowOutcome.MERGED),
        "skipped_count": F("skipped_count") + count(RowOutcome.SKIPPED),
        "rejected_count": F("rejected_count") + rejected,
        "duplicate_count": F("duplicate_count") + dupes,
    }


def _checkpoint(run: Run, rows_done: int, figures: dict[str, Any]) -> None:
    updated = ImportJob.objects.filter(
        pk=run.job.pk, claim=run.claim, phase=run.phase, status__in=ACTIVE_STATUSES
    ).update(rows_done=rows_done, heartbeat_at=timezone.now(), **figures)
    if updated != 1:
        raise LostClaim


def _chunk(run: Run, rows: Sequence[DataRow], rows_done: int) -> None:
    filled = [row for row in rows if not row.is_blank]
    decisions = _decisions(run, filled)
    targets = _merge_targets(run, decisions) if run.phase == APPLY else {}
    with transaction.atomic():
        if run.phase == APPLY:
            ImportRow.objects.bulk_create(_write(run, decisions, targets))
        ImportProblem.objects.bulk_create([p for d in decisions for p in _problems(run, d)], batch_size=1000)
        _checkpoint(run, rows_done, _figures(run, decisions))


# --- the phases ---------------------------------------------------------------------------------


def _rows(job: ImportJob) -> Iterator[DataRow]:
    return data_rows(stored_path(f"{job.pk}.{job.file_format}"), Sniffed(job.file_format, job.encoding, job.delimiter))


def _replay(run: Run, rows: Sequence[DataRow]) -> None:
    """After a restart: remember the keys of rows already handled that became (or would become) records."""
    if not rows:
        return
    numbers = [row.number for row in rows if not row.is_blank]
    if run.phase == APPLY:
        kept = set(
            ImportRow.objects.filter(job=run.job, row_number__in=numbers, outcome=RowOutcome.CREATED).values_list(
                "row_number", flat=True
            )
        )
    else:
        problems = ImportProblem.objects.filter(job=run.job, phase=CHECK, row_number__in=numbers)
        if run.job.duplicate_policy == DuplicatePolicy.CREATE:
            problems = problems.filter(kind=ProblemKind.ERROR)
        refused = set(problems.values_list("row_number", flat=True))
        kept = {number for number in numbers if number not in refused}
    lookups = _lookups(run, [row for row in rows if row.number in kept])
    for row in rows:
        if row.number in kept:
            duplicates.remember(run.seen, parse(run.rows, row, lookups))


def _run_phase(run: Run) -> None:
    """Rows up to the checkpoint are replayed (keys only), the rest processed chunk by chunk."""
    size = max(1, settings.GUANXI_IMPORT_CHUNK)
    done = run.job.rows_done
    pending: list[DataRow] = []
    position = 0
    for row in _rows(run.job):
        position += 1
        pending.append(row)
        if position <= done:
            if len(pending) == size or position == done:
                _replay(run, pending)
                pending = []
        elif len(pending) == size:
            _chunk(run, pending, position)
            pending = []
    if pending or position == done == 0:
        _chunk(run, pending, position)


def _undo(run: Run) -> None:
    """All or nothing: take back what the apply phase wrote, newest rows first, chunk by chunk."""
    size = max(1, settings.GUANXI_IMPORT_CHUNK)
    model: type[Contact] | type[Customer] = Contact if run.contacts else Customer
    while True:
        batch = list(
            ImportRow.objects.filter(job=run.job, outcome__in=[RowOutcome.CREATED, RowOutcome.MERGED]).order_by(
                "-row_number"
            )[:size]
        )
        with transaction.atomic():
            created = [row.record_id for row in batch if row.outcome == RowOutcome.CREATED and row.record_id]
            bulk.records_bulk_delete(actor=run.actor, model=model, ids=created)
            merged = [row for row in batch if row.outcome == RowOutcome.MERGED and row.record_id]
            merged_ids = [row.record_id for row in merged if row.record_id is not None]
            targets = {record.pk: record for record in model.objects.filter(pk__in=merged_ids)}
            for row in merged:
                target = targets.get(row.record_id) if row.record_id is not None else None
                if isinstance(target, Contact):
                    bulk.contact_fill_undo(actor=run.actor, contact=target, filled=row.filled)
                elif isinstance(target, Customer):
                    bulk.customer_fill_undo(actor=run.actor, customer=target, filled=row.filled)
            ImportRow.objects.filter(pk__in=[row.pk for row in batch]).delete()
            _checkpoint(run, run.job.rows_done, {})
        if len(batch) < size:
            return


# --- the job ------------------------------------------------------------------------------------


def _stale_before() -> Any:
    return timezone.now() - timedelta(seconds=settings.GUANXI_IMPORT_STALE_SECONDS)


def _claim(job_id: Any) -> tuple[ImportJob, str] | None:
    """Take the job if nobody holds it, or its holder has not reported for a while."""
    claim = uuid.uuid4().hex
    free = Q(claim="") | Q(heartbeat_at__lt=_stale_before()) | Q(heartbeat_at__isnull=True)
    now = timezone.now()
    with transaction.atomic():
        taken = ImportJob.objects.filter(free, pk=job_id, status__in=ACTIVE_STATUSES).update(
            claim=claim, heartbeat_at=now
        )
        if not taken:
            return None
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.RUNNING, started_at=now
        )
    return ImportJob.objects.select_related("created_by", "created_by__role", "created_by__team").get(pk=job_id), claim


def _run_for(job: ImportJob, claim: str) -> Run:
    actor = job.created_by
    context = RowContext(
        kind=job.kind,
        actor=actor,
        mapping={name: int(index) for name, index in job.mapping.items()},
        headers=job.headers,
        can_assign=access.has_perm(actor, Perm.ASSIGN),
    )
    return Run(job=job, actor=actor, phase=job.phase, claim=claim, rows=context)


def _texts(message: str, **params: Any) -> dict[str, str]:
    out = {}
    for language, name in (("en", "message"), ("zh-hans", "message_zh")):
        with translation.override(language):
            out[name] = (_(message) % params)[:500]
    return out


def _advance(job: ImportJob, claim: str) -> bool:
    """The phase just finished: move to the next one (True) or finish the job (False)."""
    job.refresh_from_db()
    now = timezone.now()
    owned = ImportJob.objects.filter(pk=job.pk, claim=claim, status__in=ACTIVE_STATUSES)
    if job.phase == CHECK and job.status == ImportStatus.CHECKING:
        updated = owned.update(status=ImportStatus.CHECKED, checked_at=now, claim="", finished_at=None)
        return _still_ours(updated, False)
    if job.phase == CHECK and job.check_errors:
        text = _texts(
            gettext_noop("%(count)d rows have errors; nothing was applied. Correct them and import again."),
            count=job.check_errors,
        )
        updated = owned.update(status=ImportStatus.FAILED, checked_at=now, finished_at=now, claim="", **text)
        return _still_ours(updated, False)
    if job.phase == CHECK:
        updated = owned.update(phase=APPLY, rows_done=0, checked_at=now)
        return _still_ours(updated, True)
    if job.phase == APPLY and job.mode == ImportMode.ALL_OR_NOTHING and job.rejected_count:
        failed = gettext_noop("%(count)d rows failed while importing; everything was taken back.")
        text = _texts(failed, count=job.rejected_count)
        updated = owned.update(phase="undo", ends_as=ImportStatus.FAILED, **text)
        return _still_ours(updated, True)
    final = job.ends_as or ImportStatus.DONE
    updated = owned.update(status=final, finished_at=now, claim="")
    return _still_ours(updated, False)


def _still_ours(updated: int, more: bool) -> bool:
    if updated != 1:
        raise LostClaim
    return more


def job_process(*, job_id: Any) -> None:
    """The worker's entry point: run the job's remaining phases, if no other worker holds it."""
    claimed = _claim(job_id)
    if claimed is None:
        return
    job, claim = claimed
    try:
        more = True
        while more:
            run = _run_for(job, claim)
            _undo(run) if job.phase == "undo" else _run_phase(run)
            more = _advance(job, claim)
            job.refresh_from_db()
        if job.created_count >= STATISTICS_AFTER_ROWS:
            _statistics_after_import()
    except LostClaim:
        _after_cancel(job_id)
    except InvalidInput as exc:
        _fail(job_id, claim, exc.detail)
    except (OperationalError, InterfaceError):
        raise  # a busy or lost database: the job is resumed when its heartbeat is stale
    except Exception:
        logger.exception("import job %s failed", job_id)
        _fail(job_id, claim, "")


def _statistics_after_import() -> None:
    """Tables that grew by thousands of rows: plan with their new sizes (the job is done either way)."""
    try:
        planner_statistics_refresh([Customer, Contact, Position])
    except DatabaseError:
        logger.warning("planner statistics not refreshed after an import; the nightly task will", exc_info=True)


def _after_cancel(job_id: Any) -> None:
    """A cancelled all-or-nothing import takes back what it had applied."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None and job.status in ACTIVE_STATUSES and job.phase == "undo":
        job_process(job_id=job_id)


def _fail(job_id: Any, claim: str, detail: str) -> None:
    job = ImportJob.objects.get(pk=job_id)
    text = (
        {"message": detail[:500], "message_zh": detail[:500]}
        if detail
        else _texts(gettext_noop("The import stopped because of an internal error. It has been logged."))
    )
    owned = ImportJob.objects.filter(pk=job_id, claim=claim, status__in=ACTIVE_STATUSES)
    if job.mode == ImportMode.ALL_OR_NOTHING and job.phase == APPLY:
        if owned.update(phase="undo", ends_as=ImportStatus.FAILED, **text):
            job_process(job_id=job_id)
        return
    owned.update(status=ImportStatus.FAILED, finished_at=timezone.now(), claim="", **text)


def jobs_stale() -> list[Any]:
    """Jobs a worker should be running but nobody has reported on lately."""
    waiting = Q(claim="") | Q(heartbeat_at__lt=_stale_before()) | Q(heartbeat_at__isnull=True)
    return list(ImportJob.objects.filter(waiting, status__in=ACTIVE_STATUSES).values_list("pk", flat=True))
