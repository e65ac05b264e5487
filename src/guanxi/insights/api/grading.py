"""/api/v1/insights: grading."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["insights"])
