"""Domain errors. One Ninja handler and one HTML middleware map them to responses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule refused the request. ``status`` is the HTTP status it maps to."""

    status = 400
    title = _("Request refused")

    def __init__(self, detail: str = "", *, errors: list[dict[str, object]] | None = None) -> None:
        super().__init__(detail or str(self.title))
        self.detail = detail or str(self.title)
        self.errors = errors or []


class NotFound(DomainError):
    """Missing *or* invisible to the actor: the two are never told apart."""

    status = 404
    title = _("Not found")


class NotAllowed(DomainError):
    """The actor can see the record but may not do this to it."""

    status = 403
    title = _("Not allowed")


class Conflict(DomainError):
    """The record changed since the client read it (stale ``version``)."""

    status = 409
    title = _("Conflict")


class InvalidInput(DomainError):
    status = 422
    title = _("Invalid input")


class InvalidTransition(DomainError):
    status = 409
    title = _("Invalid transition")


def field_error(loc: str | Sequence[object], message: str) -> InvalidInput:
    """One invalid field (``"name"`` or a path such as ``["lines", 2, "product_id"]``)."""
    path = [loc] if isinstance(loc, str) else list(loc)
    return InvalidInput(message, errors=[{"loc": path, "msg": message}])


def reject_unknown(given: Iterable[str], allowed: Iterable[str]) -> None:
    """Refuse field names a service does not take, naming each one."""
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        message = gettext("Unknown field.")
        raise InvalidInput(gettext("Unknown fields."), errors=[{"loc": [name], "msg": message} for name in unknown])
