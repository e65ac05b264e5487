"""The interaction log: every touch on any channel, feeding the customer's "last touch"."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.errors import InvalidInput, reject_unknown
from guanxi.core.records import record_create, record_update
from guanxi.customers.models import Contact, Customer, Interaction
from guanxi.customers.services import facts

# A touch logged more than this far ahead is a typo, not a plan (plans are next steps).
FUTURE_TOLERANCE = timedelta(minutes=10)
INTERACTION_FIELDS = ("channel", "direction", "occurred_at", "outcome", "summary", "next_step", "next_step_on")


def _check(customer: Customer, contact: Contact | None, occurred_at: datetime | None) -> None:
    errors: list[dict[str, object]] = []
    if occurred_at is not None and occurred_at > timezone.now() + FUTURE_TOLERANCE:
        errors.append({"loc": ["occurred_at"], "msg": _("An interaction cannot lie in the future.")})
    if contact is not None and not contact.positions.filter(customer=customer).exists():
        errors.append({"loc": ["contact_id"], "msg": _("This contact holds no post at this customer.")})
    if errors:
        raise InvalidInput(_("Some fields are not valid."), errors=errors)


@transaction.atomic
def interaction_log(
    *,
    actor: User,
    customer: Customer,
    channel: str,
    direction: str,
    summary: str,
    occurred_at: datetime | None = None,
    contact: Contact | None = None,
    outcome: str = "",
    next_step: str = "",
    next_step_on: date | None = None,
) -> Interaction:
    access.ensure(actor, "change", customer)
    when = occurred_at or timezone.now()
    _check(customer, contact, when)
    interaction = Interaction(
        customer=customer,
        contact=contact,
        channel=channel,
        direction=direction,
        occurred_at=when,
        outcome=outcome,
        summary=summary.strip(),
        next_step=next_step.strip(),
        next_step_on=next_step_on,
    )
    record_create(actor=actor, instance=interaction)
    facts.touch(customer.pk, when, channel)
    return interaction


@transaction.atomic
def interaction_update(*, actor: User, interaction: Interaction, version: int | None, **fields: Any) -> Interaction:
    """Correct an interaction; "last touch" is recomputed for its customer when the time changes."""
    access.ensure(actor, "change", interaction)
    reject_unknown(fields, INTERACTION_FIELDS)
    changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items() if v is not None}
    occurred_at = changes.get("occurred_at")
    _check(interaction.customer, None, occurred_at if isinstance(occurred_at, datetime) else None)
    record_update(actor=actor, instance=interaction, changes=changes, expected_version=version)
    if "occurred_at" in changes or "channel" in changes:
        facts.customer_facts_refresh(customer_ids=[interaction.customer_id])
    return interaction
