from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, utcnow
from core.extensions import db


class Role(enum.StrEnum):
    INTAKE = "intake"
    SUPERVISOR = "supervisor"
    HANDLER = "handler"
    SECRETARIAT = "secretariat"
    ETHICS = "ethics"
    ADMIN = "admin"


class Unit(db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    is_ethics_office: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Staff(UserMixin, db.Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Stamped into each session at login; the user loader refuses a session whose stamp differs. Logout,
    # a password change and deactivation increment it, so every session of the account ends at once.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The deputy (代理人) receives the handler's reminders while the handler is away.
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    away_from: Mapped[date | None] = mapped_column(Date)
    away_until: Mapped[date | None] = mapped_column(Date)
    # Telephone (with extension) printed as the contact on letters the staff member handles.
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Staff notices by mail: each at once ("immediate") or held for one digest a day ("daily").
    notice_delivery: Mapped[str] = mapped_column(String(10), default="immediate", server_default="immediate")
    # The language of the person's notices and digests (a locale the site speaks: "zh_Hant_TW" or "en").
    language: Mapped[str] = mapped_column(String(10), default="zh_Hant_TW", server_default="zh_Hant_TW")

    unit: Mapped[Unit] = relationship()
    deputy: Mapped[Staff | None] = relationship(remote_side=[id])
    roles: Mapped[list[StaffRole]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_names & {r.value for r in roles})

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated staff cannot log in
        return self.active

    def is_away(self, day: date) -> bool:
        return bool(self.away_from and self.away_until and self.away_from <= day <= self.away_until)

    def __repr__(self) -> str:
        return f"<Staff {self.email}>"


class StaffRole(db.Model):
    __tablename__ = "staff_roles"
    __table_args__ = (
        CheckConstraint(
            "role IN ('intake', 'supervisor', 'handler', 'secretariat', 'ethics', 'admin')",
            name="role_known",
        ),
    )

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    staff: Mapped[Staff] = relationship(back_populates="roles")


class ApiToken(db.Model):
    """A personal access token: acts with its owner's roles and nothing more. Stored as a digest."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    name: Mapped[str | None] = mapped_column(String(100))

    staff: Mapped[Staff] = relationship()

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.staff.active


class LoginFailure(db.Model):
    """One failed login, kept for the throttling window (core/accounts/throttle.py). Keyed on a digest of the
    e-mail address typed (whether or not such an account exists, so the answers cannot tell) and on the
    client's address (an IPv6 address by its /64 network)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_account_client", "account_digest", "client", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_digest: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
