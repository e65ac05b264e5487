"""Customer search at millions of rows: derived search columns, query kinds, and the index paths.

Design and measurements: ``docs/dev/search-design.md``. In short:

* Every customer row carries derived columns, written by the services (``derived_columns``):
  ``search_text`` (name, short name, English name, pinyin, initials, e-mail — lower case, one
  line), ``search_grams`` (two-character tokens: CJK bigrams of the names, two-letter initials and
  word prefixes, space-delimited), ``phone_rev`` (E.164 digits reversed, for "ends with") and
  ``name_key`` (the duplicate-check key).
* ``search_q`` is the one definition of what matches; the index paths below only find the
  candidate rows faster and the final query always applies the data scope and ``search_q`` again.
* Results are ordered like the unfiltered list (newest first), never by relevance: exact
  identifiers (phone, e-mail) match one row anyway, and ranking would have to score every match.
* SQLite: a contentless FTS5 ``trigram`` table (``customers_search``) holds ``search_text``,
  ``grams`` (each two-character token as one pseudo-trigram) and ``scope`` (owner and team as one
  private-use trigram each), kept in step by triggers, so a probe counts *in-scope* candidates
  and stops early.
* PostgreSQL: a bounded walk of the newest rows of each scope part first (the database filters
  and stops at the page's last match; all the teams of a scope are one part); when that does not
  fill the page, one scoped query on the composite trigram GIN index (``pg_trgm`` + ``btree_gin``).
* Both need planner statistics (``core.services.planner_statistics_refresh``): without them
  SQLite reads a manager's whole team instead of the few candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Expression, IntegerField, Q, QuerySet, Value, When

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.normalise import name_key, name_pinyin
from guanxi.core.pagination import PagePlan

RECORD_TYPE = "customers.customer"  # as registered with accounts.access
PROBE_LIMIT = 2000  # more in-scope candidates than this: the term is common, walk the list instead
WALK_ROWS = 3000  # PostgreSQL: rows per scope part read newest-first before falling back to the index
GRAM_MARK = "\ue0ff"  # turns a two-character token into one trigram in the FTS5 table
OWNER_MARK, TEAM_MARK, KEY_BASE, KEY_RADIX = 0xE000, 0xE001, 0xE100, 3840

_PHONEISH = re.compile(r"^[\d\s+()\-.]{3,}$")
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9]+")


# --- derived columns --------------------------------------------------------------------


def _flat(*parts: str) -> str:
    return _SPACES.sub(" ", " ".join(p for p in parts if p)).strip().lower()


def _grams(name: str, short_name: str, name_en: str, initials: str, pinyin: str) -> str:
    tokens: set[str] = set()
    for text in (name, short_name):
        for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", text or ""):
            tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    if len(initials) >= 2:
        tokens.add(initials[:2])
    for word in _WORD.findall(_flat(name, short_name, name_en, pinyin)):
        if len(word) >= 2:
            tokens.add(word[:2])
    return f" {' '.join(sorted(tokens))} " if tokens else ""


def derived_columns(
    *,
    name: str,
    short_name: str = "",
    name_en: str = "",
    email: str = "",
    phone_e164: str = "",
    name_pinyin_: str | None = None,
    name_initials: str | None = None,
) -> dict[str, str]:
    """The search columns of one customer, from its hand-kept fields (pinyin computed if not given)."""
    if name_pinyin_ is None or name_initials is None:
        name_pinyin_, name_initials = name_pinyin(name)
    short_pinyin, short_initials = name_pinyin(short_name) if short_name else ("", "")
    return {
        "search_text": _flat(
            name, short_name, name_en, name_pinyin_, name_initials, short_pinyin, short_initials, email
        ),
        "search_grams": _grams(name, short_name, name_en, name_initials, name_pinyin_),
        "phone_rev": phone_e164.lstrip("+")[::-1],
        "name_key": name_key(name),
    }


SOURCE_FIELDS = ("name", "short_name", "name_en", "email", "phone_e164", "name_pinyin", "name_initials")


def refresh_columns(values: dict[str, Any], current: Any = None) -> dict[str, Any]:
    """``values`` plus fresh search columns when any field they derive from is among them."""
    if not any(field in values for field in SOURCE_FIELDS):
        return values

    def pick(field: str) -> str:
        return str(values[field] if field in values else getattr(current, field, "") or "")

    return values | derived_columns(
        name=pick("name"),
        short_name=pick("short_name"),
        name_en=pick("name_en"),
        email=pick("email"),
        phone_e164=pick("phone_e164"),
        name_pinyin_=pick("name_pinyin"),
        name_initials=pick("name_initials"),
    )


# --- the index tables ---------------------------------------------------------------------


def _scope_sql(row: str) -> str:
    def key(mark: int, column: str) -> str:
        return (
            f"CASE WHEN {row}.{column} IS NULL THEN '' ELSE char({mark}, {KEY_BASE} + {row}.{column} / {KEY_RADIX}, "
            f"{KEY_BASE} + {row}.{column} % {KEY_RADIX}) END"
        )

    return f"{key(OWNER_MARK, 'owner_id')} || ' ' || {key(TEAM_MARK, 'team_id')}"


def _grams_sql(row: str) -> str:
    mark = ord(GRAM_MARK)
    return f"replace(trim({row}.search_grams), ' ', char({mark}) || ' ') || char({mark})"


def _fts_row(row: str) -> str:
    return f"{row}.rowid, {row}.search_text, {_grams_sql(row)}, {_scope_sql(row)}"


# Every piece below is built from constants of this module, never from input.
_FTS_COLUMNS = "customers_search(rowid, search_text, grams, scope)"
_FTS_DELETE = "customers_search(customers_search, rowid, search_text, grams, scope)"
SQLITE_TRIGGERS = [
    "CREATE TRIGGER customers_search_ai AFTER INSERT ON customers_customer BEGIN "  # noqa: S608
    f"INSERT INTO {_FTS_COLUMNS} VALUES ({_fts_row('new')}); END",
    "CREATE TRIGGER customers_search_ad AFTER DELETE ON customers_customer BEGIN "  # noqa: S608
    f"INSERT INTO {_FTS_DELETE} VALUES ('delete', {_fts_row('old')}); END",
    "CREATE TRIGGER customers_search_au AFTER UPDATE OF search_text, search_grams, owner_id, team_id "  # noqa: S608
    "ON customers_customer BEGIN "
    f"INSERT INTO {_FTS_DELETE} VALUES ('delete', {_fts_row('old')}); "
    f"INSERT INTO {_FTS_COLUMNS} VALUES ({_fts_row('new')}); END",
]
SQLITE_TRIGGER_NAMES = ("customers_search_ai", "customers_search_ad", "customers_search_au")
SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE customers_search USING fts5(search_text, grams, scope, content='', tokenize='trigram')",
    *SQLITE_TRIGGERS,
]
SQLITE_FILL = f"INSERT INTO {_FTS_COLUMNS} SELECT {_fts_row('c')} FROM customers_customer c"  # noqa: S608
POSTGRES_INDEX = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS customers_customer_search_gin ON customers_customer USING gin "
    "(owner_id, team_id, search_text gin_trgm_ops, search_grams gin_trgm_ops)",
]


@contextmanager
def bulk_load() -> Iterator[None]:
    """Around a bulk insert of customers: on SQLite, index afterwards in one pass, not per row."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGER_NAMES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        rebuild_index()


