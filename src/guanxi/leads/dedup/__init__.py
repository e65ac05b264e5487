"""The duplicate check for leads: pure Python, no database (the database keeps the blocking keys).

``normalise`` a ``DedupRecord``, ``compare`` two, ``duplicate_pairs`` in bulk, ``DedupIndex`` for the
check at entry; ``blocking_keys`` is what an indexed column stores. See ``docs/leads.md``.
"""

from guanxi.leads.dedup.blocking import MAX_BLOCK, blocking_keys
from guanxi.leads.dedup.keys import DedupRecord, Normalised, normalise
from guanxi.leads.dedup.pairs import DedupIndex, Pair, PairsReport, duplicate_pairs, duplicate_report
from guanxi.leads.dedup.scoring import THRESHOLD, Match, compare

__all__ = [
    "MAX_BLOCK",
    "THRESHOLD",
    "DedupIndex",
    "DedupRecord",
    "Match",
    "Normalised",
    "Pair",
    "PairsReport",
    "blocking_keys",
    "compare",
    "duplicate_pairs",
    "duplicate_report",
    "normalise",
]
