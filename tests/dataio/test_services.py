"""Import service tests on real files: dry run, apply modes, duplicate policies, scope leaks, encodings."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core.errors import InvalidInput, NotAllowed
from guanxi.core.models import AuditEntry
from guanxi.customers.models import Contact, Customer, Position
from guanxi.dataio import selectors, services
from guanxi.dataio.models import ImportProblem, ImportRow, ImportStatus
from tests.conftest import Org, Records
from tests.customers.factories import CustomerFactory
from tests.dataio.conftest import csv_bytes, upload, xlsx_bytes

HEADER = ["客户名称", "手机", "邮箱", "行业", "来源", "负责人"]


def _problems(job: Any, phase: str = "check") -> set[tuple[int, str, str]]:
    return set(ImportProblem.objects.filter(job=job, phase=phase).values_list("row_number", "kind", "field"))


def test_upload_suggests_the_mapping_from_chinese_headers(org: Org) -> None:
    job = upload(org["director"], csv_bytes([HEADER, ["甲公司", "13800000001", "", "", "", ""]]))
    assert job.status == ImportStatus.UPLOADED
    assert job.mapping == {"name": 0, "phone": 1, "email": 2, "industry": 3, "source": 4, "owner": 5}
    assert job.rows_total == 1


def test_upload_suggests_the_mapping_from_english_headers(org: Org) -> None:
    header = ["Customer name", "Phone", "E-mail", "Province", "City", "District", "Owner"]
    job = upload(org["director"], csv_bytes([header, ["Acme", "", "", "", "", "", ""]]))
    assert job.mapping == {"name": 0, "phone": 1, "email": 2, "province": 3, "city": 4, "district": 5, "owner": 6}


def test_dry_run_reports_every_problem_and_writes_nothing(org: Org, run_jobs: Any) -> None:
    rows = [
        HEADER,
        ["甲公司", "13800000001", "a@example.com", "制造业", "官网", ""],
        ["", "13800000002", "", "", "", ""],
        ["乙公司", "not a phone", "bad-mail", "Manufacturing", "website", "nobody"],
        ["丙公司", "", "", "what", "", ""],
    ]
    job = upload(org["director"], csv_bytes(rows))
    before = Customer.objects.count(), AuditEntry.objects.count()
    job = run_jobs(services.import_check, actor=org["director"], job=job)
    assert job.status == ImportStatus.CHECKED
    assert (job.checked_rows, job.check_errors, job.check_duplicates) == (4, 3, 0)
    assert (Customer.objects.count(), AuditEntry.objects.count()) == before
    found = _problems(job)
    assert (3, "error", "name") in found
    assert {(4, "error", "phone"), (4, "error", "email"), (4, "error", "owner")} <= found
    assert (5, "error", "industry") in found
    assert not any(row == 2 for row, _kind, _field in found)
    phone = ImportProblem.objects.get(job=job, row_number=4, field="phone")
    assert phone.column == "手机"
    assert phone.message == "Not a valid phone number."
    assert phone.message_zh


def test_valid_rows_mode_applies_the_good_rows_and_the_error_file_holds_the_rest(org: Org, run_jobs: Any) -> None:
    rows = [
        HEADER,
        ["甲公司", "138 0000 0001", "a@example.com", "C", "referral", ""],
        ["乙公司", "12", "", "", "", ""],
        ["丙公司", "", "", "", "", "rep1"],
    ]
    director = org["director"]
    job = upload(director, csv_bytes(rows))
    job = run_jobs(services.import_apply, actor=director, job=job, mode="valid_rows")
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.rejected_count) == (2, 1)
    first = Customer.objects.get(name="甲公司")
    assert (first.phone_e164, first.industry, first.source, first.owner) == (
        "+8613800000001",
        "C",
        "referral",
        director,
    )
    assert first.name_key == "甲"
    assert first.search_text
    assert Customer.objects.get(name="丙公司").owner == org["rep1"]
    assert AuditEntry.objects.filter(record_id=str(first.pk), action="create", field="phone").exists()
    assert first.facts is not None
    error_file = selectors.error_file(actor=director, job=job)
    lines = list(error_file.rows)
    assert lines[0] == [*HEADER, "错误 / error"]
    assert lines[1][:2] == ["乙公司", "12"]
    assert "Not a valid phone number." in lines[1][-1]
    assert len(lines) == 2


def test_all_or_nothing_applies_nothing_when_a_row_is_bad(org: Org, run_jobs: Any) -> None:
    rows = [HEADER, ["甲公司", "13800000001", "", "", "", ""], ["乙公司", "bad", "", "", "", ""]]
    job = upload(org["director"], csv_bytes(rows))
    before = Customer.objects.count()
    job = run_jobs(services.import_apply, actor=org["director"], job=job, mode="all_or_nothing")
    assert job.status == ImportStatus.FAILED
    assert Customer.objects.count() == before
    assert "nothing was applied" in job.message
    assert [row[0] for row in list(selectors.error_file(actor=org["director"], job=job).rows)[1:]] == ["乙公司"]


def test_all_or_nothing_applies_everything_when_all_rows_are_good(org: Org, run_jobs: Any) -> None:
    rows = [HEADER, *([f"公司{i}", f"1380000{i:04d}", "", "", "", ""] for i in range(7))]
    job = upload(org["director"], csv_bytes(rows))
    job = run_jobs(services.import_apply, actor=org["director"], job=job, mode="all_or_nothing")
    assert job.status == ImportStatus.DONE
    assert job.created_count == 7
    assert ImportRow.objects.filter(job=job, outcome="created").count() == 7


def test_reps_may_not_give_customers_to_others_and_need_the_import_permission(org: Org, run_jobs: Any) -> None:
    with pytest.raises(NotAllowed):
        upload(org["rep1"], csv_bytes([HEADER, ["甲", "", "", "", "", ""]]))
    org["rep1"].role.permissions = ["import"]
    org["rep1"].role.save()
    job = upload(org["rep1"], csv_bytes([HEADER, ["甲", "", "", "", "", "rep2"], ["乙", "", "", "", "", "rep1"]]))
    job = run_jobs(services.import_apply, actor=org["rep1"], job=job)
    assert (job.created_count, job.rejected_count) == (1, 1)
    assert not Customer.objects.filter(name="甲").exists()
    assert Customer.objects.get(name="乙").owner == org["rep1"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_from_chinese_excel_are_detected(org: Org, run_jobs: Any, encoding: str) -> None:
    data = csv_bytes([HEADER, ["杭州龍井茶業有限公司", "13800000001", "", "", "", ""]], encoding=encoding)
    job = upload(org["director"], data)
    job = run_jobs(services.import_apply, actor=org["director"], job=job)
    assert job.created_count == 1
    assert Customer.objects.filter(name="杭州龍井茶業有限公司").exists()


def test_xlsx_rows_with_numbers_and_dates(org: Org, run_jobs: Any) -> None:
    from datetime import datetime

    founded = datetime(2010, 5, 6)  # noqa: DTZ001 -- Excel cells have no time zone
    data = xlsx_bytes([["名称", "电话", "成立日期", "规模"], ["表格公司", 13800000001, founded, "50-199"], [None] * 4])
    job = upload(org["director"], data, name="客户.xlsx")
    assert job.file_format == "xlsx"
    job = run_jobs(services.import_apply, actor=org["director"], job=job)
    customer = Customer.objects.get(name="表格公司")
    assert (customer.phone_e164, str(customer.founded_on), customer.size) == ("+8613800000001", "2010-05-06", "50-199")


def test_formula_text_is_stored_as_plain_text(org: Org, run_jobs: Any) -> None:
    job = upload(org["director"], csv_bytes([["名称", "备注"], ['=HYPERLINK("x")', "<script>alert(1)</script>"]]))
    run_jobs(services.import_apply, actor=org["director"], job=job)
    customer = Customer.objects.get(notes="<script>alert(1)</script>")
    assert customer.name == '=HYPERLINK("x")'


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "a.csv", "empty"),
        (b"\x00\x01\x02\xff\xfe" * 100, "a.csv", "encoding"),
        (bytes(range(256)) * 40, "a.csv", "encoding"),
        ("名称\n".encode(), "a.csv", "no data rows"),
        (b"a,b\n1,2\n", "a.txt", "Only CSV"),
        (b"PK\x03\x04garbage", "a.xlsx", "not a readable"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "a.xls", ".xls"),
        ((",".join(f"c{i}" for i in range(50_000)) + "\n1\n").encode(), "wide.csv", "columns"),
        (b"name\n" + b"x" * 200_000 + b"\n", "a.csv", "malformed"),
    ],
)
def test_malformed_files_get_a_clear_error_and_create_nothing(
    org: Org, data: bytes, name: str, reason: str, settings: Any
) -> None:
    from guanxi.dataio.models import ImportJob

    with pytest.raises(InvalidInput) as caught:
        upload(org["director"], data, name=name)
    assert reason.lower() in caught.value.detail.lower()
    assert not ImportJob.objects.exists()
    assert not any(settings.GUANXI_IMPORT_DIR.iterdir())


def test_zip_bomb_xlsx_is_refused(org: Org) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 60_000_000)
    with pytest.raises(InvalidInput) as caught:
        upload(org["director"], buffer.getvalue(), name="bomb.xlsx")
    assert "unsafe" in caught.value.detail


def test_files_over_the_size_limit_are_refused(org: Org, settings: Any) -> None:
    settings.GUANXI_IMPORT_MAX_BYTES = 1000
    with pytest.raises(InvalidInput) as caught:
        upload(org["director"], csv_bytes([["名称"], *([f"公司{i}"] for i in range(200))]))
    assert "larger than" in caught.value.detail


# --- duplicates --------------------------------------------------------------------------------


def _dupe_file(name: str, phone: str = "", email: str = "", notes: str = "") -> bytes:
    return csv_bytes([["名称", "电话", "邮箱", "备注"], [name, phone, email, notes]])


def test_duplicate_by_phone_email_and_name_key(org: Org, records: Records, run_jobs: Any) -> None:
    rows = [
        ["名称", "电话", "邮箱"],
        ["全新的公司", "+86 138-0013-8000", ""],  # same phone as records.own
        ["杭州云栖科技股份有限公司", "", ""],  # same name key as records.own (云栖科技)
        ["宁波港盛物流", "", ""],  # records.team without the suffix
        ["第二家新公司", "", ""],
        ["第二家新公司有限公司", "", ""],  # repeats row 5 of the file
    ]
    job = upload(org["director"], csv_bytes(rows))
    job = run_jobs(services.import_check, actor=org["director"], job=job)
    dupes = {p.row_number: p for p in ImportProblem.objects.filter(job=job, kind="duplicate")}
    assert set(dupes) == {2, 3, 4, 6}
    assert (dupes[2].field, dupes[2].match_id) == ("phone", records.own.pk)
    assert (dupes[3].field, dupes[3].match_id) == ("name", records.own.pk)
    assert dupes[4].match_id == records.team.pk
    assert dupes[6].match_id is None
    assert "row 5" in dupes[6].message
    assert job.check_duplicates == 4


def test_near_identical_long_names_match_with_rapidfuzz(org: Org, run_jobs: Any) -> None:
    existing = CustomerFactory(owner=org["director"], name="Hangzhou Westlake Digital Technology Co., Ltd.")
    job = upload(org["director"], _dupe_file("Hangzhou West-lake Digital Technolgy Ltd"))
    job = run_jobs(services.import_check, actor=org["director"], job=job)
    assert ImportProblem.objects.get(job=job, kind="duplicate").match_id == existing.pk


@pytest.mark.parametrize(
    ("policy", "created", "merged", "skipped"), [("skip", 0, 0, 1), ("merge", 0, 1, 0), ("create", 1, 0, 0)]
)
def test_duplicate_policies(
    org: Org, records: Records, run_jobs: Any, policy: str, created: int, merged: int, skipped: int
) -> None:
    rep1 = org["rep1"]
    rep1.role.permissions = ["import"]
    rep1.role.save()
    records.own.email = "old@example.com"
    records.own.save()
    job = upload(rep1, _dupe_file("随便", "13800138000", "new@example.com", "导入的备注"), duplicate_policy=policy)
    job = run_jobs(services.import_apply, actor=rep1, job=job)
    assert (job.created_count, job.merged_count, job.skipped_count) == (created, merged, skipped)
    own = Customer.objects.get(pk=records.own.pk)
    if policy == "merge":
        assert own.notes == "导入的备注"  # an empty field is filled
        assert own.email == "old@example.com"  # a filled one is never overwritten
        assert own.name == "杭州云栖科技有限公司"
        assert own.version == records.own.version + 1
        assert AuditEntry.objects.filter(record_id=str(own.pk), action="update", field="notes").exists()
    else:
        assert own.notes == ""


def test_a_match_outside_the_scope_leaks_nothing_and_is_not_merged(org: Org, records: Records, run_jobs: Any) -> None:
    rep2 = org["rep2"]
    rep2.role.permissions = ["import"]
    rep2.role.save()
    job = upload(rep2, _dupe_file("别的名字", "13800138000", "", "想合并"), duplicate_policy="merge")
    job = run_jobs(services.import_check, actor=rep2, job=job)
    problem = ImportProblem.objects.get(job=job, kind="duplicate")
    assert problem.match_id is None
    assert problem.match_name == ""
    assert "杭州" not in problem.message + problem.message_zh
    assert "rep1" not in problem.message
    assert problem.message.startswith("A customer with this phone already exists.")
    job = run_jobs(services.import_apply, actor=rep2, job=job)
    assert (job.merged_count, job.skipped_count) == (0, 1)
    assert Customer.objects.get(pk=records.own.pk).notes == ""
    assert ImportRow.objects.get(job=job).record_id is None


# --- contacts -----------------------------------------------------------------------------------


def test_contacts_link_to_customers_by_name_or_id(org: Org, records: Records, run_jobs: Any) -> None:
    rows = [
        ["客户", "姓名", "手机", "职务", "角色"],
        [records.own.name, "王小明", "13900000001", "采购经理", "采购者"],
        [str(records.team.pk), "李四", "", "", "decision_maker"],
        [records.other.name, "赵六", "", "", ""],  # manager1 cannot see South
        ["不存在的公司", "钱七", "", "", ""],
    ]
    job = services.import_create(
        actor=org["admin"], upload=io.BytesIO(csv_bytes(rows)), file_name="c.csv", kind="contacts"
    )
    assert job.mapping == {"customer": 0, "name": 1, "mobile": 2, "title": 3, "buying_role": 4}
    org["manager1"].role.permissions = [*org["manager1"].role.permissions, "import"]
    org["manager1"].role.save()
    job.created_by = org["manager1"]
    job.save()
    job = run_jobs(services.import_apply, actor=org["manager1"], job=job)
    assert (job.created_count, job.rejected_count) == (2, 2)
    post = Position.objects.get(contact__name="王小明")
    assert (post.customer, post.title, post.buying_role) == (records.own, "采购经理", "purchaser")
    assert Contact.objects.get(name="王小明").mobile_e164 == "+8613900000001"
    assert Position.objects.get(contact__name="李四").customer == records.team
    reasons = {p.row_number: p.message for p in ImportProblem.objects.filter(job=job, phase="apply")}
    assert "that you can see" in reasons[4]
    assert "that you can see" in reasons[5]


@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx"]))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_bytes_either_import_or_give_a_clear_error(org: Org, data: bytes, suffix: str) -> None:
    error: InvalidInput | None = None
    try:
        job = upload(org["director"], data, name=f"fuzz{suffix}")
    except InvalidInput as exc:
        error = exc
    if error is not None:
        assert error.errors[0]["loc"] == ["file"]
    else:
        assert job.rows_total
