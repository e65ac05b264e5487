"""Normalisation of phones and Chinese names for storage and search."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from pypinyin import Style, lazy_pinyin

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


def phone_search_digits(raw: str) -> str:
    """Digits a user typed into a search box, for substring search over E.164 numbers."""
    return _NON_DIGITS.sub("", raw).lstrip("+")


def name_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name: 张三 → ("zhangsan", "zs"). Latin text passes through, lower-cased."""
    syllables = [s for s in lazy_pinyin(name or "", errors="default") if s.strip()]
    full = "".join(s.replace(" ", "") for s in syllables).lower()
    initials = "".join(
        s[0] for s in lazy_pinyin(name or "", style=Style.FIRST_LETTER, strict=False) if s.strip()
    ).lower()
    return full, initials
