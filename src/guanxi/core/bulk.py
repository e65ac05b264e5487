"""Bulk inserts at millions of rows: the driver's ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

No model instances, no signals, no per-row SQL: rows are tuples in the table's column order
(``Table.of``), already in the database's form (UUIDs as the backend stores them, dates, numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
