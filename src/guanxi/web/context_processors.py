"""Navigation flags for the layout: two permission checks on the already loaded user and role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from guanxi.accounts import access
from guanxi.accounts.models import Perm


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "can_manage_users": access.has_perm(user, Perm.MANAGE_USERS),
        "can_view_system": access.has_perm(user, Perm.VIEW_SYSTEM),
        "can_manage_value": access.has_perm(user, Perm.MANAGE_VALUE),
    }
