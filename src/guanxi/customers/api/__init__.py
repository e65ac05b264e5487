"""The customer master's API routers, mounted in ``guanxi.api``."""

from guanxi.customers.api.customers import router as customers
from guanxi.customers.api.merge import contact_merges, customer_merges, merges
from guanxi.customers.api.records import contact_relationships, contacts, interactions, positions, relationships
from guanxi.customers.api.tags import customer_tags, rules, tags

__all__ = [
    "contact_merges",
    "contact_relationships",
    "contacts",
    "customer_merges",
    "customer_tags",
    "customers",
    "interactions",
    "merges",
    "positions",
    "relationships",
    "rules",
    "tags",
]
