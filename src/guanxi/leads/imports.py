"""Import of leads from a CSV (UTF-8 or GBK) or xlsx file, through the same pipeline as entry, in bulk.

Each row goes through the channel's cleaning rules, the duplicate check (against stored leads,
customers and contacts, and the rows before it in the file), grading and assignment — the steps of
``services.lead_create`` — but a batch of rows at a time: values are cleaned and normalised in Python,
the candidates' keys looked up with one query per batch, leads, keys, candidates and events inserted in
bulk. A row that fails a cleaning rule is kept as a rejected lead with its reasons. The whole file is
one transaction: it is imported completely or not at all.

Columns are found by header, in Chinese or English (姓名/name, 公司/company, 电话/手机/phone …); other
columns are kept in the lead's *other fields*. Text is stored as text: a cell such as ``=cmd`` is never
evaluated (xlsx cells are read as their values) and exports neutralise it.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import operator
import os
import tempfile
import time
import unicodedata
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any, TypeVar

from django.db import connections, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core import bulk
from guanxi.core.errors import InvalidInput
from guanxi.core.ids import time_ordered_uuid
from guanxi.dataio.files import data_rows, read_header, sniff
from guanxi.leads import assignment, check, cleaning, grading
from guanxi.leads.dedup import DedupRecord, Normalised, blocking_keys, normalise
from guanxi.leads.duplicates import Kind, keys_insert
from guanxi.leads.models import (
    Channel,
    DuplicateCandidate,
    DuplicateState,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadSettings,
    LeadStatus,
)
from guanxi.leads.services import LEAD_FIELDS, _grading_config, _rep_loads, lead_settings

BATCH = 2_000  # rows per duplicate look-up and insert
CHUNK = 500  # rows per task of a worker process
AHEAD = 8  # chunks a worker process may clean ahead of the database work
IMPORT_CACHE_KIB = 256 * 1024
IMPORT_MMAP_BYTES = 1 << 34  # address space only: SQLite maps at most the file's size
_In = TypeVar("_In")
_Out = TypeVar("_Out")
MAX_ROWS = 200_000
PARALLEL_BYTES = 256 * 1024  # smaller files are cleaned in this process
READ_BLOCK = 1 << 16
# Header → lead field; headers are compared in lower case without spaces, underscores or dashes.
HEADERS: Mapping[str, tuple[str, ...]] = {
    "name": ("name", "姓名", "名字", "联系人", "联系人姓名", "fullname", "contact", "contactname"),
    "company": ("company", "公司", "公司名称", "企业", "企业名称", "单位", "单位名称", "companyname", "organisation",
                "organization"),
    "title": ("title", "职位", "职务", "jobtitle", "position"),
    "phone": ("phone", "电话", "手机", "手机号", "手机号码", "电话号码", "联系电话", "mobile", "tel", "telephone",
              "phonenumber"),
    "email": ("email", "邮箱", "电子邮箱", "电子邮件", "邮件", "mail", "emailaddress"),
    "city": ("city", "城市", "所在城市"),
    "region": ("region", "地区", "区域", "省份", "省", "province"),
    "industry": ("industry", "行业", "所属行业"),
    "company_size": ("companysize", "size", "规模", "公司规模", "企业规模", "人数", "employees"),
    "source_detail": ("source", "sourcedetail", "来源", "来源详情", "渠道详情"),
    "message": ("message", "留言", "备注", "需求", "notes", "note", "comment", "comments"),
}  # fmt: skip
_LOOKUP = {synonym: name for name, synonyms in HEADERS.items() for synonym in synonyms}


def header_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(char for char in folded if char not in " _-\t\ufeff*：:")


def column_map(header: Sequence[str]) -> dict[int, str]:
    """Column position → lead field (the first column of each field wins); others stay unmapped."""
    mapped: dict[int, str] = {}
    for position, text in enumerate(header):
        name = _LOOKUP.get(header_key(text))
        if name is not None and name not in mapped.values():
            mapped[position] = name
    return mapped


@dataclass
class ImportReport:
    """What an import did: ``created`` leads (accepted ones), ``rejected`` rows kept as rejected leads."""

    rows: int = 0
    created: int = 0
    rejected: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)  # one per rejected row: "row 7: phone: not a phone number"
    seconds: float = 0.0
    lead_ids: list[uuid.UUID] = field(default_factory=list)


def leads_import(
    *,
    actor: User,
    channel: Channel,
    upload: IO[bytes],
    file_name: str,
    max_errors: int = 200,
    workers: int | None = None,
) -> ImportReport:
    """Import every row of the file as a lead of ``channel``; ``InvalidInput`` (nothing written) for a bad file.

    ``workers``: processes that clean, grade and judge duplicates beside the database work (default:
    one per CPU but this one, at least one and at most two, for files over ``PARALLEL_BYTES``; 0: all
    in this process).
    """
    access.ensure_perm(actor, Perm.MANAGE_LEADS)
    if not channel.is_active:
        raise InvalidInput(_("This channel is not active."), errors=[{"loc": ["channel_id"], "msg": _("Inactive.")}])
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="guanxi-lead-import-") as folder:
        path = Path(folder) / ("upload" + Path(file_name).suffix.lower())
        with path.open("wb") as out:
            while block := upload.read(READ_BLOCK):
                out.write(block)
        sniffed = sniff(path, file_name)  # a clear InvalidInput for a file that is not CSV/xlsx text
        header = read_header(path, sniffed)
        columns = column_map(header)
        if "name" not in columns.values() and "company" not in columns.values() and "phone" not in columns.values():
            message = _("No column for name, company or phone was found. The header has: %(header)s") % {
                "header": ", ".join(header)[:300]
            }
            raise InvalidInput(message, errors=[{"loc": ["file"], "msg": message}])
        rows = _rows(data_rows(path, sniffed), header, columns)
        report = _import(actor, channel, rows, max_errors, _workers(workers, path.stat().st_size))
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _rows(
    data: Iterator[Any], header: Sequence[str], columns: Mapping[int, str]
) -> Iterator[tuple[int, dict[str, str]]]:
    for row in data:
        if row.is_blank:
            continue
        values: dict[str, str] = {}
        for position, cell in enumerate(row.cells):
            text = cell.strip()
            if not text:
                continue
            name = columns.get(position) or (header[position] if position < len(header) and header[position] else "")
            if name:
                values[name] = text
        yield row.number, values


@dataclass
class _Pipeline:
    """The entry pipeline's state for one import (rules read once, rep loads and round-robin kept here)."""

    actor: User
    channel: Channel
    cleaning_config: cleaning.CleaningConfig
    grading_config: grading.GradingConfig
    assignment_config: assignment.AssignmentConfig
    settings_row: LeadSettings
    state: dict[str, int]
    loads: list[assignment.RepLoad]
    team_of: dict[int, int]


