"""The duplicate check in the database: keys of leads, customers and contacts, candidates, merge, link, dismiss.

Every lead, customer and contact has its blocking keys (``leads.dedup.blocking_keys``) in
``DedupKey``. A check normalises the incoming lead, looks its keys up (at most ``MAX_BLOCK + 1`` rows
per key; a key shared by more records is dropped, as in the bulk check), loads the records found with
their *current* values and ``compare``s them, so a stale key costs one comparison and never yields a
wrong candidate. Phones are also looked up in the customers' and contacts' own indexed E.164 columns,
so a phone changed by an edit that left the keys behind is still found. A person at a company that is
already a customer (张伟 @ 云栖科技 → 杭州云栖科技有限公司) is a candidate too (reason ``works_at``): the
lead can be *linked* to that customer.

Keys are kept up to date: leads here (at entry and import), customers and contacts by
``leads.signals`` on every save and by ``dedup_keys_refresh`` (which customer services call after
updates), and all at once by ``dedup_keys_rebuild`` (``manage.py leads_dedup_keys``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core import bulk
from guanxi.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from guanxi.customers.models import Contact, Customer
from guanxi.leads.check import Found, contact_record, customer_record, employers, find_duplicates, lead_record
from guanxi.leads.dedup import DedupRecord, blocking_keys, normalise
from guanxi.leads.models import (
    OPEN_STATUSES,
    Channel,
    DedupKey,
    DuplicateCandidate,
    DuplicateState,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadStatus,
)

Kind = DedupKey.Kind
BATCH = 10_000
_LOOKUP_CHUNK = 500  # keys per IN query
_MERGE_FILL = ("name", "company", "title", "phone", "email", "city", "region", "industry", "company_size")


# --- records as the duplicate check sees them -------------------------------------------------


def _split(record_id: str) -> tuple[str, uuid.UUID]:
    kind, _sep, pk = record_id.partition(":")
    return kind, uuid.UUID(pk)


def record_keys(record: DedupRecord) -> set[str]:
    return blocking_keys(normalise(record))


# --- keeping the key table ------------------------------------------------------------------


def keys_write(kind: str, records: Iterable[tuple[uuid.UUID, DedupRecord]], *, replace: bool = True) -> int:
    """Store the keys of ``records`` (replacing what they had); returns the number of keys written."""
    pairs = list(records)
    if replace and pairs:
        ids = [pk for pk, _record in pairs]
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            DedupKey.objects.filter(kind=kind, record_id__in=ids[start : start + _LOOKUP_CHUNK])._raw_delete("default")
    return keys_insert(kind, ((pk, record_keys(record)) for pk, record in pairs))


def keys_insert(kind: str, records: Iterable[tuple[uuid.UUID, Iterable[str]]]) -> int:
    """Store keys already computed (records known to have none yet); in key order, so that neighbouring
    rows go to neighbouring places of the key index."""
    rows = sorted(((kind, bulk.db_uuid(pk), key) for pk, keys in records for key in keys), key=itemgetter(2))
    bulk.write(bulk.Table.of(DedupKey, ["kind", "record_id", "key"]), rows)
    return len(rows)


def keys_delete(kind: str, ids: Sequence[uuid.UUID]) -> None:
    DedupKey.objects.filter(kind=kind, record_id__in=list(ids))._raw_delete("default")


def _customer_rows(ids: Sequence[Any] | None = None, after: Any = None, limit: int = BATCH) -> list[tuple[Any, ...]]:
    qs = Customer._base_manager.order_by("pk")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    elif after is not None:
        qs = qs.filter(pk__gt=after)
    fields = ("pk", "kind", "name", "phone", "email", "city")
    return list(qs.values_list(*fields)[:limit] if ids is None else qs.values_list(*fields))


def _contact_rows(ids: Sequence[Any] | None = None, after: Any = None, limit: int = BATCH) -> list[tuple[Any, ...]]:
    qs = Contact._base_manager.order_by("pk")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    elif after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs.values_list("pk", "name", "mobile", "email")[:limit] if ids is None else qs.values_list(
        "pk", "name", "mobile", "email"))  # fmt: skip
    companies = _contact_companies([row[0] for row in rows])
    return [(*row, companies.get(row[0], "")) for row in rows]


def _contact_companies(contact_ids: Sequence[Any]) -> dict[Any, str]:
    """The customer each contact currently works at (``check.employers``), by primary key."""
    companies: dict[Any, str] = {}
    for start in range(0, len(contact_ids), _LOOKUP_CHUNK):
        chunk = contact_ids[start : start + _LOOKUP_CHUNK]
        found = employers([bulk.db_uuid(pk) for pk in chunk])
        companies.update((pk, found[pk.hex]) for pk in chunk if pk.hex in found)
    return companies


def dedup_keys_refresh(*, customers: Sequence[Any] = (), contacts: Sequence[Any] = ()) -> None:
    """Recompute the keys of these customers and contacts from their current values (after a change)."""
    if customers:
        rows = _customer_rows(ids=list(customers))
        keys_write(Kind.CUSTOMER, ((row[0], customer_record(*row)) for row in rows))
        gone = set(customers) - {row[0] for row in rows}
        if gone:
            keys_delete(Kind.CUSTOMER, list(gone))
    if contacts:
        rows = _contact_rows(ids=list(contacts))
        keys_write(Kind.CONTACT, ((row[0], contact_record(*row)) for row in rows))


def _batches(fetch: Any) -> Iterator[list[tuple[Any, ...]]]:
    after = None
    while rows := fetch(after=after):
        yield rows
        after = rows[-1][0]


def dedup_keys_rebuild(*, batch: int = BATCH) -> dict[str, int]:
    """Fill the key table anew from every open lead, customer and contact; returns the keys written per kind.

    Set-based: records are read in primary-key order ``batch`` at a time, their keys inserted with the
    driver's ``executemany`` (SQLite: the key index is dropped and rebuilt once, ``core.bulk.rewrite``).
    """
    table = bulk.Table.of(DedupKey, ["kind", "record_id", "key"])
    counts = {Kind.LEAD.value: 0, Kind.CUSTOMER.value: 0, Kind.CONTACT.value: 0}

    def fill() -> None:
        for rows in _batches(lambda after: _customer_rows(after=after, limit=batch)):
            counts[Kind.CUSTOMER] += _write(table, Kind.CUSTOMER, ((row[0], customer_record(*row)) for row in rows))
        for rows in _batches(lambda after: _contact_rows(after=after, limit=batch)):
            counts[Kind.CONTACT] += _write(table, Kind.CONTACT, ((row[0], contact_record(*row)) for row in rows))
        leads = Lead.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True).order_by("pk")
        for rows in _batches(lambda after: list(
            (leads.filter(pk__gt=after) if after else leads).values_list(
                "pk", "name", "company", "phone_e164", "phone", "email", "city")[:batch])):  # fmt: skip
            records = ((row[0], DedupRecord(id=f"lead:{row[0]}", name=row[1], company=row[2], phone=row[3] or row[4],
                                            email=row[5], city=row[6])) for row in rows)  # fmt: skip
            counts[Kind.LEAD] += _write(table, Kind.LEAD, records)

    with transaction.atomic():
        if connection.vendor == "sqlite":
            with bulk.rewrite(table):
                fill()
        else:
            DedupKey.objects.all()._raw_delete("default")
            fill()
    return counts


def _write(table: bulk.Table, kind: str, records: Iterable[tuple[Any, DedupRecord]]) -> int:
    rows = [(kind, bulk.db_uuid(pk), key) for pk, record in records for key in record_keys(record)]
    bulk.write(table, rows)
    return len(rows)


def candidate_rows(lead_id: uuid.UUID, found: Iterable[Found]) -> list[DuplicateCandidate]:
    rows = []
    for item in found:
        row = DuplicateCandidate(lead_id=lead_id, kind=item.kind, score=item.score, reason=item.reason,
                                 detail=item.detail)  # fmt: skip
        if item.kind == Kind.LEAD:
            row.other_lead_id = item.record_id
        elif item.kind == Kind.CUSTOMER:
            row.customer_id = item.record_id
        else:
            row.contact_id = item.record_id
        rows.append(row)
    return rows


def _event(lead: Lead, kind: str, actor: User | None, **data: Any) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead, kind=kind, actor=actor if actor is not None and actor.pk else None, owner_id=lead.owner_id,
        team_id=lead.team_id, data=data,
    )  # fmt: skip


@transaction.atomic
def lead_duplicates_check(*, actor: User, lead: Lead) -> list[DuplicateCandidate]:
    """Store the lead's keys and its candidates among leads, customers and contacts; flag it when any."""
    record = normalise(lead_record(lead))
    keys = blocking_keys(record)  # normalised once, for the key table and the check
    keys_delete(Kind.LEAD, [lead.pk])
    keys_insert(Kind.LEAD, [(lead.pk, keys)])
    (found,) = find_duplicates([record], keys=[keys])
    DuplicateCandidate.objects.filter(lead=lead).delete()
    rows = DuplicateCandidate.objects.bulk_create(candidate_rows(lead.pk, found))
    if rows:
        Lead.objects.filter(pk=lead.pk).update(duplicate_state=DuplicateState.SUSPECTED)
        lead.duplicate_state = DuplicateState.SUSPECTED
        _event(lead, LeadEventKind.DUPLICATE, actor, candidates=len(rows), best=rows[0].reason,
               score=rows[0].score)  # fmt: skip
    return rows


