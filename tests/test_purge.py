"""Unverified submissions expire: the link says so, and the periodic task deletes them."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.support import path_of, post_form, table_count, valid_letter
from tests.test_bad_input import PDF


def test_an_expired_link_registers_nothing_and_the_purge_deletes_it(app, client, db, smtp):
    import io

    from cases.case_file import Attachment, Submission
    from cases.models import Case
    from core.db import utcnow

    post_form(client, "/mailbox", {**valid_letter(), "attachments": [(io.BytesIO(PDF), "a.pdf")]},
              content_type="multipart/form-data")
    post_form(client, "/petition", valid_letter(email="fresh@example.tw"))
    link = path_of(smtp.only_link_to("citizen@example.tw"))
    db.session.execute(
        sa.update(Submission).where(Submission.id == db.session.scalar(sa.select(sa.func.min(Submission.id))))
        .values(verification_expires_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()

    expired = client.get(link)
    assert expired.status_code == 410
    assert "過期" in expired.text
    assert table_count(db, Case) == 0

    with app.app_context():
        assert app.extensions["celery"].tasks["feedback.purge_unverified"].delay().get() == 1
    db.session.expire_all()
    assert [s.email for s in db.session.scalars(sa.select(Submission))] == ["fresh@example.tw"]
    from cases.case_file import PetitionerIdentity

    assert table_count(db, PetitionerIdentity) == 1  # the expired one's identity went with it
    assert table_count(db, Attachment) == 0
    # So did the copy of it in the verification mail's outbox row.
    from notifications.models import OutboxMessage

    recipients = sorted(m.recipient for m in db.session.scalars(sa.select(OutboxMessage)))
    assert recipients == ["", "fresh@example.tw"]
    assert "王小明" not in str([m.context for m in db.session.scalars(sa.select(OutboxMessage))
                              if m.recipient == ""])
    assert client.get(link).status_code == 404


def test_the_validity_is_a_setting(app, client, db, smtp):
    from cases.case_file import Submission
    from core.db import utcnow
    from core.settings import set_setting

    set_setting("verification_valid_days", 7)
    db.session.commit()
    post_form(client, "/mailbox", valid_letter())
    expires = db.session.scalar(sa.select(Submission.verification_expires_at))
    assert timedelta(days=6, hours=23) < expires - utcnow() <= timedelta(days=7)
    from core.clock import taipei_date

    assert taipei_date(expires).isoformat() in smtp.text(smtp.last_to("citizen@example.tw"))
