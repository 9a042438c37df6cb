"""The one check of a redirect target taken from the request (`?next=`): a path on this site, or the default.

Browsers forgive a lot in a Location header: they drop tabs and newlines (`/\\t/evil.example` becomes
`//evil.example`, another site), read a backslash as a slash, and a newline in a header makes the server
answer 500. So only a plain same-site path passes: one leading "/", no "//", no backslash, no control or
invisible formatting character, no scheme or host — checked on the value as given and again after
%-decoding, so an encoded `%09` or `%5C` fares no better.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000
_DECODE_ROUNDS = 3  # %25-encoded more deeply than this is no link of ours


def safe_next(value: str | None, default: str) -> str:
    """`value` if it is a same-site relative path, otherwise `default`."""
    if not value or not isinstance(value, str) or len(value) > MAX_LENGTH:
        return default
    forms = [value]
    for _ in range(_DECODE_ROUNDS):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    else:
        return default
    return value if all(_plain_path(form) for form in forms) else default


def _plain_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return False
    if any(unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp") for ch in path):
        return False  # control (\t \r \n …), format (invisible), unassigned, surrogate characters
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc
