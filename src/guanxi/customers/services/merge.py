"""Merging two customers (or two contacts) into one, and undoing a merge on the same day.

The user keeps one record (the *survivor*) and picks, field by field, which record's value it
keeps. Everything that points at the other record (the *absorbed* one) moves to the survivor:
every foreign key found in Django's model meta (so a later module's tables are covered without
a change here) and, for customers, the explicit shares. A move that would leave two rows where
only one may be (a tag on both, the same contact's open post at both, a relationship the
survivor already has, a link between the two records themselves) collapses to the survivor's
row; the dropped row is kept whole in the merge record. Derived figures are not moved but
recomputed. The absorbed row is then deleted: nothing points at it any more, so nothing
cascades except its derived facts.

``MergeRecord`` keeps both records as they were, the primary keys of what moved and the rows
that were dropped, so an undo before midnight (in the merging user's time zone) puts back the
absorbed record with its own id, moves back exactly those rows (rows added to the survivor
later stay) and restores the survivor's chosen fields unless they were edited since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import Conflict, DomainError, InvalidInput, InvalidTransition, NotAllowed, field_error
from guanxi.core.models import AuditEntry, Versioned
from guanxi.core.records import audit_entry, record_type_label, record_update
from guanxi.customers.models import Contact, Customer, MergeKind, MergeRecord
from guanxi.customers.search import refresh_columns
from guanxi.customers.services.facts import customer_facts_refresh
from guanxi.customers.services.merge_moves import (
    SHARES,
    concrete,
    leftovers,
    move_back,
    move_related,
    put_back,
    related_links,
    restore,
    snapshot,
)
from guanxi.customers.services.profile import PROFILE_FIELDS

SURVIVOR, ABSORBED = "survivor", "absorbed"
SIDES = (SURVIVOR, ABSORBED)

# Audit "fields" a merge writes that are no model field: labels for history and timeline pages.
AUDIT_LABELS = {
    "merged_from": gettext_lazy("Merged from"),
    "merged_into": gettext_lazy("Merged into"),
    "merge_undone": gettext_lazy("Merge undone"),
}


@dataclass(frozen=True)
class MergeSpec:
    """What differs between merging customers and merging contacts."""

    kind: MergeKind
    model: type[Versioned]
    fields: tuple[str, ...]  # the fields the user picks between, in page order
    companions: Mapping[str, tuple[str, ...]]  # derived columns that travel with a picked field
    derived: frozenset[str]  # links to figures that are recomputed, never moved


CUSTOMER_MERGE = MergeSpec(
    kind=MergeKind.CUSTOMER,
    model=Customer,
    fields=("name", "phone", *PROFILE_FIELDS, "owner"),
    companions={"name": ("name_pinyin", "name_initials"), "phone": ("phone_e164",), "owner": ("team",)},
    derived=frozenset(),  # figures computed from records (DERIVED_FROM_RECORDS) are skipped by merge_moves
)
CONTACT_MERGE = MergeSpec(
    kind=MergeKind.CONTACT,
    model=Contact,
    fields=("name", "mobile", "gender", "email", "wechat", "birthday", "notes"),
    companions={"name": ("name_pinyin", "name_initials"), "mobile": ("mobile_e164",)},
    derived=frozenset(),
)
SPECS = {MergeKind.CUSTOMER: CUSTOMER_MERGE, MergeKind.CONTACT: CONTACT_MERGE}


def handled_links(spec: MergeSpec) -> set[str]:
    """Labels of everything a merge of ``spec`` takes care of: moved, or (derived figures) recomputed."""
    labels = {link.label for link in related_links(spec.model)}
    return labels | {SHARES} if spec.kind == MergeKind.CUSTOMER else labels


# --- field choices -----------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or value == ""


def default_choices(spec: MergeSpec, survivor: Versioned, absorbed: Versioned) -> dict[str, str]:
    """The survivor's value, unless it is empty and the absorbed record's is not."""
    choices = {}
    for name in spec.fields:
        attname = concrete(spec.model, name).attname
        mine, theirs = getattr(survivor, attname), getattr(absorbed, attname)
        choices[name] = ABSORBED if _empty(mine) and not _empty(theirs) else SURVIVOR
    return choices


def _choices(
    spec: MergeSpec, given: Mapping[str, str] | None, survivor: Versioned, absorbed: Versioned
) -> dict[str, str]:
    given = dict(given or {})
    errors: list[dict[str, object]] = [
        {"loc": ["fields", name], "msg": _("Unknown field.")} for name in sorted(set(given) - set(spec.fields))
    ]
    errors += [
        {"loc": ["fields", name], "msg": _("Choose “survivor” or “absorbed”.")}
        for name, side in sorted(given.items())
        if name in spec.fields and side not in SIDES
    ]
    if errors:
        raise InvalidInput(_("Some field choices are not valid."), errors=errors)
    return default_choices(spec, survivor, absorbed) | given


def _changed_fields(spec: MergeSpec, choices: Mapping[str, str], survivor: Versioned, absorbed: Versioned) -> list[str]:
    changed = []
    for name in spec.fields:
        attname = concrete(spec.model, name).attname
        if choices[name] == ABSORBED and getattr(survivor, attname) != getattr(absorbed, attname):
            changed.append(name)
    return changed


def _values(spec: MergeSpec, names: Iterable[str], source: Callable[[str], Any]) -> dict[str, Any]:
    """The picked fields and their companions, each read by ``source(name)``."""
    values = {}
    for name in names:
        for field in (name, *spec.companions.get(name, ())):
            values[field] = source(field)
    return values


def _check_owner(changes: Mapping[str, Any]) -> None:
    owner = changes.get("owner")
    if isinstance(owner, User) and (not owner.is_active or owner.is_system):
        raise field_error(["fields", "owner"], _("The owner must be an active user."))


def _apply(*, actor: User, spec: MergeSpec, instance: Versioned, changes: dict[str, Any], now: datetime) -> None:
    """Write ``changes`` (audited) and always move the version on: the record did change."""
    if spec.model is Customer:
        changes = refresh_columns(changes, instance)
    version = instance.version
    record_update(actor=actor, instance=instance, changes=changes, expected_version=version)
    if instance.version != version:
        return
    rows = spec.model._base_manager.filter(pk=instance.pk, version=version).update(
        version=F("version") + 1, updated_by=actor, updated_at=now
    )
    if rows != 1:
        raise Conflict(_("This record was changed by someone else. Reload it and try again."))
    instance.version, instance.updated_by, instance.updated_at = version + 1, actor, now


# --- merge ----------------------------------------------------------------------------------------


def _zone(user: User) -> ZoneInfo:
    for name in (user.time_zone, settings.TIME_ZONE):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def undo_deadline(*, user: User, at: datetime) -> datetime:
    """Midnight after ``at`` in the user's time zone: undo is possible until then."""
    zone = _zone(user)
    day = at.astimezone(zone).date()
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def _lock(spec: MergeSpec, survivor: Versioned, absorbed: Versioned, versions: tuple[int, int]) -> None:
    """Lock both rows (in key order), then check that neither changed since the user read it."""
    found = dict(
        spec.model._base_manager.select_for_update()
        .filter(pk__in=[survivor.pk, absorbed.pk])
        .order_by("pk")
        .values_list("pk", "version")
    )
    if found.get(survivor.pk) != versions[0] or found.get(absorbed.pk) != versions[1]:
        raise Conflict(_("One of the two records was changed by someone else. Reload them and try again."))
    survivor.refresh_from_db()
    absorbed.refresh_from_db()


