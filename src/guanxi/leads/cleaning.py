"""Lead cleaning: normalise the fields of an incoming lead and list every rule it breaks.

Pure: no database, no I/O beyond reading the shipped list of disposable email domains once.
A channel stores its :class:`CleaningConfig` as JSON (``config_to_json``); ``config_from_json``
validates what a form or the API sends. A rejected lead is never dropped: the caller keeps it
with :attr:`CleanResult.rejections`, every failing rule with its reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import InvalidInput
from guanxi.core.normalise import phone_e164

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

LEAD_FIELDS = (
    "name",
    "company",
    "title",
    "phone",
    "email",
    "city",
    "region",
    "industry",
    "company_size",
    "source_detail",
    "message",
)
FIELD_LABELS: Mapping[str, StrOrPromise] = {
    "name": pgettext_lazy("lead field", "Name"),
    "company": pgettext_lazy("lead field", "Company"),
    "title": pgettext_lazy("lead field", "Job title"),
    "phone": pgettext_lazy("lead field", "Phone"),
    "email": pgettext_lazy("lead field", "Email"),
    "city": pgettext_lazy("lead field", "City"),
    "region": pgettext_lazy("lead field", "Region"),
    "industry": pgettext_lazy("lead field", "Industry"),
    "company_size": pgettext_lazy("lead field", "Company size"),
    "source_detail": pgettext_lazy("lead field", "Source detail"),
    "message": pgettext_lazy("lead field", "Message"),
}
DEFAULT_MAX_LENGTHS: Mapping[str, int] = {
    "name": 100,
    "company": 200,
    "title": 100,
    "phone": 40,
    "email": 254,
    "city": 100,
    "region": 100,
    "industry": 100,
    "company_size": 50,
    "source_detail": 500,
    "message": 5000,
}
HARD_LIMIT = 100_000  # raw text past this is cut before normalising (and always rejected as too long)
AUDIT_PREVIEW = 1000  # longest "before" value kept in a Change
RULES = (
    "required",
    "invalid_phone",
    "invalid_email",
    "disposable_email",
    "blacklisted_word",
    "max_length",
    "link_only",
    "too_many_links",
    "link_in_name",
    "honeypot",
)


# --- reading untrusted JSON configuration (shared by grading and assignment) ---------------

Loc = tuple[str | int, ...]


class ConfigReader:
    """Reads untrusted JSON into typed values, collecting every error with its path."""

    def __init__(self) -> None:
        self.errors: list[dict[str, object]] = []

    def fail(self, loc: Loc, message: str) -> None:
        self.errors.append({"loc": list(loc), "msg": message})

    def mapping(
        self, value: object, loc: Loc, keys: Collection[str], *, required: Collection[str] = ()
    ) -> Mapping[str, Any] | None:
        """An object with only known keys; None (and an error) otherwise."""
        if not isinstance(value, Mapping):
            self.fail(loc, gettext("Must be an object."))
            return None
        for key in value:
            if not isinstance(key, str) or key not in keys:
                self.fail((*loc, str(key)), gettext("Unknown setting."))
        for key in required:
            if key not in value:
                self.fail((*loc, key), gettext("This setting is required."))
        return value

    def integer(self, data: Mapping[str, Any], key: str, loc: Loc, default: int, *, lo: int, hi: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail((*loc, key), gettext("Must be a whole number."))
            return default
        if not lo <= value <= hi:
            self.fail((*loc, key), gettext("Must be between %(lo)d and %(hi)d.") % {"lo": lo, "hi": hi})
            return default
        return value

    def optional_integer(self, data: Mapping[str, Any], key: str, loc: Loc, *, lo: int, hi: int) -> int | None:
        if data.get(key) is None:
            return None
        return self.integer(data, key, loc, lo, lo=lo, hi=hi)

    def boolean(self, data: Mapping[str, Any], key: str, loc: Loc, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail((*loc, key), gettext("Must be true or false."))
            return default
        return value

    def text(
        self,
        value: object,
        loc: Loc,
        *,
        max_len: int = 200,
        allow_empty: bool = True,
        choices: Collection[str] | None = None,
    ) -> str:
        if not isinstance(value, str):
            self.fail(loc, gettext("Must be text."))
            return ""
        if len(value) > max_len:
            self.fail(loc, gettext("At most %(n)d characters.") % {"n": max_len})
            return ""
        if not allow_empty and not value.strip():
            self.fail(loc, gettext("Must not be empty."))
        if choices is not None and value not in choices:
            self.fail(loc, gettext("Must be one of: %(choices)s.") % {"choices": ", ".join(sorted(choices))})
        return value

    def listing(self, value: object, loc: Loc, *, max_items: int) -> list[Any]:
        if not isinstance(value, list | tuple):
            self.fail(loc, gettext("Must be a list."))
            return []
        if len(value) > max_items:
            self.fail(loc, gettext("At most %(n)d items.") % {"n": max_items})
            return []
        return list(value)

    def texts(self, value: object, loc: Loc, *, max_items: int, max_len: int = 200) -> tuple[str, ...]:
        """A list of non-empty strings, duplicates dropped, order kept."""
        items = [
            self.text(item, (*loc, index), max_len=max_len, allow_empty=False)
            for index, item in enumerate(self.listing(value, loc, max_items=max_items))
        ]
        return tuple(dict.fromkeys(item for item in items if item.strip()))

    def finish(self) -> None:
        if self.errors:
            raise InvalidInput(gettext("The rule settings are not valid."), errors=self.errors)


# --- configuration ------------------------------------------------------------------------


@dataclass(frozen=True)
class CleaningConfig:
    """What one channel checks. ``required`` holds any-of groups: ``(("phone", "email"),)`` = phone or email."""

    required: tuple[tuple[str, ...], ...] = (("name", "company"), ("phone", "email"))
    phone_region: str = "CN"
    phone_strict: bool = True  # a number must be valid for its region, not only of a possible length
    title_case_latin_names: bool = True
    canonical_company_suffix: bool = True
    reject_invalid_phone: bool = True
    reject_invalid_email: bool = True
    reject_disposable_email: bool = True
    disposable_add: tuple[str, ...] = ()
    disposable_remove: tuple[str, ...] = ()
    blacklist: tuple[str, ...] = ()
    max_lengths: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_MAX_LENGTHS))
    reject_link_only_message: bool = True
    max_links: int = 3  # 0: any number of links in the message
    reject_links_in_name: bool = True
    honeypot_fields: tuple[str, ...] = ()


def default_config() -> CleaningConfig:
    """A sensible start for a Chinese B2B company's web forms and imports."""
    return CleaningConfig(
        blacklist=("测试测试", "test test", "asdf", "qwerty", "代开发票", "刷单", "博彩", "网赚", "色情"),
    )


