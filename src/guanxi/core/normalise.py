"""Normalisation of phones and Chinese names for storage and search."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from guanxi.core.errors import InvalidInput

_NON_DIGITS = re.compile(r"[^\d+]")


def phone_e164(raw: str, *, region: str | None = None) -> str | None:
    """``+86 138 0013 8000`` and ``13800138000`` both become ``+8613800138000``; None if not a phone."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, region or settings.GUANXI_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def name_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name: 张三 → ("zhangsan", "zs"). Latin text passes through, lower-cased."""
    syllables = [s for s in lazy_pinyin(name or "", errors="default") if s.strip()]
    full = "".join(s.replace(" ", "") for s in syllables).lower()
    initials = "".join(
        s[0] for s in lazy_pinyin(name or "", style=Style.FIRST_LETTER, strict=False) if s.strip()
    ).lower()
    return full, initials


class FieldCleaner:
    """Collects normalised values and every field error of one write, then raises them together."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.errors: list[dict[str, object]] = []

    def name(self, raw: str | None, *, field: str = "name") -> None:
        """Whitespace collapsed, required, with ``<field>_pinyin`` / ``<field>_initials`` search keys."""
        if raw is None:
            return
        clean = " ".join(raw.split())
        if not clean:
            self.errors.append({"loc": [field], "msg": _("Name is required.")})
        self.values[field] = clean
        self.values[f"{field}_pinyin"], self.values[f"{field}_initials"] = name_pinyin(clean)

    def phone(self, raw: str | None, *, field: str = "phone") -> None:
        """Kept as typed, plus ``<field>_e164``; an unparseable number is an error."""
        if raw is None:
            return
        clean = raw.strip()
        e164 = phone_e164(clean) if clean else ""
        if e164 is None:
            self.errors.append({"loc": [field], "msg": _("Not a valid phone number.")})
        self.values[field], self.values[f"{field}_e164"] = clean, e164 or ""

    def text(self, field: str, raw: object) -> None:
        """Any other field, stripped when it is text; None means "not given"."""
        if raw is not None:
            self.values[field] = raw.strip() if isinstance(raw, str) else raw

    def result(self) -> dict[str, object]:
        if self.errors:
            raise InvalidInput(_("Some fields are not valid."), errors=self.errors)
        return self.values


# Legal-form suffixes that do not tell two companies apart (longest first, compared after NFKC + lower-case).
COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "分公司",
    "集团",
    "公司",
    "co.,ltd.",
    "co.,ltd",
    "co.ltd.",
    "co.ltd",
    "company limited",
    "corporation",
    "limited",
    "company",
    "co.",
    "corp.",
    "corp",
    "inc.",
    "inc",
    "ltd.",
    "ltd",
    "llc",
    "gmbh",
)
_KEY_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def name_key(name: str) -> str:
    """The comparison key of a customer name for duplicate checks.

    NFKC (full-width → half-width), lower case, legal-form suffixes removed (repeatedly, so
    "… Co., Ltd." and "…有限公司" both go), then spaces and punctuation dropped:
    ``"杭州云栖科技有限公司"`` → ``"杭州云栖科技"``, ``"Yunqi Tech Co., Ltd."`` → ``"yunqitech"``.
    """
    text = unicodedata.normalize("NFKC", name or "").lower().strip()
    text = re.sub(r"\s+", " ", text)
    stripped = True
    while stripped:
        stripped = False
        for suffix in COMPANY_SUFFIXES:
            compact = text.replace(" ", "")
            if compact.endswith(suffix.replace(" ", "")) and len(compact) > len(suffix.replace(" ", "")):
                text = _strip_suffix(text, suffix)
                stripped = True
                break
        text = text.rstrip(" ,.")
    return _KEY_DROP.sub("", text)


def _strip_suffix(text: str, suffix: str) -> str:
    """Remove ``suffix`` from the end of ``text`` ignoring the spaces inside either."""
    target = suffix.replace(" ", "")
    kept = len(text)
    seen = ""
    while kept > 0 and len(seen) < len(target):
        kept -= 1
        if text[kept] != " ":
            seen = text[kept] + seen
    return text[:kept]
