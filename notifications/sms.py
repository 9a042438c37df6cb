"""SMS: Taiwanese mobile numbers, the length of a text, and the gateways that send one.

A gateway's `send(to, text, key)` returns when the message was accepted, raises `PermanentFailure` when retrying
cannot help (the gateway refused this message: a 4xx, a wrong number, no credit), and raises anything else for a
failure worth retrying (a 5xx, a timeout, a refused connection): notifications/delivery.py records either on the
outbox row. Credentials come from the environment (core/config.py), never from code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

# ------------------------------------------------------------------ numbers

# 09xx-xxx-xxx with any spaces, dashes, dots or brackets; +886 9xx… and 886 9xx… are the same number.
_SEPARATORS = re.compile(r"[\s\-.()]")
_TW_MOBILE = re.compile(r"^(?:\+886|00886|886|0)(9\d{8})$")


def taiwan_mobile_e164(phone: str) -> str | None:
    """+8869xxxxxxxx for a Taiwanese mobile number as people write it (0912-345-678, 0912 345 678,
    +886 912 345 678), else None: a landline or a foreign number cannot receive our notices."""
    match = _TW_MOBILE.match(_SEPARATORS.sub("", phone or ""))
    return f"+886{match.group(1)}" if match else None


def mask_phone(phone: str) -> str:
    """+8869****5678: enough to recognise one's own number, not to learn someone else's."""
    return f"{phone[:5]}****{phone[-4:]}" if len(phone) > 9 else ("***" if phone else "")


# ------------------------------------------------------------------ length

# GSM 03.38: the basic set counts one septet a character, the extension table two. A text with any other character
# (Chinese) goes as UCS-2: 70 characters in one segment, 67 in each part of a longer one (the rest carries the
# header that joins them); GSM-7 gives 160 and 153.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")
# Our limit: two segments. A receipt must carry the case number, the access code, the expected date and the link,
# which one Chinese segment (70) cannot hold; two are still read as one message on every phone.
MAX_SEGMENTS = 2
SEGMENT_UCS2, PART_UCS2 = 70, 67
SEGMENT_GSM, PART_GSM = 160, 153


def is_gsm(text: str) -> bool:
    return all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text)


def length_units(text: str) -> int:
    """What the segment limits count: septets for GSM-7, characters (UTF-16 units) for UCS-2."""
    if is_gsm(text):
        return sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def limit_for(text: str, segments: int = MAX_SEGMENTS) -> int:
    if is_gsm(text):
        return SEGMENT_GSM if segments == 1 else PART_GSM * segments
    return SEGMENT_UCS2 if segments == 1 else PART_UCS2 * segments


def segments(text: str) -> int:
    units, gsm = length_units(text), is_gsm(text)
    single, part = (SEGMENT_GSM, PART_GSM) if gsm else (SEGMENT_UCS2, PART_UCS2)
    return 1 if units <= single else -(-units // part)


def fit(text: str) -> str:
    """The text within MAX_SEGMENTS. The last line (the tracking link, by the templates' convention) is kept whole;
    what comes before it is cut at a word or character boundary and marked with an ellipsis, so a long reason or
    question ends cleanly and the reader still has the link to read it in full."""
    text = text.strip()
    if length_units(text) <= limit_for(text):
        return text
    head, _, link = text.rpartition("\n")
    if not head:
        head, link = text, ""
    ellipsis = "..." if is_gsm(text) else "…"
    tail = f"{ellipsis}\n{link}" if link else ellipsis
    budget = limit_for(head + tail) - length_units(tail)
    cut = head
    while cut and length_units(cut) > budget:
        cut = cut[:-1]
    if cut and len(cut) < len(head) and _wordy(cut[-1]) and _wordy(head[len(cut)]) and " " in cut[-20:]:
        cut = cut.rsplit(" ", 1)[0]  # English: not in the middle of a word
    return cut.rstrip(" ,.;:，、。；：") + tail


def _wordy(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# ------------------------------------------------------------------ gateways


class PermanentFailure(Exception):
    """The gateway refused this message: sending it again would be refused again."""


class SmsGateway(Protocol):
    def send(self, to: str, text: str, key: str) -> None: ...


def _http(request: urllib.request.Request, timeout: float) -> tuple[int, str]:
    """(status, body) of a request; 4xx are answers here, not exceptions. 5xx, timeouts and refused connections
    raise: the outbox retries them."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the configured gateway
            return response.status, response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        body = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        if 400 <= exc.code < 500:
            return exc.code, body
        raise ConnectionError(f"SMS gateway answered HTTP {exc.code}: {_short(body)}") from None


def _short(body: str) -> str:
    return " ".join(body.split())[:200]


class JsonGateway:
    """The generic gateway: POST {"to": "+8869…", "text": "…"} as JSON; 2xx sent, 4xx refused for good, 5xx or no
    answer retried. An `Idempotency-Key` header (the outbox row's key) lets a gateway drop the copy a retry after a
    lost answer would send. SMS_TOKEN, when set, goes as a bearer token."""

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 10) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, to: str, text: str, key: str) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": _key_digest(key)}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=json.dumps({"to": to, "text": text}).encode(),
                                         headers=headers, method="POST")
        status, body = _http(request, self.timeout)
        if status >= 400:
            raise PermanentFailure(f"SMS gateway refused the message (HTTP {status}): {_short(body) or 'no reason'}")


