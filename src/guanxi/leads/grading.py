"""Lead grading: configurable scoring rules give each lead a score, a grade letter and the "why".

Pure: ``grade(values, behaviour_counts, channel, config)`` reads nothing else. The lowest grade of
the default configuration is marked ``low_value``: a lead not worth a salesperson's time (LEAD-4).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.leads.cleaning import FIELD_LABELS, LEAD_FIELDS, ConfigReader, Loc, lazy_format, normalise_line
from guanxi.leads.models import MAX_GRADE_LENGTH, NO_GRADE

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

EVENTS: Mapping[str, StrOrPromise] = {
    "form_submitted": _("Forms submitted"),
    "email_opened": _("Emails opened"),
    "page_visit": _("Page visits"),
    "replied": _("Replies"),
}
RULE_KINDS = ("field_present", "field_equals", "field_in", "field_contains", "channel", "company_size", "behaviour")
MAX_POINTS = 1000
MAX_SCORE = 100_000


@dataclass(frozen=True)
class FieldPresent:
    field: str
    points: int
    label: str = ""
    kind: Literal["field_present"] = "field_present"


@dataclass(frozen=True)
class FieldEquals:
    field: str
    value: str
    points: int
    label: str = ""
    kind: Literal["field_equals"] = "field_equals"


@dataclass(frozen=True)
class FieldIn:
    field: str
    values: tuple[str, ...]
    points: int
    label: str = ""
    kind: Literal["field_in"] = "field_in"


@dataclass(frozen=True)
class FieldContains:
    """Any of ``words`` inside the field (case- and width-insensitive), e.g. job titles with "总监"."""

    field: str
    words: tuple[str, ...]
    points: int
    label: str = ""
    kind: Literal["field_contains"] = "field_contains"


@dataclass(frozen=True)
class ChannelPoints:
    """Points per channel kind (``by="kind"``) or per channel id (``by="id"``); others get ``default_points``."""

    points_by_channel: Mapping[str, int]
    by: Literal["kind", "id"] = "kind"
    default_points: int = 0
    label: str = ""
    kind: Literal["channel"] = "channel"


@dataclass(frozen=True)
class SizeBand:
    min: int
    max: int | None  # None: no upper bound
    points: int


@dataclass(frozen=True)
class CompanySize:
    """Points by head count, read from the free-text ``company_size`` ("50-200人", "1000+", "少于10人")."""

    bands: tuple[SizeBand, ...]
    unknown_points: int = 0
    label: str = ""
    kind: Literal["company_size"] = "company_size"


@dataclass(frozen=True)
class Behaviour:
    """Points once the lead did ``event`` at least ``min`` times."""

    event: str
    min: int
    points: int
    label: str = ""
    kind: Literal["behaviour"] = "behaviour"


Rule = FieldPresent | FieldEquals | FieldIn | FieldContains | ChannelPoints | CompanySize | Behaviour


@dataclass(frozen=True)
class Grade:
    letter: str
    min_score: int | None  # None only on the last (lowest) grade: everything below the others
    low_value: bool = False  # "do not spend a salesperson's time on it"


@dataclass(frozen=True)
class GradingConfig:
    rules: tuple[Rule, ...]
    grades: tuple[Grade, ...] = (Grade("A", 70), Grade("B", 45), Grade("C", 25), Grade("D", None, low_value=True))


@dataclass(frozen=True)
class ChannelInfo:
    kind: str
    id: str = ""


@dataclass(frozen=True)
class GradeResult:
    score: int
    grade: str
    low_value: bool
    contributions: tuple[tuple[StrOrPromise, int], ...] = field(default=())  # (why, points), in rule order


def default_config() -> GradingConfig:
    """Sensible for a Chinese B2B seller; D (below 25 points) is flagged as not worth a salesperson's time."""
    return GradingConfig(
        rules=(
            FieldPresent("phone", 15),
            FieldPresent("email", 5),
            FieldPresent("company", 10),
            FieldPresent("message", 5),
            FieldContains(
                "title",
                ("总", "经理", "总监", "主管", "负责人", "采购", "ceo", "cto", "director", "manager", "head", "vp"),
                10,
            ),
            FieldIn(
                "industry",
                ("制造业", "汽车", "电子", "医药", "能源", "化工", "manufacturing", "automotive", "electronics"),
                15,
            ),
            # By the channel's kind: people who came to us (own website, own events) before free channels
            # (referrals, directories) before paid ones (ads, bought lists).
            ChannelPoints({"self_built": 5, "free": 10, "paid": -5}),
            CompanySize(
                (
                    SizeBand(0, 9, -10),
                    SizeBand(10, 49, 0),
                    SizeBand(50, 199, 10),
                    SizeBand(200, 999, 15),
                    SizeBand(1000, None, 20),
                )
            ),
            Behaviour("replied", 1, 20),
            Behaviour("form_submitted", 1, 10),
            Behaviour("email_opened", 3, 5),
            Behaviour("page_visit", 5, 5),
        )
    )


