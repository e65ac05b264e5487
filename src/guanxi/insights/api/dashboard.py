"""/api/v1/insights: the value dashboard."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from guanxi.accounts.api_auth import request_user
from guanxi.insights import dashboard
from guanxi.insights.schemas.dashboard import DashboardOut

router = Router(tags=["insights"])


@router.get("/dashboard", response=DashboardOut)
def value_dashboard(request: HttpRequest) -> dashboard.Dashboard:
    """Every chart of the value dashboard over the customers the caller sees; each element drills down."""
    return dashboard.value_dashboard(actor=request_user(request))
