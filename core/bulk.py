"""Thousands of rows in one go: INSERT … ON CONFLICT DO NOTHING RETURNING, in the session's transaction.

SQLAlchemy sends a bulk insert with RETURNING as multi-row statements ("insertmanyvalues": 1,000 rows
and 14,000 placeholders each), and psycopg 3 rewrites every placeholder of such a statement in Python
each time (it caches only short statements): for the reminder sweep's ~6,000 outbox rows that rewriting
cost more than the database's work. On PostgreSQL with psycopg the rows therefore go as one short
statement, executed many times in a pipeline (prepared once, one round trip), each returning its row
if it was inserted. Values go through the columns' own bind processing (JSON, UTC datetimes) and
Python-side defaults, as SQLAlchemy would apply them; other databases (SQLite) take SQLAlchemy's path.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError

from core.db import insert_or_ignore
from core.extensions import db


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
    processors = [column.type._cached_bind_processor(dialect) for column in columns]  # noqa: SLF001
    params = []
    for row in rows:
        values = [row[key] for key in given]
        values += [c.default.arg if c.default.is_scalar else c.default.arg(None) for c in defaults]
        params.append(tuple(value if process is None else process(value)
                            for value, process in zip(values, processors, strict=True)))
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
           f"({', '.join(quote(c.name) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
           f"ON CONFLICT ({quote(table.c[conflict].name)}) DO NOTHING RETURNING {quote(table.c[returning].name)}")
    driver = connection.connection.driver_connection
    inserted: list[Any] = []
    try:
        with driver.cursor() as cursor:
            cursor.executemany(sql, params, returning=True)
            while True:
                inserted.extend(value for (value,) in cursor.fetchall())
                if not cursor.nextset():
                    break
    except dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy would raise it (IntegrityError, OperationalError, …); the session's transaction is failed.
        raise DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error) from error
    return inserted
