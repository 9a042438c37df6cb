"""A bad day: Redis stopped or paused, a worker killed mid-delivery. Real services, counted outcomes:
no request waits on Redis, no petition or mail is lost, and a recovered mail keeps its Message-ID."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT, free_port, make_config, need
from tests.support import (
    ALL_FIVES,
    close_with_reply,
    confirm,
    csrf_token,
    login,
    make_agency,
    post_form,
    survey_link,
    valid_letter,
)

REQUEST_BUDGET_SECONDS = 2.0


@pytest.fixture
def private_redis(tmp_path):  # noqa: ANN201
    """A Redis of this test's own, so that stopping or pausing it harms nobody else."""
    need("redis-server", shutil.which("redis-server") is not None, "apt-get install redis-server")
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
            break
        except redis.RedisError:
            time.sleep(0.05)
    yield process, url
    if process.poll() is None:
        os.kill(process.pid, signal.SIGCONT)
        process.kill()
        process.wait()


@pytest.fixture
def app_on(app, tmp_path):  # noqa: ANN201
    """An app on the session's database whose broker and rate limits use the given Redis."""
    from wsgi import create_app

    def build(redis: str):  # noqa: ANN202
        config = make_config(app.config["SQLALCHEMY_DATABASE_URI"], int(app.config["MAIL_URL"].rsplit(":", 1)[1]),
                             tmp_path, REDIS_URL=redis, RATELIMIT_STORAGE_URI=redis,
                             CELERY={"task_default_queue": f"test-{uuid.uuid4().hex[:8]}"})
        return create_app(config)

    yield build
    app.extensions["celery"].set_current()
    app.extensions["celery"].set_default()


@contextmanager
def timed(budget: float = REQUEST_BUDGET_SECONDS):  # noqa: ANN201
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < budget, f"took {elapsed:.2f} s"


def _relay(web) -> None:  # noqa: ANN001
    from core.extensions import db as ext_db
    from notifications.tasks import relay

    with web.app_context():
        relay(ext_db.session)


def _citizen_paths_work_while(web, db, smtp) -> None:  # noqa: ANN001
    """Submit (form and API), verify, track, answer a survey and log in, each within the budget."""
    from cases.case_file import Submission

    make_agency(db)
    citizen = web.test_client()
    with timed():
        assert post_form(citizen, "/mailbox", valid_letter()).status_code == 303
    with timed():
        answer = citizen.post("/api/v1/submissions", json={
            "channel": "petition", "email": "api@example.tw", "subject": "主旨", "body": "具體內容，足夠的長度。",
            "consent": True})
        assert answer.status_code == 202, answer.json
    _relay(web)  # the beat's safety net sends what the broker could not take
    with timed():
        assert confirm(citizen, smtp.only_link_to("citizen@example.tw")).status_code == 200
    _relay(web)
    with timed():
        assert citizen.post("/api/v1/track", json={"case_number": "1150000099", "access_code": "X"}).status_code == 404
    staff = web.test_client()
    with timed():
        assert login(staff, "intake@example.tw").status_code == 302
    close_with_reply(web, db, email="survey@example.tw")
    _relay(web)
    link = survey_link(smtp, "survey@example.tw")
    form = citizen.get(link)
    with timed():
        assert citizen.post(link, data={"csrf_token": csrf_token(form.text), **ALL_FIVES}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 3  # nothing lost


def test_with_redis_stopped_every_citizen_path_and_staff_login_work(app, db, smtp, private_redis, app_on):
    process, url = private_redis
    web = app_on(url)
    process.kill()
    process.wait()
    _citizen_paths_work_while(web, db, smtp)


def test_with_redis_paused_every_citizen_path_and_staff_login_answer_within_two_seconds(
        app, db, smtp, private_redis, app_on):
    process, url = private_redis
    web = app_on(url)
    os.kill(process.pid, signal.SIGSTOP)
    try:
        _citizen_paths_work_while(web, db, smtp)
    finally:
        os.kill(process.pid, signal.SIGCONT)


# ---------------------------------------------------------------- a worker killed mid-delivery

DELIVER_ONE = """
import sys
from wsgi import create_app
from core.extensions import db
from notifications.delivery import deliver_message
from notifications.mail import transport_for

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "t", "TESTING": True, "REDIS_URL": None,
                  "MAIL_URL": sys.argv[2], "BASE_URL": "http://localhost"})
with app.app_context():
    deliver_message(db.session, int(sys.argv[3]), transport_for(app.config), app.config)
"""


def _stalling_smtp_server(port: int) -> subprocess.Popen:
    # Greets, accepts the envelope and the data, and then never says 250: the sender waits for ever.
    script = f"""
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", {port})); s.listen()
c, _ = s.accept(); f = c.makefile("rwb")
f.write(b"220 stall\\r\\n"); f.flush()
while True:
    line = f.readline()
    if not line:
        break
    word = line[:4].upper()
    if word in (b"EHLO", b"HELO"):
        f.write(b"250 stall\\r\\n")
    elif word == b"DATA":
        f.write(b"354 go on\\r\\n"); f.flush()
        while f.readline() not in (b".\\r\\n", b""):
            pass
        import time; time.sleep(3600)
    else:
        f.write(b"250 ok\\r\\n")
    f.flush()
"""
    return subprocess.Popen([sys.executable, "-c", script])


def test_a_worker_killed_mid_delivery_is_recovered_within_minutes_with_the_same_message_id(app, db, smtp, clock):
    from datetime import timedelta

    from notifications.delivery import STALE_CLAIM
    from notifications.mail import message_id_for
    from notifications.models import OutboxMessage
    from notifications.outbox import enqueue

    assert timedelta(minutes=2) >= STALE_CLAIM
    with app.app_context():
        from core.extensions import db as ext_db

        message_id = enqueue(kind="test.kill", to="waiting@example.tw", template="verify", language="zh_Hant_TW",
                          context={"name": "王小明", "subject": "路燈", "channel": "mailbox",
                                   "expires_on": "2026-01-01", "agency": "示範機關"},
                          secrets={"link": "http://localhost/verify/x"},
                          key="test-kill:1")
        ext_db.session.info.pop("outbox_pending_ids", None)  # this test delivers it itself
        ext_db.session.commit()
    port = free_port()
    stall = _stalling_smtp_server(port)
    worker = subprocess.Popen([sys.executable, "-c", DELIVER_ONE, app.config["SQLALCHEMY_DATABASE_URI"],
                               f"smtp://127.0.0.1:{port}", str(message_id)], cwd=Path(ROOT))
    try:
        for _ in range(200):  # until the worker has claimed it and is stuck in the SMTP conversation
            db.session.expire_all()
            if db.session.get(OutboxMessage, message_id).status == "sending":
                break
            time.sleep(0.05)
        time.sleep(0.5)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        stall.kill()
        stall.wait()
    db.session.expire_all()
    stuck = db.session.get(OutboxMessage, message_id)
    assert stuck.status == "sending" and smtp.to("waiting@example.tw") == []

    # The worker wrote its claim on the real clock; the relay runs on the test's. Two minutes after the claim:
    clock.move_to(stuck.claimed_at + STALE_CLAIM + timedelta(seconds=1))
    _relay(app)
    db.session.expire_all()
    sent = db.session.get(OutboxMessage, message_id)
    assert sent.status == "sent" and sent.attempts == 2
    assert "worker stopped" in (sent.recovered_note or "")
    [mail] = smtp.to("waiting@example.tw")
    assert mail["Message-ID"] == message_id_for("test-kill:1", app.config["MAIL_FROM"])