def rebuild_index() -> None:
    """Rebuild the SQLite search table from the customer rows (and restore its triggers)."""
    if connection.vendor != "sqlite":
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for name in SQLITE_TRIGGER_NAMES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute("INSERT INTO customers_search(customers_search) VALUES ('delete-all')")
        cursor.execute(SQLITE_FILL)
        for statement in SQLITE_TRIGGERS:
            cursor.execute(statement)


# --- query kinds ------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    kind: str  # "phone", "text" (3+ characters), "gram" (2), "prefix" (1), "none"
    value: str
    alternatives: tuple[str, ...] = ()


def parse(q: str) -> Term:
    """Classify what the user typed: a phone (any format), a text of 3+ characters, 2 or 1."""
    text = _SPACES.sub(" ", (q or "").replace("\x00", "")).strip()
    if not text:
        return Term("none", "")
    if _PHONEISH.match(text) and sum(ch.isdigit() for ch in text) >= 3:
        return Term("phone", _phone_key(text), (_phone_start(text),))
    lowered = text.lower()
    if len(lowered) >= 3:
        alternatives: tuple[str, ...] = ()
        if " " in lowered and not _CJK.search(lowered):
            # "zhang san" should find 张三 ("zhangsan") as well as "Zhang San Trading".
            alternatives = (lowered.replace(" ", ""),)
        return Term("text", lowered, alternatives)
    if len(lowered) == 2:
        return Term("gram", lowered)
    return Term("prefix", text)


