"""Account operations: creating units and staff, logging in with lock-out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from core.accounts.models import Role, Staff, StaffRole, Unit
from core.db import utcnow
from core.extensions import db
from core.security import hash_secret, verify_secret

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    pass


def find_unit(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def create_unit(code: str, name: str, parent_code: str | None = None, ethics_office: bool = False) -> Unit:
    code = code.strip().upper()
    if not code or not name.strip():
        raise AccountError("code and name are required")
    if find_unit(code):
        raise AccountError(f"unit {code} exists already")
    parent = None
    if parent_code:
        parent = find_unit(parent_code.strip().upper())
        if parent is None:
            raise AccountError(f"parent unit {parent_code} does not exist")
    unit = Unit(code=code, name=name.strip(), parent=parent, is_ethics_office=ethics_office)
    db.session.add(unit)
    db.session.flush()
    return unit


def find_staff(email: str) -> Staff | None:
    return db.session.scalar(select(Staff).where(func.lower(Staff.email) == email.strip().lower()))


def create_staff(email: str, name: str, unit_code: str, roles: Iterable[str], password: str) -> Staff:
    email = email.strip().lower()
    if "@" not in email:
        raise AccountError("a valid e-mail address is required")
    if find_staff(email):
        raise AccountError(f"staff {email} exists already")
    unit = find_unit(unit_code.strip().upper())
    if unit is None:
        raise AccountError(f"unit {unit_code} does not exist")
    role_set = {Role(r) for r in roles}  # ValueError names an unknown role
    if not role_set:
        raise AccountError("at least one role is required")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    staff = Staff(email=email, name=name.strip(), unit=unit, password_hash=hash_secret(password))
    staff.roles = [StaffRole(role=r.value) for r in sorted(role_set)]
    db.session.add(staff)
    db.session.flush()
    return staff


def authenticate(email: str, password: str) -> Staff | None:
    """The staff member if the password is right and the account is usable; counts failures."""
    staff = find_staff(email)
    now = utcnow()
    if staff is None or not staff.active:
        verify_secret(None, password)  # same work as a real check
        return None
    if staff.locked_until and staff.locked_until > now:
        verify_secret(None, password)
        return None
    if not verify_secret(staff.password_hash, password):
        # Counted in SQL so that parallel guesses cannot overwrite each other's count.
        failures = db.session.execute(
            update(Staff)
            .where(Staff.id == staff.id)
            .values(failed_logins=Staff.failed_logins + 1)
            .returning(Staff.failed_logins)
        ).scalar_one()
        if failures >= current_app.config["LOGIN_MAX_FAILURES"]:
            lock_until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
            db.session.execute(
                update(Staff).where(Staff.id == staff.id).values(locked_until=lock_until, failed_logins=0)
            )
        db.session.expire(staff)
        return None
    staff.failed_logins, staff.locked_until, staff.last_login_at = 0, None, now
    db.session.flush()
    return staff
