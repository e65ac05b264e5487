"""Lead cleaning: what a channel's rules do to an incoming lead, and which leads they refuse (and why)."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from guanxi.core.errors import InvalidInput
from guanxi.leads import cleaning
from guanxi.leads.cleaning import (
    LEAD_FIELDS,
    CleaningConfig,
    clean,
    config_from_json,
    config_to_json,
    default_config,
    disposable_domains,
)

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GOOD = {"name": "张三", "company": "杭州云栖科技有限公司", "phone": "13800138000", "email": "zhang@yunqi.cn"}


def rules_of(result: cleaning.CleanResult) -> set[tuple[str, str]]:
    return {(rejection.rule, rejection.field) for rejection in result.rejections}


# --- normalisation ------------------------------------------------------------------------


def test_good_lead_is_accepted_with_normalised_values() -> None:
    result = clean({**GOOD, "phone": "+86 138-0013-8000", "email": " Zhang@YUNQI.cn "}, default_config())

    assert result.accepted
    assert result.values["phone"] == "+8613800138000"
    assert result.phone_raw == "+86 138-0013-8000"
    assert result.values["email"] == "zhang@yunqi.cn"
    assert result.values["title"] == ""  # every lead field is present


def test_full_width_text_becomes_half_width_and_whitespace_collapses() -> None:
    result = clean(
        {**GOOD, "email": "ＺＨＡＮＧ＠ＹＵＮＱＩ．ＣＮ", "city": "  杭州\t\u3000西湖区 ", "title": "ＣＥＯ"}
    )

    assert result.values["email"] == "zhang@yunqi.cn"
    assert result.values["city"] == "杭州 西湖区"
    assert result.values["title"] == "CEO"


def test_control_and_zero_width_characters_are_removed() -> None:
    result = clean({**GOOD, "name": "张\u200b三\x00", "company": "\ufeff云栖\x07科技"})

    assert result.values["name"] == "张三"
    assert result.values["company"] == "云栖科技"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("张 三", "张三"),
        ("john smith", "John Smith"),
        ("JOHN SMITH", "John Smith"),
        ("JOHN smith", "John Smith"),
        ("Ronald McDonald", "Ronald McDonald"),
        ("o'neil", "O'Neil"),
    ],
)
def test_person_names(typed: str, stored: str) -> None:
    assert clean({**GOOD, "name": typed}).values["name"] == stored


def test_latin_title_case_can_be_switched_off() -> None:
    config = replace(default_config(), title_case_latin_names=False)

    assert clean({**GOOD, "name": "john smith"}, config).values["name"] == "john smith"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Acme co ltd", "Acme Co., Ltd."),
        ("Acme Co.,Ltd", "Acme Co., Ltd."),
        ("ACME CO., LTD.", "ACME Co., Ltd."),
        ("Acme Co. Ltd", "Acme Co., Ltd."),
        ("Acme,Inc", "Acme, Inc."),
        ("Acme inc", "Acme Inc."),
        ("Acme llc", "Acme LLC"),
        ("Siemens gmbh", "Siemens GmbH"),
        ("Cisco", "Cisco"),
        ("华为技术 （深圳） 有限公司", "华为技术(深圳)有限公司"),
        ("平安银行 股份有限公司", "平安银行股份有限公司"),
        ("杭州云栖科技有限公司", "杭州云栖科技有限公司"),
    ],
)
def test_company_suffixes_take_one_form(typed: str, stored: str) -> None:
    assert clean({**GOOD, "company": typed}).values["company"] == stored


def test_message_keeps_line_breaks_but_not_runs_of_blank_lines() -> None:
    result = clean({**GOOD, "message": "  你好，\r\n\r\n\r\n\r\n请报价  50 台。 \n"})

    assert result.values["message"] == "你好,\n\n请报价 50 台。"


def test_changes_list_what_normalisation_did_for_the_audit_trail() -> None:
    result = clean({**GOOD, "phone": "138 0013 8000", "company": "Acme co ltd"})

    changed = {change.field: (change.before, change.after) for change in result.changes}
    assert changed == {"phone": ("138 0013 8000", "+8613800138000"), "company": ("Acme co ltd", "Acme Co., Ltd.")}


def test_fields_that_are_not_lead_fields_are_kept_untouched_in_extra() -> None:
    result = clean({**GOOD, "utm_source": " Baidu ", "score": None})

    assert result.extra == {"utm_source": " Baidu ", "score": None}
    assert "utm_source" not in result.values


# --- rejection rules ----------------------------------------------------------------------


def test_every_failing_rule_is_reported_not_only_the_first() -> None:
    config = replace(default_config(), honeypot_fields=("website",))
    lead = {
        "name": "",
        "company": "",
        "phone": "12345",
        "email": "bot@mailinator.com",
        "title": "asdf",
        "message": "https://spam.example/x",
        "website": "http://bot.example",
    }

    result = clean(lead, config)

    assert not result.accepted
    assert rules_of(result) == {
        ("required", "name"),
        ("invalid_phone", "phone"),
        ("disposable_email", "email"),
        ("blacklisted_word", "title"),
        ("link_only", "message"),
        ("honeypot", "website"),
    }


def test_required_any_of_group_is_met_by_either_field() -> None:
    config = replace(default_config(), required=(("phone", "email"),))

    assert clean({"phone": "13800138000"}, config).accepted
    assert clean({"email": "a@yunqi.cn"}, config).accepted
    result = clean({"name": "张三"}, config)
    assert rules_of(result) == {("required", "phone")}
    with translation.override("en"):
        assert str(result.rejections[0].reason) == "Give at least one of: Phone, Email."


def test_required_single_field_reason_names_the_field() -> None:
    config = replace(default_config(), required=(("company",),))

    with translation.override("en"):
        assert [str(r.reason) for r in clean({"phone": "13800138000"}, config).rejections] == ["Company is required."]


@pytest.mark.parametrize("phone", ["12345", "11111111111", "abc", "+1 000"])
def test_invalid_phone_is_rejected_and_kept_as_typed(phone: str) -> None:
    result = clean({**GOOD, "phone": phone})

    assert ("invalid_phone", "phone") in rules_of(result)
    assert result.values["phone"] == phone


def test_phone_of_the_configured_region() -> None:
    config = replace(default_config(), phone_region="US")

    assert clean({**GOOD, "phone": "(650) 253-0000"}, config).values["phone"] == "+16502530000"


@pytest.mark.parametrize(
    "email", ["zhang", "a@b", "a@@b.cn", ".a@b.cn", "a..b@c.cn", "a@-b.cn", "a@b..cn", "a@b.123", "a@b.c", "a_b@c_d.cn"]
)
def test_invalid_email_is_rejected(email: str) -> None:
    assert ("invalid_email", "email") in rules_of(clean({**GOOD, "email": email}))


def test_email_with_an_international_domain_is_accepted() -> None:
    result = clean({**GOOD, "email": "Info@例子.中国"})

    assert result.accepted
    assert result.values["email"] == "info@例子.中国"


def test_disposable_domains_including_subdomains_are_rejected() -> None:
    assert ("disposable_email", "email") in rules_of(clean({**GOOD, "email": "x@yopmail.com"}))
    assert ("disposable_email", "email") in rules_of(clean({**GOOD, "email": "x@eu.mailinator.com"}))
    assert clean({**GOOD, "email": "x@notyopmail.com"}).accepted


def test_channel_may_add_and_remove_disposable_domains() -> None:
    config = replace(default_config(), disposable_add=("junk.example",), disposable_remove=("yopmail.com",))

    assert ("disposable_email", "email") in rules_of(clean({**GOOD, "email": "x@junk.example"}, config))
    assert clean({**GOOD, "email": "x@yopmail.com"}, config).accepted


def test_shipped_disposable_list_holds_at_least_100_domains() -> None:
    domains = disposable_domains()

    assert len(domains) >= 100
    assert {"mailinator.com", "guerrillamail.com", "10minutemail.com"} <= domains


def test_blacklisted_words_match_regardless_of_case_and_width() -> None:
    config = replace(default_config(), blacklist=("free money", "代开发票"))

    assert ("blacklisted_word", "message") in rules_of(clean({**GOOD, "message": "FREE  Money now"}, config))
    assert ("blacklisted_word", "company") in rules_of(clean({**GOOD, "company": "Ｆｒｅｅ ｍｏｎｅｙ Ltd"}, config))
    assert ("blacklisted_word", "title") in rules_of(clean({**GOOD, "title": "专业代开发票"}, config))


def test_latin_blacklist_words_match_whole_words_only() -> None:
    config = replace(default_config(), blacklist=("test",))

    assert clean({**GOOD, "message": "We attest our interest in testing"}, config).accepted
    assert not clean({**GOOD, "message": "just a TEST"}, config).accepted


def test_too_long_value_is_rejected_with_a_reason_and_cut_to_fit() -> None:
    result = clean({**GOOD, "name": "张" * 150})

    assert rules_of(result) == {("max_length", "name")}
    assert len(result.values["name"]) == 100
    with translation.override("en"):
        assert str(result.rejections[0].reason) == "Name is too long: 150 characters, at most 100."


def test_message_with_many_links_is_rejected() -> None:
    message = "看看 http://a.cn http://b.cn http://c.cn http://d.cn"

    assert rules_of(clean({**GOOD, "message": message})) == {("too_many_links", "message")}
    assert clean({**GOOD, "message": "详情见 http://a.cn/spec 谢谢"}).accepted


def test_link_in_a_name_is_rejected() -> None:
    assert ("link_in_name", "name") in rules_of(clean({**GOOD, "name": "www.cheap-pills.com"}))


def test_rules_can_be_switched_off() -> None:
    config = CleaningConfig(
        required=(),
        reject_invalid_phone=False,
        reject_invalid_email=False,
        reject_disposable_email=False,
        reject_link_only_message=False,
        max_links=0,
        reject_links_in_name=False,
    )

    lead = {"phone": "123", "email": "nope", "message": "http://a.cn", "name": "www.a.cn"}
    assert clean(lead, config).accepted


# --- properties ---------------------------------------------------------------------------

_TRICKY = st.sampled_from(
    [
        " co ltd",
        "Co.,Ltd",
        "INC",
        ",",
        "有限公司",
        "（",
        "）",
        " ",
        "\u3000",
        "\t",
        "\n",
        "\r\n",
        "\x00",
        "\x1c",
        "\u200b",
        "\u0301",
        "ＡＢ",
        "@",
        ".",
        "+86",
        "138",
        "İ",
        "ß",
        "ŉ",
        "㍿",
        "http://a.cn/x",
        "www.b.com",
        "张",
        "john",
    ]
)
_TEXT = st.lists(st.one_of(_TRICKY, st.text(max_size=6)), max_size=10).map("".join)
_LEADS = st.fixed_dictionaries({}, optional={name: st.one_of(st.none(), _TEXT) for name in LEAD_FIELDS})


@PROPERTY
@given(lead=_LEADS)
@example(lead={"name": "e\x00\u0301", "company": "a\u200b\u0301 co\x00 ltd", "message": "x\n\x1c\u0301"})
@example(lead={"company": "acme co" + " " * 190 + "ltd", "phone": "+86\x00 138 0013 8000"})
def test_cleaning_is_idempotent(lead: dict[str, str | None]) -> None:
    once = clean(lead).values

    assert clean(once).values == once


@PROPERTY
@given(lead=_LEADS, junk=st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3))
def test_cleaning_never_raises_and_returns_every_field(lead: dict[str, str | None], junk: dict[str, str]) -> None:
    result = clean({**junk, **lead})

    assert set(result.values) == set(LEAD_FIELDS)
    assert all(rejection.rule in cleaning.RULES for rejection in result.rejections)
    assert result.accepted == (not result.rejections)


@settings(max_examples=10, deadline=None)
@given(field=st.sampled_from(LEAD_FIELDS), size=st.integers(min_value=5_001, max_value=300_000))
def test_huge_values_are_rejected_with_a_reason_not_an_exception(field: str, size: int) -> None:
    result = clean({**GOOD, field: "x" * size})

    assert ("max_length", field) in rules_of(result)
    assert len(result.values[field]) <= default_config().max_lengths[field]


# --- configuration JSON -------------------------------------------------------------------


def test_default_config_survives_json() -> None:
    assert config_from_json(config_to_json(default_config())) == default_config()


_WORDS = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=10)


@PROPERTY
@given(
    required=st.lists(st.lists(st.sampled_from(LEAD_FIELDS), min_size=1, max_size=3, unique=True), max_size=4),
    flags=st.lists(st.booleans(), min_size=8, max_size=8),
    blacklist=st.lists(_WORDS, max_size=5, unique=True),
    limits=st.dictionaries(st.sampled_from(LEAD_FIELDS), st.integers(1, 100_000)),
    max_links=st.integers(0, 100),
    region=st.sampled_from(["CN", "HK", "TW", "US", "DE"]),
)
def test_any_valid_config_survives_json(
    required: list[list[str]],
    flags: list[bool],
    blacklist: list[str],
    limits: dict[str, int],
    max_links: int,
    region: str,
) -> None:
    config = CleaningConfig(
        required=tuple(tuple(group) for group in required),
        phone_region=region,
        phone_strict=flags[0],
        title_case_latin_names=flags[1],
        canonical_company_suffix=flags[2],
        reject_invalid_phone=flags[3],
        reject_invalid_email=flags[4],
        reject_disposable_email=flags[5],
        reject_link_only_message=flags[6],
        reject_links_in_name=flags[7],
        disposable_add=("junk.example",),
        blacklist=tuple(blacklist),
        max_lengths={**cleaning.DEFAULT_MAX_LENGTHS, **limits},
        max_links=max_links,
        honeypot_fields=("website",),
    )

    assert config_from_json(config_to_json(config)) == config


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ([], []),
        ({"colour": "red"}, ["colour"]),
        ({"phone_strict": "yes"}, ["phone_strict"]),
        ({"phone_region": "XX"}, ["phone_region"]),
        ({"max_links": True}, ["max_links"]),
        ({"max_links": -1}, ["max_links"]),
        ({"required": [["phone", "fax"]]}, ["required", 0, 1]),
        ({"required": [[]]}, ["required", 0]),
        ({"required": "phone"}, ["required"]),
        ({"blacklist": ["ok", 3]}, ["blacklist", 1]),
        ({"blacklist": ["x"] * 501}, ["blacklist"]),
        ({"blacklist": ["x" * 101]}, ["blacklist", 0]),
        ({"disposable_add": ["not a domain"]}, ["disposable_add", 0]),
        ({"max_lengths": {"name": 0}}, ["max_lengths", "name"]),
        ({"max_lengths": {"fax": 10}}, ["max_lengths", "fax"]),
        ({"honeypot_fields": "website"}, ["honeypot_fields"]),
    ],
)
def test_bad_config_json_is_refused_with_the_path_of_the_wrong_setting(data: object, loc: list[object]) -> None:
    with pytest.raises(InvalidInput) as caught:
        config_from_json(data)

    assert loc in [error["loc"] for error in caught.value.errors]
    assert all(error["msg"] for error in caught.value.errors)


def test_partial_config_json_keeps_defaults_for_what_it_leaves_out() -> None:
    config = config_from_json({"max_lengths": {"name": 20}, "blacklist": ["广告"]})

    assert config.max_lengths["name"] == 20
    assert config.max_lengths["company"] == cleaning.DEFAULT_MAX_LENGTHS["company"]
    assert config.blacklist == ("广告",)
    assert config.required == CleaningConfig().required


_MOBILE_FORMS = st.tuples(
    st.sampled_from(["", "+86", "+86 ", "0086", "0086 ", "86", "86 ", "(+86)", "+86-"]),
    st.from_regex(r"1[0-9]{10}", fullmatch=True),
    st.sampled_from(["", " ", "-"]),
    st.booleans(),
)


@given(_MOBILE_FORMS)
@example(("", "14012345678", "", True))
@example(("86", "10012345678", "", True))
def test_the_mobile_shortcut_gives_the_parser_s_answer(form: tuple[str, str, str, bool]) -> None:
    prefix, digits, gap, strict = form
    text = prefix + (digits[:3] + gap + digits[3:7] + gap + digits[7:] if gap else digits)
    assert cleaning._valid_e164.__wrapped__(text, "CN", strict) == cleaning._parsed_e164(text, "CN", strict)


@given(st.text(max_size=40))
@example("Ｚｈａｎｇ\u200b  San ")
@example("张三")
def test_a_line_left_as_it_is_is_already_normal(text: str) -> None:
    once = cleaning._line_once(text)
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(
        " " if c.isspace() else c
        for c in folded
        if c.isspace() or unicodedata.category(c) not in cleaning._DROP_CATEGORIES
    )
    assert once == " ".join(kept.split())
