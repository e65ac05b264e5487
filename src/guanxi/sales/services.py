"""Catalogue writes: settings managers keep the products; every change is audited and versioned."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, User
from guanxi.core.errors import InvalidInput, reject_unknown
from guanxi.core.records import record_create, record_update
from guanxi.sales.models import Product

PRODUCT_FIELDS = ("code", "name", "name_en", "category", "unit", "list_price", "unit_cost", "currency", "is_active")


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    reject_unknown(fields, PRODUCT_FIELDS)
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items() if v is not None}


def _unique_code(code: str | None, product: Product | None) -> None:
    same = Product.objects.filter(code=code)
    if product is not None:
        same = same.exclude(pk=product.pk)
    if code and same.exists():
        raise InvalidInput(_("This code is taken."), errors=[{"loc": ["code"], "msg": _("This code is taken.")}])


@transaction.atomic
def product_create(*, actor: User, **fields: Any) -> Product:
    access.ensure_perm(actor, Perm.MANAGE_SETTINGS)
    values = _clean(fields)
    _unique_code(values.get("code"), None)
    return record_create(actor=actor, instance=Product(**values))


@transaction.atomic
def product_update(*, actor: User, product: Product, version: int | None, **fields: Any) -> Product:
    access.ensure_perm(actor, Perm.MANAGE_SETTINGS)
    values = _clean(fields)
    _unique_code(values.get("code"), product)
    return record_update(actor=actor, instance=product, changes=values, expected_version=version)
