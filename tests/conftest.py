"""Shared fixtures: a small organisation with every role, and clients for each actor.

Org chart (mirrors the demo):  HQ ─┬─ East (manager1, rep1, rep1b) ── Shanghai (rep3)
                                   └─ South (manager2, rep2)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from guanxi.accounts.models import Team, User
from guanxi.accounts.services import token_issue
from guanxi.customers.models import Customer
from tests.accounts.factories import TeamFactory, UserFactory, role
from tests.customers.factories import CustomerFactory

PASSWORD = "guanxi-demo"


@dataclass
class Org:
    hq: Team
    east: Team
    south: Team
    shanghai: Team
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture
def org(db: Any) -> Org:
    hq = TeamFactory(name="HQ")
    east = TeamFactory(name="East", parent=hq)
    south = TeamFactory(name="South", parent=hq)
    shanghai = TeamFactory(name="Shanghai", parent=east)
    specs = {
        "admin": ("admin", hq),
        "director": ("director", hq),
        "manager1": ("manager", east),
        "manager2": ("manager", south),
        "rep1": ("rep", east),
        "rep1b": ("rep", east),
        "rep2": ("rep", south),
        "rep3": ("rep", shanghai),
    }
    users = {name: UserFactory(username=name, role=role(code), team=team) for name, (code, team) in specs.items()}
    return Org(hq=hq, east=east, south=south, shanghai=shanghai, users=users)


@dataclass
class Records:
    own: Customer  # rep1's
    team: Customer  # rep1b's: same team as rep1
    other: Customer  # rep2's: the sibling team
    below: Customer  # rep3's: a team below East

    def all(self) -> dict[str, Customer]:
        return {"own": self.own, "team": self.team, "other": self.other, "below": self.below}


@pytest.fixture
def records(org: Org) -> Records:
    return Records(
        own=CustomerFactory(
            owner=org["rep1"], name="杭州云栖科技有限公司", phone="13800138000", phone_e164="+8613800138000"
        ),
        team=CustomerFactory(owner=org["rep1b"], name="宁波港盛物流有限公司"),
        other=CustomerFactory(owner=org["rep2"], name="深圳前海数智有限公司"),
        below=CustomerFactory(owner=org["rep3"], name="上海浦江咨询有限公司"),
    )


class ApiClient:
    """JSON client that authenticates with a bearer token (or not at all)."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, body: Any = None, **headers: Any) -> Any:
        data = json.dumps(body) if body is not None else None
        call = getattr(self.client, method.lower())
        kwargs: dict[str, Any] = {**self.headers, **headers}
        if method.upper() in {"POST", "PUT", "PATCH"}:
            return call(path, data=data or "{}", content_type="application/json", **kwargs)
        return call(path, **kwargs)

    def get(self, path: str, **headers: Any) -> Any:
        return self.request("GET", path, **headers)

    def post(self, path: str, body: Any = None, **headers: Any) -> Any:
        return self.request("POST", path, body, **headers)

    def patch(self, path: str, body: Any = None, **headers: Any) -> Any:
        return self.request("PATCH", path, body, **headers)

    def delete(self, path: str, **headers: Any) -> Any:
        return self.request("DELETE", path, **headers)


@pytest.fixture
def api(org: Org) -> Any:
    """``api("rep1")`` → a token client for rep1; ``api(None)`` → anonymous."""

    def make(username: str | None) -> ApiClient:
        if username is None:
            return ApiClient(None)
        return ApiClient(token_issue(actor=org[username], name="test").raw)

    return make


@pytest.fixture
def browser_client(org: Org) -> Any:
    """``browser_client("rep1")`` → a logged-in session client (CSRF enforced)."""

    def make(username: str | None) -> Client:
        client = Client(enforce_csrf_checks=True)
        if username is not None:
            client.force_login(org[username], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
        return client

    return make
