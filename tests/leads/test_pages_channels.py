"""Lead channel pages, the lead rules page and the leads dashboard."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guanxi.leads import channels, services
from guanxi.leads.models import Channel, ChannelCost, Lead, LeadStatus
from tests.conftest import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_client(org: Org) -> Any:
    """A logged-in session client in English (CSRF is checked by the shared middleware tests)."""

    def make(username: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(org[username], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
        return client

    return make


@pytest.fixture
def fair(org: Org) -> Channel:
    return channels.channel_create(actor=org["admin"], name="展会 Fair", kind="paid", team=org.east)


def _lead(org: Org, channel: Channel, owner: str, **fields: Any) -> Lead:
    user = org[owner]
    return Lead.objects.create(
        channel=channel, owner=user, team=user.team, created_by=org["admin"], updated_by=org["admin"], **fields
    )


def test_channel_list_shows_value_with_money_for_managers_only(browser_client: Any, org: Org, fair: Channel) -> None:
    _lead(org, fair, "rep1")
    channels.channel_cost_add(actor=org["admin"], channel=fair, spent_on=timezone.localdate(), amount="300")
    admin = browser_client("admin").get(reverse("leads:channel-list")).content.decode()
    assert "展会 Fair" in admin
    assert "300.00" in admin  # the cost, and cost per lead 300 / 1
    rep = browser_client("rep2").get(reverse("leads:channel-list")).content.decode()
    assert "展会 Fair" in rep
    assert "300.00" not in rep  # a bare "300" may sit in a record id or the CSRF token
    assert "Money figures are shown to lead managers." in rep


def test_channel_detail_is_for_lead_managers_and_shows_the_form_address(browser_client: Any, fair: Channel) -> None:
    url = reverse("leads:channel-detail", args=[fair.pk])
    assert browser_client("manager1").get(url).status_code == 403
    body = browser_client("director").get(url).content.decode()
    assert f"/f/{fair.form_key}/" in body
    assert 'data-copy-target="#gx-form-url"' in body


def test_the_structured_cleaning_editor_saves_blocked_words_and_lengths(browser_client: Any, fair: Channel) -> None:
    client = browser_client("admin")
    form = client.get(reverse("leads:channel-detail", args=[fair.pk])).context["cleaning_form"]
    data = {key: value for key, value in form.initial.items() if value is not False}
    data |= {"blacklist": "刷单\n博彩", "max_name": "50", "disposable_add": "spam.example"}
    response = client.post(reverse("leads:channel-cleaning", args=[fair.pk]), data)
    assert response.status_code == 302
    rules = Channel.objects.get(pk=fair.pk).cleaning
    assert rules["blacklist"] == ["刷单", "博彩"]
    assert rules["max_lengths"]["name"] == 50
    assert rules["disposable_add"] == ["spam.example"]


def test_a_wrong_json_rule_is_shown_with_its_path(browser_client: Any, fair: Channel) -> None:
    response = browser_client("admin").post(
        reverse("leads:channel-cleaning", args=[fair.pk]),
        {"document": '{"required": [["nickname"]]}', "version": "1"},
    )
    assert response.status_code == 422
    assert "required › 0 › 0: Unknown lead field." in response.content.decode()
    assert Channel.objects.get(pk=fair.pk).cleaning == {}


def test_costs_are_added_and_removed_on_the_page(browser_client: Any, fair: Channel) -> None:
    client = browser_client("admin")
    added = client.post(reverse("leads:channel-cost-add", args=[fair.pk]), {"spent_on": "2026-05-01", "amount": "88"})
    assert added.status_code == 302
    cost = ChannelCost.objects.get()
    assert cost.amount == Decimal("88")
    refused = client.post(reverse("leads:channel-cost-add", args=[fair.pk]), {"spent_on": "", "amount": "-1"})
    assert refused.status_code == 422
    client.post(reverse("leads:channel-cost-remove", args=[fair.pk, cost.pk]))
    assert not ChannelCost.objects.exists()


def test_a_new_form_key_from_the_page(browser_client: Any, fair: Channel) -> None:
    response = browser_client("admin").post(reverse("leads:channel-form-key", args=[fair.pk]), {"version": "1"})
    assert response.status_code == 302
    assert Channel.objects.get(pk=fair.pk).form_key != fair.form_key


def test_channel_create_page(browser_client: Any, org: Org) -> None:
    client = browser_client("admin")
    response = client.post(
        reverse("leads:channel-create"), {"name": "转介绍", "kind": "free", "team": org.south.pk, "is_active": "on"}
    )
    assert response.status_code == 302
    assert Channel.objects.get(name="转介绍").team == org.south
    assert browser_client("rep1").get(reverse("leads:channel-create")).status_code == 403


def test_settings_page_shows_rule_errors_with_paths(browser_client: Any) -> None:
    row = services.lead_settings()
    client = browser_client("admin")
    data = {
        "grading": '{"bogus": 1}',
        "assignment": "{}",
        "claim_limit": "5",
        "recycle_days": "3",
        "version": row.version,
    }
    response = client.post(reverse("leads:settings"), data)
    assert response.status_code == 422
    assert "grading › bogus: Unknown setting." in response.content.decode()
    broken = client.post(reverse("leads:settings"), {**data, "grading": "{}", "assignment": "{"})
    assert broken.status_code == 422
    assert "This is not valid JSON" in broken.content.decode()
    assert services.lead_settings().version == row.version


def test_settings_page_saves_and_is_read_only_for_reps(browser_client: Any) -> None:
    row = services.lead_settings()
    client = browser_client("director")
    form = client.get(reverse("leads:settings")).context["form"]
    data = {**form.initial, "claim_limit": "9"}
    assert client.post(reverse("leads:settings"), data).status_code == 302
    assert services.lead_settings().claim_limit == 9
    rep = browser_client("rep1")
    assert "lead managers change them" in rep.get(reverse("leads:settings")).content.decode()
    assert rep.post(reverse("leads:settings"), {**data, "version": row.version + 1}).status_code == 403


def test_dashboard_shows_the_funnel_with_drill_down_links(browser_client: Any, org: Org, fair: Channel) -> None:
    now = timezone.now()
    _lead(org, fair, "rep1", status=LeadStatus.CONVERTED, contacted_at=now, qualified_at=now, converted_at=now)
    _lead(org, fair, "rep1")
    response = browser_client("rep1").get(reverse("leads:dashboard"), {"by": "owner", "period": "month"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="gx-leads-funnel-data"' in body
    assert "<script>" not in body.replace('<script src="', "")  # no inline scripts (CSP)
    assert response.context["board"].total.created == 2
    start = timezone.localdate().replace(day=1).isoformat()
    assert f"created_from={start}&amp;created_to=" in body
    assert f"owner_id={org['rep1'].pk}&amp;reached=contacted" in body
    chart = response.context["chart_data"]["steps"]
    assert [step["url"].rsplit("reached=", 1)[-1] for step in chart] == ["new", "contacted", "qualified", "converted"]


def test_dashboard_refuses_a_backwards_range_gently(browser_client: Any) -> None:
    today = timezone.localdate()
    response = browser_client("admin").get(
        reverse("leads:dashboard"), {"period": "range", "start": today, "end": today - timedelta(days=3)}
    )
    assert response.status_code == 200
    assert "The end comes before the start." in response.content.decode()


def test_dashboard_queries_do_not_grow_with_leads(browser_client: Any, org: Org, fair: Channel) -> None:
    client = browser_client("admin")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("leads:dashboard"), {"by": "owner"}).status_code == 200
        return len(captured)

    _lead(org, fair, "rep1")
    few = queries()
    for owner in ("rep1", "rep1b", "rep2", "rep3", "rep2"):
        _lead(org, fair, owner, status=LeadStatus.CONTACTED, contacted_at=timezone.now())
    assert queries() == few
