from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from guanxi.dataio import views

app_name = "dataio"
urlpatterns: list[URLPattern | URLResolver] = [
    path("imports/", views.import_list_view, name="import-list"),
    path("imports/<uuid:pk>/", views.import_detail_view, name="import-detail"),
    path("imports/<uuid:pk>/check/", views.import_check_view, name="import-check"),
    path("imports/<uuid:pk>/apply/", views.import_apply_view, name="import-apply"),
    path("imports/<uuid:pk>/cancel/", views.import_cancel_view, name="import-cancel"),
    path("imports/<uuid:pk>/progress/", views.import_progress_view, name="import-progress"),
    path("imports/<uuid:pk>/problems/", views.import_problems_view, name="import-problems"),
    path("imports/<uuid:pk>/error-file/", views.import_error_file_view, name="import-error-file"),
    path("exports/<str:kind>/", views.export_view, name="export"),
    path("menu/<str:kind>/", views.data_menu_view, name="data-menu"),
]
