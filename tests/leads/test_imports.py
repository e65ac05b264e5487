"""Import of leads from CSV and xlsx: headers in Chinese or English, GBK, rejected rows kept, duplicates flagged."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from guanxi.core.errors import InvalidInput, NotAllowed
from guanxi.leads import imports, services
from guanxi.leads.imports import column_map, leads_import
from guanxi.leads.models import DuplicateCandidate, DuplicateState, Lead, LeadEventKind, LeadStatus
from tests.conftest import Org, Records

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(org: Org) -> Any:
    row = services.lead_settings()
    row.assignment = {"rules": [{"kind": "pool"}]}
    row.save()
    return services.channel_create(actor=org["admin"], name="展会名单", kind="paid", team=org.east)


def _csv(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def _xlsx(rows: list[list[Any]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as a user typed it
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_a_gbk_csv_with_chinese_headers_becomes_cleaned_leads(org: Org, channel: Any) -> None:
    text = (
        "姓名,公司,手机,邮箱,城市,展位备注\n"
        "张伟,杭州云栖科技有限公司,138-0013-8001,ZW@Yunqi.CN,杭州,A12\n"
        "李娜,宁波港盛物流,13700001111,,宁波,\n"
    )
    report = leads_import(actor=org["admin"], channel=channel, upload=_csv(text, "gbk"), file_name="名单.csv")
    assert (report.rows, report.created, report.rejected) == (2, 2, 0)
    zhang = Lead.objects.get(name__contains="张")
    assert zhang.company == "杭州云栖科技有限公司"
    assert zhang.phone_e164 == "+8613800138001"
    assert zhang.email == "zw@yunqi.cn"
    assert zhang.city == "杭州"
    assert zhang.extra["展位备注"] == "A12"
    assert zhang.grade in {"A", "B", "C", "D"}
    assert zhang.team_id == org.east.pk  # the pool, as at entry
    assert zhang.owner_id is None
    kinds = set(zhang.events.values_list("kind", flat=True))
    assert {LeadEventKind.CREATED, LeadEventKind.POOLED} <= kinds


def test_english_headers_in_an_xlsx_file(org: Org, channel: Any) -> None:
    upload = _xlsx([["Name", "Company", "Phone", "E-mail"], ["Wang Fang", "Acme Trading Co., Ltd.", "13500002222", ""]])
    report = leads_import(actor=org["admin"], channel=channel, upload=upload, file_name="list.xlsx")
    assert report.created == 1
    lead = Lead.objects.get()
    assert lead.name == "Wang Fang"
    assert lead.phone_e164 == "+8613500002222"


def test_a_formula_is_kept_as_text(org: Org, channel: Any) -> None:
    upload = _xlsx([["姓名", "公司", "电话"], ["=cmd|' /C calc'!A0", "=HYPERLINK(1)", "13500003333"]])
    leads_import(actor=org["admin"], channel=channel, upload=upload, file_name="list.xlsx")
    csv_report = leads_import(
        actor=org["admin"], channel=channel, upload=_csv("name,company,phone\n=cmd,Foo,13500004444\n"),
        file_name="list.csv",
    )  # fmt: skip
    assert csv_report.rows == 1
    names = {name.lower() for name in Lead.objects.values_list("name", flat=True)}
    assert "=cmd" in names  # stored as the text typed, never evaluated
    assert "=cmd|' /c calc'!a0" in names


def test_rejected_rows_are_kept_with_their_reasons(org: Org, channel: Any) -> None:
    text = "name,phone,email\n赵敏,12,zm@mailinator.com\n钱多多,13912345678,\n"
    report = leads_import(actor=org["admin"], channel=channel, upload=_csv(text), file_name="x.csv")
    assert (report.created, report.rejected) == (1, 1)
    rejected = Lead.objects.get(status=LeadStatus.REJECTED)
    assert rejected.name == "赵敏"
    assert rejected.rejections
    assert report.errors
    assert "2" in report.errors[0]


def test_duplicates_of_customers_and_of_earlier_rows_are_flagged(org: Org, records: Records, channel: Any) -> None:
    text = (
        "姓名,公司,电话\n"
        "云栖前台,杭州云栖科技有限公司,13800138000\n"  # the phone of rep1's customer
        "孙悦,成都蜀锦文化传媒,13011112222\n"
        "孫悅,成都蜀錦文化傳媒有限公司,028-8765 4321\n"  # the row above, in traditional characters
        "周芷若,峨眉山茶业,13322223333\n"
    )
    report = leads_import(actor=org["admin"], channel=channel, upload=_csv(text), file_name="x.csv")
    assert (report.created, report.duplicates) == (4, 2)
    front = Lead.objects.get(phone_e164="+8613800138000")
    assert front.duplicate_state == DuplicateState.SUSPECTED
    assert DuplicateCandidate.objects.get(lead=front).customer_id == records.own.pk
    second = Lead.objects.get(name="孫悅")
    assert DuplicateCandidate.objects.get(lead=second).other_lead_id == Lead.objects.get(name="孙悦").pk
    assert Lead.objects.get(name="周芷若").duplicate_state == DuplicateState.NONE
    # A later entry finds the imported leads too.
    again = services.lead_create(actor=org["admin"], channel=channel, raw={"name": "周芷若", "phone": "13322223333"})
    assert DuplicateCandidate.objects.filter(lead=again, other_lead__name="周芷若").exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "x.csv", "empty"),
        (b"\xd0\xcf\x11\xe0rest", "x.xls", "xls"),
        (b"not a zip", "x.xlsx", "Excel"),
        ("颜色,尺寸\n红,大\n".encode(), "x.csv", "name, company or phone"),
        (b"name,phone\n", "x.csv", "no data rows"),
    ],
)
def test_a_bad_file_gets_a_clear_error_and_writes_nothing(
    org: Org, channel: Any, content: bytes, name: str, message: str
) -> None:
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        leads_import(actor=org["admin"], channel=channel, upload=io.BytesIO(content), file_name=name)
    assert message.lower() in str(caught.value.errors).lower() + str(caught.value).lower()
    assert not Lead.objects.exists()


def test_only_lead_managers_import(org: Org, channel: Any) -> None:
    with pytest.raises(NotAllowed):
        leads_import(actor=org["rep1"], channel=channel, upload=_csv("name,phone\n甲,13500005555\n"), file_name="a.csv")
    assert not Lead.objects.exists()


def test_headers_map_in_either_language() -> None:
    assert column_map(["姓名", "公司名称", "手机号码", "电子邮箱", "城市", "备注"]) == {
        0: "name", 1: "company", 2: "phone", 3: "email", 4: "city", 5: "message",
    }  # fmt: skip
    assert column_map(["Full Name", "COMPANY", "Tel", "E-mail", "Job Title"]) == {
        0: "name", 1: "company", 2: "phone", 3: "email", 4: "title",
    }  # fmt: skip


def test_worker_processes_give_the_same_leads_as_one_process(org: Org, channel: Any) -> None:
    text = (
        "姓名,公司,手机\n"
        + "".join(f"客户{n},公司{n}号,1350000{n:04d}\n" for n in range(30))
        + "重复,公司1号,13500000001\n"
    )
    alone = leads_import(actor=org["admin"], channel=channel, upload=_csv(text), file_name="a.csv", workers=0)
    forked = leads_import(actor=org["admin"], channel=channel, upload=_csv(text), file_name="a.csv", workers=2)
    assert (forked.rows, forked.created, forked.rejected) == (alone.rows, alone.created, alone.rejected) == (31, 31, 0)
    assert forked.duplicates == 31  # every row of the second file repeats one of the first
    by_row = {lead.extra["import_row"]: lead for lead in Lead.objects.filter(pk__in=forked.lead_ids)}
    assert by_row[2].phone_e164 == "+8613500000000"
    assert by_row[32].duplicate_state == DuplicateState.SUSPECTED


@pytest.mark.parametrize("workers", [0, 2])
def test_rows_find_earlier_rows_and_customers_across_batches(
    org: Org, records: Records, channel: Any, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches of 4 rows, cleaned 2 at a time: the duplicate check of a batch runs before the batch
    # before it is written, so earlier rows are found in the file's own index, each exactly once.
    monkeypatch.setattr(imports, "BATCH", 4)
    monkeypatch.setattr(imports, "CHUNK", 2)
    monkeypatch.setattr(imports, "AHEAD", 2)
    people = [f"员工{n},某某{n}号贸易有限公司,1390000{n:04d}\n" for n in range(1, 13)]
    people[9] = "员工一,某某1号贸易有限公司,13900000001\n"  # row 11 repeats row 2 (two batches later)
    people[10] = "员工二,某某2号贸易有限公司,13900000002\n"  # row 12 repeats row 3 (the very next batch)
    people[5] = "前台,杭州云栖科技有限公司,13800138000\n"  # row 7: the customer's phone
    first = leads_import(actor=org["admin"], channel=channel, upload=_csv("姓名,公司,手机\n" + "".join(people)),
                         file_name="a.csv", workers=workers)  # fmt: skip
    assert (first.rows, first.created, first.duplicates) == (12, 12, 3)
    by_row = {lead.extra["import_row"]: lead for lead in Lead.objects.filter(pk__in=first.lead_ids)}
    found = {
        (lead.extra["import_row"], c.kind, c.other_lead_id or c.customer_id)
        for lead in by_row.values()
        for c in DuplicateCandidate.objects.filter(lead=lead)
    }
    assert found == {
        (11, "lead", by_row[2].pk),
        (12, "lead", by_row[3].pk),
        (7, "customer", records.own.pk),
    }
    # A second file: its rows find the first file's leads in the database, once each.
    again = leads_import(actor=org["admin"], channel=channel, upload=_csv("姓名,公司,手机\n" + people[0] + people[3]),
                         file_name="b.csv", workers=workers)  # fmt: skip
    assert again.duplicates == 2
    twins = DuplicateCandidate.objects.filter(lead__in=again.lead_ids)
    assert sorted(str(c.other_lead_id) for c in twins) == sorted([str(by_row[2].pk), str(by_row[11].pk),
                                                                   str(by_row[5].pk)])  # fmt: skip


def test_the_api_reports_created_rejected_and_flagged_rows(org: Org, records: Records, channel: Any, api: Any) -> None:
    client = api("director")
    upload = _csv("姓名,公司,电话\n云栖前台,杭州云栖科技有限公司,13800138000\n无名,,12\n")
    upload.name = "名单.csv"
    response = client.client.post("/api/v1/leads/import", {"file": upload, "channel_id": str(channel.pk)},
                                  **client.headers)  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rows"], body["created"], body["rejected"], body["duplicates"]) == (2, 1, 1, 1)
    assert len(body["errors"]) == 1


def test_the_api_refuses_a_bad_file_with_a_problem(org: Org, channel: Any, api: Any) -> None:
    client = api("director")
    upload = io.BytesIO(b"\xd0\xcf\x11\xe0old excel")
    upload.name = "list.xls"
    response = client.client.post("/api/v1/leads/import", {"file": upload, "channel_id": str(channel.pk)},
                                  **client.headers)  # fmt: skip
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert not Lead.objects.exists()


def test_the_import_page_shows_what_became_of_the_rows(org: Org, channel: Any, browser_client: Any) -> None:
    browser = browser_client("admin")
    upload = _csv("姓名,公司,电话\n<b>甲</b>,某公司,13500006666\n乙,,12\n")
    upload.name = "名单.csv"
    browser.get(reverse("leads:lead-import"))
    form = {"file": upload, "channel": str(channel.pk), "csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
    with translation.override("en"):
        response = browser.post(reverse("leads:lead-import"), form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    report = response.content.decode().split('id="import-report"')[1]
    assert 'Leads created</dt><dd class="col-sm-8">1<' in report
    assert 'Rows rejected (kept as rejected leads)</dt><dd class="col-sm-8">1<' in report
    assert "<b>甲</b>" not in response.content.decode()  # what users typed is escaped
