"""Permission-matrix checks of the leads' own routes and pages (merged into tests/test_permission_matrix.py).

Leads mirror the matrix's customers: ``own`` is rep1's lead, ``team`` rep1b's (East), ``other``
rep2's (South); ``pool`` waits unclaimed in East's pool, seen by East's people (rep1, manager1)
and by those who see everything. Refused writes change nothing.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from guanxi.customers.models import Customer
from guanxi.leads import services
from guanxi.leads.models import Lead
from tests.insights.matrix_common import ApiChecks, Check, PageChecks, login_redirect

ASSIGNERS = {"manager1", "manager2", "director", "admin"}  # roles carrying Perm.ASSIGN
POOL_MEMBERS = {"rep1", "manager1"}  # in East, the pool's team: they may claim
ALL_SEEING = {"director", "admin"}
OWNERS = {"own": "rep1", "team": "rep1b", "other": "rep2"}


def _leads(ctx: Any) -> dict[str, Lead]:
    """rep1's, rep1b's and rep2's leads and one in East's pool (made once per check)."""
    if not hasattr(ctx, "_leads"):
        admin = ctx.org["admin"]
        row = services.lead_settings()
        row.assignment = {"rules": [{"kind": "pool"}]}
        row.save()
        east = services.channel_create(actor=admin, name="矩阵东区", kind="paid", team=ctx.org.east)
        south = services.channel_create(actor=admin, name="矩阵南区", kind="free", team=ctx.org.south)
        leads: dict[str, Lead] = {}
        for number, (key, owner) in enumerate(OWNERS.items()):
            channel = south if key == "other" else east
            raw = {"name": f"矩阵线索{key}", "phone": f"1380013900{number}"}
            lead = services.lead_create(actor=admin, channel=channel, raw=raw)
            leads[key] = services.lead_claim(actor=ctx.org[owner], lead_id=lead.pk)
        leads["pool"] = services.lead_create(
            actor=admin, channel=east, raw={"name": "矩阵池中", "phone": "13800139009"}
        )
        ctx._leads = leads
    return ctx._leads  # type: ignore[no-any-return]


def _state(lead: Lead) -> tuple[Any, ...]:
    row = Lead.objects.get(pk=lead.pk)
    return row.version, row.status, row.owner_id, row.city, row.customer_id, row.events.count()


def _sees(ctx: Any, visible: dict[str, set[str]], key: str) -> bool:
    if ctx.user is None:
        return False
    if key == "pool":
        return ctx.actor in POOL_MEMBERS | ALL_SEEING
    return key in visible[ctx.actor]


def _expected(ctx: Any, visible: dict[str, set[str]], key: str, ok: int) -> int:
    if ctx.user is None:
        return 401
    return ok if _sees(ctx, visible, key) else 404


def checks(visible: dict[str, set[str]], record_keys: list[str]) -> tuple[ApiChecks, PageChecks]:
    keys = [key for key in record_keys if key in OWNERS]

    # --- API --------------------------------------------------------------------------------

    def api_list(ctx: Any) -> None:
        leads = _leads(ctx)
        client = ctx.api()
        response = client.get("/api/v1/leads")
        if ctx.user is None:
            assert response.status_code == 401
            return
        ids = {item["id"] for item in response.json()["items"]}
        for key, lead in leads.items():
            assert (str(lead.pk) in ids) == _sees(ctx, visible, key), key
            found = {item["id"] for item in client.get(f"/api/v1/leads?q={lead.name}").json()["items"]}
            assert (str(lead.pk) in found) == _sees(ctx, visible, key), f"search {key}"
        pool = {item["id"] for item in client.get("/api/v1/leads?pool=true").json()["items"]}
        assert (str(leads["pool"].pk) in pool) == (ctx.actor in POOL_MEMBERS), "pool"

    def api_create(ctx: Any) -> None:
        channel_id = str(_leads(ctx)["pool"].channel_id)
        before = Lead.objects.count()
        response = ctx.api().post("/api/v1/leads", {"channel_id": channel_id, "name": "新线索", "phone": "13700137000"})
        if ctx.user is None:
            assert response.status_code == 401
            assert Lead.objects.count() == before
        else:
            assert response.status_code == 201, response.content
            assert Lead.objects.count() == before + 1

    def api_read(suffix: str) -> Check:
        def check(ctx: Any) -> None:
            client = ctx.api()
            for key, lead in _leads(ctx).items():
                response = client.get(f"/api/v1/leads/{lead.pk}{suffix}")
                assert response.status_code == _expected(ctx, visible, key, 200), (key, response.content)

        return check

    def api_write(method: str, suffix: str, body: Any, ok: int) -> Check:
        """Owners and their managers may work a lead; hidden ones are 404 and stay unchanged."""

        def check(ctx: Any) -> None:
            client = ctx.api()
            leads = _leads(ctx)
            customers = Customer.objects.count()
            for key in keys:
                lead = leads[key]
                before = _state(lead)
                response = client.request(method, f"/api/v1/leads/{lead.pk}{suffix}", body(ctx, lead))
                assert response.status_code == _expected(ctx, visible, key, ok), (key, response.content)
                if response.status_code != ok:
                    assert _state(lead) == before, f"refused write changed {key}"
            if ctx.user is None or not any(key in visible[ctx.actor] for key in keys):
                assert Customer.objects.count() == customers

        return check

    def api_claim(ctx: Any) -> None:
        """East's members win the pool lead; others who see it get 409, the rest 404; owned leads are 409."""
        leads = _leads(ctx)
        pool = leads["pool"]
        before = _state(pool)
        response = ctx.api().post(f"/api/v1/leads/{pool.pk}/claim")
        if ctx.user is None:
            assert response.status_code == 401
        elif ctx.actor in POOL_MEMBERS:
            assert response.status_code == 200, response.content
            assert Lead.objects.get(pk=pool.pk).owner_id == ctx.user.pk
            return
        else:
            assert response.status_code == (409 if ctx.actor in ALL_SEEING else 404), response.content
        assert _state(pool) == before
        other = leads["other"]
        before = _state(other)
        response = ctx.api().post(f"/api/v1/leads/{other.pk}/claim")
        assert response.status_code == _expected(ctx, visible, "other", 409)
        assert _state(other) == before

    def api_assign(ctx: Any) -> None:
        client = ctx.api()
        for key in keys:
            lead = _leads(ctx)[key]
            before = _state(lead)
            body = {"owner_id": lead.owner_id, "version": Lead.objects.get(pk=lead.pk).version}
            response = client.post(f"/api/v1/leads/{lead.pk}/assign", body)
            ok = 200 if ctx.actor in ASSIGNERS else 403
            assert response.status_code == _expected(ctx, visible, key, ok), (key, response.content)
            if response.status_code != 200:
                assert _state(lead) == before

    def version_of(_ctx: Any, lead: Lead) -> int:
        return Lead.objects.get(pk=lead.pk).version

    base = "/api/v1/leads/{lead_id}"
    api: ApiChecks = {
        ("GET", "/api/v1/leads"): api_list,
        ("POST", "/api/v1/leads"): api_create,
        ("GET", base): api_read(""),
        ("GET", f"{base}/events"): api_read("/events"),
        ("PATCH", base): api_write(
            "PATCH", "", lambda ctx, lead: {"version": version_of(ctx, lead), "city": "杭州"}, 200
        ),
        ("POST", f"{base}/follow-ups"): api_write(
            "POST", "/follow-ups", lambda ctx, lead: {"channel": "phone", "summary": "矩阵跟进"}, 201
        ),
        ("POST", f"{base}/status"): api_write("POST", "/status", lambda ctx, lead: {"status": "qualified"}, 200),
        ("POST", f"{base}/convert"): api_write("POST", "/convert", lambda ctx, lead: {}, 201),
        ("POST", f"{base}/claim"): api_claim,
        ("POST", f"{base}/assign"): api_assign,
    }

    # --- pages ------------------------------------------------------------------------------

    def page_list(name: str, shown: Any) -> Check:
        def check(ctx: Any) -> None:
            leads = _leads(ctx)
            response = ctx.browser().get(reverse(name))
            if ctx.user is None:
                assert login_redirect(response)
                return
            assert response.status_code == 200
            html = response.content.decode()
            for key, lead in leads.items():
                assert (lead.name in html) == shown(ctx, key), key

        return check

    def page_create(ctx: Any) -> None:
        channel_id = str(_leads(ctx)["pool"].channel_id)
        before = Lead.objects.count()
        browser = ctx.browser()
        response = browser.post(
            reverse("leads:lead-create"), {"channel": channel_id, "name": "页面线索", "phone": "13700137001"}
        )
        if ctx.user is None:
            assert login_redirect(response)
            assert Lead.objects.count() == before
            return
        assert response.status_code == 302
        assert Lead.objects.count() == before + 1
        assert browser.get(reverse("leads:lead-create")).status_code == 200

    def page_read(name: str) -> Check:
        def check(ctx: Any) -> None:
            browser = ctx.browser()
            for key, lead in _leads(ctx).items():
                response = browser.get(reverse(name, args=[lead.pk]))
                if ctx.user is None:
                    assert login_redirect(response)
                    continue
                expected = 200 if _sees(ctx, visible, key) else 404
                if name == "leads:lead-edit" and key == "pool" and ctx.actor == "rep1":
                    expected = 403  # seeing a lead in one's pool is not changing it: claim it first
                assert response.status_code == expected, key

        return check

    def page_write(name: str, data: Any) -> Check:
        def check(ctx: Any) -> None:
            browser = ctx.browser()
            for key in keys:
                lead = _leads(ctx)[key]
                before = _state(lead)
                response = browser.post(reverse(name, args=[lead.pk]), data(ctx, lead))
                if ctx.user is None:
                    assert login_redirect(response)
                elif key in visible[ctx.actor]:
                    assert response.status_code == 302, (key, response.status_code)
                    continue
                else:
                    assert response.status_code == 404, key
                assert _state(lead) == before, f"refused write changed {key}"

        return check

    def page_claim(ctx: Any) -> None:
        pool = _leads(ctx)["pool"]
        before = _state(pool)
        response = ctx.browser().post(reverse("leads:lead-claim", args=[pool.pk]))
        if ctx.user is None:
            assert login_redirect(response)
        elif ctx.actor in POOL_MEMBERS:
            assert response.status_code == 302
            assert Lead.objects.get(pk=pool.pk).owner_id == ctx.user.pk
            return
        elif ctx.actor in ALL_SEEING:
            assert response.status_code == 302
            assert response["Location"] == reverse("leads:pool")
        else:
            assert response.status_code == 404
        assert _state(pool) == before

    def page_duplicate(ctx: Any) -> None:
        """Dismissing a duplicate candidate: whoever may work the lead; others 404 and the candidate stays."""
        from guanxi.leads.models import DuplicateCandidate

        browser = ctx.browser()
        for key in keys:
            lead = _leads(ctx)[key]
            candidate = DuplicateCandidate.objects.create(
                lead=lead, kind=DuplicateCandidate.Kind.LEAD, other_lead=lead, score=0.9, reason="same_phone"
            )
            response = browser.post(
                reverse("leads:lead-duplicate", args=[lead.pk, candidate.pk]), {"action": "dismiss"}
            )
            if ctx.user is None:
                assert login_redirect(response)
            elif key in visible[ctx.actor]:
                assert response.status_code == 302, (key, response.status_code)
                assert not DuplicateCandidate.objects.filter(pk=candidate.pk).exists(), key
                continue
            else:
                assert response.status_code == 404, key
            assert DuplicateCandidate.objects.filter(pk=candidate.pk).exists(), f"refused dismiss removed {key}"

    def page_assign(ctx: Any) -> None:
        browser = ctx.browser()
        for key in keys:
            lead = _leads(ctx)[key]
            before = _state(lead)
            data = {"owner_id": lead.owner_id, "version": Lead.objects.get(pk=lead.pk).version}
            response = browser.post(reverse("leads:lead-assign", args=[lead.pk]), data)
            if ctx.user is None:
                assert login_redirect(response)
            elif key not in visible[ctx.actor]:
                assert response.status_code == 404, key
            elif ctx.actor in ASSIGNERS:
                assert response.status_code == 302, key
                continue
            else:
                assert response.status_code == 403, key
            assert _state(lead) == before

    def version(ctx: Any, lead: Lead) -> dict[str, Any]:
        return {"version": Lead.objects.get(pk=lead.pk).version}

    pages: PageChecks = {
        "leads:lead-list": page_list("leads:lead-list", lambda ctx, key: _sees(ctx, visible, key)),
        "leads:pool": page_list("leads:pool", lambda ctx, key: key == "pool" and ctx.actor in POOL_MEMBERS),
        "leads:lead-create": page_create,
        "leads:lead-detail": page_read("leads:lead-detail"),
        "leads:lead-edit": page_read("leads:lead-edit"),
        "leads:lead-claim": page_claim,
        "leads:lead-follow-up": page_write(
            "leads:lead-follow-up", lambda ctx, lead: {"channel": "phone", "summary": "页面跟进"} | version(ctx, lead)
        ),
        "leads:lead-status": page_write(
            "leads:lead-status", lambda ctx, lead: {"status": "qualified"} | version(ctx, lead)
        ),
        "leads:lead-convert": page_write(
            "leads:lead-convert", lambda ctx, lead: {"customer_id": ""} | version(ctx, lead)
        ),
        "leads:lead-assign": page_assign,
        "leads:lead-duplicate": page_duplicate,
    }
    return api, pages
