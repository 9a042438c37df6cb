"""Rendering mail from per-language templates, and the two transports (SMTP, .eml files)."""

from __future__ import annotations

import hashlib
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).parent / "mail_templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR), undefined=StrictUndefined, autoescape=False,
    keep_trailing_newline=True,
)
SUPPORTED = ("zh_Hant_TW", "en")


def render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) from `<template>.<language>.txt`, whose first line is `Subject: ...`."""
    language = language if language in SUPPORTED else SUPPORTED[0]
    text = _env.get_template(f"{template}.{language}.txt").render(**context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"mail template {template}.{language} lacks its Subject line")
    return first.removeprefix("Subject: ").strip(), body.lstrip("\n")


def sms_template_name(template: str, language: str) -> str:
    return f"{template}.{language if language in SUPPORTED else SUPPORTED[0]}.sms.txt"


def has_sms_version(template: str) -> bool:
    """Whether the notice has an SMS-length text (`<template>.<language>.sms.txt`) in every language: only those go
    by SMS, so a new kind of notice goes by SMS as soon as its texts are written."""
    return all((TEMPLATE_DIR / sms_template_name(template, language)).is_file() for language in SUPPORTED)


def render_sms(template: str, language: str, context: dict[str, Any]) -> str:
    """The SMS text from `<template>.<language>.sms.txt` (no Subject line), blank lines dropped and cut to the
    length limit (notifications/sms.py fit: the last line, the tracking link, is kept)."""
    from notifications.sms import fit

    text = _env.get_template(sms_template_name(template, language)).render(**context)
    return fit("\n".join(line.strip() for line in text.splitlines() if line.strip()))


def message_id_for(idempotency_key: str, sender: str) -> str:
    """Stable per message: a resend after a crash carries the same Message-ID, so it can be deduplicated."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]}@{domain}>"


def build_message(
    *, sender: str, recipient: str, subject: str, body: str, idempotency_key: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id_for(idempotency_key, sender)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    """smtp://[user:password@]host:port[?starttls=1] or smtps://..."""

    # Per blocking step; a send has at most six (connect, EHLO, STARTTLS, AUTH, DATA, QUIT): 90 s in all,
    # inside the outbox's 2-minute claim (notifications/delivery.py STALE_CLAIM).
    def __init__(self, url: str, timeout: float = 15) -> None:
        parts = urlparse(url)
        self.ssl = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.ssl else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        cls = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        with cls(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


class FileTransport:
    """The embedded default: each message becomes an .eml file, and one line goes to the log."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").partition("@")[0] + ".eml"
        path = self.directory / name
        path.write_bytes(bytes(message))
        log.info("mail to %s: %s (%s)", message["To"], message["Subject"], path)


def transport_for(config: dict[str, Any]) -> Transport:
    url = config.get("MAIL_URL")
    return SmtpTransport(url) if url else FileTransport(config["MAIL_DIR"])
