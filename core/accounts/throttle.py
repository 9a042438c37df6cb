"""Login throttling keyed on the account AND the client's address, so a stranger cannot lock a colleague out.

- Per (account, address) pair: after `LOGIN_MAX_FAILURES` failures within `LOGIN_LOCKOUT_MINUTES`, that
  address waits until the oldest of them is `LOGIN_LOCKOUT_MINUTES` old. Other addresses are not affected:
  the real user, from their own desk, still logs in.
- Per account, a higher ceiling that slows and does not lock: once the account has had
  `LOGIN_ACCOUNT_SLOWDOWN_FAILURES` failures within the window, from whatever addresses, every address gets
  one attempt per window instead of `LOGIN_MAX_FAILURES`. A guesser with many addresses is slowed to one
  guess per address per window; the real user with the right password still logs in at the first attempt.

The account is the e-mail address as typed (lower-cased, as a digest), whether or not such an account
exists, so the answers cannot tell which addresses are staff. An IPv6 client counts by its /64 network
(one subscriber's usual allocation). The per-address rate limit (`RATELIMIT_LOGIN`) comes on top.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from core.accounts.models import LoginFailure
from core.extensions import db
from core.security import token_digest

DEFAULT_ACCOUNT_SLOWDOWN_FAILURES = 20


class LoginThrottled(Exception):
    """This address must wait before trying this account again."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(f"wait {wait}")
        self.wait = wait

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.wait.total_seconds() / 60))


def account_key(email: str) -> str:
    return token_digest(email.strip().lower())


def client_key(address: str | None) -> str:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])


def wait_before_next_attempt(account: str, client: str, now: datetime) -> timedelta | None:
    """How long `client` must wait before trying `account` again; None: it may try now."""
    config = current_app.config
    since = now - _window()
    account_failures = db.session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.account_digest == account, LoginFailure.failed_at > since))
    slowed = account_failures >= config.get("LOGIN_ACCOUNT_SLOWDOWN_FAILURES", DEFAULT_ACCOUNT_SLOWDOWN_FAILURES)
    allowed = 1 if slowed else config["LOGIN_MAX_FAILURES"]
    recent = db.session.scalars(
        select(LoginFailure.failed_at)
        .where(LoginFailure.account_digest == account, LoginFailure.client == client, LoginFailure.failed_at > since)
        .order_by(LoginFailure.failed_at.desc()).limit(allowed)
    ).all()
    if len(recent) < allowed:
        return None
    return recent[-1] + _window() - now  # when the oldest failure that counts leaves the window


def record_failure(account: str, client: str, now: datetime) -> None:
    db.session.add(LoginFailure(account_digest=account, client=client, failed_at=now))
    # Failures older than the window count for nothing any more.
    db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - _window()))
    db.session.flush()


def record_success(account: str, client: str) -> None:
    """The pair starts afresh; the account's other failures (someone else's guesses) still count."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.account_digest == account,
                                                  LoginFailure.client == client))
