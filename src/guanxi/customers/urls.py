from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from guanxi.customers import views

app_name = "customers"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.customer_list_view, name="customer-list"),
    path("new/", views.customer_create_view, name="customer-create"),
    path("<uuid:pk>/", views.customer_detail_view, name="customer-detail"),
    path("<uuid:pk>/edit/", views.customer_edit_view, name="customer-edit"),
    path("<uuid:pk>/contacts/", views.customer_contacts_view, name="customer-contacts"),
    path("<uuid:pk>/contacts/new/", views.contact_create_view, name="contact-create"),
    path("positions/<uuid:pk>/change/", views.position_change_view, name="position-change"),
    path("positions/<uuid:pk>/end/", views.position_end_view, name="position-end"),
    path("<uuid:pk>/interactions/", views.customer_interactions_view, name="customer-interactions"),
    path("<uuid:pk>/interactions/new/", views.interaction_create_view, name="interaction-create"),
]
