"""Directory administration in the product UI: users, teams and roles."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from guanxi.accounts import access, selectors, services
from guanxi.accounts.forms import (
    RoleForm,
    TeamForm,
    UserForm,
)
from guanxi.accounts.models import Perm, Role, Team, User
from guanxi.core.errors import InvalidInput
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
