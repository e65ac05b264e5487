"""The 360° page in the browser, in Chinese and in English: find a customer by pinyin initials, log an
interaction, change a contact's post, see both on the timeline; the relationship graph draws (no CSP
violations) and its nodes open the other customer's page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from guanxi.accounts.models import User
from guanxi.customers import services
from guanxi.customers.models import Customer
from guanxi.web.demo import demo_load
from tests.e2e.pages import login

pytestmark = pytest.mark.e2e

LABELS = {
    "zh": {"log": "记录互动", "change": "调岗"},
    "en": {"log": "Log interaction", "change": "Change post"},
}


@pytest.fixture
def network(transactional_db: Any) -> dict[str, Customer]:
    """The demo, plus a two-hop network around 杭州云栖 (all rep1's customers)."""
    demo_load()
    rep = User.objects.get(username="rep1")
    names = ("杭州云栖科技有限公司", "宁波港盛物流有限公司", "苏州恒达精密机械有限公司")
    hub, partner, second = (Customer.objects.get(name=name) for name in names)
    services.relationship_create(actor=rep, from_customer=hub, to_customer=partner, kind="partner")
    services.relationship_create(actor=rep, from_customer=partner, to_customer=second, kind="parent_of")
    return {"hub": hub, "partner": partner, "second": second}


def _csp_errors(messages: list[ConsoleMessage]) -> list[str]:
    return [m.text for m in messages if m.type == "error" and "Content Security Policy" in m.text]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_360_page_timeline_and_network(
    language: str, page: Page, live_server: Any, network: dict[str, Customer]
) -> None:
    labels, hub = LABELS[language], network["hub"]
    console: list[ConsoleMessage] = []
    page.on("console", lambda message: console.append(message))
    login(page, live_server.url, "rep1", english=language == "en")

    page.goto(f"{live_server.url}/customers/")
    page.fill("input[name=q]", "hzyq")  # 杭州云栖 by its pinyin initials
    expect(page).to_have_url(re.compile(r"q=hzyq"))
    rows = page.locator("#gx-customer-rows")
    expect(rows.get_by_role("link", name=hub.name)).to_be_visible()
    expect(rows.get_by_role("link", name="宁波港盛物流有限公司")).to_have_count(0)
    # Leaving the search box fires the form's "change" search: let it finish before clicking in the rows.
    page.locator("#gx-customer-q").blur()
    expect(page.locator("#gx-customer-spinner")).not_to_have_class(re.compile("htmx-request"))
    rows.get_by_role("link", name=hub.name).click()
    expect(page.locator("h1")).to_contain_text(hub.name)

    timeline = page.locator("#timeline")
    expect(timeline.locator(".gx-timeline-entry").first).to_be_visible()

    summary = f"360 测试互动 {language}"
    log = page.locator("#interactions form[action$='/interactions/new/']")
    log.locator("select[name=channel]").select_option("meeting")
    log.locator("textarea[name=summary]").fill(summary)
    log.get_by_role("button", name=labels["log"]).click()
    expect(timeline.locator(".gx-timeline-interaction", has_text=summary)).to_have_count(1)

    new_title = f"首席采购官{language}"
    post = page.locator("#contacts details").first
    post.locator("summary").click()
    change = post.locator("form[action$='/change/']")
    change.locator("input[name=title]").fill(new_title)
    change.get_by_role("button", name=labels["change"]).click()
    expect(page.locator("#contacts")).to_contain_text(new_title)
    changed = timeline.locator(".gx-timeline-post", has_text=new_title)
    expect(changed).to_have_count(1)
    expect(changed.locator(".gx-change-old")).to_be_visible()  # old title → new title
    expect(timeline).to_contain_text(summary)

    graph = page.locator("#network .gx-network-graph")
    expect(graph.locator("canvas")).to_have_count(1)
    box = graph.locator("canvas").bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 100
    listed = page.locator("#network .gx-network-list")
    for other in (network["partner"], network["second"]):
        expect(listed.get_by_role("link", name=other.name).first).to_have_attribute("href", f"/customers/{other.pk}/")
    assert not _csp_errors(console), _csp_errors(console)

    # A click on a node in the drawing opens that customer's 360° page. The point clicked is one the
    # chart itself reports as over the partner's node (another node's label may cover its centre).
    graph.scroll_into_view_if_needed()
    centre = page.evaluate(
        """(target) => {
            const element = document.querySelector("#network .gx-network-graph");
            const chart = window.echarts.getInstanceByDom(element);
            window.gxHovered = null;
            chart.on("mouseover", (params) => { window.gxHovered = params.data ? params.data.id : null; });
            chart.on("mouseout", () => { window.gxHovered = null; });
            const series = chart.getModel().getSeriesByIndex(0);
            const data = series.getData();
            for (let i = 0; i < data.count(); i += 1) {
                if (data.getRawDataItem(i).id === target) {
                    const [x, y] = data.getItemLayout(i);
                    const rect = element.getBoundingClientRect();
                    const view = series.coordinateSystem;
                    const [px, py] = view ? view.dataToPoint([x, y]) : [x, y];
                    return {x: rect.left + px, y: rect.top + py};
                }
            }
            return null;
        }""",
        str(network["partner"].pk),
    )
    assert centre is not None
    point = None
    for dx, dy in ((0, 0), (-7, 0), (0, -7), (0, 7), (7, 0), (-5, -5), (-5, 5), (5, -5), (5, 5)):
        page.mouse.move(centre["x"] + dx, centre["y"] + dy)
        page.wait_for_timeout(100)
        if page.evaluate("window.gxHovered") == str(network["partner"].pk):
            point = {"x": centre["x"] + dx, "y": centre["y"] + dy}
            break
    assert point is not None, "no point of the partner's node is reachable by the mouse"
    page.mouse.click(point["x"], point["y"])
    expect(page).to_have_url(re.compile(rf"/customers/{network['partner'].pk}/$"))
    expect(page.locator("h1")).to_contain_text(network["partner"].name)
    expect(page.locator("#network .gx-network-graph canvas")).to_have_count(1)
    assert not _csp_errors(console), _csp_errors(console)
