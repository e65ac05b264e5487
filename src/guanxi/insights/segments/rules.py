"""Segment rules: the field catalogue and the translation of a rule into one ``Q`` over customers.

A rule is data, ``{"match": "all" | "any", "conditions": [{"field", "op", "value"}]}``; each field
of ``FIELDS`` names its type, the operators it takes and how it is looked up on ``Customer``. The
whole rule becomes one filter, so membership is computed set-based in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Count, F, Q, Value
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from guanxi.core.dates import day_start
from guanxi.core.errors import InvalidInput
from guanxi.customers.models import CustomerKind, CustomerSource, CustomerTag, Industry, Interaction
from guanxi.insights.models import ValueClassChoice

MAX_CONDITIONS = 20
MAX_LIST = 200
MATCHES = ("all", "any")
TEXT_OPS = ("eq", "ne", "in", "not_in", "is_empty")
NUMBER_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "between", "is_empty")
INT_OPS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between")
DATE_OPS = ("eq", "gt", "gte", "lt", "lte", "between")
KEY_OPS = ("eq", "ne", "in", "not_in")
OPS: dict[str, Promise] = {
    "eq": _lazy("is"),
    "ne": _lazy("is not"),
    "in": _lazy("is one of"),
    "not_in": _lazy("is none of"),
    "gt": _lazy("greater than"),
    "gte": _lazy("at least"),
    "lt": _lazy("less than"),
    "lte": _lazy("at most"),
    "between": _lazy("between"),
    "is_empty": _lazy("is empty"),
}
TAG_OPS: dict[str, Promise] = {
    "eq": _lazy("has the tag"),
    "ne": _lazy("lacks the tag"),
    "in": _lazy("has one of the tags"),
    "not_in": _lazy("has none of the tags"),
}


@dataclass(frozen=True)
class Field:
    """One rule field: its label, value type, operators and lookup on ``Customer``.

    ``type``: ``choice`` (one of ``choices``), ``text``, ``number``, ``integer``, ``date``,
    ``user`` / ``team`` / ``tag`` (ids), ``boolean``. ``lookup`` is the ORM path, or empty when
    ``build`` makes the filter itself.
    """

    label: Promise
    group: Promise
    type: str
    ops: tuple[str, ...]
    lookup: str = ""
    choices: tuple[tuple[str, Promise], ...] = ()
    build: Callable[[str, Any, date], Q] | None = field(default=None, compare=False)


def _growth(op: str, value: Any, today: date) -> Q:
    """growth = revenue - previous_revenue, compared as revenue against previous_revenue + value."""
    if op == "is_empty":
        return Q(value__isnull=True)
    if op == "between":
        return _growth("gte", value[0], today) & _growth("lte", value[1], today)
    shifted = F("value__previous_revenue") + Value(value)
    if op == "ne":
        return ~Q(value__revenue=shifted)
    return Q(**{"value__revenue" if op == "eq" else f"value__revenue__{op}": shifted})


def _days_ago(op: str, value: Any, today: date) -> Q:
    """Days since the customer was created, counted in the site's calendar days."""

    def on_or_before(days: int) -> Q:  # created on or before today - days
        return Q(created_at__lt=day_start(today - timedelta(days=days - 1)))

    if op == "between":
        return on_or_before(int(value[0])) & ~on_or_before(int(value[1]) + 1)
    days = int(value)
    exact = on_or_before(days) & ~on_or_before(days + 1)
    return {
        "eq": exact,
        "ne": ~exact,
        "gt": on_or_before(days + 1),
        "gte": on_or_before(days),
        "lt": ~on_or_before(days),
        "lte": ~on_or_before(days + 1),
    }[op]


def _created_on(op: str, value: Any, today: date) -> Q:
    if op == "between":
        return _created_on("gte", value[0], today) & _created_on("lte", value[1], today)
    day = date.fromisoformat(value)
    start, end = day_start(day), day_start(day + timedelta(days=1))
    return {
        "eq": Q(created_at__gte=start, created_at__lt=end),
        "gt": Q(created_at__gte=end),
        "gte": Q(created_at__gte=start),
        "lt": Q(created_at__lt=start),
        "lte": Q(created_at__lt=end),
    }[op]


