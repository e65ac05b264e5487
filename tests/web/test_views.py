"""The shell: home, system status with a worker ping, error pages, security headers."""

from __future__ import annotations

from typing import Any

from django.test import Client

from guanxi.core.models import HealthPing
from tests.conftest import Org, Records


def test_worker_ping_is_processed_and_shown(
    browser_client: Any, org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(org["director"], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/system/").status_code == 302
    ping = HealthPing.objects.get()
    assert ping.processed_at is not None
    assert ping.worker
    page = client.get("/system/").content.decode()
    assert ping.worker in page


def test_reps_cannot_ping_the_worker(org: Org) -> None:
    client = Client()
    client.force_login(org["rep1"], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    assert client.post("/system/").status_code == 403
    assert not HealthPing.objects.exists()


def test_home_counts_only_visible_customers(org: Org, records: Records) -> None:
    client = Client()
    client.force_login(org["rep1"], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    page = client.get("/").content.decode()
    assert records.other.name not in page


def test_pages_carry_a_strict_content_security_policy(org: Org) -> None:
    response = Client().get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()


def test_unknown_page_is_a_translated_404(org: Org) -> None:
    client = Client()
    client.force_login(org["rep1"], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    response = client.get("/no-such-page/")
    assert response.status_code == 404