def _ensure_may_merge(actor: User, spec: MergeSpec, survivor: Versioned, absorbed: Versioned) -> None:
    access.ensure(actor, "change", survivor)
    access.ensure(actor, "change", absorbed)
    if survivor.pk == absorbed.pk:
        raise field_error("other_id", _("A record cannot be merged with itself."))
    if spec.kind == MergeKind.CUSTOMER and getattr(survivor, "owner_id", None) != getattr(absorbed, "owner_id", None):
        # Records of two owners: one of them loses the customer, which is a reassignment.
        access.ensure(actor, "assign", survivor)
        access.ensure(actor, "assign", absorbed)


def _merge(
    *,
    spec: MergeSpec,
    actor: User,
    survivor: Versioned,
    absorbed: Versioned,
    version: int,
    other_version: int,
    fields: Mapping[str, str] | None,
    now: datetime | None,
) -> MergeRecord:
    _ensure_may_merge(actor, spec, survivor, absorbed)
    now = now or timezone.now()
    _lock(spec, survivor, absorbed, (version, other_version))
    choices = _choices(spec, fields, survivor, absorbed)
    changed = _changed_fields(spec, choices, survivor, absorbed)
    changes = _values(spec, changed, lambda name: getattr(absorbed, name))
    _check_owner(changes)
    survivor_before, absorbed_before = snapshot(survivor), snapshot(absorbed)
    survivor_name = str(survivor)  # as the user knew it when merging
    moves = move_related(survivor, absorbed, derived=spec.derived)
    _apply(actor=actor, spec=spec, instance=survivor, changes=changes, now=now)
    left = leftovers(spec.model, absorbed.pk, derived=spec.derived)
    if left:
        raise Conflict(_("Records still point at the absorbed record: %(what)s.") % {"what": ", ".join(left)})
    _count, deleted = spec.model._base_manager.filter(pk=absorbed.pk, version=other_version).delete()
    if deleted.get(spec.model._meta.label) != 1:
        raise Conflict(_("One of the two records was changed by someone else. Reload them and try again."))
    AuditEntry.objects.bulk_create(
        [
            audit_entry(
                actor=actor,
                record=survivor,
                at=survivor.updated_at,  # with the field changes: one write on the timeline
                action=AuditEntry.Action.UPDATE,
                field="merged_from",
                new=absorbed,
            ),
            audit_entry(
                actor=actor,
                record=absorbed,
                at=survivor.updated_at,
                action=AuditEntry.Action.DELETE,
                field="merged_into",
                new=survivor_name,
            ),
        ]
    )
    if spec.model is Customer:
        customer_facts_refresh(customer_ids=[survivor.pk])
    return MergeRecord.objects.create(
        kind=spec.kind,
        survivor_id=survivor.pk,
        absorbed_id=absorbed.pk,
        survivor_name=survivor_name[:200],
        absorbed_name=str(absorbed)[:200],
        merged_by=actor,
        merged_at=now,
        undo_until=undo_deadline(user=actor, at=now),
        choices=choices,
        changed_fields=changed,
        survivor_version=survivor.version,
        survivor_snapshot=survivor_before,
        absorbed_snapshot=absorbed_before,
        moved=moves.moved,
        removed=moves.removed,
    )


