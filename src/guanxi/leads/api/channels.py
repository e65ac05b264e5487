"""/api/v1: lead channels (every signed-in user reads names; lead managers write), their costs and
cleaning rules, the lead settings, and the lead reports (channel value, funnel, grade check) scoped to
the caller."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status

from guanxi.accounts import access
from guanxi.accounts.api_auth import request_user
from guanxi.accounts.models import Perm, User
from guanxi.core.pagination import bounded
from guanxi.leads import channels, reports
from guanxi.leads.models import Channel, LeadSettings
from guanxi.leads.schemas.channels import (
    ChannelIn,
    ChannelList,
    ChannelOut,
    ChannelPatch,
    ChannelReportOut,
    CleaningIn,
    CostIn,
    CostList,
    CostOut,
    FunnelOut,
    SettingsOut,
    SettingsPatch,
    VersionIn,
)
from guanxi.leads.schemas.grades import GradeCheckOut

router = Router(tags=["leads"])


def form_path(channel: Channel) -> str:
    """The public web form's address (``leadform`` is mounted at ``/f/``)."""
    return f"/f/{channel.form_key}/"


def _out(actor: User, channel: Channel) -> dict[str, Any]:
    manager = access.has_perm(actor, Perm.MANAGE_LEADS)
    return {
        "id": channel.pk,
        "name": channel.name,
        "kind": channel.kind,
        "description": channel.description,
        "is_active": channel.is_active,
        "form_enabled": channel.form_enabled,
        "team": {"id": channel.team.pk, "name": channel.team.name} if channel.team else None,
        "form_url": form_path(channel) if manager else None,
        "cleaning": channel.cleaning if manager else None,
        "version": channel.version,
        "created_at": channel.created_at,
        "updated_at": channel.updated_at,
    }


def _fresh(actor: User, channel_id: Any) -> dict[str, Any]:
    return _out(actor, channels.channel_get(pk=channel_id))


@router.get("/lead-channels", response=ChannelList)
def channel_list(request: HttpRequest, active: bool = False) -> dict[str, Any]:
    """Every channel (names for pickers); ``active=true``: only those taking leads."""
    actor = request_user(request)
    return bounded([_out(actor, channel) for channel in channels.channel_list(active_only=active)], limit=500)


@router.post("/lead-channels", response={201: ChannelOut})
def channel_create(request: HttpRequest, payload: ChannelIn) -> Status[dict[str, Any]]:
    """A new channel (lead managers)."""
    actor = request_user(request)
    data = payload.model_dump()
    data["team"] = data.pop("team_id")
    if data["cleaning"] is None:
        data.pop("cleaning")
    channel = channels.channel_create(actor=actor, **data)
    return Status(201, _fresh(actor, channel.pk))


@router.get("/lead-channels/{channel_id}", response=ChannelOut)
def channel_get(request: HttpRequest, channel_id: UUID) -> dict[str, Any]:
    return _fresh(request_user(request), channel_id)


@router.patch("/lead-channels/{channel_id}", response=ChannelOut)
def channel_update(request: HttpRequest, channel_id: UUID, payload: ChannelPatch) -> dict[str, Any]:
    """Change a channel (lead managers); ``is_active=false`` deactivates it and closes its form."""
    actor = request_user(request)
    channel = channels.channel_get(pk=channel_id)
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    changes = {key: value for key, value in changes.items() if value is not None or key == "team_id"}
    if "team_id" in changes:
        changes["team"] = changes.pop("team_id")
    if changes.get("is_active") is False:
        changes["form_enabled"] = False
    channels.channel_update(actor=actor, channel=channel, version=payload.version, changes=changes)
    return _fresh(actor, channel_id)


@router.post("/lead-channels/{channel_id}/form-key", response=ChannelOut)
def channel_form_key(request: HttpRequest, channel_id: UUID, payload: VersionIn) -> dict[str, Any]:
    """A new web form address (lead managers); the old address stops working."""
    actor = request_user(request)
    channel = channels.channel_get(pk=channel_id)
    channels.channel_new_form_key(actor=actor, channel=channel, version=payload.version)
    return _fresh(actor, channel_id)