_FLAGS = (
    "phone_strict",
    "title_case_latin_names",
    "canonical_company_suffix",
    "reject_invalid_phone",
    "reject_invalid_email",
    "reject_disposable_email",
    "reject_link_only_message",
    "reject_links_in_name",
)
_KEYS = (
    *_FLAGS,
    "required",
    "phone_region",
    "disposable_add",
    "disposable_remove",
    "blacklist",
    "max_lengths",
    "max_links",
    "honeypot_fields",
)


def config_from_json(data: object) -> CleaningConfig:
    """Validate untrusted JSON; raises ``InvalidInput`` listing every wrong setting with its path."""
    reader = ConfigReader()
    obj = reader.mapping(data, (), _KEYS)
    if obj is None:
        reader.finish()
        return default_config()
    base = CleaningConfig()
    flags = {name: reader.boolean(obj, name, (), getattr(base, name)) for name in _FLAGS}
    region = reader.text(obj.get("phone_region", base.phone_region), ("phone_region",), max_len=2)
    if region and region not in phonenumbers.SUPPORTED_REGIONS:
        reader.fail(("phone_region",), gettext("Unknown country or region code."))
    config = CleaningConfig(
        required=_read_required(reader, obj.get("required", [list(g) for g in base.required])),
        phone_region=region or base.phone_region,
        disposable_add=_read_domains(reader, obj, "disposable_add"),
        disposable_remove=_read_domains(reader, obj, "disposable_remove"),
        blacklist=reader.texts(obj.get("blacklist", []), ("blacklist",), max_items=500, max_len=100),
        max_lengths=_read_max_lengths(reader, obj.get("max_lengths", {})),
        max_links=reader.integer(obj, "max_links", (), base.max_links, lo=0, hi=100),
        honeypot_fields=reader.texts(obj.get("honeypot_fields", []), ("honeypot_fields",), max_items=10, max_len=50),
        **flags,
    )
    reader.finish()
    return config


