"""Leads in the browser: a visitor fills in a channel's web form; the lead is cleaned, found to be an
existing customer and merged into it. Another visitor's lead is claimed from the pool by a rep,
followed up and converted; the funnel on the leads dashboard counts both conversions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from guanxi.customers.models import Customer
from guanxi.leads import services
from guanxi.leads.models import Channel, Lead, LeadStatus
from guanxi.web.demo import demo_load
from tests.e2e.pages import login

pytestmark = pytest.mark.e2e

EXISTING = "宁波港盛物流有限公司"  # rep1's demo customer, phone 13805741234


@pytest.fixture
def web_channel(transactional_db: Any) -> Channel:
    demo_load()
    from guanxi.accounts.models import Team, User

    admin = User.objects.get(username="admin")
    rules = services.lead_settings()
    rules.assignment = {"rules": [{"kind": "pool"}]}  # every web lead waits in East's pool
    rules.save()
    channel = services.channel_create(
        actor=admin, name="官网表单 Website", kind="self_built", team=Team.objects.get(name="华东销售部")
    )
    channel.form_enabled = True
    channel.save()
    return channel


def _submit(page: Page, base: str, channel: Channel, **fields: str) -> None:
    page.goto(f"{base}/f/{channel.form_key}/")
    for name, value in fields.items():
        page.fill(f"[name={name}]", value)
    page.locator("form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(re.compile("谢谢|Thank you"))


def _claim_and_open(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/leads/pool/")
    row = page.locator("tr", has_text=name)
    row.locator("form button[type=submit]").click()
    won = page.locator("[data-testid=claim-won]")  # the row now says the lead is yours (by its company)
    expect(won).to_be_visible()
    won.locator("a").first.click()
    expect(page.locator("[data-testid=lead-name]")).to_contain_text(name)


def test_web_form_lead_merged_into_a_customer_and_pool_lead_converted(
    page: Page, live_server: Any, web_channel: Channel, browser: Any
) -> None:
    console: list[ConsoleMessage] = []
    page.on("console", lambda message: console.append(message))
    base = live_server.url

    # Two visitors, no login: one is an existing customer (another way of writing its name and phone).
    visitor = browser.new_page()
    _submit(visitor, base, web_channel, name="陈经理", company="宁波港盛物流", phone="138-0574-1234")
    _submit(visitor, base, web_channel, name="林晓", company="温州瓯江茶业有限公司", phone="13912340001")
    visitor.close()
    known = Lead.objects.get(name="陈经理")
    assert known.phone_e164 == "+8613805741234"  # cleaned
    assert known.duplicate_state == "suspected"

    login(page, base, "rep1")
    _claim_and_open(page, base, "陈经理")
    duplicates = page.locator("[data-testid=duplicates]")
    expect(duplicates).to_contain_text(EXISTING)
    duplicates.locator("[data-testid=duplicate-merge]").first.click()
    expect(page.locator("[data-testid=converted]")).to_be_visible()
    known.refresh_from_db()
    assert known.status == LeadStatus.CONVERTED
    assert known.customer == Customer.objects.get(name=EXISTING)

    _claim_and_open(page, base, "林晓")
    page.select_option("#follow-up select[name=channel]", "phone")
    page.fill("#follow-up textarea[name=summary]", "电话沟通，约下周演示")
    page.locator("#follow-up button[type=submit]").click()
    expect(page.locator("[data-testid=status]")).to_contain_text(re.compile("已联系|Contacted"))
    page.locator("form[action$='/convert/'] button[type=submit]").click()
    expect(page.locator("[data-testid=converted]")).to_be_visible()
    won = Lead.objects.get(name="林晓")
    assert won.status == LeadStatus.CONVERTED
    assert won.customer is not None
    assert won.customer.owner.username == "rep1"

    # The window holds both leads even when the test straddles midnight at a month's end (Asia/Shanghai).
    first = timezone.localdate(min(lead.created_at for lead in Lead.objects.filter(pk__in=[known.pk, won.pk])))
    page.goto(f"{base}/leads/dashboard/?period=range&start={first}&end={timezone.localdate()}")
    funnel = page.locator("[data-testid=funnel-table]")
    expect(funnel).to_be_visible()
    total = funnel.locator("tbody tr").last
    expect(total.locator("td").nth(3)).to_have_text(re.compile(r"^\s*2\b"))  # converted: both leads (then the rate)
    expect(page.locator("#gx-leads-funnel canvas, #gx-leads-funnel svg").first).to_be_visible()

    errors = [m.text for m in console if m.type == "error" and "Content Security Policy" in m.text]
    assert not errors, errors
