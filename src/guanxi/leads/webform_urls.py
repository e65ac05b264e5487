"""The public web forms of lead channels (``/f/<form key>/``): no login, rate-limited."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from guanxi.leads.views import webform

app_name = "leadform"
urlpatterns: list[URLPattern | URLResolver] = [*webform.urlpatterns]
