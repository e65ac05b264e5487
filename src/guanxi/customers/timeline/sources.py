"""The customer master's own timeline sources: interactions, profile changes, posts, relationships, tags."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.core.dates import day_start
from guanxi.core.models import AuditEntry
from guanxi.core.records import record_type_label
from guanxi.customers.models import (
    Customer,
    CustomerRelationship,
    CustomerTag,
    Interaction,
    Position,
    PositionEnd,
    TagSource,
)
from guanxi.customers.timeline.engine import (
    Change,
    TimelineEntry,
    Window,
    audit_changes,
    audit_events,
    timeline_source,
)

# --- the customer master's own sources --------------------------------------------------------


@timeline_source("interactions", rank=60)
def interaction_entries(window: Window) -> Iterable[TimelineEntry]:
    """Interactions by when they happened (index customer, -occurred_at, -id)."""
    rows = (
        Interaction.objects.filter(customer=window.customer)
        .filter(window.after_q("occurred_at", "id"))
        .select_related("contact")
        .order_by("-occurred_at", "-id")[: window.limit]
    )
    for row in rows:
        facts = [(_("Direction"), row.get_direction_display())]
        if row.contact:
            facts.append((_("Contact"), row.contact.name))
        if row.outcome:
            facts.append((_("Outcome"), row.get_outcome_display()))
        if row.next_step or row.next_step_on:
            when = f" ({row.next_step_on:%Y-%m-%d})" if row.next_step_on else ""
            facts.append((_("Next step"), f"{row.next_step}{when}".strip()))
        yield TimelineEntry(
            at=row.occurred_at,
            key=str(row.pk),
            kind="interaction",
            icon="chat-dots",
            title=row.get_channel_display(),
            actor_id=row.created_by_id,
            text=row.summary,
            facts=tuple(facts),
        )


def _profile_title(action: str) -> str:
    titles: dict[str, str] = {
        AuditEntry.Action.CREATE: _("Customer created"),
        AuditEntry.Action.UPDATE: _("Profile changed"),
        AuditEntry.Action.SHARE: _("Customer shared"),
        AuditEntry.Action.DELETE: _("Customer deleted"),
    }
    return titles.get(action, action)


@timeline_source("profile", rank=50)
def profile_entries(window: Window) -> Iterable[TimelineEntry]:
    """The customer's own audit trail (index record_type, record_id, -at), one entry per write."""
    trail = AuditEntry.objects.filter(record_type=record_type_label(window.customer), record_id=str(window.customer.pk))
    for event in audit_events(trail, window):
        first = event[0]
        shares = [entry.new_value for entry in event if entry.action == AuditEntry.Action.SHARE]
        yield TimelineEntry(
            at=first.at,
            key=first.record_id,
            kind="change",
            icon="pencil-square" if first.action != AuditEntry.Action.CREATE else "building-add",
            title=_profile_title(first.action),
            actor_id=first.actor_id,
            text=_("Shared with %(whom)s") % {"whom": ", ".join(shares)} if shares else "",
            changes=() if shares else audit_changes(Customer, event),
        )


def _post_label(post: Position) -> str:
    parts = [post.title, post.department, post.get_buying_role_display()]
    return " · ".join(part for part in parts if part) or "—"


@timeline_source("posts_started", rank=40)
def post_start_entries(window: Window) -> Iterable[TimelineEntry]:
    """Posts taken up, on their first day (index customer, -started_on); a change shows old → new."""
    posts = list(
        Position.objects.filter(customer=window.customer)
        .filter(window.after_date_q("started_on", "id"))
        .select_related("contact")
        .order_by("-started_on", "-id")[: window.limit]
    )
    predecessors = {
        (post.contact_id, post.ended_on): post
        for post in Position.objects.filter(
            customer=window.customer,
            end_reason=PositionEnd.CHANGED_POST,
            contact_id__in={post.contact_id for post in posts},
            ended_on__in={post.started_on for post in posts},
        )
    }
    contacts_url = reverse("customers:customer-detail", args=[window.customer.pk]) + "#contacts"
    for post in posts:
        before = predecessors.get((post.contact_id, post.started_on))
        changes: tuple[Change, ...] = ()
        if before is not None:
            changes = tuple(
                Change(label, old, new)
                for label, old, new in (
                    (_("Title"), before.title, post.title),
                    (_("Department"), before.department, post.department),
                    (_("Buying role"), before.get_buying_role_display(), post.get_buying_role_display()),
                )
                if old != new
            )
        yield TimelineEntry(
            at=day_start(post.started_on),
            key=str(post.pk),
            kind="post",
            icon="person-badge",
            title=(_("%(name)s changed post") if before else _("%(name)s took up a post"))
            % {"name": post.contact.name},
            actor_id=post.created_by_id,
            text="" if changes else _post_label(post),
            changes=changes,
            url=contacts_url,
            link_label=_("Contacts"),
            date_only=True,
        )


