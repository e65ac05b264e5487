"""Lead pages: the lead list, the pool, a lead, channels and rules, the funnel."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from guanxi.leads.views import channels, imports, leads

app_name = "leads"
urlpatterns: list[URLPattern | URLResolver] = [
    *imports.urlpatterns,
    *leads.urlpatterns,
    *channels.urlpatterns,
]
