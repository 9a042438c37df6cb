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
