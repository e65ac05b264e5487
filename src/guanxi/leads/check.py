"""Finding a lead's duplicates among stored leads, customers and contacts: look up, then judge.

The check has two halves so an import can run them in different processes:

* ``check_task`` (database, in the process that holds the transaction): the records under each of the
  incoming leads' keys (``DedupKey``; a key shared by more than ``MAX_BLOCK`` records is dropped, as in
  the bulk check), the customers and contacts with the same E.164 phone in their own indexed columns
  (current even where their keys are not), and the *current* values of every record found — read with
  a few plain SQL statements per batch, no model instances.
* ``judge`` (pure): normalises the stored records and ``compare``s each incoming lead with those sharing
  a key, so a stale key costs one comparison and never yields a wrong candidate. A person at a company
  that is already a customer (张伟 @ 云栖科技 → 杭州云栖科技有限公司) is a candidate too (``works_at``).

``FileIndex`` keeps the leads of a file being imported, so a row is checked against the rows before it
without the database (an import looks its next batch up before it has written the previous one).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from guanxi.customers.models import Contact, Customer, CustomerKind, Position
from guanxi.leads.dedup import MAX_BLOCK, DedupRecord, Match, Normalised, blocking_keys, compare, normalise
from guanxi.leads.dedup.blocking import MAX_KEY_LENGTH
from guanxi.leads.dedup.scoring import COMPANY_SAME, company_similarity
from guanxi.leads.models import OPEN_STATUSES, DedupKey, Lead, LeadStatus

Kind = DedupKey.Kind
Member = tuple[str, str]  # (kind, record id as 32 hex digits)
_CHUNK = 500  # values per IN (…) list


# --- records as the duplicate check sees them -------------------------------------------------


def lead_record(lead: Lead) -> DedupRecord:
    return DedupRecord(
        id=f"lead:{lead.pk}", name=lead.name, company=lead.company, phone=lead.phone_e164 or lead.phone,
        email=lead.email, city=lead.city, kind="lead",
    )  # fmt: skip


def customer_record(pk: Any, kind: str, name: str, phone: str, email: str, city: str) -> DedupRecord:
    """A company customer is a company record; an individual customer is a person without a company."""
    person = kind == CustomerKind.INDIVIDUAL
    return DedupRecord(
        id=f"customer:{pk}", name=name if person else "", company="" if person else name, phone=phone,
        email=email, city=city, kind="customer",
    )  # fmt: skip


def contact_record(pk: Any, name: str, mobile: str, email: str, company: str) -> DedupRecord:
    return DedupRecord(id=f"contact:{pk}", name=name, company=company, phone=mobile, email=email, kind="contact")


def company_key(record: Normalised) -> str | None:
    """The key under which the company record of a person's employer is stored (``c:<core>``)."""
    if not record.is_person or record.company is None:
        return None
    core = record.company.core or record.company.text.replace(" ", "")
    key = f"c:{core}"
    return key if core and len(key) <= MAX_KEY_LENGTH else None


def _member(record: Normalised) -> Member:
    kind, _sep, pk = record.record.id.partition(":")
    return kind, uuid.UUID(pk).hex


# --- the result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A record judged the same as an incoming lead (or its employer, ``works_at``)."""

    kind: str
    record_id: uuid.UUID
    score: float
    reason: str
    detail: str


# --- leads of a file, before they are stored --------------------------------------------------


@dataclass
class FileIndex:
    """The accepted rows of a file so far, by blocking key (what ``check_task`` adds to the stored records)."""

    by_key: defaultdict[str, list[Member]] = field(default_factory=lambda: defaultdict(list))
    records: dict[Member, Normalised] = field(default_factory=dict)
    lead_ids: set[str] = field(default_factory=set)

    def add(self, incoming: Sequence[Normalised], keys: Sequence[Iterable[str]]) -> None:
        for record, own_keys in zip(incoming, keys, strict=True):
            member = _member(record)
            self.records[member] = record
            self.lead_ids.add(member[1])
            for key in own_keys:
                self.by_key[key].append(member)


# --- the database half ------------------------------------------------------------------------


@dataclass
class CheckTask:
    """Everything ``judge`` needs for a batch of incoming leads; plain data, so it can go to another process."""

    incoming: list[Normalised]
    own_keys: list[frozenset[str]]
    company_keys: list[str | None]
    members: dict[str, set[Member]]  # key → records under it (stored, and earlier rows of the file)
    stored: dict[Member, DedupRecord]  # current values, normalised by ``judge``
    known: dict[Member, Normalised]  # earlier rows of the file, already normalised
    among_themselves: bool


