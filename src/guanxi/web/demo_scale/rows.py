"""One generated customer at a time, as plain tuples ready for a bulk insert.

Everything about customer ``i`` comes from its own random stream, seeded by ``(seed, i)``: the
rows do not depend on the chunk size, and a customer's id can be recomputed from its index
(relationships point back at earlier customers that way). Values are already in the form both
backends accept for a bulk insert: ids as 32 hex digits, times as UTC ``YYYY-MM-DD HH:MM:SS``,
dates as ISO strings, money as decimal strings.

Money follows ``guanxi.contracts.services.order_create`` exactly (Decimal, half-up to the
cent); the distinct (product, quantity, discount) combinations are few, so each is priced once.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from guanxi.contracts.models import OrderStatus
from guanxi.core.normalise import name_pinyin
from guanxi.customers.models import CustomerKind, PositionEnd
from guanxi.customers.search import derived_columns
from guanxi.web.demo_scale import vocab

T = TypeVar("T")
Row = tuple[Any, ...]
DAY = 86_400
CENT = Decimal("0.01")
EPOCH = date(1970, 1, 1)
CUSTOMER_YEARS = 5  # customers were entered over the last five years
ORDER_YEARS = 3  # and bought over the last three
MAX_ORDERS = 4096  # per customer (keeps order numbers unique, see ``order_number``)

# The search columns are whatever ``derived_columns`` returns (today search_text, search_grams, phone_rev, name_key).
SEARCH_FIELDS = tuple(derived_columns(name="x"))
CUSTOMER_FIELDS = (
    "id", "created_at", "updated_at", "created_by", "updated_by", "version", "owner", "team", "kind", "name",
    "short_name", "name_en", "industry", "size", "phone", "phone_e164", "email", "website", "province", "city",
    "district", "address", "birthday", "founded_on", "source", "notes", "name_pinyin", "name_initials",
    *SEARCH_FIELDS,
)  # fmt: skip
FACTS_FIELDS = (
    "customer", "as_of", "last_touch_at", "last_touch_channel", "interactions_count", "orders_count", "revenue",
    "product_cost", "first_purchase_on", "last_purchase_on",
)  # fmt: skip
VERSIONED = ("id", "created_at", "updated_at", "created_by", "updated_by", "version")
CONTACT_FIELDS = (*VERSIONED, "name", "name_pinyin", "name_initials", "gender", "mobile", "mobile_e164", "email",
                  "wechat", "birthday", "notes")  # fmt: skip
POSITION_FIELDS = (*VERSIONED, "contact", "customer", "title", "department", "buying_role", "started_on", "ended_on",
                   "end_reason")  # fmt: skip
INTERACTION_FIELDS = (*VERSIONED, "customer", "contact", "channel", "direction", "occurred_at", "outcome", "summary",
                      "next_step", "next_step_on")  # fmt: skip
RELATION_FIELDS = (*VERSIONED, "from_customer", "to_customer", "kind", "label", "note")
CONTACT_RELATION_FIELDS = (*VERSIONED, "from_contact", "to_contact", "kind", "note")
ORDER_FIELDS = (*VERSIONED, "customer", "number", "ordered_on", "status", "currency", "amount", "cost", "discount",
                "notes")  # fmt: skip
LINE_FIELDS = ("created_at", "updated_at", "order", "customer", "ordered_on", "status", "product", "quantity",
               "unit_price", "discount_rate", "unit_cost", "amount", "cost")  # fmt: skip


@dataclass(frozen=True)
class Item:
    """A catalogue product as the generator prices it."""

    id_hex: str
    category: str
    list_price: Decimal
    unit_cost: Decimal


@dataclass(frozen=True)
class Plan:
    """What every chunk of one run shares."""

    seed: int
    customers: int
    now_ts: int  # UTC epoch seconds of the run's "now"
    today: date  # the local date of "now"
    utc_offset: int  # seconds the local zone is ahead of UTC
    owners: Sequence[tuple[int, int | None]]  # (user id, team id)
    owner_weights: Sequence[float]  # cumulative
    catalogue: Sequence[Item]
    currency: str
    generator_id: int  # created_by of generated customers: how a later run recognises them


@dataclass
class Chunk:
    customers: list[Row] = field(default_factory=list)
    facts: list[Row] = field(default_factory=list)
    contacts: list[Row] = field(default_factory=list)
    positions: list[Row] = field(default_factory=list)
    interactions: list[Row] = field(default_factory=list)
    relations: list[Row] = field(default_factory=list)
    contact_relations: list[Row] = field(default_factory=list)
    orders: list[Row] = field(default_factory=list)
    lines: list[Row] = field(default_factory=list)


# --- small helpers ----------------------------------------------------------------------


def _uuid_hex(bits: int) -> str:
    """A random 128-bit number as a version-4 UUID in 32 hex digits."""
    bits = (bits & ~(0xF << 76)) | (0x4 << 76)
    bits = (bits & ~(0x3 << 62)) | (0x2 << 62)
    return f"{bits:032x}"


def customer_id(seed: int, index: int) -> str:
    """The id of generated customer ``index`` (recomputable without generating the customer)."""
    digest = hashlib.blake2b(f"guanxi-demo:{seed}:{index}".encode(), digest_size=16).digest()
    return _uuid_hex(int.from_bytes(digest, "big"))


def order_number(seed: int, index: int, order: int) -> str:
    """``SO-`` + 16 hex digits like the service's numbers; a bijection of (customer, order), so unique."""
    mixed = (((index << 12) | order) * 0x9E3779B97F4A7C15 + seed * 0xBF58476D1CE4E5B9) % (1 << 64)
    return f"SO-{mixed:016X}"


