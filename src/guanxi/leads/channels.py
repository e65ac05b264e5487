"""Writes to lead channels, their costs and cleaning rules, and the lead settings (grading, assignment, pool).

Every write needs ``Perm.MANAGE_LEADS``, runs in one transaction, is audited through
``core.records`` and checks ``version`` (a stale write is a 409, nothing changed). Rule JSON is
validated by the pure engines, whose ``InvalidInput`` carries the path of every wrong setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, Team, User
from guanxi.core.errors import Conflict, InvalidInput, NotFound, field_error, reject_unknown
from guanxi.core.models import AuditEntry
from guanxi.core.records import audit_entry, record_create, record_delete, record_update
from guanxi.leads import assignment, cleaning, grading
from guanxi.leads.models import Channel, ChannelCost, ChannelKind, LeadSettings, _form_key

CHANNEL_FIELDS = ("name", "kind", "description", "is_active", "form_enabled", "team", "cleaning")
SETTINGS_FIELDS = ("grading", "assignment", "claim_limit", "recycle_days")


# --- reads (channels are settings: every signed-in user reads their names) ----------------------


def channel_list(*, active_only: bool = False) -> QuerySet[Channel]:
    qs = Channel.objects.select_related("team").order_by("name")
    return qs.filter(is_active=True) if active_only else qs


def channel_get(*, pk: Any) -> Channel:
    try:
        return Channel.objects.select_related("team").get(pk=pk)
    except (Channel.DoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound(_("This channel does not exist.")) from None


def team_choices() -> QuerySet[Team]:
    """Teams a channel's pool can belong to."""
    return Team.objects.order_by("name")


def channel_costs(*, actor: User, channel: Channel) -> QuerySet[ChannelCost]:
    """Money spent on a channel: for lead managers only."""
    access.ensure_perm(actor, Perm.MANAGE_LEADS)
    return channel.costs.order_by("-spent_on", "-created_at")


# --- channels -----------------------------------------------------------------------------------


def _checked_channel_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    reject_unknown(fields, CHANNEL_FIELDS)
    values = dict(fields)
    if "name" in values:
        values["name"] = str(values["name"] or "").strip()
        if not values["name"]:
            raise field_error("name", _("A channel needs a name."))
    if "kind" in values and values["kind"] not in ChannelKind.values:
        raise field_error("kind", _("Choose self-built, free or paid."))
    if "cleaning" in values:
        data = values["cleaning"] or {}
        values["cleaning"] = cleaning.config_to_json(cleaning.config_from_json(data)) if data else {}
    if "team" in values and values["team"] is not None and not isinstance(values["team"], Team):
        team = Team.objects.filter(pk=values["team"]).first()
        if team is None:
            raise field_error("team_id", _("This team does not exist."))
        values["team"] = team
    return values


