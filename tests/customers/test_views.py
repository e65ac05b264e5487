"""Customer pages: search tolerates junk, edits keep the version rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from guanxi.accounts.services import record_share
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer, CustomerFacts, Interaction, Position
from tests.conftest import Org, Records


def test_page_search_with_nul_character_is_harmless(browser_client: Any, records: Records) -> None:
    response = browser_client("rep1").get("/customers/", {"q": "杭州\x00"})
    assert response.status_code == 200
    assert records.own.name in response.content.decode()


def test_page_edit_with_stale_version_shows_conflict_and_keeps_data(browser_client: Any, records: Records) -> None:
    client = browser_client("rep1")
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    url = f"/customers/{records.own.pk}/edit/"
    first = client.post(url, {"name": "第一次", "phone": "", "version": 1, "csrfmiddlewaretoken": token})
    assert first.status_code == 302
    stale = client.post(url, {"name": "第二次", "phone": "", "version": 1, "csrfmiddlewaretoken": token})
    assert stale.status_code == 409
    records.own.refresh_from_db()
    assert (records.own.name, records.own.version) == ("第一次", 2)


# --- contacts and interactions panels -------------------------------------------------------


def _csrf(client: Any) -> str:
    client.get("/accounts/login/")
    return str(client.cookies["csrftoken"].value)


def _post(client: Any, url: str, data: dict[str, Any], **headers: Any) -> Any:
    return client.post(url, {**data, "csrfmiddlewaretoken": _csrf(client)}, **headers)


def _log_many(org: Org, customer: Customer, count: int) -> None:
    now = timezone.now()
    for n in range(count):
        services.interaction_log(
            actor=org["rep1"],
            customer=customer,
            channel="phone",
            direction="outbound",
            summary=f"第{n}次电话",
            occurred_at=now - timedelta(days=count - n),
        )


def test_interactions_panel_shows_the_last_conversation_first(browser_client: Any, org: Org, records: Records) -> None:
    now = timezone.now()
    for days, summary, step in ((3, "第一次拜访", ""), (1, "客户嫌价格高", "申请九折")):
        services.interaction_log(
            actor=org["rep1"],
            customer=records.own,
            channel="wechat",
            direction="outbound",
            summary=summary,
            next_step=step,
            occurred_at=now - timedelta(days=days),
        )

    body = browser_client("rep1").get(f"/customers/{records.own.pk}/interactions/").content.decode()

    last = body.index('id="last-conversation-title"')
    assert last < body.index("客户嫌价格高") < body.index("第一次拜访")
    assert body.index("申请九折") > last


def test_logging_an_interaction_through_the_page_updates_last_touch(
    browser_client: Any, org: Org, records: Records
) -> None:
    contact = services.contact_create(actor=org["rep1"], customer=records.own, name="王经理")
    client = browser_client("rep1")

    response = _post(
        client,
        f"/customers/{records.own.pk}/interactions/new/",
        {
            "channel": "wechat",
            "direction": "inbound",
            "contact": str(contact.pk),
            "summary": "询价",
            "next_step": "报价",
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "询价" in response.content.decode()
    interaction = Interaction.objects.get(customer=records.own)
    assert (interaction.contact_id, interaction.created_by_id) == (contact.pk, org["rep1"].pk)
    assert CustomerFacts.objects.get(customer=records.own).last_touch_channel == "wechat"
    detail = client.get(f"/customers/{records.own.pk}/").content.decode()
    assert 'id="last-touch"' in detail
    assert "No interactions logged yet." not in detail.split('id="last-touch"')[1].split("</p>")[0]


def test_logging_with_a_future_time_shows_the_error_on_the_field(browser_client: Any, records: Records) -> None:
    later = timezone.localtime() + timedelta(days=2)

    response = _post(
        browser_client("rep1"),
        f"/customers/{records.own.pk}/interactions/new/",
        {"channel": "phone", "direction": "outbound", "summary": "x", "occurred_at": later.strftime("%Y-%m-%dT%H:%M")},
    )

    assert response.status_code == 422
    assert "is-invalid" in response.content.decode()
    assert not Interaction.objects.filter(customer=records.own).exists()


def test_changing_a_post_through_the_page_keeps_the_old_one_in_history(
    browser_client: Any, org: Org, records: Records
) -> None:
    contact = services.contact_create(
        actor=org["rep1"],
        customer=records.own,
        name="李娜",
        started_on=timezone.localdate() - timedelta(days=30),
        post={"title": "采购经理"},
    )
    position = contact.positions.get()
    client = browser_client("rep1")

    response = _post(client, f"/customers/positions/{position.pk}/change/", {"title": "采购总监"})

    assert response.status_code == 302
    posts = Position.objects.filter(contact=contact).order_by("started_on")
    assert [(p.title, p.ended_on is None) for p in posts] == [("采购经理", False), ("采购总监", True)]
    body = client.get(f"/customers/{records.own.pk}/contacts/").content.decode()
    history = body.split("Post history")[1] if "Post history" in body else body.split("任职历史")[1]
    assert "采购经理" in history
    assert "采购总监" not in history


def test_ending_an_ended_post_is_a_conflict(browser_client: Any, org: Org, records: Records) -> None:
    contact = services.contact_create(actor=org["rep1"], customer=records.own, name="赵敏")
    position = contact.positions.get()
    services.position_end(actor=org["rep1"], position=position)

    response = _post(browser_client("rep1"), f"/customers/positions/{position.pk}/end/", {})

    assert response.status_code == 409


def test_read_only_share_sees_no_forms_and_cannot_post(browser_client: Any, org: Org, records: Records) -> None:
    contact = services.contact_create(actor=org["rep1"], customer=records.own, name="王经理")
    position = contact.positions.get()
    record_share(actor=org["rep1"], record=records.own, user=org["rep2"])
    client = browser_client("rep2")
    before = (Contact.objects.count(), Position.objects.count(), Interaction.objects.count())

    contacts = client.get(f"/customers/{records.own.pk}/contacts/")
    interactions = client.get(f"/customers/{records.own.pk}/interactions/")
    posts = [
        _post(client, f"/customers/{records.own.pk}/contacts/new/", {"name": "外人"}),
        _post(client, f"/customers/positions/{position.pk}/change/", {"title": "总监"}),
        _post(client, f"/customers/positions/{position.pk}/end/", {}),
        _post(
            client,
            f"/customers/{records.own.pk}/interactions/new/",
            {"channel": "phone", "direction": "inbound", "summary": "x"},
        ),
    ]

    assert (contacts.status_code, interactions.status_code) == (200, 200)
    assert "王经理" in contacts.content.decode()
    assert "<form" not in contacts.content.decode() + interactions.content.decode()
    assert [response.status_code for response in posts] == [403, 403, 403, 403]
    assert (Contact.objects.count(), Position.objects.count(), Interaction.objects.count()) == before
    position.refresh_from_db()
    assert position.ended_on is None


@pytest.mark.parametrize("panel", ["contacts", "interactions"])
def test_panel_query_count_does_not_grow_with_interactions(
    panel: str, browser_client: Any, org: Org, records: Records, django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        services.contact_create(actor=org["rep1"], customer=records.own, name=f"联系人{n}")
    client = browser_client("rep1")
    url = f"/customers/{records.own.pk}/{panel}/"
    client.get(url)
    budgets = []
    for count in (5, 45):
        _log_many(org, records.own, count)
        with django_assert_max_num_queries(10) as captured:
            assert client.get(url).status_code == 200
        budgets.append(len(captured))
    assert budgets[0] == budgets[1], budgets


def test_history_shows_choice_labels_not_codes(api: Any, browser_client: Any, org: Any) -> None:
    created = api("rep1").post("/api/v1/customers", {"name": "标签测试", "kind": "individual", "industry": "I"}).json()
    page = browser_client("rep1").get(f"/customers/{created['id']}/").content.decode()
    assert "个人" in page
    assert "信息传输、软件和信息技术服务业" in page
    assert ">individual<" not in page


def test_profile_is_shown_and_edited_on_the_page(browser_client: Any, records: Any) -> None:
    client = browser_client("rep1")
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    url = f"/customers/{records.own.pk}/edit/"
    body = {
        "name": records.own.name,
        "phone": "13800138000",
        "version": 1,
        "kind": "organisation",
        "industry": "C",
        "size": "200-999",
        "email": "sales@example.cn",
        "website": "https://example.cn",
        "province": "浙江省",
        "city": "杭州市",
        "district": "余杭区",
        "address": "文一西路 1 号",
        "founded_on": "2012-03-04",
        "source": "referral",
        "notes": "老客户介绍",
        "csrfmiddlewaretoken": token,
    }
    assert client.post(url, body).status_code == 302
    page = client.get(f"/customers/{records.own.pk}/").content.decode()
    for text in (
        "制造业",
        "200–999 人",
        "sales@example.cn",
        "浙江省杭州市余杭区",
        "2012-03-04",
        "转介绍",
        "老客户介绍",
    ):
        assert text in page, text
    bad = client.post(url, {**body, "version": 2, "email": "not-an-email", "founded_on": "2099-01-01"})
    assert bad.status_code == 422
    records.own.refresh_from_db()
    assert (records.own.email, records.own.version) == ("sales@example.cn", 2)
