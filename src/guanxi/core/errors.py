"""Domain errors. One Ninja handler and one HTML middleware map them to responses."""

from __future__ import annotations

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
