"""Dates on pages, in the reader's style: ISO by default, the ROC calendar (民國) on Chinese pages when the
`roc_dates` setting asks for it. Exports always use ISO (they are read by programs as much as by people)."""

from __future__ import annotations

from datetime import date, datetime

from flask import g, has_request_context
from flask_babel import get_locale

from core.clock import TAIPEI

ROC_OFFSET = 1911


def _roc() -> bool:
    from core.settings import get_setting

    if has_request_context():
        wanted = g.get("_roc_dates")  # the setting once per request: a page shows many dates
        if wanted is None:
            wanted = g._roc_dates = bool(get_setting("roc_dates"))
    else:
        wanted = bool(get_setting("roc_dates"))
    # The language is asked each time: a page may word one part in another language (force_locale).
    return wanted and str(get_locale()).startswith("zh")


def roc_date(value: date) -> str:
    """民國 115/12/01 style, without the era word (the way forms and letters print it)."""
    return f"{value.year - ROC_OFFSET}/{value.month:02d}/{value.day:02d}"


def day(value: date | datetime | None) -> str:
    """A calendar date; a datetime is shown as its Taipei date. None shows as a dash."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(TAIPEI).date()
    return roc_date(value) if _roc() else value.isoformat()


def taipei(moment: datetime | None) -> str:
    """An instant as Taipei wall time, to the minute."""
    if moment is None:
        return "—"
    local = moment.astimezone(TAIPEI)
    if _roc():
        return f"{roc_date(local.date())} {local:%H:%M}"
    return local.strftime("%Y-%m-%d %H:%M")
