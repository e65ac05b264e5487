"""The leads API, one router per area (registered under /api/v1 in guanxi/api.py)."""

from guanxi.leads.api import channels, leads

__all__ = ["channels", "leads"]
