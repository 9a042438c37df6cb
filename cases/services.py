"""Case operations. Services validate, change state and flush; the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from cases.models import Case, CaseEvent, CaseNumberCounter, CaseState
from core.accounts.models import Staff
from core.clock import roc_year, taipei_date
from core.extensions import db
from core.security import hash_secret, random_code
from core.signals import case_registered

ACCESS_CODE_LENGTH = 10


def allocate_case_number(received_at: datetime) -> str:
    """ROC year + 7-digit sequence, e.g. 1150000042. Safe under concurrency: the counter row
    is created once (ON CONFLICT DO NOTHING) and incremented by a single UPDATE ... RETURNING,
    which the database serialises per year."""
    year = roc_year(taipei_date(received_at))
    dialect = db.session.get_bind().dialect.name
    ins = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if ins is None:  # pragma: no cover - only PostgreSQL and SQLite are supported
        raise RuntimeError(f"unsupported database {dialect}")
    db.session.execute(ins(CaseNumberCounter).values(year=year, last=0).on_conflict_do_nothing())
    sequence = db.session.execute(
        update(CaseNumberCounter)
        .where(CaseNumberCounter.year == year)
        .values(last=CaseNumberCounter.last + 1)
        .returning(CaseNumberCounter.last)
    ).scalar_one()
    return f"{year:03d}{sequence:07d}"


def register_case(submission, *, received_at: datetime, by: Staff | None = None) -> tuple[Case, str]:
    """Register a submission as a case. Returns the case and its access code, which exists
    in clear only here: the database keeps its hash."""
    access_code = random_code(ACCESS_CODE_LENGTH)
    case = Case(
        number=allocate_case_number(received_at),
        submission=submission,
        channel=submission.channel,
        category=submission.category,
        state=CaseState.REGISTERED.value,
        confidential=submission.confidential,
        language=submission.language,
        lacks_identity=submission.lacks_identity,
        access_code_hash=hash_secret(access_code),
        received_at=received_at,
        received_on=taipei_date(received_at),
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(CaseEvent(
        case_id=case.id, actor_id=by.id if by else None, action="register",
        from_state=None, to_state=case.state,
        note="lacks identity: rule 27(1)" if case.lacks_identity else "",
    ))
    db.session.flush()
    case_registered.send(case, by=by)
    return case, access_code


__all__ = ["allocate_case_number", "register_case"]
