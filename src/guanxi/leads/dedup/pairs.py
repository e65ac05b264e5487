"""Duplicate check in bulk (every pair in a file) and at entry (one record against an index).

Bulk: normalise every record once, group them by blocking key, compare each pair that shares a
block (each pair once), keep those judged the same. At entry: ``DedupIndex`` keeps the key → records
map in memory, the same map the database keeps in an indexed column, and compares the incoming
record with the records under its keys only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from guanxi.leads.dedup.blocking import MAX_BLOCK, blocking_keys
from guanxi.leads.dedup.keys import DEFAULT_REGION, DedupRecord, Normalised, normalise
from guanxi.leads.dedup.scoring import COMPANY_SAME, THRESHOLD, Match, company_similarity, compare, id_order

Pair = Match


@dataclass
class PairsReport:
    """The pairs judged the same, and what the blocking did to find them."""

    pairs: list[Pair]
    records: int
    compared: int
    dropped_keys: list[str] = field(default_factory=list)


def duplicate_pairs(
    records: Iterable[DedupRecord],
    *,
    threshold: float = THRESHOLD,
    max_block: int = MAX_BLOCK,
    region: str = DEFAULT_REGION,
) -> list[Pair]:
    """Every pair of ``records`` judged the same person or company, ordered by ``id_a``, ``id_b``."""
    return duplicate_report(records, threshold=threshold, max_block=max_block, region=region).pairs


def duplicate_report(
    records: Iterable[DedupRecord],
    *,
    threshold: float = THRESHOLD,
    max_block: int = MAX_BLOCK,
    region: str = DEFAULT_REGION,
) -> PairsReport:
    """``duplicate_pairs`` with the number of comparisons and the blocking keys dropped as too large."""
    normalised = [normalise(record, region=region) for record in records]
    blocks: defaultdict[str, list[int]] = defaultdict(list)
    for position, record in enumerate(normalised):
        for key in blocking_keys(record):
            blocks[key].append(position)
    dropped = sorted(key for key, members in blocks.items() if len(members) > max_block)
    candidates: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2 or len(members) > max_block:
            continue
        candidates.update((first, second) for index, first in enumerate(members) for second in members[index + 1 :])
    pairs = []
    for first, second in candidates:
        match = compare(normalised[first], normalised[second], threshold=threshold)
        if match is not None:
            pairs.append(match)
    pairs.sort(key=lambda pair: (id_order(pair.id_a), id_order(pair.id_b)))
    return PairsReport(pairs=pairs, records=len(normalised), compared=len(candidates), dropped_keys=dropped)


class DedupIndex:
    """Records to check against, by blocking key: ``candidates(record)`` is the check at entry."""

    def __init__(self, *, max_block: int = MAX_BLOCK, region: str = DEFAULT_REGION) -> None:
        self.max_block = max_block
        self.region = region
        self._records: dict[str, Normalised] = {}
        self._blocks: defaultdict[str, list[str]] = defaultdict(list)

    @classmethod
    def build(
        cls, records: Iterable[DedupRecord], *, max_block: int = MAX_BLOCK, region: str = DEFAULT_REGION
    ) -> DedupIndex:
        index = cls(max_block=max_block, region=region)
        for record in records:
            index.add(record)
        return index

    def __len__(self) -> int:
        return len(self._records)

    def add(self, record: DedupRecord) -> None:
        """Index ``record`` (replacing an earlier record with the same id)."""
        if record.id in self._records:
            self.remove(record.id)
        normalised = normalise(record, region=self.region)
        self._records[record.id] = normalised
        for key in blocking_keys(normalised):
            self._blocks[key].append(record.id)

    def remove(self, record_id: str) -> None:
        normalised = self._records.pop(record_id, None)
        if normalised is None:
            return
        for key in blocking_keys(normalised):
            self._blocks[key].remove(record_id)
            if not self._blocks[key]:
                del self._blocks[key]

    def candidates(self, record: DedupRecord, *, threshold: float = THRESHOLD) -> list[Match]:
        """Indexed records judged the same as ``record``, best first (the record itself excluded)."""
        incoming = normalise(record, region=self.region)
        seen: set[str] = set()
        for key in blocking_keys(incoming):
            members = self._blocks.get(key, [])
            if len(members) <= self.max_block:
                seen.update(members)
        seen.discard(record.id)
        matches = [compare(incoming, self._records[other], threshold=threshold) for other in seen]
        found = [match for match in matches if match is not None]
        return sorted(found, key=lambda match: (-match.score, id_order(match.id_a), id_order(match.id_b)))

    def links(self, record: DedupRecord) -> list[Match]:
        """Company records (customers) that a person's record works at: 张伟 @ 云栖科技 → 杭州云栖科技有限公司.

        Not a duplicate (a person is not a company) but a link the import can make; code ``works_at``.
        """
        incoming = normalise(record, region=self.region)
        if not incoming.is_person or incoming.company is None:
            return []
        core = incoming.company.core or incoming.company.text.replace(" ", "")
        members = self._blocks.get(f"c:{core}", [])
        found = []
        for other_id in members if len(members) <= self.max_block else []:
            other = self._records[other_id]
            score = company_similarity(incoming.company, other.company)
            if other_id != record.id and score is not None and score >= COMPANY_SAME:
                found.append(Match(record.id, other_id, round(score, 4), "works_at", other.record.company))
        return sorted(found, key=lambda match: (-match.score, id_order(match.id_b)))
