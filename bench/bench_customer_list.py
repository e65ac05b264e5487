"""Customer list and search through the API at two table sizes, in one run.

The ratio large/small is the figure that matters (these machines are shared and noisy):
keyset pagination and indexed scope filters should keep it near 1 for first and deep pages.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from datetime import timedelta
from typing import Any

SIZES = {"smoke": (1_000, 20_000), "full": (10_000, 1_000_000)}
REPEATS = {"smoke": 15, "full": 30}


def _seed(count: int, owners: list[Any]) -> None:
    from django.utils import timezone

    from guanxi.core.normalise import name_pinyin
    from guanxi.customers.models import Customer

    now = timezone.now()
    rng = random.Random(count)
    batch = []
    for index in range(count):
        created = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
        owner = owners[index % len(owners)]
        name = f"客户{uuid.uuid4().hex[:8]}有限公司"
        full, initials = name_pinyin(name)
        batch.append(
            Customer(
                name=name,
                phone=f"138{index:08d}"[:11],
                phone_e164=f"+86138{index:08d}"[:14],
                name_pinyin=full,
                name_initials=initials,
                owner=owner,
                team_id=owner.team_id,
                created_by=owner,
                updated_by=owner,
                created_at=created,
                updated_at=created,
            )
        )
        if len(batch) == 5000:
            Customer.objects.bulk_create(batch)
            batch = []
    Customer.objects.bulk_create(batch)


def _timed(client: Any, path: str, headers: dict[str, str], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path, **headers)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:200]
    return statistics.median(samples) * 1000


def _measure(client: Any, users: dict[str, Any], repeats: int) -> dict[str, float]:
    from guanxi.accounts.services import token_issue

    figures = {}
    for username in ("rep1", "manager1", "director"):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(actor=users[username], name='bench').raw}"}
        first = client.get("/api/v1/customers?limit=50", **headers).json()
        figures[f"{username}_first_page_ms"] = _timed(client, "/api/v1/customers?limit=50", headers, repeats)
        deep = f"/api/v1/customers?limit=50&cursor={first['next_cursor']}"
        figures[f"{username}_next_page_ms"] = _timed(client, deep, headers, repeats)
        figures[f"{username}_search_pinyin_ms"] = _timed(client, "/api/v1/customers?q=kehu&limit=20", headers, repeats)
    return figures


def run(size: str) -> dict[str, Any]:
    from bench import django_env

    django_env.setup()
    from django.test import Client

    from guanxi.accounts.models import User
    from guanxi.web.demo import demo_load

    demo_load()
    users = {u.username: u for u in User.objects.filter(username__in=["rep1", "rep2", "rep3", "manager1", "director"])}
    owners = [users["rep1"], users["rep2"], users["rep3"]]
    small, large = SIZES[size]
    client = Client()
    _seed(small, owners)
    at_small = _measure(client, users, REPEATS[size])
    _seed(large - small, owners)
    at_large = _measure(client, users, REPEATS[size])
    ratios = {key: round(at_large[key] / at_small[key], 2) for key in at_small}
    return {
        "rows": {"small": small, "large": large},
        "median_ms_small": {k: round(v, 2) for k, v in at_small.items()},
        "median_ms_large": {k: round(v, 2) for k, v in at_large.items()},
        "ratio_large_over_small": ratios,
    }