def _weighted(pairs: Sequence[tuple[T, float]]) -> tuple[list[T], list[float]]:
    values, cumulative, total = [], [], 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cumulative.append(total)
    return values, cumulative


_day_strings: dict[int, str] = {}


def day_text(day: int) -> str:
    """Day number (days since 1970-01-01) → ``YYYY-MM-DD``."""
    text = _day_strings.get(day)
    if text is None:
        text = _day_strings[day] = (EPOCH + timedelta(days=day)).isoformat()
    return text


def time_text(ts: int) -> str:
    """UTC epoch seconds → ``YYYY-MM-DD HH:MM:SS`` (how Django stores a UTC time on SQLite)."""
    seconds = ts % DAY
    return f"{day_text(ts // DAY)} {seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _cents(amount: int) -> str:
    return f"{amount // 100}.{amount % 100:02d}"


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Pinyin:
    """``name_pinyin`` of names made of fragments, computed per fragment and cached.

    Joining the fragments' pinyin equals the whole name's unless a word of pypinyin's phrase
    dictionary spans a joint: every adjacent pair is checked once, and a name with a pair that
    reads differently together is computed whole.
    """

    def __init__(self) -> None:
        self._parts: dict[str, tuple[str, str]] = {}
        self._pairs: dict[tuple[str, str], bool] = {}
        self._whole: dict[str, tuple[str, str]] = {}

    def part(self, text: str) -> tuple[str, str]:
        found = self._parts.get(text)
        if found is None:
            found = self._parts[text] = name_pinyin(text)
        return found

    def _joins(self, left: str, right: str) -> bool:
        ok = self._pairs.get((left, right))
        if ok is None:
            a, b = self.part(left), self.part(right)
            ok = self._pairs[(left, right)] = name_pinyin(left + right) == (a[0] + b[0], a[1] + b[1])
        return ok

    def of(self, parts: Sequence[str]) -> tuple[str, str]:
        for left, right in itertools.pairwise(parts):
            if not self._joins(left, right):
                whole = "".join(parts)
                found = self._whole.get(whole)
                if found is None:
                    found = self._whole[whole] = name_pinyin(whole)
                return found
        pieces = [self.part(p) for p in parts]
        return "".join(p[0] for p in pieces), "".join(p[1] for p in pieces)


