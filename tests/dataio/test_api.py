"""/api/v1/imports and /api/v1/exports: upload, options, dry run, problems, apply, error file, exports."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook

from guanxi.customers.models import Customer
from guanxi.dataio.models import ImportJob
from tests.conftest import Org, Records
from tests.dataio.conftest import csv_bytes

ROWS = [["客户名称", "手机", "备注"], ["甲公司", "13800000001", "=SUM(A1)"], ["乙公司", "bad", ""]]


def _upload(client: Any, data: bytes, name: str = "c.csv", **fields: str) -> Any:
    upload = io.BytesIO(data)
    upload.name = name
    return client.client.post("/api/v1/imports", {"file": upload, **fields}, **client.headers)


def test_upload_check_problems_apply_and_error_file(
    api: Any, org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    client = api("director")
    response = _upload(client, csv_bytes(ROWS))
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "uploaded"
    assert job["mapping"] == {"name": 0, "phone": 1, "notes": 2}
    assert job["counts"]["rows_total"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/imports/{job['id']}/check", {"duplicate_policy": "merge"})
    assert response.status_code == 202
    job = client.get(f"/api/v1/imports/{job['id']}").json()
    assert (job["status"], job["counts"]["check_errors"], job["duplicate_policy"]) == ("checked", 1, "merge")
    problems = client.get(f"/api/v1/imports/{job['id']}/problems?kind=error").json()["items"]
    assert [(p["row"], p["column"], p["field"]) for p in problems] == [(3, "手机", "phone")]
    assert problems[0]["message"] == "Not a valid phone number."

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/imports/{job['id']}/apply", {"mode": "valid_rows"})
    assert response.status_code == 202
    job = client.get(f"/api/v1/imports/{job['id']}").json()
    assert (job["status"], job["counts"]["created"], job["counts"]["rejected"]) == ("done", 1, 1)
    assert job["has_error_file"]
    response = client.get(f"/api/v1/imports/{job['id']}/error-file")
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == ["客户名称", "手机", "备注", "错误 / error"]
    assert rows[1][:2] == ["乙公司", "bad"]
    assert "Not a valid phone number." in rows[1][3]
    assert len(rows) == 2
    assert Customer.objects.get(name="甲公司").notes == "=SUM(A1)"


def test_applied_job_cannot_be_applied_twice(api: Any, org: Org, django_capture_on_commit_callbacks: Any) -> None:
    client = api("director")
    job = _upload(client, csv_bytes(ROWS[:2])).json()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/imports/{job['id']}/apply", {}).status_code == 202
    assert client.post(f"/api/v1/imports/{job['id']}/apply", {}).status_code == 409
    assert Customer.objects.filter(name="甲公司").count() == 1


def test_bad_options_are_field_errors(api: Any, org: Org) -> None:
    client = api("director")
    job = _upload(client, csv_bytes(ROWS)).json()
    response = client.post(f"/api/v1/imports/{job['id']}/check", {"mapping": {"phone": 1, "nope": 0}})
    assert response.status_code == 422
    paths = {error["path"] for error in response.json()["errors"]}
    assert {"body.mapping.nope", "body.mapping.name"} <= paths
    assert client.post(f"/api/v1/imports/{job['id']}/check", {"mapping": {"name": 7}}).status_code == 422
    assert client.post(f"/api/v1/imports/{job['id']}/apply", {"mode": "sometimes"}).status_code == 422
    assert ImportJob.objects.get(pk=job["id"]).status == "uploaded"


def test_malformed_upload_is_a_422_and_creates_nothing(api: Any, org: Org) -> None:
    response = _upload(api("director"), b"\xff\xfe\x00garbage\x00", name="x.csv")
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "file"
    assert not ImportJob.objects.exists()


def test_jobs_are_private_to_their_creator_and_settings_managers(api: Any, org: Org) -> None:
    job = _upload(api("director"), csv_bytes(ROWS)).json()
    assert api("director").get("/api/v1/imports").json()["items"][0]["id"] == job["id"]
    assert api("admin").get(f"/api/v1/imports/{job['id']}").status_code == 200
    assert api("manager1").get(f"/api/v1/imports/{job['id']}").status_code == 404
    assert api("manager1").get("/api/v1/imports").json()["items"] == []
    assert api("rep1").get(f"/api/v1/imports/{job['id']}/error-file").status_code == 404


def _export_csv(client: Any, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_export_respects_scope_and_filters(api: Any, org: Org, records: Records) -> None:
    rows = _export_csv(api("manager1"), "/api/v1/exports/customers?format=csv")
    names = {row[1] for row in rows[1:]}
    assert names == {records.own.name, records.team.name, records.below.name}
    rows = _export_csv(api("manager1"), f"/api/v1/exports/customers?q={records.team.name}")
    assert [row[1] for row in rows[1:]] == [records.team.name]
    assert api("rep1").get("/api/v1/exports/customers").status_code == 403


def test_export_neutralises_formulas(api: Any, org: Org) -> None:
    Customer.objects.filter(pk__in=[]).delete()
    from tests.customers.factories import CustomerFactory

    for text in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "plain"):
        CustomerFactory(owner=org["director"], name=f"公司{text}", notes=text)
    rows = _export_csv(api("director"), "/api/v1/exports/customers")
    notes = {row[17] for row in rows[1:]}
    assert notes == {'\'=HYPERLINK("http://x")', "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "plain"}
    response = api("director").get("/api/v1/exports/customers?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = {row[17] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert '\'=HYPERLINK("http://x")' in values
    assert "plain" in values
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row if cell.value)


def test_exports_of_contacts_interactions_and_orders(api: Any, org: Org, records: Records) -> None:
    from guanxi.customers import services as customer_services

    customer_services.contact_create(actor=org["rep1"], customer=records.own, name="王经理", mobile="13900000001")
    customer_services.contact_create(actor=org["rep2"], customer=records.other, name="隐藏的人")
    customer_services.interaction_log(
        actor=org["rep1"], customer=records.own, channel="phone", direction="outbound", summary="=cmd|' /C calc'!A0"
    )
    contacts = _export_csv(api("manager1"), "/api/v1/exports/contacts")
    assert [row[1] for row in contacts[1:]] == ["王经理"]
    interactions = _export_csv(api("manager1"), "/api/v1/exports/interactions")
    assert interactions[1][8] == "'=cmd|' /C calc'!A0"
    orders = _export_csv(api("manager1"), "/api/v1/exports/orders?format=csv")
    assert orders[1:] == []
