"""Permission-matrix checks of the insights segments routes and pages (see matrix_common.py).

Segment definitions are settings (value managers write them); everyone logged in reads them.
Member lists and counts cover the reader's customers; curves are for value managers and the
teams a segment is mapped to (here: East, so rep1 and manager1).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse

from guanxi.insights.models import CustomerValue, Segment, SegmentMember
from guanxi.insights.segments import segment_create
from tests.insights.matrix_common import (
    VALUE_MANAGERS,
    ApiChecks,
    PageChecks,
    expected,
    expected_manager,
    login_redirect,
)

BASE = "/api/v1/insights"
RULE = {"match": "all", "conditions": [{"field": "profit", "op": "gt", "value": 0}]}
MAPPED = {"rep1", "manager1"}  # East, the team the matrix segment is mapped to


def _segment(ctx: Any) -> Segment:
    existing = Segment.objects.filter(name="矩阵细分").first()
    if existing is not None:
        return existing
    for customer in ctx.records.all().values():
        CustomerValue.objects.get_or_create(customer=customer, defaults={"as_of": "2026-06-30", "profit": Decimal(5)})
    return segment_create(actor=ctx.org["admin"], name="矩阵细分", rule=RULE, team_ids=[ctx.org.east.pk])


def _state() -> list[tuple[Any, ...]]:
    rows = Segment.objects.order_by("name").values_list("name", "version", "is_active", "members_count")
    return [*rows, SegmentMember.objects.count()]


def _member_ids(items: list[dict[str, Any]], key: str) -> set[str]:
    return {str(item[key]) for item in items}


def _visible_ids(ctx: Any, visible: dict[str, set[str]], record_keys: list[str]) -> set[str]:
    return {str(getattr(ctx.records, key).pk) for key in record_keys if key in visible[ctx.actor]}


def checks(visible: dict[str, set[str]], record_keys: list[str]) -> tuple[ApiChecks, PageChecks]:
    def reader(ctx: Any) -> int:
        return 401 if ctx.user is None else 200

    def api_list(ctx: Any) -> None:
        _segment(ctx)
        response = ctx.api().get(f"{BASE}/segments")
        assert response.status_code == reader(ctx)
        if ctx.user is not None:
            (row,) = response.json()["items"]
            assert row["members"] == len(visible[ctx.actor]) + (
                1 if ctx.actor in {"manager1", "director", "admin"} else 0
            )
            assert row["members_total"] == (4 if ctx.actor in VALUE_MANAGERS else None)

    def api_create(ctx: Any) -> None:
        before = _state()
        response = ctx.api().post(f"{BASE}/segments", {"name": f"新细分{ctx.actor}", "rule": RULE})
        assert response.status_code == expected_manager(ctx, 201), response.content
        if response.status_code != 201:
            assert _state() == before

    def api_get(ctx: Any) -> None:
        segment = _segment(ctx)
        assert ctx.api().get(f"{BASE}/segments/{segment.pk}").status_code == reader(ctx)

    def api_patch(ctx: Any) -> None:
        segment = _segment(ctx)
        before = _state()
        body = {"version": segment.version, "name": "改名细分", "team_ids": []}
        response = ctx.api().patch(f"{BASE}/segments/{segment.pk}", body)
        assert response.status_code == expected_manager(ctx, 200), response.content
        if response.status_code != 200:
            assert _state() == before

    def api_delete(ctx: Any) -> None:
        segment = _segment(ctx)
        before = _state()
        response = ctx.api().delete(f"{BASE}/segments/{segment.pk}")
        assert response.status_code == expected_manager(ctx, 204)
        if response.status_code != 204:
            assert _state() == before
        else:
            assert not Segment.objects.filter(pk=segment.pk).exists()

    def api_refresh(ctx: Any) -> None:
        segment = _segment(ctx)
        before = _state()
        response = ctx.api().post(f"{BASE}/segments/{segment.pk}/refresh")
        assert response.status_code == expected_manager(ctx, 200)
        if response.status_code != 200:
            assert _state() == before

    def api_members(ctx: Any) -> None:
        segment = _segment(ctx)
        response = ctx.api().get(f"{BASE}/segments/{segment.pk}/members")
        assert response.status_code == reader(ctx)
        if ctx.user is not None:
            shown = _member_ids(response.json()["items"], "customer_id")
            mine = _visible_ids(ctx, visible, record_keys)
            assert shown & {str(c.pk) for c in ctx.records.all().values() if c != ctx.records.below} == mine

    def api_history(ctx: Any) -> None:
        segment = _segment(ctx)
        response = ctx.api().get(f"{BASE}/segments/{segment.pk}/history")
        assert response.status_code == reader(ctx)
        if ctx.user is not None:
            data = response.json()
            assert bool(data["snapshots"]) == (ctx.actor in VALUE_MANAGERS)
            changed = _member_ids(data["changes"], "customer_id")
            assert changed & {str(getattr(ctx.records, k).pk) for k in record_keys} == _visible_ids(
                ctx, visible, record_keys
            )

    def api_curves(ctx: Any) -> None:
        segment = _segment(ctx)
        response = ctx.api().get(f"{BASE}/segments/{segment.pk}/curves")
        allowed = ctx.actor in VALUE_MANAGERS | MAPPED
        assert response.status_code == (401 if ctx.user is None else 200 if allowed else 403)

    def api_fields(ctx: Any) -> None:
        assert ctx.api().get(f"{BASE}/segment-fields").status_code == reader(ctx)

    def api_customer_segments(ctx: Any) -> None:
        _segment(ctx)
        client = ctx.api()
        for key in record_keys:
            customer = getattr(ctx.records, key)
            response = client.get(f"{BASE}/customers/{customer.pk}/segments")
            assert response.status_code == expected(ctx, visible, key, 200), key

    api: ApiChecks = {
        ("GET", f"{BASE}/segments"): api_list,
        ("POST", f"{BASE}/segments"): api_create,
        ("GET", f"{BASE}/segments/{{segment_id}}"): api_get,
        ("PATCH", f"{BASE}/segments/{{segment_id}}"): api_patch,
        ("DELETE", f"{BASE}/segments/{{segment_id}}"): api_delete,
        ("POST", f"{BASE}/segments/{{segment_id}}/refresh"): api_refresh,
        ("GET", f"{BASE}/segments/{{segment_id}}/members"): api_members,
        ("GET", f"{BASE}/segments/{{segment_id}}/history"): api_history,
        ("GET", f"{BASE}/segments/{{segment_id}}/curves"): api_curves,
        ("GET", f"{BASE}/segment-fields"): api_fields,
        ("GET", f"{BASE}/customers/{{customer_id}}/segments"): api_customer_segments,
    }

    def page_form(name: str, *, with_segment: bool) -> Any:
        """The rule builder is for value managers."""

        def check(ctx: Any) -> None:
            args = [_segment(ctx).pk] if with_segment else []
            response = ctx.browser().get(reverse(name, args=args))
            if ctx.user is None:
                assert login_redirect(response)
            else:
                assert response.status_code == (200 if ctx.actor in VALUE_MANAGERS else 403)

        return check

    def page_list(ctx: Any) -> None:
        segment = _segment(ctx)
        response = ctx.browser().get(reverse("insights:segment-list"))
        if ctx.user is None:
            assert login_redirect(response)
            return
        assert response.status_code == 200
        assert segment.name in response.content.decode()

    def page_detail(ctx: Any) -> None:
        segment = _segment(ctx)
        response = ctx.browser().get(reverse("insights:segment-detail", args=[segment.pk]))
        if ctx.user is None:
            assert login_redirect(response)
            return
        assert response.status_code == 200
        body = response.content.decode()
        for key in record_keys:
            assert (getattr(ctx.records, key).name in body) == (key in visible[ctx.actor]), key
        allowed = ctx.actor in VALUE_MANAGERS | MAPPED
        assert ('id="gx-curves-hidden"' in body) == (not allowed)

    def page_post(name: str, ok: set[int], data: dict[str, Any] | None = None) -> Any:
        def check(ctx: Any) -> None:
            segment = _segment(ctx)
            before = _state()
            response = ctx.browser().post(reverse(name, args=[segment.pk]), data or {})
            if ctx.user is None:
                assert login_redirect(response)
            elif ctx.actor in VALUE_MANAGERS:
                assert response.status_code in ok, response.status_code
                return
            else:
                assert response.status_code == 403
            assert _state() == before

        return check

    def page_refresh_status(ctx: Any) -> None:
        segment = _segment(ctx)
        response = ctx.browser().get(reverse("insights:segment-refresh-status", args=[segment.pk]))
        if ctx.user is None:
            assert login_redirect(response)
        else:
            assert response.status_code == (200 if ctx.actor in VALUE_MANAGERS else 403)

    def page_create(ctx: Any) -> None:
        page_form("insights:segment-create", with_segment=False)(ctx)
        before = _state()
        data = {"name": f"页面{ctx.actor}", "match": "all", "is_active": "on", "cond-count": "1",
                "cond-0-field": "profit", "cond-0-op": "gt", "cond-0-value": "0"}  # fmt: skip
        response = ctx.browser().post(reverse("insights:segment-create"), data)
        if ctx.user is None:
            assert login_redirect(response)
        elif ctx.actor in VALUE_MANAGERS:
            assert response.status_code == 302
            return
        else:
            assert response.status_code == 403
        assert _state() == before

    def page_edit(ctx: Any) -> None:
        page_form("insights:segment-edit", with_segment=True)(ctx)
        segment = _segment(ctx)
        data = {"name": "页面改名", "match": "all", "version": segment.version, "cond-count": "1",
                "cond-0-field": "profit", "cond-0-op": "gt", "cond-0-value": "1"}  # fmt: skip
        page_post("insights:segment-edit", {302}, data)(ctx)

    pages: PageChecks = {
        "insights:segment-list": page_list,
        "insights:segment-create": page_create,
        "insights:segment-edit": page_edit,
        "insights:segment-detail": page_detail,
        "insights:segment-delete": page_post("insights:segment-delete", {302}),
        "insights:segment-refresh": page_post("insights:segment-refresh", {302}),
        "insights:segment-refresh-status": page_refresh_status,
    }
    return api, pages
