"""Retention: identity erased after the set years from every table that holds it, statistics kept,
a second run changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from tests.support import close_with_reply, make_agency, register_case

OLD_NAME, OLD_EMAIL, OLD_PHONE = "歐陽舊案", "old.petitioner@example.tw", "02-2999-0001"


def _tables_mentioning(db, text: str) -> list[str]:  # noqa: ANN001
    """Every table.column whose text (JSON included) contains `text`."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text | sa.JSON):
                as_text = sa.cast(column, sa.Text)
                # JSON may keep non-ASCII text escaped (\uXXXX): look for both spellings.
                hits = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                    sa.or_(as_text.contains(text, autoescape=True),
                           as_text.contains(json.dumps(text)[1:-1], autoescape=True))))
                if hits:
                    found.append(f"{table.name}.{column.name}")
    return found


def test_retention_erases_identity_everywhere_keeps_statistics_and_is_idempotent(app, db, smtp):
    from cases.case_file import Attachment, PetitionerIdentity, Submission
    from cases.models import Case
    from cases.statistics import statistics
    from core.clock import today
    from feedback.retention import due_for_erasure, erase_identities
    from surveys.models import SurveyInvitation

    make_agency(db)
    # The old case went the whole way: receipt, reply with the survey link, a survey invitation.
    old_number = close_with_reply(app, db, email=OLD_EMAIL, name=OLD_NAME)
    old = db.session.scalar(sa.select(Case).where(Case.number == old_number))
    db.session.get(PetitionerIdentity, old.submission_id).phone = OLD_PHONE
    recent = register_case(db, email="recent@example.tw", name="recent")
    still_open = register_case(db, email="open@example.tw", name="open")
    assert {"outbox_messages.recipient", "survey_invitations.email"} <= set(_tables_mentioning(db, OLD_EMAIL))
    assert "outbox_messages.context" in _tables_mentioning(db, OLD_NAME)  # the greeting of the mails
    db.session.add(Attachment(submission_id=old.submission_id, filename="id.jpg", content_type="image/jpeg", size=1,
                              sha256="0" * 64, data=b"x", identifying=True))
    db.session.add(Attachment(submission_id=old.submission_id, filename="photo.jpg", content_type="image/jpeg",
                              size=1, sha256="1" * 64, data=b"y", identifying=False))
    now = today()
    long_ago, lately = now - timedelta(days=6 * 366), now - timedelta(days=2 * 365)  # retention: 5 years
    for case, closed in ((old, long_ago), (recent, lately)):
        db.session.execute(sa.update(Case).where(Case.id == case.id).values(
            state="closed", closed_on=closed, received_on=closed, due_on=closed, original_due_on=closed,
            days_used=3))
    db.session.execute(sa.update(Case).where(Case.id == still_open.id).values(received_on=long_ago))
    db.session.commit()

    with app.app_context():
        before = statistics(long_ago.replace(day=1), now, now)
        listed = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
        assert listed.exit_code == 0 and old.number in listed.output and recent.number not in listed.output
        assert [n for n, _c, _s in due_for_erasure(now)] == [old.number]  # the dry run changed nothing
        assert erase_identities(now) == [old.number]
        from core.extensions import db as app_db

        app_db.session.commit()
        again = app.test_cli_runner().invoke(args=["retention", "run"])
        assert again.exit_code == 0 and "erased the identity of 0 case(s)" in again.output  # nothing more to do
        after = statistics(long_ago.replace(day=1), now, now)
    assert before == after
    db.session.expire_all()
    for trace in (OLD_EMAIL, OLD_NAME, OLD_PHONE):
        assert _tables_mentioning(db, trace) == [], trace
    assert db.session.get(PetitionerIdentity, old.submission_id) is None
    assert db.session.get(PetitionerIdentity, recent.submission_id).name == "recent"
    assert db.session.get(PetitionerIdentity, still_open.submission_id).name == "open"
    assert _tables_mentioning(db, "recent@example.tw")  # the others keep theirs
    erased = db.session.get(Submission, old.submission_id)
    assert erased.identity_erased_at is not None and erased.client_ip_digest is None
    invitation = db.session.scalar(sa.select(SurveyInvitation).where(SurveyInvitation.case_id == old.id))
    assert invitation.email == "" and invitation.unit_id is not None  # the figures stay
    assert [a.filename for a in db.session.scalars(sa.select(Attachment))] == ["photo.jpg"]
    assert db.session.get(Case, old.id).number == old.number  # the case stays in the register
