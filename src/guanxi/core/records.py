"""The shared write path for versioned records: audit entries, ``version`` and stale-write detection.

Domain services check access first (``accounts.access.ensure``), then call
``record_create`` / ``record_update`` inside their transaction. The update is a
conditional ``UPDATE … WHERE version = n`` so two writers cannot both win: the
second gets ``Conflict`` (HTTP 409) and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import Conflict, InvalidInput
from guanxi.core.models import AuditEntry, Versioned

if TYPE_CHECKING:
    from guanxi.accounts.models import User

R = TypeVar("R", bound=Versioned)

NOT_AUDITED = frozenset({"id", "created_at", "updated_at", "created_by", "updated_by", "version"})


# Sent after ``record_update`` wrote a change (it uses ``QuerySet.update``, so ``post_save`` is not sent):
# derived indexes kept by other apps (the leads' duplicate keys) follow the record with it.
record_updated = Signal()


def record_type_label(instance: models.Model) -> str:
    return f"{instance._meta.app_label}.{instance._meta.model_name}"


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(_display(item) for item in value)
    return str(value)


def _audited_fields(instance: models.Model) -> Iterable[models.Field[Any, Any]]:
    for field in instance._meta.concrete_fields:
        if field.editable and field.name not in NOT_AUDITED:
            yield field


def audit_entry(
    *, actor: User, record: Versioned, at: datetime, action: str, field: str, old: Any = None, new: Any = None
) -> AuditEntry:
    """An unsaved audit entry for one field of ``record`` at its current version."""
    return AuditEntry(
        record_type=record_type_label(record),
        record_id=str(record.pk),
        actor=actor,
        at=at,
        action=action,
        field=field,
        old_value=_display(old),
        new_value=_display(new),
        version=record.version,
    )


def validated(instance: models.Model, *, exclude: Iterable[str] | None = None) -> None:
    """``full_clean`` with Django's errors turned into ``InvalidInput`` (422 with field paths)."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise InvalidInput(
            _("Some fields are not valid."),
            errors=[
                {"loc": [field], "msg": message} for field, messages in exc.message_dict.items() for message in messages
            ],
        ) from None


def record_create(*, actor: User, instance: R) -> R:
    """Insert a new owned record and write one audit entry per filled field."""
    instance.created_by = actor
    instance.updated_by = actor
    instance.version = 1
    validated(instance)
    instance.save(force_insert=True)
    now = timezone.now()
    entries = [
        audit_entry(
            actor=actor,
            record=instance,
            at=now,
            action=AuditEntry.Action.CREATE,
            field=field.name,
            new=getattr(instance, field.name),
        )
        for field in _audited_fields(instance)
        if getattr(instance, field.attname) not in (None, "", [], {})
    ]
    AuditEntry.objects.bulk_create(entries)
    return instance


def record_update(*, actor: User, instance: R, changes: Mapping[str, Any], expected_version: int | None) -> R:
    """Apply ``changes`` if the record is still at ``expected_version``; audit each changed field.

    Raises ``Conflict`` when the stored version differs from ``expected_version``
    (or from the instance's, when no version is given) — nothing is written then.
    """
    if expected_version is not None and expected_version != instance.version:
        raise Conflict(_("This record was changed by someone else. Reload it and try again."))
    old = {name: getattr(instance, name) for name in changes}
    changed = [name for name, value in changes.items() if _comparable(old[name]) != _comparable(value)]
    if not changed:
        return instance
    for name in changed:
        setattr(instance, name, changes[name])
    validated(instance, exclude=[f.name for f in instance._meta.concrete_fields if f.name not in changed])
    now = timezone.now()
    fields = [cast("models.Field[Any, Any]", instance._meta.get_field(name)) for name in changed]
    values = {field.attname: getattr(instance, field.attname) for field in fields}
    rows = (
        type(instance)
        ._base_manager.filter(pk=instance.pk, version=instance.version)
        .update(**values, version=instance.version + 1, updated_by=actor, updated_at=now)
    )
    if rows != 1:
        raise Conflict(_("This record was changed by someone else. Reload it and try again."))
    instance.version += 1
    instance.updated_by = actor
    instance.updated_at = now
    AuditEntry.objects.bulk_create(
        audit_entry(
            actor=actor,
            record=instance,
            at=now,
            action=AuditEntry.Action.UPDATE,
            field=name,
            old=old[name],
            new=getattr(instance, name),
        )
        for name in changed
        if instance._meta.get_field(name).editable
    )
    record_updated.send(sender=type(instance), instance=instance, changed=tuple(changed))
    return instance


def _comparable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    return value


def record_audit_trail(*, record: models.Model) -> QuerySet[AuditEntry]:
    """Audit entries of one record, newest first. Callers check visibility of ``record`` first."""
    return AuditEntry.objects.filter(record_type=record_type_label(record), record_id=str(record.pk)).select_related(
        "actor"
    )


def record_delete(*, actor: User, instance: Versioned) -> None:
    """Delete a record, leaving an audit entry that says who removed what, and when."""
    audit_entry(
        actor=actor, record=instance, at=timezone.now(), action=AuditEntry.Action.DELETE, field="", old=str(instance)
    ).save()
    instance.delete()
