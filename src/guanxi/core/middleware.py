"""Request size limit, Idempotency-Key replay for API POSTs, and HTML mapping of domain errors."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError, NotFound
from guanxi.core.models import IdempotencyRecord
from guanxi.core.problems import problem

Handler = Callable[[HttpRequest], HttpResponse]
API_PREFIX = "/api/"
MAX_KEY_LENGTH = 255
NOT_STORED = frozenset({401, 403, 429})  # answers about the caller, not the request: retry may differ


# File uploads (imports) may be larger than other requests: path → setting with their limit.
UPLOAD_PATHS = {"/api/v1/imports": "GUANXI_IMPORT_MAX_BYTES", "/data/imports/": "GUANXI_IMPORT_MAX_BYTES"}
MULTIPART_OVERHEAD = 64 * 1024  # the form fields and boundaries around an uploaded file


def _body_limit(request: HttpRequest) -> int:
    setting = UPLOAD_PATHS.get(request.path) if request.method == "POST" else None
    if setting is None:
        return int(settings.GUANXI_MAX_REQUEST_BYTES)
    return max(int(settings.GUANXI_MAX_REQUEST_BYTES), int(getattr(settings, setting)) + MULTIPART_OVERHEAD)


class RequestSizeLimitMiddleware:
    """Refuse bodies over ``GUANXI_MAX_REQUEST_BYTES`` (uploads: their own limit) with 413, unread."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = _body_limit(request)
        if length > limit:
            detail = _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
            if request.path.startswith(API_PREFIX):
                return problem(request, 413, _("Request too large"), detail)
            return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _identity(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.lower().startswith("bearer "):
        return "t:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return None


class IdempotencyMiddleware:
    """``Idempotency-Key`` on an API POST: the first answer is stored and replayed for repeats.

    The same key with a different body is refused with 422; a repeat while the
    first is still running gets 409. Server errors are not stored, so they can be retried.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get("HTTP_IDEMPOTENCY_KEY", "").strip()
        if request.method != "POST" or not key or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        identity = _identity(request)
        if identity is None:
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH or "\x00" in key:
            return problem(request, 422, _("Invalid Idempotency-Key"), _("The key may be at most 255 characters."))
        body_hash = hashlib.sha256(request.path.encode() + b"\0" + request.body).hexdigest()
        record, replay = self._claim(identity, key, body_hash)
        if replay is not None:
            return replay
        response = self.get_response(request)
        if response.status_code >= 500 or response.status_code in NOT_STORED or getattr(response, "streaming", False):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            status_code=response.status_code, content_type=response.get("Content-Type", ""), body=response.content
        )
        return response

    def _claim(self, identity: str, key: str, body_hash: str) -> tuple[IdempotencyRecord, HttpResponse | None]:
        now = timezone.now()
        # An expired key starts afresh; the hourly purge task drops the rest.
        expired = now - timedelta(hours=settings.GUANXI_IDEMPOTENCY_HOURS)
        IdempotencyRecord.objects.filter(identity=identity, key=key, created_at__lt=expired).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    identity=identity, key=key, request_hash=body_hash, created_at=now
                )
            return record, None
        except IntegrityError:
            found = IdempotencyRecord.objects.filter(identity=identity, key=key).first()
        if found is None:
            # The first request failed and was forgotten between our insert and this read.
            return IdempotencyRecord(), problem(None, 409, _("Request in progress"), _("Retry the request."))
        record = found
        if record.request_hash != body_hash:
            return record, problem(
                None, 422, _("Idempotency-Key reused"), _("This key was already used with a different request.")
            )
        if record.status_code is None:
            return record, problem(None, 409, _("Request in progress"), _("A request with this key is still running."))
        response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
        response["Idempotent-Replayed"] = "true"
        return record, response


class DomainErrorMiddleware:
    """Pages: NotFound → the 404 page; other domain errors → an error page with their status."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith(API_PREFIX) or not isinstance(exception, DomainError):
            return None
        if isinstance(exception, NotFound):
            raise Http404(exception.detail)
        return render(
            request, "web/error.html", {"title": exception.title, "detail": exception.detail}, status=exception.status
        )