def _pipeline(actor: User, channel: Channel) -> _Pipeline:
    settings_row = lead_settings()
    locked = LeadSettings.objects.select_for_update().get(pk=settings_row.pk)  # round-robin state: one at a time
    loads = _rep_loads()
    return _Pipeline(
        actor=actor,
        channel=channel,
        cleaning_config=cleaning.config_from_json(channel.cleaning) if channel.cleaning else cleaning.default_config(),
        grading_config=_grading_config(locked),
        assignment_config=(
            assignment.config_from_json(locked.assignment) if locked.assignment else assignment.default_config()
        ),
        settings_row=locked,
        state=dict(locked.assignment_state or {}),
        loads=loads,
        team_of={load.rep_id: load.team_id for load in loads},
    )


@transaction.atomic
def _import(
    actor: User, channel: Channel, rows: Iterator[tuple[int, dict[str, str]]], max_errors: int, workers: int
) -> ImportReport:
    """The rows through the pipeline, a batch at a time, in one transaction.

    Per batch: cleaning and grading (``_prepare``, in the worker processes, running ahead), the
    duplicate check's look-ups (``check.check_task``, here: this process holds the transaction), its
    judging (``check.judge``, in a worker, while this process writes the batch before), then assignment
    and the inserts (here). Each row is checked against the stored records and the file's rows before
    it (``check.FileIndex``).
    """
    global _STAGE  # read by the forked workers
    pipeline = _pipeline(actor, channel)
    _STAGE = (pipeline.cleaning_config, pipeline.grading_config,
              grading.ChannelInfo(kind=channel.kind, id=str(channel.pk)))  # fmt: skip
    report = ImportReport()
    earlier = check.FileIndex()
    pending: deque[tuple[list[_Prepared], Callable[[], list[list[check.Found]]]]] = deque()
    try:
        with _collector_paused(), _runner(workers) as run, _sqlite_cache():
            for batch in _regrouped(run.ordered(_prepare_chunk, _chunked(rows, CHUNK))):
                accepted = [row for row in batch if row.record is not None]
                records = [row.record for row in accepted if row.record is not None]
                keys = [row.keys for row in accepted]
                task = check.check_task(records, keys=keys, among_themselves=True, earlier=earlier)
                earlier.add(records, keys)
                pending.append((batch, run.submit(check.judge, task)))
                if len(pending) > 1:
                    _write_batch(pipeline, *pending.popleft(), report, max_errors)
            while pending:
                _write_batch(pipeline, *pending.popleft(), report, max_errors)
    finally:
        _STAGE = None
    if report.rows == 0:
        message = _("The file has a header but no data rows.")
        raise InvalidInput(message, errors=[{"loc": ["file"], "msg": message}])
    LeadSettings.objects.filter(pk=pipeline.settings_row.pk).update(assignment_state=pipeline.state)
    return report


