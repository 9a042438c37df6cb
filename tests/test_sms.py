"""SMS as a second channel (issue 13, deliver 5): through the outbox to a real HTTP server standing in for the
gateway, with the same exactly-once guarantees as mail."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from tests.support import (
    confirm,
    csrf_token,
    login,
    make_agency,
    make_staff,
    post_form,
    staff_client,
    valid_letter,
)

MOBILE, E164 = "0912-345-678", "+886912345678"


class Gateway:
    """A local JSON SMS gateway: records what it accepted; `status` is what it answers next."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.refused: list[dict] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                body["idempotency_key"] = self.headers.get("Idempotency-Key")
                status = gateway.status
                (gateway.received if status < 300 else gateway.refused).append(body)
                answer = b'{"ok": true}' if status < 300 else b'{"error": "invalid destination number"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def texts_to(self, number: str) -> list[str]:
        return [m["text"] for m in self.received if m["to"] == number]


@pytest.fixture
def gateway(app, monkeypatch) -> Iterator[Gateway]:  # noqa: ANN001
    server = Gateway()
    monkeypatch.setitem(app.config, "SMS_URL", server.url)
    yield server
    server.stop()


def _outbox(db, channel: str = "sms"):  # noqa: ANN001, ANN202
    from notifications.models import OutboxMessage

    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == channel)
                                   .order_by(OutboxMessage.id)))


def _relay(app) -> int:  # noqa: ANN001
    from core.extensions import db
    from notifications.tasks import relay

    with app.app_context():
        return relay(db.session)


def _submit_with_sms(client, smtp, **fields) -> str:  # noqa: ANN001
    answer = client.post("/api/v1/submissions", json={
        "channel": "petition", "subject": "中山路路燈不亮", "body": "中山路二段與南京東路口的路燈已經三天沒有亮。",
        "name": "王小明", "email": "citizen@example.tw", "phone": MOBILE, "sms_notices": True, "consent": True,
        **fields})
    assert answer.status_code == 202, answer.text
    confirm(client, smtp.only_link_to("citizen@example.tw"))
    return re.search(r"(?:案件編號：|Case number: )(\d+)", smtp.text(smtp.last_to("citizen@example.tw"))).group(1)


def test_the_receipt_goes_by_sms_once_through_the_outbox(app, db, client, smtp, gateway):
    from cases.case_file import PetitionerIdentity

    number = _submit_with_sms(client, smtp)
    identity = db.session.scalar(sa.select(PetitionerIdentity))
    assert identity.sms_notices and identity.sms_phone == E164 and identity.phone == MOBILE

    [text] = gateway.texts_to(E164)
    assert number in text and "查詢密碼" in text and text.rstrip().endswith("/track")
    code = re.search(r"查詢密碼([A-Z0-9]+)", text).group(1)
    assert client.post("/api/v1/track", json={"case_number": number, "access_code": code}).status_code == 200
    [sms] = _outbox(db)
    assert sms.status == "sent" and sms.idempotency_key.startswith("sms:receipt:")
    assert sms.secrets is None  # the access code is not kept once sent
    # The relay run twice (a second worker, a restart) sends nothing again.
    assert _relay(app) == 0 and _relay(app) == 0
    assert len(gateway.texts_to(E164)) == 1
    # The e-mail receipt went as before: one of each channel, with keys apart.
    [mail] = [m for m in _outbox(db, "email") if m.kind == "feedback.receipt"]
    assert mail.idempotency_key == sms.idempotency_key.removeprefix("sms:")


def test_a_gateway_outage_is_retried_and_the_text_delivered_once_when_it_is_back(app, db, client, smtp, gateway,
                                                                                 monkeypatch):
    gateway.status = 503
    _submit_with_sms(client, smtp)
    [sms] = _outbox(db)
    assert sms.status == "pending" and sms.attempts == 1 and "503" in sms.last_error
    assert gateway.received == []

    # Stopped altogether: the connection is refused, and it is still only a retry.
    gateway.stop()
    assert _relay(app) == 0
    [sms] = _outbox(db)
    assert sms.status == "pending" and sms.attempts == 2

    back = Gateway()
    try:
        monkeypatch.setitem(app.config, "SMS_URL", back.url)
        assert _relay(app) == 1
        assert _relay(app) == 0
        [text] = back.texts_to(E164)
        assert "查詢密碼" in text
        [sms] = _outbox(db)
        assert sms.status == "sent" and sms.attempts == 3 and sms.last_error is None
        # The gateway can drop a copy a lost answer would cause: every attempt carries the same key.
        assert back.received[0]["idempotency_key"]
    finally:
        back.stop()
        gateway.server = back.server  # the fixture's stop() must not stop a closed server twice
        gateway.stop = lambda: None


