"""Personal settings: language and time zone, password, two-factor login, API tokens."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as day_start

import django_otp
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.accounts import selectors, services, twofactor
from guanxi.accounts.forms import (
    PasswordChangeForm,
    PreferencesForm,
    TokenCreateForm,
    TotpConfirmForm,
    TotpDisableForm,
)
from guanxi.accounts.models import User
from guanxi.accounts.views.login import remember_language
from guanxi.core.errors import Conflict, InvalidInput
from guanxi.core.forms import add_domain_errors
from guanxi.core.pages import actor_of

GET_POST = ["GET", "HEAD", "POST"]
LANGUAGE_SESSION_KEY = "guanxi_language"
PENDING_USER, PENDING_BACKEND, PENDING_NEXT, PENDING_SINCE = (
    "guanxi_otp_user",
    "guanxi_otp_backend",
    "guanxi_otp_next",
    "guanxi_otp_since",
)
PENDING_SECONDS = 300
USERS_PER_PAGE = 50


# --- personal settings ----------------------------------------------------------------


@login_required
@require_http_methods(GET_POST)
def settings_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = PreferencesForm(request.POST or None, initial={"language": actor.language, "time_zone": actor.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_preferences(actor=actor, **form.cleaned_data)
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            response = redirect("accounts:settings")
            remember_language(request, response, actor.language)
            with translation.override(actor.language):
                messages.success(request, _("Your settings have been saved."))
            return response
    return render(request, "accounts/settings.html", {"form": form, "profile": actor})


@sensitive_post_parameters("old_password", "new_password", "new_password_again")
@login_required
@require_http_methods(GET_POST)
def password_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_change_password(
                actor=actor, old_password=data["old_password"], new_password=data["new_password"]
            )
        except InvalidInput as exc:
            add_domain_errors(form, exc, aliases={"password": "new_password"})
        else:
            update_session_auth_hash(request, actor)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:settings")
    return render(request, "accounts/password.html", {"form": form})


@sensitive_post_parameters("password", "code")
@login_required
@require_http_methods(GET_POST)
def two_factor_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if twofactor.totp_required(actor):
        form = TotpDisableForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if twofactor.totp_disable(actor, form.cleaned_data["password"]):
                messages.success(request, _("Two-factor authentication is now off."))
                return redirect("accounts:two-factor")
            form.add_error("password", _("The password is wrong."))
        return render(request, "accounts/two_factor.html", {"form": form, "enabled": True})
    return _two_factor_setup(request, actor)


def _two_factor_setup(request: HttpRequest, actor: User) -> HttpResponse:
    device = twofactor.totp_setup_begin(actor)
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.totp_setup_confirm(actor, form.cleaned_data["code"]):
            django_otp.login(request, twofactor.totp_device(actor))
            messages.success(request, _("Two-factor authentication is on. You will need a code at every login."))
            return redirect("accounts:two-factor")
        form.add_error("code", _("The code does not match. Check the time on your phone and try again."))
    context = {
        "form": form,
        "enabled": False,
        "secret": twofactor.totp_secret_base32(device),
        "qr_data_uri": twofactor.totp_qr_data_uri(device),
    }
    return render(request, "accounts/two_factor.html", context)


def _end_of_day(day: date | None) -> datetime | None:
    """A date picked in the form → the start of the next day in the user's time zone."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), day_start.min))


@login_required
@require_http_methods(GET_POST)
def tokens_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form, issued = TokenCreateForm(request.POST or None), None
    if request.method == "POST" and form.is_valid():
        try:
            expires_at = _end_of_day(form.cleaned_data["expires_on"])
            issued = services.token_issue(actor=actor, name=form.cleaned_data["name"], expires_at=expires_at)
        except InvalidInput as exc:
            add_domain_errors(form, exc, aliases={"expires_at": "expires_on"})
        else:
            form = TokenCreateForm()
    context = {"form": form, "issued": issued, "tokens": selectors.token_list(actor=actor), "now": timezone.now()}
    return render(request, "accounts/tokens.html", context, status=201 if issued else 200)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = services.token_revoke(actor=actor_of(request), token_id=pk)
    except Conflict as exc:
        messages.warning(request, exc.detail)
    else:
        messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
