"""Saved list views: per user, shareable, validated, and never a way around the data scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core import saved_views
from guanxi.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from guanxi.core.models import SavedView
from guanxi.customers.services import customer_create
from tests.conftest import Org

pytestmark = pytest.mark.django_db
CUSTOMERS = "customers.customer"


def _create(actor: Any, name: str = "华东大客户", **kwargs: Any) -> SavedView:
    return saved_views.saved_view_create(actor=actor, record_type=CUSTOMERS, name=name, **kwargs)


def test_views_are_private_unless_shared_with_the_team_or_everyone(org: Org) -> None:
    _create(org["rep1"], "私有")
    _create(org["rep1"], "团队", sharing="team")
    _create(org["rep2"], "全员", sharing="everyone")

    def names(user: str) -> set[str]:
        return {v.name for v in saved_views.saved_view_list(actor=org[user], record_type=CUSTOMERS)}

    assert names("rep1") == {"私有", "团队", "全员"}
    assert names("rep1b") == {"团队", "全员"}  # same team as rep1
    assert names("rep2") == {"全员"}
    assert names("director") == {"全员"}


def test_a_shared_view_shows_each_viewer_only_their_own_scope(org: Org) -> None:
    customer_create(actor=org["rep1"], name="云栖一号有限公司")
    customer_create(actor=org["rep2"], name="云栖二号有限公司")
    view = _create(org["rep1"], "云栖客户", filters={"q": "云栖"}, sharing="everyone")
    for user, expected in (("rep1", ["云栖一号有限公司"]), ("rep2", ["云栖二号有限公司"])):
        client = Client()
        client.force_login(org[user], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
        body = client.get(reverse("customers:customer-list"), {"view": view.pk}).content.decode()
        assert [name for name in ("云栖一号有限公司", "云栖二号有限公司") if name in body] == expected


def test_filters_and_columns_are_validated(org: Org) -> None:
    rep1 = org["rep1"]
    with pytest.raises(InvalidInput) as unknown:
        _create(rep1, filters={"owner": 3})
    assert unknown.value.errors[0]["loc"] == ["filters", "owner"]
    with pytest.raises(InvalidInput):
        _create(rep1, filters={"owner_id": "three"})
    with pytest.raises(InvalidInput):
        _create(rep1, filters={"q": "x" * 201})
    with pytest.raises(InvalidInput):
        _create(rep1, filters={"ordering": "password"})
    with pytest.raises(InvalidInput):
        _create(rep1, columns=["name", "secret"])
    with pytest.raises(InvalidInput):
        _create(rep1, name="   ")
    with pytest.raises(InvalidInput):
        saved_views.saved_view_create(actor=rep1, record_type="nothing.here", name="x")
    assert not SavedView.objects.exists()


def test_columns_default_and_keep_their_order(org: Org) -> None:
    assert _create(org["rep1"], "默认").columns == ["name", "phone", "owner", "team", "updated_at"]
    assert _create(org["rep1"], "选列", columns=["city", "name", "city"]).columns == ["city", "name"]


def test_names_are_unique_per_owner_and_list(org: Org) -> None:
    _create(org["rep1"], "重点")
    with pytest.raises((InvalidInput, Conflict)):
        _create(org["rep1"], "重点")
    assert _create(org["rep2"], "重点").owner == org["rep2"]


def test_only_the_owner_changes_or_deletes_a_view(org: Org) -> None:
    view = _create(org["rep1"], "公共", sharing="everyone")
    with pytest.raises(NotAllowed):
        saved_views.saved_view_update(actor=org["rep2"], view=view, version=view.version, name="被改")
    with pytest.raises(NotAllowed):
        saved_views.saved_view_delete(actor=org["rep2"], view=view)
    view.refresh_from_db()
    assert view.name == "公共"
    updated = saved_views.saved_view_update(actor=org["rep1"], view=view, version=1, filters={"city": "杭州市"})
    assert updated.filters == {"city": "杭州市"}
    assert updated.version == 2
    with pytest.raises(Conflict):
        saved_views.saved_view_update(actor=org["rep1"], view=view, version=1, name="旧版本")


def test_a_private_view_of_someone_else_is_not_found(org: Org) -> None:
    view = _create(org["rep1"], "私有")
    with pytest.raises(NotFound):
        saved_views.saved_view_get(actor=org["rep2"], pk=view.pk)
    with pytest.raises(NotFound):
        saved_views.saved_view_get(actor=org["rep2"], pk="not-a-uuid")


def test_api_lists_customers_through_a_view_and_explicit_filters_win(org: Org, api: Any) -> None:
    rep1 = org["rep1"]
    customer_create(actor=rep1, name="杭州云栖有限公司", city="杭州市")
    customer_create(actor=rep1, name="宁波云栖有限公司", city="宁波市")
    client = api("rep1")
    created = client.post(
        "/api/v1/saved-views",
        {"record_type": CUSTOMERS, "name": "杭州", "filters": {"city": "杭州市"}, "columns": ["name", "city"]},
    )
    assert created.status_code == 201, created.content
    view_id = created.json()["id"]
    names = [c["name"] for c in client.get(f"/api/v1/customers?view={view_id}").json()["items"]]
    assert names == ["杭州云栖有限公司"]
    names = [c["name"] for c in client.get(f"/api/v1/customers?view={view_id}&city=宁波市").json()["items"]]
    assert names == ["宁波云栖有限公司"]
    assert api("rep2").get(f"/api/v1/customers?view={view_id}").status_code == 404
    bad = client.post("/api/v1/saved-views", {"record_type": CUSTOMERS, "name": "坏", "filters": {"city": 5}})
    assert bad.status_code == 422


def test_the_list_page_saves_the_current_filters_and_columns(org: Org) -> None:
    rep1 = org["rep1"]
    customer_create(actor=rep1, name="杭州云栖有限公司", city="杭州市", email="a@yunqi.cn")
    client = Client()
    client.force_login(rep1, backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    response = client.post(
        reverse("customers:saved-view-save"),
        {"name": "杭州邮箱", "city": "杭州市", "columns": ["name", "email"], "sharing": "team"},
    )
    view = SavedView.objects.get(owner=rep1)
    assert response.status_code == 302
    assert str(view.pk) in response["Location"]
    assert view.filters == {"city": "杭州市"}
    assert view.columns == ["name", "email"]
    assert view.sharing == "team"
    page = client.get(response["Location"]).content.decode()
    assert "a@yunqi.cn" in page
    assert "杭州邮箱" in page
    assert client.post(reverse("customers:saved-view-save"), {"name": ""}).status_code == 302
    assert SavedView.objects.count() == 1
