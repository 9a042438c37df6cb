"""Thousands of rows in one go: INSERT … ON CONFLICT DO NOTHING RETURNING, in the session's transaction.

SQLAlchemy sends a bulk insert with RETURNING as multi-row statements ("insertmanyvalues": 1,000 rows
and 14,000 placeholders each), and psycopg 3 rewrites every placeholder of such a statement in Python
each time (it caches only short statements): for the reminder sweep's ~6,000 outbox rows that rewriting
cost more than the database's work. On PostgreSQL with psycopg the rows therefore go as one array per
column, in binary, into `INSERT … SELECT * FROM unnest(…) ON CONFLICT DO NOTHING RETURNING …`: one
statement of a few placeholders (up to BATCH rows), one round trip, little work per row in Python. It is
the same single INSERT … ON CONFLICT as before for the database (rows in order; a racing transaction's
rows wait for it, then are skipped). Values go through the columns' own bind processing (JSON, UTC
datetimes) and Python-side defaults, as SQLAlchemy would apply them; other databases (SQLite) take
SQLAlchemy's path.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError

from core.db import insert_or_ignore
from core.extensions import db

BATCH = 10_000  # rows per statement


def insert_many_or_ignore(table: Table, rows: list[dict[str, Any]], conflict: str, returning: str) -> list[Any]:
    """Insert `rows` (dicts with the same keys), skipping those whose `conflict` column (a unique key)
    is taken; the `returning` column of the rows actually inserted. Racing transactions behave as with
    one INSERT … ON CONFLICT DO NOTHING per row: the second waits for the first, then skips."""
    if not rows:
        return []
    db.session.flush()  # what session.execute() would do first (autoflush)
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        result = connection.execute(insert_or_ignore(table, conflict).returning(table.c[returning]), rows)
        return [value for (value,) in result]

    given = list(rows[0])
    defaults = [c for c in table.columns
                if c.key not in given and c.default is not None and (c.default.is_scalar or c.default.is_callable)]
    columns = [table.c[key] for key in given] + defaults
    values = [[row[key] for row in rows] for key in given]
    values += [[c.default.arg] * len(rows) if c.default.is_scalar else [c.default.arg(None) for _ in rows]
               for c in defaults]
    # A column with one value in every row (a status, a timestamp, a template) is sent once; the others as one
    # array each, in binary (the JSON text unquoted), unnested into rows in their order. The conflict column is
    # always an array: it makes the rows.
    quote = dialect.identifier_preparer.quote
    selected: list[str] = []
    constants: list[Any] = []
    unnested: list[tuple[str, str]] = []
    arrays: list[list[Any]] = []
    for column, column_values in zip(columns, values, strict=True):
        process = column.type._cached_bind_processor(dialect)  # noqa: SLF001 - what SQLAlchemy applies (JSON, UTC)
        # The type without its modifier: VARCHAR(60) would cut a longer text short, where the insert must refuse it.
        cast = re.sub(r"\(.*?\)", "", column.type.compile(dialect=dialect))
        if column.key != conflict and _all_equal(column_values):
            selected.append(f"%b::{cast}")
            constants.append(column_values[0] if process is None else process(column_values[0]))
        else:
            selected.append(f"u.{quote(column.name)}")
            unnested.append((quote(column.name), f"%b::{cast}[]"))
            arrays.append(column_values if process is None else [process(value) for value in column_values])
    sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
           f"({', '.join(quote(c.name) for c in columns)}) SELECT {', '.join(selected)} "
           f"FROM unnest({', '.join(array for _, array in unnested)}) AS u({', '.join(name for name, _ in unnested)}) "
           f"ON CONFLICT ({quote(table.c[conflict].name)}) DO NOTHING RETURNING {quote(table.c[returning].name)}")
    driver = connection.connection.driver_connection
    inserted: list[Any] = []
    try:
        with driver.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                # The parameters in the statement's order: the constants (in the select list), then the arrays.
                cursor.execute(sql, constants + [array[start:start + BATCH] for array in arrays])
                inserted.extend(value for (value,) in cursor.fetchall())
    except dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy would raise it (IntegrityError, OperationalError, …); the session's transaction is failed.
        raise DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error) from error
    return inserted


def _all_equal(values: list[Any]) -> bool:
    first = values[0]
    return all(value is first or (type(value) is type(first) and value == first) for value in values)
