"""The reporting period a page or download is asked for (?from=YYYY-MM-DD&to=YYYY-MM-DD)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date


def period_from(args: Mapping[str, str], today: date) -> tuple[date, date]:
    """Defaults to the year so far; a bad date falls back to its default; reversed ends are swapped."""
    def parse(key: str, default: date) -> date:
        try:
            return date.fromisoformat(args.get(key, ""))
        except ValueError:
            return default

    start, end = parse("from", date(today.year, 1, 1)), parse("to", today)
    return (start, end) if start <= end else (end, start)