def _tag(op: str, value: Any, today: date) -> Q:
    tags = value if op in {"in", "not_in"} else [value]
    tagged = Q(pk__in=CustomerTag.objects.filter(tag_id__in=tags).values("customer_id"))
    return tagged if op in {"eq", "in"} else ~tagged


def _interactions_90d(op: str, value: Any, today: date) -> Q:
    """Interactions logged in the 90 days up to today; customers with none count as 0."""
    counts = (
        Interaction.objects.filter(occurred_at__gte=day_start(today - timedelta(days=89)))
        .values("customer_id")
        .annotate(n=Count("id"))
    )
    zero_matches = _matches_number(0, op, value)
    if zero_matches:  # customers without interactions match: exclude those whose count does not
        return ~Q(pk__in=counts.filter(~_number_q("n", op, value)).values("customer_id"))
    return Q(pk__in=counts.filter(_number_q("n", op, value)).values("customer_id"))


def _number_q(name: str, op: str, value: Any) -> Q:
    if op == "between":
        return Q(**{f"{name}__gte": value[0], f"{name}__lte": value[1]})
    if op in {"in", "not_in"}:
        q = Q(**{f"{name}__in": value})
        return q if op == "in" else ~q
    if op == "ne":
        return ~Q(**{name: value})
    return Q(**{name if op == "eq" else f"{name}__{op}": value})


def _matches_number(number: int, op: str, value: Any) -> bool:
    checks: dict[str, Callable[[], bool]] = {
        "eq": lambda: number == value,
        "ne": lambda: number != value,
        "gt": lambda: number > value,
        "gte": lambda: number >= value,
        "lt": lambda: number < value,
        "lte": lambda: number <= value,
        "between": lambda: value[0] <= number <= value[1],
        "in": lambda: number in value,
        "not_in": lambda: number not in value,
    }
    return checks[op]()


def _overdue(op: str, value: Any, today: date) -> Q:
    overdue = Q(value__next_purchase_on__lt=today)
    return overdue if value else ~overdue


def _choices(enum: Any) -> tuple[tuple[str, Promise], ...]:
    return tuple((str(v), label) for v, label in enum.choices)


PROFILE, VALUE, GRADE, TAGS, BEHAVIOUR = (
    _lazy("Profile"),
    _lazy("Value"),
    _lazy("Grade"),
    _lazy("Tags"),
    _lazy("Behaviour"),
)


def _money(label: Promise, lookup: str) -> Field:
    return Field(label=label, group=VALUE, type="number", ops=NUMBER_OPS, lookup=lookup)


def _score(label: Promise, lookup: str) -> Field:
    return Field(label=label, group=VALUE, type="integer", ops=INT_OPS, lookup=lookup)


