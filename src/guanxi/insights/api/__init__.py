"""The insights API, one router per area (registered under /api/v1/insights in guanxi/api.py)."""

from guanxi.insights.api import dashboard, grading, segments, value

__all__ = ["dashboard", "grading", "segments", "value"]