class _Inline:
    """Every step in this process (small files, ``workers`` 0)."""

    def ordered(self, step: Callable[[_In], _Out], items: Iterable[_In]) -> Iterator[_Out]:
        return (step(item) for item in items)

    def submit(self, step: Callable[[_In], _Out], item: _In) -> Callable[[], _Out]:
        done = step(item)
        return lambda: done


class _Pooled:
    """Pure steps in forked worker processes: ``ordered`` keeps at most ``AHEAD`` items in flight, so
    work ``submit``ted later does not wait behind the whole file."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def ordered(self, step: Callable[[_In], _Out], items: Iterable[_In]) -> Iterator[_Out]:
        flying: deque[Any] = deque()
        for item in items:
            flying.append(self.pool.apply_async(step, (item,)))
            if len(flying) >= AHEAD:
                yield flying.popleft().get()
        while flying:
            yield flying.popleft().get()

    def submit(self, step: Callable[[_In], _Out], item: _In) -> Callable[[], _Out]:
        return self.pool.apply_async(step, (item,)).get  # type: ignore[no-any-return]


@contextmanager
def _runner(workers: int) -> Iterator[_Inline | _Pooled]:
    if workers < 1:
        yield _Inline()
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield _Pooled(pool)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the rows go through: they make no reference cycles, and the
    collector's full passes over the growing file index cost more than the import itself (100,000
    rows: 1,980 rows/s with it, 2,950 without). The workers fork with it paused too."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@contextmanager
def _sqlite_cache() -> Iterator[None]:
    """A bigger SQLite page cache while the import writes, and reads through a memory map (the records and
    indexes it touches are spread over the file)."""
    real = connections["default"]
    if real.vendor != "sqlite":
        yield
        return
    with real.cursor() as cursor:
        before = {}
        for name, value in (("cache_size", -IMPORT_CACHE_KIB), ("mmap_size", IMPORT_MMAP_BYTES)):
            cursor.execute(f"PRAGMA {name}")
            row = cursor.fetchone()  # none for mmap_size on a database in memory
            if row is not None:
                before[name] = int(row[0])
                cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        with real.cursor() as cursor:
            for name, value in before.items():
                cursor.execute(f"PRAGMA {name} = {value}")


def _workers(asked: int | None, size: int) -> int:
    if asked is not None:
        return asked
    # One process per CPU: this one (the database work) and the rest cleaning, grading and judging.
    return max(1, min(2, (os.cpu_count() or 1) - 1)) if size > PARALLEL_BYTES else 0


@dataclass(frozen=True)
class _Prepared:
    """One row cleaned and graded, with its normalised record for the duplicate check (accepted rows only)."""

    number: int
    fields: dict[str, Any]
    record: Normalised | None
    keys: frozenset[str] = frozenset()
    rejections: list[dict[str, str]] = field(default_factory=list)  # of a rejected row


class Dumped(str):
    """A JSON column's value already encoded (by a worker process): ``_insert`` writes it as it is."""


# What the pure stage needs; set before the worker processes fork (they inherit it).
_STAGE: tuple[cleaning.CleaningConfig, grading.GradingConfig, grading.ChannelInfo] | None = None


def _prepare_chunk(rows: list[tuple[int, dict[str, str]]]) -> list[_Prepared]:
    return [_prepare(number, raw) for number, raw in rows]


