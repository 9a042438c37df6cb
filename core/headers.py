"""Response headers every answer carries (security, caching)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    _register_security_headers(app)


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
