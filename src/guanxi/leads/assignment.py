"""Lead assignment: ordered rules pick a rep or a team's pool; reps claim from the pool; idle leads go back.

Pure. ``assign`` takes the lead's values, the reps that could take it (with their open-lead counts)
and the round-robin state the caller stored after the previous call, and returns a
:class:`Decision` holding the new state to store. The first rule that decides wins; when none
does, the lead waits in the pool of ``default_team_id`` (None: the company-wide pool).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.leads.cleaning import ConfigReader, Loc, lazy_format, normalise_line

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

LeadId = TypeVar("LeadId")
Within = Literal["pool", "round_robin", "workload"]
MAX_ID = 2**63 - 1
MAX_CAP = 100_000
MAX_DAYS = 3650


@dataclass(frozen=True)
class RepLoad:
    rep_id: int
    team_id: int
    active: bool = True
    open_leads: int = 0


@dataclass(frozen=True)
class Target:
    """Exactly one of the two: a rep, or a team (whose pool or reps then take the lead)."""

    rep_id: int | None = None
    team_id: int | None = None


@dataclass(frozen=True)
class MapRule:
    """``region`` (city, then region), ``industry`` or ``segment`` (any lead value named by ``field``) → target.

    A rep target that is inactive, absent or at ``cap_per_rep`` does not match (the next rule decides);
    a team target hands the lead to that team ``within`` its pool, by round robin or by workload.
    """

    kind: Literal["region", "industry", "segment"]
    map: Mapping[str, Target]
    field: str = ""
    within: Within = "pool"
    cap_per_rep: int | None = None
    recycle_days: int | None = None
    label: str = ""


@dataclass(frozen=True)
class RoundRobin:
    """Active reps (of ``team_id``, or all) in turn, in rep id order; reps at ``cap_per_rep`` are skipped."""

    team_id: int | None = None
    cap_per_rep: int | None = None
    recycle_days: int | None = None
    label: str = ""
    kind: Literal["round_robin"] = "round_robin"


@dataclass(frozen=True)
class Workload:
    """The active rep with the fewest open leads, below ``cap_per_rep``; everyone full → the team's pool."""

    cap_per_rep: int
    team_id: int | None = None
    recycle_days: int | None = None
    label: str = ""
    kind: Literal["workload"] = "workload"


@dataclass(frozen=True)
class Pool:
    """Straight to a team's pool (None: the default team's) for reps to claim."""

    team_id: int | None = None
    recycle_days: int | None = None
    label: str = ""
    kind: Literal["pool"] = "pool"


Rule = MapRule | RoundRobin | Workload | Pool


@dataclass(frozen=True)
class AssignmentConfig:
    rules: tuple[Rule, ...]
    default_team_id: int | None = None
    claim_limit: int | None = 20  # open leads a rep may hold from the pool; None: no limit
    recycle_days: int = 7  # no follow-up within this many days → back to the pool; 0: never; rules may override


@dataclass(frozen=True)
class Decision:
    rep_id: int | None  # None: the lead waits in the pool of team_id
    team_id: int | None  # None with no rep: the company-wide pool
    rule: str  # the rule's label, or its kind; "default" when no rule decided
    rule_index: int | None
    reason: StrOrPromise
    new_state: dict[str, int]  # store it and pass it to the next call
    recycle_days: int


def default_config() -> AssignmentConfig:
    """Every active rep by workload, at most 50 open leads each; the rest wait in the pool."""
    return AssignmentConfig(rules=(Workload(cap_per_rep=50),))


# --- deciding -----------------------------------------------------------------------------

_PLACE_SUFFIX = re.compile(r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|省|市)$")


def place_key(text: str) -> str:
    """``"广东省"``, ``"广东"`` and ``" 广东 "`` compare equal; Latin names compare case-insensitively."""
    folded = normalise_line(text or "").casefold()
    stripped = _PLACE_SUFFIX.sub("", folded)
    return stripped or folded


def _value_key(text: str) -> str:
    return normalise_line(text or "").casefold()


def _round_robin(
    reps: Sequence[RepLoad], cap: int | None, state: dict[str, int], key: str
) -> tuple[RepLoad | None, dict[str, int]]:
    eligible = sorted((r for r in reps if r.active and (cap is None or r.open_leads < cap)), key=lambda r: r.rep_id)
    if not eligible:
        return None, state
    last = state.get(key)
    chosen = next((r for r in eligible if last is not None and r.rep_id > last), eligible[0])
    return chosen, {**state, key: chosen.rep_id}


def _least_loaded(reps: Sequence[RepLoad], cap: int | None) -> RepLoad | None:
    eligible = [r for r in reps if r.active and (cap is None or r.open_leads < cap)]
    return min(eligible, key=lambda r: (r.open_leads, r.rep_id), default=None)


def _in_team(candidates: Sequence[RepLoad], team_id: int | None) -> list[RepLoad]:
    return [r for r in candidates if team_id is None or r.team_id == team_id]


