"""Leads API: leads (mounted at /api/v1 in guanxi/api.py)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["leads"])
