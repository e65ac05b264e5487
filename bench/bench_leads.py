"""Leads: the duplicate check's quality on the labelled set and its speed in bulk and at entry.

* Quality: pairwise precision and recall of ``duplicate_pairs`` on ``tests/data/dedup_labelled.csv``
  (every pair of records within a cluster is a true pair), for the whole set and separately for the
  even families (the half the thresholds were tuned on) and the odd ones (held out).
* Bulk: ``duplicate_report`` on N generated records (``guanxi.leads.dedup.sample``; 100,000 for
  ``--size full``, 20,000 for ``smoke``): normalising, blocking and comparing, in one process.
* At entry: a ``DedupIndex`` of the same N records, then 2,000 records checked one by one against it
  (what a form or an import row does), half of them new, half entered again under another id; the
  p95 time per check.

* Import (``import_rows_per_s``): N generated leads (100,000 for ``full``, 2,000 for ``smoke``) written
  to a CSV file and imported with ``leads.imports.leads_import`` into the SQLite demo database of
  1,000,000 customers (20,000 for ``smoke``; ``bench/demo_db.py``), in a child process: reading,
  cleaning, the duplicate check against every customer, contact and lead, grading, assignment and the
  inserts. The customers' duplicate-check keys are filled first and timed on their own
  (``dedup_keys_rebuild_s``); the import is rolled back, so the database stays as built.

``guanxi bench leads --size full``. Targets: precision and recall >= 0.95, the bulk check of 100,000
records < 60 s, the import >= 2,000 rows/s.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

SIZES = {"smoke": 20_000, "full": 100_000}
ENTRY_CHECKS = 2_000
LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "dedup_labelled.csv"
IMPORT_SIZES = {"smoke": (20_000, 2_000), "full": (1_000_000, 100_000)}  # (customers in the database, leads)
TARGETS = {"dedup_precision": 0.95, "dedup_recall": 0.95, "dedup_bulk_s": 60.0, "import_rows_per_s": 2_000}


def run(size: str) -> dict[str, Any]:
    quality = labelled_quality()
    bulk = bulk_speed(SIZES[size])
    imported = import_speed(*IMPORT_SIZES[size])
    results = {**quality, **bulk, **imported, "targets": TARGETS}
    misses = [name for name in ("dedup_precision", "dedup_recall") if results[name] < TARGETS[name]]
    if size == "full" and results["dedup_bulk_s"] > TARGETS["dedup_bulk_s"]:
        misses.append("dedup_bulk_s")
    if size == "full" and results["import_rows_per_s"] < TARGETS["import_rows_per_s"]:
        misses.append("import_rows_per_s")
    return {**results, "meets_target": not misses, "misses": misses}


def labelled_quality() -> dict[str, Any]:
    from guanxi.leads.dedup import DedupRecord, duplicate_pairs

    with LABELLED.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    halves: dict[str, Any] = {}
    for half, parities in (("all", {0, 1}), ("tuned_even", {0}), ("held_out_odd", {1})):
        chosen = [row for row in rows if int(row["cluster"][1:6]) % 2 in parities]
        records = [DedupRecord(**{k: v for k, v in row.items() if k != "cluster"}) for row in chosen]
        truth = _true_pairs({row["id"]: row["cluster"] for row in chosen})
        found = {(pair.id_a, pair.id_b) for pair in duplicate_pairs(records)}
        correct = len(found & truth)
        halves[half] = {
            "records": len(records),
            "true_pairs": len(truth),
            "found_pairs": len(found),
            "precision": round(correct / len(found), 4) if found else 1.0,
            "recall": round(correct / len(truth), 4) if truth else 1.0,
        }
    return {
        "dedup_precision": halves["all"]["precision"],
        "dedup_recall": halves["all"]["recall"],
        "labelled": halves,
    }


def _true_pairs(clusters: dict[str, str]) -> set[tuple[str, str]]:
    from guanxi.leads.dedup.scoring import id_order

    members: defaultdict[str, list[str]] = defaultdict(list)
    for identifier, cluster in clusters.items():
        members[cluster].append(identifier)
    pairs = set()
    for ids in members.values():
        for a, b in itertools.combinations(sorted(ids, key=id_order), 2):
            pairs.add((a, b))
    return pairs


def bulk_speed(count: int) -> dict[str, Any]:
    from guanxi.leads.dedup import DedupIndex, duplicate_report
    from guanxi.leads.dedup.sample import synthetic_records

    records = list(synthetic_records(count, seed=7))
    started = time.perf_counter()
    report = duplicate_report(records)
    bulk = time.perf_counter() - started

    started = time.perf_counter()
    index = DedupIndex.build(records)
    build = time.perf_counter() - started
    # Half new people and companies, half records entered again under a new id (each finds its twin).
    again = [replace(record, id=f"again-{record.id}") for record in records[:: max(1, count // (ENTRY_CHECKS // 2))]]
    incoming = list(synthetic_records(ENTRY_CHECKS - len(again), seed=8)) + again
    timings = []
    found = 0
    for record in incoming:
        one = time.perf_counter()
        found += bool(index.candidates(record))
        timings.append(time.perf_counter() - one)
    return {
        "dedup_records": count,
        "dedup_bulk_s": round(bulk, 2),
        "dedup_records_per_s": round(count / bulk),
        "dedup_pairs_compared": report.compared,
        "dedup_pairs_per_s": round(report.compared / bulk),
        "dedup_pairs_found": len(report.pairs),
        "dedup_blocks_skipped": len(report.dropped_keys),
        "index_build_s": round(build, 2),
        "entry_checks": len(incoming),
        "entry_checks_with_candidates": found,
        "entry_check_per_s": round(len(incoming) / sum(timings)),
        "entry_check_p95_ms": round(statistics.quantiles(timings, n=20)[18] * 1000, 3),
    }


# --- the import, in a child process on a demo database -------------------------------------


def import_speed(customers: int, leads: int) -> dict[str, Any]:
    from bench.demo_db import demo_database

    with demo_database("sqlite", customers=customers) as env:
        child_env = os.environ | env | {"DJANGO_SETTINGS_MODULE": "guanxi.settings"}
        if "SECRET_KEY" not in child_env:
            child_env.setdefault("GUANXI_DEBUG", "1")
        done = subprocess.run(  # noqa: S603 -- our own interpreter and file
            [sys.executable, __file__, "--import", str(leads)],
            env=child_env,
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"leads import bench child failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"import_customers": customers, **result}


def measure_import(count: int) -> dict[str, Any]:
    import tempfile

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    django.setup()
    from django.db import transaction

    from guanxi.accounts.models import User
    from guanxi.customers.models import Customer
    from guanxi.leads import services
    from guanxi.leads.dedup.sample import synthetic_records
    from guanxi.leads.duplicates import dedup_keys_rebuild
    from guanxi.leads.imports import leads_import
    from guanxi.leads.models import Channel, DedupKey

    started = time.perf_counter()
    keys = dedup_keys_rebuild()
    rebuild = time.perf_counter() - started
    admin = User.objects.filter(is_active=True, role__code="admin", is_system=False).order_by("pk").first()
    if admin is None:
        raise RuntimeError("the demo database has no administrator")
    with tempfile.TemporaryDirectory(prefix="guanxi-bench-leads-") as folder:
        path = Path(folder) / "leads.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["姓名", "公司", "电话", "邮箱", "城市"])
            for record in synthetic_records(count, seed=11):
                writer.writerow([record.name, record.company, record.phone, record.email, record.city])
        with transaction.atomic():
            channel = Channel.objects.filter(is_active=True).order_by("name").first() or services.channel_create(
                actor=admin, name="bench import", kind="paid"
            )
            started = time.perf_counter()
            with path.open("rb") as upload:
                report = leads_import(actor=admin, channel=channel, upload=upload, file_name="leads.csv")
            seconds = time.perf_counter() - started
            transaction.set_rollback(True)  # the benchmark database stays as built
    return {
        "dedup_keys_rebuild_s": round(rebuild, 2),
        "dedup_keys": keys,
        "dedup_keys_total": DedupKey.objects.count(),
        "customers_in_db": Customer.objects.count(),
        "import_rows": report.rows,
        "import_created": report.created,
        "import_rejected": report.rejected,
        "import_duplicates_flagged": report.duplicates,
        "import_s": round(seconds, 2),
        "import_rows_per_s": round(report.rows / seconds),
    }


if __name__ == "__main__" and sys.argv[1:2] == ["--import"]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    print(json.dumps(measure_import(int(sys.argv[2])), default=str))
