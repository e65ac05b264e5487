"""A record to check for duplicates and its normalised form (the keys every comparison uses).

Normalisation, once per record:

* phone → E.164 (``guanxi.core.normalise.phone_e164`` after NFKC, so full-width digits work;
  ``+86``, ``0086``, ``86``, spaces, dashes, brackets, landlines with the area code; an extension
  after 转/ext/x/# is dropped; several numbers in one field split on / , ; 、). Chinese mobiles
  (1xx, 11 digits) are *personal*; landlines may be a switchboard that many people share.
* e-mail → lower case, a ``+tag`` removed from the local part (sub-addressing, which most providers
  support), and dots removed in the local part of gmail.com / googlemail.com only (elsewhere a dot
  can tell two mailboxes apart). ``info@``, ``sales@`` and other role mailboxes are *shared*.
* person name → pinyin tokens (surname, given name) so 張偉 = 张伟 = "Zhang Wei" = "WEI ZHANG";
  NFKC first, so full-width "Ｚｈａｎｇ" is "zhang".
* company name → parts in pinyin/English: a place (杭州 = Hangzhou), trade words
  (科技 = Technology = Tech = Keji) and the core that remains (云栖 = Yunqi); legal forms are
  dropped (the Chinese ones of ``COMPANY_SUFFIXES`` and their traditional spellings at the end, the
  Latin ones — Co., Ltd., Inc., Limited … — wherever they stand).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from pypinyin import lazy_pinyin

from guanxi.core.normalise import COMPANY_SUFFIXES, phone_e164
from guanxi.leads.dedup.glossary import (
    COMPOUND_SURNAMES,
    LONGEST_SYLLABLES,
    PLACES,
    ROLE_MAILBOXES,
    STOP_WORDS,
    TRADE_WORDS,
)

DEFAULT_REGION = "CN"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TOKENS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[a-z0-9]+(?:['-][a-z0-9]+)*")
_PHONE_SPLIT = re.compile(r"[/,;、，；]|\s{3,}")
_DIGITS_ONLY = re.compile(r"\D")
_CHINESE_MOBILE = re.compile(r"(?:0086|86)?(1[3-9]\d{9})")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#).*$", re.IGNORECASE)
_ADMIN_SUFFIXES = re.compile(r"[省市区县]")
# Characters read differently as a surname than on their own (曾 is ceng alone, Zeng as a surname).
_SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "單": "shan",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "區": "ou",
    "乐": "yue",
    "樂": "yue",
    "盖": "ge",
    "蓋": "ge",
    "缪": "miao",
    "繆": "miao",
    "翟": "zhai",
    "尉": "yu",
    "种": "chong",
    "秘": "bi",
    "长": "zhang",
    "重": "chong",
    "沈": "shen",
    "覃": "qin",
}
_GMAIL = frozenset({"gmail.com", "googlemail.com"})
# The legal suffixes of ``guanxi.core.normalise`` written in Chinese, and their traditional forms.
_CHINESE_SUFFIXES = tuple(
    sorted(
        {suffix for suffix in COMPANY_SUFFIXES if _CJK.search(suffix)}
        | {"有限責任公司", "集團有限公司", "集團", "股份公司"},
        key=len,
        reverse=True,
    )
)
_TRAILING = re.compile(r"[\s\W_]+$")


@dataclass(frozen=True)
class DedupRecord:
    """One lead, customer or contact as the duplicate check sees it; any field may be empty."""

    id: str
    name: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""
    city: str = ""
    kind: str = "lead"


@dataclass(frozen=True)
class CompanyParts:
    """A company name split for comparison: 杭州云栖科技有限公司 → hangzhou / yunqi / {technology}."""

    place: str
    core: str
    trades: frozenset[str]

    @property
    def text(self) -> str:
        return " ".join(part for part in (self.place, self.core, *sorted(self.trades)) if part)


@dataclass(frozen=True)
class Normalised:
    """The comparison keys of one record; built by ``normalise``."""

    record: DedupRecord
    phones: frozenset[str] = field(default_factory=frozenset)
    mobiles: frozenset[str] = field(default_factory=frozenset)
    email: str = ""
    email_shared: bool = False
    name_tokens: tuple[str, ...] = ()
    company: CompanyParts | None = None
    city: str = ""

    @property
    def is_person(self) -> bool:
        """A record with a person's name; without one it stands for a company."""
        return bool(self.name_tokens)

    @property
    def name_sorted(self) -> str:
        """The name tokens in alphabetical order, joined: 张伟 and "Wei Zhang" both give ``weizhang``."""
        return "".join(sorted(self.name_tokens))


def normalise(record: DedupRecord, *, region: str = DEFAULT_REGION) -> Normalised:
    """All comparison keys of ``record``."""
    phones = phone_numbers(record.phone, region=region)
    email = email_key(record.email)
    return Normalised(
        record=record,
        phones=phones,
        mobiles=frozenset(number for number in phones if is_personal_phone(number)),
        email=email,
        email_shared=email.split("@", 1)[0] in ROLE_MAILBOXES if email else False,
        name_tokens=person_tokens(record.name),
        company=company_parts(record.company) if record.company.strip() else None,
        city=place_key(record.city),
    )


