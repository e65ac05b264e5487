"""Bulk inserts at millions of rows: the driver's ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

No model instances, no signals, no per-row SQL: rows are tuples in the table's column order
(``Table.of``), already in the database's form (UUIDs as the backend stores them, dates, numbers).
``rewrite`` replaces every row of a derived table (one row per customer, rebuilt by a nightly run)
without maintaining its indexes row by row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection, models


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    fixed: tuple[Any, ...]  # values of the columns the generator leaves to the model default

    @classmethod
    def of(cls, model: type[models.Model], fields: Sequence[str]) -> Table:
        given = [model._meta.get_field(name) for name in fields]
        columns = [str(field.column) for field in given if isinstance(field, models.Field)]
        rest: list[models.Field[Any, Any]] = [
            field
            for field in model._meta.concrete_fields
            if field.column not in columns and not (field.primary_key and isinstance(field, models.AutoField))
        ]
        fixed = tuple(field.get_db_prep_save(field.get_default(), connection) for field in rest)
        return cls(model._meta.db_table, (*columns, *(str(field.column) for field in rest)), fixed)


def write(table: Table, rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` in the current transaction."""
    if not rows:
        return
    if table.fixed:
        rows = [row + table.fixed for row in rows]
    columns = ", ".join(connection.ops.quote_name(column) for column in table.columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(table.columns))
    connection.ensure_connection()
    raw = connection.connection.cursor()  # the driver's cursor: no per-row SQL rewriting or logging
    try:
        raw.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", rows)  # noqa: S608 - names from models
    finally:
        raw.close()


@contextmanager
def rewrite(table: Table) -> Iterator[Table]:
    """Replace every row of ``table``: ``write`` the new rows to the table this yields.

    Must run inside ``transaction.atomic()``; readers see the old rows until it commits. Secondary
    indexes are built once over the new rows instead of being updated a million times (SQLite: 28 s
    become 11 s for ``CustomerValue``):

    * SQLite: the indexes are dropped, the rows deleted and the indexes re-created from their own
      ``CREATE INDEX`` text after the inserts (all in the transaction: WAL readers keep their snapshot).
    * PostgreSQL: the rows go into a new table made ``LIKE`` the old one; its primary key and indexes
      are built after the copy, then it takes the old table's place and names. The old table is locked
      only for that swap, so readers are not held up while the new rows are written. Only for tables
      that no foreign key points to or from and that draw no sequence (derived tables keyed by customer).
    """
    if connection.vendor == "postgresql":
        with _pg_rewrite(table) as target:
            yield target
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                       [table.name])  # fmt: skip
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(table.name)}")  # noqa: S608 - a model's table
        yield table
        for _name, sql in indexes:
            cursor.execute(sql)


def _pg_fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


@contextmanager
def _pg_rewrite(table: Table) -> Iterator[Table]:
    quote = connection.ops.quote_name
    old, new = table.name, f"{table.name}__next"
    blockers = _pg_fetch(
        "SELECT conname FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid = %s::regclass OR confrelid = %s::regclass) "
        "UNION ALL SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s AND column_default LIKE 'nextval%%'",
        [old, old, old],
    )
    if blockers:
        raise RuntimeError(f"bulk.rewrite cannot swap {old}: foreign keys or sequences {blockers}")
    keys = _pg_fetch(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN "
        "('p', 'u')",
        [old],
    )
    indexes = _pg_fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = %s "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.conname = i.indexname)",
        [old, old],
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(new)}")
        cursor.execute(
            f"CREATE TABLE {quote(new)} (LIKE {quote(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)"
        )
        yield replace(table, name=new)
        for number, (_name, definition) in enumerate(keys):
            cursor.execute(f"ALTER TABLE {quote(new)} ADD CONSTRAINT {quote(f'{new}_k{number}')} {definition}")
        for number, (name, definition) in enumerate(indexes):
            cursor.execute(_pg_index_on(definition, name, f"{new}_i{number}", new))
        cursor.execute(f"ANALYZE {quote(new)}")
        cursor.execute(f"DROP TABLE {quote(old)}")
        cursor.execute(f"ALTER TABLE {quote(new)} RENAME TO {quote(old)}")
        for number, (name, _definition) in enumerate(keys):
            cursor.execute(f"ALTER TABLE {quote(old)} RENAME CONSTRAINT {quote(f'{new}_k{number}')} TO {quote(name)}")
        for number, (name, _definition) in enumerate(indexes):
            cursor.execute(f"ALTER INDEX {quote(f'{new}_i{number}')} RENAME TO {quote(name)}")


def _pg_index_on(definition: str, name: str, new_name: str, new_table: str) -> str:
    """``CREATE [UNIQUE] INDEX name ON schema.table USING …`` (from ``pg_indexes``) for another table and name."""
    head, _on, tail = definition.partition(" ON ")
    kind, _space, _table = head.rpartition(" ")
    _old_table, using, method = tail.partition(" USING ")
    if kind not in {"CREATE INDEX", "CREATE UNIQUE INDEX"} or _table.strip('"') != name or not using:
        raise RuntimeError(f"bulk.rewrite cannot read the definition of index {name}: {definition}")
    quote = connection.ops.quote_name
    return f"{kind} {quote(new_name)} ON {quote(new_table)} USING {method}"