# --- scoring ------------------------------------------------------------------------------

_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(万|千|k)?")
_BELOW = re.compile(r"少于|小于|不到|不足|以下|以内|<|under|less than|fewer than|below")


def company_headcount(text: str) -> int | None:
    """Head count from free text: ``"50-200人"`` → 50, ``"1万+"`` → 10000, ``"少于10人"`` → 9; None if no number."""
    folded = normalise_line(text or "").lower().replace(",", "")
    match = _NUMBER.search(folded)
    if match is None:
        return None
    count = float(match.group(1)) * {"万": 10_000, "千": 1000, "k": 1000}.get(match.group(2) or "", 1)
    count = min(count, 10**9)
    if _BELOW.search(folded) and len(_NUMBER.findall(folded)) == 1:
        count -= 1
    return max(int(count), 0)


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    return normalise_line(text).casefold()


def _label(rule: Rule, fallback: StrOrPromise) -> StrOrPromise:
    return rule.label or fallback


def _score_field(rule: Rule, values: Mapping[str, str]) -> tuple[StrOrPromise, int] | None:
    if not isinstance(rule, FieldPresent | FieldEquals | FieldIn | FieldContains):
        return None
    value = (values.get(rule.field) or "").strip()
    what = {"field": FIELD_LABELS[rule.field], "value": value}
    if isinstance(rule, FieldPresent):
        return (_label(rule, lazy_format(_("%(field)s given"), what)), rule.points) if value else None
    folded = _fold(value)
    if isinstance(rule, FieldContains):
        word = next((w for w in rule.words if _fold(w) and _fold(w) in folded), None)
        if word is None:
            return None
        return _label(rule, lazy_format(_("%(field)s mentions “%(word)s”"), {**what, "word": word})), rule.points
    options = (rule.value,) if isinstance(rule, FieldEquals) else rule.values
    if value and folded in {_fold(option) for option in options}:
        return _label(rule, lazy_format(_("%(field)s: %(value)s"), what)), rule.points
    return None


_KIND_LABELS: Mapping[str, StrOrPromise] = {
    "self_built": _("Self-built"),
    "free": _("Free"),
    "paid": _("Paid"),
}  # the labels of ``models.ChannelKind`` (the rules engine does not import the models)


def _score_other(
    rule: Rule, values: Mapping[str, str], counts: Mapping[str, int], channel: ChannelInfo | None
) -> tuple[StrOrPromise, int] | None:
    if isinstance(rule, ChannelPoints):
        key = "" if channel is None else channel.kind if rule.by == "kind" else channel.id
        points = rule.points_by_channel.get(key, rule.default_points)
        name = _KIND_LABELS.get(key, key) if rule.by == "kind" else key
        name = name or _("no channel")
        return (_label(rule, lazy_format(_("Channel: %(channel)s"), {"channel": name})), points) if points else None
    if isinstance(rule, CompanySize):
        size = values.get("company_size") or ""
        count = company_headcount(size)
        band = next(
            (b for b in rule.bands if count is not None and b.min <= count <= (count if b.max is None else b.max)), None
        )
        if band is None:
            return (_label(rule, _("Company size unknown")), rule.unknown_points) if rule.unknown_points else None
        return _label(rule, lazy_format(_("Company size: %(size)s"), {"size": size})), band.points
    if isinstance(rule, Behaviour):
        count = counts.get(rule.event, 0)
        if count < rule.min:
            return None
        what = {"event": EVENTS[rule.event], "count": count, "min": rule.min}
        return _label(rule, lazy_format(_("%(event)s: %(count)s (at least %(min)s)"), what)), rule.points
    return _score_field(rule, values)


