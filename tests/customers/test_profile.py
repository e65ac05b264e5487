"""The hand-kept customer profile: every field stored, bad values refused with field paths."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from guanxi.customers.models import Customer, CustomerFacts
from tests.conftest import Org

URL = "/api/v1/customers"
PROFILE = {
    "name": "杭州云栖科技有限公司",
    "short_name": "云栖科技",
    "name_en": "Hangzhou Yunqi Technology Co., Ltd.",
    "kind": "organisation",
    "industry": "I",
    "size": "50-199",
    "phone": "0571-8702 3456",
    "email": "info@yunqi.example.cn",
    "website": "https://yunqi.example.cn",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "address": "云栖小镇 1 号",
    "founded_on": "2015-06-18",
    "source": "exhibition",
    "notes": "展会认识",
}


def test_full_profile_round_trips(api: Any, org: Org) -> None:
    response = api("rep1").post(URL, PROFILE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in PROFILE} == {**PROFILE, "phone": "0571-8702 3456"}
    assert body["phone_e164"] == "+8657187023456"
    assert CustomerFacts.objects.filter(customer_id=body["id"]).exists()


def test_patch_changes_only_the_fields_sent(api: Any, org: Org) -> None:
    rep1 = api("rep1")
    created = rep1.post(URL, PROFILE).json()
    changed = rep1.patch(f"{URL}/{created['id']}", {"version": 1, "city": "宁波市", "size": "200-999"}).json()
    assert (changed["city"], changed["size"], changed["province"], changed["version"]) == (
        "宁波市",
        "200-999",
        "浙江省",
        2,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("website", "javascript:alert(1)"),
        ("industry", "ZZ"),
        ("kind", "robot"),
        ("founded_on", "2099-01-01"),
        ("birthday", "not a date"),
    ],
)
def test_bad_profile_values_are_refused(api: Any, org: Org, field: str, value: str) -> None:
    response = api("rep1").post(URL, {"name": "测试公司", field: value})
    assert response.status_code == 422, response.content
    assert f"body.{field}" in [error["path"] for error in response.json()["errors"]]
    assert not Customer.objects.exists()


def test_future_birthday_is_refused_on_patch_too(api: Any, org: Org) -> None:
    rep1 = api("rep1")
    created = rep1.post(URL, {"name": "李雷", "kind": "individual"}).json()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = rep1.patch(f"{URL}/{created['id']}", {"version": 1, "birthday": tomorrow})
    assert response.status_code == 422
    assert Customer.objects.get(pk=created["id"]).birthday is None
