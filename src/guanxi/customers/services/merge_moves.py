"""The rows a merge moves: every foreign key that points at the absorbed record, found in model meta.

``move_related`` moves them to the survivor and records their primary keys per
``app.model.field``; rows that the move would turn into duplicates (or into a link from the
survivor to itself) are deleted first and kept whole. ``move_back`` and ``put_back`` reverse
exactly that for an undo. Nothing here checks permissions: ``services.merge`` does, first.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import RecordShare
from guanxi.core.errors import Conflict
from guanxi.customers.models import SYMMETRIC_KINDS, Customer, CustomerRelationship

CHUNK = 500
SHARES = "accounts.recordshare.record_id"  # shares name their record by id, not by a foreign key


@dataclass(frozen=True)
class Link:
    """A foreign key ``model.field`` that points at a customer (or a contact)."""

    model: type[models.Model]
    field: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field}"

    @property
    def target(self) -> Any:
        return concrete(self.model, self.field).related_model


def concrete(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete field of ``model`` by name (or attname)."""
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def related_links(model: type[models.Model]) -> list[Link]:
    """Every foreign key (and one-to-one) of any installed model that points at ``model``."""
    links = [
        Link(relation.related_model, relation.field.name)
        for relation in model._meta.get_fields(include_hidden=True)
        if isinstance(relation, models.ForeignObjectRel)
        and (relation.one_to_many or relation.one_to_one)
        and isinstance(relation.related_model, type)
    ]
    return sorted(links, key=lambda link: link.label)


