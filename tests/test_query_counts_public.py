"""The public request paths send the fewest statements: intake writes its rows (submission, identity, mail) with
one INSERT each and reads nothing — on PostgreSQL all three in one statement; tracking reads the case in one
SELECT; both take one pool connection and one Redis round trip."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import is_postgres
from tests.support import Statements, csrf_token, submit_and_verify, valid_letter

LETTER = {"channel": "petition", "subject": "中山路路燈不亮", "email": "citizen@example.tw", "name": "王小明",
          "body": "中山路二段與南京東路口的路燈已經三天沒有亮，晚上行人很危險，請儘速修復。", "consent": True}


def _letter_written(app) -> list[str]:  # noqa: ANN001
    """The statements that write a letter: one (WITH … INSERT × 3) on PostgreSQL, three INSERTs elsewhere."""
    return ["WITH"] if is_postgres(app) else ["INSERT", "INSERT", "INSERT"]


def test_an_api_submission_writes_one_insert_per_row_and_reads_nothing(client, app, db):
    from cases.case_file import PetitionerIdentity, Submission
    from notifications.models import OutboxMessage

    client.post("/api/v1/submissions", json={**LETTER, "email": "warm@example.tw"})  # settings now read
    with Statements() as sent:
        answer = client.post("/api/v1/submissions", json=LETTER)
    assert answer.status_code == 202, answer.json
    # submission, petitioner identity, verification mail; then the commit (the test app delivers after it)
    assert sent.until_commit() == _letter_written(app), repr(sent)
    if is_postgres(app):
        [(_, text)] = [entry for entry in sent.sent if entry[0] == "WITH"]
        assert text.count("INSERT INTO") == 3 and "SELECT" in text.rsplit(")", 1)[1]
    submission = db.session.get(Submission, answer.json["id"])
    assert submission.email == "citizen@example.tw" and submission.subject == LETTER["subject"]
    assert db.session.get(PetitionerIdentity, submission.id).name == "王小明"
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.about == f"submission:{submission.id}"))
    assert mail.idempotency_key == f"verify:{submission.id}" and mail.recipient == "citizen@example.tw"
    assert mail.context["name"] == "王小明" and mail.status == "sent"  # delivered after the commit


def test_an_idempotency_key_costs_no_lookup_until_a_retry_collides(client, app, db):
    from cases.case_file import Submission

    headers = {"Idempotency-Key": "retry-1"}
    first = client.post("/api/v1/submissions", json=LETTER, headers=headers)
    with Statements() as sent:
        new = client.post("/api/v1/submissions", json={**LETTER, "subject": "另一件"}, headers=headers)
    assert new.status_code == 202 and new.json["id"] != first.json["id"]
    assert sent.until_commit() == _letter_written(app), repr(sent)
    with Statements() as sent:
        again = client.post("/api/v1/submissions", json=LETTER, headers=headers)
    assert again.json["id"] == first.json["id"]
    # the INSERT collided: nothing written, the first is read
    assert sent.until_commit()[:2] == [_letter_written(app)[0], "SELECT"], repr(sent)
    assert not {"INSERT", "WITH"} & set(sent.until_commit()[1:]), repr(sent)  # nothing more written
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 2


def test_a_web_form_submission_reads_nothing_either(client, app):
    page = client.get("/petition")
    with Statements() as sent:
        answer = client.post("/petition", data={**valid_letter(), "csrf_token": csrf_token(page.text),
                                                "submission_token": "form-token-1"})
    assert answer.status_code == 303
    assert "SELECT" not in sent.until_commit(), repr(sent)
    assert sent.until_commit() == _letter_written(app), repr(sent)


def test_tracking_reads_the_case_once(client, smtp, db):
    from cases.models import Case
    from core.accounts.models import Unit

    number, code = submit_and_verify(client, smtp)
    db.session.scalar(sa.select(Case)).unit = db.session.scalar(sa.select(Unit)) or _unit(db)
    db.session.commit()
    with Statements() as sent:
        answer = client.post("/api/v1/track", json={"case_number": number, "access_code": code})
    assert answer.status_code == 200 and answer.json["unit"] and answer.json["events"]
    # The case, then its public events (cases.timeline.public_events_of): one SELECT each, whatever its history.
    assert sent.until_commit() == ["SELECT", "SELECT"], repr(sent)
    with Statements() as sent:
        wrong = client.post("/api/v1/track", json={"case_number": number, "access_code": "WRONGCODE234"})
    assert wrong.status_code == 404 and sent.until_commit() == ["SELECT"], repr(sent)


def _unit(db):  # noqa: ANN001, ANN202
    from tests.support import make_unit

    return make_unit("PARKS", "公園處")


def test_intake_and_tracking_take_one_pool_connection(client, smtp):
    number, code = submit_and_verify(client, smtp)
    client.post("/api/v1/submissions", json={**LETTER, "email": "warm@example.tw"})
    with Statements() as sent:
        assert client.post("/api/v1/submissions", json=LETTER).status_code == 202
    assert sent.checkouts_until_commit() == 1, repr(sent)
    with Statements() as sent:
        assert client.post("/api/v1/track", json={"case_number": number, "access_code": code}).status_code == 200
    assert sent.checkouts_until_commit() == 1 and sent.count("COMMIT") == 1, repr(sent)


def test_the_rate_limit_is_one_redis_round_trip(client, app):
    """Every window of the limit ("10 per hour;3 per minute") is counted by one script call."""
    from tests.conftest import need, redis_url

    limits = app.extensions["rate_limits"]
    need("Redis", limits.redis is not None, "set REDIS_URL (the rate limits' storage) to test the round trip")
    monitor_client = limits.redis.connection_pool
    calls = []
    original = monitor_client.get_connection

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        connection = original(*args, **kwargs)
        send = connection.send_packed_command
        connection.send_packed_command = lambda packed, *a, **k: (calls.append(packed), send(packed, *a, **k))[1]
        return connection

    assert redis_url()
    client.post("/api/v1/submissions", json={**LETTER, "email": "warm@example.tw"})  # the script is loaded once
    monitor_client.get_connection = counting
    try:
        answer = client.post("/api/v1/submissions", json=LETTER)
    finally:
        monitor_client.get_connection = original
    assert answer.status_code == 202
    assert len(calls) == 1, calls
