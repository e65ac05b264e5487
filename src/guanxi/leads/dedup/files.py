"""Checking a file before import: ``guanxi leads dedup FILE.csv --out PAIRS.csv``.

The input is UTF-8 CSV (with or without a byte-order mark) with a header row; the columns ``id,
name, company, phone, email, city`` are read in any order, by name (case and surrounding spaces
ignored); a missing column counts as empty, other columns are ignored. ``id`` is required and unique.
The output has one row per pair judged the same: ``id_a, id_b, score, reason`` (``id_a`` before
``id_b``: numeric ids by number, others by text), written whole or not at all.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from guanxi.core.spreadsheet import neutralise, unneutralise
from guanxi.leads.dedup.keys import DedupRecord
from guanxi.leads.dedup.scoring import Match

COLUMNS = ("id", "name", "company", "phone", "email", "city")
OUTPUT_COLUMNS = ("id_a", "id_b", "score", "reason")
REASONS = {
    "same_phone": "same mobile phone",
    "same_email": "same e-mail",
    "same_phone_and_name": "same phone and similar name",
    "same_email_and_name": "same shared e-mail and similar name",
    "same_phone_and_company": "same phone and similar company name",
    "same_email_and_company": "same e-mail and similar company name",
    "similar_name_and_company": "similar name at a similar company",
    "similar_company": "same company name",
}


class DedupFileError(ValueError):
    """The file cannot be checked; the message says where and why."""


def records_read(path: Path) -> list[DedupRecord]:
    """The records of a CSV file; raises ``DedupFileError`` on a file that cannot be used."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as problem:
        raise DedupFileError(f"{path}: cannot open: {problem.strerror}") from None
    with handle:
        try:
            return list(_records(path, csv.reader(handle)))
        except UnicodeDecodeError:
            raise DedupFileError(f"{path}: not UTF-8 text") from None
        except csv.Error as problem:
            raise DedupFileError(f"{path}: not a CSV file: {problem}") from None


def _records(path: Path, reader: Iterable[list[str]]) -> Iterator[DedupRecord]:
    rows = iter(reader)
    header = [name.strip().lower() for name in next(rows, [])]
    if not any(header):
        raise DedupFileError(f"{path}: no header row (expected columns {', '.join(COLUMNS)})")
    if "id" not in header:
        raise DedupFileError(f"{path}: no 'id' column (the header has: {', '.join(filter(None, header))})")
    where = {column: header.index(column) for column in COLUMNS if column in header}
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {column: unneutralise(row[at].strip()) if at < len(row) else "" for column, at in where.items()}
        identifier = values.pop("id")
        if not identifier:
            raise DedupFileError(f"{path}: line {line}: empty id")
        if identifier in seen:
            raise DedupFileError(f"{path}: line {line}: id {identifier!r} already used on line {seen[identifier]}")
        seen[identifier] = line
        yield DedupRecord(id=identifier, **values)


def reason_text(match: Match) -> str:
    """A reason a person reads: ``same mobile phone: +8613800138000``."""
    label = REASONS.get(match.code, match.code.replace("_", " "))
    return f"{label}: {match.detail}" if match.detail else label


def pairs_write(pairs: Iterable[Match], path: Path) -> int:
    """Write the pairs (whole, through a temporary file in the same folder); returns how many."""
    folder = path.parent if str(path.parent) else Path()
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    count = 0
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(OUTPUT_COLUMNS)
            for pair in pairs:
                writer.writerow([neutralise(pair.id_a), neutralise(pair.id_b), f"{pair.score:.3f}", reason_text(pair)])
                count += 1
        umask = os.umask(0)
        os.umask(umask)
        Path(temporary).chmod(0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