# --- phones and e-mail ---------------------------------------------------------------------


def phone_numbers(raw: str, *, region: str = DEFAULT_REGION) -> frozenset[str]:
    """Every phone number in a field, in E.164; text that is not a phone is skipped."""
    text = unicodedata.normalize("NFKC", raw or "")
    found = (_phone(part.strip(), region) for part in _PHONE_SPLIT.split(text))
    return frozenset(number for number in found if number)


@lru_cache(maxsize=65536)
def _phone(text: str, region: str) -> str | None:
    text = _EXTENSION.sub("", text).strip()
    digits = _DIGITS_ONLY.sub("", text)
    if len(digits) < 7:
        return None
    mobile = _CHINESE_MOBILE.fullmatch(digits)
    prefixed = len(digits) > 11 and digits.startswith(("86", "0086"))
    if mobile and (prefixed or (region == "CN" and "+" not in text)):
        return "+86" + mobile.group(1)  # the common case, without the full parser
    return phone_e164(text, region=region)


def is_personal_phone(e164: str) -> bool:
    """A Chinese mobile (+86 1…, 11 digits) belongs to one person; other numbers may be a switchboard."""
    if e164.startswith("+86"):
        national = e164[3:]
        return len(national) == 11 and national.startswith("1")
    return False


def email_key(raw: str) -> str:
    """``Zhang.Wei+crm@GMail.com`` → ``zhangwei@gmail.com``; text without one @ gives ``""``."""
    text = unicodedata.normalize("NFKC", raw or "").strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or " " in text:
        return ""
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}" if local else ""


# --- names ---------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _syllable(char: str) -> str:
    return lazy_pinyin(char)[0]


def _pinyin_tokens(text: str) -> list[tuple[str, bool]]:
    """(token, is_chinese) in order: one pinyin syllable per Chinese character, one token per Latin word."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return [(_syllable(token), True) if _CJK.match(token) else (token, False) for token in _TOKENS.findall(folded)]


@lru_cache(maxsize=65536)
def person_tokens(raw: str) -> tuple[str, ...]:
    """张伟 → (zhang, wei); 欧阳娜娜 → (ouyang, nana); "Xiao-Ming Li" → (xiaoming, li)."""
    tokens = _pinyin_tokens(raw or "")
    if not tokens:
        return ()
    if all(chinese for _, chinese in tokens):
        syllables = [token for token, _ in tokens]
        if len(syllables) == 1:
            return (syllables[0],)
        syllables[0] = _SURNAME_READINGS.get(raw.strip()[:1], syllables[0])
        cut = 2 if len(syllables) >= 3 and "".join(syllables[:2]) in COMPOUND_SURNAMES else 1
        return ("".join(syllables[:cut]), "".join(syllables[cut:]))
    return tuple(token.replace("-", "").replace("'", "") for token, _ in tokens)


@lru_cache(maxsize=65536)
def company_parts(raw: str) -> CompanyParts:
    """Place, core and trade words of a company name (see the module docstring)."""
    key = _ADMIN_SUFFIXES.sub("", _strip_chinese_suffixes(unicodedata.normalize("NFKC", raw).lower()))
    tokens = [token.replace("-", "").replace("'", "") for token, _ in _pinyin_tokens(key)]
    tokens = [token for token in tokens if token not in STOP_WORDS]
    places: list[tuple[int, str]] = []
    core: list[str] = []
    trades: set[str] = set()
    position = 0
    while position < len(tokens):
        for width in range(min(LONGEST_SYLLABLES, len(tokens) - position), 0, -1):
            word = "".join(tokens[position : position + width])
            if word in PLACES:
                places.append((len(core), word))
                break
            if word in TRADE_WORDS:
                trades.add(TRADE_WORDS[word])
                break
        else:
            core.append(tokens[position])
            width = 1
        position += width
    # The last place is the company's (金安贸易（深圳）: 金安 is a brand that reads like 济南); an earlier one
    # is part of the brand. A name that is only a place and trade words keeps the place as its core.
    for at, word in reversed(places[:-1]):
        core.insert(at, word)
    place = PLACES[places[-1][1]] if places else ""
    if not core and place:
        core, place = [place], ""
    return CompanyParts(place=place, core="".join(core), trades=frozenset(trades))


def _strip_chinese_suffixes(text: str) -> str:
    """杭州云栖科技有限公司 → 杭州云栖科技 (repeatedly, as long as something is left); Latin suffixes are stop words."""
    text = _TRAILING.sub("", text)
    stripped = True
    while stripped:
        stripped = False
        for suffix in _CHINESE_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, stripped = _TRAILING.sub("", text[: -len(suffix)]), True
                break
    return text


@lru_cache(maxsize=8192)
def place_key(raw: str) -> str:
    """杭州市, 杭州, "Hangzhou" and "HANGZHOU CITY" all give ``hangzhou``."""
    key = _ADMIN_SUFFIXES.sub("", unicodedata.normalize("NFKC", raw or "").lower())
    words = [
        token.replace("'", "") for token, _ in _pinyin_tokens(key) if token not in {"city", "province", "shi", "sheng"}
    ]
    joined = "".join(words)
    return PLACES.get(joined, joined)
