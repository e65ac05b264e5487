"""Leads: the duplicate check's quality on the labelled set and its speed in bulk and at entry.

* Quality: pairwise precision and recall of ``duplicate_pairs`` on ``tests/data/dedup_labelled.csv``
  (every pair of records within a cluster is a true pair), for the whole set and separately for the
  even families (the half the thresholds were tuned on) and the odd ones (held out).
* Bulk: ``duplicate_report`` on N generated records (``guanxi.leads.dedup.sample``; 100,000 for
  ``--size full``, 20,000 for ``smoke``): normalising, blocking and comparing, in one process.
* At entry: a ``DedupIndex`` of the same N records, then 2,000 records checked one by one against it
  (what a form or an import row does), half of them new, half entered again under another id; the
  p95 time per check.

Pure Python, no database: ``guanxi bench leads --size full``. Targets: precision and recall >= 0.95,
the bulk check of 100,000 records < 60 s. The import figure (``import_rows_per_s``: 100,000 leads
checked against 1,000,000 customers on SQLite) belongs to the import and is added there.
"""

from __future__ import annotations

import csv
import itertools
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

SIZES = {"smoke": 20_000, "full": 100_000}
ENTRY_CHECKS = 2_000
LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "dedup_labelled.csv"
TARGETS = {"dedup_precision": 0.95, "dedup_recall": 0.95, "dedup_bulk_s": 60.0}


def run(size: str) -> dict[str, Any]:
    quality = labelled_quality()
    bulk = bulk_speed(SIZES[size])
    results = {**quality, **bulk, "targets": TARGETS}
    misses = [name for name in ("dedup_precision", "dedup_recall") if results[name] < TARGETS[name]]
    if size == "full" and results["dedup_bulk_s"] > TARGETS["dedup_bulk_s"]:
        misses.append("dedup_bulk_s")
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
