"""Keyset pagination: walking all pages yields every visible row once, in order — with or without scope parts."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.accounts import access
from guanxi.accounts.services import record_share
from guanxi.core.pagination import Ordering, paginate
from guanxi.customers.models import Customer
from tests.conftest import Org
from tests.customers.factories import CustomerFactory

ORDERING = Ordering(fields={"created_at": "created_at:datetime", "name": "name"}, default="-created_at")
OWNERS = ["rep1", "rep1b", "rep2", "rep3", "manager1", "director"]


def _walk(actor: Any, order: str, limit: int, *, use_parts: bool) -> list[str]:
    seen: list[str] = []
    cursor = None
    parts = access.scope_parts(actor, Customer) if use_parts else ()
    for _ in range(1000):
        page = paginate(
            access.scope(actor, Customer.objects.all()),
            ordering=ORDERING,
            order=order,
            limit=limit,
            cursor=cursor,
            parts=parts,
        )
        seen += [str(row.pk) for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


@pytest.fixture
def rows(org: Org) -> list[Customer]:
    rng = random.Random(7)
    base = timezone.now()
    # Many equal timestamps and names on purpose: ties must be broken by id, never lost or repeated.
    made = [
        CustomerFactory(
            owner=org[rng.choice(OWNERS)],
            name=f"客户{rng.randrange(8)}",
            created_at=base - timedelta(minutes=rng.randrange(10)),
        )
        for _ in range(60)
    ]
    # One record reaches rep1 only through an explicit share: the shares part must find it.
    record_share(actor=org["rep2"], record=_first_of(made, org["rep2"]), user=org["rep1"])
    return made


def _first_of(made: list[Customer], owner: Any) -> Customer:
    return next(c for c in made if c.owner_id == owner.pk)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    actor=st.sampled_from(["rep1", "rep2", "manager1", "manager2", "director"]),
    order=st.sampled_from(["created_at", "-created_at", "name", "-name"]),
    limit=st.integers(min_value=1, max_value=13),
)
def test_walk_with_parts_equals_walk_without(
    org: Org, rows: list[Customer], actor: str, order: str, limit: int
) -> None:
    user = org[actor]
    expected_ids = set(access.scope(user, Customer.objects.all()).values_list("pk", flat=True))
    plain = _walk(user, order, limit, use_parts=False)
    fast = _walk(user, order, limit, use_parts=True)
    assert fast == plain
    assert len(plain) == len(set(plain)) == len(expected_ids)
    assert set(plain) == {str(pk) for pk in expected_ids}


def test_parts_cover_exactly_the_scope(org: Org, rows: list[Customer]) -> None:
    for actor in ["rep1", "rep2", "manager1", "manager2"]:
        user = org[actor]
        parts = access.scope_parts(user, Customer)
        assert len(parts) >= 2
        union: set[Any] = set()
        for part in parts:
            union |= set(Customer.objects.filter(part).values_list("pk", flat=True))
        assert union == set(access.scope(user, Customer.objects.all()).values_list("pk", flat=True))
    assert access.scope_parts(org["director"], Customer) == []


def test_short_lists_say_when_they_were_cut(org: Org) -> None:
    from guanxi.core.pagination import bounded

    for _ in range(4):
        CustomerFactory(owner=org["rep1"])
    cut = bounded(Customer.objects.order_by("pk"), limit=3)
    assert (len(cut["items"]), cut["truncated"], cut["next_cursor"]) == (3, True, None)
    whole = bounded(Customer.objects.order_by("pk"), limit=4)
    assert (len(whole["items"]), whole["truncated"]) == (4, False)


def test_unknown_service_fields_are_named(org: Org) -> None:
    from guanxi.core.errors import InvalidInput
    from guanxi.customers.services import customer_create

    with pytest.raises(InvalidInput) as refused:
        customer_create(actor=org["rep1"], name="甲", colour="red", mood="happy")
    assert [error["loc"] for error in refused.value.errors] == [["colour"], ["mood"]]
    assert not Customer.objects.exists()
