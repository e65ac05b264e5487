"""Which pairs the duplicate check calls the same, and why."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from guanxi.leads.dedup.keys import DedupRecord, normalise
from guanxi.leads.dedup.scoring import THRESHOLD, compare, evaluate


def _compare(a: DedupRecord, b: DedupRecord) -> tuple[str, float] | None:
    match = compare(normalise(a), normalise(b))
    return None if match is None else (match.code, match.score)


def test_same_mobile_in_another_format_is_the_same_person_even_in_another_script() -> None:
    a = DedupRecord(id="1", name="张伟", phone="+86 138-0013-8000")
    b = DedupRecord(id="2", name="張偉", phone="13800138000")
    match = compare(normalise(a), normalise(b))
    assert match is not None
    assert (match.id_a, match.id_b, match.code, match.detail) == ("1", "2", "same_phone", "+8613800138000")
    assert match.score >= 0.99


def test_same_mobile_with_clearly_different_names_is_two_people() -> None:
    a = DedupRecord(id="1", name="张伟", phone="13800138000")
    b = DedupRecord(id="2", name="李娜", phone="138 0013 8000")
    assert _compare(a, b) is None
    assert evaluate(normalise(a), normalise(b)).code == "different_names"


def test_same_mobile_with_a_typo_in_the_given_name_is_one_person() -> None:
    a = DedupRecord(id="1", name="李强", phone="13800138000")
    b = DedupRecord(id="2", name="李斌", phone="13800138000")
    assert _compare(a, b) is not None


def test_same_personal_email_in_other_case_is_one_person() -> None:
    a = DedupRecord(id="1", name="王芳", email="wangfang88@163.com")
    b = DedupRecord(id="2", name="Fang Wang", email="WangFang88@163.COM")
    assert _compare(a, b) == ("same_email", 1.0)


def test_a_shared_switchboard_or_info_mailbox_alone_is_not_enough() -> None:
    a = DedupRecord(id="1", name="张伟", company="杭州云栖科技", phone="0571-88886666", email="info@yunqi.cn")
    b = DedupRecord(id="2", name="刘洋", company="杭州云栖科技", phone="(0571) 8888 6666", email="Info@yunqi.cn")
    assert _compare(a, b) is None


def test_a_shared_switchboard_with_the_same_name_is_one_person() -> None:
    a = DedupRecord(id="1", name="张伟", phone="0571-88886666")
    b = DedupRecord(id="2", name="Zhang Wei", phone="+86 571 8888 6666")
    assert _compare(a, b) is not None


def test_same_name_at_the_same_company_written_in_english_is_one_person() -> None:
    a = DedupRecord(id="1", name="张伟", company="杭州云栖科技有限公司", city="杭州")
    b = DedupRecord(id="2", name="Zhang Wei", company="Hangzhou Yunqi Technology Co., Ltd.", city="Hangzhou")
    match = compare(normalise(a), normalise(b))
    assert match is not None
    assert match.code == "similar_name_and_company"


def test_a_common_name_in_another_city_without_shared_contact_is_someone_else() -> None:
    a = DedupRecord(id="1", name="王伟", phone="13800138000", city="北京")
    b = DedupRecord(id="2", name="王伟", phone="13900139000", city="深圳")
    assert _compare(a, b) is None


def test_one_brand_in_two_cities_is_two_companies() -> None:
    a = DedupRecord(id="1", company="北京华信科技有限公司")
    b = DedupRecord(id="2", company="深圳市华信科技有限公司")
    assert _compare(a, b) is None
    a_person = DedupRecord(id="3", name="王伟", company="北京华信科技有限公司")
    b_person = DedupRecord(id="4", name="王伟", company="深圳华信科技有限公司")
    assert _compare(a_person, b_person) is None


def test_a_near_company_name_alone_is_another_company_but_the_same_name_is_one() -> None:
    assert _compare(DedupRecord(id="1", company="杭州华信科技"), DedupRecord(id="2", company="杭州华兴科技")) is None
    same = _compare(DedupRecord(id="1", company="杭州华信科技有限公司"), DedupRecord(id="2", company="華信科技(杭州)"))
    assert same is not None
    assert same[0] == "similar_company"


def test_a_record_never_matches_itself() -> None:
    record = normalise(DedupRecord(id="7", name="张伟", phone="13800138000"))
    assert compare(record, record) is None


_NAMES = st.sampled_from(["张伟", "張偉", "Zhang Wei", "李娜", "王伟", "", "欧阳娜娜", "Maria Garcia"])
_COMPANIES = st.sampled_from(
    ["", "杭州云栖科技有限公司", "Hangzhou Yunqi Tech", "北京华信科技", "华信科技", "深圳华信"]
)
_PHONES = st.sampled_from(["", "13800138000", "+86 138 0013 8000", "0571-88886666", "13900139000"])
_EMAILS = st.sampled_from(["", "info@yunqi.cn", "wei@yunqi.cn", "WEI@yunqi.cn", "lina@163.com"])
_CITIES = st.sampled_from(["", "杭州", "Hangzhou", "北京", "深圳"])
_RECORDS = st.builds(DedupRecord, id=st.sampled_from(["1", "2", "10", "a"]), name=_NAMES, company=_COMPANIES,
                     phone=_PHONES, email=_EMAILS, city=_CITIES)  # fmt: skip


@given(_RECORDS, _RECORDS)
def test_compare_is_symmetric_and_scores_lie_in_zero_one(a: DedupRecord, b: DedupRecord) -> None:
    forward, backward = evaluate(normalise(a), normalise(b)), evaluate(normalise(b), normalise(a))
    assert forward == backward
    assert 0.0 <= forward.score <= 1.0
    assert compare(normalise(a), normalise(b)) == compare(normalise(b), normalise(a))


@given(_RECORDS)
def test_a_record_with_its_own_id_never_pairs(record: DedupRecord) -> None:
    assert compare(normalise(record), normalise(record), threshold=0.0) is None


def test_threshold_is_the_documented_one() -> None:
    assert 0.5 < THRESHOLD < 1.0
