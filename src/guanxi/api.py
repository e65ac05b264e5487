"""The one NinjaAPI: /api/v1/…, OpenAPI at /api/openapi.json, docs at /api/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from guanxi.accounts.api import router as auth_router
from guanxi.accounts.api_auth import BrowserSessionAuth, CallerRateThrottle, TokenAuth
from guanxi.contracts.api import router as orders_router
from guanxi.core.api import router as saved_views_router
from guanxi.core.problems import install_handlers
from guanxi.customers import api as customers_api
from guanxi.dataio import api as dataio_api
from guanxi.insights import api as insights_api
from guanxi.leads import api as leads_api
from guanxi.sales.api import router as products_router

api = NinjaAPI(
    title="Guanxi API",
    version="1",
    description="Guanxi CRM. Authenticate with a browser session (CSRF) or `Authorization: Bearer <token>` "
    "from `POST /api/v1/auth/token`. Errors are application/problem+json. See docs/api.md.",
    auth=[TokenAuth(), BrowserSessionAuth(csrf=True)],
    throttle=[CallerRateThrottle()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_handlers(api)
api.add_router("/v1/auth", auth_router)
api.add_router("/v1/customers", customers_api.customers)
api.add_router("/v1/customers", customers_api.customer_tags)
api.add_router("/v1/tags", customers_api.tags)
api.add_router("/v1/tag-rules", customers_api.rules)
api.add_router("/v1/contacts", customers_api.contacts)
api.add_router("/v1/positions", customers_api.positions)
api.add_router("/v1/interactions", customers_api.interactions)
api.add_router("/v1/relationships", customers_api.relationships)
api.add_router("/v1/contact-relationships", customers_api.contact_relationships)
api.add_router("/v1/customers", customers_api.customer_merges)
api.add_router("/v1/contacts", customers_api.contact_merges)
api.add_router("/v1/merges", customers_api.merges)
api.add_router("/v1/products", products_router)
api.add_router("/v1/orders", orders_router)
api.add_router("/v1/imports", dataio_api.imports)
api.add_router("/v1/exports", dataio_api.exports_router)
api.add_router("/v1/saved-views", saved_views_router)
api.add_router("/v1/insights", insights_api.dashboard.router)
api.add_router("/v1/insights", insights_api.value.router)
api.add_router("/v1/insights", insights_api.grading.router)
api.add_router("/v1/insights", insights_api.segments.router)
api.add_router("/v1", leads_api.imports.router)  # /v1/leads/import (before /v1/leads/{lead_id})
api.add_router("/v1", leads_api.leads.router)  # /v1/leads…
api.add_router("/v1", leads_api.channels.router)  # /v1/lead-channels…, /v1/lead-settings, /v1/lead-reports…
api.add_router("/v1", leads_api.duplicates.router)  # /v1/leads/{id}/duplicates, …/merge, …/link
