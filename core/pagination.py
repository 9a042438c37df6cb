"""Page-number pagination without COUNT(*): fetch one row more to know whether a next page exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from core.extensions import db

PER_PAGE = 50


@dataclass
class Page:
    items: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 10_000))
    except ValueError:
        return 1


def paginate(query: Select, raw_page: str | None, per_page: int = PER_PAGE) -> Page:
    number = page_number(raw_page)
    rows = list(db.session.scalars(query.limit(per_page + 1).offset((number - 1) * per_page)))
    return Page(items=rows[:per_page], number=number, has_next=len(rows) > per_page)