FIELDS: dict[str, Field] = {
    "kind": Field(_lazy("Kind"), PROFILE, "choice", TEXT_OPS, "kind", _choices(CustomerKind)),
    "industry": Field(_lazy("Industry"), PROFILE, "choice", TEXT_OPS, "industry", _choices(Industry)),
    "province": Field(_lazy("Province"), PROFILE, "text", TEXT_OPS, "province"),
    "city": Field(_lazy("City"), PROFILE, "text", TEXT_OPS, "city"),
    "source": Field(_lazy("Source"), PROFILE, "choice", TEXT_OPS, "source", _choices(CustomerSource)),
    "owner": Field(_lazy("Owner"), PROFILE, "user", KEY_OPS, "owner_id"),
    "team": Field(_lazy("Team"), PROFILE, "team", (*KEY_OPS, "is_empty"), "team_id"),
    "created_at": Field(_lazy("Created on"), PROFILE, "date", DATE_OPS, build=_created_on),
    "created_days_ago": Field(
        _lazy("Days since created"),
        PROFILE,
        "integer",
        ("eq", "ne", "gt", "gte", "lt", "lte", "between"),
        build=_days_ago,
    ),
    "profit": _money(_lazy("Profit"), "value__profit"),
    "revenue": _money(_lazy("Revenue"), "value__revenue"),
    "margin": _money(_lazy("Profit margin"), "value__margin"),
    "cost_to_serve": _money(_lazy("Cost to serve"), "value__cost_to_serve"),
    "lifetime_value": _money(_lazy("Lifetime value"), "value__lifetime_value"),
    "future_value": _money(_lazy("Predicted future value"), "value__future_value"),
    "p_alive": _money(_lazy("Probability still active"), "value__p_alive"),
    "orders": _score(_lazy("Orders in the period"), "value__orders"),
    "recency_days": Field(_lazy("Days since the last purchase"), VALUE, "integer", NUMBER_OPS, "value__recency_days"),
    "value_class": Field(
        _lazy("Value class"), VALUE, "choice", TEXT_OPS[:4], "value__value_class", _choices(ValueClassChoice)
    ),
    "profit_rank": Field(_lazy("Rank by profit"), VALUE, "integer", NUMBER_OPS, "value__profit_rank"),
    "rfm_recency": _score(_lazy("R score"), "value__rfm_recency"),
    "rfm_frequency": _score(_lazy("F score"), "value__rfm_frequency"),
    "rfm_monetary": _score(_lazy("M score"), "value__rfm_monetary"),
    "growth": Field(_lazy("Revenue growth on the previous period"), VALUE, "number", NUMBER_OPS, build=_growth),
    "grade": Field(_lazy("Grade"), GRADE, "text", TEXT_OPS, "grade__grade"),
    "tag": Field(_lazy("Tag"), TAGS, "tag", KEY_OPS, build=_tag),
    "interactions_90d": Field(
        _lazy("Interactions in the last 90 days"), BEHAVIOUR, "integer", INT_OPS, build=_interactions_90d
    ),
    "next_purchase_overdue": Field(
        _lazy("Expected next purchase is overdue"), BEHAVIOUR, "boolean", ("eq",), build=_overdue
    ),
}


def op_label(field_key: str, op: str) -> str:
    """How an operator reads for a field (tags: "has the tag" rather than "is")."""
    labels = TAG_OPS if FIELDS.get(field_key) is not None and FIELDS[field_key].type == "tag" else OPS
    return str(labels.get(op, op))


# --- validation --------------------------------------------------------------------------------


def _error(loc: list[Any], message: str) -> InvalidInput:
    return InvalidInput(_("The segment rule is not valid."), errors=[{"loc": ["rule", *loc], "msg": message}])


def _number(raw: Any, loc: list[Any], *, whole: bool) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise _error(loc, _("The value must be a number."))
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise _error(loc, _("The value must be a number.")) from None
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        raise _error(loc, _("The value must be a number."))
    if whole:
        if number != number.to_integral_value():
            raise _error(loc, _("The value must be a whole number."))
        return int(number)
    return number


def _single(spec: Field, raw: Any, loc: list[Any], known: Callable[[str, list[Any]], set[Any]]) -> Any:
    kind = spec.type
    if kind in {"number", "integer"}:
        return _number(raw, loc, whole=kind == "integer")
    if kind == "date":
        try:
            return date.fromisoformat(str(raw)).isoformat() if isinstance(raw, str) else _bad_date(loc)
        except ValueError:
            return _bad_date(loc)
    if kind in {"user", "team", "tag"}:
        key = _number(raw, loc, whole=True)
        if key not in known(kind, [key]):
            raise _error(loc, _("No such record."))
        return key
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise _error(loc, _("The value must be true or false."))
        return raw
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 100:
        raise _error(loc, _("The value must be a text of 1 to 100 characters."))
    if kind == "choice" and raw not in {value for value, _label in spec.choices}:
        raise _error(loc, _("The value must be one of the field's choices."))
    return raw.strip()


def _bad_date(loc: list[Any]) -> Any:
    raise _error(loc, _("The value must be a date (YYYY-MM-DD)."))


def _value(spec: Field, op: str, raw: Any, loc: list[Any], known: Callable[[str, list[Any]], set[Any]]) -> Any:
    if op == "is_empty":
        if raw not in (None, "", True):
            raise _error(loc, _("“is empty” takes no value."))
        return None
    if op == "between":
        if not isinstance(raw, list) or len(raw) != 2:
            raise _error(loc, _("“between” takes two values: [from, to]."))
        low, high = (_single(spec, item, [*loc, i], known) for i, item in enumerate(raw))
        if low > high:
            raise _error(loc, _("The first value must not be greater than the second."))
        return [low, high]
    if op in {"in", "not_in"}:
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LIST:
            raise _error(loc, _("This operator takes a list of 1 to %(max)d values.") % {"max": MAX_LIST})
        return [_single(spec, item, [*loc, i], known) for i, item in enumerate(raw)]
    if raw is None or isinstance(raw, list | dict):
        raise _error(loc, _("This operator takes one value."))
    return _single(spec, raw, loc, known)


