"""Normalisation for the duplicate check: phones, e-mail, person and company names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanxi.leads.dedup.blocking import blocking_keys
from guanxi.leads.dedup.keys import (
    DedupRecord,
    company_parts,
    email_key,
    normalise,
    person_tokens,
    phone_numbers,
    place_key,
)


@pytest.mark.parametrize(
    "text",
    [
        "13800138000",
        "+86 138-0013-8000",
        "+86 138 0013 8000",
        "0086 13800138000",
        "86-13800138000",
        "(+86) 13800138000",
        "138 0013 8000",
        "１３８００１３８０００",
        "+8613800138000",
    ],
)
def test_mobile_formats_give_one_number(text: str) -> None:
    assert phone_numbers(text) == {"+8613800138000"}


@pytest.mark.parametrize(
    "text", ["(0571) 8888 6666", "0571-88886666", "+86 571 8888 6666", "+86 (0571) 8888-6666", "0571 88886666 转 801"]
)
def test_landline_formats_with_area_code_give_one_number(text: str) -> None:
    assert phone_numbers(text) == {"+8657188886666"}


def test_foreign_numbers_keep_their_country_and_several_numbers_are_all_kept() -> None:
    assert phone_numbers("+1 415 555 0100") == {"+14155550100"}
    assert phone_numbers("13800138000 / 0571-88886666") == {"+8613800138000", "+8657188886666"}
    assert phone_numbers("n/a") == frozenset()
    assert phone_numbers("") == frozenset()


_MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(
    _MOBILES,
    st.sampled_from(["", "+86", "+86 ", "0086", "0086 ", "86-", "(+86) "]),
    st.sampled_from(["", " ", "-"]),
    st.booleans(),
)
def test_any_way_of_writing_a_mobile_gives_the_same_e164(number: str, prefix: str, sep: str, wide: bool) -> None:
    text = prefix + sep.join((number[:3], number[3:7], number[7:]))
    if wide:
        text = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)
    assert phone_numbers(text) == {f"+86{number}"}


@given(st.from_regex(r"0(10|2[0-9]|57[1-9]|755)", fullmatch=True), st.from_regex(r"[2-8][0-9]{7}", fullmatch=True))
def test_any_way_of_writing_a_landline_gives_the_same_e164(area: str, local: str) -> None:
    forms = {
        f"{area}-{local}",
        f"({area}) {local[:4]} {local[4:]}",
        f"+86 {area[1:]} {local}",
        f"0086{area[1:]}{local}",
    }
    assert {frozenset(phone_numbers(form)) for form in forms} == {frozenset({f"+86{area[1:]}{local}"})}


def test_email_is_lower_case_without_plus_tag_and_gmail_dots() -> None:
    assert email_key(" Zhang.Wei+crm@GMail.com ") == "zhangwei@gmail.com"
    assert email_key("Zhang.Wei@Yunqi.CN") == "zhang.wei@yunqi.cn"  # a dot matters outside gmail
    assert email_key("ｗｅｉ＠ｙｕｎｑｉ．ｃｎ") == "wei@yunqi.cn"
    assert email_key("not an address") == ""


def test_role_mailboxes_are_marked_as_shared() -> None:
    assert normalise(DedupRecord(id="1", email="Info@Yunqi.cn")).email_shared
    assert not normalise(DedupRecord(id="1", email="wei@yunqi.cn")).email_shared


@pytest.mark.parametrize("name", ["张伟", "張偉", "Zhang Wei", "WEI ZHANG", "Ｚｈａｎｇ　Ｗｅｉ", " 张 伟 "])
def test_person_names_in_any_script_or_order_sort_to_one_key(name: str) -> None:
    assert "".join(sorted(person_tokens(name))) == "weizhang"


def test_compound_surnames_and_surname_readings() -> None:
    assert person_tokens("欧阳娜娜") == ("ouyang", "nana")
    assert sorted(person_tokens("Nana Ouyang")) == ["nana", "ouyang"]
    assert person_tokens("曾丽") == ("zeng", "li")


@pytest.mark.parametrize(
    "name",
    [
        "杭州云栖科技有限公司",
        "杭州雲棲科技有限公司",
        "杭州云栖科技",
        "杭州市云栖科技股份有限公司",
        "云栖科技（杭州）有限公司",
        "Hangzhou Yunqi Technology Co., Ltd.",
        "HANGZHOU YUNQI TECH CO LTD",
        "Ｈａｎｇｚｈｏｕ Ｙｕｎｑｉ Ｔｅｃｈｎｏｌｏｇｙ Ｉｎｃ．",
        "Yun Qi Technologies Limited (Hangzhou)",
    ],
)
def test_company_names_split_into_place_core_and_trade(name: str) -> None:
    parts = company_parts(name)
    assert (parts.place, parts.core, parts.trades) == ("hangzhou", "yunqi", frozenset({"technology"}))


def test_company_without_place_and_brand_that_reads_like_a_place() -> None:
    assert company_parts("云栖科技").place == ""
    assert company_parts("金安国际贸易（深圳）有限公司").core == company_parts("金安国际贸易有限公司").core == "jinan"


def test_city_in_any_spelling_gives_one_key() -> None:
    assert {place_key(c) for c in ("杭州", "杭州市", "Hangzhou", "HANGZHOU CITY")} == {"hangzhou"}
    assert place_key("Xi'an") == place_key("西安")


def test_blocking_keys_hold_the_contacts_and_name_at_company() -> None:
    record = normalise(DedupRecord(id="1", name="张伟", company="杭州云栖科技有限公司", phone="13800138000"))
    english = normalise(DedupRecord(id="2", name="Wei Zhang", company="Hangzhou Yunqi Tech Co., Ltd."))
    assert "p:+8613800138000" in blocking_keys(record)
    assert blocking_keys(record) & blocking_keys(english)


def test_blocking_keys_fit_an_indexed_column_even_for_long_values() -> None:
    long_email = "a" * 200 + "@example.com"
    record = normalise(DedupRecord(id="1", name="张伟" * 50, company="云栖" * 100 + "科技", email=long_email))
    keys = blocking_keys(record)
    assert keys
    assert all(len(key) <= 64 for key in keys)
    again = normalise(DedupRecord(id="2", email=long_email.upper()))
    assert blocking_keys(again) <= keys