def _phone_key(text: str) -> str:
    """Reversed digits to look up as a prefix of ``phone_rev``: "0571-8702 3456" → ends with 57187023456."""
    digits = re.sub(r"\D", "", text)
    try:
        number = phonenumbers.parse(text, settings.GUANXI_DEFAULT_REGION)
        if phonenumbers.is_possible_number(number):
            digits = phonenumbers.national_significant_number(number)
    except phonenumbers.NumberParseException:
        pass
    if text.lstrip().startswith("00"):
        digits = digits.removeprefix("00")
    return digits[::-1]


def _phone_start(text: str) -> str:
    """The E.164 start a number typed from its beginning has: "138 0013" → "+861380013", "0571-87" → "+8657187"."""
    digits = re.sub(r"\D", "", text)
    stripped = text.lstrip()
    if stripped.startswith("+"):
        return "+" + digits
    if stripped.startswith("00"):
        return "+" + digits[2:]
    country = phonenumbers.country_code_for_region(settings.GUANXI_DEFAULT_REGION)
    return f"+{country}{digits.removeprefix('0')}"


def search_q(q: str) -> Q:
    """What matches ``q``: the single definition every search path agrees with."""
    term = parse(q)
    if term.kind == "none":
        return Q()
    if term.kind == "phone":
        # Ends with (reversed digits) or starts with what was typed; ":" sorts right after "9".
        start = term.alternatives[0]
        return Q(phone_rev__gte=term.value, phone_rev__lt=term.value + ":") | Q(
            phone_e164__gte=start, phone_e164__lt=start + ":"
        )
    if term.kind == "text":
        match = Q(search_text__contains=term.value)
        for alternative in term.alternatives:
            match |= Q(search_text__contains=alternative)
        return match
    if term.kind == "gram":
        return Q(search_grams__contains=f" {term.value} ")
    return Q(name__startswith=term.value) | Q(name_key__startswith=term.value.lower())


# --- candidate keys ----------------------------------------------------------------------


def scope_key(mark: int, number: int) -> str:
    """One private-use trigram for an owner or team id (ids up to 14.7 million)."""
    return chr(mark) + chr(KEY_BASE + number // KEY_RADIX) + chr(KEY_BASE + number % KEY_RADIX)


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _scope_keys(actor: User | Any) -> list[str] | None:
    """FTS scope keys covering the actor's scope apart from shares; None = everything."""
    from guanxi.customers.models import Customer

    keys = access.scope_keys(actor, Customer)
    if keys is None:
        return None
    owners = [scope_key(OWNER_MARK, owner_id) for owner_id in keys.owners]
    return owners + [scope_key(TEAM_MARK, team_id) for team_id in keys.teams] if owners else []


def _phone_probe(term: Term) -> list[Any] | None:
    """Keys of every customer whose number ends or starts with the digits typed, or None if too many.

    Each range is read on its own index (an OR of the two with the scope and the list order makes
    the planners walk the list instead). No scope here: the page query applies it to these keys.
    """
    from guanxi.customers.models import Customer

    start = term.alternatives[0]
    ranges = (
        Customer.objects.filter(phone_rev__gte=term.value, phone_rev__lt=term.value + ":"),
        Customer.objects.filter(phone_e164__gte=start, phone_e164__lt=start + ":"),
    )
    keys: set[Any] = set()
    for rows in ranges:
        found = list(rows.order_by().values_list("pk", flat=True)[: PROBE_LIMIT + 1])
        if len(found) > PROBE_LIMIT:
            return None
        keys.update(found)
    return list(keys)


class RowId(Expression):
    """SQLite's ``rowid`` of the query's main table: the FTS table's key, and the cheapest lookup."""

    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str | int, ...]]:
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.rowid", ()


