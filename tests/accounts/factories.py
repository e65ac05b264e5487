from __future__ import annotations

from typing import Any

import factory

from guanxi.accounts.models import Role, Team, User, role_defaults


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    parent = None

    @factory.post_generation
    def set_path(obj: Team, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
        obj.save(update_fields=["path"])


def role(code: str) -> Role:
    values = role_defaults()[code]
    return Role.objects.get_or_create(code=code, defaults=values)[0]


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.LazyAttribute(lambda u: u.username)
    team = None
    role = None
    password = factory.django.Password("guanxi-demo")
