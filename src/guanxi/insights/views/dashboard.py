"""Insights pages: the value dashboard (every chart drills down to the customer list behind it)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, URLResolver, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guanxi.accounts import access
from guanxi.accounts.models import Perm
from guanxi.core.pages import actor_of
from guanxi.insights.dashboard import Dashboard, value_dashboard
from guanxi.insights.segments import selectors as segment_selectors
from guanxi.insights.views.segments import curve_labels


def _url_or_none(name: str) -> str | None:
    """A page of another area, when it exists yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _chart_data(board: Dashboard) -> dict[str, Any]:
    """What dashboard.js draws: plain numbers, labels and each element's drill-down URL."""
    data: dict[str, Any] = {
        "classes": [{"name": s.label, "value": s.customers, "url": s.drill.url, "key": s.key} for s in board.classes],
        "clv": [
            {"label": f"{b.low:,.0f} – {b.high:,.0f}", "value": b.customers, "url": b.drill.url} for b in board.clv
        ],
        "labels": {
            "customers": _("Customers"),
            "profit_share": _("Share of profit"),
            "customer_share": _("Share of customers"),
            "recency": _("R score (recency)"),
            "frequency": _("F score (frequency)"),
        },
    }
    if board.pareto is not None and board.pareto.available:
        data["pareto"] = {
            "points": [[round(p.customer_share * 100, 2), round(p.profit_share * 100, 2)] for p in board.pareto.points],
            "head": [round(board.pareto.head_share * 100, 2), 80],
            "head_url": board.pareto.head.url if board.pareto.head else None,
            "destroyers_url": board.pareto.destroyers_drill.url,
        }
    if board.rfm is not None:
        data["rfm"] = {
            "bins": board.rfm.bins,
            "max": board.rfm.max_customers,
            "cells": [[c.frequency - 1, c.recency - 1, c.customers, c.drill.url] for c in board.rfm.cells],
        }
    if board.grades is not None:
        data["grades"] = [{"name": b.grade, "value": b.customers, "url": b.drill.url} for b in board.grades.bars]
    return data


def _curve_context(pick: segment_selectors.CurvePick) -> dict[str, Any]:
    """The curve card: the picker, the chosen segment's curves for insights/curves.js, the drill-down."""
    segment = pick.segment
    data = {kind: curve.data for kind, curve in pick.curves.items()}
    return {
        "curve_pick": pick,
        "curve_data": data,
        "curve_interpurchase": data.get("interpurchase", {}),
        "curve_has_purchases": any(curve.data.get("purchases") for curve in pick.curves.values()),
        "curve_as_of": max((curve.as_of for curve in pick.curves.values()), default=None),
        "curve_members_url": f"{reverse('customers:customer-list')}?segment_id={segment.pk}" if segment else "",
        "curve_segment_url": reverse("insights:segment-detail", args=[segment.pk]) if segment else "",
        "curve_labels": curve_labels(),
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def dashboard_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    board = value_dashboard(actor=actor)
    asked = request.GET.get("curve_segment", "")[:100]
    rfm_rows: list[tuple[int, list[Any]]] = []
    if board.rfm is not None:
        cells = {(c.recency, c.frequency): c for c in board.rfm.cells}
        scores = range(board.rfm.bins, 0, -1)
        rfm_rows = [(r, [cells.get((r, f)) for f in range(1, board.rfm.bins + 1)]) for r in scores]
    context = {
        "board": board,
        "chart_data": _chart_data(board),
        "rfm_rows": rfm_rows,
        "rfm_scores": range(1, (board.rfm.bins if board.rfm else 0) + 1),
        "can_manage": access.has_perm(actor, Perm.MANAGE_VALUE),
        "runs_url": _url_or_none("insights:value-runs"),
        "segments_url": _url_or_none("insights:segment-list"),
        "grading_url": _url_or_none("insights:grading"),
        **_curve_context(segment_selectors.dashboard_curves(actor=actor, segment_id=asked)),
    }
    return render(request, "insights/dashboard.html", context)


urlpatterns: list[URLPattern | URLResolver] = [
    path("", dashboard_view, name="dashboard"),
]
