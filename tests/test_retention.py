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


def test_retention_erases_the_petitioners_additions_and_answers_with_their_files(app, db, smtp, clock):
    """What the petitioner wrote after the submission goes with the identity: an addition (text, its file, the
    timeline's copy) and an answer to a request for information (text, its file). The question, the dates and the
    submission as registered stay."""
    import base64
    from datetime import date

    from cases.case_file import Attachment
    from cases.models import Case, InformationRequest, PetitionerMessage
    from feedback.retention import erase_identities
    from tests.support import act
    from tests.test_information_requests import PNG, QUESTION, _at, _case_in_progress, _handler, _public

    number, code = _case_in_progress(app, db, smtp, clock)
    png = base64.b64encode(PNG).decode()
    added = _public(app).post("/api/v1/track/messages", json={
        "case_number": number, "access_code": code, "message": "我的手機是 0912-345-678，住在和平東路一段 99 號。",
        "attachments": [{"filename": "house.png", "content_base64": png}]})
    assert added.status_code in (200, 201), added.text
    _at(clock, date(2025, 12, 24))
    assert act(_handler(app), number, "request-information", question=QUESTION).status_code == 303
    _at(clock, date(2025, 12, 29))
    answered = _public(app).post("/api/v1/track/information", json={
        "case_number": number, "access_code": code, "answer": "電桿編號 A-1234，聯絡人林美華 02-2345-6789。",
        "attachments": [{"filename": "pole.png", "content_base64": png}]})
    assert answered.status_code == 200, answered.text
    case = db.session.scalar(sa.select(Case).where(Case.number == number))
    files = db.session.scalars(sa.select(Attachment).where(Attachment.submission_id == case.submission_id)).all()
    assert len(files) == 2 and {f.petitioner_message_id is not None for f in files} == {True, False}
    for secret in ("0912-345-678", "林美華"):
        assert _tables_mentioning(db, secret), secret
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(state="closed", closed_on=date(2019, 1, 10)))
    db.session.commit()

    with app.app_context():
        from core.extensions import db as app_db

        assert erase_identities(date(2026, 1, 5)) == [number]
        app_db.session.commit()
    db.session.expire_all()
    for secret in ("0912-345-678", "和平東路", "林美華", "A-1234"):
        assert _tables_mentioning(db, secret) == [], secret
    assert db.session.scalars(sa.select(Attachment).where(Attachment.submission_id == case.submission_id)).all() == []
    assert db.session.scalar(sa.select(PetitionerMessage.body).where(PetitionerMessage.case_id == case.id)) == ""
    request = db.session.scalar(sa.select(InformationRequest).where(InformationRequest.case_id == case.id))
    assert request.answer == "" and request.question == QUESTION and request.paused_days == 2
    assert db.session.get(Case, case.id).submission.body  # the submission as registered stays
