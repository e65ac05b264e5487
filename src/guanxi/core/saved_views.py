"""Saved list views: named filters + columns per user, private or shared with the team or everyone.

Each list registers what a view of it may hold (``register_list``): its filters with their types
and its columns. A view is only a *definition*; opening a shared view runs the list with the
viewer's own data scope, so sharing never widens what anyone sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from guanxi.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, field_error
from guanxi.core.models import SavedView, ViewSharing
from guanxi.core.records import record_create, record_delete, record_update

MAX_VIEWS_PER_LIST = 100


@dataclass(frozen=True)
class ListSpec:
    """What a saved view of one list may contain."""

    record_type: str
    label: str | Promise
    filters: Mapping[str, type]  # name → int or str
    columns: Mapping[str, str | Promise]  # key → label, in display order
    default_columns: tuple[str, ...]
    max_text: int = 200
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # filter → allowed values


_lists: dict[str, ListSpec] = {}


def register_list(spec: ListSpec) -> ListSpec:
    _lists[spec.record_type] = spec
    return spec


def list_spec(record_type: str) -> ListSpec:
    try:
        return _lists[record_type]
    except KeyError:
        raise field_error("record_type", _("No list of this kind has saved views.")) from None


def list_types() -> list[str]:
    return sorted(_lists)


# --- validation --------------------------------------------------------------------------


def _filter_error(key: str, message: str) -> dict[str, object]:
    return {"loc": ["filters", key], "msg": message}


def clean_filters(spec: ListSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Known filters with values of the right type; empty values are dropped."""
    clean: dict[str, Any] = {}
    errors: list[dict[str, object]] = []
    for key, value in raw.items():
        kind = spec.filters.get(key)
        if kind is None:
            errors.append(_filter_error(key, _("Unknown filter.")))
            continue
        if value is None or value == "":
            continue
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
                errors.append(_filter_error(key, _("Must be a whole number.")))
                continue
            number = int(str(value).strip())
            if number > 2**63 - 1:
                errors.append(_filter_error(key, _("Must be a whole number.")))
                continue
            clean[key] = number
        else:
            if not isinstance(value, str) or "\x00" in value or len(value) > spec.max_text:
                errors.append(_filter_error(key, _("Must be text of at most %(n)d characters.") % {"n": spec.max_text}))
                continue
            allowed = spec.choices.get(key)
            if allowed is not None and value not in allowed:
                errors.append(_filter_error(key, _("Use one of: %s") % ", ".join(allowed)))
                continue
            clean[key] = value.strip()
    if errors:
        raise InvalidInput(_("Some filters are not valid."), errors=errors)
    return clean


def clean_columns(spec: ListSpec, raw: list[Any] | None) -> list[str]:
    if not raw:
        return list(spec.default_columns)
    unknown = [str(c) for c in raw if c not in spec.columns]
    if unknown:
        raise field_error("columns", _("Unknown columns: %s") % ", ".join(unknown[:10]))
    ordered = []
    for column in raw:
        if column not in ordered:
            ordered.append(column)
    return ordered


def _clean_name(name: str) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise field_error("name", _("Name is required."))
    if len(clean) > 80 or "\x00" in clean:
        raise field_error("name", _("At most 80 characters."))
    return clean


# --- reads ---------------------------------------------------------------------------------


def _visible_q(actor: Any) -> Q:
    shared = Q(sharing=ViewSharing.EVERYONE)
    if getattr(actor, "team_id", None) is not None:
        shared |= Q(sharing=ViewSharing.TEAM, team_id=actor.team_id)
    return Q(owner_id=actor.pk) | shared


def saved_view_list(*, actor: Any, record_type: str | None = None) -> QuerySet[SavedView]:
    """The actor's own views and those shared with them (their team's or everyone's)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return SavedView.objects.none()
    views = SavedView.objects.filter(_visible_q(actor)).select_related("owner")
    if record_type:
        views = views.filter(record_type=record_type)
    return views.order_by("name", "pk")


def saved_view_get(*, actor: Any, pk: UUID | str, record_type: str | None = None) -> SavedView:
    try:
        return saved_view_list(actor=actor, record_type=record_type).get(pk=pk)
    except (SavedView.DoesNotExist, ValueError, TypeError, ValidationError):  # also a malformed id
        raise NotFound(_("Saved view not found.")) from None


# --- writes --------------------------------------------------------------------------------


def _ensure_owner(actor: Any, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise NotAllowed(_("Only the owner of a saved view can change it."))


@transaction.atomic
def saved_view_create(
    *,
    actor: Any,
    record_type: str,
    name: str,
    filters: Mapping[str, Any] | None = None,
    columns: list[Any] | None = None,
    sharing: str = ViewSharing.PRIVATE,
) -> SavedView:
    spec = list_spec(record_type)
    if sharing not in ViewSharing.values:
        raise field_error("sharing", _("Unknown sharing."))
    if SavedView.objects.filter(owner=actor, record_type=record_type).count() >= MAX_VIEWS_PER_LIST:
        raise field_error("name", _("At most %(n)d saved views per list.") % {"n": MAX_VIEWS_PER_LIST})
    view = SavedView(
        owner=actor,
        team_id=actor.team_id,
        record_type=record_type,
        name=_clean_name(name),
        filters=clean_filters(spec, filters or {}),
        columns=clean_columns(spec, columns),
        sharing=sharing,
    )
    try:
        with transaction.atomic():
            record_create(actor=actor, instance=view)
    except IntegrityError:
        raise Conflict(_("You already have a saved view with this name.")) from None
    return view


@transaction.atomic
def saved_view_update(
    *,
    actor: Any,
    view: SavedView,
    version: int | None,
    name: str | None = None,
    filters: Mapping[str, Any] | None = None,
    columns: list[Any] | None = None,
    sharing: str | None = None,
) -> SavedView:
    _ensure_owner(actor, view)
    spec = list_spec(view.record_type)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _clean_name(name)
    if filters is not None:
        changes["filters"] = clean_filters(spec, filters)
    if columns is not None:
        changes["columns"] = clean_columns(spec, columns)
    if sharing is not None:
        if sharing not in ViewSharing.values:
            raise field_error("sharing", _("Unknown sharing."))
        changes["sharing"] = sharing
        changes["team_id"] = actor.team_id
    try:
        with transaction.atomic():
            return record_update(actor=actor, instance=view, changes=changes, expected_version=version)
    except IntegrityError:
        raise Conflict(_("You already have a saved view with this name.")) from None


@transaction.atomic
def saved_view_delete(*, actor: Any, view: SavedView) -> None:
    _ensure_owner(actor, view)
    record_delete(actor=actor, instance=view)
