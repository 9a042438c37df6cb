"""Declarative base with a naming convention, so Alembic names constraints predictably."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def insert_or_ignore(model: Any, *conflict_columns: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the session's database (PostgreSQL or SQLite): the one upsert.
    `conflict_columns` name the unique key the conflict is on (none: any unique key). Chain `.values(...)`
    and `.returning(...)` on the result, or execute it with a list of rows; a conflicting row is skipped,
    and with RETURNING only the rows actually inserted come back."""
    from sqlalchemy.dialects import postgresql, sqlite

    from core.extensions import db

    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:  # pragma: no cover - only PostgreSQL and SQLite are supported
        raise RuntimeError(f"INSERT … ON CONFLICT is not supported on {dialect}")
    return insert(model).on_conflict_do_nothing(index_elements=list(conflict_columns) or None)


_statements: dict[tuple[str, str], Any] = {}


def prepared(name: str, build: Any) -> Any:
    """A statement built once per database dialect and kept: executed with its parameters apart
    (`session.execute(statement, {...})`), it skips SQLAlchemy's per-call building and cache-key work,
    which on the hottest paths (intake) costs more than the database's own work."""
    from core.extensions import db

    key = (name, db.session.get_bind().dialect.name)
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = build()
    return statement