# --- acting on candidates -------------------------------------------------------------------


def _locked(actor: User, lead: Lead, version: int | None) -> Lead:
    access.ensure(actor, "change", lead)
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if version is not None and locked.version != version:
        raise Conflict(_("Someone else changed this lead. Reload it and try again."))
    return locked


def _touch(lead: Lead, actor: User, **changes: Any) -> Lead:
    now = timezone.now()
    Lead.objects.filter(pk=lead.pk).update(**changes, updated_at=now, updated_by=actor, version=F("version") + 1)
    lead.refresh_from_db()
    return lead


@transaction.atomic
def lead_merge(*, actor: User, lead: Lead, into_lead: Lead, version: int | None = None) -> Lead:
    """``lead`` is a duplicate of ``into_lead``: it is closed (rejected, *merged*) and points to the other.

    Fields the other lead lacks are filled from this one; both keep their history and each gets a
    *merged* event. Returns the lead merged into.
    """
    locked = _locked(actor, lead, version)
    target = _locked(actor, into_lead, None)
    if locked.pk == target.pk:
        raise InvalidInput(_("A lead cannot be merged into itself."), errors=[{"loc": ["into_lead_id"],
                                                                             "msg": _("The same lead.")}])  # fmt: skip
    if locked.merged_into_id is not None or locked.status not in OPEN_STATUSES:
        raise InvalidTransition(_("Only an open lead can be merged."))
    if target.merged_into_id is not None or target.status == LeadStatus.REJECTED:
        raise InvalidTransition(_("A lead cannot be merged into a closed or merged lead."))
    fill = {
        field: getattr(locked, field) for field in _MERGE_FILL if not getattr(target, field) and getattr(locked, field)
    }
    if fill.get("phone") and not target.phone_e164:
        fill["phone_e164"] = locked.phone_e164
    previous = locked.status
    _touch(locked, actor, status=LeadStatus.REJECTED, rejected_at=timezone.now(), merged_into=target,
           duplicate_state=DuplicateState.MERGED)  # fmt: skip
    if fill:
        _touch(target, actor, **fill)
    keys_delete(Kind.LEAD, [locked.pk])
    if fill:
        keys_write(Kind.LEAD, [(target.pk, lead_record(target))])
    LeadEvent.objects.create(lead=locked, kind=LeadEventKind.MERGED, actor=actor, from_status=previous,
                             to_status=LeadStatus.REJECTED, owner_id=locked.owner_id, team_id=locked.team_id,
                             data={"into": str(target.pk), "filled": sorted(fill)})  # fmt: skip
    _event(target, LeadEventKind.MERGED, actor, merged=str(locked.pk), filled=sorted(fill))
    return target