def _read_required(reader: ConfigReader, value: object) -> tuple[tuple[str, ...], ...]:
    groups: list[tuple[str, ...]] = []
    for index, group in enumerate(reader.listing(value, ("required",), max_items=len(LEAD_FIELDS))):
        loc: Loc = ("required", index)
        names = reader.texts([group] if isinstance(group, str) else group, loc, max_items=len(LEAD_FIELDS))
        for position, name in enumerate(names):
            if name not in LEAD_FIELDS:
                reader.fail((*loc, position), gettext("Unknown lead field."))
        if not names:
            reader.fail(loc, gettext("Must not be empty."))
        groups.append(names)
    return tuple(groups)


def _read_domains(reader: ConfigReader, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    domains = reader.texts(data.get(key, []), (key,), max_items=2000, max_len=253)
    for index, domain in enumerate(domains):
        if _ascii_domain(domain.strip().lower()) is None:
            reader.fail((key, index), gettext("Not a valid domain name."))
    return tuple(domain.strip().lower() for domain in domains)


def _read_max_lengths(reader: ConfigReader, value: object) -> dict[str, int]:
    limits = dict(DEFAULT_MAX_LENGTHS)
    obj = reader.mapping(value, ("max_lengths",), LEAD_FIELDS) or {}
    for name in LEAD_FIELDS:
        if name in obj:
            limits[name] = reader.integer(obj, name, ("max_lengths",), limits[name], lo=1, hi=HARD_LIMIT)
    return limits


def config_to_json(config: CleaningConfig) -> dict[str, Any]:
    return {
        "required": [list(group) for group in config.required],
        "phone_region": config.phone_region,
        **{name: getattr(config, name) for name in _FLAGS},
        "disposable_add": list(config.disposable_add),
        "disposable_remove": list(config.disposable_remove),
        "blacklist": list(config.blacklist),
        "max_lengths": {name: config.max_lengths[name] for name in LEAD_FIELDS},
        "max_links": config.max_links,
        "honeypot_fields": list(config.honeypot_fields),
    }


# --- result -------------------------------------------------------------------------------


def _format(message: object, params: Mapping[str, object]) -> str:
    return str(message) % {key: str(value) for key, value in params.items()}


def _join(*labels: object) -> str:
    return pgettext("list separator", ", ").join(str(label) for label in labels)


_lazy_format = lazy(_format, str)
lazy_join = lazy(_join, str)


def lazy_format(message: StrOrPromise, params: Mapping[str, object]) -> StrOrPromise:
    """``lazy_format(_("… %(x)s …"), {"x": …})``: rendered in the language active when it is shown."""
    return _lazy_format(message, params)


@dataclass(frozen=True)
class Rejection:
    rule: str  # one of RULES: stable, for filters and statistics
    field: str  # the lead field (or honeypot field) it concerns
    reason: StrOrPromise


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class CleanResult:
    values: dict[str, str]  # every lead field, normalised ("" when not given)
    rejections: tuple[Rejection, ...]
    changes: tuple[Change, ...]
    extra: dict[str, Any]  # input keys that are not lead fields, untouched
    phone_raw: str  # the phone as typed (``values["phone"]`` is E.164 when it parses)

    @property
    def accepted(self) -> bool:
        return not self.rejections


# --- normalisation ------------------------------------------------------------------------

_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_CJK = r"\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}()])\s+(?=[{_CJK}()])")
_SUFFIX_SEP = r"(?P<sep>[\s,]*)(?<![a-z0-9])"
_LATIN_SUFFIXES = tuple(
    (re.compile(_SUFFIX_SEP + pattern + r"\s*$", re.IGNORECASE), canonical)
    for pattern, canonical in (
        (r"co\s*[.,]?\s*,?\s*ltd\s*\.?", "Co., Ltd."),
        (r"company\s+limited\s*\.?", "Company Limited"),
        (r"corporation\s*\.?", "Corporation"),
        (r"corp\s*\.?", "Corp."),
        (r"inc\s*\.?", "Inc."),
        (r"limited\s*\.?", "Limited"),
        (r"ltd\s*\.?", "Ltd."),
        (r"llc\s*\.?", "LLC"),
        (r"gmbh\s*\.?", "GmbH"),
    )
)
_URL = re.compile(r"(?:https?://|www\.)[^\s]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|top|xyz|io)/\S*", re.I)
_EMAIL_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_CHINESE_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})")
_PHONE_PUNCTUATION = re.compile(r"[\s()-]")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _stable(step: Any, text: str) -> str:
    """Repeat a normalisation step until it no longer changes the text (at most a few times)."""
    for _attempt in range(4):
        new = step(text)
        if new == text:
            break
        text = new
    return str(text)