def test_a_refused_text_fails_at_once_and_the_administrator_reads_why(app, db, client, smtp, gateway):
    gateway.status = 400
    _submit_with_sms(client, smtp)
    [sms] = _outbox(db)
    assert sms.status == "failed" and sms.attempts == 1  # a 4xx would be refused again: no retries
    assert "HTTP 400" in sms.last_error and "invalid destination number" in sms.last_error
    assert _relay(app) == 0 and len(gateway.refused) == 1

    make_staff("admin@example.tw", ["admin"], unit_code="SEC")
    db.session.commit()
    admin = app.test_client()
    login(admin, "admin@example.tw")
    page = admin.get("/staff/outbox?status=failed")
    assert page.status_code == 200
    assert E164 in page.text and "簡訊" in page.text and "invalid destination number" in page.text

    gateway.status = 200  # fixed at the gateway: the administrator retries
    answer = admin.post(f"/staff/outbox/{sms.id}/retry", data={"csrf_token": csrf_token(page.text)})
    assert answer.status_code == 302
    assert len(gateway.texts_to(E164)) == 1


def test_a_petitioner_with_only_a_phone_number_registered_at_the_counter_is_told_by_sms_and_tracks(
        app, db, smtp, gateway):
    make_agency(db)
    officer = staff_client(app, "intake@example.tw")
    page = post_form(officer, "/staff/intake", {
        "channel": "petition", "received_via": "counter", "language": "zh_Hant_TW", "name": "陳阿嬤",
        "phone": "0912 345 678", "sms_notices": "y",
        "subject": "巷口水溝堵塞", "body": "民眾臨櫃反映巷口水溝堵塞，下雨時積水嚴重，請派員清理。",
    })
    assert page.status_code == 200, page.text
    number = re.search(r'<dd class="code">(\d+)</dd>', page.text).group(1)
    assert smtp.messages == []  # no e-mail address: nothing by mail

    [text] = gateway.texts_to(E164)
    code = re.search(r"查詢密碼([A-Z0-9]+)", text).group(1)
    assert number in text
    assert re.findall(r'<dd class="code">([A-Z0-9]+)</dd>', page.text)[1] == code  # the code handed over

    citizen = app.test_client()
    tracked = post_form(citizen, "/track", {"case_number": number, "access_code": code})
    assert tracked.status_code == 200 and number in tracked.text
    assert citizen.post("/api/v1/track", json={"case_number": number, "access_code": code}).status_code == 200

    # Later notices follow by SMS only: the transfer, then (on another case) nothing by mail ever.
    from tests.support import act

    answer = act(staff_client(app, "intake@example.tw"), number, "transfer", agency="交通部公路局",
                 reason="非本機關權責")
    assert answer.status_code == 303, answer.text
    texts = gateway.texts_to(E164)
    assert len(texts) == 2 and "交通部公路局" in texts[1] and texts[1].rstrip().endswith("/track")
    assert smtp.messages == []


