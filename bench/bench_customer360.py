"""The 360° customer page: server time of the page and each of its lazy panels, long history vs short.

A customer with 5,000 interactions, a few dozen contacts with changed and ended posts, hundreds of
profile changes, about 150 orders (some returned or cancelled), tags and a two-hop relationship
network, among other customers whose rows fill the same tables. The same pages of a customer
with 10 interactions are timed in the same rounds (interleaved), so the ratio long/short is
meaningful on a shared, noisy machine: keyset reads should keep it near 1.

The database is built under ``var/bench/customer360-<size>-<pid>/`` (or in ``DATABASE_URL`` when
given) and removed afterwards; the user's database is never touched. Server time is measured
in-process with Django's test client, so it includes middleware, sessions, queries and templates.
Acceptance: p95 <= 100 ms for the page and for every panel.
"""

from __future__ import annotations

import atexit
import os
import random
import shutil
import statistics
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

BIG_INTERACTIONS = 5_000
NOISE = {"smoke": (200, 40), "full": (2_000, 100)}  # other customers, interactions each
REPEATS = {"smoke": 60, "full": 200}
WARMUP = 5
TARGET_P95_MS = 100.0
SEED = 360


def _scratch(size: str) -> None:
    """A var/ of our own under var/bench/, unless the caller chose a database with DATABASE_URL."""
    if "DATABASE_URL" in os.environ:
        return
    root = Path(__file__).resolve().parents[1] / "var" / "bench" / f"customer360-{size}-{os.getpid()}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    os.environ["GUANXI_VAR_DIR"] = str(root)


# --- data ------------------------------------------------------------------------------------


def _interactions(customer: Any, user: Any, count: int, rng: random.Random, contacts: list[Any]) -> None:
    from django.utils import timezone

    from guanxi.customers.models import Channel, Direction, Interaction, Outcome

    now = timezone.now()
    channels, directions, outcomes = Channel.values, Direction.values, [*Outcome.values, ""]
    rows = [
        Interaction(
            customer=customer,
            contact=rng.choice(contacts) if contacts and rng.random() < 0.7 else None,
            channel=rng.choice(channels),
            direction=rng.choice(directions),
            outcome=rng.choice(outcomes),
            occurred_at=now - timedelta(seconds=rng.randrange(1, 3 * 365 * 86400)),
            summary=f"第{n}次沟通：客户关心交期与价格，约定下周回访。",
            next_step="回访" if rng.random() < 0.3 else "",
            created_by=user,
            updated_by=user,
        )
        for n in range(count)
    ]
    Interaction.objects.bulk_create(rows, batch_size=2000)


def _history(customer: Any, rep: Any, products: list[Any], rng: random.Random, scale: int) -> None:
    """Contacts with posts, profile changes, orders, tags and relationships through the services."""
    from django.utils import timezone

    from guanxi.contracts.models import OrderStatus
    from guanxi.contracts.services import LineIn, order_create, order_set_status
    from guanxi.customers import services
    from guanxi.customers.models import Customer, Position, Tag, TagGroup

    today = timezone.localdate()
    for n in range(scale * 3):
        contact = services.contact_create(
            actor=rep,
            customer=customer,
            name=f"联系人{n:03d}",
            started_on=today - timedelta(days=rng.randrange(300, 2000)),
            post={"title": rng.choice(["采购经理", "技术总监", "财务主管", "IT 专员"])},
        )
        post = Position.objects.get(contact=contact)
        if n % 3 == 1:
            services.position_change(
                actor=rep, position=post, changed_on=today - timedelta(days=rng.randrange(1, 290)), title="高级经理"
            )
        elif n % 3 == 2:
            services.position_end(actor=rep, position=post, ended_on=today - timedelta(days=rng.randrange(1, 290)))
    for n in range(scale * 20):
        customer = Customer.objects.get(pk=customer.pk)
        services.customer_update(actor=rep, customer=customer, version=customer.version, notes=f"第{n}次更新备注")
    for n in range(scale * 15):
        lines = [LineIn(product_id=p.pk, quantity=Decimal(rng.randrange(1, 5))) for p in rng.sample(products, 2)]
        order = order_create(
            actor=rep, customer=customer, ordered_on=today - timedelta(days=rng.randrange(1, 1000)), lines=lines
        )
        if n % 10 == 0:
            order_set_status(actor=rep, order=order, version=order.version, status=OrderStatus.RETURNED)
    group = TagGroup.objects.get_or_create(name="基准")[0]
    for n in range(min(scale, 5)):
        services.customer_tag_add(
            actor=rep, customer=customer, tag=Tag.objects.get_or_create(group=group, name=f"标签{n}")[0]
        )
    partners = [services.customer_create(actor=rep, name=f"{customer.name}伙伴{n}") for n in range(scale + 1)]
    for n, partner in enumerate(partners):
        services.relationship_create(actor=rep, from_customer=customer, to_customer=partner, kind="partner")
        second = services.customer_create(actor=rep, name=f"{customer.name}伙伴{n}的子公司")
        services.relationship_create(actor=rep, from_customer=partner, to_customer=second, kind="parent_of")