@timeline_source("posts_ended", rank=41)
def post_end_entries(window: Window) -> Iterable[TimelineEntry]:
    """Posts left, on their last day; a change of post is shown once, by ``post_start_entries``."""
    posts = (
        Position.objects.filter(customer=window.customer, ended_on__isnull=False)
        .exclude(end_reason=PositionEnd.CHANGED_POST)
        .filter(window.after_date_q("ended_on", "id"))
        .select_related("contact")
        .order_by("-ended_on", "-id")[: window.limit]
    )
    contacts_url = reverse("customers:customer-detail", args=[window.customer.pk]) + "#contacts"
    for post in posts:
        assert post.ended_on is not None  # noqa: S101 -- filtered above; tells the type checker
        yield TimelineEntry(
            at=day_start(post.ended_on),
            key=str(post.pk),
            kind="post",
            icon="person-dash",
            title=_("%(name)s left a post") % {"name": post.contact.name},
            actor_id=post.updated_by_id,
            text=_post_label(post),
            facts=((_("Reason"), post.get_end_reason_display()),) if post.end_reason else (),
            url=contacts_url,
            link_label=_("Contacts"),
            date_only=True,
        )


RELATIONSHIP_COLUMNS = (
    "created_at",
    "created_by_id",
    "kind",
    "label",
    "note",
    "from_customer__name",
    "to_customer__name",
)


@timeline_source("relationships", rank=30)
def relationship_entries(window: Window) -> Iterable[TimelineEntry]:
    """Relationships recorded, in either direction, where the other customer is visible too."""
    customer = window.customer
    visible = access.scope(window.actor, Customer.objects.all()).values("pk")
    rows = (
        CustomerRelationship.objects.filter(Q(from_customer=customer) | Q(to_customer=customer))
        .filter(from_customer__in=visible, to_customer__in=visible)
        .filter(window.after_q("created_at", "id"))
        .select_related("from_customer", "to_customer")
        .only(*RELATIONSHIP_COLUMNS)
        .order_by("-created_at", "-id")[: window.limit]
    )
    for row in rows:
        other = row.to_customer if row.from_customer_id == customer.pk else row.from_customer
        yield TimelineEntry(
            at=row.created_at,
            key=str(row.pk),
            kind="relationship",
            icon="diagram-3",
            title=_("Relationship recorded"),
            actor_id=row.created_by_id,
            text=f"{row.from_customer.name} — {row.label or row.get_kind_display()} → {row.to_customer.name}",
            facts=((_("Note"), row.note),) if row.note else (),
            url=reverse("customers:customer-detail", args=[other.pk]),
            link_label=other.name,
        )


@timeline_source("tags", rank=20)
def tag_entries(window: Window) -> Iterable[TimelineEntry]:
    """Tags on the customer, when they were set (by hand or by a rule)."""
    rows = (
        CustomerTag.objects.filter(customer=window.customer)
        .filter(window.after_q("tagged_at", "id"))
        .select_related("tag", "tag__group", "rule")
        .order_by("-tagged_at", "-id")[: window.limit]
    )
    for row in rows:
        by_rule = row.source == TagSource.RULE
        yield TimelineEntry(
            at=row.tagged_at,
            key=row.pk,
            kind="tag",
            icon="tag",
            title=_("Tagged “%(tag)s”") % {"tag": row.tag.name},
            actor=_("Rule “%(rule)s”") % {"rule": row.rule.name} if by_rule and row.rule else "",
            actor_id=row.tagged_by_id,
            text=row.tag.group.name,
        )


# --- leads: the history of the leads converted into this customer ------------------------------


@timeline_source("leads", rank=35)
def lead_entries(window: Window) -> Iterable[TimelineEntry]:
    """Steps of the leads that became (or joined) this customer; their follow-ups are interactions already."""
    from guanxi.leads.models import LeadEventKind, LeadStatus
    from guanxi.leads.selectors import lead_events_for_customer

    statuses = dict(LeadStatus.choices)
    rows = (
        lead_events_for_customer(customer=window.customer)
        .exclude(kind=LeadEventKind.FOLLOWED_UP)
        .filter(window.after_q("created_at", "id"))
        .order_by("-created_at", "-id")[: window.limit]
    )
    for row in rows:
        facts = []
        if row.from_status or row.to_status:
            move = f"{statuses.get(row.from_status, row.from_status)} → {statuses.get(row.to_status, row.to_status)}"
            facts.append((_("Status"), move))
        if row.data.get("reason"):
            facts.append((_("Reason"), str(row.data["reason"])))
        yield TimelineEntry(
            at=row.created_at,
            key=row.pk,
            kind="lead",
            icon="funnel",
            title=_("Lead: %(step)s") % {"step": row.get_kind_display()},
            actor_id=row.actor_id,
            text=str(row.lead),
            facts=tuple(facts),
            url=reverse("leads:lead-detail", args=[row.lead_id]),
            link_label=_("Lead"),
        )
