"""Are two records the same person or company? A score in [0, 1] and the reason.

The rules, in order (the first that applies decides):

1. **Same mobile or same personal e-mail.** A duplicate — unless both records name a person and the
   names clearly differ (name similarity below ``NAME_CONTRADICTS`` and not a word in common: 张伟 and
   李娜 sharing a phone are two people, an assistant and the boss; 李强 and 李斌 are one with a typo),
   or both are company records whose names clearly differ.
2. **Same landline or same role mailbox (info@, sales@ …).** These are often a switchboard shared by a
   whole company, so they count only with a similar person name (``NAME_SUPPORTS``), or for two
   company records with a similar company name.
3. **No shared contact, two people:** similar name *and* similar company (both needed: 王伟 is a very
   common name). A different city lowers the score.
4. **No shared contact, two company records:** the same company name once normalised (place, core
   and trade words; ``COMPANY_SAME``) — a near name alone (杭州华信 / 杭州华兴) is another company; a
   different city lowers the score.

A person record and a company record are a duplicate only through rule 1 (a lead without a name
but with the mobile of a known contact). Company names are compared by their parts: two different
places (北京华为 and 深圳华为) mean two companies; a missing place does not. Similarities are
optimal-string-alignment similarities of pinyin keys (rapidfuzz), so one typo costs little.

``THRESHOLD`` and the constants below were tuned on the even-numbered families of the labelled set
(``tests/data/dedup_labelled.csv``) and checked on the odd ones; see ``docs/leads.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import OSA

from guanxi.leads.dedup.keys import CompanyParts, Normalised

THRESHOLD = 0.85
NAME_CONTRADICTS = 0.7
NAME_SUPPORTS = 0.85
COMPANY_CONTRADICTS = 0.5
COMPANY_SUPPORTS = 0.8
COMPANY_SAME = 0.95
OTHER_CITY = 0.8
OTHER_TRADE = 0.85


@dataclass(frozen=True)
class Match:
    """``a`` and ``b`` are judged the same (when ``score >= THRESHOLD``); ``code`` says why, ``detail`` with what."""

    id_a: str
    id_b: str
    score: float
    code: str
    detail: str


def similarity(a: str, b: str) -> float:
    """1 for equal strings, less by one edit (substitution, insertion, deletion, transposition) per character."""
    if not a or not b:
        return 0.0
    return float(OSA.normalized_similarity(a, b))


def name_similarity(a: Normalised, b: Normalised) -> float | None:
    """Similarity of two person names in pinyin, in any word order; None if either has none."""
    if not a.name_tokens or not b.name_tokens:
        return None
    in_order = similarity("".join(a.name_tokens), "".join(b.name_tokens))
    return max(in_order, similarity(a.name_sorted, b.name_sorted))


def company_similarity(a: CompanyParts | None, b: CompanyParts | None) -> float | None:
    """Similarity of two company names by their parts; None if either has none."""
    if a is None or b is None:
        return None
    if a.place and b.place and a.place != b.place:
        return 0.0
    score = similarity(a.core, b.core) if a.core and b.core else similarity(a.text, b.text)
    if a.trades and b.trades and not a.trades & b.trades:
        score *= OTHER_TRADE
    return score


def evaluate(a: Normalised, b: Normalised) -> Match:
    """The score of ``a`` against ``b`` with its reason, whatever the score; see ``compare``."""
    a, b = sorted((a, b), key=_order)
    names = name_similarity(a, b)
    companies = company_similarity(a.company, b.company)
    strong = _strong_contact(a, b)
    if strong:
        return _by_strong_contact(a, b, strong, names, companies)
    weak = _weak_contact(a, b)
    if weak and (names if a.is_person else companies) is not None:
        return _by_weak_contact(a, b, weak, names, companies)
    if a.is_person and b.is_person:
        return _by_name_and_company(a, b, names or 0.0, companies)
    if not a.is_person and not b.is_person and companies is not None:
        score = companies * (OTHER_CITY if _other_city(a, b) else 1.0)
        if companies < COMPANY_SAME:
            score = min(score, 0.5)  # 杭州华信 and 杭州华兴 are two companies: a near name alone is not enough
        return _match(a, b, score, "similar_company", f"{_company(a)} ~ {_company(b)} {companies:.2f}")
    return _match(a, b, 0.0, "different", "")


def compare(a: Normalised, b: Normalised, *, threshold: float = THRESHOLD) -> Match | None:
    """The match if ``a`` and ``b`` are judged the same person or company, else None. Symmetric."""
    if a.record.id == b.record.id:
        return None
    match = evaluate(a, b)
    return match if match.score >= threshold else None


def _strong_contact(a: Normalised, b: Normalised) -> tuple[str, str] | None:
    shared = sorted(a.mobiles & b.mobiles)
    if shared:
        return "same_phone", shared[0]
    if a.email and a.email == b.email and not a.email_shared:
        return "same_email", a.email
    return None


def _weak_contact(a: Normalised, b: Normalised) -> tuple[str, str] | None:
    shared = sorted(a.phones & b.phones)
    if shared:
        return "same_phone", shared[0]
    if a.email and a.email == b.email:
        return "same_email", a.email
    return None


def _by_strong_contact(
    a: Normalised, b: Normalised, contact: tuple[str, str], names: float | None, companies: float | None
) -> Match:
    code, value = contact
    if names is not None and names < NAME_CONTRADICTS and not _shared_name_word(a, b):
        return _match(a, b, 0.0, "different_names", f"{value}: {_name(a)} ≠ {_name(b)}")
    if not a.is_person and not b.is_person and companies is not None and companies < COMPANY_CONTRADICTS:
        return _match(a, b, 0.0, "different_companies", f"{value}: {_company(a)} ≠ {_company(b)}")
    support = names if names is not None else (companies if companies is not None else 0.5)
    return _match(a, b, 0.92 + 0.08 * support, code, value)


def _by_weak_contact(
    a: Normalised, b: Normalised, contact: tuple[str, str], names: float | None, companies: float | None
) -> Match:
    code, value = contact
    if a.is_person and b.is_person and names is not None:
        score = 0.6 + 0.4 * names if names >= NAME_SUPPORTS else 0.0
        return _match(a, b, score, f"{code}_and_name", f"{value}, {_name(a)} ~ {_name(b)} {names:.2f}")
    if not a.is_person and not b.is_person and companies is not None:
        score = 0.6 + 0.4 * companies if companies >= COMPANY_SUPPORTS else 0.0
        return _match(a, b, score, f"{code}_and_company", f"{value}, {_company(a)} ~ {_company(b)} {companies:.2f}")
    return _match(a, b, 0.0, "different", "")


def _by_name_and_company(a: Normalised, b: Normalised, names: float, companies: float | None) -> Match:
    if companies is None:
        return _match(a, b, 0.0, "different", "")
    score = (0.5 * names + 0.5 * companies) * (OTHER_CITY if _other_city(a, b) else 1.0)
    if names < NAME_SUPPORTS or companies < COMPANY_SUPPORTS:
        score = min(score, 0.5)
    detail = f"{_name(a)} @ {_company(a)} ~ {_name(b)} @ {_company(b)} {names:.2f}/{companies:.2f}"
    return _match(a, b, score, "similar_name_and_company", detail)


def _shared_name_word(a: Normalised, b: Normalised) -> bool:
    """Do the names share a word (surname or given name, one typo allowed)? 李强 and 李斌 do, 张伟 and 王芳 not."""
    return any(similarity(x, y) >= NAME_SUPPORTS for x in a.name_tokens for y in b.name_tokens)


def _other_city(a: Normalised, b: Normalised) -> bool:
    return bool(a.city and b.city and a.city != b.city)


def _name(record: Normalised) -> str:
    return record.record.name.strip() or "-"


def _company(record: Normalised) -> str:
    return record.record.company.strip() or "-"


def _match(a: Normalised, b: Normalised, score: float, code: str, detail: str) -> Match:
    return Match(a.record.id, b.record.id, round(min(1.0, max(0.0, score)), 4), code, detail)


def _order(record: Normalised) -> tuple[tuple[int, int, str], tuple[str, ...]]:
    """Records in id order (and by content for equal ids), so that a pair reads the same both ways."""
    r = record.record
    return id_order(r.id), (r.name, r.company, r.phone, r.email, r.city, r.kind)


def id_order(identifier: str) -> tuple[int, int, str]:
    """Numeric ids in numeric order (2 before 10), then the others in text order."""
    stripped = identifier.strip()
    return (0, int(stripped), stripped) if stripped.isdigit() else (1, 0, stripped)
