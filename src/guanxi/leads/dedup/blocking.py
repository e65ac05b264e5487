"""Blocking keys: records are compared only when they share one, so a check never scans every record.

``blocking_keys(record)`` is what the database stores in an indexed column (one row per key); the
check of an incoming record looks its keys up there. The keys follow the scoring rules, so two
records that ``compare`` can call the same share at least one key:

* ``p:<e164>`` every phone and ``e:<email>`` the e-mail (rules 1 and 2);
* for a person with a company: the pinyin name with the first three and with the last three letters
  of the company core (``nc:weizhang|yun``, ``nc:weizhang|nqi``), so a typo in the company still
  leaves one key, and the name's initials with the whole core (``ic:wz|yunqi``) for a typo in the
  name (rule 3);
* for a company record: the company core (``c:yunqi``; rule 4 wants the same normalised name; a
  near name counts only with a shared phone or e-mail, which have their own keys).

Oversized blocks: a key shared by more than ``MAX_BLOCK`` records (a placeholder phone such as
13800000000, a head office's switchboard, a very common name at a very large company) does not tell
records apart; it is skipped, in bulk and at lookup (look up at most ``MAX_BLOCK + 1`` rows per key
and drop the key when they are all there). Pairs that only such a key would have found are missed;
``duplicate_pairs`` reports how many keys were dropped.
"""

from __future__ import annotations

import hashlib

from guanxi.leads.dedup.keys import Normalised

MAX_BLOCK = 200
MAX_KEY_LENGTH = 64  # fits an indexed CharField(64); longer keys are replaced by a hash


def blocking_keys(record: Normalised) -> set[str]:
    """The blocking keys of one normalised record: at most a handful, each at most ``MAX_KEY_LENGTH`` long."""
    return {key if len(key) <= MAX_KEY_LENGTH else _hashed(key) for key in _keys(record)}


def _hashed(key: str) -> str:
    return f"{key[:2]}#{hashlib.sha256(key.encode()).hexdigest()[: MAX_KEY_LENGTH - 3]}"


def _keys(record: Normalised) -> set[str]:
    keys = {f"p:{phone}" for phone in record.phones}
    if record.email:
        keys.add(f"e:{record.email}")
    company = record.company
    if company is None:
        return keys
    core = company.core or company.text.replace(" ", "")
    if not core:
        return keys
    if record.is_person:
        name = record.name_sorted
        keys |= {f"nc:{name}|{core[:3]}", f"nc:{name}|~{core[-3:]}"}
        keys |= {f"nt:{token}|{core}" for token in record.name_tokens}
    else:
        keys.add(f"c:{core}")
    return keys
