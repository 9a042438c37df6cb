"""Account operations: creating units and staff, logging in (throttled), passwords, deactivation."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from core.accounts import throttle
from core.accounts.models import Role, Staff, StaffRole, Unit
from core.accounts.sessions import end_all_sessions
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
    check_password_rules(password)
    staff = Staff(email=email, name=name.strip(), unit=unit, password_hash=hash_secret(password))
    staff.roles = [StaffRole(role=r.value) for r in sorted(role_set)]
    db.session.add(staff)
    db.session.flush()
    return staff


def authenticate(email: str, password: str, client_address: str | None) -> Staff | None:
    """The staff member if the password is right and the account is usable; None otherwise. Failures are
    counted per (account, client address) pair; `LoginThrottled` says how long this address must wait
    (core/accounts/throttle.py). An unknown or deactivated account is counted and answered the same way."""
    account, client, now = throttle.account_key(email), throttle.client_key(client_address), utcnow()
    wait = throttle.wait_before_next_attempt(account, client, now)
    if wait is not None:
        verify_secret(None, password)  # same work as a real check
        raise throttle.LoginThrottled(wait)
    staff = find_staff(email)
    usable = staff is not None and staff.active
    if not verify_secret(staff.password_hash if usable else None, password):
        throttle.record_failure(account, client, now)
        wait = throttle.wait_before_next_attempt(account, client, now)
        if wait is not None:
            raise throttle.LoginThrottled(wait)
        return None
    throttle.record_success(account, client)
    staff.last_login_at = now
    db.session.flush()
    return staff


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def change_password(staff: Staff, new_password: str) -> None:
    """Set a new password; every session of the account ends (the caller re-stamps its own if it stays)."""
    check_password_rules(new_password)
    staff.password_hash = hash_secret(new_password)
    db.session.flush()
    end_all_sessions(staff)


def set_active(staff: Staff, active: bool) -> None:
    """Deactivate or reactivate an account. Deactivation ends its sessions at once and its API tokens stop
    working (they check the owner's `active`); reactivation brings back no session and no revoked token."""
    staff.active = active
    db.session.flush()
    if not active:
        end_all_sessions(staff)
