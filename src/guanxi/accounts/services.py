"""Writes on users, teams, roles, shares and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import ApiToken, DataScope, Perm, RecordShare, Role, Team, User
from guanxi.core.errors import Conflict, InvalidInput, NotFound, field_error
from guanxi.core.models import AuditEntry, Owned
from guanxi.core.records import audit_entry

TOKEN_PREFIX = "gx_"  # noqa: S105 - a public marker, not a secret
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


# --- teams --------------------------------------------------------------------


def _child_path(parent: Team | None, team_id: int) -> str:
    return f"{parent.path if parent else '/'}{team_id}/"


@transaction.atomic
def team_create(*, actor: User, name: str, parent: Team | None = None) -> Team:
    access.ensure_perm(actor, Perm.MANAGE_USERS)
    name = name.strip()
    if not name:
        raise field_error("name", _("Name is required."))
    if Team.objects.filter(parent=parent, name=name).exists():
        raise field_error("name", _("A team with this name already exists here."))
    team = Team.objects.create(name=name, parent=parent)
    team.path = _child_path(parent, team.pk)
    team.save(update_fields=["path"])
    return team


@transaction.atomic
def team_update(*, actor: User, team: Team, name: str, parent: Team | None, is_active: bool = True) -> Team:
    """Rename or move a team; moving rewrites the paths of the whole subtree in one statement."""
    access.ensure_perm(actor, Perm.MANAGE_USERS)
    name = name.strip()
    if not name:
        raise field_error("name", _("Name is required."))
    if parent is not None and parent.path.startswith(team.path):
        raise field_error("parent", _("A team cannot be moved below itself."))
    if Team.objects.filter(parent=parent, name=name).exclude(pk=team.pk).exists():
        raise field_error("name", _("A team with this name already exists here."))
    old_path, new_path = team.path, _child_path(parent, team.pk)
    team.name, team.parent, team.is_active = name, parent, is_active
    team.save(update_fields=["name", "parent", "is_active", "updated_at"])
    if old_path != new_path:
        Team.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
        )
        team.path = new_path
    return team


# --- roles --------------------------------------------------------------------


def _clean_role(permissions: list[str], default_scope: str, scopes: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    unknown = sorted(set(permissions) - set(Perm.values))
    if unknown:
        raise field_error("permissions", _("Unknown permissions: %s") % ", ".join(unknown))
    if default_scope not in DataScope.values:
        raise field_error("default_scope", _("Unknown data scope."))
    record_types = set(access.record_types())
    clean_scopes: dict[str, str] = {}
    for record_type, scope in scopes.items():
        if record_type not in record_types or scope not in DataScope.values:
            raise field_error("scopes", _("Unknown record type or data scope: %s") % record_type)
        if scope != default_scope:
            clean_scopes[record_type] = scope
    return sorted(set(permissions)), clean_scopes


@transaction.atomic
def role_save(
    *,
    actor: User,
    role: Role | None,
    code: str,
    name: str,
    name_en: str = "",
    permissions: list[str],
    default_scope: str,
    scopes: dict[str, str] | None = None,
) -> Role:
    """Create (``role=None``) or update a role."""
    access.ensure_perm(actor, Perm.MANAGE_USERS)
    perms, clean_scopes = _clean_role(permissions, default_scope, scopes or {})
    same_code = Role.objects.filter(code=code)
    if role is not None:
        same_code = same_code.exclude(pk=role.pk)
    if same_code.exists():
        raise field_error("code", _("A role with this code already exists."))
    role = role or Role()
    role.code, role.name, role.name_en = code, name.strip(), name_en.strip()
    role.permissions, role.default_scope, role.scopes = perms, default_scope, clean_scopes
    role.full_clean()
    role.save()
    return role


# --- users --------------------------------------------------------------------


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            _("The password is not strong enough."), errors=[{"loc": ["password"], "msg": m} for m in exc.messages]
        ) from None


@transaction.atomic
def user_save(*, actor: User, user: User | None, password: str | None = None, **fields: Any) -> User:
    """Create (``user=None``) or update a user. ``fields``: username, email, display_name, team, role,
    time_zone, language, is_active."""
    access.ensure_perm(actor, Perm.MANAGE_USERS)
    target = user or User()
    if target.is_system:
        raise NotFound(_("Not found."))
    for name, value in fields.items():
        setattr(target, name, value)
    if target.pk == actor.pk and not target.is_active:
        raise field_error("is_active", _("You cannot deactivate yourself."))
    if password:
        _check_password(password, target)
        target.set_password(password)
    elif user is None:
        target.set_unusable_password()
    try:
        target.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise InvalidInput(
            _("Some fields are not valid."),
            errors=[{"loc": [field], "msg": m} for field, msgs in exc.message_dict.items() for m in msgs],
        ) from None
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise field_error("email", _("Another user already has this email address.")) from None
    if user is not None and not target.is_active:
        ApiToken.objects.filter(user=target, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return target


@transaction.atomic
def user_change_password(*, actor: User, old_password: str, new_password: str) -> User:
    if not actor.check_password(old_password):
        raise field_error("old_password", _("The current password is wrong."))
    _check_password(new_password, actor)
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    return actor


def user_set_preferences(*, actor: User, language: str | None = None, time_zone: str | None = None) -> User:
    from zoneinfo import available_timezones

    updates = []
    if language is not None:
        if language not in {"zh-hans", "en"}:
            raise field_error("language", _("Unknown language."))
        actor.language = language
        updates.append("language")
    if time_zone is not None:
        if time_zone not in available_timezones():
            raise field_error("time_zone", _("Unknown time zone."))
        actor.time_zone = time_zone
        updates.append("time_zone")
    if updates:
        actor.save(update_fields=updates)
    return actor


# --- shares -------------------------------------------------------------------


@transaction.atomic
def record_share(
    *, actor: User, record: Owned, user: User | None = None, team: Team | None = None, can_change: bool = False
) -> RecordShare:
    """Grant one record to a user or a team beyond their data scope."""
    access.ensure(actor, "share", record)
    if (user is None) == (team is None):
        raise field_error("user", _("Share with exactly one user or one team."))
    record_type = access.record_type_of(type(record))
    share, _created = RecordShare.objects.update_or_create(
        record_type=record_type,
        record_id=record.pk,
        user=user,
        team=team,
        defaults={"can_change": can_change, "granted_by": actor},
    )
    audit_entry(
        actor=actor,
        record=record,
        at=timezone.now(),
        action=AuditEntry.Action.SHARE,
        field="share",
        new=str(user or team),
    ).save()
    return share


# --- API tokens ---------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(*, actor: User, name: str, expires_at: datetime | None = None) -> IssuedToken:
    """Create a personal token; the raw value is returned once and only its digest is stored."""
    if not actor.is_active or actor.is_system:
        raise NotFound(_("Not found."))
    if expires_at is not None and expires_at <= timezone.now():
        raise field_error("expires_at", _("The expiry must lie in the future."))
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=actor, name=(name.strip() or "API")[:100], prefix=prefix, digest=_digest(raw), expires_at=expires_at
    )
    return IssuedToken(token=token, raw=raw)


def token_authenticate(*, raw: str) -> ApiToken | None:
    """The live token for ``raw``, or None (unknown, revoked, expired, or its user is inactive)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user", "user__role").filter(digest=_digest(raw)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or not token.user.is_active or token.user.is_system:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (user managers may revoke anyone's)."""
    tokens = ApiToken.objects.all() if access.has_perm(actor, Perm.MANAGE_USERS) else actor.api_tokens.all()
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("Not found."))
    if token.revoked_at is not None:
        raise Conflict(_("This token is already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token
