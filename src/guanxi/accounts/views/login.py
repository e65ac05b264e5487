"""Login (username or email, throttled), the second-factor step and logout."""

from __future__ import annotations

import time
from typing import Literal, cast

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.accounts import selectors, twofactor
from guanxi.accounts.forms import (
    LoginForm,
    OtpForm,
)
from guanxi.accounts.models import User
from guanxi.core.pages import safe_next

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


# --- login, second factor, logout ---------------------------------------------------


def remember_language(request: HttpRequest, response: HttpResponse, language: str) -> None:
    """Make ``language`` take effect from the next request on: session for the middleware, cookie for Django."""
    request.session[LANGUAGE_SESSION_KEY] = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
    )


def _finish_login(request: HttpRequest, user: User, next_url: str, *, backend: str, otp: bool = False) -> HttpResponse:
    auth_login(request, user, backend=backend)
    if otp:
        django_otp.login(request, twofactor.totp_device(user))
    response = redirect(next_url)
    remember_language(request, response, user.language)
    return response


def _start_second_step(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    request.session.cycle_key()
    request.session.update(
        {
            PENDING_USER: user.pk,
            PENDING_BACKEND: getattr(user, "backend", ""),
            PENDING_NEXT: next_url,
            PENDING_SINCE: time.time(),
        }
    )
    return redirect("accounts:otp")


def _pending_user(request: HttpRequest) -> User | None:
    if time.time() - float(request.session.get(PENDING_SINCE, 0)) > PENDING_SECONDS:
        return None
    return selectors.user_pending_login(pk=request.session.get(PENDING_USER))


@sensitive_post_parameters("password")
@ensure_csrf_cookie
@never_cache
@require_http_methods(GET_POST)
def login_view(request: HttpRequest) -> HttpResponse:
    default = resolve_url(settings.LOGIN_REDIRECT_URL)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), default)
    if request.user.is_authenticated:
        return redirect(next_url)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if isinstance(user, User) and twofactor.totp_required(user):
            return _start_second_step(request, user, next_url)
        if isinstance(user, User):
            return _finish_login(request, user, next_url, backend=getattr(user, "backend", ""))
        form.add_error(None, _("Wrong username or password."))
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(GET_POST)
def otp_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        if PENDING_USER in request.session:
            messages.info(request, _("Your login has timed out. Please log in again."))
        return redirect("accounts:login")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.totp_verify(user, form.cleaned_data["code"]):
            next_url, backend = request.session[PENDING_NEXT], request.session[PENDING_BACKEND]
            for key in (PENDING_USER, PENDING_BACKEND, PENDING_NEXT, PENDING_SINCE):
                request.session.pop(key, None)
            return _finish_login(request, user, next_url, backend=backend, otp=True)
        form.add_error("code", _("The code is wrong or has expired. Wait for a new one and try again."))
    return render(request, "accounts/otp.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("You have been logged out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)