def _existing(kind: str, keys: list[Any]) -> set[Any]:
    from guanxi.accounts.models import Team, User
    from guanxi.customers.models import Tag

    model: Any = {"user": User, "team": Team, "tag": Tag}[kind]
    return set(model.objects.filter(pk__in=keys).values_list("pk", flat=True))


def rule_clean(rule: Any) -> dict[str, Any]:
    """The rule in its stored form, values typed (numbers as JSON numbers); ``InvalidInput`` with
    paths such as ``["rule", "conditions", 2, "op"]`` when a part is unknown or of the wrong type."""
    if not isinstance(rule, dict) or set(rule) - {"match", "conditions"}:
        raise _error([], _("A rule has “match” and “conditions”."))
    match = rule.get("match", "all")
    if match not in MATCHES:
        raise _error(["match"], _("Match must be “all” or “any”."))
    conditions = rule.get("conditions")
    if not isinstance(conditions, list) or not 1 <= len(conditions) <= MAX_CONDITIONS:
        raise _error(["conditions"], _("A rule has 1 to %(max)d conditions.") % {"max": MAX_CONDITIONS})
    cleaned = []
    for index, condition in enumerate(conditions):
        loc: list[Any] = ["conditions", index]
        if not isinstance(condition, dict) or set(condition) - {"field", "op", "value"}:
            raise _error(loc, _("A condition has a field, an operator and a value."))
        key, op = condition.get("field"), condition.get("op")
        spec = FIELDS.get(key) if isinstance(key, str) else None
        if spec is None:
            raise _error([*loc, "field"], _("Unknown field."))
        if op not in spec.ops:
            raise _error([*loc, "op"], _("This operator does not fit the field."))
        value = _value(spec, op, condition.get("value"), [*loc, "value"], _existing)
        cleaned.append({"field": key, "op": op, "value": _jsonable(value)})
    return {"match": match, "conditions": cleaned}


def _jsonable(value: Any) -> Any:
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _condition_q(condition: dict[str, Any], today: date) -> Q:
    spec = FIELDS[condition["field"]]
    op, value = condition["op"], condition["value"]
    if spec.type == "number" and value is not None:
        value = [Decimal(str(v)) for v in value] if isinstance(value, list) else Decimal(str(value))
    if spec.build is not None:
        return spec.build(op, value, today)
    if op == "is_empty":
        if spec.type in {"text", "choice"} and "__" not in spec.lookup:
            return Q(**{spec.lookup: ""})
        return Q(**{f"{spec.lookup}__isnull": True})
    return _number_q(spec.lookup, op, value)


def segment_rule_q(rule: Any, *, today: date | None = None) -> Q:
    """The filter on ``Customer`` for a rule (validated first); ``today`` anchors relative fields."""
    cleaned = rule_clean(rule)
    day = today or timezone.localdate()
    parts = [_condition_q(condition, day) for condition in cleaned["conditions"]]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part if cleaned["match"] == "all" else combined | part
    return combined


def condition_from_text(field_key: str, op: str, text: str) -> dict[str, Any]:
    """A condition from the page's rule builder, whose values are text: lists comma-separated,
    "between" as "from, to", yes/no for true/false. ``rule_clean`` then checks it like API input."""
    spec = FIELDS.get(field_key)
    parts = [part.strip() for part in text.replace("，", ",").split(",")] if text.strip() else []
    value: Any
    if op == "is_empty":
        value = None
    elif op in {"in", "not_in", "between"}:
        value = parts
    else:
        value = text.strip()
    if spec is not None and spec.type == "boolean" and isinstance(value, str):
        truth = {"true": True, "yes": True, "1": True, "是": True, "false": False, "no": False, "0": False, "否": False}
        value = truth.get(value.lower(), value)
    return {"field": field_key, "op": op, "value": value}