def _ensure_unique_name(name: str, *, exclude: Any = None) -> None:
    clash = Channel.objects.filter(name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise field_error("name", _("Another channel already has this name."))


@transaction.atomic
def channel_create(*, actor: User, **fields: Any) -> Channel:
    """A new channel; its cleaning rules are validated (``InvalidInput`` with the path of every wrong setting)."""
    access.ensure_perm(actor, Perm.MANAGE_LEADS)
    values = _checked_channel_fields(fields)
    if "name" not in values:
        raise field_error("name", _("A channel needs a name."))
    _ensure_unique_name(values["name"])
    return record_create(actor=actor, instance=Channel(**values))


@transaction.atomic
def channel_update(*, actor: User, channel: Channel, version: int | None, changes: Mapping[str, Any]) -> Channel:
    """Change a channel (name, kind, description, pool team, web form on/off, active, cleaning rules)."""
    access.ensure_perm(actor, Perm.MANAGE_LEADS)
    values = _checked_channel_fields(changes)
    if "name" in values:
        _ensure_unique_name(values["name"], exclude=channel.pk)
    locked = Channel.objects.select_for_update().get(pk=channel.pk)
    return record_update(actor=actor, instance=locked, changes=values, expected_version=version)


def channel_deactivate(*, actor: User, channel: Channel, version: int | None) -> Channel:
    """Stop taking leads from a channel (its web form closes too); its leads and figures stay."""
    return channel_update(
        actor=actor, channel=channel, version=version, changes={"is_active": False, "form_enabled": False}
    )


def channel_set_cleaning(*, actor: User, channel: Channel, version: int | None, rules: Any) -> Channel:
    """Replace a channel's cleaning rules (validated; 422 with the path of each wrong setting)."""
    if not isinstance(rules, Mapping):
        raise InvalidInput(_("The rule settings are not valid."), errors=[{"loc": [], "msg": _("Must be an object.")}])
    return channel_update(actor=actor, channel=channel, version=version, changes={"cleaning": dict(rules)})


@transaction.atomic
def channel_new_form_key(*, actor: User, channel: Channel, version: int | None) -> Channel:
    """A new web-form address; the old one stops working at once."""
    access.ensure_perm(actor, Perm.MANAGE_LEADS)
    locked = Channel.objects.select_for_update().get(pk=channel.pk)
    if version is not None and version != locked.version:
        raise Conflict(_("This record was changed by someone else. Reload it and try again."))
    # ``form_key`` is not editable by forms, so it is written (and audited) here rather than by record_update.
    now = timezone.now()
    key = _form_key()
    rows = Channel.objects.filter(pk=locked.pk, version=locked.version).update(
        form_key=key, version=locked.version + 1, updated_by=actor, updated_at=now
    )
    if rows != 1:
        raise Conflict(_("This record was changed by someone else. Reload it and try again."))
    locked.form_key, locked.version, locked.updated_by, locked.updated_at = key, locked.version + 1, actor, now
    audit_entry(actor=actor, record=locked, at=now, action=AuditEntry.Action.UPDATE, field="form_key",
                old=_("(previous address)"), new=_("(new address)")).save()  # fmt: skip
    return locked


# --- costs --------------------------------------------------------------------------------------


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise field_error("amount", _("Enter an amount of money.")) from None
    if not amount.is_finite() or amount < 0:
        raise field_error("amount", _("The amount cannot be negative."))
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise field_error("amount", _("At most two decimal places."))
    return amount


@transaction.atomic
def channel_cost_add(*, actor: User, channel: Channel, spent_on: date, amount: Any, note: str = "") -> ChannelCost:
    """Record money spent on a channel on a day."""
    access.ensure_perm(actor, Perm.MANAGE_LEADS)
    if not isinstance(spent_on, date):
        raise field_error("spent_on", _("Enter a date."))
    cost = ChannelCost(channel=channel, spent_on=spent_on, amount=_amount(amount), note=(note or "").strip())
    return record_create(actor=actor, instance=cost)


@transaction.atomic
def channel_cost_remove(*, actor: User, channel: Channel, cost_id: Any) -> None:
    access.ensure_perm(actor, Perm.MANAGE_LEADS)
    try:
        cost = ChannelCost.objects.select_for_update().get(pk=cost_id, channel=channel)
    except (ChannelCost.DoesNotExist, ValueError):
        raise NotFound(_("This cost entry does not exist.")) from None
    record_delete(actor=actor, instance=cost)


# --- lead settings ------------------------------------------------------------------------------


def lead_settings_get() -> LeadSettings:
    """The one settings row (every signed-in user reads the rules)."""
    from guanxi.leads.services import lead_settings

    return lead_settings()


def _path(loc: object) -> list[object]:
    return list(loc) if isinstance(loc, list | tuple) else []


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > 10_000:
        raise field_error(name, _("Enter a whole number from 1 to 10000."))
    return value


@transaction.atomic
def lead_settings_update(*, actor: User, version: int | None, changes: Mapping[str, Any]) -> LeadSettings:
    """Change the grading rules, assignment rules, claim limit or recycle days (validated, versioned)."""
    from guanxi.leads.services import lead_settings  # the one settings row, created on first use

    access.ensure_perm(actor, Perm.MANAGE_LEADS)
    reject_unknown(changes, SETTINGS_FIELDS)
    values: dict[str, Any] = {}
    errors: list[dict[str, object]] = []
    for name, engine in (("grading", grading), ("assignment", assignment)):
        if name in changes:
            try:
                values[name] = engine.config_to_json(engine.config_from_json(changes[name]))
            except InvalidInput as exc:
                errors += [{**error, "loc": [name, *_path(error.get("loc"))]} for error in exc.errors]
    for name in ("claim_limit", "recycle_days"):
        if name in changes:
            try:
                values[name] = _positive(changes[name], name)
            except InvalidInput as exc:
                errors += exc.errors
    if errors:
        raise InvalidInput(_("The rule settings are not valid."), errors=errors)
    row = LeadSettings.objects.select_for_update().get(pk=lead_settings().pk)
    return record_update(actor=actor, instance=row, changes=values, expected_version=version)


__all__ = [
    "channel_cost_add",
    "channel_cost_remove",
    "channel_costs",
    "channel_create",
    "channel_deactivate",
    "channel_get",
    "channel_list",
    "channel_new_form_key",
    "channel_set_cleaning",
    "channel_update",
    "lead_settings_get",
    "lead_settings_update",
    "team_choices",
]