# --- rows as plain data, and back --------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Decimal | UUID | timedelta):
        return str(value)
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Every stored column of a row, JSON-ready (exact: microseconds and decimals kept)."""
    return {f.attname: _plain(getattr(instance, f.attname)) for f in instance._meta.concrete_fields}


def restore(model: type[models.Model], row: Mapping[str, Any]) -> None:
    """Insert a row exactly as snapshotted: its own id, timestamps and version (no ``auto_now``)."""
    values = {f.attname: f.to_python(row[f.attname]) for f in model._meta.concrete_fields if f.attname in row}
    model(**values).save_base(raw=True, force_insert=True)


# --- moving ------------------------------------------------------------------------------------


@dataclass
class Moves:
    """What one merge moved (primary keys per link label) and removed (whole rows)."""

    survivor: Any
    absorbed: Any
    moved: dict[str, list[str]] = field(default_factory=dict)
    removed: list[dict[str, Any]] = field(default_factory=list)

    def of_absorbed(self, link: Link) -> QuerySet[Any]:
        return link.model._base_manager.filter(**{link.field: self.absorbed})

    def remove(self, rows: QuerySet[Any]) -> None:
        """Delete rows that would be duplicates, keeping each whole; nothing else may go with them."""
        model, found = rows.model, list(rows)
        if not found:
            return
        _count, per_model = model._base_manager.filter(pk__in=[row.pk for row in found]).delete()
        if set(per_model) - {model._meta.label}:
            raise Conflict(_("These records cannot be merged automatically: removing a duplicate would remove more."))
        self.removed += [{"model": model._meta.label_lower, "row": snapshot(row)} for row in found]

    def move(self, link: Link) -> None:
        pks = list(self.of_absorbed(link).values_list("pk", flat=True))
        try:
            with transaction.atomic():
                for start in range(0, len(pks), CHUNK):
                    rows = link.model._base_manager.filter(pk__in=pks[start : start + CHUNK])
                    rows.update(**{link.field: self.survivor})
        except IntegrityError:
            raise Conflict(
                _("Some %(records)s of the two records would become duplicates; resolve them first, then merge.")
                % {"records": link.model._meta.verbose_name_plural}
            ) from None
        if pks:
            self.moved.setdefault(link.label, []).extend(str(pk) for pk in pks)


def _unique_sets(model: type[models.Model], name: str) -> Iterable[tuple[list[str], Q | None]]:
    """The unique column sets of ``model`` that contain ``name``: the other columns, and the condition."""
    if concrete(model, name).unique:
        yield [], None
    for together in model._meta.unique_together:
        if name in together:
            yield [other for other in together if other != name], None
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and name in constraint.fields:
            yield [other for other in constraint.fields if other != name], constraint.condition


def _collapse(moves: Moves, link: Link) -> None:
    """Drop the absorbed record's rows that the move would make duplicates of the survivor's."""
    manager = link.model._base_manager
    ends = [
        f.name
        for f in link.model._meta.concrete_fields
        if f.is_relation and f.name != link.field and f.related_model is link.target
    ]
    for other in ends:
        # A row linking the two records to each other would link the survivor to itself.
        moves.remove(moves.of_absorbed(link).filter(**{other: moves.survivor}))
    for rest, condition in _unique_sets(link.model, link.field):
        theirs = manager.filter(**{link.field: moves.survivor}, **{name: OuterRef(name) for name in rest})
        ours = moves.of_absorbed(link)
        if condition is not None:
            theirs, ours = theirs.filter(condition), ours.filter(condition)
        moves.remove(ours.filter(Exists(theirs)))
    if link.model is CustomerRelationship:
        # Symmetric kinds are stored once: X→absorbed "partner" duplicates survivor→X "partner".
        other = "to_customer" if link.field == "from_customer" else "from_customer"
        mirrored = manager.filter(**{other: moves.survivor, link.field: OuterRef(other), "kind": OuterRef("kind")})
        moves.remove(moves.of_absorbed(link).filter(kind__in=SYMMETRIC_KINDS).filter(Exists(mirrored)))


def _move_shares(moves: Moves) -> None:
    """Shares of the absorbed customer go to the survivor; of two for one grantee, the stronger stays."""
    shares = RecordShare.objects.filter(record_type=access.record_type_of(Customer))
    for share in shares.filter(record_id=moves.absorbed.pk):
        same_grantee = Q(user_id=share.user_id) if share.user_id else Q(team_id=share.team_id)
        theirs = shares.filter(same_grantee, record_id=moves.survivor.pk).first()
        if theirs is not None and (theirs.can_change or not share.can_change):
            moves.remove(shares.filter(pk=share.pk))
            continue
        if theirs is not None:
            moves.remove(shares.filter(pk=theirs.pk))
        shares.filter(pk=share.pk).update(record_id=moves.survivor.pk)
        moves.moved.setdefault(SHARES, []).append(str(share.pk))


def is_derived(link: Link) -> bool:
    """Figures computed from business records (``DERIVED_FROM_RECORDS``): recomputed, never moved."""
    return bool(getattr(link.model, "DERIVED_FROM_RECORDS", False))


def move_related(survivor: models.Model, absorbed: models.Model, *, derived: Iterable[str] = ()) -> Moves:
    """Move everything that points at ``absorbed`` to ``survivor`` (derived figures and ``derived`` excepted)."""
    moves = Moves(survivor=survivor, absorbed=absorbed)
    skipped = set(derived)
    for link in related_links(type(survivor)):
        if link.label not in skipped and not is_derived(link):
            _collapse(moves, link)
            moves.move(link)
    if isinstance(survivor, Customer):
        _move_shares(moves)
    return moves


def leftovers(model: type[models.Model], absorbed: Any, *, derived: Iterable[str] = ()) -> list[str]:
    """Links that still point at ``absorbed`` (none, after ``move_related``)."""
    skipped = set(derived)
    return [
        link.label
        for link in related_links(model)
        if link.label not in skipped
        and not is_derived(link)
        and link.model._base_manager.filter(**{link.field: absorbed}).exists()
    ]


# --- and back ----------------------------------------------------------------------------------


def move_back(moved: Mapping[str, list[str]], *, survivor_id: Any, absorbed_id: Any) -> None:
    """Move exactly the rows a merge moved (those still at the survivor) back to the absorbed record."""
    for label, pks in moved.items():
        if label == SHARES:
            RecordShare.objects.filter(pk__in=pks, record_id=survivor_id).update(record_id=absorbed_id)
            continue
        app_label, model_name, name = label.split(".")
        model = apps.get_model(app_label, model_name)
        for start in range(0, len(pks), CHUNK):
            rows = model._base_manager.filter(pk__in=pks[start : start + CHUNK], **{name: survivor_id})
            rows.update(**{name: absorbed_id})


def _targets_exist(model: type[models.Model], row: Mapping[str, Any]) -> bool:
    """Whether every row a snapshotted row points at still exists."""
    for f in model._meta.concrete_fields:
        value = row.get(f.attname)
        target = f.related_model if f.is_relation and value is not None else None
        if isinstance(target, type) and not target._base_manager.filter(pk=value).exists():
            return False
    return True


def put_back(removed: Iterable[Mapping[str, Any]]) -> None:
    """Re-insert the rows a merge set aside. One whose tag (or other target) was deleted since stays
    gone, as it would have had it never moved."""
    try:
        with transaction.atomic():
            for item in removed:
                model = apps.get_model(item["model"])
                if _targets_exist(model, item["row"]):
                    restore(model, item["row"])
    except IntegrityError:
        raise Conflict(
            _("Records were added since the merge that collide with the ones it set aside; undo is not possible.")
        ) from None
