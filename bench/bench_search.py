"""Customer search at scale, through the API's selector (``customers.selectors.customer_page``).

For each backend (SQLite, then PostgreSQL on a throwaway server) a database of N demo customers is
built once under ``var/bench/`` by the demo generator (``bench/demo_db.py``) and reused. A child
process per backend times page 1 of searches a user really types — a piece of a company name, a
person's name, pinyin, pinyin initials, a phone number in display format and its last digits —
for a rep, a manager and the director, and the unsearched first page as the same-run baseline.

``guanxi bench search --customers 1000000`` (default: 20,000 for ``--size smoke``, 1,000,000 for
``--size full``). Acceptance: p95 <= 30 ms per query kind "name", "initials" and "phone".
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SIZES = {"smoke": 20_000, "full": 1_000_000}
REPEATS = {"smoke": 10, "full": 20}
ACTORS = ("rep1", "manager1", "director")
TERMS_PER_KIND = 6
TARGET_P95_MS = 30.0
SEED = 20261124


def run(size: str, customers: int | None = None) -> dict[str, Any]:
    from bench.demo_db import demo_database

    count = customers or SIZES[size]
    runs: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    for backend in ("sqlite", "postgres"):
        with demo_database(backend, customers=count) as env:
            result = _child(env, REPEATS[size])
        for kind, figures in result["kinds"].items():
            runs.append({"backend": backend, "customers": count, "kind": kind, **figures})
        cases += [{"backend": backend, "customers": count, **case} for case in result["cases"]]
    failing = [r for r in runs if r["kind"] in {"name", "initials", "phone"} and r["p95_ms"] > TARGET_P95_MS]
    return {"runs": runs, "target_p95_ms": TARGET_P95_MS, "meets_target": not failing, "cases": cases}


def _child(env: dict[str, str], repeats: int) -> dict[str, Any]:
    """Measure in a fresh interpreter: Django is set up once per process, and per backend here."""
    command = [sys.executable, __file__, "--measure", str(repeats)]
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(  # noqa: S603 -- our own interpreter and file
        command, env=os.environ | env, cwd=root, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"search bench child failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the child ------------------------------------------------------------------------------


def _terms(rng: random.Random) -> dict[str, list[str]]:
    """Search terms taken from the data itself, the way users type them."""
    from guanxi.customers.models import Customer

    # Random keys make the first rows by key a random sample, without ORDER BY RANDOM() over a million rows.
    sample = list(
        Customer.objects.order_by("pk").values("name", "name_pinyin", "name_initials", "phone", "phone_e164", "kind")[
            :400
        ]
    )
    orgs = [row for row in sample if row["kind"] == "organisation" and len(row["name"]) >= 6]
    people = [row for row in sample if row["kind"] == "individual"]
    phones = [row for row in sample if row["phone_e164"]]
    rng.shuffle(orgs)
    rng.shuffle(people)
    rng.shuffle(phones)
    n = TERMS_PER_KIND
    return {
        # a piece of a company name (2–4 characters after the city) and a person's full name
        "name": [row["name"][2 : 2 + rng.choice((2, 3, 4))] for row in orgs[: n // 2]]
        + [row["name"] for row in people[: n - n // 2]],
        "pinyin": [row["name_pinyin"][: rng.choice((5, 8))] for row in people[:n]],
        "initials": [row["name_initials"][: rng.choice((2, 3, 4))] for row in people[: n // 2] + orgs[: n - n // 2]],
        "phone": [row["phone"] for row in phones[: n // 2]] + [row["phone_e164"][-4:] for row in phones[n // 2 : n]],
    }


def _time(call: Any, repeats: int) -> list[float]:
    call()  # warm-up
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(repeats: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    django.setup()
    from django.db import connection

    from guanxi.accounts.models import User
    from guanxi.customers.models import Customer
    from guanxi.customers.selectors import customer_page

    rng = random.Random(SEED)
    terms = _terms(rng)
    users = {user.username: user for user in User.objects.filter(username__in=ACTORS).select_related("role", "team")}
    by_kind: dict[str, list[float]] = {kind: [] for kind in terms}
    by_kind["baseline"] = []
    cases = []
    plan = [(kind, term, actor) for kind, values in terms.items() for term in values for actor in ACTORS]
    plan += [("baseline", "", actor) for actor in ACTORS]
    rng.shuffle(plan)  # spread background noise over every case
    for kind, term, actor in plan:
        user = users[actor]

        def page(user: User = user, term: str = term) -> list[Any]:
            return list(customer_page(actor=user, q=term, limit=20)["items"])

        hits = len(page())
        timings = _time(page, repeats)
        by_kind[kind] += timings
        cases.append(
            {
                "kind": kind,
                "term": term,
                "actor": actor,
                "hits_on_page": hits,
                "p50_ms": round(statistics.median(timings), 2),
                "p95_ms": round(_p95(timings), 2),
            }
        )
    baseline = statistics.median(by_kind["baseline"])
    kinds = {
        kind: {
            "queries": len(values),
            "p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(_p95(values), 2),
            "ratio_p50_over_list": round(statistics.median(values) / baseline, 2),
        }
        for kind, values in by_kind.items()
    }
    return {"vendor": connection.vendor, "customers": Customer.objects.count(), "kinds": kinds, "cases": cases}


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--measure":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    print(json.dumps(measure(int(sys.argv[2])), ensure_ascii=False))
