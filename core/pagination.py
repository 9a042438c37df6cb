"""Keyset pagination, the one way lists are paged: newest first by id, the next page being the rows
`before` the last id shown. No OFFSET and no COUNT(*), so a deep page costs what the first one does;
one row more than the page is fetched to know whether a next page exists."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Select

from core.extensions import db

PAGE_SIZE = 50
_INT_MAX = 2**31 - 1      # INTEGER on PostgreSQL
_BIGINT_MAX = 2**63 - 1   # BIGINT on PostgreSQL, INTEGER on SQLite


def parse_before(raw: Any, id_column: Any = None) -> int | None:
    """`before` from a query string (or an int): a positive integer the id column can hold, else None
    (the first page). Never raises, whatever a client sends."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            return None
        value = int(text)
    column_type = getattr(id_column, "type", None)
    limit = _BIGINT_MAX if isinstance(column_type, BigInteger) else _INT_MAX
    return value if 0 < value <= limit else None


def keyset_page(query: Select, id_column: Any, before: int | str | None,
                size: int = PAGE_SIZE) -> tuple[list[Any], int | None]:
    """One page of `query`'s entities (or rows, when it selects several columns, one of them `id_column`),
    newest first by `id_column`, and the `before` of the next page (None on the last page). The helper owns the
    ORDER BY: any ordering on `query` is replaced."""
    after = parse_before(before, id_column)
    if after is not None:
        query = query.where(id_column < after)
    query = query.order_by(None).order_by(id_column.desc()).limit(size + 1)
    if len(query.column_descriptions) == 1:
        rows = list(db.session.scalars(query).unique())  # joined eager loads repeat an entity: once each
    else:
        rows = list(db.session.execute(query))
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, getattr(rows[-1], id_column.key)