class SearchColumns:
    """``customers.search.derived_columns`` per row, computed once per distinct name.

    The columns that depend on e-mail and phone (``search_text`` ends with the e-mail,
    ``phone_rev`` is the reversed E.164 digits) are added per row. The shortcut is checked
    against the function itself when the generator starts; if they ever disagree, every row is
    computed by the function.
    """

    SAMPLES = (
        (
            "杭州云栖科技有限公司",
            "云栖科技",
            "Hangzhou Yunqi Technology Co., Ltd.",
            "sales@yunqikj.com",
            "+8657187023456",
        ),
        ("张三", "", "Michael Zhang", "12345678@qq.com", "+8613800138000"),
        ("Pacific Brightway Trading Ltd.", "", "", "info@pacific-china.com", ""),
        ("欧阳建华", "", "", "", "+8613912345678"),
        ("北京华信贸易有限公司", "华信贸易", "", "", ""),
    )
    LIMIT = 300_000  # distinct names kept

    def __init__(self) -> None:
        self._names: dict[tuple[str, str, str], dict[str, str]] = {}
        self.exact = False
        self.exact = any(
            self.row(name, short, en, email, phone, *name_pinyin(name))
            != tuple(derived_columns(name=name, short_name=short, name_en=en, email=email, phone_e164=phone).values())
            for name, short, en, mail, tel in self.SAMPLES
            for email, phone in ((mail, tel), ("", ""), (mail, ""), ("", tel))
        )
        self._names.clear()

    def row(self, name: str, short: str, en: str, email: str, e164: str, full: str, initials: str) -> tuple[str, ...]:
        if self.exact:
            return tuple(
                derived_columns(
                    name=name, short_name=short, name_en=en, email=email, phone_e164=e164, name_pinyin_=full,
                    name_initials=initials,
                ).values()
            )  # fmt: skip
        key = (name, short, en)
        base = self._names.get(key)
        if base is None:
            if len(self._names) >= self.LIMIT:
                self._names.clear()
            base = self._names[key] = derived_columns(
                name=name, short_name=short, name_en=en, name_pinyin_=full, name_initials=initials
            )
        values = dict(base)
        if email:
            values["search_text"] = f"{base['search_text']} {email.lower()}"
        values["phone_rev"] = e164.lstrip("+")[::-1]
        return tuple(values.values())


PINYIN = Pinyin()  # shared by every generator of the process (names are pure functions of their text)


# --- weighted tables --------------------------------------------------------------------

CITY_ROWS, CITY_CUM = _weighted([(row, row[1]) for row in vocab.CITIES])
TRADE_ROWS, TRADE_CUM = _weighted([(row, row[1]) for row in vocab.TRADES])
SUFFIX_ROWS, SUFFIX_CUM = _weighted([(row, row[1]) for row in vocab.SUFFIXES])
SURNAME_ROWS, SURNAME_CUM = _weighted(list(zip(vocab.SURNAMES, vocab.SURNAME_WEIGHTS, strict=True)))
SIZE_ROWS, SIZE_CUM = _weighted(vocab.SIZES)
SOURCE_ROWS, SOURCE_CUM = _weighted(vocab.SOURCES)
DOMAIN_ROWS, DOMAIN_CUM = _weighted(vocab.MAIL_DOMAINS)
TLD_ROWS, TLD_CUM = _weighted(vocab.TLDS)
POST_ROWS = [row[:3] for row in vocab.POSTS]
POST_WEIGHTS = [row[3] for row in vocab.POSTS]
KIND_ROWS, KIND_CUM = _weighted(vocab.RELATION_KINDS)
PROMOTIONS = {"采购专员": "采购经理", "工程师": "高级工程师", "副总经理": "总经理", "财务主管": "财务经理"}

# Segments give the purchase history its shape: a few very profitable accounts, big accounts
# that buy at a deep discount (costly), a middle, and a long tail of small or no purchases.
# name: share, mean order lines, quantity scale, discount rates, product categories, touches
SEGMENTS: list[tuple[str, float, float, float, tuple[str, ...], tuple[str, ...] | None, float]] = [
    ("key", 0.02, 120.0, 8.0, ("0", "0", "0.05"), None, 7.0),
    ("haggler", 0.08, 60.0, 10.0, ("0.2", "0.25", "0.3", "0.35"), ("硬件", "服务", "配件"), 5.0),
    ("regular", 0.35, 28.0, 2.0, ("0", "0", "0", "0.05", "0.1"), None, 3.0),
    ("tail", 0.55, 5.0, 0.6, ("0", "0", "0.05"), ("硬件", "配件", "服务"), 1.0),
]
SEGMENT_ROWS, SEGMENT_CUM = _weighted([(row, row[1]) for row in SEGMENTS])
LINES_PER_ORDER, LINES_PER_ORDER_CUM = _weighted(
    [(1, 16), (2, 16), (3, 15), (4, 14), (5, 12), (6, 10), (8, 9), (10, 8)]
)


