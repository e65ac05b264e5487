"""Scoped reads of customers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import NotFound
from guanxi.core.models import AuditEntry
from guanxi.core.pagination import DEFAULT_LIMIT, Ordering, paginate
from guanxi.core.records import record_audit_trail
from guanxi.customers import search
from guanxi.customers.models import (
    Contact,
    ContactRelationship,
    Customer,
    CustomerRelationship,
    CustomerTag,
    Interaction,
    MergeKind,
    MergeRecord,
    Position,
    Tag,
    TagGroup,
    TagRule,
)
from guanxi.insights.models import CustomerGrade, CustomerValue, Segment, SegmentMember


def customer_list(
    *,
    actor: User | Any,
    q: str = "",
    owner_id: int | None = None,
    team_id: int | None = None,
    tag_id: int | None = None,
    province: str = "",
    city: str = "",
    **value: Any,
) -> QuerySet[Customer]:
    """The customers the actor sees, searched (``customers.search.search_q``) and filtered.

    ``value``: the value filters (``customers.lists.VALUE_FILTERS``, cleaned by ``lists.value_filters``).
    """
    qs = access.scope(actor, Customer.objects.select_related("owner", "team"))
    qs = _value_filtered(qs, **value)
    if q:
        qs = qs.filter(search.search_q(q))
    if province:
        qs = qs.filter(province=province)
    if city:
        qs = qs.filter(city=city)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if tag_id is not None:
        qs = qs.filter(pk__in=CustomerTag.objects.filter(tag_id=tag_id).values("customer_id"))
    return qs


def _value_filtered(
    qs: QuerySet[Customer],
    *,
    value_class: str = "",
    grade: str = "",
    segment_id: UUID | None = None,
    rfm_r: int | None = None,
    rfm_f: int | None = None,
    rfm_m: int | None = None,
    profit_min: Decimal | None = None,
    profit_max: Decimal | None = None,
    clv_min: Decimal | None = None,
    clv_max: Decimal | None = None,
) -> QuerySet[Customer]:
    """Customers by their figures of the latest value run, grade and segment: each a ``pk IN (subquery)``,
    so the page's key read keeps walking the customers' own index."""
    figures = {
        "value_class": value_class or None,
        "rfm_recency": rfm_r,
        "rfm_frequency": rfm_f,
        "rfm_monetary": rfm_m,
        "profit__gte": profit_min,
        "profit__lte": profit_max,
        "lifetime_value__gte": clv_min,
        "lifetime_value__lte": clv_max,
    }
    given = {lookup: wanted for lookup, wanted in figures.items() if wanted is not None}
    if given:
        qs = qs.filter(pk__in=CustomerValue.objects.filter(**given).values("customer_id"))
    if grade:
        qs = qs.filter(pk__in=CustomerGrade.objects.filter(grade=grade).values("customer_id"))
    if segment_id is not None:
        qs = qs.filter(pk__in=SegmentMember.objects.filter(segment_id=segment_id).values("customer_id"))
    return qs


def segment_name(*, actor: User | Any, pk: UUID) -> str | None:
    """A segment's name for the list's filter chip (segment definitions are visible to every user)."""
    if access.active_user(actor) is None:
        return None
    return Segment.objects.filter(pk=pk).values_list("name", flat=True).first()


CUSTOMER_ORDERING = Ordering(
    fields={"created_at": "created_at:datetime", "updated_at": "updated_at:datetime", "name": "name"},
    default="-created_at",
)


def customer_page(
    *,
    actor: User | Any,
    q: str = "",
    owner_id: int | None = None,
    team_id: int | None = None,
    tag_id: int | None = None,
    province: str = "",
    city: str = "",
    order: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    with_figures: bool = False,
    **value: Any,
) -> dict[str, Any]:
    """One page of ``customer_list``: keyset-paginated, each scope part walking its own index;
    a search takes its index path (``customers.search.prepare``). ``with_figures`` reads each row's
    value figures and grade with it (the list's value columns); ``value``: the value filters."""
    base = customer_list(
        actor=actor, owner_id=owner_id, team_id=team_id, tag_id=tag_id, province=province, city=city, **value
    )
    if with_figures:
        base = base.select_related("value", "grade")
    qs, parts, plan = search.prepare(base, q, actor=actor, parts=access.scope_parts(actor, Customer))
    return paginate(qs, ordering=CUSTOMER_ORDERING, order=order, limit=limit, cursor=cursor, parts=parts, plan=plan)


def customer_get(*, actor: User | Any, pk: UUID | str) -> Customer:
    return access.get_visible(actor, Customer.objects.select_related("owner", "team", "updated_by"), pk=pk)


def customer_history(*, actor: User | Any, customer: Customer) -> QuerySet[AuditEntry]:
    access.ensure(actor, "view", customer)
    return record_audit_trail(record=customer)


# --- contacts and posts -------------------------------------------------------------------

INTERACTION_ORDERING = Ordering(fields={"occurred_at": "occurred_at:datetime"}, default="-occurred_at")


CONTACT_ORDERING = Ordering(fields={"created_at": "created_at:datetime"}, default="-created_at")


def contact_search_q(q: str) -> Q:
    """Contacts by name, pinyin, initials, e-mail, or mobile by its start or its end."""
    term = search.parse(q)
    if term.kind == "none":
        return Q()
    if term.kind == "phone":
        start = term.alternatives[0]
        ends = "".join(reversed(term.value))
        return Q(mobile_e164__gte=start, mobile_e164__lt=start + ":") | Q(mobile_e164__endswith=ends)
    text = " ".join(q.split())
    lowered = text.lower().replace(" ", "")
    return (
        Q(name__contains=text)
        | Q(name_pinyin__startswith=lowered)
        | Q(name_initials__startswith=lowered)
        | Q(email__istartswith=text)
    )


def contact_page(
    *, actor: User | Any, q: str = "", limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> dict[str, Any]:
    """Contacts at customers the actor sees, searched; newest first."""
    contacts = access.scope(actor, Contact.objects.all())
    if q:
        contacts = contacts.filter(contact_search_q(q))
    return paginate(contacts, ordering=CONTACT_ORDERING, order=None, limit=limit, cursor=cursor)


def contact_get(*, actor: User | Any, pk: UUID | str) -> Contact:
    return access.get_visible(actor, Contact.objects.all(), pk=pk)


def contact_list(*, actor: User | Any, customer: Customer, current_only: bool = False) -> QuerySet[Position]:
    """The customer's people as their posts there (newest first); each post carries its contact."""
    access.ensure(actor, "view", customer)
    posts = Position.objects.filter(customer=customer).select_related("contact")
    return posts.filter(ended_on__isnull=True) if current_only else posts


def position_get(*, actor: User | Any, pk: UUID | str) -> Position:
    return access.get_visible(actor, Position.objects.select_related("contact", "customer"), pk=pk)


def position_list(*, actor: User | Any, contact: Contact) -> QuerySet[Position]:
    """Every post the contact held, at customers the actor can see, newest first."""
    access.ensure(actor, "view", contact)
    return access.scope(actor, Position.objects.filter(contact=contact).select_related("customer"))


# --- interactions -------------------------------------------------------------------------


def interaction_get(*, actor: User | Any, pk: UUID | str) -> Interaction:
    return access.get_visible(actor, Interaction.objects.select_related("contact", "created_by"), pk=pk)


def interaction_page(
    *, actor: User | Any, customer: Customer, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> dict[str, Any]:
    """The customer's interactions, newest first: the first item is the last conversation."""
    access.ensure(actor, "view", customer)
    interactions = Interaction.objects.filter(customer=customer).select_related("contact", "created_by")
    return paginate(interactions, ordering=INTERACTION_ORDERING, order=None, limit=limit, cursor=cursor)


# --- relationships and the network ----------------------------------------------------------

NETWORK_MAX_NODES = 200


@dataclass(frozen=True)
class NetworkNode:
    id: UUID
    name: str
    hops: int


@dataclass(frozen=True)
class NetworkEdge:
    id: UUID
    source: UUID
    target: UUID
    kind: str
    label: str


@dataclass(frozen=True)
class Network:
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    truncated: bool


def _visible_customer_ids(actor: User | Any) -> QuerySet[Customer, Any]:
    return access.scope(actor, Customer.objects.all()).values("pk")


def relationship_get(*, actor: User | Any, pk: UUID | str) -> CustomerRelationship:
    relations = CustomerRelationship.objects.filter(to_customer__in=_visible_customer_ids(actor))
    return access.get_visible(actor, relations.select_related("from_customer", "to_customer"), pk=pk)


def relationship_list(*, actor: User | Any, customer: Customer) -> QuerySet[CustomerRelationship]:
    """The customer's relationships in both directions, only where the other customer is visible too."""
    access.ensure(actor, "view", customer)
    relations = CustomerRelationship.objects.filter(Q(from_customer=customer) | Q(to_customer=customer))
    relations = relations.filter(to_customer__in=_visible_customer_ids(actor))
    return access.scope(actor, relations.select_related("from_customer", "to_customer"))


def customer_network(*, actor: User | Any, customer: Customer, depth: int = 2) -> Network:
    """Customers related to ``customer`` up to ``depth`` hops (either direction), visible ones only.

    One query per hop; hidden customers are neither shown nor walked through.
    """
    access.ensure(actor, "view", customer)
    visible = _visible_customer_ids(actor)
    names = {customer.pk: customer.name}
    hops = {customer.pk: 0}
    edges: dict[UUID, NetworkEdge] = {}
    frontier = {customer.pk}
    truncated = False
    for hop in range(1, depth + 1):
        relations = CustomerRelationship.objects.filter(
            Q(from_customer__in=frontier) | Q(to_customer__in=frontier),
            from_customer__in=visible,
            to_customer__in=visible,
        ).select_related("from_customer", "to_customer")[: NETWORK_MAX_NODES * 2]
        found: set[UUID] = set()
        for relation in relations:
            edges[relation.pk] = NetworkEdge(
                relation.pk,
                relation.from_customer_id,
                relation.to_customer_id,
                relation.kind,
                relation.label or relation.get_kind_display(),
            )
            for end in (relation.from_customer, relation.to_customer):
                if end.pk not in hops:
                    if len(hops) >= NETWORK_MAX_NODES:
                        truncated = True
                        continue
                    hops[end.pk], names[end.pk] = hop, end.name
                    found.add(end.pk)
        frontier = found
        if not frontier:
            break
    kept = [edge for edge in edges.values() if edge.source in hops and edge.target in hops]
    nodes = [NetworkNode(pk, names[pk], hops[pk]) for pk in hops]
    return Network(nodes=nodes, edges=kept, truncated=truncated)


def contact_relationship_list(*, actor: User | Any, contact: Contact) -> QuerySet[ContactRelationship]:
    access.ensure(actor, "view", contact)
    visible = access.scope(actor, Contact.objects.all()).values("pk")
    relations = ContactRelationship.objects.filter(Q(from_contact=contact) | Q(to_contact=contact))
    relations = relations.filter(to_contact__in=visible)
    return access.scope(actor, relations.select_related("from_contact", "to_contact"))


def contact_relationship_get(*, actor: User | Any, pk: UUID | str) -> ContactRelationship:
    visible = access.scope(actor, Contact.objects.all()).values("pk")
    relations = ContactRelationship.objects.filter(to_contact__in=visible)
    return access.get_visible(actor, relations.select_related("from_contact", "to_contact"), pk=pk)


# --- tags ------------------------------------------------------------------------------------


def tag_groups(*, actor: User | Any) -> QuerySet[TagGroup]:
    """Every tag group with its tags (settings data: any active user sees them)."""
    if access.active_user(actor) is None:
        return TagGroup.objects.none()
    return TagGroup.objects.prefetch_related("tags")


def tag_get(*, actor: User | Any, pk: int) -> Tag:
    tag = Tag.objects.filter(pk=pk).select_related("group").first() if access.active_user(actor) else None
    if tag is None:
        raise NotFound()
    return tag


def tag_group_get(*, actor: User | Any, pk: int) -> TagGroup:
    group = TagGroup.objects.filter(pk=pk).first() if access.active_user(actor) else None
    if group is None:
        raise NotFound()
    return group


def customer_tags(*, actor: User | Any, customer: Customer) -> QuerySet[CustomerTag]:
    access.ensure(actor, "view", customer)
    return CustomerTag.objects.filter(customer=customer).select_related("tag", "tag__group").order_by("tag__name")


def tag_rule_list(*, actor: User | Any) -> QuerySet[TagRule]:
    access.ensure_perm(actor, Perm.MANAGE_SETTINGS)
    return TagRule.objects.select_related("tag").order_by("name")


def tag_rule_get(*, actor: User | Any, pk: UUID | str) -> TagRule:
    rule = tag_rule_list(actor=actor).filter(pk=pk).first()
    if rule is None:
        raise NotFound()
    return rule


# --- merges ----------------------------------------------------------------------------------


def merge_get(*, actor: User | Any, pk: UUID | str) -> MergeRecord:
    """A merge, visible exactly when its surviving record is (once that is gone: to whoever merged)."""
    user = access.active_user(actor)
    merge = MergeRecord.objects.select_related("merged_by", "undone_by").filter(pk=pk).first() if user else None
    if user is None or merge is None:
        raise NotFound()
    model: type[Customer | Contact] = Customer if merge.kind == MergeKind.CUSTOMER else Contact
    survivor = model._base_manager.filter(pk=merge.survivor_id).first()
    if survivor is not None:
        access.ensure(actor, "view", survivor)
    elif merge.merged_by_id != user.pk:
        raise NotFound()
    return merge


def merge_sides_exist(*, merge: MergeRecord) -> tuple[bool, bool]:
    """Whether the surviving and the absorbed record exist now (the absorbed one again after an undo)."""
    model: type[Customer | Contact] = Customer if merge.kind == MergeKind.CUSTOMER else Contact
    found = set(model._base_manager.filter(pk__in=[merge.survivor_id, merge.absorbed_id]).values_list("pk", flat=True))
    return merge.survivor_id in found, merge.absorbed_id in found
