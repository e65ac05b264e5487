"""The URL map: pages per app, the API under /api/, language switch, staff-only Django admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from guanxi.api import api

urlpatterns = [
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("guanxi.accounts.urls")),
    path("customers/", include("guanxi.customers.urls")),
    path("data/", include("guanxi.dataio.urls")),
    path("insights/", include("guanxi.insights.urls")),
    path("leads/", include("guanxi.leads.urls")),
    path("f/", include("guanxi.leads.webform_urls")),
    path("staff-admin/", admin.site.urls),
    path("", include("guanxi.web.urls")),
]

handler404 = "guanxi.web.views.not_found"
handler403 = "guanxi.web.views.forbidden"
handler500 = "guanxi.web.views.server_error"