def _prepare(number: int, raw: Mapping[str, str]) -> _Prepared:
    """Cleaning and grading of one row, as ``lead_create`` does; pure, so it runs in worker processes too."""
    assert _STAGE is not None  # noqa: S101 -- set by _import before any row
    cleaning_config, grading_config, info = _STAGE
    result = cleaning.clean(raw, cleaning_config)
    values = result.values
    fields: dict[str, Any] = {name: values.get(name, "") or "" for name in LEAD_FIELDS}
    fields["id"] = time_ordered_uuid()  # appended to the indexes of leads, events, keys and candidates
    extra = {key: str(value)[:500] for key, value in list(result.extra.items())[:50]} | {"import_row": number}
    fields["extra"] = Dumped(json.dumps(extra))
    fields["cleaning_changes"] = Dumped(json.dumps([asdict(change) for change in result.changes]))
    fields["phone_e164"] = values["phone"] if values.get("phone", "").startswith("+") else ""
    fields["phone"] = result.phone_raw.strip()[:40] or values.get("phone", "")
    rejections = [{"rule": r.rule, "field": r.field, "reason": str(r.reason)} for r in result.rejections]
    if not result.accepted:
        fields["status"] = LeadStatus.REJECTED.value
        fields["rejections"] = Dumped(json.dumps(rejections))
    graded = grading.grade(values, channel=info, config=grading_config)
    fields["score"], fields["grade"] = graded.score, graded.grade
    fields["grade_reasons"] = Dumped(json.dumps([{"why": str(why), "points": p} for why, p in graded.contributions]))
    record = None
    if result.accepted:
        record = normalise(DedupRecord(id=f"lead:{fields['id']}", name=fields["name"], company=fields["company"],
                                       phone=fields["phone_e164"] or fields["phone"], email=fields["email"],
                                       city=fields["city"]))  # fmt: skip
    keys = frozenset(blocking_keys(record)) if record is not None else frozenset()
    return _Prepared(number, fields, record, keys, rejections if not result.accepted else [])


def _lead(pipeline: _Pipeline, prepared: _Prepared, now: Any) -> dict[str, Any]:
    """The lead's row (attribute name → value); columns not named take the model's defaults in ``_insert``."""
    lead = {
        "channel_id": pipeline.channel.pk, "team_id": pipeline.channel.team_id, "created_by_id": pipeline.actor.pk,
        "updated_by_id": pipeline.actor.pk, "version": 1, "created_at": now, "updated_at": now, **prepared.fields,
    }  # fmt: skip
    if lead.get("status") == LeadStatus.REJECTED:
        lead["rejected_at"] = now
    return lead


