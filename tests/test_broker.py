"""Celery on a real Redis with a real worker; and what happens while the broker is down."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa
from celery.contrib.testing.worker import start_worker

from tests.conftest import free_port, make_config, need, redis_url
from tests.support import confirm, post_form, valid_letter


@pytest.fixture
def real_redis() -> str:
    url = redis_url()
    need("Redis", url is not None, "set REDIS_URL to a running Redis server")
    return url


@pytest.fixture
def other_apps(app):
    """Builds more apps on the session's database; the session app's Celery stays current after."""
    from wsgi import create_app

    def build(tmp_path, redis: str):  # noqa: ANN001
        from tests.conftest import Mailbox  # noqa: F401

        config = make_config(app.config["SQLALCHEMY_DATABASE_URI"], int(app.config["MAIL_URL"].rsplit(":", 1)[1]),
                             tmp_path, REDIS_URL=redis,
                             CELERY={"task_default_queue": f"test-{uuid.uuid4().hex[:8]}"})
        return create_app(config)

    yield build
    app.extensions["celery"].set_current()
    app.extensions["celery"].set_default()


def _wait_for(condition, seconds: float = 20) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _outbox_statuses(db) -> list[str]:  # noqa: ANN001
    from notifications.models import OutboxMessage

    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_a_real_worker_delivers_the_mail(app, db, smtp, real_redis, other_apps, tmp_path):
    web = other_apps(tmp_path, real_redis)
    celery = web.extensions["celery"]
    assert not celery.conf.task_always_eager
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        client = web.test_client()
        assert post_form(client, "/mailbox", valid_letter()).status_code == 303
        assert _wait_for(lambda: len(smtp.to("citizen@example.tw")) == 1)
        confirm(client, smtp.only_link_to("citizen@example.tw"))
        assert _wait_for(lambda: len(smtp.to("citizen@example.tw")) == 2)
    assert "案件編號" in smtp.text(smtp.last_to("citizen@example.tw"))
    assert _outbox_statuses(db) == ["sent", "sent"]


def test_a_broker_outage_loses_nothing_and_the_relay_delivers_each_message_once(
    app, db, smtp, real_redis, other_apps, tmp_path
):
    down = other_apps(tmp_path / "down", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    client = down.test_client()
    started = time.monotonic()
    assert post_form(client, "/mailbox", valid_letter()).status_code == 303
    answer = client.post("/api/v1/submissions", json={
        "channel": "petition", "email": "api@example.tw", "subject": "主旨", "body": "具體內容，足夠的長度。",
        "consent": True})
    assert answer.status_code == 202
    assert time.monotonic() - started < 5  # a dead broker does not hang the citizen
    assert smtp.messages == []
    assert _outbox_statuses(db) == ["pending", "pending"]

    # The broker is back: a worker on the real Redis runs the periodic relay, twice.
    up = other_apps(tmp_path / "up", real_redis)
    celery = up.extensions["celery"]
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        celery.send_task("notifications.relay_outbox", queue=celery.conf.task_default_queue)
        assert _wait_for(lambda: _outbox_statuses(db) == ["sent", "sent"])
        result = celery.send_task("notifications.relay_outbox", queue=celery.conf.task_default_queue)
        assert result.id
        time.sleep(1)
    assert len(smtp.to("citizen@example.tw")) == 1
    assert len(smtp.to("api@example.tw")) == 1
    assert len(smtp.messages) == 2
