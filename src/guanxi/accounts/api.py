"""/api/v1/auth: obtain, list and revoke personal API tokens; who am I."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Status

from guanxi.accounts import access, selectors, services
from guanxi.accounts.api_auth import AnonymousRateThrottle, request_user
from guanxi.accounts.models import Perm, User
from guanxi.accounts.schemas import MeOut, TeamRef, TokenObtainIn, TokenObtainOut, TokenOut
from guanxi.accounts.twofactor import totp_required, totp_verify
from guanxi.core.errors import DomainError
from guanxi.core.pagination import Page, bounded

router = Router(tags=["auth"])


class LoginFailed(DomainError):
    status = 401
    title = gettext_lazy("Login failed")


@router.post("/token", auth=None, throttle=[AnonymousRateThrottle()], response={201: TokenObtainOut})
def token_obtain(request: HttpRequest, payload: TokenObtainIn) -> Status[Any]:
    """Exchange a username (or email) and password for a personal API token."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if not isinstance(user, User) or user.is_system:
        raise LoginFailed(_("Wrong username or password, or too many failed attempts."))
    if totp_required(user) and not totp_verify(user, payload.otp or ""):
        raise LoginFailed(_("A valid two-factor code is required."))
    issued = services.token_issue(actor=user, name=payload.name, expires_at=payload.expires_at)
    return Status(201, {"token": issued.raw, "token_id": issued.token.pk, "expires_at": issued.token.expires_at})


@router.get("/tokens", response=Page[TokenOut])
def token_list(request: HttpRequest) -> dict[str, object]:
    """The caller's own tokens (never their secret)."""
    return bounded(selectors.token_list(actor=request_user(request)))


@router.post("/tokens/{token_id}/revoke", response=TokenOut)
def token_revoke(request: HttpRequest, token_id: int) -> object:
    return services.token_revoke(actor=request_user(request), token_id=token_id)


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, object]:
    """The caller, their team, function permissions and data scope per record type."""
    user = request_user(request)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": str(user),
        "email": user.email,
        "language": user.language,
        "time_zone": user.time_zone,
        "team": TeamRef(id=user.team.pk, name=user.team.name) if user.team else None,
        "role": user.role.code if user.role else None,
        "permissions": [p for p in Perm.values if access.has_perm(user, p)],
        "scopes": {rt: access.data_scope(user, rt) for rt in access.record_types()},
    }
