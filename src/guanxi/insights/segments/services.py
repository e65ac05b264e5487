"""Segment definitions are settings: value managers create, change, map to teams, refresh and delete them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, Team, User
from guanxi.core.errors import Conflict, InvalidInput, field_error, reject_unknown
from guanxi.core.models import AuditEntry
from guanxi.core.records import audit_entry, record_create, record_delete, record_update
from guanxi.insights.models import JOB_NOT_ACTIVE, RunStatus, Segment
from guanxi.insights.segments.membership import segments_refresh
from guanxi.insights.segments.rules import rule_clean

logger = logging.getLogger(__name__)
EDITABLE = ("name", "name_en", "description", "rule", "is_active", "team_ids")


def _name_free(name: str, *, but: Segment | None = None) -> str:
    name = name.strip()
    if not name:
        raise field_error("name", _("A name is required."))
    taken = Segment.objects.filter(name=name)
    if but is not None:
        taken = taken.exclude(pk=but.pk)
    if taken.exists():
        raise field_error("name", _("This name is taken."))
    return name


def _teams(team_ids: Iterable[Any]) -> list[Team]:
    ids = list(team_ids)
    if any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise field_error("team_ids", _("Teams are given by their ids."))
    teams = list(Team.objects.filter(pk__in=ids).order_by("path"))
    if len(teams) != len(set(ids)):
        raise field_error("team_ids", _("No such team."))
    return teams


def _audit_teams(actor: User, segment: Segment, old: list[Team], new: list[Team]) -> None:
    if {t.pk for t in old} == {t.pk for t in new}:
        return
    audit_entry(
        actor=actor,
        record=segment,
        at=timezone.now(),
        action=AuditEntry.Action.UPDATE,
        field="teams",
        old=[t.name for t in old],
        new=[t.name for t in new],
    ).save()


@transaction.atomic
def segment_create(
    *,
    actor: User,
    name: str,
    rule: Any,
    name_en: str = "",
    description: str = "",
    is_active: bool = True,
    team_ids: Iterable[Any] = (),
) -> Segment:
    """A new segment, its members computed right away."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    segment = Segment(
        name=_name_free(name),
        name_en=name_en.strip(),
        description=description.strip(),
        rule=rule_clean(rule),
        is_active=is_active,
    )
    teams = _teams(team_ids)
    record_create(actor=actor, instance=segment)
    segment.teams.set(teams)
    _audit_teams(actor, segment, [], teams)
    segments_refresh(as_of=timezone.localdate(), segment=segment)
    return segment


def _bump(actor: User, segment: Segment) -> None:
    now = timezone.now()
    rows = Segment.objects.filter(pk=segment.pk, version=segment.version).update(
        version=segment.version + 1, updated_by=actor, updated_at=now
    )
    if rows != 1:
        raise Conflict(_("This record was changed by someone else. Reload it and try again."))
    segment.version, segment.updated_by, segment.updated_at = segment.version + 1, actor, now


@transaction.atomic
def segment_update(*, actor: User, segment: Segment, version: int | None, changes: dict[str, Any]) -> Segment:
    """Change a segment (stale ``version`` → 409); a changed rule or activation recomputes its members."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    reject_unknown(changes, EDITABLE)
    values = dict(changes)
    team_ids = values.pop("team_ids", None)
    if "name" in values:
        values["name"] = _name_free(str(values["name"]), but=segment)
    for text in ("name_en", "description"):
        if text in values:
            values[text] = str(values[text] or "").strip()
    if "rule" in values:
        values["rule"] = rule_clean(values["rule"])
    if "is_active" in values and not isinstance(values["is_active"], bool):
        raise field_error("is_active", _("The value must be true or false."))
    teams = _teams(team_ids) if team_ids is not None else None
    before_rule, before_active, before_version = segment.rule, segment.is_active, segment.version
    record_update(actor=actor, instance=segment, changes=values, expected_version=version)
    if teams is not None:
        old = list(segment.teams.order_by("path"))
        if {t.pk for t in old} != {t.pk for t in teams}:
            segment.teams.set(teams)
            if segment.version == before_version:  # a team change alone still moves the version
                _bump(actor, segment)
            _audit_teams(actor, segment, old, teams)
    if segment.is_active and (segment.rule != before_rule or not before_active):
        segments_refresh(as_of=timezone.localdate(), segment=segment)
    return segment


@transaction.atomic
def segment_delete(*, actor: User, segment: Segment, version: int | None = None) -> None:
    """Delete a segment with its members, history and curves."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    if version is not None and version != segment.version:
        raise Conflict(_("This record was changed by someone else. Reload it and try again."))
    record_delete(actor=actor, instance=segment)


