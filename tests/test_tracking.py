"""Tracking a case with its number and access code."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.support import csrf_token, make_unit, submit_and_verify


def _main(html: str) -> str:
    main = html.split('<main', 1)[1].split("</main>", 1)[0]
    return re.sub(r'name="csrf_token" value="[^"]+"', "", main)  # signed with a timestamp: differs by design


def test_wrong_code_and_unknown_number_give_the_same_answer(client, smtp):
    number, code = submit_and_verify(client, smtp)
    page = client.get("/track")
    token = csrf_token(page.text)
    unknown_number = str(int(number) + 1)
    wrong = client.post("/track", data={"csrf_token": token, "case_number": number, "access_code": "WRONGCODE2"})
    unknown = client.post("/track", data={"csrf_token": token, "case_number": unknown_number,
                                          "access_code": code})
    assert wrong.status_code == unknown.status_code == 404
    assert _main(wrong.text).replace(number, "N") == _main(unknown.text).replace(unknown_number, "N")

    api_wrong = client.post("/api/v1/track", json={"case_number": number, "access_code": "WRONGCODE2"})
    api_unknown = client.post("/api/v1/track", json={"case_number": unknown_number, "access_code": code})
    assert api_wrong.status_code == api_unknown.status_code == 404
    assert api_wrong.json == api_unknown.json


def test_the_code_is_stored_only_as_a_hash_and_accepted_in_lower_case(client, smtp, db):
    from cases.models import Case

    number, code = submit_and_verify(client, smtp)
    stored = db.session.scalar(sa.select(Case.access_code_hash))
    assert code not in stored and re.fullmatch(r"hmac-sha256\$[0-9a-f]{64}", stored)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{12}", code)  # 12 of 31 characters: 59 bits (README)
    answer = client.post("/api/v1/track", json={"case_number": number, "access_code": code.lower()})
    assert answer.status_code == 200


def test_a_code_hashed_with_argon2_before_this_release_works_and_is_rekeyed_on_first_use(client, smtp, db):
    from cases.models import Case
    from core.security import hash_secret

    number, code = submit_and_verify(client, smtp)
    db.session.execute(sa.update(Case).values(access_code_hash=hash_secret(code)))  # as stored until now
    db.session.commit()
    wrong = client.post("/api/v1/track", json={"case_number": number, "access_code": "WRONGCODE234"})
    assert wrong.status_code == 404
    assert db.session.scalar(sa.select(Case.access_code_hash)).startswith("$argon2")  # a wrong code changes nothing
    assert client.post("/api/v1/track", json={"case_number": number, "access_code": code}).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(sa.select(Case.access_code_hash)).startswith("hmac-sha256$")
    assert client.post("/api/v1/track", json={"case_number": number, "access_code": code}).status_code == 200
    assert client.post("/api/v1/track", json={"case_number": number, "access_code": "WRONGCODE234"}).status_code == 404


def test_a_wrong_code_costs_what_a_right_one_costs(client, smtp, app):
    """The check itself, interleaved many times: a right code, a wrong code and an unknown number take the same
    time within noise (a keyed hash and a constant-time compare for all three; the DB lookup is the same)."""
    import statistics
    import time

    from feedback import services

    number, code = submit_and_verify(client, smtp)
    unknown = str(int(number) + 1)
    tries = {"right": (number, code), "wrong": (number, "WRONGCODE234"), "unknown": (unknown, code)}
    samples: dict[str, list[float]] = {name: [] for name in tries}
    with app.test_request_context():
        for _ in range(300):
            for name, (n, c) in tries.items():
                started = time.perf_counter()
                found = services.track(n, c)
                samples[name].append(time.perf_counter() - started)
                assert (found is not None) == (name == "right")
    medians = {name: statistics.median(values) for name, values in samples.items()}
    fastest, slowest = min(medians.values()), max(medians.values())
    # argon2 took ~100 ms and the dummy check the same; a keyed hash is microseconds beside a ~0.3 ms query.
    assert slowest < 0.005, medians
    assert slowest - fastest < max(0.25 * fastest, 0.0002), medians


def test_tracking_shows_the_responsible_unit_never_the_handler(client, smtp, db):
    from cases.models import Case
    from core.accounts.services import create_staff

    number, code = submit_and_verify(client, smtp)
    unit = make_unit("PARKS", "公園處")
    handler = create_staff("handler@example.tw", "承辦人甲乙", "PARKS", ["handler"], "long-enough-password")
    case = db.session.scalar(sa.select(Case))
    case.unit, case.handler = unit, handler
    db.session.commit()
    answer = client.post("/api/v1/track", json={"case_number": number, "access_code": code})
    assert answer.json["unit"] == "公園處"
    assert "承辦人甲乙" not in answer.text
    page = client.get("/track")
    html = client.post("/track", data={"csrf_token": csrf_token(page.text), "case_number": number,
                                       "access_code": code}).text
    assert "公園處" in html and "承辦人甲乙" not in html


def test_tracking_attempts_are_rate_limited(client, app, smtp):
    limit = int(re.search(r"(\d+) per minute", app.config["RATELIMIT_TRACK"]).group(1))
    statuses = [
        client.post("/api/v1/track", json={"case_number": "1150000001", "access_code": "X"}).status_code
        for _ in range(limit + 1)
    ]
    assert statuses[:limit] == [404] * limit
    assert statuses[-1] == 429
    token = csrf_token(client.get("/track").text)
    pages = [
        client.post("/track", data={"csrf_token": token, "case_number": "1", "access_code": "X"})
        for _ in range(limit + 1)
    ]
    assert [p.status_code for p in pages] == [404] * limit + [429]
    blocked = pages[-1]
    assert "請求" in blocked.text or "稍後" in blocked.text


def test_submissions_are_rate_limited(client, app):
    limit = int(re.search(r"(\d+) per minute", app.config["RATELIMIT_SUBMIT"]).group(1))
    body = {"channel": "mailbox", "email": "a@example.tw", "subject": "s", "body": "0123456789 long enough",
            "consent": True}
    statuses = [client.post("/api/v1/submissions", json=body).status_code for _ in range(limit + 1)]
    assert statuses == [202] * limit + [429]
