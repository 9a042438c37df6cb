"""Response headers every answer carries (security, caching)."""

from __future__ import annotations

from flask import Flask, request

# Answers that carry personal data or a member of staff's view, which no browser or proxy may keep: every staff
# page and staff API answer, the tracking page and API, the receipt after verification, the "submitted" page
# (the masked address) and the survey form. The public home page, the forms' first view, the stylesheet and
# the OpenAPI document may be cached.
NO_STORE_PREFIXES = ("/staff/", "/api/", "/track", "/verify/", "/submitted", "/survey/")
CACHEABLE = ("/api/v1/openapi.json",)


def init_app(app: Flask) -> None:
    _register_security_headers(app)
    _register_cache_headers(app)


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):  # noqa: ANN001, ANN202
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Verification links carry a token in the path: never send it to another site.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'",
        )
        return response


def must_not_be_stored(path: str, method: str) -> bool:
    """True for an answer no cache may keep: see NO_STORE_PREFIXES; also any answer to a POST (a form shown
    again with its errors carries what the person typed: name, address, e-mail)."""
    if path in CACHEABLE:
        return False
    return method not in ("GET", "HEAD") or path.startswith(NO_STORE_PREFIXES)


def _register_cache_headers(app: Flask) -> None:
    @app.after_request
    def no_store(response):  # noqa: ANN001, ANN202
        if must_not_be_stored(request.path, request.method):
            if "no-store" not in (response.headers.get("Cache-Control") or ""):
                response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"  # HTTP/1.0 caches
        return response