def _sqlite_probe(term: Term, actor: User | Any) -> list[int] | None:
    """Row ids of every in-scope (owner/team) candidate, or None when there are too many.

    Row ids, not primary keys: the FTS table gives them without touching the customer rows, and
    the page then reads each candidate by its rowid once (a UUID key costs an index lookup first).
    """
    if term.kind == "text":
        values = (term.value, *term.alternatives)
        match = " OR ".join(f"search_text : {_fts_phrase(value)}" for value in values)
    else:
        match = f"grams : {_fts_phrase(term.value + GRAM_MARK)}"
    keys = _scope_keys(actor)
    if keys is not None:
        if not keys:
            return []
        match = f"({match}) AND ({' OR '.join(f'scope : {_fts_phrase(key)}' for key in keys)})"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM customers_search WHERE customers_search MATCH %s LIMIT %s", [match, PROBE_LIMIT + 1]
        )
        ids = [row[0] for row in cursor.fetchall()]
    return None if len(ids) > PROBE_LIMIT else ids


def prepare(
    base: QuerySet[Any], q: str, *, actor: User | Any, parts: list[Q]
) -> tuple[QuerySet[Any], list[Q], PagePlan | None]:
    """The scoped list ``base`` searched for ``q``, its scope parts, and the index plan if any.

    Whatever path is taken, the page comes from ``base.filter(search_q(q))``: the candidate keys
    only decide where the database starts.
    """
    term = parse(q)
    if term.kind == "none":
        return base, parts, None
    searched = base.filter(search_q(q))
    if term.kind == "phone":
        ids = _phone_probe(term)
        if ids is None:
            return searched, parts, None  # thousands of numbers share this start or end: walk the list
        return searched.filter(pk__in=ids), [], None
    if term.kind not in {"text", "gram"}:
        return searched, parts, None  # one character: a name prefix
    if connection.vendor == "sqlite":
        ids = _sqlite_probe(term, actor)
        if ids is None:
            return searched, parts, None  # a common term: walking the ordered list stops early
        shared = access.shared_record_ids(actor, RECORD_TYPE)
        return searched.alias(_rowid=RowId()).filter(Q(_rowid__in=ids) | Q(pk__in=shared)), [], None
    if connection.vendor == "postgresql":
        walk = access.scope_parts(actor, base.model, teams_together=True) if parts else []
        return searched, parts, PagePlan(candidates=_pg_walk(search_q(q), base, walk), evaluate=_pg_index_rows)
    return searched, parts, None


# --- PostgreSQL: bounded walk, then the scoped GIN index ------------------------------------


def _pg_walk(match: Q, base: QuerySet[Any], parts: list[Q]) -> Any:
    def candidates(prepare: Any, order_by: tuple[str, str], limit: int) -> list[Any] | None:
        """Keys of the page from the newest ``WALK_ROWS`` rows of each scope part, or None.

        Exact when every part either produced ``limit`` + 1 matches or was shorter than the walk.
        One statement for all parts; the database filters each part's window and stops at the
        ``limit`` + 1st match, so a common term reads a few hundred rows and ships only keys.
        A part's window row number ``WALK_ROWS`` comes back too, to tell a full window from a short part.
        """
        hit = Case(When(match, then=Value(True)), default=Value(False), output_field=BooleanField())
        statements, params = [], []
        walked = parts or [Q()]
        for number, part in enumerate(walked):
            window = prepare(base.filter(part)).annotate(hit=hit).values_list("pk", "hit")[:WALK_ROWS]
            sql, window_params = window.query.sql_with_params()
            statements.append(
                f"(SELECT {number}, w.pk, w.hit, w.rn FROM (SELECT v.pk, v.hit, row_number() OVER () AS rn "  # noqa: S608
                f"FROM ({sql}) v(pk, hit)) w WHERE w.hit OR w.rn = {WALK_ROWS} LIMIT {limit + 2})"
            )
            params += window_params
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(statements), params)
            rows = cursor.fetchall()
        hits: list[Any] = []
        for number in range(len(walked)):
            mine = [(pk, matched, rn) for part, pk, matched, rn in rows if part == number]
            found = [pk for pk, matched, _ in mine if matched][: limit + 1]
            if len(found) <= limit and any(rn == WALK_ROWS for _, _, rn in mine):
                return None  # a full window without enough matches: the index decides
            hits += found
        return hits

    return candidates


def _pg_index_rows(qs: QuerySet[Any]) -> list[Any]:
    """Evaluate a searched page through the trigram GIN bitmap (the planner would walk the list)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        return list(qs)