@transaction.atomic
def lead_link(*, actor: User, lead: Lead, customer: Customer, version: int | None = None) -> Lead:
    """The lead is (someone at) an existing customer: link it and keep it open.

    The rep keeps working the lead (a known customer's new enquiry is still a sale to win); converting
    it later joins that customer instead of creating one (``lead_convert``).
    """
    locked = _locked(actor, lead, version)
    access.ensure(actor, "view", customer)
    if locked.status in (LeadStatus.CONVERTED, LeadStatus.REJECTED):
        raise InvalidTransition(_("Only an open lead can be linked to a customer."))
    _touch(locked, actor, customer=customer, duplicate_state=DuplicateState.LINKED)
    _event(locked, LeadEventKind.LINKED, actor, customer=str(customer.pk), name=customer.name)
    return locked


@transaction.atomic
def lead_duplicate_dismiss(*, actor: User, lead: Lead, candidate: DuplicateCandidate) -> Lead:
    """The candidate is not the same: it is removed (its event keeps it); none left → *not a duplicate*."""
    locked = _locked(actor, lead, None)
    if candidate.lead_id != locked.pk:
        message = _("This candidate belongs to another lead.")
        raise InvalidInput(message, errors=[{"loc": ["candidate_id"], "msg": message}])
    other = candidate.other_lead_id or candidate.customer_id or candidate.contact_id
    candidate.delete()
    changes: dict[str, Any] = {}
    if (
        not DuplicateCandidate.objects.filter(lead=locked).exists()
        and locked.duplicate_state == DuplicateState.SUSPECTED
    ):
        changes["duplicate_state"] = DuplicateState.DISMISSED
    _touch(locked, actor, **changes)
    _event(locked, LeadEventKind.DUPLICATE, actor, dismissed=candidate.kind, record=str(other), reason=candidate.reason)
    return locked


