"""The bulk demo generator: deterministic, the service's figures, visible owners, realistic skew, safe."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.contracts.models import Order, OrderLine, OrderStatus
from guanxi.contracts.services import LineIn, order_create
from guanxi.core import bulk
from guanxi.core.normalise import name_pinyin, phone_e164
from guanxi.customers import selectors
from guanxi.customers.models import (
    Contact,
    ContactRelationship,
    Customer,
    CustomerFacts,
    CustomerRelationship,
    Interaction,
    Position,
)
from guanxi.customers.search import derived_columns
from guanxi.customers.services import customer_create, customer_facts_refresh
from guanxi.web.demo_scale import load as demo_scale
from guanxi.web.demo_scale import rows, store

SIZE = 400
CENT = Decimal("0.01")


def _now() -> Any:
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def now() -> Any:
    return _now()


@pytest.fixture
def generated(db: Any, now: Any) -> demo_scale.ScaleResult:
    return demo_scale.demo_scale_load(customers=SIZE, seed=7, now=now, chunk=150)


def _generated() -> Any:
    return Customer.objects.filter(created_by__username=demo_scale.GENERATOR_USERNAME)


def _plan(seed: int = 7, customers: int = 300) -> rows.Plan:
    catalogue = [
        rows.Item("a" * 32, "硬件", Decimal("1999.00"), Decimal("1180.00")),
        rows.Item("b" * 32, "软件", Decimal("6800.00"), Decimal("900.00")),
        rows.Item("c" * 32, "服务", Decimal("800.00"), Decimal("520.00")),
        rows.Item("d" * 32, "配件", Decimal("39.00"), Decimal("14.00")),
    ]
    return rows.Plan(
        seed=seed,
        customers=customers,
        now_ts=1_790_000_000,
        today=date(2026, 9, 21),
        utc_offset=8 * 3600,
        owners=[(1, 1), (2, 1), (3, 2)],
        owner_weights=[1.0, 2.5, 3.0],
        catalogue=catalogue,
        currency="CNY",
        generator_id=9,
    )


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_gives_the_same_rows_whatever_the_chunks() -> None:
    whole = rows.Generator(_plan()).chunk(0, 300)
    again = rows.Generator(_plan())
    parts = [again.chunk(0, 120), again.chunk(120, 300)]
    for key in ("customers", "contacts", "positions", "interactions", "relations", "orders", "lines", "facts"):
        assert getattr(whole, key) == getattr(parts[0], key) + getattr(parts[1], key), key
    assert rows.Generator(_plan(seed=8)).chunk(0, 300).customers != whole.customers


def test_worker_processes_generate_the_same_rows() -> None:
    plan = _plan(customers=120)
    here = [chunk for _end, chunk in demo_scale._chunks(plan, 0, 50, workers=0)]
    forked = [chunk for _end, chunk in demo_scale._chunks(plan, 0, 50, workers=1)]
    assert forked == here


def test_the_database_holds_exactly_the_generated_rows(generated: Any, now: Any) -> None:
    generator = User.objects.get(username=demo_scale.GENERATOR_USERNAME)
    expected = rows.Generator(demo_scale._plan(7, SIZE, now, generator)).chunk(0, SIZE)
    stored = {
        pk.hex: (name, phone, email, rows.time_text(int(created.timestamp())))
        for pk, name, phone, email, created in _generated().values_list("pk", "name", "phone", "email", "created_at")
    }
    assert stored == {row[0]: (row[9], row[14], row[16], row[1]) for row in expected.customers}
    assert Order.objects.filter(customer__in=_generated()).count() == len(expected.orders)


# --- the figures ---------------------------------------------------------------------------


def test_line_and_order_figures_are_what_the_service_computes(generated: Any) -> None:
    sample = list(Order.objects.filter(customer__in=_generated()).order_by("pk")[:25])
    assert len(sample) == 25
    target = Customer.objects.filter(owner__username="rep1", name="张三").get()
    for order in sample:
        lines = list(order.lines.order_by("id"))
        again = order_create(
            actor=target.owner,
            customer=target,
            ordered_on=order.ordered_on,
            lines=[LineIn(line.product_id, line.quantity, discount_rate=line.discount_rate) for line in lines],
        )
        redone = list(again.lines.order_by("id"))
        assert [(r.unit_price, r.unit_cost, r.amount, r.cost) for r in redone] == [
            (line.unit_price, line.unit_cost, line.amount, line.cost) for line in lines
        ]
        assert (again.amount, again.cost, again.discount, again.currency) == (
            order.amount,
            order.cost,
            order.discount,
            order.currency,
        )
        assert {line.status for line in lines} == {order.status}
        assert {(line.customer_id, line.ordered_on) for line in lines} == {(order.customer_id, order.ordered_on)}


def test_facts_equal_the_set_based_refresh(generated: Any) -> None:
    def snapshot() -> dict[Any, tuple[Any, ...]]:
        return {
            f.customer_id: (
                f.last_touch_at,
                f.last_touch_channel,
                f.interactions_count,
                f.orders_count,
                Decimal(f.revenue).quantize(CENT),
                Decimal(f.product_cost).quantize(CENT),
                f.first_purchase_on,
                f.last_purchase_on,
            )
            for f in CustomerFacts.objects.filter(customer__in=_generated())
        }

    before = snapshot()
    assert len(before) == SIZE
    assert sum(1 for figures in before.values() if figures[3]) > SIZE // 2
    customer_facts_refresh(customer_ids=list(before))
    assert snapshot() == before


def test_about_twenty_lines_per_customer_and_foreign_keys_hold(generated: Any) -> None:
    lines = OrderLine.objects.filter(customer__in=_generated()).count()
    assert 12 * SIZE <= lines <= 30 * SIZE
    assert generated.rows["lines"] == lines
    assert Interaction.objects.filter(customer__in=_generated()).count() > SIZE
    assert Position.objects.filter(customer__in=_generated(), ended_on__isnull=False).exists()
    assert CustomerRelationship.objects.exists()
    assert ContactRelationship.objects.exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []


def test_derived_columns_are_the_services(generated: Any) -> None:
    for customer in _generated():
        if customer.phone:
            assert phone_e164(customer.phone) == customer.phone_e164, customer.phone
        assert name_pinyin(customer.name) == (customer.name_pinyin, customer.name_initials), customer.name
        expected = derived_columns(
            name=customer.name,
            short_name=customer.short_name,
            name_en=customer.name_en,
            email=customer.email,
            phone_e164=customer.phone_e164,
        )
        assert {key: getattr(customer, key) for key in expected} == expected
    for contact in Contact.objects.filter(positions__customer__in=_generated()).distinct()[:300]:
        assert phone_e164(contact.mobile) == contact.mobile_e164
        assert name_pinyin(contact.name) == (contact.name_pinyin, contact.name_initials)


def test_generated_customers_are_found_by_search(generated: Any) -> None:
    director = User.objects.get(username="director")
    customer = _generated().exclude(phone="").filter(kind="organisation").order_by("pk").first()
    assert customer is not None
    for q in (customer.phone, customer.name_initials, customer.name):
        found = selectors.customer_page(actor=director, q=q, limit=50)
        assert customer.pk in [row.pk for row in found["items"]], q


# --- who sees what -------------------------------------------------------------------------


def test_every_customer_has_an_owner_whose_managers_see_it(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_scale, "REPS_PER_EXTRA", 60)
    demo_scale.demo_scale_load(customers=600, seed=3, now=_now())
    customers = _generated().select_related("owner__role", "owner__team")
    owners = {c.owner for c in customers}
    assert len(owners) == 3 + 10  # the demo reps and ten generated ones
    assert all(c.owner.is_active and c.owner.role.code == "rep" and c.team_id == c.owner.team_id for c in customers)
    director = User.objects.get(username="director")
    assert access.scope(director, _generated()).count() == 600
    for rep in owners:
        seen = access.scope(rep, _generated()).count()
        assert seen == sum(1 for c in customers if c.owner_id == rep.pk)
        assert 0 < seen < 600 * 0.3
    managers = User.objects.filter(role__code="manager")
    assert managers.count() >= 5
    for customer in customers[:50]:
        assert any(access.scope(m, _generated()).filter(pk=customer.pk).exists() for m in managers)


def test_revenue_is_concentrated_and_some_big_accounts_cost_a_lot(generated: Any) -> None:
    facts = list(CustomerFacts.objects.filter(customer__in=_generated()).values_list("revenue", "product_cost"))
    revenue = sorted((Decimal(r) for r, _c in facts), reverse=True)
    assert sum(revenue[: SIZE // 5]) > Decimal("0.6") * sum(revenue)
    assert revenue[-1] == 0  # some never bought
    costly = [r for r, c in facts if Decimal(r) > revenue[SIZE // 5] and Decimal(c) > Decimal("0.7") * Decimal(r)]
    assert costly
    statuses = set(Order.objects.filter(customer__in=_generated()).values_list("status", flat=True))
    assert {OrderStatus.RETURNED, OrderStatus.CANCELLED, OrderStatus.DELIVERED} <= statuses


# --- safety --------------------------------------------------------------------------------


def test_refuses_a_database_with_real_customers_unless_forced(org: Any) -> None:
    customer_create(actor=org["rep1"], name="真实客户有限公司")
    with pytest.raises(demo_scale.DemoScaleRefused):
        demo_scale.demo_scale_load(customers=20, seed=1)
    assert not _generated().exists()
    with pytest.raises(CommandError, match="not demo data"):
        call_command("guanxi_demo", customers=20, stdout=StringIO())
    demo_scale.demo_scale_load(customers=20, seed=1, force=True)
    assert _generated().count() == 20


def test_a_second_run_does_nothing_and_another_size_is_refused(generated: Any, now: Any) -> None:
    lines = OrderLine.objects.count()
    again = demo_scale.demo_scale_load(customers=SIZE, seed=7)
    assert (again.created, again.customers) == (0, SIZE)
    assert OrderLine.objects.count() == lines
    with pytest.raises(demo_scale.DemoScaleRefused):
        demo_scale.demo_scale_load(customers=SIZE + 100, seed=7)
    with pytest.raises(demo_scale.DemoScaleRefused):
        demo_scale.demo_scale_load(customers=SIZE, seed=8)


def test_an_interrupted_run_resumes_where_it_stopped(db: Any, now: Any) -> None:
    class Stop(Exception):
        pass

    def stop_after_two(message: str) -> None:
        if message.startswith("100/"):
            raise Stop

    with pytest.raises(Stop):
        demo_scale.demo_scale_load(customers=200, seed=5, now=now, chunk=50, progress=stop_after_two)
    assert _generated().count() == 100
    demo_scale.demo_scale_load(customers=200, seed=5, chunk=50)
    expected = rows.Generator(demo_scale._plan(5, 200, now, User.objects.get(username="demo-generator"))).chunk(0, 200)
    assert sorted(pk.hex for pk in _generated().values_list("pk", flat=True)) == sorted(
        r[0] for r in expected.customers
    )
    assert OrderLine.objects.filter(customer__in=_generated()).count() == len(expected.lines)


def test_the_command_reports_what_it_made(db: Any) -> None:
    out = StringIO()
    call_command("guanxi_demo", customers=30, seed=2, stdout=out)
    assert "Generated 30 customers" in out.getvalue()
    out = StringIO()
    call_command("guanxi_demo", customers=30, seed=2, stdout=out)
    assert "30 generated customers already present" in out.getvalue()


# --- the loader ----------------------------------------------------------------------------


def test_deferred_indexes_are_the_ones_migrations_made_and_come_back(db: Any) -> None:
    models = [model for model, *_rest in demo_scale.TABLES]
    before = {model._meta.db_table: store._existing_indexes(model._meta.db_table) for model in models}
    dropped = store.drop_indexes(models)
    for model in models:
        table = model._meta.db_table
        assert set(dropped[table]) <= before[table], table  # every index the loader manages exists after migrate
        assert not store._existing_indexes(table) & set(dropped[table])
    store.build_indexes(dropped)
    assert {model._meta.db_table: store._existing_indexes(model._meta.db_table) for model in models} == before


def test_table_fills_columns_the_generator_leaves_out_with_defaults(db: Any) -> None:
    table = bulk.Table.of(Customer, rows.CUSTOMER_FIELDS)
    assert set(table.columns) == {field.column for field in Customer._meta.concrete_fields}
    assert len(table.columns) == len(rows.CUSTOMER_FIELDS) + len(table.fixed)
    assert set(rows.SEARCH_FIELDS) <= set(rows.CUSTOMER_FIELDS)
