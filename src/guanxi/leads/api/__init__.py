"""The leads API, one router per area (registered under /api/v1 in guanxi/api.py)."""

from guanxi.leads.api import channels, duplicates, imports, leads

__all__ = ["channels", "duplicates", "imports", "leads"]
