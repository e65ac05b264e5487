"""Shared building blocks: BaseModel, Owned records, the audit log, idempotency and health pings."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Timestamps and a stable default ordering for every domain table."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
        ordering: ClassVar[tuple[str, ...]] = ("-created_at",)


class Versioned(BaseModel):
    """A business record with a public UUID, authorship and an optimistic-locking ``version``.

    Writes go through ``guanxi.core.records`` so that ``version`` and the audit log stay right.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("updated by")
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta(BaseModel.Meta):
        abstract = True


class Owned(Versioned):
    """A record that belongs to a user and a team; its visibility is the owner's data scope.

    Records without an owner of their own (contacts, interactions, …) are ``Versioned`` and
    registered in ``accounts.access`` with ``via=`` the record whose visibility they follow.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("team")
    )

    class Meta(Versioned.Meta):
        abstract = True


class AuditEntry(models.Model):
    """One changed field of one record: who, when, old → new."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        SHARE = "share", _("Shared")

    record_type = models.CharField(_("record type"), max_length=64)
    record_id = models.CharField(_("record id"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    at = models.DateTimeField(_("at"), db_index=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    field = models.CharField(_("field"), max_length=64, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["record_type", "record_id", "-at"], name="core_audit_record_idx")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.record_type}:{self.record_id} {self.action} {self.field}"


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an ``Idempotency-Key`` header."""

    identity = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["identity", "key"], name="core_idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.identity} {self.key}"


class HealthPing(models.Model):
    """A task sent to the worker; ``processed_at`` proves the worker runs."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=120, blank=True)

    class Meta:
        ordering = ("-requested_at",)
        verbose_name = _("health ping")

    def __str__(self) -> str:
        return f"ping {self.pk} {self.requested_at:%Y-%m-%d %H:%M:%S}"


class ViewSharing(models.TextChoices):
    PRIVATE = "private", _("Only me")
    TEAM = "team", _("My team")
    EVERYONE = "everyone", _("Everyone")


class SavedView(Versioned):
    """A user's named list view: filters and columns of one list (customers, …), optionally shared.

    Sharing a view shares its *definition* only: whoever opens it still sees the rows of their own
    data scope, never the owner's.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("owner")
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    record_type = models.CharField(_("list"), max_length=64)
    name = models.CharField(_("name"), max_length=80)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    sharing = models.CharField(
        _("shared with"), max_length=10, choices=ViewSharing.choices, default=ViewSharing.PRIVATE
    )

    class Meta(Versioned.Meta):
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=["owner", "record_type", "name"], name="core_savedview_unique_name")
        ]
        indexes = [models.Index(fields=["record_type", "sharing"], name="core_savedview_shared_idx")]

    def __str__(self) -> str:
        return self.name
