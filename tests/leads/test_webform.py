"""The public web form of a channel: a lead per submission, bots kept as rejected, a rate limit, no login."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from guanxi.leads import services
from guanxi.leads.models import Channel, Lead, LeadStatus
from tests.conftest import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(org: Org) -> Channel:
    channel = services.channel_create(actor=org["admin"], name="官网表单", kind="self_built", team=org.east)
    channel.form_enabled = True
    channel.save()
    return channel


def _post(client: Client, channel: Channel, **fields: str) -> object:
    data = {"name": "张伟", "company": "杭州云栖科技有限公司", "phone": "13800138000", "email": "", "city": "杭州",
            "message": "想了解报价", "website": ""} | fields  # fmt: skip
    return client.post(f"/f/{channel.form_key}/", data, REMOTE_ADDR="203.0.113.7")


def test_anyone_can_open_the_form_and_leave_a_lead(channel: Channel) -> None:
    client = Client()
    page = client.get(f"/f/{channel.form_key}/")
    assert page.status_code == 200
    assert channel.name in page.content.decode()

    thanks = _post(client, channel)

    assert thanks.status_code == 200  # type: ignore[attr-defined]
    lead = Lead.objects.get(channel=channel)
    assert lead.status == LeadStatus.NEW
    assert lead.phone_e164 == "+8613800138000"
    assert lead.team_id == channel.team_id
    assert lead.events.filter(kind="created", data__source="form").exists()


def test_a_bot_filling_the_hidden_field_is_kept_as_rejected_and_gets_the_same_thanks(channel: Channel) -> None:
    answer = _post(Client(), channel, website="http://spam.example")
    assert answer.status_code == 200  # type: ignore[attr-defined]
    lead = Lead.objects.get(channel=channel)
    assert lead.status == LeadStatus.REJECTED
    assert [r["rule"] for r in lead.rejections] == ["honeypot"]


def test_the_form_is_rate_limited_per_client(channel: Channel) -> None:
    client = Client()
    with override_settings(GUANXI_LEAD_FORM_RATE="2/h"):
        codes = [_post(client, channel, phone=f"1380013800{i}").status_code for i in range(4)]  # type: ignore[attr-defined]
    assert codes == [200, 200, 429, 429]
    assert Lead.objects.filter(channel=channel).count() == 2


def test_unknown_disabled_or_inactive_forms_are_not_found(channel: Channel) -> None:
    client = Client()
    assert client.get("/f/no-such-key/").status_code == 404
    channel.form_enabled = False
    channel.save()
    assert client.get(f"/f/{channel.form_key}/").status_code == 404


def test_script_in_a_field_is_stored_as_text_and_escaped(channel: Channel) -> None:
    _post(Client(), channel, name="<script>alert(1)</script>", company="")
    lead = Lead.objects.get(channel=channel)
    assert "<script>alert(1)</script>" in lead.name.lower()  # kept as the text typed (names are title-cased)
    page = _post(Client(), channel, name="<script>x</script>", phone="")
    assert "<script>x</script>" not in page.content.decode()  # type: ignore[attr-defined]
