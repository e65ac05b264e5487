"""A user logs in in Chinese, switches to English, opens a customer, edits it and sees the audit entry."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from guanxi.customers.models import Customer
from guanxi.web.demo import DEMO_PASSWORD, demo_load

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db: Any) -> None:
    demo_load()


def _login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()


def test_login_in_chinese_switch_to_english_edit_and_see_audit(page: Page, live_server: Any, demo: None) -> None:
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    expect(page.locator("h1, h2").first).to_contain_text("登录")
    _login(page, base, "rep1")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="客户").first).to_be_visible()

    page.get_by_role("button", name="English").first.click()
    expect(page.get_by_role("link", name="Customers").first).to_be_visible()

    page.get_by_role("link", name="Customers").first.click()
    page.get_by_role("link", name="杭州云栖科技有限公司").click()
    expect(page.locator("h1")).to_contain_text("杭州云栖科技有限公司")

    edit = page.locator("form[action$='/edit/']")
    edit.locator("input[name=name]").fill("杭州云栖科技股份有限公司")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.locator("h1")).to_contain_text("杭州云栖科技股份有限公司")

    history = page.locator("#history")
    expect(history).to_contain_text("杭州云栖科技有限公司")
    expect(history).to_contain_text("杭州云栖科技股份有限公司")
    expect(history).to_contain_text("张伟")
    assert Customer.objects.get(name="杭州云栖科技股份有限公司").version == 2


def test_rep_cannot_open_another_reps_customer_in_the_browser(page: Page, live_server: Any, demo: None) -> None:
    other = Customer.objects.get(name="深圳前海数智有限公司")
    _login(page, live_server.url, "rep1")
    expect(page).to_have_url(re.compile(r"/$"))
    response = page.goto(f"{live_server.url}/customers/{other.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("深圳前海数智有限公司")


def test_phone_width_has_a_working_menu(page: Page, live_server: Any, demo: None) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    _login(page, live_server.url, "rep1")
    expect(page).to_have_url(re.compile(r"/$"))
    page.wait_for_load_state()  # the collapse is wired by Bootstrap, a deferred script of the home page
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    toggler.click()
    expect(page.get_by_role("link", name="客户").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


def test_pages_load_without_csp_violations(page: Page, live_server: Any, demo: None) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _login(page, live_server.url, "manager1")
    page.goto(f"{live_server.url}/customers/")
    page.fill("input[name=q]", "zs")
    expect(page.locator("body")).to_contain_text("张三")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_log_an_interaction_and_change_a_post_in_the_panels(page: Page, live_server: Any, demo: None) -> None:
    customer = Customer.objects.get(name="杭州云栖科技有限公司")
    _login(page, live_server.url, "rep1")
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{live_server.url}/customers/{customer.pk}/")

    interactions = page.locator("#interactions")
    log = interactions.locator("form[action$='/interactions/new/']")
    log.locator("select[name=channel]").select_option("wechat")
    log.locator("textarea[name=summary]").fill("客户确认下周签约")
    log.locator("input[name=next_step]").fill("准备合同")
    log.get_by_role("button", name="记录互动").click()
    expect(interactions.locator(".gx-last-conversation")).to_contain_text("客户确认下周签约")
    expect(interactions).to_contain_text("准备合同")

    contacts = page.locator("#contacts")
    first_post = contacts.locator("details").first
    first_post.locator("summary").click()
    change = first_post.locator("form[action$='/change/']")
    change.locator("input[name=title]").fill("副总经理")
    change.get_by_role("button", name="调岗").click()
    expect(contacts).to_contain_text("副总经理")
    # The change reaches the timeline too (and the test ends after that refresh, not during it).
    expect(page.locator("#timeline .gx-timeline-post", has_text="副总经理")).to_have_count(1)
