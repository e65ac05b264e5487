"""Permission-matrix checks of the insights grading routes and pages (see matrix_common.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.test import TestCase
from django.urls import reverse

from guanxi.insights import grading
from guanxi.insights.models import CustomerValue, FeltKeyMark, GradeEvaluation, GradeScheme, GradeTreatment
from tests.insights.matrix_common import ApiChecks, Check, PageChecks, expected, expected_manager, login_redirect

BASE = "/api/v1/insights"
SCHEME_BODY = {
    "name": "矩阵方案",
    "indicators": [{"key": "profit", "weight": 1}],
    "grades": ["A", "B"],
    "thresholds": [50, 0],
}
VALUE_MANAGERS = {"director", "admin"}


def _graded(ctx: Any) -> GradeScheme:
    """The default scheme, figures for every record, one evaluation."""
    for profit, customer in enumerate(ctx.records.all().values(), start=1):
        CustomerValue.objects.create(customer=customer, as_of=date(2026, 6, 30), profit=Decimal(profit * 100))
    scheme = grading.grade_scheme_default_ensure(actor=ctx.org["admin"])
    grading.grade_evaluate(as_of=date(2026, 6, 30))
    return scheme


def _spare(ctx: Any) -> GradeScheme:
    """An inactive scheme to change or delete."""
    return grading.grade_scheme_create(actor=ctx.org["admin"], **SCHEME_BODY)


def _schemes() -> list[tuple[Any, ...]]:
    return list(GradeScheme.objects.order_by("created_at").values_list("pk", "name", "version", "is_active"))


def _treatments() -> list[tuple[Any, ...]]:
    return list(GradeTreatment.objects.order_by("scheme", "grade").values_list("pk", "version", "visit_every_days"))


def _marks() -> list[tuple[Any, ...]]:
    return sorted(FeltKeyMark.objects.values_list("customer_id", "marked_by_id"))


def _manager_write(method: str, path: Any, body: Any, ok: int, state: Any = _schemes) -> Check:
    """A write for value managers only; refused ones change nothing."""

    def check(ctx: Any) -> None:
        url = path(ctx)
        before = state()
        response = ctx.api().request(method, url, body)
        assert response.status_code == expected_manager(ctx, ok), response.content
        if response.status_code != ok:
            assert state() == before, "a refused write changed grading"

    return check


def _authenticated(path: Any, *, scoped: bool = False) -> Check:
    def check(ctx: Any) -> None:
        response = ctx.api().get(path(ctx))
        assert response.status_code == (401 if ctx.user is None else 200), response.content
        if scoped and response.status_code == 200 and ctx.actor not in VALUE_MANAGERS:
            body = response.json()
            items = body.get("items", [body])
            assert all(item["customers"] is None for item in items), "company-wide figures leaked"
            assert all(item.get("migration") is None for item in items), "company-wide migration leaked"

    return check


def _evaluation_id(ctx: Any) -> str:
    _graded(ctx)
    return str(GradeEvaluation.objects.get().pk)


def checks(visible: dict[str, set[str]], record_keys: list[str]) -> tuple[ApiChecks, PageChecks]:
    def api_customer_grade(ctx: Any) -> None:
        _graded(ctx)
        client = ctx.api()
        for key in record_keys:
            customer = getattr(ctx.records, key)
            response = client.get(f"{BASE}/customers/{customer.pk}/grade")
            assert response.status_code == expected(ctx, visible, key, 200), key
            if response.status_code != 200:
                assert "grade_index" not in response.content.decode(), f"a hidden grade leaked for {key}"

    def api_felt_mark(ctx: Any) -> None:
        client = ctx.api()
        for key in record_keys:
            customer = getattr(ctx.records, key)
            before = _marks()
            response = client.request("PUT", f"{BASE}/customers/{customer.pk}/felt-key", {})
            assert response.status_code == expected(ctx, visible, key, 200), key
            if response.status_code != 200:
                assert _marks() == before, f"a refused mark was kept for {key}"

    def api_felt_unmark(ctx: Any) -> None:
        client = ctx.api()
        for key in record_keys:
            customer = getattr(ctx.records, key)
            if ctx.user is not None:  # the actor's own earlier mark (say, from before a reassignment)
                FeltKeyMark.objects.create(customer=customer, marked_by=ctx.user)
            before = _marks()
            response = client.delete(f"{BASE}/customers/{customer.pk}/felt-key")
            assert response.status_code == expected(ctx, visible, key, 204), key
            if response.status_code != 204:
                assert _marks() == before, f"a refused unmark removed a mark for {key}"

    def api_felt_comparison(ctx: Any) -> None:
        _graded(ctx)
        response = ctx.api().get(f"{BASE}/felt-key/comparison")
        assert response.status_code == (401 if ctx.user is None else 200)
        if response.status_code == 200:
            shown = {row["customer_id"] for row in response.json()["top_not_felt"]}
            hidden = {str(getattr(ctx.records, key).pk) for key in record_keys if key not in visible[ctx.actor]}
            assert not shown & hidden, "hidden customers listed in the comparison"

    scheme_path = "/grading-schemes/{scheme_id}"
    api: ApiChecks = {
        ("GET", f"{BASE}/grading-schemes"): _authenticated(lambda ctx: f"{BASE}/grading-schemes"),
        ("POST", f"{BASE}/grading-schemes"): _manager_write(
            "POST", lambda ctx: f"{BASE}/grading-schemes", SCHEME_BODY, 201
        ),
        ("GET", f"{BASE}{scheme_path}"): _authenticated(lambda ctx: f"{BASE}/grading-schemes/{_spare(ctx).pk}"),
        ("PATCH", f"{BASE}{scheme_path}"): _manager_write(
            "PATCH", lambda ctx: f"{BASE}/grading-schemes/{_spare(ctx).pk}", {"version": 1, "name": "改名"}, 200
        ),
        ("DELETE", f"{BASE}{scheme_path}"): _manager_write(
            "DELETE", lambda ctx: f"{BASE}/grading-schemes/{_spare(ctx).pk}", None, 204
        ),
        ("POST", f"{BASE}{scheme_path}/activate"): _manager_write(
            "POST", lambda ctx: f"{BASE}/grading-schemes/{_spare(ctx).pk}/activate", {}, 200
        ),
        ("PUT", f"{BASE}{scheme_path}/treatments/{{grade}}"): _manager_write(
            "PUT",
            lambda ctx: f"{BASE}/grading-schemes/{_spare(ctx).pk}/treatments/A",
            {"visit_every_days": 9, "service_level": "premium"},
            200,
            _treatments,
        ),
        ("POST", f"{BASE}{scheme_path}/evaluate"): _manager_write(
            "POST",
            lambda ctx: f"{BASE}/grading-schemes/{_graded(ctx).pk}/evaluate",
            {},
            201,
            lambda: GradeEvaluation.objects.count(),
        ),
        ("GET", f"{BASE}/grade-evaluations"): _authenticated(
            lambda ctx: f"{BASE}/grade-evaluations" if _evaluation_id(ctx) else "", scoped=True
        ),
        ("GET", f"{BASE}/grade-evaluations/{{evaluation_id}}"): _authenticated(
            lambda ctx: f"{BASE}/grade-evaluations/{_evaluation_id(ctx)}", scoped=True
        ),
        ("GET", f"{BASE}/customers/{{customer_id}}/grade"): api_customer_grade,
        ("PUT", f"{BASE}/customers/{{customer_id}}/felt-key"): api_felt_mark,
        ("DELETE", f"{BASE}/customers/{{customer_id}}/felt-key"): api_felt_unmark,
        ("GET", f"{BASE}/felt-key/comparison"): api_felt_comparison,
    }

    def page_logged_in(name: str) -> Check:
        def check(ctx: Any) -> None:
            _graded(ctx)
            response = ctx.browser().get(reverse(name))
            assert login_redirect(response) if ctx.user is None else response.status_code == 200

        return check

    def page_manager_form(name: str, args: Any, data: dict[str, Any], state: Any) -> Check:
        """A form for value managers: others get 403 on GET and POST, and the POST changes nothing."""

        def check(ctx: Any) -> None:
            url = reverse(name, args=args(ctx))
            client = ctx.browser()
            response = client.get(url)
            if ctx.user is None:
                assert login_redirect(response)
            else:
                assert response.status_code == (200 if ctx.actor in VALUE_MANAGERS else 403)
            before = state()
            posted = client.post(url, data)
            if ctx.user is None:
                assert login_redirect(posted)
            elif ctx.actor in VALUE_MANAGERS:
                assert posted.status_code == 302, posted.status_code
                return
            else:
                assert posted.status_code == 403
            assert state() == before, "a refused page write changed grading"

        return check

    def page_evaluate(ctx: Any) -> None:
        _graded(ctx)
        before = GradeEvaluation.objects.count()
        with TestCase.captureOnCommitCallbacks(execute=True):  # the queued job runs once the request commits
            response = ctx.browser().post(reverse("insights:grading-evaluate"))
        if ctx.user is None:
            assert login_redirect(response)
        elif ctx.actor in VALUE_MANAGERS:
            assert response.status_code == 302
            assert GradeEvaluation.objects.count() == before + 1
            return
        else:
            assert response.status_code == 403
        assert GradeEvaluation.objects.count() == before

    def page_customer(name: str, method: str) -> Check:
        def check(ctx: Any) -> None:
            _graded(ctx)
            client = ctx.browser()
            for key in record_keys:
                customer = getattr(ctx.records, key)
                before = _marks()
                url = reverse(name, args=[customer.pk])
                response = client.post(url) if method == "POST" else client.get(url)
                if ctx.user is None:
                    assert login_redirect(response)
                elif key in visible[ctx.actor]:
                    assert response.status_code == (302 if method == "POST" else 200), key
                    continue
                else:
                    assert response.status_code == 404, key
                assert _marks() == before, f"a refused toggle changed marks for {key}"

        return check

    form = {"version": "1", "name": "页面改名", "name_en": "", "evaluate_every_days": "30", "grades": "A, B",
            "thresholds": "50, 0", "w_profit": "1", "n_profit": "rank", "h_profit": "on"}  # fmt: skip
    treatment = {"service_level": "basic", "visit_every_days": "99"}
    new_scheme = {key: value for key, value in form.items() if key != "version"} | {"name": "页面新方案"}

    def page_evaluation_status(ctx: Any) -> None:
        _graded(ctx)
        response = ctx.browser().get(reverse("insights:grading-evaluation-status"))
        if ctx.user is None:
            assert login_redirect(response)
        else:
            assert response.status_code == (200 if ctx.actor in VALUE_MANAGERS else 403)

    def page_scheme_list(ctx: Any) -> None:
        _graded(ctx)
        _spare(ctx)
        response = ctx.browser().get(reverse("insights:grading-scheme-list"))
        if ctx.user is None:
            assert login_redirect(response)
            return
        assert response.status_code == (200 if ctx.actor in VALUE_MANAGERS else 403)
        assert ("矩阵方案" in response.content.decode()) == (ctx.actor in VALUE_MANAGERS)

    pages: PageChecks = {
        "insights:grading": page_logged_in("insights:grading"),
        "insights:felt-key": page_logged_in("insights:felt-key"),
        "insights:grading-scheme-edit": page_manager_form(
            "insights:grading-scheme-edit", lambda ctx: [_spare(ctx).pk], form, _schemes
        ),
        "insights:grading-treatment-edit": page_manager_form(
            "insights:grading-treatment-edit", lambda ctx: [_spare(ctx).pk, "A"], treatment, _treatments
        ),
        "insights:grading-scheme-list": page_scheme_list,
        "insights:grading-scheme-create": page_manager_form(
            "insights:grading-scheme-create", lambda ctx: [], new_scheme, _schemes
        ),
        "insights:grading-scheme-activate": page_manager_form(
            "insights:grading-scheme-activate", lambda ctx: [_spare(ctx).pk], {"version": "1"}, _schemes
        ),
        "insights:grading-scheme-delete": page_manager_form(
            "insights:grading-scheme-delete", lambda ctx: [_spare(ctx).pk], {}, _schemes
        ),
        "insights:grading-evaluate": page_evaluate,
        "insights:grading-evaluation-status": page_evaluation_status,
        "insights:customer-grade-panel": page_customer("insights:customer-grade-panel", "GET"),
        "insights:felt-key-toggle": page_customer("insights:felt-key-toggle", "POST"),
    }
    return api, pages