def _map_target(rule: MapRule, values: Mapping[str, str | None]) -> tuple[str, Target] | None:
    if rule.kind == "region":
        keys = {place_key(k): t for k, t in rule.map.items()}
        for name in ("city", "region"):
            value = values.get(name) or ""
            if value.strip() and place_key(value) in keys:
                return value, keys[place_key(value)]
        return None
    name = rule.field or rule.kind
    value = values.get(name) or ""
    folded = {_value_key(k): t for k, t in rule.map.items()}
    return (value, folded[_value_key(value)]) if value.strip() and _value_key(value) in folded else None


def _within_team(
    how: Within, team_id: int | None, cap: int | None, candidates: Sequence[RepLoad], state: dict[str, int]
) -> tuple[RepLoad | None, dict[str, int]]:
    reps = _in_team(candidates, team_id)
    if how == "round_robin":
        return _round_robin(reps, cap, state, f"rr:{'all' if team_id is None else team_id}")
    if how == "workload":
        return _least_loaded(reps, cap), state
    return None, state


def _decide(
    rule: Rule,
    values: Mapping[str, str | None],
    candidates: Sequence[RepLoad],
    state: dict[str, int],
    default: int | None,
) -> tuple[RepLoad | None, int | None, StrOrPromise, dict[str, int]] | None:
    """(rep, pool team, why, state) when the rule decides; None to let the next rule decide."""
    if isinstance(rule, Pool):
        team = default if rule.team_id is None else rule.team_id
        return None, team, _("Sent to the pool by rule."), state
    if isinstance(rule, RoundRobin | Workload):
        how: Within = "round_robin" if isinstance(rule, RoundRobin) else "workload"
        rep, new_state = _within_team(how, rule.team_id, rule.cap_per_rep, candidates, state)
        if rep is not None:
            return rep, None, (_("Next in turn.") if how == "round_robin" else _("Fewest open leads.")), new_state
        team = default if rule.team_id is None else rule.team_id
        return None, team, _("Every rep is inactive or at the cap: sent to the pool."), state
    hit = _map_target(rule, values)
    if hit is None:
        return None
    value, target = hit
    why = {"value": value}
    if target.rep_id is not None:
        rep = next((r for r in candidates if r.rep_id == target.rep_id), None)
        usable = rep is not None and rep.active and (rule.cap_per_rep is None or rep.open_leads < rule.cap_per_rep)
        return (rep, None, lazy_format(_("Matched “%(value)s”."), why), state) if usable else None
    rep, new_state = _within_team(rule.within, target.team_id, rule.cap_per_rep, candidates, state)
    if rep is not None:
        return rep, None, lazy_format(_("Matched “%(value)s”; a rep of the team took it."), why), new_state
    return None, target.team_id, lazy_format(_("Matched “%(value)s”: sent to the team's pool."), why), state


def assign(
    lead_values: Mapping[str, str | None],
    candidates: Sequence[RepLoad],
    state: Mapping[str, int] | None = None,
    config: AssignmentConfig | None = None,
) -> Decision:
    """Run the rules in order; the first that decides wins, otherwise the default team's pool."""
    config = config or default_config()
    current = dict(state or {})
    for index, rule in enumerate(config.rules):
        decided = _decide(rule, lead_values, candidates, current, config.default_team_id)
        if decided is None:
            continue
        rep, pool_team, why, new_state = decided
        days = config.recycle_days if rule.recycle_days is None else rule.recycle_days
        return Decision(
            rep_id=None if rep is None else rep.rep_id,
            team_id=pool_team if rep is None else rep.team_id,
            rule=rule.label or rule.kind,
            rule_index=index,
            reason=why,
            new_state=new_state,
            recycle_days=days,
        )
    return Decision(
        rep_id=None,
        team_id=config.default_team_id,
        rule="default",
        rule_index=None,
        reason=_("No rule matched: sent to the pool."),
        new_state=current,
        recycle_days=config.recycle_days,
    )