def _line_once(text: str) -> str:
    if text.isprintable() and unicodedata.is_normalized("NFKC", text) and "  " not in text and text == text.strip():
        return text  # the common case: nothing to drop, fold or collapse
    text = unicodedata.normalize("NFKC", text)
    kept = (" " if c.isspace() else c for c in text if c.isspace() or unicodedata.category(c) not in _DROP_CATEGORIES)
    return " ".join("".join(kept).split())


def normalise_line(text: str) -> str:
    """NFKC (full-width → half-width), control and zero-width characters dropped, whitespace collapsed."""
    return _stable(_line_once, text)


def _lines_once(text: str) -> str:
    lines = [_line_once(line) for line in unicodedata.normalize("NFKC", text).splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def normalise_message(text: str) -> str:
    """Like :func:`normalise_line` per line; line breaks kept, at most one blank line in a row."""
    return _stable(_lines_once, text)


def normalise_person_name(text: str, *, title_case: bool = True) -> str:
    """``"张 三"`` → ``"张三"``; ``"JOHN smith"`` → ``"John Smith"`` (ASCII names; ``"McDonald"`` is left alone)."""
    name = _CJK_GAP.sub("", normalise_line(text))
    if title_case and name.isascii():
        name = " ".join(word.title() if word.isupper() or word.islower() else word for word in name.split(" "))
    return name


def normalise_company(text: str, *, canonical_suffix: bool = True) -> str:
    """Spaces inside Chinese names dropped; Latin legal suffixes in one form (``"a co ltd"`` → ``"a Co., Ltd."``)."""
    name = _CJK_GAP.sub("", normalise_line(text))
    if not canonical_suffix:
        return name
    for pattern, canonical in _LATIN_SUFFIXES:
        match = pattern.search(name)
        if match and name[: match.start()].strip(" ,"):
            separator = ", " if "," in match.group("sep") else " "
            return name[: match.start()].rstrip(" ,") + separator + canonical
    return name


def _email_once(text: str) -> str:
    return unicodedata.normalize("NFKC", "".join(normalise_line(text).split()).lower())


def normalise_email(text: str) -> str:
    """Lower case, no spaces, NFKC (so ``"Ａ＠ＥＸＡＭＰＬＥ．com"`` → ``"a@example.com"``)."""
    return _stable(_email_once, text)


def _ascii_domain(domain: str) -> str | None:
    """The IDNA (punycode) form of a domain, or None when it is not a valid host name."""
    try:
        ascii_form = domain.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return None
    labels = ascii_form.split(".")
    top = labels[-1]
    if len(labels) < 2 or len(ascii_form) > 253 or len(top) < 2 or not (top.isalpha() or top.startswith("xn--")):
        return None
    return ascii_form if all(_LABEL.fullmatch(label) for label in labels) else None


def email_domain(email: str) -> str | None:
    """The ASCII domain of a syntactically valid address, else None."""
    local, at, domain = email.rpartition("@")
    if not at or not local or len(local) > 64 or "@" in local or not _EMAIL_LOCAL.fullmatch(local):
        return None
    return _ascii_domain(domain)


@cache
def _shipped_disposable_domains() -> frozenset[str]:
    text = resources.files("guanxi.leads").joinpath("data/disposable_domains.txt").read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line)


