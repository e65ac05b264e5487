from __future__ import annotations

from decimal import Decimal

import factory

from guanxi.sales.models import Product


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"产品{n}")
    list_price = Decimal("100.00")
    unit_cost = Decimal("60.00")
    created_by = factory.SubFactory("tests.accounts.factories.UserFactory")
    updated_by = factory.LazyAttribute(lambda p: p.created_by)