def check_task(
    incoming: Sequence[Normalised],
    *,
    keys: Sequence[Iterable[str]] | None = None,
    among_themselves: bool = False,
    earlier: FileIndex | None = None,
) -> CheckTask:
    """Look the incoming leads' keys up and read the records found (see the module docstring)."""
    own_keys = [frozenset(found) for found in keys] if keys is not None else [
        frozenset(blocking_keys(one)) for one in incoming]  # fmt: skip
    companies = [company_key(record) for record in incoming]
    every_key: set[str] = set().union(*own_keys) if own_keys else set()
    every_key |= {key for key in companies if key}
    members = _key_members(every_key)
    for key, found in _phone_members({key[2:] for key in every_key if key.startswith("p:")}).items():
        members.setdefault(key, set()).update(found)
    known: dict[Member, Normalised] = {}
    if earlier is not None and earlier.records:
        ours = earlier.lead_ids  # this file's leads stored by an earlier batch: judged from the index instead
        for found in members.values():
            found.difference_update([member for member in found if member[0] == Kind.LEAD and member[1] in ours])
        for key in every_key:
            before = earlier.by_key.get(key)
            if before and len(before) <= MAX_BLOCK:
                members.setdefault(key, set()).update(before)
                known.update((member, earlier.records[member]) for member in before)
    wanted = {member for found in members.values() for member in found if member not in known}
    return CheckTask(
        incoming=list(incoming), own_keys=own_keys, company_keys=companies, members=members,
        stored=_load(wanted), known=known, among_themselves=among_themselves,
    )  # fmt: skip


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _marks(count: int) -> str:
    """Parameter marks for the driver itself (``_rows`` bypasses Django's cursor wrapper)."""
    return ", ".join(["?" if connection.vendor == "sqlite" else "%s"] * count)


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run a read on the driver's cursor: in debug mode Django's wrapper would also render each statement,
    with its hundreds of parameters, for the query log."""
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    finally:
        cursor.close()
    return rows


def _hex(value: Any) -> str:
    """A UUID as the backend returns it (32 hex digits on SQLite, ``uuid.UUID`` on PostgreSQL) → 32 hex digits."""
    return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "")


def _db_ids(ids: Iterable[str]) -> list[Any]:
    return list(ids) if connection.vendor == "sqlite" else [uuid.UUID(hex=pk) for pk in ids]


def _key_members(keys: set[str]) -> dict[str, set[Member]]:
    """Records under each key, for keys shared by at most ``MAX_BLOCK`` records (bigger blocks are dropped)."""
    table = DedupKey._meta.db_table
    members: dict[str, set[Member]] = {}
    for chunk in _chunks(sorted(keys)):
        marks = _marks(len(chunk))
        sql = (
            f'SELECT "key", kind, record_id FROM {table} WHERE "key" IN ({marks}) AND "key" NOT IN '  # noqa: S608 -- names
            f'(SELECT "key" FROM {table} WHERE "key" IN ({marks}) GROUP BY "key" HAVING COUNT(*) > {_marks(1)})'
        )
        for key, kind, record_id in _rows(sql, [*chunk, *chunk, MAX_BLOCK]):
            members.setdefault(key, set()).add((kind, _hex(record_id)))
    return members


def _phone_members(phones: set[str]) -> dict[str, set[Member]]:
    """Customers and contacts by their own E.164 columns (current even if their keys are not)."""
    members: defaultdict[str, set[Member]] = defaultdict(set)
    customers, contacts = Customer._meta.db_table, Contact._meta.db_table
    for chunk in _chunks(sorted(phones)):
        marks = _marks(len(chunk))
        for phone, pk in _rows(f"SELECT phone_e164, id FROM {customers} WHERE phone_e164 IN ({marks})", chunk):  # noqa: S608
            members[f"p:{phone}"].add((Kind.CUSTOMER, _hex(pk)))
        for phone, pk in _rows(f"SELECT mobile_e164, id FROM {contacts} WHERE mobile_e164 IN ({marks})", chunk):  # noqa: S608
            members[f"p:{phone}"].add((Kind.CONTACT, _hex(pk)))
    return {key: found for key, found in members.items() if len(found) <= MAX_BLOCK}


def _load(wanted: set[Member]) -> dict[Member, DedupRecord]:
    """The current values of the records found; leads closed as rejected or merged are left out."""
    by_kind: defaultdict[str, list[str]] = defaultdict(list)
    for kind, pk in wanted:
        by_kind[kind].append(pk)
    loaded: dict[Member, DedupRecord] = {}
    customers, contacts = Customer._meta.db_table, Contact._meta.db_table
    for chunk in _chunks(sorted(by_kind[Kind.CUSTOMER])):
        sql = f"SELECT id, kind, name, phone, email, city FROM {customers} WHERE id IN ({_marks(len(chunk))})"  # noqa: S608
        for row in _rows(sql, _db_ids(chunk)):
            loaded[(Kind.CUSTOMER, _hex(row[0]))] = customer_record(*row)
    for chunk in _chunks(sorted(by_kind[Kind.CONTACT])):
        ids = _db_ids(chunk)
        sql = f"SELECT id, name, mobile, email FROM {contacts} WHERE id IN ({_marks(len(chunk))})"  # noqa: S608
        rows = _rows(sql, ids)
        works_at = employers(ids)
        for pk, name, mobile, email in rows:
            loaded[(Kind.CONTACT, _hex(pk))] = contact_record(pk, name, mobile, email, works_at.get(_hex(pk), ""))
    statuses = [str(status) for status in (*OPEN_STATUSES, LeadStatus.CONVERTED)]
    for chunk in _chunks(sorted(by_kind[Kind.LEAD])):
        sql = (
            f"SELECT id, name, company, phone_e164, phone, email, city FROM {Lead._meta.db_table} "  # noqa: S608
            f"WHERE id IN ({_marks(len(chunk))}) AND status IN ({_marks(len(statuses))}) AND merged_into_id IS NULL"
        )
        for pk, name, company, phone_e164, phone, email, city in _rows(sql, [*_db_ids(chunk), *statuses]):
            loaded[(Kind.LEAD, _hex(pk))] = DedupRecord(
                id=f"lead:{uuid.UUID(hex=_hex(pk))}", name=name, company=company, phone=phone_e164 or phone,
                email=email, city=city, kind="lead",
            )  # fmt: skip
    return loaded


def employers(contact_ids: Sequence[Any]) -> dict[str, str]:
    """Contact (32 hex digits) → the name of the customer it currently works at (the latest open post);
    ``contact_ids`` as the backend stores them, at most a few hundred."""
    sql = (
        f"SELECT p.contact_id, c.name FROM {Position._meta.db_table} p "  # noqa: S608 -- table names
        f"JOIN {Customer._meta.db_table} c ON c.id = p.customer_id "
        f"WHERE p.contact_id IN ({_marks(len(contact_ids))}) AND p.ended_on IS NULL ORDER BY p.started_on"
    )
    return {_hex(contact_id): name for contact_id, name in _rows(sql, contact_ids)}


# --- the pure half ----------------------------------------------------------------------------


def judge(task: CheckTask) -> list[list[Found]]:
    """For each incoming lead, the records judged the same, best first (pure: runs in any process)."""
    loaded: dict[Member, Normalised] = {member: normalise(record) for member, record in task.stored.items()}
    loaded.update(task.known)
    before: defaultdict[str, set[Member]] = defaultdict(set)
    results: list[list[Found]] = []
    for record, own_keys, employer_key in zip(task.incoming, task.own_keys, task.company_keys, strict=True):
        own = _member(record)
        wanted = own_keys | {employer_key} if employer_key else own_keys
        others = {member for key in wanted for member in task.members.get(key, ())}
        if task.among_themselves:
            others |= {member for key in own_keys for member in before.get(key, ()) if len(before[key]) <= MAX_BLOCK}
            loaded[own] = record
            for key in own_keys:
                before[key].add(own)
        others.discard(own)
        results.append(_judged(record, others, loaded, task.members.get(employer_key or "", set())))
    return results


def _judged(
    record: Normalised, others: set[Member], loaded: dict[Member, Normalised], employers: set[Member]
) -> list[Found]:
    found: dict[Member, Found] = {}
    for member in others:
        other = loaded.get(member)
        if other is None:
            continue
        match: Match | None = compare(record, other)
        if match is not None:
            found[member] = Found(member[0], uuid.UUID(hex=member[1]), match.score, match.code, match.detail[:300])
    for member in employers:
        other = loaded.get(member)
        if member in found or other is None or member[0] != Kind.CUSTOMER or other.is_person:
            continue
        score = company_similarity(record.company, other.company)
        if score is not None and score >= COMPANY_SAME:
            found[member] = Found(member[0], uuid.UUID(hex=member[1]), round(score, 4), "works_at",
                                  other.record.company[:300])  # fmt: skip
    return sorted(found.values(), key=lambda item: (-item.score, item.kind, str(item.record_id)))


def find_duplicates(
    incoming: Sequence[Normalised], *, keys: Sequence[Iterable[str]] | None = None, among_themselves: bool = False
) -> list[list[Found]]:
    """For each incoming (normalised) lead, the stored records judged the same, best first.

    The incoming records' ids are ``lead:<uuid>``. ``among_themselves``: incoming leads not stored yet
    are checked against the ones before them too. ``keys``: their blocking keys, when already computed.
    """
    return judge(check_task(incoming, keys=keys, among_themselves=among_themselves))
