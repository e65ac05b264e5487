from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from guanxi.customers import views, views_list, views_merge

app_name = "customers"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_list.customer_list_view, name="customer-list"),
    path("views/save/", views_list.saved_view_save, name="saved-view-save"),
    path("views/<uuid:pk>/delete/", views_list.saved_view_delete, name="saved-view-delete"),
    path("new/", views.customer_create_view, name="customer-create"),
    path("<uuid:pk>/", views.customer_detail_view, name="customer-detail"),
    path("<uuid:pk>/edit/", views.customer_edit_view, name="customer-edit"),
    path("<uuid:pk>/contacts/", views.customer_contacts_view, name="customer-contacts"),
    path("<uuid:pk>/contacts/new/", views.contact_create_view, name="contact-create"),
    path("positions/<uuid:pk>/forms/", views.position_forms_view, name="position-forms"),
    path("positions/<uuid:pk>/change/", views.position_change_view, name="position-change"),
    path("positions/<uuid:pk>/end/", views.position_end_view, name="position-end"),
    path("<uuid:pk>/interactions/", views.customer_interactions_view, name="customer-interactions"),
    path("<uuid:pk>/interactions/new/", views.interaction_create_view, name="interaction-create"),
    path("<uuid:pk>/timeline/", views.customer_timeline_view, name="customer-timeline"),
    path("<uuid:pk>/network/", views.customer_network_view, name="customer-network"),
    path("<uuid:pk>/merge/", views_merge.customer_merge_pick_view, name="customer-merge"),
    path("<uuid:pk>/merge/<uuid:other>/", views_merge.customer_merge_compare_view, name="customer-merge-compare"),
    path("merges/<uuid:pk>/", views_merge.merge_detail_view, name="merge-detail"),
    path("merges/<uuid:pk>/undo/", views_merge.merge_undo_view, name="merge-undo"),
]
