"""Configuration: code defaults, then FLASK_* variables, then the documented plain variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from flask import Flask

# The plain variables README.md documents; each maps onto a config key.
ENVIRONMENT_KEYS = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "REDIS_URL": "REDIS_URL",
    "MAIL_URL": "MAIL_URL",
    "MAIL_FROM": "MAIL_FROM",
    "SECRET_KEY": "SECRET_KEY",
    "BASE_URL": "BASE_URL",
    "AGENCY_NAME": "AGENCY_NAME",
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "CODE_HASH_KEY": "CODE_HASH_KEY",
    "SMS_URL": "SMS_URL",
    "SMS_TOKEN": "SMS_TOKEN",
    "SMS_USERNAME": "SMS_USERNAME",
    "SMS_PASSWORD": "SMS_PASSWORD",
}


class ConfigError(RuntimeError):
    pass


def default_config(app: Flask) -> dict[str, Any]:
    instance = Path(app.instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'feedback.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": None,
        "MAIL_URL": None,
        "MAIL_DIR": str(instance / "mail"),
        "MAIL_FROM": "陳情服務 <no-reply@feedback.localhost>",
        # SMS: a generic JSON gateway (http(s)://…), Mitake (mitake+https://…), or unset: texts written to SMS_DIR.
        # Credentials (SMS_TOKEN for the JSON gateway, SMS_USERNAME/SMS_PASSWORD for Mitake) come from the environment.
        "SMS_URL": None,
        "SMS_DIR": str(instance / "sms"),
        "SMS_TOKEN": None,
        "SMS_USERNAME": None,
        "SMS_PASSWORD": None,
        "SMS_TIMEOUT_SECONDS": 10,
        "SECRET_KEY": None,
        # Key of the access codes' and survey tokens' keyed hashes; SECRET_KEY when unset. Set it on its own to be
        # free to rotate SECRET_KEY: changing this key makes every stored code and survey link unusable.
        "CODE_HASH_KEY": None,
        "BASE_URL": "http://127.0.0.1:5000",
        "AGENCY_NAME": "示範機關",
        "BABEL_DEFAULT_LOCALE": "zh_Hant_TW",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Taipei",
        "LANGUAGES": ("zh_Hant_TW", "en"),
        "MAX_CONTENT_LENGTH": 30 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        # Public endpoints are rate-limited per client address.
        "RATELIMIT_SUBMIT": "10 per hour;3 per minute",
        "RATELIMIT_TRACK": "20 per hour;5 per minute",
        "RATELIMIT_LOGIN": "20 per hour;5 per minute",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCKOUT_MINUTES": 15,
        "OUTBOX_MAX_ATTEMPTS": 8,
        "OUTBOX_BACKOFF_SECONDS": 60,
        "API_TITLE": "Citizen feedback API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Reverse proxies in front of the app (X-Forwarded-For/-Proto hops to trust); 0: none.
        "TRUSTED_PROXIES": 0,
        # Redis is optional at request time: no request waits longer than this on it.
        "REDIS_TIMEOUT_SECONDS": 0.5,
        # How long a process keeps the settings it read (a change made elsewhere shows within this time).
        "SETTINGS_CACHE_SECONDS": 10,
        # Staff sessions end after this idle time and at the latest after this lifetime.
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_MAX_HOURS": 12,
        "API_TOKEN_DAYS": 90,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
    }


def apply_environment(config: MutableMapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
    environ = os.environ if environ is None else environ
    for variable, key in ENVIRONMENT_KEYS.items():
        value = environ.get(variable)
        if value:
            config[key] = value
    # Heroku-style URLs name the old driver; psycopg 3 is the one installed.
    uri = config["SQLALCHEMY_DATABASE_URI"]
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len(prefix):]


def validate_config(app: Flask) -> None:
    config = app.config
    if not config.get("SECRET_KEY"):
        # Only the embedded SQLite setup may invent its own key; a shared deployment
        # (several web nodes on one database) needs the same key everywhere.
        if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") or config.get("TESTING"):
            config["SECRET_KEY"] = _instance_secret(app)
        else:
            raise ConfigError("SECRET_KEY must be set in the environment when DATABASE_URL is set")
    mail_url = config.get("MAIL_URL")
    if mail_url and urlparse(mail_url).scheme not in ("smtp", "smtps"):
        raise ConfigError("MAIL_URL must look like smtp://host:port or smtps://host:port")
    sms_url = config.get("SMS_URL")
    if sms_url and urlparse(sms_url).scheme not in ("http", "https", "mitake+http", "mitake+https"):
        raise ConfigError("SMS_URL must look like https://gateway/path (JSON) or mitake+https://host/path (Mitake)")
    if sms_url and sms_url.startswith("mitake+") and not (config.get("SMS_USERNAME") and config.get("SMS_PASSWORD")):
        raise ConfigError("SMS_URL names Mitake: set SMS_USERNAME and SMS_PASSWORD in the environment")
    redis_url = config.get("REDIS_URL")
    if redis_url and urlparse(redis_url).scheme not in ("redis", "rediss"):
        raise ConfigError("REDIS_URL must look like redis://host:port/db")
    try:
        config["TRUSTED_PROXIES"] = int(config.get("TRUSTED_PROXIES") or 0)
    except ValueError:
        raise ConfigError("TRUSTED_PROXIES must be the number of proxies in front of the app (0, 1, 2 …)") from None
    if not 0 <= config["TRUSTED_PROXIES"] <= 5:
        raise ConfigError("TRUSTED_PROXIES must be between 0 and 5")
    base = urlparse(config["BASE_URL"])
    if base.scheme not in ("http", "https") or not base.netloc:
        raise ConfigError("BASE_URL must be an absolute http(s) URL")
    config["BASE_URL"] = config["BASE_URL"].rstrip("/")
    if not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not config.get("CODE_HASH_KEY") \
            and not config.get("TESTING"):
        app.logger.warning("CODE_HASH_KEY is not set: access codes and survey links are keyed with SECRET_KEY, "
                           "and rotating SECRET_KEY would make them all unusable")
    if base.scheme == "https":
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True


def _instance_secret(app: Flask) -> str:
    """Embedded mode keeps a random key under instance/ so sessions survive restarts."""
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