@lru_cache(maxsize=32)
def disposable_domains(add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> frozenset[str]:
    """The shipped list, minus ``remove``, plus ``add`` (all ASCII/punycode, lower case)."""
    ascii_add = {_ascii_domain(domain) or domain for domain in add}
    ascii_remove = {_ascii_domain(domain) or domain for domain in remove}
    return (_shipped_disposable_domains() - ascii_remove) | ascii_add


def _is_disposable(domain: str, listed: frozenset[str]) -> bool:
    labels = domain.split(".")
    return any(".".join(labels[index:]) in listed for index in range(len(labels) - 1))


@lru_cache(maxsize=32)
def _blacklist_matcher(terms: tuple[str, ...]) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    """Latin terms match whole words (``test`` does not hit ``attest``); others match anywhere."""
    folded = [normalise_line(term).casefold() for term in terms]
    words = [term for term in folded if term.isascii() and term]
    anywhere = tuple(term for term in folded if term and not term.isascii())
    pattern = "|".join(re.escape(term) for term in sorted(words, key=len, reverse=True))
    return (re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])") if pattern else None), anywhere


def blacklisted_word(text: str, terms: tuple[str, ...]) -> str | None:
    """The first blocked term found in ``text`` (case- and width-insensitive), else None."""
    if not terms or not text:
        return None
    words, anywhere = _blacklist_matcher(terms)
    folded = normalise_line(text).casefold()
    match = words.search(folded) if words else None
    if match:
        return match.group(0)
    return next((term for term in anywhere if term in folded), None)


# --- cleaning -----------------------------------------------------------------------------


