"""Bulk writing for the scaled demo: raw multi-row inserts on SQLite, COPY on PostgreSQL (``core.bulk``).

The rows come from ``rows.py`` as tuples of ready values; a ``Table`` maps their field names to
columns and appends the model default of every column the generator does not fill (so a field
added later does not break the loader). Around a big load, ``bulk_session`` sets loader-friendly
settings and restores them, and ``deferred_indexes`` drops the secondary indexes of the loaded
tables and builds each once at the end (one sort instead of millions of random B-tree inserts).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, models

from guanxi.customers import search

# SQLite settings for the load; each is put back afterwards.
SQLITE_PRAGMAS = {"synchronous": "OFF", "foreign_keys": "OFF", "cache_size": "-1048576", "temp_store": "MEMORY"}


def chunk_settings() -> None:
    """Per chunk transaction on PostgreSQL: skip row-by-row foreign-key triggers when allowed (superuser).

    The generator writes parents before children, so the keys hold by construction; the test
    suite checks them on a small run.
    """
    if connection.vendor == "postgresql" and _pg_superuser():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")


def _pg_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


@contextmanager
def bulk_session() -> Iterator[None]:
    """Loader-friendly connection settings for the duration (SQLite pragmas, restored afterwards)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield  # pragmas cannot change inside a transaction (tests run in one)
        return
    saved = {}
    with connection.cursor() as cursor:
        for name, value in SQLITE_PRAGMAS.items():
            cursor.execute(f"PRAGMA {name}")
            saved[name] = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in saved.items():
                cursor.execute(f"PRAGMA {name} = {value}")


def _secondary_indexes(model: type[models.Model]) -> dict[str, str]:
    """Name → CREATE statement of the model's plain (non-unique) indexes, as its migrations made them."""
    editor = connection.schema_editor(collect_sql=True, atomic=False)  # only builds statements, never runs them
    statements = editor._model_indexes_sql(model)  # type: ignore[attr-defined]  # Django's, not in the stubs
    found = {}
    for statement in statements:
        text = str(statement)
        if " UNIQUE " in text.upper():
            continue
        name = text.split(" ON ")[0].split()[-1].strip('"')
        found[name] = text
    return found


def _existing_indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name, info in constraints.items() if info.get("index") and not info.get("unique")}


def drop_indexes(loaded: Sequence[type[models.Model]]) -> dict[str, dict[str, str]]:
    """Drop the plain indexes of the ``loaded`` tables; returns what ``build_indexes`` builds again.

    Safe to interrupt: the statements come from the models, so the next run builds what an
    interrupted one dropped. PostgreSQL's search index goes too (``customers.search`` makes it).
    """
    wanted = {model._meta.db_table: _secondary_indexes(model) for model in loaded}
    with connection.cursor() as cursor:
        for table, statements in wanted.items():
            for name in sorted(_existing_indexes(table) & set(statements)):
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS customers_customer_search_gin")
    return wanted


def build_indexes(wanted: dict[str, dict[str, str]]) -> None:
    """Create every index of ``wanted`` that is missing (one sort each)."""
    if not wanted:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '512MB'")
        for table, statements in wanted.items():
            missing = set(statements) - _existing_indexes(table)
            for name in sorted(missing):
                cursor.execute(statements[name])
        if connection.vendor == "postgresql":
            for statement in search.POSTGRES_INDEX:
                cursor.execute(statement)
            cursor.execute("RESET maintenance_work_mem")


def finish(loaded: Sequence[type[models.Model]]) -> None:
    """After a load outside a transaction: fold the SQLite WAL back, or let PostgreSQL gather statistics
    (and set the visibility map). The command then refreshes every planner statistic on both."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif connection.vendor == "postgresql":
            for model in loaded:
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
