"""Tags: groups and tags (settings), manual tagging, and rules that tag customers in bulk.

A rule's conditions are data, not code: each names a field from ``RULE_FIELDS``, an operator that
fits the field's kind and a value; they become one ``Q`` and are applied set-based, so a rule
over a million customers is a few statements, not a loop.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import InvalidInput, field_error
from guanxi.core.records import record_create, record_update
from guanxi.customers.models import Customer, CustomerTag, Tag, TagGroup, TagRule, TagSource

# Public field name → (ORM path, kind). Facts are the derived figures in CustomerFacts.
RULE_FIELDS: dict[str, tuple[str, str]] = {
    "kind": ("kind", "text"),
    "industry": ("industry", "text"),
    "size": ("size", "text"),
    "province": ("province", "text"),
    "city": ("city", "text"),
    "source": ("source", "text"),
    "interactions_count": ("facts__interactions_count", "number"),
    "orders_count": ("facts__orders_count", "number"),
    "revenue": ("facts__revenue", "number"),
    "last_touch_at": ("facts__last_touch_at", "time"),
    "last_purchase_on": ("facts__last_purchase_on", "time"),
}
OPERATORS = {
    "text": {"eq", "ne", "in"},
    "number": {"eq", "gt", "gte", "lt", "lte"},
    "time": {"older_than_days", "within_days", "is_empty"},
}
MAX_CONDITIONS = 20
BATCH = 5000


def _invalid(index: int, message: str) -> InvalidInput:
    return field_error(["conditions", index], message)


def _number(index: int, value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _invalid(index, _("The value must be a number.")) from None
    if not number.is_finite():
        raise _invalid(index, _("The value must be a number."))
    return number


def _condition_q(index: int, condition: Any) -> Q:
    if not isinstance(condition, dict) or set(condition) - {"field", "op", "value"}:
        raise _invalid(index, _("A condition has a field, an operator and a value."))
    field, op, value = condition.get("field"), condition.get("op"), condition.get("value")
    if field not in RULE_FIELDS:
        raise _invalid(index, _("Unknown field."))
    path, kind = RULE_FIELDS[field]
    if op not in OPERATORS[kind]:
        raise _invalid(index, _("This operator does not fit the field."))
    if kind == "text":
        values = value if op == "in" else [value]
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and len(v) <= 100 for v in values):
            raise _invalid(index, _("The value must be text (a list of texts for “in”)."))
        if op == "in":
            return Q(**{f"{path}__in": values})
        return ~Q(**{path: value}) if op == "ne" else Q(**{path: value})
    if kind == "number":
        return Q(**{path if op == "eq" else f"{path}__{op}": _number(index, value)})
    if op == "is_empty":
        return Q(**{f"{path}__isnull": True})
    days = _number(index, value)
    if days < 0 or days > 36500 or days != days.to_integral_value():
        raise _invalid(index, _("The value must be a whole number of days."))
    cutoff = timezone.now() - timedelta(days=int(days))
    return Q(**{f"{path}__lt": cutoff}) if op == "older_than_days" else Q(**{f"{path}__gte": cutoff})


def rule_q(conditions: Any, match_all: bool) -> Q:
    """The filter for a rule's conditions; raises ``InvalidInput`` naming the bad condition."""
    if not isinstance(conditions, list) or not 1 <= len(conditions) <= MAX_CONDITIONS:
        raise InvalidInput(
            _("A rule has 1 to %(max)d conditions.") % {"max": MAX_CONDITIONS},
            errors=[{"loc": ["conditions"], "msg": _("A rule has 1 to %(max)d conditions.") % {"max": MAX_CONDITIONS}}],
        )
    parts = [_condition_q(index, condition) for index, condition in enumerate(conditions)]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part if match_all else combined | part
    return combined


# --- settings: groups, tags, rules ---------------------------------------------------------


@transaction.atomic
def tag_group_create(*, actor: User, name: str, name_en: str = "") -> TagGroup:
    access.ensure_perm(actor, Perm.MANAGE_SETTINGS)
    if TagGroup.objects.filter(name=name.strip()).exists():
        raise InvalidInput(_("This name is taken."), errors=[{"loc": ["name"], "msg": _("This name is taken.")}])
    return TagGroup.objects.create(name=name.strip(), name_en=name_en.strip())


