"""Scoped reads of segments: definitions for everyone, members and counts within the reader's scope.

Member lists and per-segment counts cover exactly the customers the reader sees; value managers
also get the company-wide totals. Curves are aggregates over a whole segment: they are for value
managers and for the teams the segment is mapped to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, Team, User
from guanxi.core.errors import NotAllowed, NotFound
from guanxi.core.pagination import DEFAULT_LIMIT, Ordering, paginate
from guanxi.customers.models import Customer, Tag
from guanxi.insights.models import Segment, SegmentChange, SegmentCurve, SegmentMember, SegmentSnapshot

MEMBER_ORDERING = Ordering(fields={"joined": "id"}, default="-joined")
HISTORY_SNAPSHOTS = 120
HISTORY_CHANGES = 50


@dataclass(frozen=True)
class SegmentRow:
    """A segment as one reader sees it."""

    segment: Segment
    members: int  # members the reader sees
    members_total: int | None  # company-wide, for value managers only
    curves_visible: bool
    can_manage: bool


def _visible_customers(actor: User | Any) -> QuerySet[Customer, Any]:
    return access.scope(actor, Customer.objects.all()).values("pk")


def _sees_all(actor: User | Any) -> bool:
    return access.visible_q(actor, Customer) == Q()


def can_manage(actor: User | Any) -> bool:
    return access.has_perm(actor, Perm.MANAGE_VALUE)


def curves_visible(actor: User | Any, segment: Segment, team_ids: set[int] | None = None) -> bool:
    """Value managers, and users of a team the segment is mapped to."""
    if can_manage(actor):
        return True
    user = access.active_user(actor)
    if user is None or user.team_id is None:
        return False
    mapped = team_ids if team_ids is not None else {team.pk for team in segment.teams.all()}
    return user.team_id in mapped


def _teams_prefetch() -> Prefetch[Any]:
    return Prefetch("teams", queryset=Team.objects.order_by("path"))


def _visible_counts(actor: User | Any, segment_ids: list[Any]) -> dict[Any, int]:
    if _sees_all(actor):
        return {}
    rows = (
        SegmentMember.objects.filter(segment_id__in=segment_ids, customer_id__in=_visible_customers(actor))
        .values("segment_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["segment_id"]: row["n"] for row in rows}


def _rows(actor: User | Any, segments: list[Segment]) -> list[SegmentRow]:
    sees_all, manager = _sees_all(actor), can_manage(actor)
    counts = _visible_counts(actor, [s.pk for s in segments])
    return [
        SegmentRow(
            segment=segment,
            members=segment.members_count if sees_all else counts.get(segment.pk, 0),
            members_total=segment.members_count if manager else None,
            curves_visible=curves_visible(actor, segment, {team.pk for team in segment.teams.all()}),
            can_manage=manager,
        )
        for segment in segments
    ]


def segment_list(*, actor: User | Any) -> list[SegmentRow]:
    """Every segment (definitions are visible to every user), with the reader's member counts."""
    if access.active_user(actor) is None:
        return []
    segments = list(Segment.objects.prefetch_related(_teams_prefetch()).order_by("-is_active", "name"))
    return _rows(actor, segments)


