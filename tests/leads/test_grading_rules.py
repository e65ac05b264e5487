"""Lead grading rules: the score and grade a lead gets, and the reasons shown next to it."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.core.errors import InvalidInput
from guanxi.leads.grading import (
    EVENTS,
    Behaviour,
    ChannelInfo,
    ChannelPoints,
    CompanySize,
    FieldContains,
    FieldEquals,
    FieldIn,
    FieldPresent,
    Grade,
    GradingConfig,
    SizeBand,
    company_headcount,
    config_from_json,
    config_to_json,
    default_config,
    grade,
)

PROPERTY = settings(max_examples=150, deadline=None)

STRONG = {
    "name": "王芳",
    "company": "苏州精工机械有限公司",
    "title": "采购总监",
    "phone": "+8613800138000",
    "email": "wangfang@jinggong.cn",
    "industry": "制造业",
    "company_size": "200-500人",
    "message": "需要 20 台设备的报价",
}


def test_strong_lead_from_a_free_channel_gets_an_a() -> None:
    result = grade(STRONG, {"replied": 1, "form_submitted": 1}, "free", default_config())

    assert result.grade == "A"
    assert not result.low_value


def test_bare_lead_from_a_bought_list_gets_a_d_flagged_not_worth_a_salespersons_time() -> None:
    lead = {"phone": "+8613800138000", "company_size": "少于10人"}

    result = grade(lead, {}, ChannelInfo(kind="paid", id="list-2026"), default_config())

    assert result.grade == "D"
    assert result.low_value
    assert result.score == 15 - 5 - 10


def test_contributions_explain_the_score() -> None:
    with translation.override("en"):
        result = grade(STRONG, {"email_opened": 4}, ChannelInfo(kind="self_built", id="expo-2026"), default_config())
        reasons = {str(why): points for why, points in result.contributions}

    assert sum(points for _why, points in result.contributions) == result.score
    assert reasons["Phone given"] == 15
    assert reasons["Job title mentions “总”"] == 10
    assert reasons["Industry: 制造业"] == 15
    assert reasons["Channel: Self-built"] == 5
    assert reasons["Company size: 200-500人"] == 15
    assert reasons["Emails opened: 4 (at least 3)"] == 5


def test_rules_a_lead_does_not_meet_add_nothing_and_are_not_listed() -> None:
    config = GradingConfig(rules=(FieldPresent("email", 5), Behaviour("replied", 2, 20)))

    result = grade({"email": "  "}, {"replied": 1}, None, config)

    assert (result.score, result.contributions) == (0, ())


def test_own_label_replaces_the_generated_one() -> None:
    config = GradingConfig(rules=(FieldPresent("phone", 7, label="能打电话"),))

    assert grade({"phone": "+8613800138000"}, {}, None, config).contributions == (("能打电话", 7),)


def test_field_matches_ignore_case_and_width() -> None:
    config = GradingConfig(
        rules=(
            FieldEquals("region", "Jiangsu", 3),
            FieldIn("industry", ("Automotive", "汽车"), 5),
            FieldContains("title", ("manager",), 7),
        )
    )

    result = grade({"region": "ＪＩＡＮＧＳＵ", "industry": "automotive", "title": "Sales MANAGER"}, {}, None, config)

    assert result.score == 3 + 5 + 7


def test_negative_points_lower_the_score() -> None:
    config = GradingConfig(rules=(FieldIn("industry", ("学生",), -30), FieldPresent("phone", 10)))

    assert grade({"industry": "学生", "phone": "+8613800138000"}, {}, None, config).score == -20


def test_channel_points_by_id() -> None:
    rule = ChannelPoints({"expo-2026": 30}, by="id", default_points=-5)
    config = GradingConfig(rules=(rule,))

    assert grade({}, {}, ChannelInfo(kind="self_built", id="expo-2026"), config).score == 30
    assert grade({}, {}, ChannelInfo(kind="trade_show", id="expo-2025"), config).score == -5


def test_company_size_bands_and_unknown_size() -> None:
    rule = CompanySize((SizeBand(0, 49, 0), SizeBand(50, None, 10)), unknown_points=-3)
    config = GradingConfig(rules=(rule,))

    assert grade({"company_size": "1000+"}, {}, None, config).score == 10
    assert grade({"company_size": "20人"}, {}, None, config).score == 0
    assert grade({"company_size": "不清楚"}, {}, None, config).score == -3


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("50-200人", 50),
        ("1000+", 1000),
        ("1,200", 1200),
        ("少于10人", 9),
        ("10人以下", 9),
        ("1万人以上", 10_000),
        ("２００", 200),
        ("about 3.5k", 3500),
        ("", None),
        ("大型企业", None),
    ],
)
def test_company_headcount_reads_free_text(text: str, count: int | None) -> None:
    assert company_headcount(text) == count


def test_grade_letters_and_cut_offs_are_configurable() -> None:
    config = GradingConfig(
        rules=(FieldPresent("phone", 10),),
        grades=(Grade("Hot", 10), Grade("Cold", None, low_value=True)),
    )

    assert grade({"phone": "+8613800138000"}, {}, None, config).grade == "Hot"
    assert grade({}, {}, None, config).grade == "Cold"


# --- properties ---------------------------------------------------------------------------


@PROPERTY
@given(
    points=st.lists(st.integers(-50, 50), min_size=1, max_size=6),
    present=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_higher_score_never_gets_a_worse_grade(points: list[int], present: list[bool]) -> None:
    fields = ("name", "company", "title", "phone", "email", "city")
    config = GradingConfig(rules=tuple(FieldPresent(fields[i], p) for i, p in enumerate(points)))
    order = [g.letter for g in config.grades]
    lead = {name: "x" if on else "" for name, on in zip(fields, present, strict=True)}
    everyone = {name: "x" for name in fields}

    some, full = grade(lead, {}, None, config), grade(everyone, {}, None, config)

    if full.score >= some.score:
        assert order.index(full.grade) <= order.index(some.grade)
    else:
        assert order.index(full.grade) >= order.index(some.grade)


@PROPERTY
@given(
    counts=st.dictionaries(st.sampled_from(sorted(EVENTS)), st.integers(0, 20)), extra=st.sampled_from(sorted(EVENTS))
)
def test_more_activity_never_lowers_the_default_grade(counts: dict[str, int], extra: str) -> None:
    more = {**counts, extra: counts.get(extra, 0) + 1}
    order = [g.letter for g in default_config().grades]

    before, after = grade(STRONG, counts, "web_form"), grade(STRONG, more, "web_form")

    assert after.score >= before.score
    assert order.index(after.grade) <= order.index(before.grade)


_TEXT = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=8)
_POINTS = st.integers(-1000, 1000)
_FIELD = st.sampled_from(["name", "company", "title", "industry", "region", "company_size"])
_RULES = st.one_of(
    st.builds(FieldPresent, _FIELD, _POINTS, st.sampled_from(["", "标签"])),
    st.builds(FieldEquals, _FIELD, _TEXT, _POINTS),
    st.builds(FieldIn, _FIELD, st.lists(_TEXT, max_size=4, unique=True).map(tuple), _POINTS),
    st.builds(FieldContains, _FIELD, st.lists(_TEXT, max_size=4, unique=True).map(tuple), _POINTS),
    st.builds(ChannelPoints, st.dictionaries(_TEXT, _POINTS, max_size=4), st.sampled_from(["kind", "id"]), _POINTS),
    st.builds(Behaviour, st.sampled_from(sorted(EVENTS)), st.integers(1, 100), _POINTS),
    st.lists(st.integers(0, 10_000), min_size=1, max_size=5, unique=True).map(
        lambda cuts: CompanySize(
            (
                *(SizeBand(a, b - 1, 1) for a, b in zip(sorted(cuts), sorted(cuts)[1:], strict=False)),
                SizeBand(max(cuts), None, 5),
            )
        )
    ),
)


@PROPERTY
@given(
    rules=st.lists(_RULES, max_size=8),
    cuts=st.lists(st.integers(-1000, 1000), min_size=1, max_size=5, unique=True),
)
def test_any_valid_config_survives_json(rules: list, cuts: list[int]) -> None:
    ordered = sorted(cuts, reverse=True)
    grades = (*(Grade(chr(ord("A") + i), cut) for i, cut in enumerate(ordered)), Grade("Z", None, True))
    config = GradingConfig(rules=tuple(rules), grades=grades)

    assert config_from_json(config_to_json(config)) == config


def test_default_config_survives_json() -> None:
    assert config_from_json(config_to_json(default_config())) == default_config()


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ("rules", []),
        ({}, ["rules"]),
        ({"rules": {}}, ["rules"]),
        ({"rules": [], "extra": 1}, ["extra"]),
        ({"rules": [{"kind": "astrology", "points": 5}]}, ["rules", 0, "kind"]),
        ({"rules": [{"points": 5}]}, ["rules", 0, "kind"]),
        ({"rules": ["field_present"]}, ["rules", 0]),
        ({"rules": [{"kind": "field_present", "field": "phone"}]}, ["rules", 0, "points"]),
        ({"rules": [{"kind": "field_present", "field": "fax", "points": 1}]}, ["rules", 0, "field"]),
        ({"rules": [{"kind": "field_present", "field": "phone", "points": 1001}]}, ["rules", 0, "points"]),
        ({"rules": [{"kind": "field_present", "field": "phone", "points": "5"}]}, ["rules", 0, "points"]),
        ({"rules": [{"kind": "field_present", "field": "phone", "points": 1, "colour": 2}]}, ["rules", 0, "colour"]),
        (
            {"rules": [{"kind": "field_in", "field": "industry", "values": ["a"] * 501, "points": 1}]},
            ["rules", 0, "values"],
        ),
        ({"rules": [{"kind": "behaviour", "event": "dreamt", "min": 1, "points": 1}]}, ["rules", 0, "event"]),
        ({"rules": [{"kind": "behaviour", "event": "replied", "min": 0, "points": 1}]}, ["rules", 0, "min"]),
        ({"rules": [{"kind": "channel", "points_by_channel": {"ad": 2.5}}]}, ["rules", 0, "points_by_channel", "ad"]),
        ({"rules": [{"kind": "channel", "points_by_channel": {}, "by": "name"}]}, ["rules", 0, "by"]),
        (
            {"rules": [{"kind": "company_size", "bands": [{"min": 50, "points": 1}, {"min": 60, "points": 1}]}]},
            ["rules", 0, "bands", 1, "min"],
        ),
        (
            {"rules": [{"kind": "company_size", "bands": [{"min": 9, "max": 3, "points": 1}]}]},
            ["rules", 0, "bands", 0, "max"],
        ),
        ({"rules": [], "grades": [{"letter": "A", "min_score": None}]}, ["grades"]),
        (
            {
                "rules": [],
                "grades": [{"letter": "A", "min_score": 10}, {"letter": "B", "min_score": 20}, {"letter": "C"}],
            },
            ["grades", 1, "min_score"],
        ),
        ({"rules": [], "grades": [{"letter": "A", "min_score": 10}, {"letter": "A"}]}, ["grades", 1, "letter"]),
        (
            {"rules": [], "grades": [{"letter": "A", "min_score": 10}, {"letter": "D", "min_score": 0}]},
            ["grades", 1, "min_score"],
        ),
        ({"rules": [], "grades": [{"letter": "A"}, {"letter": "D"}]}, ["grades", 0, "min_score"]),
    ],
)
def test_bad_config_json_is_refused_with_the_path_of_the_wrong_setting(data: object, loc: list[object]) -> None:
    with pytest.raises(InvalidInput) as caught:
        config_from_json(data)

    assert loc in [error["loc"] for error in caught.value.errors]
