"""The composition root: the one module that names every domain and binds them into the app.

`gunicorn wsgi:app`, `celery -A wsgi.celery` and `FLASK_APP=wsgi flask ...` use it; the app is built on
first use, so importing `create_app` from here (the tests do) builds nothing from the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import cases
import feedback
import notifications
import reports
import surveys
from core.app import create_app as create_kernel_app

# Upstream first: the order in which they register is the order of their dependencies.
DOMAINS = (notifications, cases, feedback, surveys, reports)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    return create_kernel_app(DOMAINS, overrides)


_built: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    if name in ("app", "celery"):
        if "app" not in _built:
            _built["app"] = create_app()
            _built["celery"] = _built["app"].extensions["celery"]
        return _built[name]
    raise AttributeError(name)
