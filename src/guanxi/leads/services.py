"""Every write to leads: entry (cleaning → grading → assignment), the pool, follow-up, conversion.

Rules are JSON on ``Channel.cleaning`` and ``LeadSettings`` and are read by the pure engines
(``leads.cleaning``, ``leads.grading``, ``leads.assignment``). Each change of a lead leaves a
``LeadEvent`` — the lead's timeline and the funnel are built from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, reject_unknown
from guanxi.core.records import record_create, record_update
from guanxi.customers.models import Customer, Interaction
from guanxi.customers.services.contacts import contact_create
from guanxi.customers.services.interactions import interaction_log
from guanxi.customers.services.profile import customer_create
from guanxi.leads import assignment, cleaning, duplicates, grading
from guanxi.leads.check import lead_record
from guanxi.leads.duplicates import lead_duplicates_check
from guanxi.leads.models import (
    OPEN_STATUSES,
    Channel,
    DedupKey,
    DuplicateState,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadSettings,
    LeadStatus,
)

LEAD_FIELDS = cleaning.LEAD_FIELDS
# Status moves a rep makes by hand (conversion and recycling have their own services).
MOVES: Mapping[str, tuple[str, ...]] = {
    LeadStatus.NEW: (LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.REJECTED),
    LeadStatus.RECYCLED: (LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.REJECTED),
    LeadStatus.CONTACTED: (LeadStatus.QUALIFIED, LeadStatus.REJECTED),
    LeadStatus.QUALIFIED: (LeadStatus.CONTACTED, LeadStatus.REJECTED),
    LeadStatus.REJECTED: (LeadStatus.NEW,),
    LeadStatus.CONVERTED: (),
}
FOLLOW_UP_CHANNELS = {choice for choice, _label in Interaction._meta.get_field("channel").choices or ()}


def lead_settings() -> LeadSettings:
    """The one settings row (created with the engines' defaults on first use)."""
    row = LeadSettings.objects.order_by("created_at").first()
    if row is not None:
        return row
    system = access.system_actor()
    return record_create(
        actor=system,
        instance=LeadSettings(
            grading=grading.config_to_json(grading.default_config()),
            assignment=assignment.config_to_json(assignment.default_config()),
        ),
    )


def _event(lead: Lead, kind: str, actor: User | None, **data: Any) -> LeadEvent:
    moved = data.pop("moved", None)
    return LeadEvent.objects.create(
        lead=lead,
        kind=kind,
        actor=actor if actor is not None and actor.pk else None,
        from_status=moved[0] if moved else "",
        to_status=moved[1] if moved else "",
        owner_id=lead.owner_id,
        team_id=lead.team_id,
        data={key: str(value) if not isinstance(value, int | float | list | dict | None) else value
              for key, value in data.items()},
    )  # fmt: skip


def _rep_loads(team_ids: set[int] | None = None) -> list[assignment.RepLoad]:
    """Every active rep with the number of open leads they hold."""
    reps = User.objects.filter(is_active=True, team__isnull=False, is_system=False, role__code="rep")
    if team_ids is not None:
        reps = reps.filter(team_id__in=team_ids)
    counts = dict(
        Lead.objects.filter(owner__in=reps, status__in=OPEN_STATUSES)
        .values("owner_id")
        .annotate(open=Count("id"))
        .values_list("owner_id", "open")
    )
    return [
        assignment.RepLoad(rep_id=rep.pk, team_id=int(rep.team_id), active=True, open_leads=counts.get(rep.pk, 0))
        for rep in reps.order_by("pk")
        if rep.team_id is not None
    ]


# --- entry ---------------------------------------------------------------------------------


@transaction.atomic
def lead_create(
    *, actor: User, channel: Channel, raw: Mapping[str, Any], source: str = "api", honeypot: str | None = None
) -> Lead:
    """A lead from any door (web form, API, import, typed by hand): cleaned, graded and assigned.

    A lead that fails a cleaning rule is kept as *rejected* with every rule and reason. ``honeypot``
    names a form field people never see: a value in it rejects the lead as a bot's.
    """
    if not channel.is_active:
        raise InvalidInput(_("This channel is not active."), errors=[{"loc": ["channel_id"], "msg": _("Inactive.")}])
    config = cleaning.config_from_json(channel.cleaning) if channel.cleaning else cleaning.default_config()
    if honeypot and honeypot not in config.honeypot_fields:
        config = replace(config, honeypot_fields=(*config.honeypot_fields, honeypot))
    text = {key: (None if value is None else str(value)) for key, value in raw.items()}
    result = cleaning.clean(text, config)
    values = dict(result.values)
    lead = Lead(
        channel=channel,
        team_id=channel.team_id,
        **{field: values.get(field, "") or "" for field in LEAD_FIELDS},
        extra={key: str(value)[:500] for key, value in list(result.extra.items())[:50]},
        cleaning_changes=[asdict(change) for change in result.changes],
    )
    # The cleaned phone is E.164 when it parses; the lead shows it as typed.
    lead.phone_e164 = values["phone"] if values.get("phone", "").startswith("+") else ""
    lead.phone = result.phone_raw.strip()[:40] or values.get("phone", "")
    if not result.accepted:
        lead.status = LeadStatus.REJECTED
        lead.rejected_at = timezone.now()
        lead.rejections = [{"rule": r.rule, "field": r.field, "reason": str(r.reason)} for r in result.rejections]
    settings_row = lead_settings()
    graded = grading.grade(
        values, channel=grading.ChannelInfo(kind=channel.kind, id=str(channel.pk)), config=_grading_config(settings_row)
    )
    lead.score, lead.grade = graded.score, graded.grade
    lead.grade_reasons = [{"why": str(why), "points": points} for why, points in graded.contributions]
    record_create(actor=actor, instance=lead)
    _event(lead, LeadEventKind.CREATED, actor, source=source, channel=channel.name)
    if not result.accepted:
        _event(lead, LeadEventKind.REJECTED, actor, rules=lead.rejections)
        return lead
    lead_duplicates_check(actor=actor, lead=lead)
    _assign(lead, settings_row, actor)
    return lead


def _grading_config(settings_row: LeadSettings) -> grading.GradingConfig:
    return grading.config_from_json(settings_row.grading) if settings_row.grading else grading.default_config()


def _assign(lead: Lead, settings_row: LeadSettings, actor: User | None) -> None:
    """Run the assignment rules: a rep gets the lead, or it waits in a team's pool."""
    config = (
        assignment.config_from_json(settings_row.assignment) if settings_row.assignment else assignment.default_config()
    )
    locked = LeadSettings.objects.select_for_update().get(pk=settings_row.pk)  # round-robin state: one at a time
    values = {field: getattr(lead, field) for field in LEAD_FIELDS} | {"grade": lead.grade}
    decision = assignment.assign(values, _rep_loads(), locked.assignment_state, config)
    LeadSettings.objects.filter(pk=locked.pk).update(assignment_state=decision.new_state)
    now = timezone.now()
    if decision.rep_id is not None:
        rep = User.objects.get(pk=decision.rep_id)
        Lead.objects.filter(pk=lead.pk).update(owner=rep, team_id=rep.team_id, assigned_at=now)
        lead.owner, lead.team_id, lead.assigned_at = rep, rep.team_id, now
        _event(lead, LeadEventKind.ASSIGNED, actor, rule=decision.rule, reason=str(decision.reason))
        return
    team_id = decision.team_id or lead.team_id
    Lead.objects.filter(pk=lead.pk).update(owner=None, team_id=team_id)
    lead.owner, lead.team_id = None, team_id
    _event(lead, LeadEventKind.POOLED, actor, rule=decision.rule, reason=str(decision.reason))


# --- the pool ----------------------------------------------------------------------------------


def lead_claim(*, actor: User, lead_id: Any) -> Lead:
    """Take a lead from the pool. Race-free: one conditional UPDATE; whoever comes second gets 409."""
    with transaction.atomic():
        try:
            lead = access.get_visible(actor, Lead.objects.all(), pk=lead_id)
        except NotFound:
            if _claimed_from_own_pool(actor, lead_id):  # it was in the actor's pool a moment ago
                raise Conflict(_("Someone else claimed this lead first.")) from None
            raise
        if lead.owner_id is not None or lead.status not in OPEN_STATUSES:
            raise Conflict(_("This lead is no longer in the pool."))
        if actor.team_id is None or lead.team_id != actor.team_id:
            raise Conflict(_("Only members of this pool's team can claim its leads."))
        limit = lead_settings().claim_limit
        held = Lead.objects.filter(owner=actor, status__in=OPEN_STATUSES).count()
        if not assignment.claim_allowed(held, limit):
            raise Conflict(_("You already hold %(count)d open leads, the most a rep may hold.") % {"count": held})
        now = timezone.now()
        won = Lead.objects.filter(pk=lead.pk, owner__isnull=True, status__in=OPEN_STATUSES).update(
            owner=actor, claimed_at=now, updated_at=now, updated_by=actor, version=F("version") + 1
        )
        if won != 1:
            raise Conflict(_("Someone else claimed this lead first."))
        lead.refresh_from_db()
        _event(lead, LeadEventKind.CLAIMED, actor)
        return lead


def _claimed_from_own_pool(actor: User, lead_id: Any) -> bool:
    if actor.team_id is None:
        return False
    try:
        return Lead.objects.filter(pk=lead_id, team_id=actor.team_id, owner__isnull=False).exists()
    except (ValueError, ValidationError):
        return False


def leads_recycle(*, now: datetime | None = None) -> int:
    """Open leads with no follow-up for ``recycle_days`` since they were claimed or assigned go back to the pool."""
    now = now or timezone.now()
    days = lead_settings().recycle_days
    rows = list(
        Lead.objects.filter(owner__isnull=False, status__in=OPEN_STATUSES)
        .filter(Q(claimed_at__isnull=False) | Q(assigned_at__isnull=False))
        .values_list("pk", "claimed_at", "assigned_at", "last_follow_up_at")
    )
    due = assignment.recycle_due(
        [
            (pk, max(d for d in (claimed, assigned) if d is not None), followed)
            for pk, claimed, assigned, followed in rows
        ],
        now,
        days,
    )
    system = access.system_actor()
    for lead in Lead.objects.filter(pk__in=due).select_related("owner"):
        with transaction.atomic():
            previous_owner = lead.owner
            moved = Lead.objects.filter(pk=lead.pk, owner=previous_owner, version=lead.version).update(
                owner=None,
                status=LeadStatus.RECYCLED,
                claimed_at=None,
                assigned_at=None,
                recycled_count=F("recycled_count") + 1,
                updated_at=now,
                updated_by=system,
                version=F("version") + 1,
            )
            if moved:
                lead.refresh_from_db()
                _event(
                    lead,
                    LeadEventKind.RECYCLED,
                    system,
                    moved=(LeadStatus.CONTACTED, LeadStatus.RECYCLED),
                    previous_owner=previous_owner.username if previous_owner else "",
                    days=days,
                )
    return len(due)


# --- working a lead ----------------------------------------------------------------------------


def _owned(actor: User, lead: Lead, version: int | None) -> Lead:
    access.ensure(actor, "change", lead)
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if version is not None and locked.version != version:
        raise Conflict(_("Someone else changed this lead. Reload it and try again."))
    return locked


@transaction.atomic
def lead_follow_up(
    *, actor: User, lead: Lead, channel: str, summary: str, outcome: str = "", next_step: str = "",
    version: int | None = None,
) -> Lead:  # fmt: skip
    """Record a follow-up (the same facts as an interaction); a new lead becomes *contacted*."""
    locked = _owned(actor, lead, version)
    if channel not in FOLLOW_UP_CHANNELS:
        raise InvalidInput(_("Unknown channel."), errors=[{"loc": ["channel"], "msg": _("Unknown channel.")}])
    text = (summary or "").strip()
    if not text:
        raise InvalidInput(_("Say what happened."), errors=[{"loc": ["summary"], "msg": _("Required.")}])
    if locked.status in (LeadStatus.CONVERTED, LeadStatus.REJECTED):
        raise InvalidTransition(_("This lead is closed."))
    now = timezone.now()
    changes: dict[str, Any] = {"last_follow_up_at": now}
    moved = None
    if locked.status in (LeadStatus.NEW, LeadStatus.RECYCLED):
        changes |= {"status": LeadStatus.CONTACTED, "contacted_at": locked.contacted_at or now}
        moved = (locked.status, LeadStatus.CONTACTED)
    Lead.objects.filter(pk=locked.pk).update(**changes, updated_at=now, updated_by=actor, version=F("version") + 1)
    locked.refresh_from_db()
    _event(locked, LeadEventKind.FOLLOWED_UP, actor, channel=channel, summary=text[:2000], outcome=outcome,
           next_step=next_step[:500])  # fmt: skip
    if moved:
        _event(locked, LeadEventKind.STATUS, actor, moved=moved)
    return locked


@transaction.atomic
def lead_set_status(*, actor: User, lead: Lead, status: str, version: int | None = None, reason: str = "") -> Lead:
    locked = _owned(actor, lead, version)
    if status not in MOVES.get(locked.status, ()):
        raise InvalidTransition(
            _("A lead cannot go from %(from)s to %(to)s.")
            % {"from": locked.get_status_display(), "to": dict(LeadStatus.choices).get(status, status)}
        )
    now = timezone.now()
    stamps: dict[str, str] = {"contacted": "contacted_at", "qualified": "qualified_at", "rejected": "rejected_at"}
    stamp = stamps.get(status)
    changes: dict[str, Any] = {"status": status}
    if stamp:
        changes[stamp] = now
    Lead.objects.filter(pk=locked.pk).update(**changes, updated_at=now, updated_by=actor, version=F("version") + 1)
    previous = locked.status
    locked.refresh_from_db()
    _event(locked, LeadEventKind.STATUS, actor, moved=(previous, status), reason=reason[:500])
    return locked


@transaction.atomic
def lead_convert(*, actor: User, lead: Lead, customer: Customer | None = None, version: int | None = None) -> Customer:
    """The lead becomes a customer with its contact — or joins an existing customer — in one transaction.

    Its follow-ups become interactions of the customer (so they count in the cost to serve) and its
    history stays readable from the customer's timeline.
    """
    locked = _owned(actor, lead, version)
    if locked.status in (LeadStatus.CONVERTED, LeadStatus.REJECTED):
        raise InvalidTransition(_("Only an open lead can be converted."))
    if customer is not None:
        access.ensure(actor, "change", customer)
    else:
        customer = customer_create(
            actor=actor, name=locked.company or locked.name, phone=locked.phone if not locked.company else "",
            owner=locked.owner or actor,
        )  # fmt: skip
    contact = None
    if locked.name and locked.company:
        contact = contact_create(
            actor=actor, customer=customer, name=locked.name, mobile=locked.phone, email=locked.email,
            post={"title": locked.title} if locked.title else None,
        )  # fmt: skip
    for event in locked.events.filter(kind=LeadEventKind.FOLLOWED_UP).order_by("created_at"):
        interaction_log(
            actor=actor, customer=customer, contact=contact, channel=str(event.data.get("channel", "other")),
            direction="outbound", summary=str(event.data.get("summary", "")) or _("Follow-up"),
            occurred_at=event.created_at, outcome=str(event.data.get("outcome", "")),
        )  # fmt: skip
    now = timezone.now()
    previous = locked.status
    Lead.objects.filter(pk=locked.pk).update(
        status=LeadStatus.CONVERTED, converted_at=now, customer=customer, contact=contact, updated_at=now,
        updated_by=actor, version=F("version") + 1,
    )  # fmt: skip
    locked.refresh_from_db()
    _event(locked, LeadEventKind.CONVERTED, actor, moved=(previous, LeadStatus.CONVERTED), customer=str(customer.pk))
    return customer


# --- editing and handing over --------------------------------------------------------------


@transaction.atomic
def lead_update(*, actor: User, lead: Lead, version: int | None, **fields: str) -> Lead:
    """Edit a lead's fields: cleaned like at entry, refused with field errors, then graded again.

    A cleaning rule that fails on a field the actor changed is a 422 on that field; nothing is written.
    """
    reject_unknown(fields, LEAD_FIELDS)
    locked = _owned(actor, lead, version)
    given = {name: ("" if value is None else str(value)) for name, value in fields.items()}
    merged: dict[str, str | None] = {name: getattr(locked, name) for name in LEAD_FIELDS} | dict(given)
    channel = locked.channel
    config = cleaning.config_from_json(channel.cleaning) if channel.cleaning else cleaning.default_config()
    result = cleaning.clean(merged, config)
    refused = [r for r in result.rejections if r.field in given]
    if refused:
        raise InvalidInput(
            _("Some fields are not valid."), errors=[{"loc": [r.field], "msg": str(r.reason)} for r in refused]
        )
    changes: dict[str, Any] = {name: result.values[name] for name in given if name != "phone"}
    if "phone" in given:
        changes["phone"] = result.phone_raw.strip()[:40] or result.values["phone"]
        changes["phone_e164"] = result.values["phone"] if result.values["phone"].startswith("+") else ""
    graded = grading.grade(
        result.values,
        channel=grading.ChannelInfo(kind=channel.kind, id=str(channel.pk)),
        config=_grading_config(lead_settings()),
    )
    previous_grade = locked.grade
    changes |= {
        "score": graded.score,
        "grade": graded.grade,
        "grade_reasons": [{"why": str(why), "points": points} for why, points in graded.contributions],
    }
    edited = [name for name in given if getattr(locked, name) != changes[name]]
    updated = record_update(actor=actor, instance=locked, changes=changes, expected_version=locked.version)
    if edited or previous_grade != updated.grade:
        _event(updated, LeadEventKind.EDITED, actor, fields=edited, grade_from=previous_grade, grade_to=updated.grade)
    _duplicates_recheck(actor, updated, edited)
    return updated


def _duplicates_recheck(actor: User, lead: Lead, edited: list[str]) -> None:
    """After an edit of who the lead is: its keys follow the edit and, while it is open, it is checked again.

    A lead linked to a customer stays linked and a converted one keeps its customer (only their keys
    move, so later leads find them by the new values). Otherwise the check runs as at entry: candidates
    found → *possible duplicate* (also after an earlier "not a duplicate": the lead is someone else now);
    none found → the stale candidates are gone and a *possible duplicate* is no longer one.
    """
    if not {"name", "company", "phone", "email", "city"}.intersection(edited):
        return  # not who the lead is: the candidates still hold
    if lead.merged_into_id is not None or lead.status not in (*OPEN_STATUSES, LeadStatus.CONVERTED):
        return  # merged or rejected leads are never candidates
    if lead.status == LeadStatus.CONVERTED or lead.duplicate_state in (DuplicateState.LINKED, DuplicateState.MERGED):
        duplicates.keys_write(DedupKey.Kind.LEAD, [(lead.pk, lead_record(lead))])
        return
    previous = lead.duplicate_state
    if lead_duplicates_check(actor=actor, lead=lead) or previous != DuplicateState.SUSPECTED:
        return
    Lead.objects.filter(pk=lead.pk).update(duplicate_state=DuplicateState.NONE)
    lead.duplicate_state = DuplicateState.NONE
    _event(lead, LeadEventKind.DUPLICATE, actor, candidates=0)


@transaction.atomic
def lead_assign(*, actor: User, lead: Lead, owner: User, version: int | None = None) -> Lead:
    """Hand an open lead to a rep (needs the assign permission); the lead joins the rep's team."""
    access.ensure(actor, "assign", lead)
    locked = _owned(actor, lead, version)
    if locked.status not in OPEN_STATUSES:
        raise InvalidTransition(_("Only an open lead can be assigned."))
    if not owner.is_active or owner.is_system:
        raise InvalidInput(_("Unknown user."), errors=[{"loc": ["owner_id"], "msg": _("Unknown user.")}])
    previous = locked.owner
    now = timezone.now()
    updated = record_update(
        actor=actor,
        instance=locked,
        changes={"owner": owner, "team": owner.team or locked.team, "assigned_at": now, "claimed_at": None},
        expected_version=locked.version,
    )
    _event(updated, LeadEventKind.ASSIGNED, actor, rule="manual", previous_owner=previous.username if previous else "")
    return updated


def channel_create(*, actor: User, **fields: Any) -> Channel:
    """A new channel (the one implementation lives in ``leads.channels``)."""
    from guanxi.leads.channels import channel_create as create

    return create(actor=actor, **fields)


__all__ = [
    "channel_create",
    "lead_assign",
    "lead_claim",
    "lead_convert",
    "lead_create",
    "lead_follow_up",
    "lead_set_status",
    "lead_settings",
    "lead_update",
    "leads_recycle",
]
