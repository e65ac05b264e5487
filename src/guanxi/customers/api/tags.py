"""/api/v1/tags, /api/v1/tag-rules and a customer's tags."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status

from guanxi.accounts.api_auth import request_user
from guanxi.core.pagination import Page, bounded
from guanxi.customers import selectors, services, tasks
from guanxi.customers.models import CustomerTag, Tag, TagGroup, TagRule
from guanxi.customers.schemas import (
    CustomerTagIn,
    CustomerTagOut,
    TagGroupIn,
    TagGroupOut,
    TagIn,
    TagOut,
    TagRename,
    TagRuleIn,
    TagRuleOut,
)

tags = Router(tags=["tags"])
rules = Router(tags=["tags"])
customer_tags = Router(tags=["tags"])


@tags.get("", response=Page[TagGroupOut])
def tag_list(request: HttpRequest) -> dict[str, object]:
    """Every tag group with its tags."""
    return bounded(selectors.tag_groups(actor=request_user(request)))


@tags.post("/groups", response={201: TagGroupOut})
def tag_group_create(request: HttpRequest, payload: TagGroupIn) -> Status[TagGroup]:
    return Status(
        201, services.tag_group_create(actor=request_user(request), name=payload.name, name_en=payload.name_en)
    )


@tags.post("", response={201: TagOut})
def tag_create(request: HttpRequest, payload: TagIn) -> Status[Tag]:
    actor = request_user(request)
    group = selectors.tag_group_get(actor=actor, pk=payload.group_id)
    return Status(201, services.tag_create(actor=actor, group=group, name=payload.name, name_en=payload.name_en))


@customer_tags.get("/{customer_id}/tags", response=Page[CustomerTagOut])
def customer_tag_list(request: HttpRequest, customer_id: UUID) -> dict[str, object]:
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    return bounded(selectors.customer_tags(actor=actor, customer=customer))


@customer_tags.post("/{customer_id}/tags", response={201: CustomerTagOut})
def customer_tag_add(request: HttpRequest, customer_id: UUID, payload: CustomerTagIn) -> Status[CustomerTag]:
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    tag = selectors.tag_get(actor=actor, pk=payload.tag_id)
    return Status(201, services.customer_tag_add(actor=actor, customer=customer, tag=tag))


@customer_tags.delete("/{customer_id}/tags/{tag_id}", response={204: None})
def customer_tag_remove(request: HttpRequest, customer_id: UUID, tag_id: int) -> Status[None]:
    actor = request_user(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    tag = selectors.tag_get(actor=actor, pk=tag_id)
    services.customer_tag_remove(actor=actor, customer=customer, tag=tag)
    return Status(204, None)


@rules.get("", response=Page[TagRuleOut])
def tag_rule_list(request: HttpRequest) -> dict[str, object]:
    return bounded(selectors.tag_rule_list(actor=request_user(request)))


@rules.post("", response={201: TagRuleOut})
def tag_rule_create(request: HttpRequest, payload: TagRuleIn) -> Status[TagRule]:
    """Save a rule and run it in the background; its tags appear when the worker is done."""
    actor = request_user(request)
    tag = selectors.tag_get(actor=actor, pk=payload.tag_id)
    rule = services.tag_rule_save(
        actor=actor,
        rule=None,
        name=payload.name,
        tag=tag,
        match_all=payload.match_all,
        is_active=payload.is_active,
        conditions=[condition.model_dump() for condition in payload.conditions],
    )
    tasks.tag_rule_run(str(rule.pk))
    return Status(201, selectors.tag_rule_get(actor=actor, pk=rule.pk))


@rules.post("/{rule_id}/apply", response={202: TagRuleOut})
def tag_rule_apply(request: HttpRequest, rule_id: UUID) -> Status[Any]:
    actor = request_user(request)
    rule = selectors.tag_rule_get(actor=actor, pk=rule_id)
    tasks.tag_rule_run(str(rule.pk))
    return Status(202, selectors.tag_rule_get(actor=actor, pk=rule.pk))


@tags.patch("/groups/{group_id}", response=TagGroupOut)
def tag_group_update(request: HttpRequest, group_id: int, payload: TagRename) -> TagGroup:
    actor = request_user(request)
    group = selectors.tag_group_get(actor=actor, pk=group_id)
    return services.tag_group_update(actor=actor, group=group, name=payload.name, name_en=payload.name_en)


@tags.delete("/groups/{group_id}", response={204: None})
def tag_group_delete(request: HttpRequest, group_id: int) -> Status[None]:
    """Delete an empty tag group (409 while it has tags)."""
    actor = request_user(request)
    services.tag_group_delete(actor=actor, group=selectors.tag_group_get(actor=actor, pk=group_id))
    return Status(204, None)


@tags.patch("/{tag_id}", response=TagOut)
def tag_update(request: HttpRequest, tag_id: int, payload: TagRename) -> Tag:
    actor = request_user(request)
    tag = selectors.tag_get(actor=actor, pk=tag_id)
    return services.tag_update(actor=actor, tag=tag, name=payload.name, name_en=payload.name_en)


@tags.delete("/{tag_id}", response={204: None})
def tag_delete(request: HttpRequest, tag_id: int) -> Status[None]:
    """Delete a tag: it is removed from every customer, and its rules are deleted."""
    actor = request_user(request)
    services.tag_delete(actor=actor, tag=selectors.tag_get(actor=actor, pk=tag_id))
    return Status(204, None)


@rules.get("/{rule_id}", response=TagRuleOut)
def tag_rule_get(request: HttpRequest, rule_id: UUID) -> TagRule:
    return selectors.tag_rule_get(actor=request_user(request), pk=rule_id)


@rules.put("/{rule_id}", response=TagRuleOut)
def tag_rule_update(request: HttpRequest, rule_id: UUID, payload: TagRuleIn) -> TagRule:
    """Replace a rule's name, tag and conditions, then run it again in the background."""
    actor = request_user(request)
    rule = selectors.tag_rule_get(actor=actor, pk=rule_id)
    services.tag_rule_save(
        actor=actor,
        rule=rule,
        name=payload.name,
        tag=selectors.tag_get(actor=actor, pk=payload.tag_id),
        match_all=payload.match_all,
        is_active=payload.is_active,
        conditions=[condition.model_dump() for condition in payload.conditions],
    )
    tasks.tag_rule_run(str(rule.pk))
    return selectors.tag_rule_get(actor=actor, pk=rule.pk)


@rules.delete("/{rule_id}", response={204: None})
def tag_rule_delete(request: HttpRequest, rule_id: UUID) -> Status[None]:
    """Delete a rule and the tags it gave; tags given by hand stay."""
    actor = request_user(request)
    services.tag_rule_delete(actor=actor, rule=selectors.tag_rule_get(actor=actor, pk=rule_id))
    return Status(204, None)
