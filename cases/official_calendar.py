"""The official DGPA office calendar as data: parsing its CSV and importing it into the calendar tables
(docs/domain-rules.md rule 1, interpretation I7). Imports are idempotent and report what they change."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from cases import deadlines
from cases.models import OfficeCalendarDay, OfficeCalendarYear
from core.db import utcnow
from core.extensions import db

SHIPPED = Path(__file__).resolve().parent / "data" / "office-calendar"
HEADER = ("西元日期", "星期", "是否放假", "備註")
DAY_OFF, WORKING = "2", "0"


class CalendarFileError(ValueError):
    pass


@dataclass
class ParsedYear:
    year: int
    days: dict[date, tuple[bool, str]]  # day -> (is working day, 備註)
    sha256: str


@dataclass
class ImportResult:
    year: int
    added: int = 0
    changed: list[tuple[date, bool]] = field(default_factory=list)  # (day, is working day now)
    cases_moved: int = 0

    @property
    def unchanged(self) -> bool:
        return not self.added and not self.changed


def _decode(raw: bytes) -> str:
    # DGPA publishes UTF-8 with BOM, but one 2025 revision came in Big5 (CP950).
    for encoding in ("utf-8-sig", "cp950"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CalendarFileError("the file is neither UTF-8 nor Big5")


def parse(raw: bytes, name: str = "") -> ParsedYear:
    """One year of the DGPA CSV. Refuses anything but a complete, single year: a partial file must not make
    a year look official."""
    rows = list(csv.reader(io.StringIO(_decode(raw))))
    if not rows or tuple(cell.strip() for cell in rows[0][:4]) != HEADER:
        raise CalendarFileError(f"{name}: the first line must be {','.join(HEADER)}")
    days: dict[date, tuple[bool, str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            day = datetime.strptime(row[0].strip(), "%Y%m%d").date()
            flag = row[2].strip()
        except (ValueError, IndexError):
            raise CalendarFileError(f"{name}, line {number}: expected YYYYMMDD,星期,是否放假,備註") from None
        if flag not in (DAY_OFF, WORKING):
            raise CalendarFileError(f"{name}, line {number}: 是否放假 must be 0 or 2, not {flag!r}")
        if day in days:
            raise CalendarFileError(f"{name}, line {number}: {day} appears twice")
        days[day] = (flag == WORKING, (row[3].strip() if len(row) > 3 else "")[:100])
    years = {day.year for day in days}
    if len(years) != 1:
        raise CalendarFileError(f"{name}: a file must hold exactly one year, found {sorted(years) or 'none'}")
    year = years.pop()
    expected = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    if len(days) != expected:
        raise CalendarFileError(f"{name}: {year} has {expected} days, the file {len(days)}")
    return ParsedYear(year=year, days=days, sha256=hashlib.sha256(raw).hexdigest())


def shipped_files() -> list[Path]:
    return sorted(SHIPPED.glob("*.csv"))


def import_year(parsed: ParsedYear, source: str,
                progress: Callable[[Sequence], AbstractContextManager[Iterable]] | None = None) -> ImportResult:
    """Write one year into the official calendar and recompute the open cases whose window holds a day whose
    answer changed (or, for a year that becomes official, every day: its provisional flags go).
    A second import of the same data changes nothing."""
    result = ImportResult(parsed.year)
    first, last = date(parsed.year, 1, 1), date(parsed.year, 12, 31)
    existing = {row.day: row for row in db.session.scalars(
        select(OfficeCalendarDay).where(OfficeCalendarDay.day.between(first, last)))}
    before = deadlines.load_calendar()
    was_official = parsed.year in before.official_years
    for day, (working, note) in sorted(parsed.days.items()):
        row = existing.get(day)
        if row is None:
            db.session.add(OfficeCalendarDay(day=day, is_working_day=working, note=note))
            result.added += 1
            continue
        if row.is_working_day != working:
            result.changed.append((day, working))
        row.is_working_day, row.note = working, note
    header = db.session.get(OfficeCalendarYear, parsed.year)
    if header is None or header.sha256 != parsed.sha256 or not result.unchanged:
        header = header or OfficeCalendarYear(year=parsed.year)
        header.source, header.sha256, header.imported_at = source[:200], parsed.sha256, utcnow()
        db.session.add(header)
    db.session.flush()
    deadlines.forget_calendar()
    after = deadlines.load_calendar()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    moved = [day for day in days if before.is_working_day(day) != after.is_working_day(day)]
    detail = f"{parsed.year} {source}"
    if moved:
        result.cases_moved = deadlines.recompute_open_cases_around(
            moved, cause="official_calendar", detail=detail, progress=progress)
    if not was_official:  # the year's provisional flags go; only days whose answer changed re-date receipts
        result.cases_moved += deadlines.recompute_open_cases_around(
            days, cause="official_calendar", detail=detail, redate_receipts=False, progress=progress)
    return result


def forget_year(year: int) -> None:
    db.session.execute(delete(OfficeCalendarDay).where(OfficeCalendarDay.day.between(date(year, 1, 1),
                                                                                      date(year, 12, 31))))
    db.session.execute(delete(OfficeCalendarYear).where(OfficeCalendarYear.year == year))
