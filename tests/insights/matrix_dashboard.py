"""Permission-matrix checks of the insights dashboard routes and pages (see matrix_common.py)."""

from __future__ import annotations

from tests.insights.matrix_common import ApiChecks, PageChecks


def checks(visible: dict[str, set[str]], record_keys: list[str]) -> tuple[ApiChecks, PageChecks]:
    api: ApiChecks = {}
    pages: PageChecks = {}
    return api, pages
