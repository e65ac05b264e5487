"""Value managers' writes: the value settings (versioned, audited) and "recompute now".

The value engine itself is ``insights.services``; this module only changes what it reads and
queues it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import Conflict, InvalidInput, reject_unknown
from guanxi.core.models import AuditEntry
from guanxi.core.records import audit_entry, validated
from guanxi.customers.models import Channel
from guanxi.insights import services
from guanxi.insights.models import ValueRun, ValueSettings

EDITABLE = (
    "analysis_months",
    "rfm_bins",
    "interaction_costs",
    "cost_per_visit_hour",
    "cost_per_ticket",
    "cost_per_return",
    "late_payment_rate_per_day",
    "valuable_profit_share",
    "growable_share",
    "clv_horizon_months",
    "clv_monthly_discount_rate",
)
COSTS = ("cost_per_visit_hour", "cost_per_ticket", "cost_per_return", "late_payment_rate_per_day")
MAX_UNIT_COST = Decimal("9999999999.99")


def _error(loc: list[str | int], message: str) -> dict[str, object]:
    return {"loc": loc, "msg": message}


def _number(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _interaction_costs(given: Any, current: Mapping[str, Any]) -> tuple[dict[str, str], list[dict[str, object]]]:
    """The given costs merged over the current ones, as decimal strings; errors name the channel."""
    if not isinstance(given, Mapping):
        return dict(current), [_error(["interaction_costs"], _("Give one cost per channel."))]
    costs = {channel: str(current.get(channel, "0.00")) for channel in Channel.values}
    errors = []
    for channel, raw in given.items():
        if channel not in Channel.values:
            errors.append(_error(["interaction_costs", str(channel)], _("Not a channel.")))
            continue
        number = _number(raw)
        if number is None or number < 0 or number > MAX_UNIT_COST:
            errors.append(_error(["interaction_costs", channel], _("Enter a cost of 0 or more.")))
            continue
        costs[channel] = str(number.quantize(Decimal("0.01")))
    return costs, errors


def _checked(row: ValueSettings, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes converted and checked, all errors at once (InvalidInput); nothing is written."""
    values: dict[str, Any] = {}
    errors: list[dict[str, object]] = []
    for name, raw in changes.items():
        if name == "interaction_costs":
            values[name], found = _interaction_costs(raw, row.interaction_costs)
            errors += found
        elif name in {"analysis_months", "rfm_bins", "clv_horizon_months"}:
            if isinstance(raw, bool) or not isinstance(raw, int):
                errors.append(_error([name], _("Enter a whole number.")))
            else:
                values[name] = raw
        else:
            number = _number(raw)
            if number is None:
                errors.append(_error([name], _("Enter a number.")))
            else:
                values[name] = number
    for name in COSTS:
        if name in values and values[name] < 0:
            errors.append(_error([name], _("Enter a cost of 0 or more.")))
    share = values.get("valuable_profit_share")
    if share is not None and not Decimal(0) < share <= 1:
        errors.append(_error(["valuable_profit_share"], _("Enter a share above 0 and at most 1.")))
    share = values.get("growable_share")
    if share is not None and not Decimal(0) <= share <= 1:
        errors.append(_error(["growable_share"], _("Enter a share from 0 to 1.")))
    rate = values.get("clv_monthly_discount_rate")
    if rate is not None and not Decimal(0) <= rate < 1:
        errors.append(_error(["clv_monthly_discount_rate"], _("Enter a rate from 0 up to (not including) 1.")))
    if errors:
        raise InvalidInput(_("Some fields are not valid."), errors=errors)
    return values


@transaction.atomic
def value_settings_update(*, actor: User, version: int, changes: Mapping[str, Any]) -> ValueSettings:
    """Change the value settings if they are still at ``version`` (else Conflict); one audit entry per field."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    reject_unknown(changes, EDITABLE)
    row, _created = ValueSettings.objects.select_for_update().get_or_create(pk=1)
    if version != row.version:
        raise Conflict(_("These settings were changed by someone else. Reload them and try again."))
    values = _checked(row, changes)
    old = {name: getattr(row, name) for name in values}
    changed = [name for name, value in values.items() if old[name] != value]
    if not changed:
        return row
    for name in changed:
        setattr(row, name, values[name])
    validated(row, exclude=[f.name for f in row._meta.concrete_fields if f.name not in changed])
    now = timezone.now()
    updated = ValueSettings.objects.filter(pk=1, version=version).update(
        **{name: values[name] for name in changed}, version=version + 1, updated_by=actor, updated_at=now
    )
    if updated != 1:
        raise Conflict(_("These settings were changed by someone else. Reload them and try again."))
    row.version, row.updated_by, row.updated_at = version + 1, actor, now
    record = cast(Any, row)  # versioned like core.Versioned, without an owner
    AuditEntry.objects.bulk_create(
        audit_entry(
            actor=actor,
            record=record,
            at=now,
            action=AuditEntry.Action.UPDATE,
            field=name,
            old=old[name],
            new=values[name],
        )
        for name in changed
    )
    return row


@transaction.atomic
def value_run_request(*, actor: User) -> ValueRun:
    """ "Recompute now": a queued run, processed by the worker once this transaction commits."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    run = services.value_run_start(requested_by=actor)
    run_id = str(run.pk)

    def enqueue() -> None:
        from guanxi.insights.tasks import value_run_process

        value_run_process(run_id)

    transaction.on_commit(enqueue)
    return run
