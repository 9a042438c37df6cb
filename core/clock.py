"""Time helpers: the agency works in Asia/Taipei; the database stores UTC."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.db import utcnow

TAIPEI = ZoneInfo("Asia/Taipei")


def taipei_now() -> datetime:
    return utcnow().astimezone(TAIPEI)


def today() -> date:
    """The agency's today (Taipei): the one `today()` every domain uses."""
    return taipei_now().date()


def taipei_date(moment: datetime) -> date:
    return moment.astimezone(TAIPEI).date()


def roc_year(day: date) -> int:
    """Republic of China era year (民國), used in case numbers: 2026 → 115."""
    return day.year - 1911
