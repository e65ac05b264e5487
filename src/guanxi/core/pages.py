"""Plumbing shared by the apps' page views: the request type, the acting user, safe redirects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from guanxi.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """The request type of page views: ``django_htmx`` adds ``request.htmx``."""

    htmx: HtmxDetails


def actor_of(request: HttpRequest) -> User:
    """The logged-in user of a ``login_required`` view."""
    user = request.user
    if not isinstance(user, get_user_model()):
        raise PermissionDenied
    return user


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """``candidate`` when it is a local URL on this host, else ``default`` (no open redirects)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
