"""Steps the browser tests share."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from guanxi.web.demo import DEMO_PASSWORD


def login(page: Page, base: str, username: str, *, english: bool = False) -> None:
    """Log in as a demo user and land on the home page; then switch to English if asked."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/$"))
    if english:
        page.get_by_role("button", name="English").first.click()
        expect(page.get_by_role("link", name="Customers").first).to_be_visible()
        page.wait_for_load_state()  # the reloaded page's deferred scripts (htmx, Bootstrap) have run
