"""Customer search: what matches, in every format a user types, within the data scope, on every index path."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.accounts.models import RecordShare
from guanxi.customers import search
from guanxi.customers.models import Customer
from guanxi.customers.selectors import customer_list, customer_page
from guanxi.customers.services import customer_create, customer_update
from tests.conftest import Org
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _names(actor: Any, q: str, **filters: Any) -> list[str]:
    return [c.name for c in customer_page(actor=actor, q=q, limit=200, **filters)["items"]]


def test_derived_columns_hold_names_pinyin_initials_email_phone_and_key() -> None:
    columns = search.derived_columns(
        name="杭州云栖科技有限公司",
        short_name="云栖",
        name_en="Yunqi Tech Co., Ltd.",
        email="Sales@Yunqi.CN",
        phone_e164="+8657187023456",
    )
    assert "杭州云栖科技有限公司" in columns["search_text"]
    assert "hangzhouyunqikejiyouxiangongsi" in columns["search_text"]
    assert "hzyqkjyxgs" in columns["search_text"]
    assert "yunqi tech co., ltd." in columns["search_text"]
    assert "sales@yunqi.cn" in columns["search_text"]
    assert " 云栖 " in columns["search_grams"]
    assert " hz " in columns["search_grams"]
    assert columns["phone_rev"] == "6543207817568"
    assert columns["name_key"] == "杭州云栖科技"


@pytest.mark.parametrize(
    "q",
    [
        "张三",
        "zhangsan",
        "zhang san",
        "ZS",
        "zs",
        "138 0013 8000",
        "+86 138-0013-8000",
        "13800138000",
        "8000",
        "138 0013",
    ],
)
def test_a_person_is_found_by_name_pinyin_initials_and_phone_in_any_format(org: Org, q: str) -> None:
    rep1 = org["rep1"]
    customer_create(actor=rep1, name="张三", phone="138 0013 8000")
    customer_create(actor=rep1, name="李四", phone="139 0013 9000")
    assert _names(rep1, q) == ["张三"]


@pytest.mark.parametrize(
    "q", ["云栖", "云栖科技", "yunqi", "hzyq", "hangzhou", "Yunqi Tech", "sales@yunqi", "0571-8702 3456"]
)
def test_a_company_is_found_by_any_part_of_its_names_email_and_landline(org: Org, q: str) -> None:
    rep1 = org["rep1"]
    customer_create(
        actor=rep1,
        name="杭州云栖科技有限公司",
        phone="0571-8702 3456",
        name_en="Yunqi Tech Co., Ltd.",
        email="sales@yunqi.cn",
    )
    customer_create(actor=rep1, name="宁波港盛物流有限公司", phone="0574-1234 5678")
    assert _names(rep1, q) == ["杭州云栖科技有限公司"]


def test_one_character_finds_names_that_start_with_it(org: Org) -> None:
    rep1 = org["rep1"]
    for name in ("张三", "张伟", "李张"):
        customer_create(actor=rep1, name=name)
    assert sorted(_names(rep1, "张")) == ["张三", "张伟"]


def test_search_never_crosses_the_data_scope(org: Org) -> None:
    customer_create(actor=org["rep1"], name="云栖甲有限公司")
    customer_create(actor=org["rep2"], name="云栖乙有限公司")
    assert _names(org["rep1"], "云栖") == ["云栖甲有限公司"]
    assert _names(org["rep2"], "云栖有限") == []
    assert _names(org["rep2"], "云栖乙") == ["云栖乙有限公司"]
    assert sorted(_names(org["director"], "云栖")) == ["云栖乙有限公司", "云栖甲有限公司"]


def test_a_shared_customer_is_found_by_the_user_it_is_shared_with(org: Org) -> None:
    other = customer_create(actor=org["rep2"], name="共享云栖有限公司")
    assert _names(org["rep1"], "共享云栖") == []
    RecordShare.objects.create(
        record_type="customers.customer", record_id=other.pk, user=org["rep1"], granted_by=org["rep2"]
    )
    assert _names(org["rep1"], "共享云栖") == ["共享云栖有限公司"]
    assert _names(org["rep1"], "共享") == ["共享云栖有限公司"]


def test_the_index_follows_renames_reassignments_and_deletes(org: Org) -> None:
    rep1, rep2 = org["rep1"], org["rep2"]
    customer = customer_create(actor=rep1, name="旧名字有限公司")
    customer = customer_update(actor=rep1, customer=customer, version=customer.version, name="新名称有限公司")
    assert _names(rep1, "旧名字") == []
    assert _names(rep1, "新名称") == ["新名称有限公司"]
    # A bulk reassignment bypasses the services: the index must follow the owner anyway.
    Customer.objects.filter(pk=customer.pk).update(owner=rep2, team=rep2.team)
    assert _names(rep1, "新名称") == []
    assert _names(rep2, "新名称") == ["新名称有限公司"]
    Customer.objects.filter(pk=customer.pk).delete()
    assert _names(rep2, "新名称") == []
    assert _names(org["director"], "新名称") == []


def test_filters_combine_with_search(org: Org) -> None:
    rep1 = org["rep1"]
    customer_create(actor=rep1, name="杭州云栖有限公司", province="浙江省", city="杭州市")
    customer_create(actor=rep1, name="宁波云栖有限公司", province="浙江省", city="宁波市")
    assert _names(rep1, "云栖", city="宁波市") == ["宁波云栖有限公司"]
    assert sorted(_names(rep1, "", province="浙江省")) == ["宁波云栖有限公司", "杭州云栖有限公司"]


def test_a_common_term_pages_through_every_match_in_list_order(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "PROBE_LIMIT", 5)  # force the "common term" path with few rows
    monkeypatch.setattr(search, "WALK_ROWS", 7)
    rep1 = org["rep1"]
    for i in range(30):
        CustomerFactory(owner=rep1, name=f"云栖{i:02d}号有限公司")
        CustomerFactory(owner=rep1, name=f"港盛{i:02d}号有限公司")
    seen: list[str] = []
    cursor = None
    while True:
        page = customer_page(actor=rep1, q="云栖", limit=4, cursor=cursor)
        seen += [c.name for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [c.name for c in customer_list(actor=rep1, q="云栖").order_by("-created_at", "-pk")]
    assert len(seen) == 30


def test_sqlite_index_has_its_triggers_after_all_migrations() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table is SQLite's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'customers_customer'")
        assert {row[0] for row in cursor.fetchall()} == set(search.SQLITE_TRIGGER_NAMES)


def test_rebuild_index_restores_search_after_a_bulk_load(org: Org) -> None:
    rep1 = org["rep1"]
    with search.bulk_load():
        row = CustomerFactory.build(
            owner=rep1, team=rep1.team, created_by=rep1, updated_by=rep1, name="批量客户有限公司"
        )
        for field, value in search.derived_columns(name=row.name).items():
            setattr(row, field, value)
        Customer.objects.bulk_create([row])
    assert _names(rep1, "批量客户") == ["批量客户有限公司"]
    customer_create(actor=rep1, name="之后新建有限公司")  # triggers are back
    assert _names(rep1, "之后新建") == ["之后新建有限公司"]


WORDS = ["云栖", "港盛", "科技", "张三", "Yunqi", "tech", "物流", "张伟"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map("".join), min_size=1, max_size=12),
    q=st.sampled_from([*WORDS, "云栖科", "zs", "zhang", "yun", "TECH", "科", "yq", "张三 "]),
    actor=st.sampled_from(["rep1", "manager1", "director"]),
    walk_rows=st.sampled_from([1, 3, search.WALK_ROWS]),
    limit=st.sampled_from([2, 200]),
)
def test_every_index_path_returns_exactly_the_plain_filter(
    org: Org, names: list[str], q: str, actor: str, walk_rows: int, limit: int
) -> None:
    Customer.objects.all().delete()
    # East (rep1, rep1b) and Shanghai below it (rep3) are manager1's; South (rep2) is not, but one
    # of rep2's customers is shared with manager1.
    owners = [org["rep1"], org["rep1b"], org["rep2"], org["rep3"]]
    for i, name in enumerate(names):
        customer = customer_create(actor=owners[i % 4], name=name)
        if i == 2:
            RecordShare.objects.create(
                record_type=search.RECORD_TYPE, record_id=customer.pk, user=org["manager1"], granted_by=org["rep2"]
            )
    user = org[actor]
    expected = [c.pk for c in customer_list(actor=user, q=q).order_by("-created_at", "-pk")[:limit]]
    walk, search.WALK_ROWS = search.WALK_ROWS, walk_rows  # short walks: the index fallback runs too
    try:
        assert [c.pk for c in customer_page(actor=user, q=q, limit=limit)["items"]] == expected
    finally:
        search.WALK_ROWS = walk
    if limit < 200:
        return
    plain = [c.pk for c in customer_list(actor=user).order_by("-created_at", "-pk") if _plain_match(c, q)]
    assert expected == plain


def _plain_match(customer: Customer, q: str) -> bool:
    """What a user means, spelled out without the index columns."""
    text = " ".join(q.split()).lower()
    if len(text) == 1:
        return customer.name.startswith(text)
    haystack = f"{customer.name} {customer.name_pinyin} {customer.name_initials}".lower()
    if len(text) == 2:
        grams = {customer.name[i : i + 2] for i in range(len(customer.name) - 1)} | {customer.name_initials[:2]}
        words = [w for w in __import__("re").findall(r"[a-z0-9]+", haystack) if len(w) >= 2]
        return text in grams or text in {w[:2] for w in words}
    return text in haystack or text.replace(" ", "") in haystack


def test_search_uses_the_record_type_access_registers() -> None:
    from guanxi.accounts import access

    assert access.record_type_of(Customer) == search.RECORD_TYPE


@pytest.mark.parametrize("probe_limit", [0, 2000])
def test_phone_search_is_the_same_on_the_probe_and_the_walk(
    org: Org, monkeypatch: pytest.MonkeyPatch, probe_limit: int
) -> None:
    monkeypatch.setattr(search, "PROBE_LIMIT", probe_limit)
    rep1 = org["rep1"]
    customer_create(actor=rep1, name="甲", phone="138 0013 8000")
    customer_create(actor=rep1, name="乙", phone="0571-8702 8000")
    customer_create(actor=org["rep2"], name="丙", phone="139 0013 8000")
    assert sorted(_names(rep1, "8000")) == ["乙", "甲"]
    assert _names(rep1, "138 0013") == ["甲"]
    assert _names(rep1, "0571-8702") == ["乙"]
    assert _names(org["rep2"], "8000") == ["丙"]
