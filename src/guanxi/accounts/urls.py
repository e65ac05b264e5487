from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from guanxi.accounts import views

app_name = "accounts"
urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.otp_view, name="otp"),
    path("logout/", views.logout_view, name="logout"),
    path("settings/", views.settings_view, name="settings"),
    path("password/", views.password_view, name="password"),
    path("two-factor/", views.two_factor_view, name="two-factor"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token-revoke"),
    path("users/", views.user_list_view, name="user-list"),
    path("users/new/", views.user_create_view, name="user-create"),
    path("users/<int:pk>/", views.user_edit_view, name="user-edit"),
    path("teams/", views.team_list_view, name="team-list"),
    path("teams/new/", views.team_create_view, name="team-create"),
    path("teams/<int:pk>/", views.team_edit_view, name="team-edit"),
    path("roles/", views.role_list_view, name="role-list"),
    path("roles/new/", views.role_create_view, name="role-create"),
    path("roles/<int:pk>/", views.role_edit_view, name="role-edit"),
]
