"""problem+json (RFC 9457) responses for every API error, with field paths."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from guanxi.core.errors import DomainError

logger = logging.getLogger(__name__)
PROBLEM_CONTENT_TYPE = "application/problem+json"

_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    422: "invalid-input",
    429: "too-many-requests",
    500: "server-error",
}


def problem(
    request: HttpRequest | None,
    status: int,
    title: str,
    detail: str = "",
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"urn:guanxi:problem:{_SLUGS.get(status, 'error')}",
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if request is not None:
        body["instance"] = request.path
    if errors:
        body["errors"] = errors
    response = JsonResponse(
        body, status=status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


REQUEST_PARTS = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})


def _loc(raw: Any) -> list[str]:
    """``["body", "payload", "name"]`` → ``["body", "name"]``; a bare service field → ``["body", field]``."""
    loc = [str(part) for part in (raw or ())]
    if len(loc) > 2 and loc[0] in REQUEST_PARTS and loc[1] in {"payload", "filters", "data"}:
        loc = [loc[0], *loc[2:]]
    if loc and loc[0] not in REQUEST_PARTS:
        loc = ["body", *loc]
    return loc


def _error(loc: list[str], msg: object, kind: object = "") -> dict[str, Any]:
    return {"loc": loc, "path": ".".join(loc), "msg": str(msg), "type": str(kind or "invalid")}


def _field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [_error(_loc(e.get("loc")), e.get("msg", ""), e.get("type", "")) for e in exc.errors]


def _domain_errors(exc: DomainError) -> list[dict[str, Any]]:
    return [_error(_loc(e.get("loc")), e.get("msg", ""), e.get("type", "")) for e in exc.errors]


def install_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return problem(request, exc.status, str(exc.title), exc.detail, errors=_domain_errors(exc))

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(request, 422, _("Invalid input"), _("Some fields are not valid."), errors=_field_errors(exc))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(
            request,
            401,
            _("Authentication required"),
            _("Log in or send a valid API token."),
            headers={"WWW-Authenticate": 'Bearer realm="guanxi"'},
        )

    @api.exception_handler(AuthorizationError)
    def on_forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return problem(request, 403, _("Not allowed"), _("CSRF check failed or permission missing."))

    @api.exception_handler(Throttled)
    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = int(exc.wait or 1)
        return problem(
            request,
            429,
            _("Too many requests"),
            _("Slow down and retry later."),
            headers={"Retry-After": str(max(wait, 1))},
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(request, exc.status_code, str(exc.message))

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        from django.core.exceptions import RequestDataTooBig
        from django.http import Http404

        if isinstance(exc, Http404):
            return problem(request, 404, _("Not found"))
        if isinstance(exc, RequestDataTooBig):
            return problem(request, 413, _("Request too large"))
        logger.exception("Unhandled API error on %s", request.path)
        return problem(request, 500, _("Server error"), _("Something went wrong on our side. It has been logged."))