@transaction.atomic
def tag_create(*, actor: User, group: TagGroup, name: str, name_en: str = "") -> Tag:
    access.ensure_perm(actor, Perm.MANAGE_SETTINGS)
    if Tag.objects.filter(group=group, name=name.strip()).exists():
        raise InvalidInput(_("This name is taken."), errors=[{"loc": ["name"], "msg": _("This name is taken.")}])
    return Tag.objects.create(group=group, name=name.strip(), name_en=name_en.strip())


@transaction.atomic
def tag_rule_save(
    *,
    actor: User,
    rule: TagRule | None,
    name: str,
    tag: Tag,
    conditions: list[Any],
    match_all: bool = True,
    is_active: bool = True,
) -> TagRule:
    access.ensure_perm(actor, Perm.MANAGE_SETTINGS)
    rule_q(conditions, match_all)
    values = {
        "name": name.strip(),
        "tag": tag,
        "conditions": conditions,
        "match_all": match_all,
        "is_active": is_active,
    }
    if rule is None:
        return record_create(actor=actor, instance=TagRule(**values))
    return record_update(actor=actor, instance=rule, changes=values, expected_version=rule.version)


# --- tagging ---------------------------------------------------------------------------------


@transaction.atomic
def customer_tag_add(*, actor: User, customer: Customer, tag: Tag) -> CustomerTag:
    """Tag by hand; a tag a rule had set becomes manual, so the rule no longer removes it."""
    access.ensure(actor, "change", customer)
    row, created = CustomerTag.objects.get_or_create(
        customer=customer,
        tag=tag,
        defaults={"source": TagSource.MANUAL, "tagged_by": actor, "tagged_at": timezone.now()},
    )
    if not created and row.source != TagSource.MANUAL:
        CustomerTag.objects.filter(pk=row.pk).update(source=TagSource.MANUAL, rule=None, tagged_by=actor)
        row.refresh_from_db()
    return row


@transaction.atomic
def customer_tag_remove(*, actor: User, customer: Customer, tag: Tag) -> None:
    access.ensure(actor, "change", customer)
    CustomerTag.objects.filter(customer=customer, tag=tag).delete()


@transaction.atomic
def tag_rule_apply(*, rule: TagRule) -> int:
    """Bring the rule's tags in line with its conditions (system job); returns how many customers carry them."""
    matching = Customer.objects.filter(rule_q(rule.conditions, rule.match_all)).values("pk")
    CustomerTag.objects.filter(rule=rule, source=TagSource.RULE).exclude(customer_id__in=matching).delete()
    already = CustomerTag.objects.filter(tag=rule.tag).values("customer_id")
    now = timezone.now()
    new_ids = Customer.objects.filter(pk__in=matching).exclude(pk__in=already).values_list("pk", flat=True)
    batch: list[CustomerTag] = []
    for customer_id in new_ids.iterator(chunk_size=BATCH):
        batch.append(
            CustomerTag(customer_id=customer_id, tag=rule.tag, source=TagSource.RULE, rule=rule, tagged_at=now)
        )
        if len(batch) >= BATCH:
            CustomerTag.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    CustomerTag.objects.bulk_create(batch, ignore_conflicts=True)
    count = CustomerTag.objects.filter(rule=rule).count()
    TagRule.objects.filter(pk=rule.pk).update(last_run_at=now, last_count=count)
    return count


def tag_rules_apply_all() -> int:
    """Every active rule, one after another (the nightly job)."""
    return sum(tag_rule_apply(rule=rule) for rule in TagRule.objects.filter(is_active=True).select_related("tag"))


@transaction.atomic
def tag_group_update(*, actor: User, group: TagGroup, name: str | None = None, name_en: str | None = None) -> TagGroup:
    access.ensure_perm(actor, Perm.MANAGE_SETTINGS)
    if name is not None:
        if not name.strip():
            raise field_error("name", _("Name is required."))
        if TagGroup.objects.filter(name=name.strip()).exclude(pk=group.pk).exists():
            raise field_error("name", _("This name is taken."))
        group.name = name.strip()
    if name_en is not None:
        group.name_en = name_en.strip()
    group.save()
    return group


@transaction.atomic
def tag_update(*, actor: User, tag: Tag, name: str | None = None, name_en: str | None = None) -> Tag:
    access.ensure_perm(actor, Perm.MANAGE_SETTINGS)
    if name is not None:
        if not name.strip():
            raise field_error("name", _("Name is required."))
        if Tag.objects.filter(group=tag.group_id, name=name.strip()).exclude(pk=tag.pk).exists():
            raise field_error("name", _("This name is taken."))
        tag.name = name.strip()
    if name_en is not None:
        tag.name_en = name_en.strip()
    tag.save()
    return tag
