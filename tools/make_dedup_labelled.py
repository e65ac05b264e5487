"""Write the labelled set of the duplicate check: ``tests/data/dedup_labelled.csv``.

    .venv/bin/python tools/make_dedup_labelled.py [--seed N] [--out PATH]

Deterministic: the same seed gives the same file (the generator is ``guanxi.leads.dedup.sample``).
Columns ``id, name, company, phone, email, city, cluster``; records of one cluster are one person
or company. Prints a summary (records, clusters by size, singleton share).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guanxi.leads.dedup.sample import labelled_records  # noqa: E402 -- after the path is set

DEFAULT_SEED = 20261124
DEFAULT_OUT = ROOT / "tests" / "data" / "dedup_labelled.csv"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    records = labelled_records(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "name", "company", "phone", "email", "city", "cluster"])
        for item in records:
            r = item.record
            writer.writerow([r.id, r.name, r.company, r.phone, r.email, r.city, item.cluster])
    sizes = Counter(item.cluster for item in records)
    singletons = sum(1 for item in records if sizes[item.cluster] == 1)
    by_size = sorted(Counter(sizes.values()).items())
    print(
        f"{args.out}: {len(records)} records, {len(sizes)} clusters (size: count {dict(by_size)}), "
        f"singletons {singletons / len(records):.0%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
