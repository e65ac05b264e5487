"""Shared pieces of the insights permission-matrix checks (tests/insights/matrix_*.py).

Each ``matrix_<area>.checks(visible, record_keys)`` returns ``(API, PAGES)``: route → check, URL
name → check, merged into tests/test_permission_matrix.py. A check gets the matrix's ``Ctx``
(``ctx.org``, ``ctx.records``, ``ctx.actor``, ``ctx.user``, ``ctx.api()``, ``ctx.browser()``).
``visible[actor]`` names the record keys (``own``, ``team``, ``other``: rep1's, rep1b's, rep2's
customer) the actor sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Check = Callable[[Any], None]
ApiChecks = dict[tuple[str, str], Check]
PageChecks = dict[str, Check]
VALUE_MANAGERS = {"director", "admin"}  # roles carrying Perm.MANAGE_VALUE in the demo roles


def login_redirect(response: Any) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def expected(ctx: Any, visible: dict[str, set[str]], key: str, ok: int) -> int:
    """401 for anonymous, ``ok`` where the actor sees the record ``key``, else 404."""
    if ctx.user is None:
        return 401
    return ok if key in visible[ctx.actor] else 404


def expected_manager(ctx: Any, ok: int) -> int:
    """401 for anonymous, ``ok`` for value managers, else 403."""
    if ctx.user is None:
        return 401
    return ok if ctx.actor in VALUE_MANAGERS else 403
