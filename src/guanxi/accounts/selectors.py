"""Reads on users, teams, roles and tokens (directory data, not owned records)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from guanxi.accounts import access
from guanxi.accounts.models import ApiToken, Perm, Role, Team, User
from guanxi.core.errors import NotFound
from guanxi.core.models import HealthPing


def user_list(*, actor: User, q: str = "") -> QuerySet[User]:
    access.ensure_perm(actor, Perm.MANAGE_USERS)
    qs = User.objects.filter(is_system=False).select_related("team", "role").order_by("username")
    if q.strip():
        qs = qs.filter(username__icontains=q.strip()) | qs.filter(display_name__icontains=q.strip())
    return qs


def user_get(*, actor: User, pk: int) -> User:
    access.ensure_perm(actor, Perm.MANAGE_USERS)
    user = User.objects.filter(pk=pk, is_system=False).select_related("team", "role").first()
    if user is None:
        raise NotFound()
    return user


def team_list(*, actor: User) -> QuerySet[Team]:
    access.ensure_perm(actor, Perm.MANAGE_USERS)
    return Team.objects.select_related("parent").annotate(member_count=Count("members")).order_by("path")


def team_get(*, actor: User, pk: int) -> Team:
    access.ensure_perm(actor, Perm.MANAGE_USERS)
    team = Team.objects.filter(pk=pk).first()
    if team is None:
        raise NotFound()
    return team


def role_list(*, actor: User) -> QuerySet[Role]:
    access.ensure_perm(actor, Perm.MANAGE_USERS)
    return Role.objects.annotate(user_count=Count("users")).order_by("code")


def role_get(*, actor: User, pk: int) -> Role:
    access.ensure_perm(actor, Perm.MANAGE_USERS)
    role = Role.objects.filter(pk=pk).first()
    if role is None:
        raise NotFound()
    return role


def token_list(*, actor: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor).order_by("-created_at")


def health_ping_list(*, actor: User, limit: int = 20) -> QuerySet[HealthPing]:
    access.ensure_perm(actor, Perm.VIEW_SYSTEM)
    return HealthPing.objects.select_related("requested_by").order_by("-requested_at")[:limit]


def user_pending_login(*, pk: object) -> User | None:
    """The active, non-system user behind a half-finished login (password given, OTP pending)."""
    if not isinstance(pk, int):
        return None
    return User.objects.filter(pk=pk, is_active=True, is_system=False).first()


def team_parent_choices(*, actor: User, team: Team | None = None) -> QuerySet[Team]:
    """Teams that may become the parent of ``team``: all of them, minus the team and its subtree."""
    qs = team_list(actor=actor)
    return qs if team is None else qs.exclude(path__startswith=team.path)


def assignable_user_get(*, pk: int, field: str = "owner_id") -> User:
    """An active, real user that records may be given to; unknown ids are a field error."""
    from django.utils.translation import gettext as _

    from guanxi.core.errors import InvalidInput

    user = User.objects.filter(pk=pk, is_active=True, is_system=False).select_related("team").first()
    if user is None:
        raise InvalidInput(_("Unknown user."), errors=[{"loc": [field], "msg": _("Unknown user.")}])
    return user
