"""Personal access tokens for the staff API (`Authorization: Bearer TOKEN`)."""

from __future__ import annotations

from sqlalchemy import select

from core.accounts.models import ApiToken, Staff
from core.db import utcnow
from core.extensions import db
from core.security import new_token, token_digest

PREFIX = "cfb_"  # recognisable in logs and by secret scanners


def issue_token(staff: Staff) -> str:
    token = PREFIX + new_token()
    db.session.add(ApiToken(staff_id=staff.id, digest=token_digest(token)))
    db.session.flush()
    return token


def staff_for_token(authorization: str | None) -> Staff | None:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.digest == token_digest(token.strip()),
                                                   ApiToken.revoked_at.is_(None)))
    if row is None or not row.staff.active:
        return None
    row.last_used_at = utcnow()
    return row.staff
