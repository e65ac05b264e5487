"""Plumbing shared by the apps' page views: the acting user, domain errors on forms, safe redirects."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from guanxi.accounts.models import User
from guanxi.core.errors import DomainError


class HtmxHttpRequest(HttpRequest):
    """The request type of page views: ``django_htmx`` adds ``request.htmx``."""

    htmx: HtmxDetails


def actor_of(request: HttpRequest) -> User:
    """The logged-in user of a ``login_required`` view."""
    user = request.user
    assert isinstance(user, User)
    return user


def add_domain_errors(form: forms.BaseForm, exc: DomainError, *, aliases: dict[str, str] | None = None) -> None:
    """Show a service's ``errors=[{"loc": [...], "msg": ...}]`` on the matching form fields.

    The last element of ``loc`` names the field (``aliases`` renames service names to form
    names); errors for fields the form does not have, or without any, become form errors.
    """
    aliases = aliases or {}
    if not exc.errors:
        form.add_error(None, exc.detail)
        return
    for error in exc.errors:
        loc = error.get("loc") or []
        name = str(loc[-1]) if isinstance(loc, list | tuple) and loc else ""
        name = aliases.get(name, name)
        form.add_error(name if name in form.fields else None, str(error.get("msg", exc.detail)))


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """``candidate`` when it is a local URL on this host, else ``default`` (no open redirects)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