@router.put("/lead-channels/{channel_id}/cleaning", response=ChannelOut)
def channel_cleaning(request: HttpRequest, channel_id: UUID, payload: CleaningIn) -> dict[str, Any]:
    """Replace the channel's cleaning rules (lead managers); 422 lists each wrong setting with its path."""
    actor = request_user(request)
    channel = channels.channel_get(pk=channel_id)
    channels.channel_set_cleaning(actor=actor, channel=channel, version=payload.version, rules=payload.rules)
    return _fresh(actor, channel_id)


@router.get("/lead-channels/{channel_id}/costs", response=CostList)
def cost_list(request: HttpRequest, channel_id: UUID) -> dict[str, Any]:
    """Money spent on the channel, newest first (lead managers)."""
    actor = request_user(request)
    channel = channels.channel_get(pk=channel_id)
    return bounded(channels.channel_costs(actor=actor, channel=channel), limit=1000)


@router.post("/lead-channels/{channel_id}/costs", response={201: CostOut})
def cost_add(request: HttpRequest, channel_id: UUID, payload: CostIn) -> Status[Any]:
    actor = request_user(request)
    channel = channels.channel_get(pk=channel_id)
    cost = channels.channel_cost_add(actor=actor, channel=channel, **payload.model_dump())
    return Status(201, cost)


@router.delete("/lead-channels/{channel_id}/costs/{cost_id}", response={204: None})
def cost_remove(request: HttpRequest, channel_id: UUID, cost_id: UUID) -> Status[None]:
    actor = request_user(request)
    channel = channels.channel_get(pk=channel_id)
    channels.channel_cost_remove(actor=actor, channel=channel, cost_id=cost_id)
    return Status(204, None)


@router.get("/lead-settings", response=SettingsOut)
def settings_get(request: HttpRequest) -> LeadSettings:
    """Grading and assignment rules, the claim limit and recycle days (every signed-in user reads them)."""
    request_user(request)
    return channels.lead_settings_get()


@router.put("/lead-settings", response=SettingsOut)
def settings_update(request: HttpRequest, payload: SettingsPatch) -> LeadSettings:
    """Change the lead rules (lead managers); 422 lists each wrong setting with its path, a stale version 409."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    changes = {key: value for key, value in changes.items() if value is not None}
    return channels.lead_settings_update(actor=request_user(request), version=payload.version, changes=changes)


@router.get("/lead-reports/channels", response=ChannelReportOut)
def report_channels(
    request: HttpRequest,
    period: Literal["month", "quarter", "year", "range"] = "month",
    start: date | None = None,
    end: date | None = None,
) -> reports.ChannelValueReport:
    """Per channel: leads, valid leads, customers won, and — for lead managers — revenue, profit, cost, ROI."""
    return reports.channel_value(actor=request_user(request), period=period, start=start, end=end)


@router.get("/lead-reports/funnel", response=FunnelOut)
def report_funnel(
    request: HttpRequest,
    by: Literal["channel", "owner", "team"] = "channel",
    period: Literal["month", "quarter", "year", "range"] = "range",
    start: date | None = None,
    end: date | None = None,
) -> reports.FunnelReport:
    """The funnel of the leads created in the window that the caller works with, by channel, owner or team."""
    return reports.funnel(actor=request_user(request), by=by, period=period, start=start, end=end)


@router.get("/lead-reports/grades", response=GradeCheckOut)
def report_grades(
    request: HttpRequest,
    period: Literal["month", "quarter", "year", "range"] = "range",
    start: date | None = None,
    end: date | None = None,
) -> reports.GradeCheckReport:
    """Per lead grade: leads, share, conversions, rejected, open, median days to conversion; the low-value
    (flagged) grades against the ~38 % of prospects research finds wasting effort and against the other grades,
    and whether conversion falls from the best grade to the lowest (``ordered``)."""
    return reports.grade_check(actor=request_user(request), period=period, start=start, end=end)
