"""Personal access tokens for the staff API (`Authorization: Bearer TOKEN`)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.accounts.models import ApiToken, Staff
from core.db import utcnow
from core.extensions import db
from core.security import new_token, token_digest

PREFIX = "cfb_"  # recognisable in logs and by secret scanners
MAX_DAYS = 366
LAST_USED_PRECISION = timedelta(minutes=1)  # a busy integration does not write on every call


class TokenError(ValueError):
    pass


def create_token(staff: Staff, *, days: int | None = None, name: str | None = None) -> tuple[ApiToken, str]:
    """A new token of `staff` valid for `days` (default API_TOKEN_DAYS): the row, and the secret, which
    exists only here (the database keeps its digest) and is shown once."""
    days = current_app.config["API_TOKEN_DAYS"] if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"a token is valid for 1 to {MAX_DAYS} days")
    name = (name or "").strip()[:100] or None
    secret = PREFIX + new_token()
    now = utcnow()
    row = ApiToken(staff_id=staff.id, digest=token_digest(secret), name=name, created_at=now,
                   expires_at=now + timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    return row, secret


def issue_token(staff: Staff, *, days: int | None = None, name: str | None = None) -> str:
    return create_token(staff, days=days, name=name)[1]


def tokens_of(staff: Staff | None = None) -> list[ApiToken]:
    """The tokens of `staff` (all staff's when None), newest first."""
    query = select(ApiToken).options(joinedload(ApiToken.staff)).order_by(ApiToken.id.desc())
    if staff is not None:
        query = query.where(ApiToken.staff_id == staff.id)
    return list(db.session.scalars(query))


def revoke(token: ApiToken) -> bool:
    """Revoke `token`; False when it was revoked already."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    return True


def staff_for_token(authorization: str | None) -> Staff | None:
    """The owner of a valid token: not revoked, not expired, the owner not deactivated."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.digest == token_digest(token)))
    now = utcnow()
    if row is None or not row.usable(now):
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        row.last_used_at = now
    return row.staff


def token_required(view):  # noqa: ANN001, ANN201
    """API view decorator: 401 without a valid token; otherwise g.api_user is the token's owner."""
    from functools import wraps

    from flask import g, request
    from flask_babel import gettext as _
    from flask_smorest import abort

    @wraps(view)
    def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        staff = staff_for_token(request.headers.get("Authorization"))
        if staff is None:
            abort(401, message=_("A valid personal access token is required."))
        g.api_user = staff
        return view(*args, **kwargs)

    return wrapped
