"""Account pages: login with a second factor, lock-out, preferences, password, API tokens."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanxi.accounts.models import ApiToken, User
from tests.conftest import Org


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def _login(client: Client, username: str, password: str = "guanxi-demo") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_by_email_lands_on_home(org: Org) -> None:
    client = Client()
    response = _login(client, "rep1@example.com")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_keeps_the_user_out(org: Org) -> None:
    client = Client()
    response = _login(client, "rep1", "wrong-password")
    assert response.status_code in {200, 401, 422}
    assert _redirects_to_login(client.get("/"))


def _redirects_to_login(response: Any) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_two_factor_setup_then_login_needs_the_code(org: Org) -> None:
    client = Client()
    _login(client, "rep1")
    assert client.get("/accounts/two-factor/").status_code == 200
    device = TOTPDevice.objects.get(user=org["rep1"], confirmed=False)
    wrong = "000000" if _code(device) != "000000" else "111111"
    assert client.post("/accounts/two-factor/", {"code": wrong}).status_code == 200
    assert client.post("/accounts/two-factor/", {"code": _code(device)}).status_code == 200, "throttled after a miss"
    assert not TOTPDevice.objects.filter(user=org["rep1"], confirmed=True).exists()
    device.refresh_from_db()
    device.throttle_reset()
    assert client.post("/accounts/two-factor/", {"code": _code(device)}).status_code == 302
    assert TOTPDevice.objects.get(user=org["rep1"]).confirmed

    fresh = Client()
    step = _login(fresh, "rep1")
    assert step.status_code == 302
    assert "/accounts/login/code/" in step["Location"]
    assert _redirects_to_login(fresh.get("/")), "a password alone must not log in"
    fresh.post("/accounts/login/code/", {"code": "12345x"})
    assert _redirects_to_login(fresh.get("/"))
    device.refresh_from_db()
    done = fresh.post("/accounts/login/code/", {"code": _code(device, offset=1)})
    assert done.status_code == 302
    assert fresh.get("/").status_code == 200


def test_api_token_needs_the_second_factor_too(org: Org) -> None:
    client = Client()
    _login(client, "rep1")
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=org["rep1"])
    client.post("/accounts/two-factor/", {"code": _code(device)})
    body = {"username": "rep1", "password": "guanxi-demo"}
    assert Client().post("/api/v1/auth/token", body, content_type="application/json").status_code == 401
    device.refresh_from_db()
    with_code = {**body, "otp": _code(device, offset=1)}
    assert Client().post("/api/v1/auth/token", with_code, content_type="application/json").status_code == 201


def test_repeated_failures_show_the_lockout_page(org: Org, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        _login(client, "rep2", "wrong-password")
    locked = _login(client, "rep2")
    assert locked.status_code in {403, 429}
    assert _redirects_to_login(client.get("/"))


def test_saving_english_in_settings_switches_the_interface(org: Org) -> None:
    client = Client()
    _login(client, "rep1")
    assert "客户" in client.get("/").content.decode()
    response = client.post("/accounts/settings/", {"language": "en", "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    user = User.objects.get(pk=org["rep1"].pk)
    assert (user.language, user.time_zone) == ("en", "Europe/Berlin")
    assert "Customers" in client.get("/").content.decode()


def test_password_change_keeps_the_session_and_needs_the_old_password(org: Org) -> None:
    client = Client()
    _login(client, "rep1")
    refused = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password": "a-new-passphrase-42", "new_password_again": "a-new-passphrase-42"},
    )
    assert refused.status_code in {200, 422}
    changed = client.post(
        "/accounts/password/",
        {
            "old_password": "guanxi-demo",
            "new_password": "a-new-passphrase-42",
            "new_password_again": "a-new-passphrase-42",
        },
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert User.objects.get(pk=org["rep1"].pk).check_password("a-new-passphrase-42")


def test_token_page_shows_the_token_once_and_it_works(org: Org) -> None:
    client = Client()
    _login(client, "rep1")
    created = client.post("/accounts/tokens/", {"name": "ERP sync"})
    assert created.status_code == 201
    token = ApiToken.objects.get(user=org["rep1"], name="ERP sync")
    page = created.content.decode()
    raw = page[page.index("gx_" + token.prefix) :].split("<")[0].split('"')[0].strip()
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["username"] == "rep1"
    assert raw not in client.get("/accounts/tokens/").content.decode()
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
