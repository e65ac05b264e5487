"""Insights pages: the value dashboard, value settings and runs, grading, segments."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from guanxi.insights.views import dashboard, grading, segments, value

app_name = "insights"
urlpatterns: list[URLPattern | URLResolver] = [
    *dashboard.urlpatterns,
    *value.urlpatterns,
    *grading.urlpatterns,
    *segments.urlpatterns,
]
