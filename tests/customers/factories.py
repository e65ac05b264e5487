from __future__ import annotations

import factory

from guanxi.core.normalise import name_pinyin
from guanxi.customers.models import Customer


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