__all__ = [
    "dedup_keys_rebuild",
    "dedup_keys_refresh",
    "find_duplicates",
    "lead_duplicate_dismiss",
    "lead_duplicates_check",
    "lead_link",
    "lead_merge",
]


# --- reading candidates -----------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateView:
    """A candidate as one actor may see it: a record the actor cannot see keeps only its kind and score."""

    id: int
    kind: str
    record_id: uuid.UUID | None
    name: str
    score: float
    reason: str
    detail: str
    visible: bool
    note: str


def lead_duplicates(*, actor: User, lead: Lead) -> list[CandidateView]:
    """The lead's candidates, best first; those the actor cannot see are shown without name or detail."""
    rows = list(DuplicateCandidate.objects.filter(lead=lead).order_by("-score", "created_at"))
    ids: defaultdict[str, list[uuid.UUID]] = defaultdict(list)
    for row in rows:
        ids[row.kind].append(_other_id(row))
    names: dict[uuid.UUID, str] = {}
    names.update(access.scope(actor, Lead.objects.filter(pk__in=ids[Kind.LEAD])).values_list("pk", "name"))
    names.update(access.scope(actor, Customer.objects.filter(pk__in=ids[Kind.CUSTOMER])).values_list("pk", "name"))
    names.update(access.scope(actor, Contact.objects.filter(pk__in=ids[Kind.CONTACT])).values_list("pk", "name"))
    lead_companies = dict(Lead.objects.filter(pk__in=[pk for pk in ids[Kind.LEAD] if pk in names])
                          .values_list("pk", "company"))  # fmt: skip
    views = []
    for row in rows:
        other = _other_id(row)
        if other in names:
            name = names[other] or lead_companies.get(other, "") or str(other)
            views.append(CandidateView(row.pk, row.kind, other, name, row.score, row.reason, row.detail, True, ""))
            continue
        note = {
            Kind.LEAD: _("A lead you cannot see — ask your manager."),
            Kind.CUSTOMER: _("An existing customer you cannot see — ask your manager."),
            Kind.CONTACT: _("A contact of a customer you cannot see — ask your manager."),
        }[Kind(row.kind)]
        views.append(CandidateView(row.pk, row.kind, None, "", row.score, row.reason, "", False, note))
    return views


def _other_id(row: DuplicateCandidate) -> uuid.UUID:
    return row.other_lead_id or row.customer_id or row.contact_id  # type: ignore[return-value]


def customer_get(*, actor: User, pk: Any) -> Customer:
    return access.get_visible(actor, Customer.objects.all(), pk=pk)


def candidate_get(*, lead: Lead, pk: Any) -> DuplicateCandidate:
    try:
        return DuplicateCandidate.objects.get(lead=lead, pk=pk)
    except (DuplicateCandidate.DoesNotExist, ValueError):
        raise NotFound(_("Not found.")) from None


def channel_get(*, pk: Any) -> Channel:
    """Channels are settings every user may read."""
    try:
        return Channel.objects.get(pk=pk)
    except (Channel.DoesNotExist, ValueError):
        raise NotFound(_("Not found.")) from None
