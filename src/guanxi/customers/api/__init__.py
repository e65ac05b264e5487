"""The customer master's API routers, mounted in ``guanxi.api``."""

from guanxi.customers.api.customers import router as customers
from guanxi.customers.api.records import contact_relationships, contacts, interactions, positions, relationships

__all__ = ["contact_relationships", "contacts", "customers", "interactions", "positions", "relationships"]