def _noise(users: list[Any], size: str, rng: random.Random) -> None:
    """Other customers' interactions and audit rows in the same tables and indexes."""
    from guanxi.customers import services

    customers, each = NOISE[size]
    for n in range(customers):
        owner = users[n % len(users)]
        other = services.customer_create(actor=owner, name=f"其他客户{n:05d}有限公司")
        _interactions(other, owner, each, rng, [])


def _build(size: str) -> dict[str, Any]:
    from guanxi.accounts.models import User
    from guanxi.customers import services
    from guanxi.customers.models import Contact
    from guanxi.sales.models import Product
    from guanxi.web.demo import demo_load

    demo_load()
    rng = random.Random(SEED)
    users = {u.username: u for u in User.objects.filter(username__in=["rep1", "rep2", "rep3"])}
    products = list(Product.objects.all())
    rep = users["rep1"]
    _noise(list(users.values()), size, rng)
    big = services.customer_create(actor=rep, name="基准大客户集团有限公司", phone="13900139000")
    small = services.customer_create(actor=rep, name="基准小客户有限公司", phone="13900139001")
    _history(big, rep, products, rng, scale=10)
    _history(small, rep, products, rng, scale=1)
    for customer, count in ((big, BIG_INTERACTIONS), (small, 10)):
        contacts = list(Contact.objects.filter(positions__customer=customer))
        _interactions(customer, rep, count, rng, contacts)
    services.customer_facts_refresh(customer_ids=[big.pk, small.pk])
    return {"rep": rep, "big": big, "small": small}


# --- measuring -------------------------------------------------------------------------------


def _urls(client: Any, customer: Any) -> dict[str, str]:
    import re

    base = f"/customers/{customer.pk}/"
    first = client.get(f"{base}timeline/").content.decode()
    cursor = re.search(r'hx-get="[^"]*\?cursor=([^"]+)"', first)
    urls = {
        "page": base,
        "timeline": f"{base}timeline/",
        "contacts": f"{base}contacts/",
        "interactions": f"{base}interactions/",
        "network": f"{base}network/",
    }
    if cursor:
        urls["timeline_page2"] = f"{base}timeline/?cursor={cursor.group(1)}"
    return urls


def _figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2), "max_ms": round(ordered[-1], 2)}


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def _measure(client: Any, customers: dict[str, Any], repeats: int) -> dict[str, dict[str, Any]]:
    urls = {label: _urls(client, customer) for label, customer in customers.items()}
    names = [name for name in urls["big"] if name in urls["small"]] + [
        name for name in urls["big"] if name not in urls["small"]
    ]
    samples: dict[str, dict[str, list[float]]] = {label: {name: [] for name in urls[label]} for label in urls}
    for round_ in range(WARMUP + repeats):
        for name in names:
            for label in ("big", "small"):  # interleaved: both see the same machine load
                url = urls[label].get(name)
                if url is None:
                    continue
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (url, response.status_code)
                if round_ >= WARMUP:
                    samples[label][name].append(elapsed)
    return {
        label: {
            name: _figures(values) | {"queries": _queries(client, urls[label][name])}
            for name, values in by_name.items()
        }
        for label, by_name in samples.items()
    }


def run(size: str) -> dict[str, Any]:
    _scratch(size)
    from bench import django_env

    django_env.setup()
    from django.test import Client

    from guanxi.contracts.models import Order
    from guanxi.core.models import AuditEntry
    from guanxi.core.records import record_type_label
    from guanxi.customers.models import Interaction, Position

    built = _build(size)
    big = built["big"]
    client = Client()
    client.force_login(built["rep"], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    measured = _measure(client, {"big": big, "small": built["small"]}, REPEATS[size])
    worst = max(measured["big"].values(), key=lambda figures: figures["p95_ms"])
    return {
        "customer": {
            "interactions": Interaction.objects.filter(customer=big).count(),
            "posts": Position.objects.filter(customer=big).count(),
            "audit_entries": AuditEntry.objects.filter(
                record_type=record_type_label(big), record_id=str(big.pk)
            ).count(),
            "orders": Order.objects.filter(customer=big).count(),
        },
        "tables": {"interactions": Interaction.objects.count(), "audit_entries": AuditEntry.objects.count()},
        "repeats": REPEATS[size],
        "p50_ms": measured["big"]["page"]["p50_ms"],
        "p95_ms": measured["big"]["page"]["p95_ms"],
        "worst_panel_p95_ms": worst["p95_ms"],
        "requests": measured["big"],
        "baseline_10_interactions": measured["small"],
        "ratio_p50_big_over_small": {
            name: round(figures["p50_ms"] / measured["small"][name]["p50_ms"], 2)
            for name, figures in measured["big"].items()
            if name in measured["small"]
        },
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": all(figures["p95_ms"] <= TARGET_P95_MS for figures in measured["big"].values()),
    }