class MitakeGateway:
    """三竹簡訊 (Mitake) HTTP API: POST form fields username, password, dstaddr (09xxxxxxxx), smbody, with
    CharsetURL=UTF-8, to e.g. https://smsapi.mitake.com.tw/api/mtk/SmSend. The answer is `key=value` lines; its
    `statuscode` 0, 1, 2 or 4 means accepted; the letters are errors, of which `*`, `a`, `b` and `r` say the service
    is paused (retried) and the others (wrong account, number or content, no credit) refuse the message.
    The shape is taken from the public descriptions of Mitake's HTTP API (its SDKs on PyPI, RubyGems and Packagist);
    confirm the status codes against the document that comes with the agency's account."""

    ACCEPTED = frozenset("0124")
    TRANSIENT = frozenset("*abr")

    def __init__(self, url: str, *, username: str, password: str, timeout: float = 10) -> None:
        self.url, self.username, self.password, self.timeout = url, username, password, timeout

    def send(self, to: str, text: str, key: str) -> None:
        form = {"username": self.username, "password": self.password, "dstaddr": "0" + to.removeprefix("+886"),
                "smbody": text, "clientid": _key_digest(key)[:36]}  # clientid: Mitake drops a repeated one
        separator = "&" if "?" in self.url else "?"
        request = urllib.request.Request(
            f"{self.url}{separator}CharsetURL=UTF-8", data=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST")
        status, body = _http(request, self.timeout)
        if status >= 400:
            raise PermanentFailure(f"Mitake refused the message (HTTP {status}): {_short(body) or 'no reason'}")
        answer = dict(line.split("=", 1) for line in body.splitlines() if "=" in line)
        code = answer.get("statuscode", "").strip()
        if code in self.ACCEPTED:
            return
        reason = f"Mitake statuscode {code or '?'}: {_short(answer.get('Error', '')) or _short(body)}"
        if code in self.TRANSIENT or not code:
            raise ConnectionError(reason)
        raise PermanentFailure(reason)


class FileGateway:
    """The embedded default: each text becomes a file under instance/sms/, and one line goes to the log."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def send(self, to: str, text: str, key: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{_key_digest(key)[:40]}.txt"
        path.write_text(f"To: {to}\nSegments: {segments(text)}\n\n{text}\n", encoding="utf-8")
        log.info("sms to %s (%s)", mask_phone(to), path)


def _key_digest(key: str) -> str:
    """Stable per message, as mail's Message-ID: a resend after a crash carries the same one."""
    return hashlib.sha256(key.encode()).hexdigest()


def gateway_for(config: dict[str, Any]) -> SmsGateway:
    """SMS_URL http(s)://… the generic JSON gateway; mitake+https://… Mitake; unset: files under SMS_DIR."""
    url = config.get("SMS_URL")
    timeout = float(config.get("SMS_TIMEOUT_SECONDS") or 10)
    if not url:
        return FileGateway(config["SMS_DIR"])
    if url.startswith("mitake+"):
        return MitakeGateway(url.removeprefix("mitake+"), username=config.get("SMS_USERNAME") or "",
                             password=config.get("SMS_PASSWORD") or "", timeout=timeout)
    return JsonGateway(url, token=config.get("SMS_TOKEN"), timeout=timeout)
