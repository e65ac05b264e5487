"""Import a CSV with bad rows through the browser: upload, map, dry run, apply, download the error file.

Run in Chinese and in English. Elements are found by their form actions and ids, so the test
does not depend on button wording; the reasons shown are checked in the page's language.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from guanxi.customers.models import Customer
from guanxi.dataio.models import ImportJob
from guanxi.web.demo import demo_load
from tests.e2e.pages import login

pytestmark = pytest.mark.e2e

ROWS = [
    ["客户名称", "手机", "邮箱", "行业"],
    ["浏览器导入甲公司", "13811112222", "jia@example.com", "制造业"],
    ["浏览器导入乙公司", "电话未知", "", ""],
    ["", "13811113333", "", ""],
    ["浏览器导入丙公司", "13811114444", "not-an-email", "Manufacturing"],
    ["浏览器导入丁公司", "+86 138 1111 5555", "", "C"],
]
REASONS = {"zh-hans": "不是有效的电话号码", "en": "Not a valid phone number"}


@pytest.fixture
def demo(transactional_db: Any, settings: Any, tmp_path: Path) -> None:
    settings.GUANXI_IMPORT_DIR = tmp_path / "imports"
    demo_load()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_import_a_csv_with_bad_rows_and_download_the_error_file(
    page: Page, live_server: Any, demo: None, tmp_path: Path, language: str
) -> None:
    source = tmp_path / "客户导入.csv"
    with source.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(ROWS)
    base = live_server.url
    login(page, base, "director")
    page.goto(f"{base}/customers/")
    if language == "en":
        page.get_by_role("button", name="English").first.click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.wait_for_load_state()  # the reloaded page's deferred scripts (Bootstrap's dropdown) have run
    else:
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")

    # The import/export menu of the customer list leads to the wizard.
    page.locator(".gx-data-menu .dropdown-toggle").click()
    page.locator(".gx-data-menu a[href$='/data/imports/?kind=customers']").click()
    expect(page).to_have_url(re.compile(r"/data/imports/\?kind=customers$"))

    # 1. upload
    page.set_input_files("input[name=file]", str(source))
    page.locator("form[action$='/data/imports/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/data/imports/[0-9a-f-]+/$"))

    # 2. the suggested mapping, then the dry run
    mapping = page.locator("#gx-import-mapping form")
    expect(mapping.locator("select[name=col_name]")).to_have_value("0")
    expect(mapping.locator("select[name=col_phone]")).to_have_value("1")
    before = Customer.objects.count()
    mapping.locator("button[type=submit]").click()

    # 3. the dry-run report lists every problem row, nothing written yet
    report = page.locator("#gx-import-report")
    expect(report.locator("[data-figure=errors]")).to_have_text("3")
    problems = page.locator("#gx-import-problems")
    expect(problems.locator("tr[data-row='3']")).to_contain_text(REASONS[language])
    expect(problems.locator("tr[data-row='4']")).to_be_visible()
    expect(problems.locator("tr[data-row='5']")).to_be_visible()
    assert Customer.objects.count() == before

    # 4. apply the valid rows
    apply = page.locator("#gx-import-apply form")
    apply.locator("input[name=mode][value=valid_rows]").check()
    apply.locator("button[type=submit]").click()
    expect(page.locator("#gx-import-progress [data-status]")).to_have_attribute("data-status", "done")
    expect(page.locator("[data-figure=created]")).to_have_text("2")
    expect(page.locator("[data-figure=rejected]")).to_have_text("3")
    assert Customer.objects.filter(name__startswith="浏览器导入").count() == 2
    assert Customer.objects.get(name="浏览器导入丁公司").phone_e164 == "+8613811115555"

    # The error file has the rejected rows as they were, with the reason in both languages.
    with page.expect_download() as info:
        page.locator("a[href$='/error-file/']").click()
    content = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == [*ROWS[0], "错误 / error"]
    assert [row[:4] for row in rows[1:]] == [ROWS[2], ROWS[3], ROWS[4]]
    assert "不是有效的电话号码" in rows[1][4]
    assert "Not a valid phone number" in rows[1][4]
    assert "email" in rows[3][4].lower()
    assert ImportJob.objects.get().status == "done"
