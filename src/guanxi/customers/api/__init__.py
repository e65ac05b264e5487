"""The customer master's API routers, mounted in ``guanxi.api``."""

from guanxi.customers.api.customers import router as customers
from guanxi.customers.api.records import contacts, interactions, positions

__all__ = ["contacts", "customers", "interactions", "positions"]