def grade(
    values: Mapping[str, str | None],
    behaviour_counts: Mapping[str, int] | None = None,
    channel: ChannelInfo | str | None = None,
    config: GradingConfig | None = None,
) -> GradeResult:
    """Score a (cleaned) lead; every rule that gave points is listed in ``contributions``.

    ``channel`` is the lead's channel (a bare string is taken as its kind); ``behaviour_counts``
    maps an event of :data:`EVENTS` to how often the lead did it.
    """
    config = config or default_config()
    info = ChannelInfo(kind=channel) if isinstance(channel, str) else channel
    texts = {name: value or "" for name, value in values.items()}
    contributions = []
    for rule in config.rules:
        hit = _score_other(rule, texts, behaviour_counts or {}, info)
        if hit is not None:
            contributions.append(hit)
    score = max(-MAX_SCORE, min(MAX_SCORE, sum(points for _why, points in contributions)))
    band = next(g for g in config.grades if g.min_score is None or score >= g.min_score)
    return GradeResult(score=score, grade=band.letter, low_value=band.low_value, contributions=tuple(contributions))


# --- JSON ---------------------------------------------------------------------------------

_COMMON = ("kind", "label")
_RULE_KEYS: Mapping[str, tuple[str, ...]] = {
    "field_present": ("field", "points"),
    "field_equals": ("field", "value", "points"),
    "field_in": ("field", "values", "points"),
    "field_contains": ("field", "words", "points"),
    "channel": ("points_by_channel", "by", "default_points"),
    "company_size": ("bands", "unknown_points"),
    "behaviour": ("event", "min", "points"),
}
_OPTIONAL = {"label", "by", "default_points", "unknown_points"}


def config_from_json(data: object) -> GradingConfig:
    """Validate untrusted JSON; raises ``InvalidInput`` listing every wrong setting with its path."""
    reader = ConfigReader()
    obj = reader.mapping(data, (), ("rules", "grades"), required=("rules",))
    rules: list[Rule] = []
    grades: tuple[Grade, ...] = GradingConfig(rules=()).grades
    if obj is not None:
        for index, item in enumerate(reader.listing(obj.get("rules", []), ("rules",), max_items=100)):
            rule = _read_rule(reader, item, ("rules", index))
            if rule is not None:
                rules.append(rule)
        if "grades" in obj:
            grades = _read_grades(reader, obj["grades"])
    reader.finish()
    return GradingConfig(rules=tuple(rules), grades=grades)


def _points(reader: ConfigReader, data: Mapping[str, Any], key: str, loc: Loc) -> int:
    return reader.integer(data, key, loc, 0, lo=-MAX_POINTS, hi=MAX_POINTS)


def _read_rule(reader: ConfigReader, item: object, loc: Loc) -> Rule | None:
    kind = item.get("kind") if isinstance(item, Mapping) else None
    if isinstance(item, Mapping) and kind not in _RULE_KEYS:
        reader.fail((*loc, "kind"), gettext("Unknown rule kind."))
        return None
    keys = (*_COMMON, *_RULE_KEYS.get(str(kind), ()))
    data = reader.mapping(item, loc, keys, required=[key for key in keys if key not in _OPTIONAL])
    if data is None or not set(keys) - _OPTIONAL <= set(data):
        return None
    label = reader.text(data.get("label", ""), (*loc, "label"), max_len=100)
    if kind == "channel":
        return _read_channel(reader, data, loc, label)
    if kind == "company_size":
        bands = _read_bands(reader, data["bands"], (*loc, "bands"))
        return CompanySize(bands, _points(reader, data, "unknown_points", loc), label)
    points = _points(reader, data, "points", loc)
    if kind == "behaviour":
        event = reader.text(data["event"], (*loc, "event"), choices=EVENTS)
        return Behaviour(event, reader.integer(data, "min", loc, 1, lo=1, hi=1_000_000), points, label)
    name = reader.text(data["field"], (*loc, "field"), choices=LEAD_FIELDS)
    if kind == "field_present":
        return FieldPresent(name, points, label)
    if kind == "field_equals":
        return FieldEquals(name, reader.text(data["value"], (*loc, "value"), allow_empty=False), points, label)
    key = "values" if kind == "field_in" else "words"
    words = reader.texts(data[key], (*loc, key), max_items=500)
    return FieldIn(name, words, points, label) if kind == "field_in" else FieldContains(name, words, points, label)


