"""Hashing and random secrets shared by accounts, intake and tracking."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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
