"""Duplicate check in bulk and at entry, and its quality on the labelled set."""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from pathlib import Path

from guanxi.leads.dedup import DedupIndex, DedupRecord, duplicate_pairs, duplicate_report
from guanxi.leads.dedup.sample import labelled_records
from guanxi.leads.dedup.scoring import id_order

LABELLED = Path(__file__).resolve().parents[1] / "data" / "dedup_labelled.csv"


def _labelled() -> tuple[list[DedupRecord], dict[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = [DedupRecord(**{k: v for k, v in row.items() if k != "cluster"}) for row in rows]
    return records, {row["id"]: row["cluster"] for row in rows}


def _true_pairs(clusters: dict[str, str]) -> set[tuple[str, str]]:
    members: defaultdict[str, list[str]] = defaultdict(list)
    for identifier, cluster in clusters.items():
        members[cluster].append(identifier)
    return {tuple(sorted(pair, key=id_order)) for ids in members.values() for pair in itertools.combinations(ids, 2)}


def test_labelled_set_has_the_promised_shape() -> None:
    records, clusters = _labelled()
    sizes = defaultdict(int)
    for cluster in clusters.values():
        sizes[cluster] += 1
    assert len(records) >= 600
    assert set(sizes.values()) == {1, 2, 3, 4, 5}
    assert sum(1 for c in clusters.values() if sizes[c] == 1) / len(records) >= 0.40


def test_labelled_set_is_what_the_generator_writes() -> None:
    records, clusters = _labelled()
    generated = labelled_records()
    assert [item.record for item in generated] == records
    assert [item.cluster for item in generated] == [clusters[r.id] for r in records]


def test_precision_and_recall_on_the_labelled_set_are_at_least_95_percent() -> None:
    records, clusters = _labelled()
    truth = _true_pairs(clusters)
    found = {(pair.id_a, pair.id_b) for pair in duplicate_pairs(records)}
    correct = len(found & truth)
    assert correct / len(found) >= 0.95, sorted(found - truth)[:10]
    assert correct / len(truth) >= 0.95, sorted(truth - found)[:10]


def test_bulk_pairs_are_ordered_and_each_pair_appears_once() -> None:
    records = [
        DedupRecord(id="10", name="张伟", phone="13800138000"),
        DedupRecord(id="2", name="張偉", phone="+86 138 0013 8000"),
        DedupRecord(id="3", name="Zhang Wei", email="zw@163.com", phone="138-0013-8000"),
        DedupRecord(id="4", name="李娜", phone="13900139000"),
    ]
    pairs = duplicate_pairs(records)
    assert [(p.id_a, p.id_b) for p in pairs] == [("2", "3"), ("2", "10"), ("3", "10")]


def test_oversized_blocks_are_skipped_and_reported() -> None:
    placeholder = [DedupRecord(id=str(n), name=f"客户{n}", phone="13800000000") for n in range(30)]
    report = duplicate_report(placeholder, max_block=20)
    assert report.dropped_keys == ["p:+8613800000000"]
    assert report.pairs == []
    assert report.compared == 0


def test_index_finds_the_existing_customer_for_a_new_lead() -> None:
    existing = [
        DedupRecord(id="c1", company="杭州云栖科技有限公司", phone="0571-88886666", kind="customer"),
        DedupRecord(id="p1", name="张伟", company="杭州云栖科技有限公司", phone="13800138000", kind="contact"),
        DedupRecord(id="p2", name="李娜", company="北京华信科技", phone="13900139000", kind="contact"),
    ]
    index = DedupIndex.build(existing)
    lead = DedupRecord(id="L1", name="Zhang Wei", company="Hangzhou Yunqi Technology", phone="+86 138 0013 8000")
    matches = index.candidates(lead)
    assert [(m.id_a, m.id_b, m.code) for m in matches] == [("L1", "p1", "same_phone")]
    company = index.candidates(DedupRecord(id="L2", company="云栖科技（杭州）有限公司"))
    assert [(m.id_b, m.code) for m in company] == [("c1", "similar_company")]
    assert index.candidates(DedupRecord(id="L3", name="王芳", phone="13700137000")) == []


def test_index_links_a_lead_to_the_customer_company_it_works_at() -> None:
    index = DedupIndex.build(
        [
            DedupRecord(id="c1", company="杭州云栖科技有限公司", kind="customer"),
            DedupRecord(id="c2", company="北京云栖科技有限公司", kind="customer"),
            DedupRecord(id="c3", company="杭州华信科技有限公司", kind="customer"),
        ]
    )
    lead = DedupRecord(id="L1", name="张伟", company="Hangzhou Yunqi Technology Co., Ltd.")
    assert [(m.id_a, m.id_b, m.code) for m in index.links(lead)] == [("L1", "c1", "works_at")]
    assert index.candidates(lead) == []  # a person is not a company
    assert index.links(DedupRecord(id="L2", company="杭州云栖科技")) == []  # only people work somewhere


def test_index_replaces_and_removes_records() -> None:
    index = DedupIndex.build([DedupRecord(id="1", name="张伟", phone="13800138000")])
    index.add(DedupRecord(id="1", name="张伟", phone="13900139000"))
    assert len(index) == 1
    assert index.candidates(DedupRecord(id="9", name="张伟", phone="13800138000")) == []
    assert len(index.candidates(DedupRecord(id="9", name="张伟", phone="13900139000"))) == 1
    index.remove("1")
    assert index.candidates(DedupRecord(id="9", name="张伟", phone="13900139000")) == []


def test_index_agrees_with_bulk_on_the_labelled_set() -> None:
    records, _ = _labelled()
    index = DedupIndex.build(records)
    from_index = {(m.id_a, m.id_b) for record in records for m in index.candidates(record)}
    assert from_index == {(p.id_a, p.id_b) for p in duplicate_pairs(records)}
