from __future__ import annotations

from typing import Any

import factory

from guanxi.core.normalise import name_pinyin
from guanxi.customers.models import Customer
from guanxi.customers.search import derived_columns


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    """Direct rows for read tests; write tests go through services."""

    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"客户{n}号有限公司")
    phone = ""
    owner = factory.SubFactory("tests.accounts.factories.UserFactory")
    team = factory.LazyAttribute(lambda c: c.owner.team)
    created_by = factory.LazyAttribute(lambda c: c.owner)
    updated_by = factory.LazyAttribute(lambda c: c.owner)
    name_pinyin = factory.LazyAttribute(lambda c: name_pinyin(c.name)[0])
    name_initials = factory.LazyAttribute(lambda c: name_pinyin(c.name)[1])

    @classmethod
    def _create(cls, model_class: type[Customer], *args: Any, **kwargs: Any) -> Customer:
        """Fill the search columns as the services do (unless a test sets them itself)."""
        derived = derived_columns(
            name=kwargs.get("name", ""),
            short_name=kwargs.get("short_name", ""),
            name_en=kwargs.get("name_en", ""),
            email=kwargs.get("email", ""),
            phone_e164=kwargs.get("phone_e164", ""),
        )
        return super()._create(model_class, *args, **(derived | kwargs))