class Generator:
    """Turns customer indexes into rows; one instance per run (it caches pinyin and prices)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.pinyin = PINYIN
        self.search = SearchColumns()
        self._prices: dict[tuple[int, int, str], tuple[str, str, str, str, str, str, int, int, int]] = {}
        start = plan.now_ts - CUSTOMER_YEARS * 365 * DAY
        self._created_start, self._created_span = start, CUSTOMER_YEARS * 365 * DAY - DAY
        self._today = (plan.today - EPOCH).days
        self._first_order_day = self._today - ORDER_YEARS * 365
        self._pools: dict[tuple[str, ...] | None, list[int]] = {
            None: list(range(len(plan.catalogue))),
            **{
                cats: [i for i, item in enumerate(plan.catalogue) if item.category in cats] or [0]
                for *_head, cats, _touches in SEGMENTS
                if cats is not None
            },
        }

    # --- one chunk ---

    def chunk(self, start: int, stop: int) -> Chunk:
        out = Chunk()
        for index in range(start, stop):
            self.customer(index, out)
        return out

    def customer(self, index: int, out: Chunk) -> None:
        plan = self.plan
        rng = random.Random((plan.seed << 32) | index)  # noqa: S311 - deterministic demo data, not security
        cid = customer_id(plan.seed, index)
        created = self._created_start + int(self._created_span * (index + rng.random()) / plan.customers)
        owner_id, team_id = rng.choices(plan.owners, cum_weights=plan.owner_weights)[0]
        kind = rng.random()
        if kind < 0.72:
            profile = self._company(rng, created)
        elif kind < 0.74:
            profile = self._english_company(rng, created)
        else:
            profile = self._person(rng, created)
        is_person = profile["kind"] == CustomerKind.INDIVIDUAL
        phone, e164 = self._phone(rng, mobile=is_person or rng.random() < 0.45, area=profile.pop("area"))
        if rng.random() < 0.04:
            phone, e164 = "", ""  # no number on file
        derived = self.search.row(
            profile["name"],
            profile["short_name"],
            profile["name_en"],
            profile["email"],
            e164,
            profile["name_pinyin"],
            profile["name_initials"],
        )
        created_text = time_text(created)
        out.customers.append(
            (
                cid, created_text, created_text, plan.generator_id, plan.generator_id, 1, owner_id, team_id,
                profile["kind"], profile["name"], profile["short_name"], profile["name_en"], profile["industry"],
                profile["size"], phone, e164, profile["email"], profile["website"], profile["province"],
                profile["city"], profile["district"], profile["address"], profile["birthday"], profile["founded_on"],
                profile["source"], "", profile["name_pinyin"], profile["name_initials"], *derived,
            )
        )  # fmt: skip
        segment = SEGMENT_ROWS[_pick(rng, SEGMENT_CUM)]
        contacts = [] if is_person else self._contacts(rng, out, cid, owner_id, created, profile["domain"])
        touches = self._interactions(rng, out, cid, owner_id, created, contacts, segment[6])
        if not is_person and index > 0 and rng.random() < 0.04:
            self._relation(rng, out, index, cid, owner_id, created)
        sold = self._orders(rng, out, index, cid, owner_id, created, segment)
        out.facts.append((cid, time_text(plan.now_ts), *touches, *sold))

    # --- profile ---

    def _company(self, rng: random.Random, created: int) -> dict[str, Any]:
        in_name = rng.random() < 0.85
        city = CITY_ROWS[_pick(rng, CITY_CUM)]
        home = city if in_name or rng.random() < 0.5 else CITY_ROWS[_pick(rng, CITY_CUM)]
        word = rng.choice(vocab.WORDS)
        trade = TRADE_ROWS[_pick(rng, TRADE_CUM)]
        suffix = SUFFIX_ROWS[_pick(rng, SUFFIX_CUM)]
        parts = [city[0], word, trade[0], suffix[0]] if in_name else [word, trade[0], suffix[0]]
        full, initials = self.pinyin.of(parts)
        word_py = self.pinyin.part(word)[0]
        name_en = ""
        if rng.random() < 0.2:
            place = self.pinyin.part(city[0])[0].capitalize() + " " if in_name else ""
            name_en = f"{place}{word_py.capitalize()} {trade[3]} {suffix[2]}"
        domain = ""
        email = ""
        if rng.random() < 0.5:
            head = self.pinyin.part(city[0])[1] if in_name and rng.random() < 0.3 else ""
            domain = f"{head}{word_py}{self.pinyin.part(trade[0])[1]}.{TLD_ROWS[_pick(rng, TLD_CUM)]}"
            email = f"{rng.choice(vocab.COMPANY_MAIL_BOXES)}@{domain}"
        return {
            "kind": CustomerKind.ORGANISATION,
            "name": "".join(parts),
            "short_name": word + trade[0][:2],
            "name_en": name_en,
            "name_pinyin": full,
            "name_initials": initials,
            "industry": str(trade[2]),
            "size": str(SIZE_ROWS[_pick(rng, SIZE_CUM)]),
            "email": email,
            "domain": domain,
            "website": f"https://www.{domain}" if domain and rng.random() < 0.5 else "",
            "birthday": None,
            "founded_on": self._day_before(rng, created, 365, 25 * 365) if rng.random() < 0.6 else None,
            **self._place(rng, home),
        }

    def _english_company(self, rng: random.Random, created: int) -> dict[str, Any]:
        name = f"{rng.choice(vocab.ENGLISH_HEADS)} {rng.choice(vocab.ENGLISH_TAILS)}"
        full, initials = self.pinyin.of([name])
        domain = f"{name.split()[0].lower()}-china.com"
        return {
            "kind": CustomerKind.ORGANISATION,
            "name": name,
            "short_name": "",
            "name_en": "",
            "name_pinyin": full,
            "name_initials": initials,
            "industry": "",
            "size": str(SIZE_ROWS[_pick(rng, SIZE_CUM)]),
            "email": f"{rng.choice(vocab.COMPANY_MAIL_BOXES)}@{domain}" if rng.random() < 0.7 else "",
            "domain": domain,
            "website": f"https://www.{domain}" if rng.random() < 0.6 else "",
            "birthday": None,
            "founded_on": self._day_before(rng, created, 365, 20 * 365) if rng.random() < 0.5 else None,
            **self._place(rng, CITY_ROWS[_pick(rng, CITY_CUM)]),
        }

    def _person(self, rng: random.Random, created: int) -> dict[str, Any]:
        surname, given, full, initials = self._person_name(rng)
        name_en = ""
        if rng.random() < 0.1:
            first = rng.choice(vocab.WESTERN) if rng.random() < 0.5 else self.pinyin.of(given)[0].capitalize()
            name_en = f"{first} {self.pinyin.part(surname)[0].capitalize()}"
        email = ""
        if rng.random() < 0.55:
            if rng.random() < 0.4:
                email = f"{rng.randrange(10_000_000, 3_000_000_000)}@qq.com"
            else:
                digits = str(rng.randrange(1, 1000)) if rng.random() < 0.5 else ""
                domain = DOMAIN_ROWS[_pick(rng, DOMAIN_CUM)]
                email = f"{self.pinyin.of(given)[0]}.{self.pinyin.part(surname)[0]}{digits}@{domain}"
        return {
            "kind": CustomerKind.INDIVIDUAL,
            "name": surname + "".join(given),
            "short_name": "",
            "name_en": name_en,
            "name_pinyin": full,
            "name_initials": initials,
            "industry": "",
            "size": "",
            "email": email,
            "domain": "",
            "website": "",
            "birthday": self._day_before(rng, created, 22 * 365, 65 * 365) if rng.random() < 0.4 else None,
            "founded_on": None,
            **self._place(rng, CITY_ROWS[_pick(rng, CITY_CUM)]),
        }

    def _person_name(self, rng: random.Random) -> tuple[str, list[str], str, str]:
        surname = SURNAME_ROWS[_pick(rng, SURNAME_CUM)]
        given = [rng.choice(vocab.GIVEN) for _ in range(1 if rng.random() < 0.35 else 2)]
        full, initials = self.pinyin.of([surname, *given])
        return surname, given, full, initials

    def _place(self, rng: random.Random, city: tuple[Any, ...]) -> dict[str, Any]:
        district = rng.choice(city[5])
        address = f"{rng.choice(vocab.ROADS)}{rng.randrange(1, 999)}号"
        if rng.random() < 0.35:
            address += f"{rng.randrange(1, 30)}栋{rng.randrange(1, 30)}{rng.randrange(1, 20):02d}室"
        return {
            "province": city[2],
            "city": city[2] if city[2].endswith("市") and city[2].startswith(city[0]) else city[0] + "市",
            "district": district,
            "address": address,
            "source": str(SOURCE_ROWS[_pick(rng, SOURCE_CUM)]) if rng.random() < 0.85 else "",
            "area": city[3:5],
        }

    def _phone(self, rng: random.Random, *, mobile: bool, area: tuple[str, int]) -> tuple[str, str]:
        """A number in one of the ways people write it, and its E.164 form."""
        if mobile:
            number = rng.choice(vocab.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            a, b, c = number[:3], number[3:7], number[7:]
            shown = rng.choices(
                (number, f"{a} {b} {c}", f"+86 {a} {b} {c}", f"{a}-{b}-{c}", f"+86-{a}-{b}-{c}"),
                cum_weights=(40, 65, 80, 95, 100),
            )[0]
            return shown, "+86" + number
        code, digits = area
        local = str(rng.randrange(2, 9)) + f"{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
        head, tail = local[: digits - 4], local[digits - 4 :]
        shown = rng.choices(
            (f"0{code}-{head} {tail}", f"0{code}-{local}", f"(0{code}) {head} {tail}", f"+86 {code} {head} {tail}",
             f"0{code}{local}"),
            cum_weights=(35, 70, 80, 92, 100),
        )[0]  # fmt: skip
        return shown, f"+86{code}{local}"

    def _day_before(self, rng: random.Random, ts: int, least: int, most: int) -> str:
        return day_text(ts // DAY - rng.randrange(least, most))

    # --- contacts and their posts ---

    def _contacts(self, rng: random.Random, out: Chunk, cid: str, owner: int, created: int, domain: str) -> list[str]:
        """One to three contacts with their posts (some changed post, some left); returns current ones."""
        now, today = self.plan.now_ts, self._today
        count = rng.choices((1, 2, 3), cum_weights=(40, 75, 100))[0]
        posts = _sample_weighted(rng, POST_ROWS, POST_WEIGHTS, count)
        current: list[str] = []
        for title, department, role in posts:
            contact = _uuid_hex(rng.getrandbits(128))
            surname, given, full, initials = self._person_name(rng)
            mobile, mobile_e164 = self._phone(rng, mobile=True, area=("", 0))
            given_py, surname_py = self.pinyin.of(given)[0], self.pinyin.part(surname)[0]
            email = f"{given_py}.{surname_py}@{domain}" if domain and rng.random() < 0.4 else ""
            wechat = f"{surname_py}{given_py}{rng.randrange(100, 9999)}" if rng.random() < 0.35 else ""
            entered = min(now - 3600, created + rng.randrange(0, 60 * DAY))
            entered_text = time_text(entered)
            out.contacts.append(
                (
                    contact, entered_text, entered_text, owner, owner, 1, surname + "".join(given), full, initials,
                    rng.choice(("female", "male")), mobile, mobile_e164, email, wechat, None, "",
                )
            )  # fmt: skip
            started = min(today - 1, entered // DAY - rng.randrange(0, 3 * 365))
            fate = rng.random()
            if fate < 0.3 and today - started > 60:
                # Changed post: the old one closes the day the new one opens.
                changed = started + rng.randrange(30, today - started)
                changed_ts = max(entered, changed * DAY + 3 * 3600)
                out.positions.append(
                    self._position(rng, contact, cid, owner, entered, (title, department, role), started, changed,
                                   PositionEnd.CHANGED_POST, changed_ts)
                )  # fmt: skip
                promoted = PROMOTIONS.get(title) or ("高级" + title if not title.startswith("高级") else title)
                out.positions.append(
                    self._position(rng, contact, cid, owner, changed_ts, (promoted, department, role), changed)
                )
                current.append(contact)
            elif fate < 0.42 and today - started > 30:
                left = started + rng.randrange(20, today - started)
                out.positions.append(
                    self._position(rng, contact, cid, owner, entered, (title, department, role), started, left,
                                   PositionEnd.LEFT, max(entered, left * DAY + 3 * 3600))
                )  # fmt: skip
            else:
                out.positions.append(
                    self._position(rng, contact, cid, owner, entered, (title, department, role), started)
                )
                current.append(contact)
        if len(current) >= 2 and rng.random() < 0.4:
            at = time_text(max(created, now - rng.randrange(DAY, 400 * DAY)))
            out.contact_relations.append(
                (_uuid_hex(rng.getrandbits(128)), at, at, owner, owner, 1, current[1], current[0], "reports_to", "")
            )
        return current

    def _position(
        self,
        rng: random.Random,
        contact: str,
        cid: str,
        owner: int,
        created: int,
        post: tuple[str, str, str],
        started: int,
        ended: int | None = None,
        reason: str = "",
        closed_ts: int | None = None,
    ) -> Row:
        created_text = time_text(created)
        updated_text = time_text(closed_ts) if closed_ts is not None else created_text
        version = 1 if ended is None else 2
        return (
            _uuid_hex(rng.getrandbits(128)), created_text, updated_text, owner, owner, version, contact, cid,
            post[0], post[1], str(post[2]), day_text(started), None if ended is None else day_text(ended), reason,
        )  # fmt: skip

    # --- interactions ---

    def _interactions(
        self, rng: random.Random, out: Chunk, cid: str, owner: int, created: int, contacts: list[str], mean: float
    ) -> tuple[str | None, str, int]:
        """A few touches (more for bigger accounts); returns last touch time, its channel and the count."""
        now = self.plan.now_ts
        count = min(40, int(rng.expovariate(1 / mean))) if mean else 0
        first = max(created, now - ORDER_YEARS * 365 * DAY)
        if count == 0 or now - 3600 <= first:
            return None, "", 0
        moments = sorted(rng.sample(range(first, now - 3600, 60), min(count, (now - 3600 - first) // 60)))
        channel = ""
        for moment in moments:
            channel, direction, outcome, summary, next_step = rng.choice(vocab.TOUCHES)
            due = day_text(moment // DAY + rng.randrange(1, 15)) if next_step and rng.random() < 0.5 else None
            at = time_text(moment)
            out.interactions.append(
                (
                    _uuid_hex(rng.getrandbits(128)), at, at, owner, owner, 1, cid,
                    rng.choice(contacts) if contacts else None, str(channel), str(direction), at, str(outcome),
                    summary, next_step, due,
                )
            )  # fmt: skip
        return (time_text(moments[-1]), str(channel), len(moments)) if moments else (None, "", 0)

    # --- relationships ---

    def _relation(self, rng: random.Random, out: Chunk, index: int, cid: str, owner: int, created: int) -> None:
        """A link to one of the 500 customers entered just before (the parent is the older one)."""
        other = customer_id(self.plan.seed, index - 1 - rng.randrange(min(index, 500)))
        kind = KIND_ROWS[_pick(rng, KIND_CUM)]
        ends = (other, cid) if kind == "parent_of" else (cid, other)
        at = time_text(min(self.plan.now_ts - 3600, created + rng.randrange(DAY, 90 * DAY)))
        out.relations.append((_uuid_hex(rng.getrandbits(128)), at, at, owner, owner, 1, *ends, kind, "", ""))

    # --- orders ---

    def _price(self, product: int, quantity: int, rate: str) -> tuple[str, str, str, str, str, str, int, int, int]:
        """Line figures exactly as ``order_create`` computes them (list price and unit cost of the product)."""
        key = (product, quantity, rate)
        found = self._prices.get(key)
        if found is None:
            item = self.plan.catalogue[product]
            q, discount = Decimal(quantity), Decimal(rate)
            gross = q * item.list_price
            amount = _money(gross * (1 - discount))
            cost = _money(q * item.unit_cost)
            given = _money(gross) - amount
            found = self._prices[key] = (
                str(q), str(item.list_price), str(discount), str(item.unit_cost), str(amount), str(cost),
                int(amount * 100), int(cost * 100), int(given * 100),
            )  # fmt: skip
        return found

    def _orders(
        self,
        rng: random.Random,
        out: Chunk,
        index: int,
        cid: str,
        owner: int,
        created: int,
        segment: tuple[str, float, float, float, tuple[str, ...], tuple[str, ...] | None, float],
    ) -> tuple[int, str, str, str | None, str | None]:
        """Orders over the last three years; returns the sold orders' count, revenue, cost, first and last day."""
        plan = self.plan
        _name, _share, mean_lines, scale, rates, categories, _touches = segment
        first_day = max(created // DAY + 1, self._first_order_day)
        last_day = self._today - 1
        if last_day < first_day or (segment[0] == "tail" and rng.random() < 0.2):
            return 0, "0.00", "0.00", None, None
        pool = self._pools[categories]
        appetite = rng.lognormvariate(0, 0.6)
        lines_left = max(1, round(rng.expovariate(1 / mean_lines)))
        days: list[int] = []
        sizes: list[int] = []
        while lines_left > 0 and len(days) < MAX_ORDERS:
            size = min(lines_left, LINES_PER_ORDER[_pick(rng, LINES_PER_ORDER_CUM)], len(pool))
            sizes.append(size)
            days.append(rng.randint(first_day, last_day))
            lines_left -= size
        days.sort()
        sold_orders = sold_amount = sold_cost = 0
        sold_first: int | None = None
        sold_last: int | None = None
        offset, currency, catalogue = plan.utc_offset, plan.currency, plan.catalogue
        expovariate, choice, price_of, lines, lambd = rng.expovariate, rng.choice, self._price, out.lines, 1 / scale
        for number, (day, size) in enumerate(zip(days, sizes, strict=True)):
            order_id = _uuid_hex(rng.getrandbits(128))
            placed = day * DAY - offset + rng.randrange(9 * 3600, 18 * 3600)
            status, version, updated = self._status(rng, day, placed)
            placed_text, updated_text, day_str = time_text(placed), time_text(updated), day_text(day)
            amount = cost = given = 0
            for product in rng.sample(pool, size):
                quantity = max(1, min(500, round(expovariate(lambd) * appetite) + 1))
                q, price, rate, unit_cost, amount_text, cost_text, line_amount, line_cost, line_given = price_of(
                    product, quantity, choice(rates)
                )
                lines.append(
                    (
                        placed_text, updated_text, order_id, cid, day_str, status, catalogue[product].id_hex, q,
                        price, rate, unit_cost, amount_text, cost_text,
                    )
                )  # fmt: skip
                amount += line_amount
                cost += line_cost
                given += line_given
            out.orders.append(
                (
                    order_id, placed_text, updated_text, owner, owner, version, cid,
                    order_number(plan.seed, index, number), day_str, status, currency, _cents(amount), _cents(cost),
                    _cents(given), "",
                )
            )  # fmt: skip
            if status in (OrderStatus.CONFIRMED, OrderStatus.DELIVERED):
                sold_orders += 1
                sold_amount += amount
                sold_cost += cost
                sold_first = day if sold_first is None else sold_first
                sold_last = day
        return (
            sold_orders,
            _cents(sold_amount),
            _cents(sold_cost),
            None if sold_first is None else day_text(sold_first),
            None if sold_last is None else day_text(sold_last),
        )

    def _status(self, rng: random.Random, day: int, placed: int) -> tuple[str, int, int]:
        """Status, version and last change: recent orders are open; a few old ones came back or were cancelled."""
        now = self.plan.now_ts - 60
        roll = rng.random()
        if self._today - day <= 14:
            if roll < 0.8:
                return str(OrderStatus.CONFIRMED), 1, placed
            if roll < 0.95:
                return str(OrderStatus.DELIVERED), 2, min(now, placed + rng.randrange(3600, 5 * DAY))
            return str(OrderStatus.CANCELLED), 2, min(now, placed + rng.randrange(3600, 3 * DAY))
        if roll < 0.92:
            return str(OrderStatus.DELIVERED), 2, min(now, placed + rng.randrange(DAY, 6 * DAY))
        if roll < 0.965:
            return str(OrderStatus.RETURNED), 3, min(now, placed + rng.randrange(6 * DAY, 30 * DAY))
        return str(OrderStatus.CANCELLED), 2, min(now, placed + rng.randrange(3600, 3 * DAY))


def _pick(rng: random.Random, cumulative: Sequence[float]) -> int:
    """Index of a weighted choice (cumulative weights)."""
    target = rng.random() * cumulative[-1]
    low, high = 0, len(cumulative) - 1
    while low < high:
        middle = (low + high) // 2
        if cumulative[middle] > target:
            high = middle
        else:
            low = middle + 1
    return low


def _sample_weighted(rng: random.Random, rows: Sequence[T], weights: Sequence[int], count: int) -> list[T]:
    """``count`` distinct rows, drawn by weight."""
    chosen: list[T] = []
    pool, pool_weights = list(rows), list(weights)
    for _ in range(min(count, len(pool))):
        at = rng.choices(range(len(pool)), weights=pool_weights)[0]
        chosen.append(pool.pop(at))
        pool_weights.pop(at)
    return chosen
