"""The public request paths send the fewest statements: intake writes one INSERT per row and reads nothing;
tracking reads the case in one SELECT; both take one pool connection and one Redis round trip."""

from __future__ import annotations

import sqlalchemy as sa

from tests.support import Statements, csrf_token, submit_and_verify, valid_letter

LETTER = {"channel": "petition", "subject": "中山路路燈不亮", "email": "citizen@example.tw", "name": "王小明",
          "body": "中山路二段與南京東路口的路燈已經三天沒有亮，晚上行人很危險，請儘速修復。", "consent": True}


def test_an_api_submission_writes_one_insert_per_row_and_reads_nothing(client, app, db):
    from cases.case_file import Submission

    client.post("/api/v1/submissions", json={**LETTER, "email": "warm@example.tw"})  # settings now read
    with Statements() as sent:
        answer = client.post("/api/v1/submissions", json=LETTER)
    assert answer.status_code == 202, answer.json
    # submission, petitioner identity, verification mail; then the commit (the test app delivers after it)
    assert sent.until_commit() == ["INSERT", "INSERT", "INSERT"], repr(sent)
    assert db.session.get(Submission, answer.json["id"]).email == "citizen@example.tw"


def test_an_idempotency_key_costs_no_lookup_until_a_retry_collides(client, db):
    from cases.case_file import Submission

    headers = {"Idempotency-Key": "retry-1"}
    first = client.post("/api/v1/submissions", json=LETTER, headers=headers)
    with Statements() as sent:
        new = client.post("/api/v1/submissions", json={**LETTER, "subject": "另一件"}, headers=headers)
    assert new.status_code == 202 and new.json["id"] != first.json["id"]
    assert sent.until_commit() == ["INSERT", "INSERT", "INSERT"], repr(sent)
    with Statements() as sent:
        again = client.post("/api/v1/submissions", json=LETTER, headers=headers)
    assert again.json["id"] == first.json["id"]
    assert sent.until_commit()[:2] == ["INSERT", "SELECT"], repr(sent)  # the INSERT collided: the first is read
    assert sent.until_commit().count("INSERT") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 2


def test_a_web_form_submission_reads_nothing_either(client):
    page = client.get("/petition")
    with Statements() as sent:
        answer = client.post("/petition", data={**valid_letter(), "csrf_token": csrf_token(page.text),
                                                "submission_token": "form-token-1"})
    assert answer.status_code == 303
    assert "SELECT" not in sent.until_commit(), repr(sent)
    assert sent.until_commit().count("INSERT") == 3, repr(sent)


def test_tracking_reads_the_case_once(client, smtp, db):
    from cases.models import Case
    from core.accounts.models import Unit

    number, code = submit_and_verify(client, smtp)
    db.session.scalar(sa.select(Case)).unit = db.session.scalar(sa.select(Unit)) or _unit(db)
    db.session.commit()
    with Statements() as sent:
        answer = client.post("/api/v1/track", json={"case_number": number, "access_code": code})
    assert answer.status_code == 200 and answer.json["unit"]
    assert sent.until_commit() == ["SELECT"], repr(sent)
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
