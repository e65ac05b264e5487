from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from guanxi.customers import views

app_name = "customers"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.customer_list_view, name="customer-list"),
    path("new/", views.customer_create_view, name="customer-create"),
    path("<uuid:pk>/", views.customer_detail_view, name="customer-detail"),
    path("<uuid:pk>/edit/", views.customer_edit_view, name="customer-edit"),
]
