"""Permission-matrix checks of this leads area (merged into tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from tests.insights.matrix_common import ApiChecks, PageChecks


def checks(visible: dict[str, set[str]], record_keys: list[str]) -> tuple[ApiChecks, PageChecks]:
    del visible, record_keys
    api: dict[Any, Any] = {}
    pages: dict[Any, Any] = {}
    return api, pages