def segment_get(*, actor: User | Any, pk: UUID | str) -> Segment:
    if access.active_user(actor) is None:
        raise NotFound(_("Not found."))
    try:
        return Segment.objects.prefetch_related(_teams_prefetch()).get(pk=pk)
    except (Segment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Not found.")) from None


def segment_row(*, actor: User | Any, segment: Segment) -> SegmentRow:
    return _rows(actor, [segment])[0]


def segment_members_page(
    *,
    actor: User | Any,
    segment: Segment,
    order: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """The segment's members the reader sees, newest members first, keyset-paginated."""
    qs = SegmentMember.objects.filter(segment=segment).select_related("customer", "customer__owner", "customer__value")
    if not _sees_all(actor):
        qs = qs.filter(customer_id__in=_visible_customers(actor))
    return paginate(qs, ordering=MEMBER_ORDERING, order=order, limit=limit, cursor=cursor)


@dataclass(frozen=True)
class SegmentHistory:
    totals_visible: bool
    snapshots: list[SegmentSnapshot]  # oldest first; company-wide figures, for value managers only
    changes: list[SegmentChange]  # newest first; customers the reader sees


def segment_history(*, actor: User | Any, segment: Segment) -> SegmentHistory:
    manager = can_manage(actor)
    snapshots: list[SegmentSnapshot] = []
    if manager:
        snapshots = list(SegmentSnapshot.objects.filter(segment=segment).order_by("-as_of", "-id")[:HISTORY_SNAPSHOTS])
        snapshots.reverse()
    changes = SegmentChange.objects.filter(segment=segment).select_related("customer")
    if not _sees_all(actor):
        changes = changes.filter(customer_id__in=_visible_customers(actor))
    return SegmentHistory(
        totals_visible=manager, snapshots=snapshots, changes=list(changes.order_by("-on", "-id")[:HISTORY_CHANGES])
    )


def segment_curves(*, actor: User | Any, segment: Segment) -> dict[str, SegmentCurve]:
    """The segment's stored curves by kind; ``NotAllowed`` for readers who may not see them."""
    if not curves_visible(actor, segment):
        raise NotAllowed(_("Segment curves are shown to value managers and to the teams mapped to the segment."))
    return {curve.kind: curve for curve in SegmentCurve.objects.filter(segment=segment)}


@dataclass(frozen=True)
class CurvePick:
    """The value dashboard's curve card: the segments offered, the one shown and its curves.

    ``hidden``: the chosen segment exists but its curves are not for this reader (nothing of them is
    given). ``unknown``: the id asked for names no segment offered here, so the default one is shown.
    """

    choices: list[Segment]
    segment: Segment | None
    curves: dict[str, SegmentCurve]
    hidden: bool = False
    unknown: bool = False


def curve_segments(*, actor: User | Any) -> list[Segment]:
    """The active segments whose curves the reader may see, by name (value managers: all of them)."""
    user = access.active_user(actor)
    if user is None:
        return []
    segments = Segment.objects.filter(is_active=True).order_by("name")
    if can_manage(user):
        return list(segments)
    if user.team_id is None:
        return []
    return list(segments.filter(teams=user.team_id).distinct())


def _segment_or_none(raw: str) -> Segment | None:
    try:
        return Segment.objects.prefetch_related(_teams_prefetch()).get(pk=UUID(raw.strip()))
    except (Segment.DoesNotExist, ValueError, TypeError, AttributeError):
        return None


def dashboard_curves(*, actor: User | Any, segment_id: str | None = None) -> CurvePick:
    """The curves of the segment asked for (``segment_id``, as given in the query), or of the first offered.

    A segment the reader may not see curves for comes back ``hidden`` with no curves; an id that is
    not a segment (or not an active one) comes back ``unknown`` with the default segment's curves.
    """
    choices = curve_segments(actor=actor)
    offered = {str(segment.pk): segment for segment in choices}
    chosen: Segment | None = choices[0] if choices else None
    unknown = False
    if segment_id:
        asked = offered.get(segment_id.strip().lower())
        if asked is not None:
            chosen = asked
        else:
            found = _segment_or_none(segment_id)
            if found is not None and found.is_active and not curves_visible(actor, found):
                return CurvePick(choices=choices, segment=found, curves={}, hidden=True)
            unknown = True
    if chosen is None:
        return CurvePick(choices=choices, segment=None, curves={}, unknown=unknown)
    curves = {curve.kind: curve for curve in SegmentCurve.objects.filter(segment=chosen)}
    return CurvePick(choices=choices, segment=chosen, curves=curves, unknown=unknown)


def customer_segments(*, actor: User | Any, customer: Customer) -> QuerySet[SegmentMember]:
    """The active segments a (visible) customer is in now, by name; ``NotFound`` for hidden customers."""
    access.ensure(actor, "view", customer)
    return (
        SegmentMember.objects.filter(customer=customer, segment__is_active=True)
        .select_related("segment")
        .order_by("segment__name")
    )


def team_choices() -> QuerySet[Team]:
    """Teams a segment may be mapped to."""
    return Team.objects.filter(is_active=True).order_by("path")


def rule_value_choices() -> dict[str, list[tuple[Any, str]]]:
    """Values offered by the rule builder for the fields that take record ids."""
    from guanxi.accounts.models import User as UserModel

    users = UserModel.objects.filter(is_active=True, is_system=False).order_by("username")[:500]
    tags = Tag.objects.select_related("group").order_by("group__name", "name")[:500]
    return {
        "team": [(team.pk, team.name) for team in team_choices()],
        "user": [(user.pk, str(user)) for user in users],
        "tag": [(tag.pk, f"{tag.group.name} / {tag.name}") for tag in tags],
    }


@dataclass(frozen=True)
class RuleLine:
    """One condition as people read it."""

    field: str
    op: str
    value: str


def rule_lines(rule: dict[str, Any]) -> list[RuleLine]:
    """A stored rule's conditions in words (ids of users, teams and tags as names; at most 3 queries)."""
    from guanxi.accounts.models import User as UserModel
    from guanxi.insights.segments.rules import FIELDS, op_label

    conditions = [c for c in rule.get("conditions", []) if isinstance(c, dict) and c.get("field") in FIELDS]
    wanted: dict[str, set[Any]] = {"user": set(), "team": set(), "tag": set()}
    for condition in conditions:
        kind = FIELDS[condition["field"]].type
        if kind in wanted:
            value = condition.get("value")
            wanted[kind] |= set(value if isinstance(value, list) else [value])
    names: dict[str, dict[Any, str]] = {kind: {} for kind in wanted}
    if wanted["user"]:
        names["user"] = {u.pk: str(u) for u in UserModel.objects.filter(pk__in=wanted["user"])}
    if wanted["team"]:
        names["team"] = {t.pk: t.name for t in Team.objects.filter(pk__in=wanted["team"])}
    if wanted["tag"]:
        names["tag"] = {t.pk: t.name for t in Tag.objects.filter(pk__in=wanted["tag"])}
    lines = []
    for condition in conditions:
        spec = FIELDS[condition["field"]]
        labels = {value: str(label) for value, label in spec.choices} | names.get(spec.type, {})
        value = condition.get("value")
        items = value if isinstance(value, list) else [] if value is None else [value]
        shown = [labels.get(item, str(item)) for item in items]
        if spec.type == "boolean":
            shown = [str(_("yes")) if item else str(_("no")) for item in items]
        joiner = " – " if condition["op"] == "between" else ", "
        lines.append(
            RuleLine(field=str(spec.label), op=op_label(condition["field"], condition["op"]), value=joiner.join(shown))
        )
    return lines
