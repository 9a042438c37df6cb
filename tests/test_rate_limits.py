"""Rate limits (core/ratelimit.py): counted per address and endpoint, refused attempts not counted, kept in
memory while Redis is unreachable, and a limit string that is not one stops the start."""

from __future__ import annotations

import threading
import time

import pytest

from tests.conftest import free_port, make_config

LETTER = {"channel": "petition", "subject": "路燈", "email": "limit@example.tw", "consent": True,
          "body": "中山路二段與南京東路口的路燈已經三天沒有亮，請儘速修復。"}


def test_while_redis_is_unreachable_the_limit_holds_from_memory_without_waiting(app, tmp_path):
    from wsgi import create_app

    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    web = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], 25, tmp_path, RATELIMIT_STORAGE_URI=dead,
                                 RATELIMIT_TRACK="3 per minute"))
    app.extensions["celery"].set_current()  # the session's app stays the current one
    app.extensions["celery"].set_default()
    client = web.test_client()
    started = time.monotonic()
    statuses = [client.post("/api/v1/track", json={"case_number": "1150000001", "access_code": "X"}).status_code
                for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert time.monotonic() - started < 2 * web.config["REDIS_TIMEOUT_SECONDS"] + 1  # one timeout, then memory


def test_a_limit_that_is_not_one_stops_the_start(app, tmp_path):
    from wsgi import create_app

    try:
        with pytest.raises(ValueError, match="RATELIMIT_SUBMIT"):
            create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], 25, tmp_path, RATELIMIT_SUBMIT="often"))
    finally:
        app.extensions["celery"].set_current()
        app.extensions["celery"].set_default()


def test_refused_and_given_back_attempts_do_not_count(client, app):
    """Over the limit is not counted; a submission the rules refuse (422) is given back after the answer."""
    app.config["RATELIMIT_SUBMIT"], before = "2 per minute", app.config["RATELIMIT_SUBMIT"]
    try:
        for _ in range(3):
            assert client.post("/api/v1/submissions", json={**LETTER, "body": "short"}).status_code == 422
        assert client.post("/api/v1/submissions", json=LETTER).status_code == 202
        answer = client.post("/api/v1/submissions", json={**LETTER, "subject": "另一件"})
        assert answer.status_code == 202 and answer.headers["X-RateLimit-Remaining"] == "0"
        refused = client.post("/api/v1/submissions", json={**LETTER, "subject": "第三件"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 60
    finally:
        app.config["RATELIMIT_SUBMIT"] = before


def test_the_memory_count_is_exact_under_threads():
    from core.ratelimit import Window, _Memory

    memory, spec, keys = _Memory(), (Window(10**9, 60),), ["rl:test:k"]

    def hammer() -> None:
        for _ in range(5000):
            memory.count(keys, spec, time.time())
            memory.give_back(keys)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert memory.count(keys, spec, time.time())[1] == 1
