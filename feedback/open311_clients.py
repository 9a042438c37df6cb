"""Open311 client applications and their `api_key`s (issue 14): issue, look up, revoke.

Services flush; the command, the administration page or the request commits. A key is 256 random bits behind a
recognisable prefix, shown once; the database keeps its SHA-256 digest."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from core import audit
from core.db import utcnow
from core.errors import DomainError
from core.extensions import db
from core.security import new_token, token_digest
from feedback.models import Open311Client

PREFIX = "o311_"  # recognisable in logs and by secret scanners
NAME_MAX = 100
LAST_USED_PRECISION = timedelta(minutes=1)  # a busy client does not write on every request


class ClientError(DomainError):
    """A name the service refuses: the administration page shows it next to the field, the command prints it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 400)


def create_client(name: str, *, by=None) -> tuple[Open311Client, str]:  # noqa: ANN001 - a Staff, or None (CLI)
    """A new client application and its key, which exists only here and is shown once. Audited.

    Names need not be unique: while a key is replaced, the old and the new one may both carry the application's
    name (the list tells them apart by number and date)."""
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise ClientError(_("The name must have 1 to %(n)d characters.", n=NAME_MAX))
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name):  # a NUL, an escape, a bidi override
        raise ClientError(_("The name may not contain control characters."))
    key = PREFIX + new_token()
    client = Open311Client(name=name, key_digest=token_digest(key), created_at=utcnow())
    db.session.add(client)
    db.session.flush()
    audit.record(by, "open311_client", client.id, "create", None, {"name": name})
    return client, key


def revoke_client(client: Open311Client, *, by=None) -> bool:  # noqa: ANN001
    """Revoke the client's key; False when it was revoked already. Audited."""
    if client.revoked_at is not None:
        return False
    client.revoked_at = utcnow()
    db.session.flush()
    audit.record(by, "open311_client", client.id, "revoke", {"name": client.name, "active": True},
                 {"name": client.name, "active": False})
    return True


def clients() -> list[Open311Client]:
    return list(db.session.scalars(select(Open311Client).order_by(Open311Client.id.desc())))


def client_for_key(key: str | None) -> Open311Client | None:
    """The active client holding `key`, its last use noted (to the minute); None for a missing, unknown or revoked
    key."""
    key = (key or "").strip()
    if not key.startswith(PREFIX) or len(key) > 200:
        return None
    client = db.session.scalar(select(Open311Client).where(Open311Client.key_digest == token_digest(key)))
    if client is None or client.revoked_at is not None:
        return None
    now = utcnow()
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_PRECISION:
        db.session.execute(update(Open311Client).where(Open311Client.id == client.id).values(last_used_at=now)
                           .execution_options(synchronize_session=False))
    return client