def _read_channel(reader: ConfigReader, data: Mapping[str, Any], loc: Loc, label: str) -> ChannelPoints:
    by = reader.text(data.get("by", "kind"), (*loc, "by"), choices=("kind", "id"))
    table: dict[str, int] = {}
    raw = reader.mapping(data["points_by_channel"], (*loc, "points_by_channel"), data["points_by_channel"])
    if raw is not None and len(raw) > 200:
        reader.fail((*loc, "points_by_channel"), gettext("At most %(n)d items.") % {"n": 200})
    elif raw is not None:
        for key in raw:
            reader.text(key, (*loc, "points_by_channel", str(key)), max_len=100, allow_empty=False)
            table[str(key)] = _points(reader, raw, key, (*loc, "points_by_channel"))
    return ChannelPoints(table, "id" if by == "id" else "kind", _points(reader, data, "default_points", loc), label)


def _read_bands(reader: ConfigReader, value: object, loc: Loc) -> tuple[SizeBand, ...]:
    bands: list[SizeBand] = []
    for index, item in enumerate(reader.listing(value, loc, max_items=20)):
        data = reader.mapping(item, (*loc, index), ("min", "max", "points"), required=("min", "points"))
        if data is None:
            continue
        low = reader.integer(data, "min", (*loc, index), 0, lo=0, hi=10**9)
        high = reader.optional_integer(data, "max", (*loc, index), lo=0, hi=10**9)
        if high is not None and high < low:
            reader.fail((*loc, index, "max"), gettext("Must not be below the minimum."))
        if bands and (bands[-1].max is None or low <= bands[-1].max):
            reader.fail((*loc, index, "min"), gettext("Bands must be in increasing order and must not overlap."))
        bands.append(SizeBand(low, high, _points(reader, data, "points", (*loc, index))))
    return tuple(bands)


def _read_grades(reader: ConfigReader, value: object) -> tuple[Grade, ...]:
    grades: list[Grade] = []
    items = reader.listing(value, ("grades",), max_items=10)
    if len(items) < 2:
        reader.fail(("grades",), gettext("Give at least two grades."))
    for index, item in enumerate(items):
        loc: Loc = ("grades", index)
        data = reader.mapping(item, loc, ("letter", "min_score", "low_value"), required=("letter",))
        if data is None:
            continue
        letter = reader.text(
            data.get("letter", ""), (*loc, "letter"), max_len=MAX_GRADE_LENGTH, allow_empty=False
        ).strip()
        if any(grade.letter == letter for grade in grades):
            reader.fail((*loc, "letter"), gettext("Each grade needs its own letter."))
        elif letter.casefold() == NO_GRADE:
            reader.fail((*loc, "letter"), gettext("“none” stands for leads without a grade: choose another letter."))
        last = index == len(items) - 1
        min_score = reader.optional_integer(data, "min_score", loc, lo=-MAX_SCORE, hi=MAX_SCORE)
        if last and min_score is not None:
            reader.fail(
                (*loc, "min_score"), gettext("The lowest grade takes every score below the others: leave it empty.")
            )
        elif not last and min_score is None:
            reader.fail((*loc, "min_score"), gettext("This setting is required."))
        elif (
            min_score is not None and grades and grades[-1].min_score is not None and min_score >= grades[-1].min_score
        ):
            reader.fail((*loc, "min_score"), gettext("Must be lower than the grade above."))
        grades.append(Grade(letter, None if last else min_score, reader.boolean(data, "low_value", loc, False)))
    return tuple(grades)


def _rule_to_json(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": rule.kind}
    if isinstance(rule, ChannelPoints):
        out |= {"by": rule.by, "points_by_channel": dict(rule.points_by_channel), "default_points": rule.default_points}
    elif isinstance(rule, CompanySize):
        bands = [{"min": band.min, "max": band.max, "points": band.points} for band in rule.bands]
        out |= {"bands": bands, "unknown_points": rule.unknown_points}
    elif isinstance(rule, Behaviour):
        out |= {"event": rule.event, "min": rule.min, "points": rule.points}
    else:
        out |= {"field": rule.field, "points": rule.points}
        if isinstance(rule, FieldEquals):
            out["value"] = rule.value
        elif isinstance(rule, FieldIn):
            out["values"] = list(rule.values)
        elif isinstance(rule, FieldContains):
            out["words"] = list(rule.words)
    if rule.label:
        out["label"] = rule.label
    return out


def config_to_json(config: GradingConfig) -> dict[str, Any]:
    return {
        "rules": [_rule_to_json(rule) for rule in config.rules],
        "grades": [{"letter": g.letter, "min_score": g.min_score, "low_value": g.low_value} for g in config.grades],
    }
