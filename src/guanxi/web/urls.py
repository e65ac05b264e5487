from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from guanxi.web import views

app_name = "web"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("system/", views.system_status, name="system"),
]
