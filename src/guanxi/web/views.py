"""Home dashboard, system status and the error pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guanxi.accounts import access
from guanxi.accounts.models import Perm
from guanxi.accounts.selectors import health_ping_list
from guanxi.core.pages import HtmxHttpRequest, actor_of
from guanxi.core.services import health_ping_request
from guanxi.customers.selectors import customer_list

RECENT_CUSTOMERS = 5


@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    visible = customer_list(actor=actor)
    context = {
        "customer_count": visible.count(),
        "own_customer_count": customer_list(actor=actor, owner_id=actor.pk).count(),
        "recent_customers": visible.order_by("-updated_at")[:RECENT_CUSTOMERS],
    }
    return render(request, "web/home.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def system_status(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    access.ensure_perm(actor, Perm.VIEW_SYSTEM)
    if request.method == "POST":
        health_ping_request(actor=actor)
        messages.success(request, _("Ping sent. It shows as processed once a worker has picked it up."))
        return redirect("web:system")
    pings = list(health_ping_list(actor=actor))
    context = {"pings": pings, "has_pending": any(p.processed_at is None for p in pings)}
    template = "web/partials/_health_pings.html" if request.htmx else "web/system_status.html"
    return render(request, template, context)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "web/404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "web/403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without a request context: nothing here may touch the database."""
    return HttpResponse(loader.get_template("web/500.html").render(), status=500)
