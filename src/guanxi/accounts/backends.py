"""Log in with username or email (case-insensitive); the system actor never logs in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from guanxi.accounts.models import User


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or not password:
            return None
        login = username.strip()
        query = Q(username__iexact=login) | Q(email__iexact=login) if "@" in login else Q(username__iexact=login)
        user = User.objects.filter(query, is_system=False).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle for unknown users
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
