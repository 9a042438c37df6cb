"""Input hygiene in one place: what every request's text, numbers and dates must be before a view sees them."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Registered by core.app.create_app."""
