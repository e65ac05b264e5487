"""The product catalogue: everyone reads it, only settings managers write it."""

from __future__ import annotations

from typing import Any

from guanxi.core.models import AuditEntry
from guanxi.sales.models import Product
from tests.conftest import Org
from tests.sales.factories import ProductFactory

URL = "/api/v1/products"
BODY = {
    "code": "YQ-100",
    "name": "云栖网关",
    "category": "硬件",
    "unit": "台",
    "list_price": "1999.00",
    "unit_cost": "1200.50",
}


def test_admin_creates_and_everyone_reads(api: Any, org: Org) -> None:
    created = api("admin").post(URL, BODY)
    assert created.status_code == 201, created.content
    assert (created.json()["list_price"], created.json()["unit_cost"]) == ("1999.00", "1200.50")
    items = api("rep2").get(f"{URL}?q=YQ").json()["items"]
    assert [p["code"] for p in items] == ["YQ-100"]


def test_reps_and_managers_cannot_change_the_catalogue(api: Any, org: Org) -> None:
    product = ProductFactory(created_by=org["admin"])
    for username in ("rep1", "manager1", "director"):
        assert api(username).post(URL, {**BODY, "code": f"X-{username}"}).status_code == 403
        refused = api(username).patch(f"{URL}/{product.pk}", {"version": 1, "list_price": "1.00"})
        assert refused.status_code == 403
    assert Product.objects.count() == 1
    assert Product.objects.get().list_price == product.list_price


def test_price_change_is_audited_and_versioned(api: Any, org: Org) -> None:
    admin = api("admin")
    product = admin.post(URL, BODY).json()
    changed = admin.patch(f"{URL}/{product['id']}", {"version": 1, "list_price": "1899.00"})
    assert changed.json()["version"] == 2
    assert admin.patch(f"{URL}/{product['id']}", {"version": 1, "list_price": "1.00"}).status_code == 409
    assert AuditEntry.objects.filter(record_id=product["id"], field="list_price", new_value="1899.00").exists()


def test_bad_products_are_refused(api: Any, org: Org) -> None:
    admin = api("admin")
    admin.post(URL, BODY)
    for body, path in [
        ({**BODY, "code": "YQ-100"}, "body.code"),
        ({**BODY, "code": "N1", "list_price": "-1"}, "body.list_price"),
        ({**BODY, "code": "N2", "currency": "yuan"}, "body.currency"),
        ({**BODY, "code": "N3", "unit_cost": "1.001"}, "body.unit_cost"),
    ]:
        response = admin.post(URL, body)
        assert response.status_code == 422, body
        assert path in [e["path"] for e in response.json()["errors"]]
    assert Product.objects.count() == 1


def test_inactive_products_are_hidden_unless_asked_for(api: Any, org: Org) -> None:
    ProductFactory(code="OLD-1", is_active=False, created_by=org["admin"])
    rep = api("rep1")
    assert rep.get(URL).json()["items"] == []
    assert [p["code"] for p in rep.get(f"{URL}?include_inactive=true").json()["items"]] == ["OLD-1"]
