"""Lead channels, costs, cleaning rules and lead settings: services and the /api/v1 routes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from guanxi.core.errors import Conflict, InvalidInput, NotAllowed
from guanxi.core.models import AuditEntry
from guanxi.leads import channels, services
from guanxi.leads.models import Channel, ChannelCost, LeadSettings
from tests.conftest import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair(org: Org) -> Channel:
    return channels.channel_create(actor=org["admin"], name="展会 Fair", kind="paid", team=org.east)


def _locs(exc: pytest.ExceptionInfo[InvalidInput]) -> list[list[Any]]:
    return [error["loc"] for error in exc.value.errors]  # type: ignore[misc]


def test_channel_create_is_audited_and_the_old_name_stays_importable_from_services(org: Org) -> None:
    channel = channels.channel_create(actor=org["director"], name="官网", kind="self_built")
    assert AuditEntry.objects.filter(record_id=str(channel.pk), field="name", new_value="官网").exists()
    assert callable(services.channel_create)


def test_a_rep_cannot_create_or_change_a_channel(org: Org, fair: Channel) -> None:
    with pytest.raises(NotAllowed):
        channels.channel_create(actor=org["rep1"], name="私人渠道", kind="free")
    with pytest.raises(NotAllowed):
        channels.channel_update(actor=org["manager1"], channel=fair, version=1, changes={"name": "改"})
    assert Channel.objects.get(pk=fair.pk).name == "展会 Fair"


def test_channel_names_are_unique_whatever_the_case(org: Org, fair: Channel) -> None:
    with pytest.raises(InvalidInput) as exc:
        channels.channel_create(actor=org["admin"], name="展会 FAIR", kind="free")
    assert _locs(exc) == [["name"]]


def test_a_stale_version_is_refused_and_nothing_changes(org: Org, fair: Channel) -> None:
    channels.channel_update(actor=org["admin"], channel=fair, version=1, changes={"description": "春季"})
    with pytest.raises(Conflict):
        channels.channel_update(actor=org["admin"], channel=fair, version=1, changes={"description": "秋季"})
    assert Channel.objects.get(pk=fair.pk).description == "春季"


def test_deactivating_closes_the_web_form(org: Org, fair: Channel) -> None:
    channels.channel_update(actor=org["admin"], channel=fair, version=1, changes={"form_enabled": True})
    channel = channels.channel_deactivate(actor=org["admin"], channel=fair, version=2)
    assert (channel.is_active, channel.form_enabled) == (False, False)


def test_a_new_form_key_retires_the_old_address(org: Org, fair: Channel) -> None:
    old = fair.form_key
    channel = channels.channel_new_form_key(actor=org["admin"], channel=fair, version=1)
    assert channel.form_key != old
    assert Channel.objects.get(pk=fair.pk).form_key == channel.form_key
    assert not Channel.objects.filter(form_key=old).exists()
    assert AuditEntry.objects.filter(record_id=str(fair.pk), field="form_key").exists()
    with pytest.raises(Conflict):
        channels.channel_new_form_key(actor=org["admin"], channel=fair, version=1)


def test_cleaning_rules_are_validated_with_field_paths(org: Org, fair: Channel) -> None:
    with pytest.raises(InvalidInput) as exc:
        channels.channel_set_cleaning(
            actor=org["admin"], channel=fair, version=1,
            rules={"required": [["nickname"]], "max_lengths": {"name": 0}, "disposable_add": ["not a domain"]},
        )  # fmt: skip
    assert ["required", 0, 0] in _locs(exc)
    assert ["max_lengths", "name"] in _locs(exc)
    assert ["disposable_add", 0] in _locs(exc)
    assert Channel.objects.get(pk=fair.pk).cleaning == {}


def test_cleaning_rules_are_stored_complete(org: Org, fair: Channel) -> None:
    channel = channels.channel_set_cleaning(actor=org["admin"], channel=fair, version=1, rules={"blacklist": ["刷单"]})
    assert channel.cleaning["blacklist"] == ["刷单"]
    assert channel.cleaning["required"] == [["name", "company"], ["phone", "email"]]


def test_costs_are_added_and_removed_by_lead_managers_only(org: Org, fair: Channel) -> None:
    cost = channels.channel_cost_add(actor=org["admin"], channel=fair, spent_on=date(2026, 5, 1), amount="1200.50")
    assert cost.amount == Decimal("1200.50")
    with pytest.raises(NotAllowed):
        channels.channel_cost_add(actor=org["manager1"], channel=fair, spent_on=date(2026, 5, 1), amount="1")
    with pytest.raises(InvalidInput):
        channels.channel_cost_add(actor=org["admin"], channel=fair, spent_on=date(2026, 5, 1), amount="-5")
    with pytest.raises(NotAllowed):
        channels.channel_cost_remove(actor=org["rep1"], channel=fair, cost_id=cost.pk)
    channels.channel_cost_remove(actor=org["director"], channel=fair, cost_id=cost.pk)
    assert not ChannelCost.objects.exists()


def test_settings_errors_carry_the_path_inside_each_rule_document(org: Org) -> None:
    before = services.lead_settings()
    with pytest.raises(InvalidInput) as exc:
        channels.lead_settings_update(
            actor=org["admin"], version=before.version,
            changes={"grading": {"nonsense": 1}, "assignment": "pool", "claim_limit": 0},
        )  # fmt: skip
    locs = _locs(exc)
    assert ["grading", "nonsense"] in locs
    assert ["assignment"] in locs
    assert ["claim_limit"] in locs
    assert LeadSettings.objects.get(pk=before.pk).version == before.version


def test_settings_update_is_versioned(org: Org) -> None:
    row = services.lead_settings()
    updated = channels.lead_settings_update(
        actor=org["admin"], version=row.version, changes={"claim_limit": 12, "recycle_days": 3}
    )
    assert (updated.claim_limit, updated.recycle_days) == (12, 3)
    with pytest.raises(Conflict):
        channels.lead_settings_update(actor=org["admin"], version=row.version, changes={"claim_limit": 5})
    with pytest.raises(NotAllowed):
        channels.lead_settings_update(actor=org["manager1"], version=updated.version, changes={"claim_limit": 5})


# --- the API ----------------------------------------------------------------------------------


def test_every_user_reads_channel_names_but_only_managers_see_the_form_address(api: Any, fair: Channel) -> None:
    rep = api("rep1").get("/api/v1/lead-channels")
    assert rep.status_code == 200
    (item,) = rep.json()["items"]
    assert (item["name"], item["form_url"], item["cleaning"]) == ("展会 Fair", None, None)
    admin = api("admin").get(f"/api/v1/lead-channels/{fair.pk}").json()
    assert admin["form_url"] == f"/f/{fair.form_key}/"


def test_api_create_patch_and_conflict(api: Any, org: Org) -> None:
    client = api("director")
    created = client.post("/api/v1/lead-channels", {"name": "抖音广告", "kind": "paid", "team_id": org.south.pk})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["team"] == {"id": org.south.pk, "name": "South"}
    patched = client.patch(f"/api/v1/lead-channels/{body['id']}", {"version": 1, "is_active": False})
    assert patched.status_code == 200
    assert patched.json()["is_active"] is False
    stale = client.patch(f"/api/v1/lead-channels/{body['id']}", {"version": 1, "name": "旧"})
    assert stale.status_code == 409
    duplicate = client.post("/api/v1/lead-channels", {"name": "抖音广告", "kind": "free"})
    assert duplicate.status_code == 422


def test_api_cleaning_errors_are_problem_json_with_paths(api: Any, fair: Channel) -> None:
    response = api("admin").request(
        "PUT", f"/api/v1/lead-channels/{fair.pk}/cleaning", {"version": 1, "rules": {"max_links": "lots"}}
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert "max_links" in str(response.json())


def test_api_costs_are_for_lead_managers(api: Any, fair: Channel) -> None:
    path = f"/api/v1/lead-channels/{fair.pk}/costs"
    assert api("manager1").get(path).status_code == 403
    assert api("manager1").post(path, {"spent_on": "2026-05-01", "amount": "10"}).status_code == 403
    added = api("admin").post(path, {"spent_on": "2026-05-01", "amount": "10.5", "note": "展位"})
    assert added.status_code == 201
    assert api("admin").get(path).json()["items"][0]["amount"] in ("10.50", "10.5")
    assert api("admin").delete(f"{path}/{added.json()['id']}").status_code == 204
    assert not ChannelCost.objects.exists()


def test_api_settings_read_by_all_written_by_managers(api: Any) -> None:
    current = api("rep1").get("/api/v1/lead-settings")
    assert current.status_code == 200
    version = current.json()["version"]
    refused = api("rep1").request("PUT", "/api/v1/lead-settings", {"version": version, "claim_limit": 99})
    assert refused.status_code == 403
    done = api("admin").request("PUT", "/api/v1/lead-settings", {"version": version, "claim_limit": 99})
    assert done.status_code == 200
    assert done.json()["claim_limit"] == 99


def test_api_reports_hide_money_from_reps(api: Any, fair: Channel) -> None:
    rep = api("rep1").get("/api/v1/lead-reports/channels?period=month").json()
    assert rep["money"] is False
    assert rep["rows"][0]["cost"] is None
    admin = api("admin").get("/api/v1/lead-reports/channels?period=year&start=2026-03-01").json()
    assert (admin["start"], admin["end"], admin["money"]) == ("2026-01-01", "2026-12-31", True)
    funnel = api("manager1").get("/api/v1/lead-reports/funnel?by=team&start=2026-01-01&end=2026-01-31")
    assert funnel.status_code == 200
    assert funnel.json()["total"]["created"] == 0
    assert api("admin").get("/api/v1/lead-reports/funnel?by=colour").status_code == 422
    assert api("admin").get("/api/v1/lead-reports/funnel?start=2026-02-01&end=2026-01-01").status_code == 422
