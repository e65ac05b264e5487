"""/api/v1/products: the catalogue; everyone reads it, settings managers write it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from guanxi.accounts.api_auth import request_user
from guanxi.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Ordering, Page, paginate
from guanxi.core.schemas import InputSchema
from guanxi.sales import selectors, services
from guanxi.sales.models import Product
from guanxi.sales.schemas import ProductIn, ProductOut, ProductPatch

router = Router(tags=["products"])
ORDERING = Ordering(fields={"code": "code", "name": "name"}, default="code")


class ProductFilters(InputSchema):
    q: str = Field(default="", max_length=100, description="Code prefix or name")
    include_inactive: bool = False
    ordering: str = Field(default="code", max_length=20)
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=500)


@router.get("", response=Page[ProductOut])
def product_list(request: HttpRequest, filters: Query[ProductFilters]) -> dict[str, Any]:
    products = selectors.product_list(
        actor=request_user(request), q=filters.q, active_only=not filters.include_inactive
    )
    return paginate(products, ordering=ORDERING, order=filters.ordering, limit=filters.limit, cursor=filters.cursor)


@router.post("", response={201: ProductOut})
def product_create(request: HttpRequest, payload: ProductIn) -> Status[Product]:
    return Status(201, services.product_create(actor=request_user(request), **payload.model_dump()))


@router.get("/{product_id}", response=ProductOut)
def product_get(request: HttpRequest, product_id: UUID) -> Product:
    return selectors.product_get(actor=request_user(request), pk=product_id)


@router.patch("/{product_id}", response=ProductOut)
def product_update(request: HttpRequest, product_id: UUID, payload: ProductPatch) -> Product:
    actor = request_user(request)
    product = selectors.product_get(actor=actor, pk=product_id)
    fields = payload.model_dump(exclude={"version"}, exclude_none=True)
    return services.product_update(actor=actor, product=product, version=payload.version, **fields)
