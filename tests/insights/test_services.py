"""The value engine on real records: profit after cost to serve, RFM, classes, CLV, the run record."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.contracts.models import Order, OrderStatus
from guanxi.contracts.services import LineIn, order_create, order_set_status
from guanxi.customers.models import Customer
from guanxi.customers.services import customer_create, interaction_log
from guanxi.insights import services
from guanxi.insights.models import CustomerValue, RunStatus, ValueClassChoice
from guanxi.sales.services import product_create
from tests.conftest import Org
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)  # the period: 2025-07-01 .. 2026-06-30; the one before: 2024-07-01 .. 2025-06-30


def _product(org: Org) -> Any:
    return product_create(
        actor=org["admin"], code="P-1", name="机床配件", unit="件", list_price=Decimal("100"), unit_cost=Decimal("60")
    )


def _order(
    org: Org, customer: Customer, product: Any, day: date, quantity: int, discount: str = "0", status: str = ""
) -> None:
    line = LineIn(product_id=product.pk, quantity=Decimal(quantity), discount_rate=Decimal(discount))
    order = order_create(actor=org["rep1"], customer=customer, ordered_on=day, lines=[line])
    if status:
        order_set_status(actor=org["rep1"], order=order, version=order.version, status=status)


def _touch(org: Org, customer: Customer, channel: str, times: int, day: date = date(2026, 3, 1)) -> None:
    for i in range(times):
        when = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC) + timedelta(hours=i)
        interaction_log(
            actor=org["rep1"],
            customer=customer,
            channel=channel,
            direction="outbound",
            summary="跟进",
            occurred_at=when,
        )


def _run() -> Any:
    return services.value_recompute(run=services.value_run_start(as_of=AS_OF))


def test_profit_after_cost_to_serve_shows_the_big_costly_customer_losing_money(org: Org) -> None:
    product = _product(org)
    rep1 = org["rep1"]
    big = customer_create(actor=rep1, name="大而贵集团")
    quiet = customer_create(actor=rep1, name="小而美商行")
    prospect = customer_create(actor=rep1, name="只聊不买公司")
    lapsed = customer_create(actor=rep1, name="去年的客户")
    for month in range(1, 11):  # ten orders of 10 at 20 % off: 800 revenue, 600 cost, 200 discount each
        _order(org, big, product, date(2025, 7 + month // 7, 1 + month), 10, "0.2")
    for day in (date(2025, 9, 1), date(2026, 1, 5), date(2026, 5, 20)):  # three orders of 5 at list price
        _order(org, quiet, product, day, 5)
    _order(org, big, product, date(2026, 2, 1), 10, "0.2", status=OrderStatus.RETURNED)
    _order(org, big, product, date(2026, 2, 2), 10, "0.2", status=OrderStatus.RETURNED)
    _order(org, lapsed, product, date(2024, 12, 1), 10)  # previous period only
    _order(org, quiet, product, date(2026, 7, 15), 50)  # after as_of: not counted
    _touch(org, big, "meeting", 10)
    _touch(org, big, "phone", 20)
    _touch(org, quiet, "phone", 2)
    _touch(org, prospect, "phone", 1)

    run = _run()
    assert run.status == RunStatus.DONE
    big_value = CustomerValue.objects.get(customer=big)
    assert big_value.revenue == Decimal("8000.00")
    assert big_value.product_cost == Decimal("6000.00")
    assert big_value.discount == Decimal("2000.00")
    assert big_value.gross_margin == Decimal("2000.00")
    assert big_value.interaction_cost == Decimal("2160.00")  # 10 meetings x 200 + 20 calls x 8
    assert big_value.returns == 2
    assert big_value.return_cost == Decimal("160.00")
    assert big_value.cost_to_serve == Decimal("2320.00")
    assert big_value.profit == Decimal("-320.00")
    assert big_value.orders == 10
    quiet_value = CustomerValue.objects.get(customer=quiet)
    assert quiet_value.revenue == Decimal("1500.00")
    assert quiet_value.profit == Decimal("584.00")  # 600 margin - 2 calls
    assert quiet_value.margin == Decimal("0.3893")
    assert quiet_value.recency_days == 41  # last purchase 2026-05-20
    assert quiet_value.profit_rank == 1
    prospect_value = CustomerValue.objects.get(customer=prospect)
    assert prospect_value.revenue == 0
    assert prospect_value.profit == Decimal("-8.00")
    assert prospect_value.recency_days is None
    assert (prospect_value.rfm_recency, prospect_value.rfm_frequency, prospect_value.rfm_monetary) == (0, 0, 0)
    lapsed_value = CustomerValue.objects.get(customer=lapsed)
    assert lapsed_value.revenue == 0
    assert lapsed_value.previous_revenue == Decimal("1000.00")
    assert lapsed_value.rfm_recency == 1  # bought, long ago
    assert run.results["total_revenue"] == 9500.0
    assert run.results["not_available_yet"] == ["visit_cost", "ticket_cost", "financing_cost"]
    assert run.parameters["period_start"] == "2025-07-01"


def test_value_classes_name_the_loss_makers_and_the_profit_makers(org: Org) -> None:
    product = _product(org)
    rep1 = org["rep1"]
    earners = [customer_create(actor=rep1, name=f"赚钱客户{i}") for i in range(3)]
    loser = customer_create(actor=rep1, name="亏钱客户")
    for i, customer in enumerate(earners):
        _order(org, customer, product, date(2026, 1, 10 + i), 10 * (i + 1))
    _touch(org, loser, "meeting", 5)
    run = _run()
    values = {v.customer_id: v for v in CustomerValue.objects.filter(run=run)}
    assert values[loser.pk].value_class == ValueClassChoice.NEGATIVE
    assert values[earners[2].pk].value_class == ValueClassChoice.MOST_VALUABLE
    assert run.results["classes"]["negative"] == 1
    assert run.results["pareto"]["destroyers"] == 1


def _customer_base(org: Org, *, alike_spend: bool = False) -> None:
    """Three years of purchases by 400 customers, each with their own rhythm, loyalty and spend level.

    The BG/NBD story: a customer buys at their own rate and may drop out after any purchase, with
    their own probability.
    """
    rng = random.Random(5)
    rep1 = org["rep1"]
    customers = [CustomerFactory(owner=rep1, name=f"客户{i:04d}") for i in range(400)]
    orders = []
    for i, customer in enumerate(customers):
        first = AS_OF - timedelta(days=rng.randint(60, 1000))
        rate = rng.gammavariate(0.8, 0.04)  # purchases per day while active
        drop = rng.betavariate(1.0, 4.0)  # the chance of leaving after each purchase
        level = 275 if alike_spend else rng.gammavariate(3, 100)  # the customer's usual order size
        day, n, active = first, 0, True
        while active and day <= AS_OF:
            amount = Decimal("275.00") if alike_spend else Decimal(round(rng.gammavariate(8, level / 8), 2))
            orders.append(
                Order(
                    customer=customer,
                    number=f"N{i}-{n}",
                    ordered_on=day,
                    status=OrderStatus.DELIVERED,
                    amount=amount,
                    cost=amount * Decimal("0.6"),
                    created_by=rep1,
                    updated_by=rep1,
                )
            )
            n += 1
            active = rng.random() >= drop
            day += timedelta(days=max(1, int(rng.expovariate(rate))))
    Order.objects.bulk_create(orders)


def test_lifetime_value_is_fitted_on_a_real_customer_base(org: Org) -> None:
    """BG/NBD and Gamma-Gamma fit on 400 customers, and the figures make sense."""
    _customer_base(org)
    run = _run()
    clv = run.results["clv"]
    assert clv["fitted"] is True, clv
    assert clv["spend"]["model"] == "gamma_gamma", clv
    assert clv["buyers"] == 400
    values = list(CustomerValue.objects.filter(run=run))
    assert all(v.p_alive is not None and 0 <= v.p_alive <= 1 for v in values)
    assert all(v.future_value >= 0 for v in values)
    assert all(v.lifetime_value == v.profit + v.future_value for v in values)
    recent = [v for v in values if v.recency_days is not None and v.recency_days <= 30]
    lapsed = [v for v in values if v.recency_days is not None and v.recency_days >= 400]
    assert recent
    assert lapsed
    mean = lambda rows: sum(float(v.p_alive or 0) for v in rows) / len(rows)  # noqa: E731
    assert mean(recent) > mean(lapsed) + 0.2


def test_a_base_too_small_to_fit_still_gets_its_profit_and_says_why_there_is_no_clv(org: Org) -> None:
    product = _product(org)
    customer = customer_create(actor=org["rep1"], name="唯一客户")
    _order(org, customer, product, date(2026, 1, 1), 3)
    run = _run()
    assert run.status == RunStatus.DONE
    assert run.results["clv"]["fitted"] is False
    assert run.results["clv"]["reason"]
    value = CustomerValue.objects.get(customer=customer)
    assert value.profit == Decimal("120.00")
    assert value.future_value == 0


def test_a_second_run_replaces_the_figures_and_keeps_one_row_per_customer(org: Org) -> None:
    product = _product(org)
    customer = customer_create(actor=org["rep1"], name="复算客户")
    _order(org, customer, product, date(2026, 1, 1), 1)
    first = _run()
    _order(org, customer, product, date(2026, 2, 1), 1)
    second = _run()
    assert CustomerValue.objects.filter(customer=customer).count() == 1
    value = CustomerValue.objects.get(customer=customer)
    assert value.run_id == second.pk != first.pk
    assert value.revenue == Decimal("200.00")
    assert second.progress == 100
    assert set(second.results["timings_s"]) >= {"read", "profit", "write"}


def test_months_before_handles_short_months() -> None:
    assert services.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert services.months_before(date(2026, 6, 30), 12) == date(2025, 6, 30)
    assert services.months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)


def test_the_nightly_task_recomputes_as_of_today(org: Org) -> None:
    from guanxi.insights import tasks

    customer = customer_create(actor=org["rep1"], name="夜间客户")
    tasks.value_recompute_nightly.call_local()
    value = CustomerValue.objects.get(customer=customer)
    assert value.as_of == timezone.localdate()
    assert value.run is not None
    assert value.run.status == RunStatus.DONE


def test_customers_whose_key_ends_in_zero_bytes_keep_their_figures(org: Org) -> None:
    """numpy drops trailing NUL bytes of byte strings: keys are rebuilt from the raw buffer."""
    import uuid

    product = _product(org)
    keys = [uuid.UUID("12345678-1234-5678-1234-567812345600"), uuid.UUID("00000000-0000-4000-8000-000000000000")]
    for number, key in enumerate(keys):
        customer = CustomerFactory(id=key, owner=org["rep1"], name=f"零字节客户{number}")
        _order(org, customer, product, date(2026, 1, 1 + number), 2)
    _run()
    assert {v.customer_id: v.revenue for v in CustomerValue.objects.filter(customer_id__in=keys)} == {
        keys[0]: Decimal("200.00"),
        keys[1]: Decimal("200.00"),
    }


def test_spend_too_alike_for_gamma_gamma_falls_back_to_each_customers_average(org: Org) -> None:
    _customer_base(org, alike_spend=True)  # every order is 275.00: nothing for Gamma-Gamma to tell apart
    run = _run()
    clv = run.results["clv"]
    assert clv["fitted"] is True, clv
    assert clv["spend"]["model"] == "observed_average"
    assert clv["spend"]["reason"]
    assert clv["spend"]["population_average"] == pytest.approx(275.0)
    values = CustomerValue.objects.filter(run=run)
    assert all(v.future_value >= 0 for v in values)
    assert any(v.future_value > 0 for v in values)


def test_a_merge_drops_the_absorbed_customers_figures_and_keeps_the_survivors(org: Org) -> None:
    from guanxi.customers.services import customer_merge

    product = _product(org)
    survivor = customer_create(actor=org["rep1"], name="合并后客户")
    absorbed = customer_create(actor=org["rep1"], name="被合并客户")
    _order(org, survivor, product, date(2026, 1, 1), 1)
    _order(org, absorbed, product, date(2026, 2, 1), 2)
    _run()
    survivor.refresh_from_db()
    absorbed.refresh_from_db()
    customer_merge(
        actor=org["rep1"],
        survivor=survivor,
        absorbed=absorbed,
        version=survivor.version,
        other_version=absorbed.version,
    )
    assert not CustomerValue.objects.filter(customer_id=absorbed.pk).exists()
    assert CustomerValue.objects.get(customer=survivor).revenue == Decimal("100.00")  # until the next run
    _run()
    assert CustomerValue.objects.get(customer=survivor).revenue == Decimal("300.00")
