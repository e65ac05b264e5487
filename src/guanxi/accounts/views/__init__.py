"""Account pages, by sub-domain; the URL map imports them from here."""

from guanxi.accounts.views.directory import (
    role_create_view,
    role_edit_view,
    role_list_view,
    team_create_view,
    team_edit_view,
    team_list_view,
    user_create_view,
    user_edit_view,
    user_list_view,
)
from guanxi.accounts.views.login import login_view, logout_view, otp_view
from guanxi.accounts.views.personal import password_view, settings_view, token_revoke_view, tokens_view, two_factor_view

__all__ = [
    "login_view",
    "logout_view",
    "otp_view",
    "password_view",
    "role_create_view",
    "role_edit_view",
    "role_list_view",
    "settings_view",
    "team_create_view",
    "team_edit_view",
    "team_list_view",
    "token_revoke_view",
    "tokens_view",
    "two_factor_view",
    "user_create_view",
    "user_edit_view",
    "user_list_view",
]
