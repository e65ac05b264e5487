"""Catalogue reads: every active user may see products."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.errors import InvalidInput, NotFound
from guanxi.sales.models import Product


def product_list(*, actor: User | Any, q: str = "", active_only: bool = True) -> QuerySet[Product]:
    if access.active_user(actor) is None:
        return Product.objects.none()
    products = Product.objects.all()
    if active_only:
        products = products.filter(is_active=True)
    text = q.replace("\x00", "").strip()
    if text:
        products = products.filter(Q(code__istartswith=text) | Q(name__icontains=text) | Q(name_en__icontains=text))
    return products


def product_get(*, actor: User | Any, pk: UUID | str) -> Product:
    product = product_list(actor=actor, active_only=False).filter(pk=pk).first()
    if product is None:
        raise NotFound(_("Not found."))
    return product


def products_for_order(*, actor: User | Any, ids: list[UUID]) -> dict[UUID, Product]:
    """Active products by id for new order lines; unknown or inactive ones are a field error."""
    found = {p.pk: p for p in product_list(actor=actor).filter(pk__in=ids)}
    missing = [index for index, pk in enumerate(ids) if pk not in found]
    if missing:
        raise InvalidInput(
            _("Unknown or inactive product."),
            errors=[
                {"loc": ["lines", index, "product_id"], "msg": _("Unknown or inactive product.")} for index in missing
            ],
        )
    return found