def test_a_phone_that_is_not_a_taiwanese_mobile_is_refused_in_the_readers_language(client, db):
    letter = {"channel": "petition", "subject": "路燈", "body": "中山路二段的路燈已經三天沒有亮。", "consent": True,
              "email": "citizen@example.tw", "sms_notices": True}
    for phone in ("02-2345-6789", "", "+1 415 555 0100"):
        answer = client.post("/api/v1/submissions", json={**letter, "phone": phone})
        assert answer.status_code == 422, (phone, answer.text)
        assert "0912-345-678" in answer.json["errors"]["json"]["phone"][0]
        assert "手機" in answer.json["errors"]["json"]["phone"][0]
    english = client.post("/api/v1/submissions", json={**letter, "phone": "02-2345-6789", "language": "en"},
                          headers={"Accept-Language": "en"})
    assert english.status_code == 422 and "Taiwanese mobile number" in english.json["errors"]["json"]["phone"][0]
    # The web form says the same next to the field.
    page = post_form(client, "/petition", valid_letter(phone="02-2345-6789", sms_notices="y"))
    assert page.status_code == 400 and 'id="phone-error"' in page.text and "手機號碼" in page.text
    # Without the box ticked a landline is fine, as before.
    assert client.post("/api/v1/submissions", json={**letter, "sms_notices": False,
                                                    "phone": "02-2345-6789"}).status_code == 202


@pytest.mark.parametrize("language", ["zh_Hant_TW", "en"])
def test_every_sms_text_stays_within_two_segments_and_keeps_the_link(language):
    from notifications.mail import SUPPORTED, TEMPLATE_DIR, render_sms
    from notifications.sms import MAX_SEGMENTS, length_units, limit_for, segments

    long_reason = "需會同警察局及管線單位會勘後始能施工，" * 10 if language != "en" else "Site visit " * 40
    context = {"agency": "臺北市政府工務局新建工程處", "case_number": "1150000042", "access_code": "ABCDEFGHJKLM",
               "due_on": "2026-12-31", "previous_due_on": "2026-12-01", "reason": long_reason,
               "agency_to": "交通部公路局", "ground": "no_identity", "by_email": True, "by_post": False,
               "question": long_reason, "reply_by": "2026-12-20", "name": "王小明", "subject": "路燈",
               "new_number": "1150000043", "added_on": "2026-12-02", "attachments": 1,
               "track_url": "https://feedback.example.gov.tw/track"}
    templates = sorted({p.name.split(".")[0] for p in TEMPLATE_DIR.glob("*.sms.txt")})
    assert {"receipt", "extension_notice", "transfer_notice", "reply"} <= set(templates)
    assert language in SUPPORTED
    for template in templates:
        text = render_sms(template, language, context)
        assert length_units(text) <= limit_for(text) and segments(text) <= MAX_SEGMENTS, (template, text)
        assert text.endswith("\nhttps://feedback.example.gov.tw/track"), (template, text)
    short = render_sms("receipt", language, {**context, "agency": "示範機關"})
    assert "ABCDEFGHJKLM" in short and "…" not in short and "..." not in short  # nothing cut when it fits


def test_fit_cuts_cleanly_before_the_link():
    from notifications.sms import fit, is_gsm, length_units

    english = fit("Agency: your case needs more time. Reason: " + "inspection " * 30 + "\nhttps://x.tw/track")
    assert is_gsm(english) and length_units(english) <= 306
    assert english.endswith("inspection...\nhttps://x.tw/track")
    chinese = fit("【示範機關】原因：" + "需會勘" * 60 + "\nhttps://x.tw/track")
    assert length_units(chinese) == 134 and chinese.endswith("…\nhttps://x.tw/track")


def test_numbers_are_normalised_to_e164():
    from notifications.sms import taiwan_mobile_e164

    for written in ("0912-345-678", "0912 345 678", "0912.345.678", "(0912)345678", "+886 912 345 678",
                    "886912345678", "+886-912-345-678"):
        assert taiwan_mobile_e164(written) == E164, written
    for other in ("02-2345-6789", "0912-345-67", "0812345678", "+1 415 555 0100", "", "abc"):
        assert taiwan_mobile_e164(other) is None, other


def test_without_sms_url_texts_are_written_to_files(app, db, client, smtp, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SMS_URL", None)
    monkeypatch.setitem(app.config, "SMS_DIR", str(tmp_path / "sms"))
    _submit_with_sms(client, smtp, language="en")
    [file] = list((tmp_path / "sms").glob("*.txt"))
    text = file.read_text(encoding="utf-8")
    assert text.startswith(f"To: {E164}\n") and "Access code" in text and "/track" in text
    [sms] = _outbox(db)
    assert sms.status == "sent" and sms.language == "en"
