"""Password reset by an e-mailed one-time link: an administrator asks for it, the person sets a new password.

The token is random (256 bits) and stored only as its SHA-256 digest; the link works once and for
`password_reset_valid_hours`. The mail leaves through the outbox: core announces `password_reset_requested`
and notifications (downstream) writes the message in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Staff
from core.accounts.services import change_password
from core.db import UTCDateTime, utcnow
from core.errors import DomainError
from core.extensions import db
from core.security import new_token, token_digest
from core.settings import get_setting
from core.signals import password_reset_requested
from core.urls import external_url


class PasswordReset(db.Model):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])


class ResetLinkUnusable(DomainError):
    def __init__(self) -> None:
        super().__init__(_("This link to set a password has expired or was used already. Please ask an "
                           "administrator for a new one."), 410)


def issue(staff: Staff, by: Staff | None) -> PasswordReset:
    """A new link for `staff`, mailed to them; earlier unused links of theirs stop working."""
    if not staff.active:
        raise DomainError(_("%(name)s is deactivated: reactivate the account first.", name=staff.name), 409)
    now = utcnow()
    _spend_open_links(staff.id, now)
    token = new_token()
    row = PasswordReset(staff_id=staff.id, digest=token_digest(token), created_at=now,
                        created_by_id=by.id if by else None,
                        expires_at=now + timedelta(hours=get_setting("password_reset_valid_hours")))
    db.session.add(row)
    db.session.flush()
    password_reset_requested.send(staff, link=external_url("admin.password_reset", token=token),
                                  expires_at=row.expires_at, reset_id=row.id)
    return row


def find_usable(token: str) -> PasswordReset:
    row = db.session.scalar(select(PasswordReset).where(PasswordReset.digest == token_digest(token or "")))
    if row is None or row.used_at is not None or row.expires_at <= utcnow() or not row.staff.active:
        raise ResetLinkUnusable()
    return row


def use(token: str, new_password: str) -> Staff:
    """Set the password (argon2, every session of the account ends) and spend the link."""
    row = find_usable(token)
    now = utcnow()
    # Claimed with one conditional UPDATE: of two uses at the same moment, one wins.
    claimed = db.session.execute(update(PasswordReset).where(PasswordReset.id == row.id,
                                                             PasswordReset.used_at.is_(None))
                                 .values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ResetLinkUnusable()
    change_password(row.staff, new_password)
    _spend_open_links(row.staff_id, now)
    return row.staff


def _spend_open_links(staff_id: int, now: datetime) -> None:
    db.session.execute(update(PasswordReset).where(PasswordReset.staff_id == staff_id,
                                                   PasswordReset.used_at.is_(None)).values(used_at=now)
                       .execution_options(synchronize_session=False))
    db.session.flush()
