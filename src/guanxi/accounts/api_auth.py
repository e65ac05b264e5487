"""How API callers prove who they are: browser session (with CSRF) or a personal bearer token."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import AnonRateThrottle, SimpleRateThrottle

from guanxi.accounts import access, services
from guanxi.accounts.models import ApiToken, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_user(request: HttpRequest) -> User:
    """The authenticated caller of an API handler (auth has run before any handler)."""
    user = access.active_user(request.user)
    if user is None:
        raise AuthenticationError()
    return user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer gx_…``. The token acts with exactly its user's permissions."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = services.token_authenticate(raw=token)
        if api_token is None:
            return None
        request.user = api_token.user
        return api_token


class BrowserSessionAuth(SessionAuth):
    """The logged-in browser session; unsafe methods need the CSRF token (htmx sends it)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active and not getattr(user, "is_system", False):
            return user
        return None


class CallerRateThrottle(SimpleRateThrottle):
    """Per token (or per logged-in user) request budget, shared by all web workers through the cache."""

    scope = "caller"

    def __init__(self) -> None:
        super().__init__(settings.GUANXI_TOKEN_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        # The rate is read per request so an operator's change (and tests) apply without a restart.
        self.rate = settings.GUANXI_TOKEN_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        auth = getattr(request, "auth", None)
        if isinstance(auth, ApiToken):
            ident = f"token-{auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(AnonRateThrottle):
    def __init__(self) -> None:
        super().__init__(settings.GUANXI_ANON_RATE)
