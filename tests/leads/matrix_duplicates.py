"""Permission-matrix checks of the duplicate check and the import (merged into tests/test_permission_matrix.py).

The lead under test belongs to rep1 (East), so it is seen and changed by whoever sees rep1's
customer (``own``); its candidate is rep1's customer, which the same actors see. Importing needs the
*manage leads* permission (director, admin).
"""

from __future__ import annotations

import io
from typing import Any

from django.urls import reverse

from guanxi.leads import services
from guanxi.leads.models import Channel, DuplicateCandidate, Lead
from tests.insights.matrix_common import ApiChecks, PageChecks, expected, login_redirect

BASE = "/api/v1/leads"
LEAD_MANAGERS = {"director", "admin"}


def _channel(ctx: Any) -> Channel:
    existing = Channel.objects.filter(name="矩阵渠道").first()
    if existing is not None:
        return existing
    row = services.lead_settings()
    row.assignment = {"rules": [{"kind": "pool"}]}
    row.save()
    return services.channel_create(actor=ctx.org["admin"], name="矩阵渠道", kind="paid", team=ctx.org.east)


def _lead(ctx: Any, phone: str = "13800138000", name: str = "杭州云栖科技") -> Lead:
    """A lead of rep1 with the phone of rep1's customer: one candidate, that customer."""
    lead = services.lead_create(
        actor=ctx.org["admin"],
        channel=_channel(ctx),
        raw={"name": name, "company": "杭州云栖科技有限公司", "phone": phone},
    )
    Lead.objects.filter(pk=lead.pk).update(owner=ctx.org["rep1"], team=ctx.org.east)
    lead.refresh_from_db()
    return lead


def _state(lead: Lead) -> tuple[Any, ...]:
    lead.refresh_from_db()
    return (lead.version, lead.status, lead.duplicate_state, lead.customer_id, lead.merged_into_id,
            DuplicateCandidate.objects.filter(lead=lead).count())  # fmt: skip


def checks(visible: dict[str, set[str]], record_keys: list[str]) -> tuple[ApiChecks, PageChecks]:
    del record_keys

    def api_duplicates(ctx: Any) -> None:
        lead = _lead(ctx)
        response = ctx.api().get(f"{BASE}/{lead.pk}/duplicates")
        assert response.status_code == expected(ctx, visible, "own", 200), response.content
        if response.status_code == 200:
            (item,) = response.json()["items"]
            assert item["visible"] is True
            assert item["name"] == ctx.records.own.name

    def api_merge(ctx: Any) -> None:
        first = _lead(ctx)
        second = _lead(ctx)
        before = _state(second)
        response = ctx.api().post(f"{BASE}/{second.pk}/merge", {"into_lead_id": str(first.pk)})
        assert response.status_code == expected(ctx, visible, "own", 200), response.content
        if response.status_code != 200:
            assert _state(second) == before

    def api_link(ctx: Any) -> None:
        lead = _lead(ctx)
        before = _state(lead)
        response = ctx.api().post(f"{BASE}/{lead.pk}/link", {"customer_id": str(ctx.records.own.pk)})
        assert response.status_code == expected(ctx, visible, "own", 200), response.content
        if response.status_code != 200:
            assert _state(lead) == before

    def api_dismiss(ctx: Any) -> None:
        lead = _lead(ctx)
        candidate = DuplicateCandidate.objects.get(lead=lead)
        before = _state(lead)
        response = ctx.api().post(f"{BASE}/{lead.pk}/duplicates/{candidate.pk}/dismiss")
        assert response.status_code == expected(ctx, visible, "own", 200), response.content
        if response.status_code != 200:
            assert _state(lead) == before

    def api_import(ctx: Any) -> None:
        channel = _channel(ctx)
        before = Lead.objects.count()
        client = ctx.api()
        upload = io.BytesIO("姓名,公司,手机\n王芳,宁波港盛物流,13599998888\n".encode())
        upload.name = "leads.csv"
        response = client.client.post(f"{BASE}/import", {"file": upload, "channel_id": str(channel.pk)},
                                      **client.headers)  # fmt: skip
        ok = 401 if ctx.user is None else (200 if ctx.actor in LEAD_MANAGERS else 403)
        assert response.status_code == ok, response.content
        assert Lead.objects.count() == before + (1 if ok == 200 else 0)

    api: ApiChecks = {
        ("GET", f"{BASE}/{{lead_id}}/duplicates"): api_duplicates,
        ("POST", f"{BASE}/{{lead_id}}/merge"): api_merge,
        ("POST", f"{BASE}/{{lead_id}}/link"): api_link,
        ("POST", f"{BASE}/{{lead_id}}/duplicates/{{candidate_id}}/dismiss"): api_dismiss,
        ("POST", f"{BASE}/import"): api_import,
    }

    def page_import(ctx: Any) -> None:
        """Everyone signed in sees the page; only lead managers may post a file (a refusal writes nothing)."""
        channel = _channel(ctx)
        browser = ctx.browser()
        response = browser.get(reverse("leads:lead-import"))
        if ctx.user is None:
            assert login_redirect(response)
            return
        assert response.status_code == 200
        before = Lead.objects.count()
        upload = io.BytesIO("姓名,公司,手机\n王芳,宁波港盛物流,13599998888\n".encode())
        upload.name = "leads.csv"
        response = browser.post(reverse("leads:lead-import"), {"file": upload, "channel": str(channel.pk)})
        manager = ctx.actor in LEAD_MANAGERS
        assert response.status_code == (200 if manager else 403)
        assert Lead.objects.count() == before + (1 if manager else 0)

    return api, {"leads:lead-import": page_import}
