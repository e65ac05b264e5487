"""The value dashboard in the browser, in Chinese and in English: click the negative-value slice, land
on the list of exactly those customers, open one, and see why — its cost-to-serve breakdown — and its
grade history. Charts draw without CSP violations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from guanxi.insights.models import CustomerValue, ValueClassChoice
from guanxi.web.demo import demo_load
from guanxi.web.demo_value import demo_value_load
from tests.e2e.pages import login

pytestmark = pytest.mark.e2e

LABELS = {
    "zh": {"negative": "负值客户", "cost": "服务成本"},  # the class label as translated since issue 5 began
    "en": {"negative": "Negative value", "cost": "Cost to serve"},
}


@pytest.fixture
def valued(transactional_db: Any) -> int:
    """The demo with 400 generated customers and three monthly value runs; the number of loss makers."""
    demo_load()
    demo_value_load(customers=400)
    return CustomerValue.objects.filter(value_class=ValueClassChoice.NEGATIVE).count()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_from_the_negative_slice_to_why_a_customer_loses_money(
    language: str, page: Page, live_server: Any, valued: int
) -> None:
    assert valued > 0, "the demo must hold loss-making customers"
    labels = LABELS[language]
    console: list[ConsoleMessage] = []
    page.on("console", lambda message: console.append(message))
    login(page, live_server.url, "director", english=language == "en")

    page.goto(f"{live_server.url}/insights/")
    classes = page.locator("[data-testid=value-classes]")
    expect(classes).to_be_visible()
    expect(classes.locator("canvas, svg").first).to_be_visible()  # the chart drew
    page.locator("[data-testid=class-link-negative]").click()

    expect(page).to_have_url(re.compile(r"/customers/\?.*value_class=negative"))
    rows = page.locator("#gx-customer-rows")
    links = rows.locator("a[href*='/customers/']")
    expect(links.first).to_be_visible()
    names = set(
        CustomerValue.objects.filter(value_class=ValueClassChoice.NEGATIVE).values_list("customer__name", flat=True)
    )
    shown = links.all_inner_texts()
    assert shown
    assert all(name.strip() in names for name in shown if name.strip())
    links.first.click()

    value = page.locator("[data-testid=value-panel]")
    expect(value).to_be_visible()
    expect(value).to_contain_text(labels["negative"])
    cost = page.locator("[data-testid=cost-to-serve]")
    expect(cost).to_be_visible()
    expect(cost).to_contain_text(labels["cost"])

    grade = page.locator("[data-testid=grade-panel]")
    expect(grade).to_be_visible()
    grade.locator("summary").first.click()  # "why this grade": contributions and the history
    expect(page.locator("[data-testid=grade-history]").locator("li, tr").first).to_be_visible()

    errors = [m.text for m in console if m.type == "error" and "Content Security Policy" in m.text]
    assert not errors, errors
