"""Printable documents: the outgoing document number (發文字號) of a sent reply, and what the letter prints
(the agency's header, the number, the 民國 date, the contact person and telephone).

The number is prefix + ROC year + a 7-digit sequence + 號 (府陳字第1150000123號). The sequence is one row per ROC
year in `document_number_sequences`, raised with one INSERT … ON CONFLICT DO UPDATE … RETURNING in the approval's
transaction: the row stays locked until that transaction ends, so two approvals at once never get the same number,
and a rolled-back approval gives its number back (no gaps).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import format_date, get_locale
from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import roc_year, taipei_date, today
from core.extensions import db
from core.settings import get_setting


class DocumentNumberSequence(db.Model):
    """The last outgoing document number given in an ROC year."""

    __tablename__ = "document_number_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


def next_in_sequence(year: int) -> int:
    """The next number of `year`, taken in the caller's transaction (race-free; see the module's note)."""
    table = DocumentNumberSequence.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(year=year, last_number=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.year], set_={"last_number": table.c.last_number + 1},
    ).returning(table.c.last_number)
    return db.session.execute(statement).scalar_one()


def format_document_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}{year}{sequence:07d}號"


def allocate_document_number(reply) -> str:  # noqa: ANN001 - a cases.models.Reply
    """Give the approved reply its 發文字號, once: a reply that has one keeps it."""
    if reply.document_number:
        return reply.document_number
    day = taipei_date(reply.decided_at) if reply.decided_at else today()
    year = roc_year(day)
    reply.document_number = format_document_number(get_setting("document_number_prefix"), year,
                                                   next_in_sequence(year))
    db.session.flush()
    return reply.document_number


def document_date(day: date, locale: str | None = None) -> str:
    """The date as a letter writes it: 中華民國115年12月1日 in Chinese, 1 December 2026 in English."""
    locale = locale or str(get_locale())
    if locale.startswith("zh"):
        return f"中華民國{roc_year(day)}年{day.month}月{day.day}日"
    return format_date(day, "d MMMM y")


@dataclass(frozen=True)
class LetterDetails:
    agency: str
    address: str
    phone: str
    number: str
    date: str
    contact: str
    contact_phone: str


def letter_details(case, reply) -> LetterDetails:  # noqa: ANN001 - a Case and its sent Reply
    """What the printed letter shows besides the reply: the header, the number, the date and the contact (the
    handler who drafted the reply, with their telephone, else the agency's)."""
    day = taipei_date(reply.decided_at) if reply.decided_at else case.closed_on or today()
    handler = reply.drafted_by
    agency_phone = get_setting("agency_phone")
    return LetterDetails(
        agency=current_app.config["AGENCY_NAME"], address=get_setting("agency_address"), phone=agency_phone,
        number=reply.document_number or "", date=document_date(day),
        contact=handler.name if handler else "", contact_phone=(handler.phone if handler else "") or agency_phone,
    )
