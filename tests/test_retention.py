"""Retention: identity erased after the set years, statistics kept, a second run changes nothing."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tests.support import make_agency, register_case


def test_retention_erases_identity_keeps_statistics_and_is_idempotent(app, db):
    from cases.case_file import Attachment, PetitionerIdentity, Submission
    from cases.models import Case
    from cases.statistics import statistics
    from feedback.retention import due_for_erasure, erase_identities

    make_agency(db)
    old, recent, still_open = (register_case(db, email=f"{n}@example.tw", name=n) for n in ("old", "recent", "open"))
    db.session.add(Attachment(submission_id=old.submission_id, filename="id.jpg", content_type="image/jpeg", size=1,
                              sha256="0" * 64, data=b"x", identifying=True))
    db.session.add(Attachment(submission_id=old.submission_id, filename="photo.jpg", content_type="image/jpeg",
                              size=1, sha256="1" * 64, data=b"y", identifying=False))
    for case, closed in ((old, date(2021, 3, 1)), (recent, date(2024, 6, 1))):
        db.session.execute(sa.update(Case).where(Case.id == case.id).values(
            state="closed", closed_on=closed, received_on=closed, due_on=closed, original_due_on=closed,
            days_used=3))
    db.session.execute(sa.update(Case).where(Case.id == still_open.id).values(received_on=date(2020, 1, 2)))
    db.session.commit()
    today = date(2026, 11, 23)
    with app.app_context():
        before = statistics(date(2020, 1, 1), today, today)
        listed = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
        assert listed.exit_code == 0 and old.number in listed.output and recent.number not in listed.output
        assert [n for n, _c, _s in due_for_erasure(today)] == [old.number]  # the dry run changed nothing
        assert erase_identities(today) == [old.number]
        db.session.commit()
        assert erase_identities(today) == []  # a second run changes nothing
        after = statistics(date(2020, 1, 1), today, today)
    assert before == after
    db.session.expire_all()
    assert db.session.get(PetitionerIdentity, old.submission_id) is None
    assert db.session.get(PetitionerIdentity, recent.submission_id).name == "recent"
    assert db.session.get(PetitionerIdentity, still_open.submission_id).name == "open"
    assert db.session.get(Submission, old.submission_id).identity_erased_at is not None
    assert [a.filename for a in db.session.scalars(sa.select(Attachment))] == ["photo.jpg"]
    assert db.session.get(Case, old.id).number == old.number  # the case stays in the register