@transaction.atomic
def customer_merge(
    *,
    actor: User,
    survivor: Customer,
    absorbed: Customer,
    version: int,
    other_version: int,
    fields: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> MergeRecord:
    """Merge ``absorbed`` into ``survivor``; ``fields`` maps a field to "survivor" or "absorbed"."""
    return _merge(
        spec=CUSTOMER_MERGE,
        actor=actor,
        survivor=survivor,
        absorbed=absorbed,
        version=version,
        other_version=other_version,
        fields=fields,
        now=now,
    )


@transaction.atomic
def contact_merge(
    *,
    actor: User,
    survivor: Contact,
    absorbed: Contact,
    version: int,
    other_version: int,
    fields: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> MergeRecord:
    """Merge the contact ``absorbed`` into ``survivor``: posts, interactions, relationships move."""
    return _merge(
        spec=CONTACT_MERGE,
        actor=actor,
        survivor=survivor,
        absorbed=absorbed,
        version=version,
        other_version=other_version,
        fields=fields,
        now=now,
    )


# --- undo ------------------------------------------------------------------------------------------


def _survivor_of(merge: MergeRecord) -> Versioned | None:
    return SPECS[MergeKind(merge.kind)].model._base_manager.filter(pk=merge.survivor_id).first()


def undo_refusal(*, actor: User, merge: MergeRecord, now: datetime | None = None) -> DomainError | None:
    """Why ``actor`` may not undo ``merge`` now, or None when they may (for pages and the service)."""
    survivor = _survivor_of(merge)
    if merge.undone_at is not None:
        return InvalidTransition(_("This merge has already been undone."))
    if survivor is None:
        return InvalidTransition(
            _("The surviving record no longer exists (it was merged again or deleted), so this merge cannot be undone.")
        )
    if not access.can(actor, "change", survivor):
        return NotAllowed(_("You may not change the surviving record."))
    if actor.pk != merge.merged_by_id and not access.has_perm(actor, Perm.ASSIGN):
        return NotAllowed(_("Only the user who merged, or a manager, may undo a merge."))
    if (now or timezone.now()) >= merge.undo_until:
        deadline = timezone.localtime(merge.undo_until, _zone(actor)).strftime("%Y-%m-%d %H:%M")
        return InvalidTransition(
            _("A merge can only be undone on the day it was made (until %(deadline)s).") % {"deadline": deadline}
        )
    return None


def _ensure_unchanged_since(spec: MergeSpec, merge: MergeRecord, survivor: Versioned) -> None:
    """Refuse when a field the merge set was edited afterwards: undo would overwrite that edit."""
    if survivor.version == merge.survivor_version or not merge.changed_fields:
        return
    names = set(merge.changed_fields)
    for name in merge.changed_fields:
        names.update(spec.companions.get(name, ()))
    edited = (
        AuditEntry.objects.filter(
            record_type=record_type_label(survivor),
            record_id=str(survivor.pk),
            version__gt=merge.survivor_version,
            field__in=names,
        )
        .values_list("field", flat=True)
        .distinct()
    )
    labels = sorted({str(concrete(spec.model, name).verbose_name) for name in edited})
    if labels:
        raise Conflict(
            _("%(name)s was edited after the merge (%(fields)s); undoing it would overwrite those changes.")
            % {"name": survivor, "fields": ", ".join(labels)}
        )


def _stored(spec: MergeSpec, name: str, row: Mapping[str, Any]) -> Any:
    """The value of field ``name`` in a snapshot: related rows fetched, the rest converted."""
    field = concrete(spec.model, name)
    value = field.to_python(row[field.attname])
    target = field.related_model if field.is_relation and value is not None else None
    return target._base_manager.get(pk=value) if isinstance(target, type) else value


@transaction.atomic
def merge_undo(*, actor: User, merge: MergeRecord, now: datetime | None = None) -> MergeRecord:
    """Put both records back as they were before ``merge`` (same day only); rows added later stay."""
    now = now or timezone.now()
    merge = MergeRecord.objects.select_for_update().get(pk=merge.pk)
    spec = SPECS[MergeKind(merge.kind)]
    refusal = undo_refusal(actor=actor, merge=merge, now=now)
    if refusal is not None:
        raise refusal
    survivor = spec.model._base_manager.select_for_update().get(pk=merge.survivor_id)
    if spec.model._base_manager.filter(pk=merge.absorbed_id).exists():
        raise InvalidTransition(_("The absorbed record exists again; this merge cannot be undone."))
    _ensure_unchanged_since(spec, merge, survivor)
    restore(spec.model, merge.absorbed_snapshot)
    move_back(merge.moved, survivor_id=merge.survivor_id, absorbed_id=merge.absorbed_id)
    put_back(merge.removed)
    before = merge.survivor_snapshot
    changes = _values(spec, merge.changed_fields, lambda name: _stored(spec, name, before))
    _apply(actor=actor, spec=spec, instance=survivor, changes=changes, now=now)
    absorbed = spec.model._base_manager.get(pk=merge.absorbed_id)
    AuditEntry.objects.bulk_create(
        [
            audit_entry(
                actor=actor,
                record=survivor,
                at=survivor.updated_at,
                action=AuditEntry.Action.UPDATE,
                field="merge_undone",
                old=absorbed,
            ),
            audit_entry(
                actor=actor,
                record=absorbed,
                at=survivor.updated_at,
                action=AuditEntry.Action.CREATE,
                field="merge_undone",
                old=survivor,
            ),
        ]
    )
    if spec.model is Customer:
        customer_facts_refresh(customer_ids=[survivor.pk, absorbed.pk])
    merge.undone_at, merge.undone_by = now, actor
    merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
    return merge
