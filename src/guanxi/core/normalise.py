"""Normalisation of phones and Chinese names for storage and search."""

from __future__ import annotations

import re

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
