"""Lead assignment rules, the pool's claim limit and the return of idle leads to the pool."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.core.errors import InvalidInput
from guanxi.leads.assignment import (
    AssignmentConfig,
    MapRule,
    Pool,
    RepLoad,
    RoundRobin,
    Target,
    Workload,
    assign,
    claim_allowed,
    config_from_json,
    config_to_json,
    default_config,
    recycle_due,
)

PROPERTY = settings(max_examples=100, deadline=None)
EAST, SOUTH, HQ = 10, 20, 1
REPS = [
    RepLoad(1, EAST, open_leads=3),
    RepLoad(2, EAST, active=False),
    RepLoad(3, EAST, open_leads=1),
    RepLoad(4, SOUTH, open_leads=0),
]


# --- round robin --------------------------------------------------------------------------


def test_round_robin_takes_active_reps_in_turn_and_wraps() -> None:
    config = AssignmentConfig(rules=(RoundRobin(team_id=EAST),))
    state: dict[str, int] = {}
    chosen = []
    for _lead in range(5):
        decision = assign({}, REPS, state, config)
        chosen.append(decision.rep_id)
        state = decision.new_state

    assert chosen == [1, 3, 1, 3, 1]  # rep 2 is inactive, rep 4 is in another team


def test_round_robin_continues_from_the_stored_state() -> None:
    config = AssignmentConfig(rules=(RoundRobin(),))

    decision = assign({}, REPS, {"rr:all": 3}, config)

    assert (decision.rep_id, decision.team_id) == (4, SOUTH)
    assert decision.new_state == {"rr:all": 4}


def test_round_robin_survives_the_last_rep_leaving() -> None:
    config = AssignmentConfig(rules=(RoundRobin(),))

    assert assign({}, REPS, {"rr:all": 99}, config).rep_id == 1


def test_round_robin_with_everyone_at_the_cap_sends_the_lead_to_the_teams_pool() -> None:
    team_rule = AssignmentConfig(rules=(RoundRobin(team_id=EAST, cap_per_rep=1),), default_team_id=HQ)
    everyone = AssignmentConfig(rules=(RoundRobin(cap_per_rep=1), Pool(team_id=SOUTH)), default_team_id=HQ)
    busy = [RepLoad(1, EAST, open_leads=1), RepLoad(4, SOUTH, open_leads=2)]

    assert (assign({}, REPS, {}, team_rule).rep_id, assign({}, REPS, {}, team_rule).team_id) == (None, EAST)
    assert (assign({}, busy, {}, everyone).rep_id, assign({}, busy, {}, everyone).team_id) == (None, HQ)


@PROPERTY
@given(
    k=st.integers(1, 6),
    n=st.integers(0, 5),
    r=st.integers(0, 5),
    inactive=st.integers(0, 3),
    start=st.integers(0, 20),
)
def test_round_robin_is_fair(k: int, n: int, r: int, inactive: int, start: int) -> None:
    r %= k
    reps = [RepLoad(rep_id=10 + 2 * i, team_id=EAST) for i in range(k)]
    reps += [RepLoad(rep_id=11 + 2 * i, team_id=EAST, active=False) for i in range(inactive)]
    config = AssignmentConfig(rules=(RoundRobin(),))
    state = {"rr:all": start}
    counts: Counter[int | None] = Counter()
    for _lead in range(k * n + r):
        decision = assign({}, reps, state, config)
        counts[decision.rep_id] += 1
        state = decision.new_state

    assert set(counts) <= {rep.rep_id for rep in reps if rep.active}
    assert all(counts[rep.rep_id] in (n, n + 1) for rep in reps if rep.active)
    assert sum(counts.values()) == k * n + r


# --- workload -----------------------------------------------------------------------------


def test_workload_picks_the_rep_with_the_fewest_open_leads() -> None:
    config = AssignmentConfig(rules=(Workload(cap_per_rep=10, team_id=EAST),))

    assert assign({}, REPS, {}, config).rep_id == 3


@PROPERTY
@given(
    loads=st.lists(st.tuples(st.integers(0, 12), st.booleans()), min_size=0, max_size=6),
    cap=st.integers(1, 10),
    leads=st.integers(0, 60),
)
def test_workload_never_exceeds_the_cap_and_full_teams_use_the_pool(
    loads: list[tuple[int, bool]], cap: int, leads: int
) -> None:
    reps = {i + 1: RepLoad(i + 1, EAST, active, load) for i, (load, active) in enumerate(loads)}
    config = AssignmentConfig(rules=(Workload(cap_per_rep=cap),), default_team_id=HQ)
    for _lead in range(leads):
        decision = assign({}, list(reps.values()), {}, config)
        if decision.rep_id is None:
            assert decision.team_id == HQ
            assert all(rep.open_leads >= cap or not rep.active for rep in reps.values())
            continue
        before = reps[decision.rep_id]
        assert before.active
        assert before.open_leads < cap
        assert before.open_leads == min(rep.open_leads for rep in reps.values() if rep.active)
        reps[decision.rep_id] = RepLoad(before.rep_id, before.team_id, True, before.open_leads + 1)

    assert all(rep.open_leads <= max(cap, start) for rep, (start, _a) in zip(reps.values(), loads, strict=True))


# --- maps ---------------------------------------------------------------------------------


def test_region_map_matches_province_with_or_without_its_suffix() -> None:
    config = AssignmentConfig(rules=(MapRule("region", {"广东省": Target(rep_id=4)}),))

    assert assign({"region": "广东"}, REPS, {}, config).rep_id == 4
    assert assign({"region": " 广东省 "}, REPS, {}, config).rep_id == 4


def test_region_map_prefers_the_city_to_the_region() -> None:
    rule = MapRule("region", {"江苏": Target(team_id=EAST), "深圳": Target(rep_id=4)})
    config = AssignmentConfig(rules=(rule,))

    decision = assign({"city": "深圳市", "region": "江苏"}, REPS, {}, config)

    assert decision.rep_id == 4
    with translation.override("en"):
        assert str(decision.reason) == "Matched “深圳市”."
    with translation.override("zh-hans"):
        assert str(decision.reason) == "匹配“深圳市”。"


def test_mapped_rep_who_is_inactive_lets_the_next_rule_decide() -> None:
    rules = (MapRule("region", {"上海": Target(rep_id=2)}), Pool(team_id=EAST))
    config = AssignmentConfig(rules=rules, default_team_id=HQ)

    decision = assign({"region": "上海"}, REPS, {}, config)

    assert (decision.rep_id, decision.team_id, decision.rule_index) == (None, EAST, 1)


def test_team_target_goes_to_that_teams_pool_or_to_one_of_its_reps() -> None:
    pool = AssignmentConfig(rules=(MapRule("industry", {"汽车": Target(team_id=SOUTH)}),))
    by_turn = AssignmentConfig(rules=(MapRule("industry", {"汽车": Target(team_id=EAST)}, within="round_robin"),))

    assert (
        assign({"industry": "汽车"}, REPS, {}, pool).rep_id,
        assign({"industry": "汽车"}, REPS, {}, pool).team_id,
    ) == (
        None,
        SOUTH,
    )
    assert assign({"industry": "汽车"}, REPS, {"rr:10": 1}, by_turn).rep_id == 3


def test_segment_rule_reads_the_value_it_names() -> None:
    config = AssignmentConfig(rules=(MapRule("segment", {"A": Target(rep_id=1)}, field="grade"),), default_team_id=HQ)

    assert assign({"grade": "A"}, REPS, {}, config).rep_id == 1
    assert assign({"grade": "C"}, REPS, {}, config).rep_id is None


def test_no_matching_rule_sends_the_lead_to_the_default_teams_pool() -> None:
    config = AssignmentConfig(
        rules=(MapRule("industry", {"医药": Target(rep_id=1)}),), default_team_id=HQ, recycle_days=5
    )

    decision = assign({"industry": "教育"}, REPS, {"rr:all": 1}, config)

    assert (decision.rep_id, decision.team_id, decision.rule, decision.rule_index) == (None, HQ, "default", None)
    assert decision.new_state == {"rr:all": 1}
    assert decision.recycle_days == 5


def test_first_matching_rule_decides_and_its_recycle_days_apply() -> None:
    rules = (Pool(team_id=SOUTH, recycle_days=3, label="公海"), RoundRobin())
    decision = assign({}, REPS, {}, AssignmentConfig(rules=rules, recycle_days=7))

    assert (decision.team_id, decision.rule, decision.recycle_days) == (SOUTH, "公海", 3)


def test_default_config_shares_leads_by_workload() -> None:
    assert assign({}, REPS, {}, default_config()).rep_id == 4


# --- the pool -----------------------------------------------------------------------------


def test_claim_limit() -> None:
    assert claim_allowed(19, 20)
    assert not claim_allowed(20, 20)
    assert not claim_allowed(0, 0)
    assert claim_allowed(10_000, None)


def test_leads_without_follow_up_within_n_days_return_to_the_pool() -> None:
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    day = timedelta(days=1)
    leads = [
        ("idle", now - 8 * day, None),
        ("followed-up", now - 8 * day, now - 2 * day),
        ("new", now - 2 * day, None),
        ("old-follow-up-of-previous-owner", now - 8 * day, now - 30 * day),
        ("exactly-due", now - 7 * day, None),
    ]

    assert recycle_due(leads, now, 7) == ["idle", "old-follow-up-of-previous-owner", "exactly-due"]
    assert recycle_due(leads, now, 0) == []


def test_recycle_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone"):
        recycle_due([], datetime(2026, 1, 1), 7)  # noqa: DTZ001


# --- configuration JSON -------------------------------------------------------------------

_IDS = st.integers(1, 10**6)
_DAYS = st.one_of(st.none(), st.integers(0, 3650))
_CAP = st.one_of(st.none(), st.integers(1, 1000))
_TARGET = st.one_of(st.builds(Target, rep_id=_IDS), st.builds(Target, team_id=_IDS))
_KEY = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=6)
_RULES = st.one_of(
    st.builds(Pool, st.one_of(st.none(), _IDS), _DAYS, st.sampled_from(["", "公海"])),
    st.builds(RoundRobin, st.one_of(st.none(), _IDS), _CAP, _DAYS),
    st.builds(Workload, st.integers(1, 1000), st.one_of(st.none(), _IDS), _DAYS),
    st.builds(
        MapRule,
        st.sampled_from(["region", "industry"]),
        st.dictionaries(_KEY, _TARGET, max_size=4),
        st.just(""),
        st.sampled_from(["pool", "round_robin", "workload"]),
        _CAP,
        _DAYS,
    ),
    st.builds(MapRule, st.just("segment"), st.dictionaries(_KEY, _TARGET, max_size=4), st.sampled_from(["grade", "x"])),
)


@PROPERTY
@given(
    rules=st.lists(_RULES, max_size=6),
    default=st.one_of(st.none(), _IDS),
    limit=st.one_of(st.none(), st.integers(0, 1000)),
    days=st.integers(0, 3650),
)
def test_any_valid_config_survives_json(rules: list, default: int | None, limit: int | None, days: int) -> None:
    config = AssignmentConfig(rules=tuple(rules), default_team_id=default, claim_limit=limit, recycle_days=days)

    assert config_from_json(config_to_json(config)) == config


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        (None, []),
        ({}, ["rules"]),
        ({"rules": [], "default_team_id": "hq"}, ["default_team_id"]),
        ({"rules": [], "claim_limit": -1}, ["claim_limit"]),
        ({"rules": [], "recycle_days": 4000}, ["recycle_days"]),
        ({"rules": [{"kind": "lottery"}]}, ["rules", 0, "kind"]),
        ({"rules": [{"kind": "workload"}]}, ["rules", 0, "cap_per_rep"]),
        ({"rules": [{"kind": "workload", "cap_per_rep": 0}]}, ["rules", 0, "cap_per_rep"]),
        ({"rules": [{"kind": "round_robin", "team_id": 0}]}, ["rules", 0, "team_id"]),
        ({"rules": [{"kind": "pool", "cap_per_rep": 5}]}, ["rules", 0, "cap_per_rep"]),
        ({"rules": [{"kind": "region"}]}, ["rules", 0, "map"]),
        ({"rules": [{"kind": "region", "map": []}]}, ["rules", 0, "map"]),
        ({"rules": [{"kind": "region", "map": {"广东": {"rep": 1, "team": 2}}}]}, ["rules", 0, "map", "广东"]),
        ({"rules": [{"kind": "region", "map": {"广东": {"person": 1}}}]}, ["rules", 0, "map", "广东", "person"]),
        ({"rules": [{"kind": "region", "map": {"广东": {"rep": "1"}}}]}, ["rules", 0, "map", "广东", "rep"]),
        ({"rules": [{"kind": "region", "map": {str(i): {"rep": 1} for i in range(1001)}}]}, ["rules", 0, "map"]),
        ({"rules": [{"kind": "industry", "map": {}, "within": "lottery"}]}, ["rules", 0, "within"]),
        ({"rules": [{"kind": "pool"}] * 51}, ["rules"]),
    ],
)
def test_bad_config_json_is_refused_with_the_path_of_the_wrong_setting(data: object, loc: list[object]) -> None:
    with pytest.raises(InvalidInput) as caught:
        config_from_json(data)

    assert loc in [error["loc"] for error in caught.value.errors]
