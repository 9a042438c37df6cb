"""The outbox: one row per message, delivered once, retried with back-off, failures visible."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from tests.conftest import free_port
from tests.support import csrf_token, login, make_staff, post_form, valid_letter


def _outbox(db):  # noqa: ANN001
    from notifications.models import OutboxMessage

    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_same_idempotency_key_gives_one_message(app, db, smtp):
    from notifications.outbox import enqueue

    for _ in range(2):
        enqueue(kind="test", to="x@example.tw", template="verify", language="en",
                context={"name": "X", "subject": "S", "channel": "mailbox", "expires_on": "2026-12-01",
                         "agency": "A"}, secrets={"link": "http://localhost/verify/t"}, key="test:1")
    db.session.commit()
    assert len(_outbox(db)) == 1
    assert len(smtp.to("x@example.tw")) == 1


def test_secrets_are_erased_after_delivery(client, db, smtp):
    post_form(client, "/mailbox", valid_letter())
    [message] = _outbox(db)
    assert message.status == "sent" and message.secrets is None
    assert "verify" not in str(message.context)


def test_concurrent_deliveries_of_one_message_send_it_once(app, db, smtp):
    from core.extensions import db as ext_db
    from notifications.delivery import deliver_message
    from notifications.mail import transport_for
    from notifications.models import OutboxMessage

    message = OutboxMessage(kind="t", recipient="once@example.tw", template="verify", language="en",
                            context={"name": "X", "subject": "S", "channel": "mailbox", "expires_on": "x",
                                     "agency": "A"}, secrets={"link": "L"}, idempotency_key="once")
    db.session.add(message)
    db.session.commit()
    message_id = message.id
    results: list[str] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        with app.app_context(), sa.orm.Session(ext_db.engine) as session:
            barrier.wait()
            results.append(deliver_message(session, message_id, transport_for(app.config), app.config))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert len(smtp.to("once@example.tw")) == 1


def test_failures_back_off_then_stop_as_failed_and_an_administrator_retries(app, db, smtp, monkeypatch):
    from core.db import utcnow
    from notifications.tasks import relay

    dead = f"smtp://127.0.0.1:{free_port()}"  # nothing listens here: a real connection refusal
    monkeypatch.setitem(app.config, "MAIL_URL", dead)
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    monkeypatch.setitem(app.config, "OUTBOX_BACKOFF_SECONDS", 60)
    client = app.test_client()
    assert post_form(client, "/petition", valid_letter()).status_code == 303  # the citizen is unaffected
    [message] = _outbox(db)
    assert message.status == "pending" and message.attempts == 1
    assert "Connection" in message.last_error or "Errno" in message.last_error
    assert 50 < (message.next_attempt_at - utcnow()).total_seconds() <= 60

    with app.app_context():
        assert relay(db.session) == 0  # not due yet: nothing is attempted
    assert _outbox(db)[0].attempts == 1

    def make_due_and_relay() -> None:
        db.session.execute(sa.text("UPDATE outbox_messages SET next_attempt_at = :t"),
                           {"t": utcnow() - __import__("datetime").timedelta(seconds=1)})
        db.session.commit()
        with app.app_context():
            relay(db.session)

    make_due_and_relay()
    [message] = _outbox(db)
    assert message.status == "pending" and message.attempts == 2
    assert 110 < (message.next_attempt_at - utcnow()).total_seconds() <= 120  # the wait doubled
    make_due_and_relay()
    [message] = _outbox(db)
    assert message.status == "failed" and message.attempts == 3

    # The administrator sees it and retries once the relay works again.
    make_staff("admin@example.tw", ["admin"], unit_code="SEC")
    db.session.commit()
    login(client, "admin@example.tw")
    page = client.get("/staff/outbox")
    assert "citizen@example.tw" in page.text and "寄送失敗" in page.text  # the failed tab, by name
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{smtp.port}")
    answer = client.post(f"/staff/outbox/{message.id}/retry", data={"csrf_token": csrf_token(page.text)})
    assert answer.status_code == 302
    [message] = _outbox(db)
    assert message.status == "sent"
    assert len(smtp.to("citizen@example.tw")) == 1
    with app.app_context():
        assert relay(db.session) == 0  # nothing left, nothing sent twice
    assert len(smtp.to("citizen@example.tw")) == 1


def test_without_mail_url_mail_is_written_as_eml_files(app, db, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path))
    client = app.test_client()
    post_form(client, "/mailbox", valid_letter())
    [eml] = list(tmp_path.glob("*.eml"))
    import email

    parsed = email.message_from_bytes(eml.read_bytes())
    assert parsed["To"] == "citizen@example.tw"
    assert "/verify/" in parsed.get_payload(decode=True).decode()


def test_a_savepoint_inside_the_transaction_sends_nothing_before_the_commit(app, db, smtp):
    """SQLAlchemy reports a released savepoint as a commit: the mail must still wait for the real one."""
    from notifications.outbox import enqueue

    enqueue(kind="test", to="early@example.tw", template="verify", language="en",
            context={"name": "X", "subject": "S", "channel": "mailbox", "expires_on": "2026-12-01", "agency": "A"},
            secrets={"link": "http://localhost/verify/t"}, key="test:savepoint")
    with db.session.begin_nested():
        db.session.execute(sa.text("SELECT 1"))
    assert smtp.to("early@example.tw") == []
    db.session.commit()
    assert len(smtp.to("early@example.tw")) == 1
