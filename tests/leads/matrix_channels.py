"""Permission-matrix checks of lead channels, costs, lead settings, lead reports and their pages.

Channels and lead settings are read by every signed-in user; writes need ``Perm.MANAGE_LEADS``
(director, admin) and a refused write changes nothing. Reports count the leads the actor works
with (a rep's own, a manager's teams', everything for the director and admin); money figures are
for lead managers only.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone

from guanxi.leads import channels, services
from guanxi.leads.models import Channel, ChannelCost, Lead, LeadSettings
from tests.insights.matrix_common import ApiChecks, PageChecks, login_redirect

LEAD_MANAGERS = {"director", "admin"}
# Leads owned by rep1, rep1b (East), rep2 (South) and rep3 (Shanghai, below East): what each actor's reports count.
REPORTED = {"rep1": 1, "rep2": 1, "manager1": 3, "manager2": 1, "director": 4, "admin": 4}
CHANNEL_NAME = "矩阵渠道"


def _channel(ctx: Any) -> Channel:
    existing = Channel.objects.filter(name=CHANNEL_NAME).first()
    if existing is not None:
        return existing
    admin = ctx.org["admin"]
    channel = channels.channel_create(actor=admin, name=CHANNEL_NAME, kind="paid", team=ctx.org.east)
    channels.channel_cost_add(actor=admin, channel=channel, spent_on=timezone.localdate(), amount="400")
    for owner in ("rep1", "rep1b", "rep2", "rep3"):
        user = ctx.org[owner]
        Lead.objects.create(channel=channel, owner=user, team=user.team, name=owner, created_by=admin, updated_by=admin)
    return channel


def _state() -> list[Any]:
    channels_ = list(Channel.objects.order_by("name").values_list("name", "version", "form_key", "is_active"))
    costs = list(ChannelCost.objects.order_by("pk").values_list("pk", "amount"))
    settings_rows = list(LeadSettings.objects.values_list("version", "claim_limit"))
    return [channels_, costs, settings_rows]


def _status(ctx: Any, ok: int, *, managers_only: bool) -> int:
    if ctx.user is None:
        return 401
    if managers_only and ctx.actor not in LEAD_MANAGERS:
        return 403
    return ok


def checks(visible: dict[str, set[str]], record_keys: list[str]) -> tuple[ApiChecks, PageChecks]:
    del visible, record_keys
    base = "/api/v1/lead-channels"

    def write(method: str, path: Any, body: Any, ok: int) -> Any:
        def check(ctx: Any) -> None:
            channel = _channel(ctx)
            services.lead_settings()
            before = _state()
            response = ctx.api().request(method, path(ctx, channel), body(ctx, channel))
            assert response.status_code == _status(ctx, ok, managers_only=True), response.content
            if response.status_code != ok:
                assert _state() == before

        return check

    def read(path: Any, *, managers_only: bool = False) -> Any:
        def check(ctx: Any) -> None:
            channel = _channel(ctx)
            response = ctx.api().get(path(ctx, channel))
            assert response.status_code == _status(ctx, 200, managers_only=managers_only)

        return check

    def api_list(ctx: Any) -> None:
        _channel(ctx)
        response = ctx.api().get(base)
        assert response.status_code == _status(ctx, 200, managers_only=False)
        if ctx.user is not None:
            (item,) = response.json()["items"]
            assert item["name"] == CHANNEL_NAME
            assert (item["form_url"] is not None) == (ctx.actor in LEAD_MANAGERS)

    def api_report_channels(ctx: Any) -> None:
        _channel(ctx)
        response = ctx.api().get("/api/v1/lead-reports/channels?period=month")
        assert response.status_code == _status(ctx, 200, managers_only=False)
        if ctx.user is not None:
            data = response.json()
            (row,) = data["rows"]
            assert row["leads"] == REPORTED[ctx.actor]
            assert data["money"] == (ctx.actor in LEAD_MANAGERS)
            assert (row["cost"] is not None) == (ctx.actor in LEAD_MANAGERS)

    def api_report_funnel(ctx: Any) -> None:
        _channel(ctx)
        response = ctx.api().get("/api/v1/lead-reports/funnel?by=owner")
        assert response.status_code == _status(ctx, 200, managers_only=False)
        if ctx.user is not None:
            assert response.json()["total"]["created"] == REPORTED[ctx.actor]

    def api_report_grades(ctx: Any) -> None:
        _channel(ctx)
        response = ctx.api().get("/api/v1/lead-reports/grades?period=month")
        assert response.status_code == _status(ctx, 200, managers_only=False)
        if ctx.user is not None:
            data = response.json()
            assert data["total"]["leads"] == REPORTED[ctx.actor]
            assert [(row["grade"], row["leads"]) for row in data["rows"] if row["leads"]] == [("", REPORTED[ctx.actor])]

    def cost_id(ctx: Any, channel: Channel) -> str:
        cost = channel.costs.order_by("created_at").first()
        assert cost is not None
        return f"{base}/{channel.pk}/costs/{cost.pk}"

    def settings_body(ctx: Any, channel: Channel) -> dict[str, Any]:
        return {"version": services.lead_settings().version, "claim_limit": 11}

    none: Any = lambda ctx, channel: None  # noqa: E731
    at: Any = lambda suffix: lambda ctx, channel: f"{base}/{channel.pk}{suffix}"  # noqa: E731
    api: ApiChecks = {
        ("GET", base): api_list,
        ("POST", base): write("POST", lambda ctx, c: base, lambda ctx, c: {"name": "新渠道", "kind": "free"}, 201),
        ("GET", f"{base}/{{channel_id}}"): read(at("")),
        ("PATCH", f"{base}/{{channel_id}}"): write(
            "PATCH", at(""), lambda ctx, c: {"version": c.version, "name": "改名"}, 200
        ),
        ("POST", f"{base}/{{channel_id}}/form-key"): write(
            "POST", at("/form-key"), lambda ctx, c: {"version": c.version}, 200
        ),
        ("PUT", f"{base}/{{channel_id}}/cleaning"): write(
            "PUT", at("/cleaning"), lambda ctx, c: {"version": c.version, "rules": {"blacklist": ["x"]}}, 200
        ),
        ("GET", f"{base}/{{channel_id}}/costs"): read(at("/costs"), managers_only=True),
        ("POST", f"{base}/{{channel_id}}/costs"): write(
            "POST", at("/costs"), lambda ctx, c: {"spent_on": date(2026, 5, 1).isoformat(), "amount": "5"}, 201
        ),
        ("DELETE", f"{base}/{{channel_id}}/costs/{{cost_id}}"): write("DELETE", cost_id, none, 204),
        ("GET", "/api/v1/lead-settings"): read(lambda ctx, channel: "/api/v1/lead-settings"),
        ("PUT", "/api/v1/lead-settings"): write(
            "PUT", lambda ctx, c: "/api/v1/lead-settings", settings_body, 200
        ),
        ("GET", "/api/v1/lead-reports/channels"): api_report_channels,
        ("GET", "/api/v1/lead-reports/funnel"): api_report_funnel,
        ("GET", "/api/v1/lead-reports/grades"): api_report_grades,
    }  # fmt: skip

    def page_get(name: str, *, managers_only: bool, with_channel: bool = False, expect: str = "") -> Any:
        def check(ctx: Any) -> None:
            channel = _channel(ctx)
            response = ctx.browser().get(reverse(name, args=[channel.pk] if with_channel else []))
            if ctx.user is None:
                assert login_redirect(response)
                return
            assert response.status_code == (403 if managers_only and ctx.actor not in LEAD_MANAGERS else 200)
            if response.status_code == 200 and expect:
                assert expect in response.content.decode()

        return check

    def page_post(name: str, data: Any, ok: int = 302, args: Any = None) -> Any:
        def check(ctx: Any) -> None:
            channel = _channel(ctx)
            services.lead_settings()
            before = _state()
            url = reverse(name, args=args(channel) if args else [channel.pk])
            response = ctx.browser().post(url, data(channel))
            if ctx.user is None:
                assert login_redirect(response)
            elif ctx.actor in LEAD_MANAGERS:
                assert response.status_code == ok, response.status_code
                return
            else:
                assert response.status_code == 403
            assert _state() == before

        return check

    def page_dashboard(ctx: Any) -> None:
        _channel(ctx)
        response = ctx.browser().get(reverse("leads:dashboard"))
        if ctx.user is None:
            assert login_redirect(response)
            return
        assert response.status_code == 200
        assert response.context["board"].total.created == REPORTED[ctx.actor]
        assert response.context["grades"].total.leads == REPORTED[ctx.actor]

    def page_settings(ctx: Any) -> None:
        page_get("leads:settings", managers_only=False)(ctx)
        row = services.lead_settings()
        rules = {"grading": json.dumps(row.grading), "assignment": json.dumps(row.assignment)}
        data = {**rules, "claim_limit": "4", "recycle_days": "2", "version": row.version}
        post = page_post("leads:settings", lambda channel: data, args=lambda channel: [])
        post(ctx)

    def page_create(ctx: Any) -> None:
        page_get("leads:channel-create", managers_only=True)(ctx)
        page_post("leads:channel-create", lambda c: {"name": f"页面{ctx.actor}", "kind": "free"}, args=lambda c: [])(
            ctx
        )

    def first_cost(channel: Channel) -> list[Any]:
        cost = channel.costs.order_by("created_at").first()
        assert cost is not None
        return [channel.pk, cost.pk]

    pages: PageChecks = {
        "leads:dashboard": page_dashboard,
        "leads:channel-list": page_get("leads:channel-list", managers_only=False, expect=CHANNEL_NAME),
        "leads:channel-create": page_create,
        "leads:channel-detail": page_get("leads:channel-detail", managers_only=True, with_channel=True),
        "leads:channel-cleaning": page_post(
            "leads:channel-cleaning", lambda c: {"document": '{"blacklist": ["x"]}', "version": c.version}
        ),
        "leads:channel-form-key": page_post("leads:channel-form-key", lambda c: {"version": c.version}),
        "leads:channel-cost-add": page_post(
            "leads:channel-cost-add", lambda c: {"spent_on": "2026-05-01", "amount": "9"}
        ),
        "leads:channel-cost-remove": page_post("leads:channel-cost-remove", lambda c: {}, args=first_cost),
        "leads:settings": page_settings,
    }  # fmt: skip
    return api, pages
