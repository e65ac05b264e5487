"""/api/v1/insights: a customer's value, the value settings, value runs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from guanxi.accounts.api_auth import request_user
from guanxi.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, bounded
from guanxi.core.schemas import InputSchema
from guanxi.insights import selectors, settings_service
from guanxi.insights.models import ValueRun, ValueSettings
from guanxi.insights.schemas.value import CustomerValueOut, ValueRunOut, ValueSettingsIn, ValueSettingsOut
from guanxi.insights.selectors import ValueBreakdown

router = Router(tags=["insights"])


class RunFilters(InputSchema):
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get("/customers/{customer_id}/value", response=CustomerValueOut)
def customer_value(request: HttpRequest, customer_id: UUID) -> ValueBreakdown:
    """The customer's value from the latest run and what it is made of; 404 for customers you cannot see."""
    return selectors.customer_value_breakdown(actor=request_user(request), customer_id=customer_id)


@router.get("/value-settings", response=ValueSettingsOut)
def value_settings_read(request: HttpRequest) -> ValueSettings:
    """How value is measured (anyone logged in may read the rules)."""
    return selectors.value_settings_get(actor=request_user(request))


@router.put("/value-settings", response=ValueSettingsOut)
def value_settings_write(request: HttpRequest, payload: ValueSettingsIn) -> ValueSettings:
    """Change the value settings (value managers); a stale ``version`` gets 409 and changes nothing."""
    return settings_service.value_settings_update(
        actor=request_user(request), version=payload.version, changes=payload.changes()
    )


@router.get("/value-runs", response=Page[ValueRunOut])
def value_run_list(request: HttpRequest, filters: Query[RunFilters]) -> dict[str, Any]:
    """Value runs, newest first (value managers: runs are company-wide figures)."""
    return bounded(selectors.value_run_list(actor=request_user(request)), limit=filters.limit)


@router.post("/value-runs", response={202: ValueRunOut})
def value_run_request(request: HttpRequest) -> Status[ValueRun]:
    """Recompute every customer's value now: a queued run that the worker processes."""
    return Status(202, settings_service.value_run_request(actor=request_user(request)))


@router.get("/value-runs/{run_id}", response=ValueRunOut)
def value_run_detail(request: HttpRequest, run_id: UUID) -> ValueRun:
    """One run: status, step and progress while it works; summary, parameters and timings when done."""
    return selectors.value_run_get(actor=request_user(request), run_id=run_id)
