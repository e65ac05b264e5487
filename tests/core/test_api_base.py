"""API conventions: auth, tokens, CSRF, throttling, idempotency, size limits, problem+json, OpenAPI."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from guanxi.accounts.models import ApiToken
from guanxi.customers.models import Customer
from tests.conftest import Org

URL = "/api/v1/customers"


def test_token_obtain_by_username_or_email(org: Org) -> None:
    client = Client()
    for login in ("rep1", "rep1@example.com"):
        response = client.post(
            "/api/v1/auth/token", {"username": login, "password": "guanxi-demo"}, content_type="application/json"
        )
        assert response.status_code == 201
        token = response.json()["token"]
        assert token.startswith("gx_")
        me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
        assert me["username"] == "rep1"
        assert me["scopes"] == {"customers.customer": "own", "leads.lead": "own"}
    assert ApiToken.objects.filter(user=org["rep1"]).count() == 2


def test_token_obtain_with_wrong_password_is_401_and_issues_nothing(org: Org) -> None:
    response = Client().post(
        "/api/v1/auth/token", {"username": "rep1", "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert not ApiToken.objects.exists()


def test_missing_or_bad_credentials_get_401_problem(org: Org) -> None:
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer gx_nope"}, {"HTTP_AUTHORIZATION": "Basic abc"}):
        response = Client().get(URL, **headers)
        assert response.status_code == 401
        assert response.json()["type"] == "urn:guanxi:problem:unauthenticated"


def test_revoked_token_stops_working_at_once(api: Any, org: Org) -> None:
    client = api("rep1")
    token_id = client.get("/api/v1/auth/tokens").json()["items"][0]["id"]
    assert client.post(f"/api/v1/auth/tokens/{token_id}/revoke").status_code == 200
    assert client.get(URL).status_code == 401


def test_token_list_never_shows_secrets(api: Any, org: Org) -> None:
    items = api("rep1").get("/api/v1/auth/tokens").json()["items"]
    assert set(items[0]) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"}


def test_session_writes_need_csrf(browser_client: Any, org: Org) -> None:
    client = browser_client("rep1")
    assert client.get(URL).status_code == 200
    refused = client.post(URL, json.dumps({"name": "无令牌"}), content_type="application/json")
    assert refused.status_code == 403
    assert not Customer.objects.filter(name="无令牌").exists()
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    made = client.post(URL, json.dumps({"name": "有令牌"}), content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert made.status_code == 201


def test_rate_limit_per_token_answers_429_with_retry_after(api: Any, org: Org, settings: Any) -> None:
    settings.GUANXI_TOKEN_RATE = "3/m"
    client, other = api("rep1"), api("rep2")
    assert [client.get(URL).status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = client.get(URL)
    assert limited["Content-Type"] == "application/problem+json"
    assert int(limited["Retry-After"]) >= 1
    assert other.get(URL).status_code == 200


def test_idempotency_key_replays_the_first_answer(api: Any, org: Org) -> None:
    client = api("rep1")
    first = client.post(URL, {"name": "幂等公司"}, HTTP_IDEMPOTENCY_KEY="order-42")
    again = client.post(URL, {"name": "幂等公司"}, HTTP_IDEMPOTENCY_KEY="order-42")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(name="幂等公司").count() == 1


def test_idempotency_key_with_another_body_is_refused(api: Any, org: Org) -> None:
    client = api("rep1")
    client.post(URL, {"name": "甲"}, HTTP_IDEMPOTENCY_KEY="k")
    response = client.post(URL, {"name": "乙"}, HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert not Customer.objects.filter(name="乙").exists()


def test_idempotency_keys_are_per_caller(api: Any, org: Org) -> None:
    api("rep1").post(URL, {"name": "同名"}, HTTP_IDEMPOTENCY_KEY="same")
    api("rep2").post(URL, {"name": "同名"}, HTTP_IDEMPOTENCY_KEY="same")
    assert Customer.objects.filter(name="同名").count() == 2


def test_failed_requests_are_not_stored_for_replay(api: Any, org: Org) -> None:
    client = api("rep1")
    assert client.post(URL, {"name": ""}, HTTP_IDEMPOTENCY_KEY="retry").status_code == 422
    assert client.post(URL, {"name": ""}, HTTP_IDEMPOTENCY_KEY="retry").status_code == 422


def test_oversized_body_is_413_and_creates_nothing(api: Any, org: Org, settings: Any) -> None:
    settings.GUANXI_MAX_REQUEST_BYTES = 1000
    response = api("rep1").post(URL, {"name": "大" * 2000})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert not Customer.objects.exists()


def test_malformed_json_is_a_clear_error(api: Any, org: Org) -> None:
    client = api("rep1")
    response = client.client.post(URL, data="{not json", content_type="application/json", **client.headers)
    assert response.status_code in {400, 422}
    assert response["Content-Type"] == "application/problem+json"


def test_openapi_spec_and_docs_are_served_locally(org: Org) -> None:
    spec = Client().get("/api/openapi.json").json()
    assert "/api/v1/customers" in spec["paths"]
    assert "/api/v1/auth/token" in spec["paths"]
    docs = Client().get("/api/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_expired_idempotency_key_starts_afresh_and_purge_forgets_old_answers(api: Any, org: Org) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from guanxi.core.models import IdempotencyRecord
    from guanxi.core.services import idempotency_records_purge

    client = api("rep1")
    client.post(URL, {"name": "昨天的"}, HTTP_IDEMPOTENCY_KEY="daily")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = client.post(URL, {"name": "今天的"}, HTTP_IDEMPOTENCY_KEY="daily")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    client.post(URL, {"name": "另一个"}, HTTP_IDEMPOTENCY_KEY="other")
    IdempotencyRecord.objects.filter(key="other").update(created_at=timezone.now() - timedelta(hours=30))
    assert idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["daily"]


def test_an_import_upload_may_exceed_the_general_limit_up_to_the_import_limit(
    api: Any, org: Org, settings: Any
) -> None:
    settings.GUANXI_MAX_REQUEST_BYTES = 1000
    settings.GUANXI_IMPORT_MAX_BYTES = 200_000
    client = api("director")
    big_json = client.post(URL, {"name": "大" * 2000})
    assert big_json.status_code == 413
    body = b"a" * 150_000
    upload = client.client.post("/api/v1/imports", data=body, content_type="application/octet-stream", **client.headers)
    assert upload.status_code != 413  # past the size gate: the import endpoint judges the body itself
    too_big = client.client.post(
        "/api/v1/imports", data=b"a" * 300_000, content_type="application/octet-stream", **client.headers
    )
    assert too_big.status_code == 413
