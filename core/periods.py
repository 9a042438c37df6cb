"""The reporting period a page or download is asked for (?from=YYYY-MM-DD&to=YYYY-MM-DD)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from core.hygiene import parse_date


def period_from(args: Mapping[str, str], today: date) -> tuple[date, date]:
    """Defaults to the year so far; reversed ends are swapped. A date that is not YYYY-MM-DD, or lies outside
    core.hygiene's DATE_MIN…DATE_MAX, is refused (BadInput: 400) rather than silently replaced."""
    start = parse_date(args.get("from")) or date(today.year, 1, 1)
    end = parse_date(args.get("to")) or today
    return (start, end) if start <= end else (end, start)
