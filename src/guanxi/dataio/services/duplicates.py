"""Duplicate check of a chunk of import rows against existing records, in a few indexed queries.

Customers match on the same E.164 phone, the same e-mail or the same ``name_key`` (NFKC, case,
spaces, punctuation and company suffixes removed, ``guanxi.core.normalise.name_key``); long keys
also match near-identical ones (rapidfuzz ratio ≥ 95) inside a block of candidates that share
the key's first characters, read by an index range — never a scan over all customers.
Contacts match on the same mobile (E.164) or e-mail.

Matches are looked up over all records (a duplicate is a duplicate whoever owns it) and then
split by what the importer may see: a hidden match is reported without any of its data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.customers.models import Contact, Customer
from guanxi.dataio.services.rows import Parsed

FUZZY_MIN_LENGTH = 10  # shorter keys reach ratio 95 only when equal
FUZZY_PREFIX = 4
FUZZY_BLOCK = 50  # candidates read per long key
FUZZY_CUTOFF = 95.0


@dataclass(frozen=True)
class Match:
    by: str  # "phone", "email" or "name"
    record_id: uuid.UUID | None = None  # an existing record
    row_number: int | None = None  # an earlier row of the same file
    visible: bool = False
    changeable: bool = False
    name: str = ""


def _emails(parsed: Sequence[Parsed]) -> list[str]:
    """E-mails as typed and in lower case (stored ones keep the case they were typed in)."""
    typed = (item.record.email for item in parsed if item.record is not None)
    return sorted({variant for email in typed if email for variant in (email, email.lower())})


def _index(rows: Iterable[tuple[uuid.UUID, str]], kind: str, found: dict[tuple[str, str], uuid.UUID]) -> None:
    for pk, value in rows:
        if value:
            found.setdefault((kind, value.lower() if kind == "email" else value), pk)


def _customer_matches(parsed: Sequence[Parsed]) -> dict[tuple[str, str], uuid.UUID]:
    keys = [key for item in parsed for key in item.match_keys()]
    phones = sorted({value for kind, value in keys if kind == "phone"})
    emails = _emails(parsed)
    names = sorted({value for kind, value in keys if kind == "name"})
    found: dict[tuple[str, str], uuid.UUID] = {}
    base = Customer.objects.order_by()
    if phones:
        _index(base.filter(phone_e164__in=phones).values_list("pk", "phone_e164"), "phone", found)
    if emails:
        _index(base.filter(email__in=emails).values_list("pk", "email"), "email", found)
    if names:
        _index(base.filter(name_key__in=names).values_list("pk", "name_key"), "name", found)
    for name in names:
        if len(name) >= FUZZY_MIN_LENGTH and ("name", name) not in found:
            near = _near_name(name)
            if near is not None:
                found[("name", name)] = near
    return found


def _near_name(key: str) -> uuid.UUID | None:
    prefix = key[:FUZZY_PREFIX]
    block = Customer.objects.filter(name_key__gte=prefix, name_key__lt=prefix + "\U0010ffff").order_by("name_key")
    candidates = dict(block.values_list("pk", "name_key")[:FUZZY_BLOCK])
    best = process.extractOne(key, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return best[2] if best is not None else None


def _contact_matches(parsed: Sequence[Parsed]) -> dict[tuple[str, str], uuid.UUID]:
    keys = [key for item in parsed for key in item.match_keys()]
    phones = sorted({value for kind, value in keys if kind == "phone"})
    emails = _emails(parsed)
    found: dict[tuple[str, str], uuid.UUID] = {}
    base = Contact.objects.order_by()
    if phones:
        _index(base.filter(mobile_e164__in=phones).values_list("pk", "mobile_e164"), "phone", found)
    if emails:
        _index(base.filter(email__in=emails).values_list("pk", "email"), "email", found)
    return found


def find(*, actor: User, parsed: Sequence[Parsed], contacts: bool) -> dict[int, Match]:
    """Row number → the existing record it duplicates (first key that matches)."""
    existing = _contact_matches(parsed) if contacts else _customer_matches(parsed)
    model: type[Customer] | type[Contact] = Contact if contacts else Customer
    ids = set(existing.values())
    visible = set(access.scope(actor, model.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    change_q = access.visible_q(actor, model, for_change=True)
    changeable = (
        set(model.objects.filter(change_q, pk__in=visible).values_list("pk", flat=True))
        if change_q is not None and visible
        else set()
    )
    names = dict(model.objects.filter(pk__in=visible).values_list("pk", "name"))
    matches: dict[int, Match] = {}
    for item in parsed:
        for key in item.match_keys():
            pk = existing.get(key)
            if pk is not None:
                matches[item.row.number] = Match(
                    by=key[0], record_id=pk, visible=pk in visible, changeable=pk in changeable, name=names.get(pk, "")
                )
                break
    return matches


def in_file(seen: dict[tuple[str, str], int], item: Parsed) -> Match | None:
    """An earlier row of the same file that became (or would become) a record with one of this row's keys."""
    for key in item.match_keys():
        if key in seen:
            return Match(by=key[0], row_number=seen[key])
    return None


def remember(seen: dict[tuple[str, str], int], item: Parsed) -> None:
    """Keys of a row that becomes a record: later rows with the same key are duplicates within the file."""
    for key in item.match_keys():
        seen.setdefault(key, item.row.number)