def _chunked(rows: Iterator[tuple[int, dict[str, str]]], size: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
    chunk: list[tuple[int, dict[str, str]]] = []
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            message = _("The file has more than %(max)d rows. Split it into smaller files.") % {"max": MAX_ROWS}
            raise InvalidInput(message, errors=[{"loc": ["file"], "msg": message}])
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _regrouped(chunks: Iterator[list[_Prepared]]) -> Iterator[list[_Prepared]]:
    batch: list[_Prepared] = []
    for chunk in chunks:
        batch.extend(chunk)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _assign(pipeline: _Pipeline, lead: dict[str, Any], now: Any) -> tuple[str, dict[str, Any]]:
    values = {name: lead[name] for name in LEAD_FIELDS} | {"grade": lead["grade"]}
    decision = assignment.assign(values, pipeline.loads, pipeline.state, pipeline.assignment_config)
    pipeline.state = decision.new_state
    data = {"rule": decision.rule, "reason": str(decision.reason)}
    if decision.rep_id is not None:
        lead.update(owner_id=decision.rep_id, team_id=pipeline.team_of[decision.rep_id], assigned_at=now)
        pipeline.loads = [
            replace(load, open_leads=load.open_leads + 1) if load.rep_id == decision.rep_id else load
            for load in pipeline.loads
        ]
        return LeadEventKind.ASSIGNED, data
    lead.update(owner_id=None, team_id=decision.team_id or lead["team_id"])
    return LeadEventKind.POOLED, data


def _write_batch(
    pipeline: _Pipeline,
    rows: list[_Prepared],
    judged: Callable[[], list[list[check.Found]]],
    report: ImportReport,
    max_errors: int,
) -> None:
    """Assignment and inserts of one batch of prepared rows, with the duplicate check's findings."""
    now = timezone.now()
    report.rows += len(rows)
    leads = [_lead(pipeline, row, now) for row in rows]
    accepted = [(lead, row) for lead, row in zip(leads, rows, strict=True) if row.record is not None]
    found = judged()
    candidates: list[dict[str, Any]] = []
    flagged: dict[uuid.UUID, int] = {}
    for (lead, _row), matches in zip(accepted, found, strict=True):
        if matches:
            lead["duplicate_state"] = DuplicateState.SUSPECTED.value
            candidates.extend(_candidate(lead["id"], match, now) for match in matches)
            flagged[lead["id"]] = len(matches)
            report.duplicates += 1
    events: list[dict[str, Any]] = []
    source = {"source": "import", "channel": pipeline.channel.name}
    actor_id = pipeline.actor.pk
    for row, lead in zip(rows, leads, strict=True):
        events.append(_event(lead, LeadEventKind.CREATED, actor_id, now, source))
        if row.record is None:
            rejections = row.rejections
            events.append(_event(lead, LeadEventKind.REJECTED, actor_id, now, {"rules": rejections}))
            report.rejected += 1
            if len(report.errors) < max_errors:
                reasons = "; ".join(f"{item['field']}: {item['reason']}" for item in rejections)
                report.errors.append(_("row %(row)d: %(reasons)s") % {"row": row.number, "reasons": reasons})
            continue
        report.created += 1
        if lead["id"] in flagged:
            events.append(_event(lead, LeadEventKind.DUPLICATE, actor_id, now, {"candidates": flagged[lead["id"]]}))
        kind, data = _assign(pipeline, lead, now)
        events.append(_event(lead, kind, actor_id, now, data))
    _insert(Lead, leads)
    keys_insert(Kind.LEAD, [(lead["id"], row.keys) for lead, row in accepted])
    _insert(DuplicateCandidate, candidates)
    _insert(LeadEvent, events)
    report.lead_ids.extend(lead["id"] for lead in leads)


def _candidate(lead_id: uuid.UUID, match: check.Found, now: Any) -> dict[str, Any]:
    other = {Kind.LEAD: "other_lead_id", Kind.CUSTOMER: "customer_id", Kind.CONTACT: "contact_id"}[Kind(match.kind)]
    return {"lead_id": lead_id, "kind": match.kind, other: match.record_id, "score": match.score,
            "reason": match.reason, "detail": match.detail, "created_at": now, "updated_at": now}  # fmt: skip


def _event(lead: dict[str, Any], kind: str, actor_id: int, now: Any, data: dict[str, Any]) -> dict[str, Any]:
    return {"lead_id": lead["id"], "kind": kind, "actor_id": actor_id, "owner_id": lead.get("owner_id"),
            "team_id": lead.get("team_id"), "data": data, "created_at": now, "updated_at": now}  # fmt: skip


def _insert(model: type[models.Model], objects: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows given as attribute name → value (others take the field's default) through ``core.bulk.write``.

    ``bulk_create`` spends most of its time building model instances and compiling SQL per batch; here
    each value is prepared once by its field's converter and the rows go to the driver's
    ``executemany`` (SQLite) or ``COPY``.
    """
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField))
    ]
    table = bulk.Table(model._meta.db_table, tuple(str(field.column) for field in fields), ())
    defaults = {field.attname: field.get_default() for field in fields}
    values_of = operator.itemgetter(*defaults)
    converted = [(at, convert) for at, field in enumerate(fields) if (convert := _converter(field)) is not None]
    rows = []
    for row in objects:
        values = list(values_of(defaults | dict(row)))
        for at, convert in converted:
            values[at] = convert(values[at])
        rows.append(tuple(values))
    bulk.write(table, rows)


_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.FloatField, models.BooleanField)


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """None for values the driver takes as they are; else the field's own preparation (remembered per object:
    a batch shares one timestamp and a few event payloads)."""
    real = connections["default"]
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.UUIDField):
        if real.vendor == "sqlite":
            return lambda value: None if value is None else value.hex
        return None
    if isinstance(target, _AS_IS) and not isinstance(target, models.JSONField):
        return None
    seen: dict[int, tuple[Any, Any]] = {}

    def convert(value: Any) -> Any:
        if type(value) is Dumped:
            return str(value)
        known = seen.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        prepared = field.get_db_prep_save(value, real)
        seen[id(value)] = (value, prepared)
        return prepared

    return convert


def channels_for_import() -> QuerySet[Channel]:
    """The channels a file can be imported into (channels are settings every user may read)."""
    return Channel.objects.filter(is_active=True).order_by("name")