def _as_text(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _normalise(name: str, text: str, config: CleaningConfig) -> str:
    if name == "name":
        return normalise_person_name(text, title_case=config.title_case_latin_names)
    if name == "company":
        return normalise_company(text, canonical_suffix=config.canonical_company_suffix)
    if name == "email":
        return normalise_email(text)
    if name == "message":
        return normalise_message(text)
    value = normalise_line(text)
    if name == "phone" and 0 < len(value) <= DEFAULT_MAX_LENGTHS["phone"]:
        return _valid_e164(value, config.phone_region, config.phone_strict) or value
    return value


def _fit(name: str, raw: str, config: CleaningConfig) -> tuple[str, Rejection | None]:
    """Normalise one field; a value longer than its limit is rejected and cut to fit a column."""
    limit = config.max_lengths.get(name, DEFAULT_MAX_LENGTHS[name])
    value = _normalise(name, raw[:HARD_LIMIT], config)
    if len(raw) <= HARD_LIMIT and len(value) <= limit:
        return value, None
    length = len(raw) if len(raw) > HARD_LIMIT else len(value)
    for _attempt in range(4):
        if len(value) <= limit:
            break
        value = _normalise(name, value[:limit], config)
    reason = lazy_format(
        _("%(field)s is too long: %(length)s characters, at most %(limit)s."),
        {"field": FIELD_LABELS[name], "length": length, "limit": limit},
    )
    return value[:limit], Rejection("max_length", name, reason)


def clean(raw: Mapping[str, str | None], config: CleaningConfig | None = None) -> CleanResult:
    """Normalise a lead's fields and check every rejection rule; never raises on any text."""
    config = config or default_config()
    values: dict[str, str] = {}
    rejections: list[Rejection] = []
    changes: list[Change] = []
    for name in LEAD_FIELDS:
        before = _as_text(raw.get(name))
        value, too_long = _fit(name, before, config)
        values[name] = value
        if too_long:
            rejections.append(too_long)
        if value != before:
            preview = before if len(before) <= AUDIT_PREVIEW else before[:AUDIT_PREVIEW] + "…"
            changes.append(Change(name, preview, value))
    extra = {key: value for key, value in raw.items() if key not in LEAD_FIELDS}
    rejections.extend(_check_required(values, config.required))
    rejections.extend(_check_contact(values, config))
    rejections.extend(_check_content(values, extra, config))
    return CleanResult(
        values=values,
        rejections=tuple(rejections),
        changes=tuple(changes),
        extra=extra,
        phone_raw=_as_text(raw.get("phone"))[: DEFAULT_MAX_LENGTHS["phone"] * 4],
    )


def _check_required(values: Mapping[str, str], groups: Sequence[tuple[str, ...]]) -> list[Rejection]:
    out: list[Rejection] = []
    for group in groups:
        if any(values.get(name) for name in group):
            continue
        if len(group) == 1:
            reason = lazy_format(_("%(field)s is required."), {"field": FIELD_LABELS[group[0]]})
        else:
            labels = lazy_join(*(FIELD_LABELS[name] for name in group))
            reason = lazy_format(_("Give at least one of: %(fields)s."), {"fields": labels})
        out.append(Rejection("required", group[0], reason))
    return out


def _check_contact(values: Mapping[str, str], config: CleaningConfig) -> list[Rejection]:
    out: list[Rejection] = []
    phone = values["phone"]
    if (
        phone
        and config.reject_invalid_phone
        and _valid_e164(phone[:64], config.phone_region, config.phone_strict) != phone
    ):
        out.append(Rejection("invalid_phone", "phone", _("Not a valid phone number.")))
    email = values["email"]
    domain = email_domain(email) if email else None
    if email and domain is None and config.reject_invalid_email:
        out.append(Rejection("invalid_email", "email", _("Not a valid email address.")))
    listed = disposable_domains(config.disposable_add, config.disposable_remove)
    if domain and config.reject_disposable_email and _is_disposable(domain, listed):
        reason = lazy_format(_("%(domain)s is a disposable email service."), {"domain": email.rpartition("@")[2]})
        out.append(Rejection("disposable_email", "email", reason))
    return out


@lru_cache(maxsize=4096)
def _valid_e164(text: str, region: str, strict: bool) -> str | None:
    """The E.164 form of a phone that parses back to itself (and, when ``strict``, is valid for its country)."""
    mobile = _CHINESE_MOBILE.fullmatch(_PHONE_PUNCTUATION.sub("", text)) if region == "CN" else None
    if mobile is not None:  # the common case, without the full parser (the same answer: tested)
        number = phonenumbers.PhoneNumber(country_code=86, national_number=int(mobile.group(1)))
        return f"+86{mobile.group(1)}" if not strict or phonenumbers.is_valid_number(number) else None
    return _parsed_e164(text, region, strict)


def _parsed_e164(text: str, region: str, strict: bool) -> str | None:
    e164 = phone_e164(text, region=region)
    if e164 is None or phone_e164(e164, region=region) != e164:
        return None
    return e164 if not strict or phonenumbers.is_valid_number(phonenumbers.parse(e164, region)) else None


def _check_content(values: Mapping[str, str], extra: Mapping[str, Any], config: CleaningConfig) -> list[Rejection]:
    out: list[Rejection] = []
    for name in LEAD_FIELDS:
        word = blacklisted_word(values[name], config.blacklist)
        if word:
            reason = lazy_format(
                _("%(field)s contains the blocked word “%(word)s”."), {"field": FIELD_LABELS[name], "word": word}
            )
            out.append(Rejection("blacklisted_word", name, reason))
    for name in ("name", "company", "title") if config.reject_links_in_name else ():
        if _URL.search(values[name]):
            reason = lazy_format(_("%(field)s must not contain a link."), {"field": FIELD_LABELS[name]})
            out.append(Rejection("link_in_name", name, reason))
    message = values["message"]
    links = _URL.findall(message)
    if links and config.reject_link_only_message and not any(c.isalnum() for c in _URL.sub("", message)):
        out.append(Rejection("link_only", "message", _("The message holds nothing but links.")))
    elif config.max_links and len(links) > config.max_links:
        reason = lazy_format(
            _("The message has %(count)s links, at most %(limit)s."), {"count": len(links), "limit": config.max_links}
        )
        out.append(Rejection("too_many_links", "message", reason))
    bot = _("A hidden form field was filled in: an automated submission.")
    out.extend(Rejection("honeypot", name, bot) for name in config.honeypot_fields if _as_text(extra.get(name)).strip())
    return out