def segment_refresh(*, actor: User, segment: Segment) -> dict[str, Any]:
    """Recompute one segment's members now, synchronously (the API; the page queues ``segment_refresh_request``)."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    if not segment.is_active:
        raise InvalidInput(_("This segment is not active."))
    return segments_refresh(as_of=timezone.localdate(), segment=segment)


@transaction.atomic
def segment_refresh_request(*, actor: User, segment: Segment) -> Segment:
    """ "Recompute members now": queue it for the worker (once this transaction commits). While one is
    queued or running, asking again queues nothing."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    locked = Segment.objects.select_for_update().get(pk=segment.pk)
    if not locked.is_active:
        raise InvalidInput(_("This segment is not active."))
    if locked.refresh_job.is_active:
        return locked
    Segment.objects.filter(pk=locked.pk).update(
        refresh_status=RunStatus.QUEUED, refresh_queued_at=timezone.now(), refresh_finished_at=None, refresh_error=""
    )
    locked.refresh_from_db()
    segment_id = str(locked.pk)

    def enqueue() -> None:
        from guanxi.insights.tasks import segment_refresh_task

        segment_refresh_task(segment_id)

    transaction.on_commit(enqueue)
    return locked


def segment_refresh_process(*, segment_id: Any) -> dict[str, Any] | None:
    """The worker's side of "recompute members now": recompute, recording on the segment how it went."""
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        return None
    jobs = Segment.objects.filter(pk=segment.pk)
    jobs.update(refresh_status=RunStatus.RUNNING, refresh_error="")
    result: dict[str, Any] | None = None
    error = ""
    try:
        if segment.is_active:
            result = segments_refresh(as_of=timezone.localdate(), segment=segment)
        else:
            error = JOB_NOT_ACTIVE
    except Exception as exc:
        logger.exception("member refresh of segment %s failed", segment.pk)
        error = f"{type(exc).__name__}: {exc}"
    status = RunStatus.FAILED if error else RunStatus.DONE
    jobs.update(refresh_status=status, refresh_finished_at=timezone.now(), refresh_error=error)
    return result


DEFAULTS: list[dict[str, Any]] = [
    {
        "name": "高价值活跃",
        "name_en": "Valuable and active",
        "rule": {
            "match": "all",
            "conditions": [
                {"field": "value_class", "op": "eq", "value": "most_valuable"},
                {"field": "rfm_recency", "op": "gte", "value": 4},
            ],
        },
    },
    {
        "name": "负价值客户",
        "name_en": "Negative value",
        "rule": {"match": "all", "conditions": [{"field": "value_class", "op": "eq", "value": "negative"}]},
    },
    {
        "name": "沉睡的大客户",
        "name_en": "Sleeping big customers",
        "rule": {
            "match": "all",
            "conditions": [
                {"field": "rfm_monetary", "op": "gte", "value": 4},
                {"field": "rfm_recency", "op": "lte", "value": 2},
            ],
        },
    },
    {
        "name": "新客户",
        "name_en": "New customers",
        "rule": {"match": "all", "conditions": [{"field": "created_days_ago", "op": "lt", "value": 90}]},
    },
    {
        "name": "A 级客户",
        "name_en": "Grade A",
        "rule": {"match": "all", "conditions": [{"field": "grade", "op": "eq", "value": "A"}]},
    },
]


def segments_default_ensure(*, actor: User) -> list[Segment]:
    """The demo's default segments, created when there are none yet; the first two go to the first two sales teams."""
    access.ensure_perm(actor, Perm.MANAGE_VALUE)
    if Segment.objects.exists():
        return []
    teams = list(Team.objects.filter(is_active=True, parent__isnull=False).order_by("path")[:2])
    if len(teams) < 2:
        teams = list(Team.objects.filter(is_active=True).order_by("path")[:2])
    created = []
    for number, spec in enumerate(DEFAULTS):
        team_ids = [teams[number].pk] if number < len(teams) and number < 2 else []
        created.append(segment_create(actor=actor, team_ids=team_ids, **spec))
    return created
