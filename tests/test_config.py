"""Configuration from the environment, validated when the app is created."""

from __future__ import annotations

import pytest

from core.config import ConfigError, apply_environment


def test_documented_variables_map_onto_the_config():
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://"}
    apply_environment(config, {"DATABASE_URL": "postgres://u:p@db/feedback", "REDIS_URL": "redis://r:6379/0",
                               "MAIL_URL": "smtp://relay:25", "SECRET_KEY": "s", "BASE_URL": "https://x.gov.tw"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/feedback"
    assert config["REDIS_URL"] == "redis://r:6379/0" and config["MAIL_URL"] == "smtp://relay:25"


@pytest.mark.parametrize(("overrides", "words"), [
    ({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x", "SECRET_KEY": None}, "SECRET_KEY"),
    ({"MAIL_URL": "http://mail"}, "MAIL_URL"),
    ({"REDIS_URL": "memcached://x"}, "REDIS_URL"),
    ({"BASE_URL": "example.tw"}, "BASE_URL"),
])
def test_bad_configuration_stops_the_app_at_creation(overrides, words, tmp_path):
    from wsgi import create_app

    config = {"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", **overrides}
    with pytest.raises(ConfigError, match=words):
        create_app(config)


def test_https_base_url_makes_cookies_secure(tmp_path):
    from wsgi import create_app

    app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                      "BASE_URL": "https://feedback.example.gov.tw/"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["BASE_URL"] == "https://feedback.example.gov.tw"