def recycle_due(leads: Sequence[tuple[LeadId, datetime, datetime | None]], now: datetime, days: int) -> list[LeadId]:
    """Leads whose last follow-up (or, without one, their claim) is ``days`` or more before ``now``.

    A follow-up older than the claim does not count (it was the previous owner's). ``days <= 0``: none.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if days <= 0:
        return []
    cutoff = now - timedelta(days=days)
    due: list[LeadId] = []
    for lead_id, claimed_at, followed_up_at in leads:
        last = claimed_at if followed_up_at is None else max(claimed_at, followed_up_at)
        if last <= cutoff:
            due.append(lead_id)
    return due


def claim_allowed(rep_open_claimed: int, limit: int | None) -> bool:
    """May a rep holding ``rep_open_claimed`` open leads from the pool claim one more?"""
    return limit is None or rep_open_claimed < limit


# --- JSON ---------------------------------------------------------------------------------

_RULE_KEYS: Mapping[str, tuple[str, ...]] = {
    "region": ("map", "within", "cap_per_rep"),
    "industry": ("map", "within", "cap_per_rep"),
    "segment": ("map", "field", "within", "cap_per_rep"),
    "round_robin": ("team_id", "cap_per_rep"),
    "workload": ("team_id", "cap_per_rep"),
    "pool": ("team_id",),
}


def config_from_json(data: object) -> AssignmentConfig:
    """Validate untrusted JSON; raises ``InvalidInput`` listing every wrong setting with its path."""
    reader = ConfigReader()
    keys = ("rules", "default_team_id", "claim_limit", "recycle_days")
    obj = reader.mapping(data, (), keys, required=("rules",))
    if obj is None:
        reader.finish()
    obj = obj or {}
    rules = []
    for index, item in enumerate(reader.listing(obj.get("rules", []), ("rules",), max_items=50)):
        rule = _read_rule(reader, item, ("rules", index))
        if rule is not None:
            rules.append(rule)
    config = AssignmentConfig(
        rules=tuple(rules),
        default_team_id=reader.optional_integer(obj, "default_team_id", (), lo=1, hi=MAX_ID),
        claim_limit=reader.optional_integer(obj, "claim_limit", (), lo=0, hi=MAX_CAP),
        recycle_days=reader.integer(obj, "recycle_days", (), 7, lo=0, hi=MAX_DAYS),
    )
    reader.finish()
    return config


def _read_rule(reader: ConfigReader, item: object, loc: Loc) -> Rule | None:
    kind = item.get("kind") if isinstance(item, Mapping) else None
    if isinstance(item, Mapping) and kind not in _RULE_KEYS:
        reader.fail((*loc, "kind"), gettext("Unknown rule kind."))
        return None
    own = _RULE_KEYS.get(str(kind), ())
    required = ("kind", "map") if "map" in own else ("kind", "cap_per_rep") if kind == "workload" else ("kind",)
    data = reader.mapping(item, loc, ("kind", "label", "recycle_days", *own), required=required)
    if data is None or not set(required) <= set(data):
        return None
    label = reader.text(data.get("label", ""), (*loc, "label"), max_len=100)
    days = reader.optional_integer(data, "recycle_days", loc, lo=0, hi=MAX_DAYS)
    cap = reader.optional_integer(data, "cap_per_rep", loc, lo=1, hi=MAX_CAP)
    if kind == "workload" and data.get("cap_per_rep") is None:
        reader.fail((*loc, "cap_per_rep"), gettext("This setting is required."))
    if kind == "pool":
        return Pool(reader.optional_integer(data, "team_id", loc, lo=1, hi=MAX_ID), days, label)
    if kind in ("round_robin", "workload"):
        team = reader.optional_integer(data, "team_id", loc, lo=1, hi=MAX_ID)
        return RoundRobin(team, cap, days, label) if kind == "round_robin" else Workload(cap or 1, team, days, label)
    within = reader.text(data.get("within", "pool"), (*loc, "within"), choices=("pool", "round_robin", "workload"))
    name = reader.text(data.get("field", ""), (*loc, "field"), max_len=50) if kind == "segment" else ""
    return MapRule(
        kind="region" if kind == "region" else "industry" if kind == "industry" else "segment",
        map=_read_map(reader, data["map"], (*loc, "map")),
        field=name,
        within="round_robin" if within == "round_robin" else "workload" if within == "workload" else "pool",
        cap_per_rep=cap,
        recycle_days=days,
        label=label,
    )


def _read_map(reader: ConfigReader, value: object, loc: Loc) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    raw = reader.mapping(value, loc, value if isinstance(value, Mapping) else ())
    if raw is None:
        return targets
    if len(raw) > 1000:
        reader.fail(loc, gettext("At most %(n)d items.") % {"n": 1000})
        return targets
    for key, item in raw.items():
        where: Loc = (*loc, str(key))
        reader.text(key, where, max_len=100, allow_empty=False)
        target = reader.mapping(item, where, ("rep", "team"))
        if target is None:
            continue
        if len(set(target) & {"rep", "team"}) != 1:
            reader.fail(where, gettext("Give either a rep or a team."))
            continue
        which = "rep" if "rep" in target else "team"
        number = reader.integer(target, which, where, 1, lo=1, hi=MAX_ID)
        targets[str(key)] = Target(rep_id=number) if which == "rep" else Target(team_id=number)
    return targets


def _target_to_json(target: Target) -> dict[str, int]:
    return {"rep": target.rep_id} if target.rep_id is not None else {"team": target.team_id or 0}


def _rule_to_json(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": rule.kind}
    if isinstance(rule, MapRule):
        out["map"] = {key: _target_to_json(target) for key, target in rule.map.items()}
        out["within"] = rule.within
        if rule.kind == "segment":
            out["field"] = rule.field
    else:
        out["team_id"] = rule.team_id
    if not isinstance(rule, Pool):
        out["cap_per_rep"] = rule.cap_per_rep
    if rule.recycle_days is not None:
        out["recycle_days"] = rule.recycle_days
    if rule.label:
        out["label"] = rule.label
    return out


def config_to_json(config: AssignmentConfig) -> dict[str, Any]:
    return {
        "rules": [_rule_to_json(rule) for rule in config.rules],
        "default_team_id": config.default_team_id,
        "claim_limit": config.claim_limit,
        "recycle_days": config.recycle_days,
    }
