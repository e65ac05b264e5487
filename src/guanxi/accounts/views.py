"""Pages: login with the optional second factor, logout, personal settings, and the user, team and role admin."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from datetime import time as day_start
from typing import Literal, cast

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.accounts import access, selectors, services, twofactor
from guanxi.accounts.forms import (
    LoginForm,
    OtpForm,
    PasswordChangeForm,
    PreferencesForm,
    RoleForm,
    TeamForm,
    TokenCreateForm,
    TotpConfirmForm,
    TotpDisableForm,
    UserForm,
)
from guanxi.accounts.models import Perm, Role, Team, User
from guanxi.core.errors import Conflict, InvalidInput
from guanxi.core.forms import add_domain_errors
from guanxi.core.pages import actor_of, safe_next

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


def _remember_language(request: HttpRequest, response: HttpResponse, language: str) -> None:
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
    _remember_language(request, response, user.language)
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
            _remember_language(request, response, actor.language)
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


# --- admin: users ------------------------------------------------------------------------


@login_required
def user_list_view(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    users = selectors.user_list(actor=actor_of(request), q=q)
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": q})


@sensitive_post_parameters("password")
@login_required
@require_http_methods(GET_POST)
def user_create_view(request: HttpRequest) -> HttpResponse:
    return _user_page(request, None)


@sensitive_post_parameters("password")
@login_required
@require_http_methods(GET_POST)
def user_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _user_page(request, selectors.user_get(actor=actor_of(request), pk=pk))


def _user_initial(user: User | None) -> dict[str, object]:
    if user is None:
        return {"language": settings.LANGUAGE_CODE, "time_zone": settings.TIME_ZONE, "is_active": True}
    fields = ("username", "email", "display_name", "team", "role", "language", "time_zone", "is_active")
    return {name: getattr(user, name) for name in fields}


def _user_page(request: HttpRequest, user: User | None) -> HttpResponse:
    actor = actor_of(request)
    teams, roles = selectors.team_list(actor=actor), selectors.role_list(actor=actor)
    form = UserForm(request.POST or None, initial=_user_initial(user), teams=teams, roles=roles)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        password = fields.pop("password") or None
        try:
            saved = services.user_save(actor=actor, user=user, password=password, **fields)
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("User “%(name)s” has been saved.") % {"name": saved})
            return redirect("accounts:user-list")
    return render(
        request, "accounts/user_form.html", {"form": form, "edited": user}, status=422 if form.errors else 200
    )


# --- admin: teams ------------------------------------------------------------------------


@login_required
def team_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/team_list.html", {"teams": selectors.team_list(actor=actor_of(request))})


@login_required
@require_http_methods(GET_POST)
def team_create_view(request: HttpRequest) -> HttpResponse:
    return _team_page(request, None)


@login_required
@require_http_methods(GET_POST)
def team_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _team_page(request, selectors.team_get(actor=actor_of(request), pk=pk))


def _team_page(request: HttpRequest, team: Team | None) -> HttpResponse:
    actor = actor_of(request)
    initial = {"name": team.name, "parent": team.parent_id, "is_active": team.is_active} if team else {}
    parents = selectors.team_parent_choices(actor=actor, team=team)
    form = TeamForm(request.POST or None, initial=initial, teams=parents)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if team is None:
                saved = services.team_create(actor=actor, name=data["name"], parent=data["parent"])
            else:
                saved = services.team_update(
                    actor=actor, team=team, name=data["name"], parent=data["parent"], is_active=data["is_active"]
                )
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Team “%(name)s” has been saved.") % {"name": saved.name})
            return redirect("accounts:team-list")
    return render(
        request, "accounts/team_form.html", {"form": form, "edited": team}, status=422 if form.errors else 200
    )


# --- admin: roles ------------------------------------------------------------------------


def _record_type_labels() -> dict[str, str]:
    labels = {
        rule.record_type: str(model._meta.verbose_name_plural) for model, rule in access.registered_models().items()
    }
    return dict(sorted(labels.items()))


@login_required
def role_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/role_list.html", {"roles": selectors.role_list(actor=actor_of(request))})


@login_required
@require_http_methods(GET_POST)
def role_create_view(request: HttpRequest) -> HttpResponse:
    return _role_page(request, None)


@login_required
@require_http_methods(GET_POST)
def role_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _role_page(request, selectors.role_get(actor=actor_of(request), pk=pk))


def _role_initial(role: Role | None) -> dict[str, object]:
    if role is None:
        return {"default_scope": "own"}
    fields = {"code": role.code, "name": role.name, "name_en": role.name_en, "permissions": role.permissions}
    return {**fields, "default_scope": role.default_scope, **RoleForm.scope_initial(role)}


def _role_page(request: HttpRequest, role: Role | None) -> HttpResponse:
    actor = actor_of(request)
    access.ensure_perm(actor, Perm.MANAGE_USERS)
    form = RoleForm(request.POST or None, initial=_role_initial(role), record_types=_record_type_labels())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.role_save(
                actor=actor,
                role=role,
                code=data["code"],
                name=data["name"],
                name_en=data["name_en"],
                permissions=data["permissions"],
                default_scope=data["default_scope"],
                scopes=form.scopes(),
            )
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Role “%(name)s” has been saved.") % {"name": saved.name})
            return redirect("accounts:role-list")
    return render(
        request, "accounts/role_form.html", {"form": form, "edited": role}, status=422 if form.errors else 200
    )
