"""Hashing and random secrets shared by accounts, intake and tracking."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

_hasher = PasswordHasher()
# Verified against when the account or case does not exist, so both answers take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-secret")

# No 0/O, 1/I/L: codes are read over the phone and copied from paper receipts.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# Access codes and survey tokens are random (README: entropy): a keyed hash is enough to store them, and it is
# checked in microseconds where argon2 took ~100 ms of CPU per lookup. The key is CODE_HASH_KEY (by default
# derived from SECRET_KEY), so a copy of the database alone cannot test guesses.
KEYED_PREFIX = "hmac-sha256$"


@functools.lru_cache(maxsize=16)
def _purpose_key(master: str, purpose: str) -> bytes:
    return hmac.new(master.encode(), f"feedback:{purpose}".encode(), hashlib.sha256).digest()


def keyed_digest(secret: str, purpose: str) -> str:
    """HMAC-SHA-256 of a random secret under a key of its own per purpose ("access-code", "survey-token")."""
    master = current_app.config.get("CODE_HASH_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(_purpose_key(master, purpose), secret.encode(), hashlib.sha256).hexdigest()


def keyed_hash(secret: str, purpose: str) -> str:
    """The stored form of a keyed digest, marked so that older argon2 hashes are told apart."""
    return KEYED_PREFIX + keyed_digest(secret, purpose)


def verify_keyed(stored: str | None, secret: str, purpose: str) -> tuple[bool, str | None]:
    """Whether `secret` matches `stored`, in constant time, and the keyed hash to store instead when `stored`
    is an older argon2 hash that matched (re-keyed on the first successful lookup). `stored` None (nothing to
    match) costs the same as a wrong secret."""
    candidate = keyed_hash(secret, purpose)
    if stored is None or stored.startswith(KEYED_PREFIX):
        matches = hmac.compare_digest(candidate, stored or KEYED_PREFIX + "0" * 64)
        return matches and stored is not None, None
    if verify_secret(stored, secret):  # an argon2 hash from before: checked once, then replaced
        return True, candidate
    return False, None


def random_code(length: int = 10) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_token() -> str:
    """A URL-safe token with 256 bits of entropy; stored only as token_digest()."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    # High-entropy tokens need no slow hash; SHA-256 lets the database look them up by index.
    return hashlib.sha256(token.encode()).hexdigest()


def digests_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def mask_email(email: str) -> str:
    """c*******@example.tw: enough to recognise one's own address, not to learn someone else's."""
    local, _, domain = (email or "").partition("@")
    if not domain:
        return "***" if email else ""
    return f"{local[:1]}{'*' * max(len(local) - 1, 2)}@{domain}"
