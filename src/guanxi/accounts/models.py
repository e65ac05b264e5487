"""Users, teams (a tree), roles with function permissions and data scopes, shares and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BaseModel


class DataScope(models.TextChoices):
    """How far a role sees records of one type."""

    OWN = "own", _("Own records")
    TEAM = "team", _("Own team")
    TEAM_AND_BELOW = "team_and_below", _("Own team and teams below")
    ALL = "all", _("All records")


class Perm(models.TextChoices):
    """Function permissions a role may carry (record visibility is separate: DataScope)."""

    APPROVE = "approve", _("Approve")
    EXPORT = "export", _("Export data")
    IMPORT = "import", _("Import data")
    ASSIGN = "assign", _("Reassign records")
    DELETE = "delete", _("Delete records")
    MANAGE_SETTINGS = "manage_settings", _("Manage settings")
    MANAGE_USERS = "manage_users", _("Manage users, teams and roles")
    MANAGE_VALUE = "manage_value", _("Manage value measures, grading and segments")
    MANAGE_LEADS = "manage_leads", _("Manage lead channels and lead rules")
    VIEW_SYSTEM = "view_system", _("View system status")


class Team(BaseModel):
    """A department or sales group. ``path`` (``/1/4/``) makes "team and below" one index range."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent team")
    )
    path = models.CharField(_("path"), max_length=500, db_index=True, editable=False, default="")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("path",)
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="accounts_team_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class Role(BaseModel):
    """Function permissions plus a data scope per record type (``scopes``, falling back to ``default_scope``)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    permissions = models.JSONField(_("function permissions"), default=list, blank=True)
    default_scope = models.CharField(
        _("default data scope"), max_length=20, choices=DataScope.choices, default=DataScope.OWN
    )
    scopes = models.JSONField(_("data scope per record type"), default=dict, blank=True)

    class Meta:
        ordering = ("code",)
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name

    def scope_for(self, record_type: str) -> str:
        scope = self.scopes.get(record_type, self.default_scope)
        return scope if scope in DataScope.values else DataScope.OWN


class User(AbstractUser):
    """A person who logs in (or the system actor, which never does)."""

    email = models.EmailField(_("email address"), blank=True)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("team")
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("role")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    language = models.CharField(
        _("language"), max_length=10, choices=[("zh-hans", "简体中文"), ("en", "English")], default="zh-hans"
    )
    is_system = models.BooleanField(_("system actor"), default=False)

    class Meta(AbstractUser.Meta):
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="accounts_user_unique_email_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class RecordShare(models.Model):
    """An explicit grant of one record to a user or a team, beyond the data scope."""

    record_type = models.CharField(_("record type"), max_length=64)
    record_id = models.UUIDField(_("record id"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    can_change = models.BooleanField(_("may change"), default=False)
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["record_type", "user"], name="accounts_share_user_idx"),
            models.Index(fields=["record_type", "team"], name="accounts_share_team_idx"),
            models.Index(fields=["record_type", "record_id"], name="accounts_share_record_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, team__isnull=True)
                | models.Q(user__isnull=True, team__isnull=False),
                name="accounts_share_user_xor_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_type}:{self.record_id} → {self.user or self.team}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def role_defaults() -> dict[str, dict[str, Any]]:
    """The roles every installation starts with; admins can edit or add more."""
    return {
        "admin": {
            "name": "系统管理员",
            "name_en": "Administrator",
            "permissions": list(Perm.values),
            "default_scope": DataScope.ALL,
        },
        "director": {
            "name": "销售总监",
            "name_en": "Sales director",
            "permissions": [
                Perm.APPROVE,
                Perm.EXPORT,
                Perm.IMPORT,
                Perm.ASSIGN,
                Perm.VIEW_SYSTEM,
                Perm.MANAGE_VALUE,
                Perm.MANAGE_LEADS,
            ],
            "default_scope": DataScope.ALL,
        },
        "manager": {
            "name": "销售经理",
            "name_en": "Sales manager",
            "permissions": [Perm.APPROVE, Perm.EXPORT, Perm.ASSIGN],
            "default_scope": DataScope.TEAM_AND_BELOW,
        },
        "rep": {
            "name": "销售代表",
            "name_en": "Sales representative",
            "permissions": [],
            "default_scope": DataScope.OWN,
        },
    }
