"""/api/v1/customers: scope, search, optimistic locking, audit, errors, pagination and query budget."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.models import AuditEntry
from guanxi.customers.models import Customer
from tests.conftest import Org, Records
from tests.customers.factories import CustomerFactory

URL = "/api/v1/customers"


def test_rep_cannot_read_update_or_find_another_reps_customer(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    other = records.other
    assert rep1.get(f"{URL}/{other.pk}").status_code == 404
    response = rep1.patch(f"{URL}/{other.pk}", {"version": other.version, "name": "偷改"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert Customer.objects.get(pk=other.pk).name == other.name
    assert rep1.get(f"{URL}?q=深圳").json()["items"] == []
    assert rep1.get(f"{URL}/{other.pk}/history").status_code == 404
    assert [item["id"] for item in rep1.get(URL).json()["items"]] == [str(records.own.pk)]


def test_unknown_and_malformed_ids_answer_like_hidden_ones(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    assert rep1.get(f"{URL}/00000000-0000-0000-0000-000000000000").status_code == 404
    assert rep1.get(f"{URL}/not-a-uuid").status_code in {404, 422}


def test_stale_version_is_refused_with_409_and_changes_nothing(api: Any, records: Records) -> None:
    rep1 = api("rep1")
    url = f"{URL}/{records.own.pk}"
    first = rep1.patch(url, {"version": 1, "name": "杭州云栖科技股份有限公司"})
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = rep1.patch(url, {"version": 1, "name": "覆盖"})
    assert stale.status_code == 409
    assert stale.json()["status"] == 409
    row = Customer.objects.get(pk=records.own.pk)
    assert (row.name, row.version) == ("杭州云栖科技股份有限公司", 2)
    assert AuditEntry.objects.filter(record_id=str(row.pk), new_value="覆盖").count() == 0


def test_update_writes_audit_entry_per_changed_field(api: Any, org: Org, records: Records) -> None:
    rep1 = api("rep1")
    rep1.patch(f"{URL}/{records.own.pk}", {"version": 1, "name": "新名字", "phone": "+86 139 1234 5678"})
    history = rep1.get(f"{URL}/{records.own.pk}/history").json()["items"]
    changes = {(e["field"], e["old_value"], e["new_value"]) for e in history if e["action"] == "update"}
    assert changes == {("name", "杭州云栖科技有限公司", "新名字"), ("phone", "13800138000", "+86 139 1234 5678")}
    assert {e["actor"] for e in history} == {"rep1"}
    assert all(e["version"] == 2 for e in history)


def test_unchanged_patch_keeps_version_and_writes_no_audit(api: Any, records: Records) -> None:
    response = api("rep1").patch(f"{URL}/{records.own.pk}", {"version": 1, "name": records.own.name})
    assert response.json()["version"] == 1
    assert not AuditEntry.objects.filter(record_id=str(records.own.pk)).exists()


def test_create_sets_owner_team_phone_and_audit(api: Any, org: Org) -> None:
    response = api("rep1").post(URL, {"name": "  张三  ", "phone": "138 0013 8000"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "张三"
    assert body["phone_e164"] == "+8613800138000"
    assert body["owner"]["username"] == "rep1"
    assert body["team"]["id"] == org.east.pk
    assert AuditEntry.objects.filter(record_id=body["id"], action="create", field="name", new_value="张三").exists()


def test_rep_cannot_create_for_someone_else_but_manager_can(api: Any, org: Org) -> None:
    refused = api("rep1").post(URL, {"name": "代建客户", "owner_id": org["rep1b"].pk})
    assert refused.status_code == 403
    assert not Customer.objects.filter(name="代建客户").exists()
    made = api("manager1").post(URL, {"name": "代建客户", "owner_id": org["rep1b"].pk})
    assert made.status_code == 201
    assert made.json()["owner"]["username"] == "rep1b"


def test_manager_reassigns_and_team_follows_owner(api: Any, org: Org, records: Records) -> None:
    response = api("manager1").patch(f"{URL}/{records.own.pk}", {"version": 1, "owner_id": org["rep3"].pk})
    assert response.status_code == 200
    assert response.json()["team"]["id"] == org.shanghai.pk
    assert api("rep1").get(f"{URL}/{records.own.pk}").status_code == 404


def test_rep_cannot_reassign_own_customer(api: Any, org: Org, records: Records) -> None:
    response = api("rep1").patch(f"{URL}/{records.own.pk}", {"version": 1, "owner_id": org["rep2"].pk})
    assert response.status_code == 403
    assert Customer.objects.get(pk=records.own.pk).owner_id == org["rep1"].pk


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"name": ""}, "body.name"),
        ({"name": "x" * 201}, "body.name"),
        ({"name": "ok", "phone": "not a phone"}, "body.phone"),
        ({"name": 12}, "body.name"),
        ({}, "body.name"),
        ({"name": "NUL\x00公司"}, "body.name"),
        ({"name": "ok", "phone": "138\x00"}, "body.phone"),
    ],
)
def test_invalid_input_is_problem_json_with_field_path(api: Any, org: Org, body: dict[str, Any], path: str) -> None:
    response = api("rep1").post(URL, body)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert path in [error["path"] for error in response.json()["errors"]]
    assert not Customer.objects.exists()


def test_script_in_text_is_stored_verbatim_and_returned_as_json(api: Any, org: Org) -> None:
    name = "<script>alert(1)</script>"
    response = api("rep1").post(URL, {"name": name})
    assert response.status_code == 201
    assert response.json()["name"] == name


@pytest.mark.parametrize("q", ["zhangsan", "zs", "张三", "13800138000", "+86 138 0013 8000", "138-0013"])
def test_search_by_name_pinyin_initials_and_phone_in_any_format(api: Any, org: Org, q: str) -> None:
    rep1 = api("rep1")
    rep1.post(URL, {"name": "张三", "phone": "13800138000"})
    rep1.post(URL, {"name": "李四", "phone": "13900139000"})
    names = [item["name"] for item in rep1.get(f"{URL}?q={q}").json()["items"]]
    assert names == ["张三"]


def test_cursor_pagination_walks_every_row_once_in_order(api: Any, org: Org) -> None:
    for index in range(7):
        CustomerFactory(owner=org["rep1"], name=f"客户{index:02d}")
    rep1, seen, cursor = api("rep1"), [], None
    while True:
        page = rep1.get(f"{URL}?limit=3&ordering=name" + (f"&cursor={cursor}" if cursor else "")).json()
        assert page["limit"] == 3
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"客户{index:02d}" for index in range(7)]


@pytest.mark.parametrize(
    "query", ["ordering=secret", "cursor=garbage", "limit=0", "limit=100000", "q=%00", "ordering=%00name"]
)
def test_bad_list_parameters_get_clear_errors(api: Any, org: Org, query: str) -> None:
    response = api("rep1").get(f"{URL}?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"].startswith("query.")


def test_list_query_count_does_not_grow_with_rows(api: Any, org: Org) -> None:
    client = api("manager1")
    client.get(URL)  # the token's first use is recorded once
    counts = []
    for rows in (5, 30):
        while Customer.objects.count() < rows:
            CustomerFactory(owner=org["rep1"])
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(f"{URL}?limit=50").json()["items"]) == rows
        counts.append(len(queries))
    # the user, the team tree, the page's keys (every scope part in one statement), its rows
    assert counts[0] == counts[1] <= 5


def test_read_only_share_lets_you_read_but_not_change(api: Any, org: Org, records: Records) -> None:
    from guanxi.accounts.services import record_share

    record_share(actor=org["rep2"], record=records.other, user=org["rep1"])
    rep1 = api("rep1")
    assert rep1.get(f"{URL}/{records.other.pk}").status_code == 200
    assert str(records.other.pk) in {item["id"] for item in rep1.get(URL).json()["items"]}
    refused = rep1.patch(f"{URL}/{records.other.pk}", {"version": 1, "name": "只读也改"})
    assert refused.status_code == 403
    assert Customer.objects.get(pk=records.other.pk).name == records.other.name


def test_changeable_share_lets_you_change(api: Any, org: Org, records: Records) -> None:
    from guanxi.accounts.services import record_share

    record_share(actor=org["rep2"], record=records.other, user=org["rep1"], can_change=True)
    response = api("rep1").patch(f"{URL}/{records.other.pk}", {"version": 1, "name": "协作修改"})
    assert response.status_code == 200
    assert response.json()["owner"]["username"] == "rep2"
