"""Staff accounts, roles and the organisation's unit tree; sessions, API tokens and login throttling."""

from flask import Flask


def init_app(app: Flask) -> None:
    from core.accounts import admin_views, cli, sessions, throttle, views

    # Settings of their own (FLASK_<NAME> overrides them like any other).
    app.config.setdefault("LOGIN_ACCOUNT_SLOWDOWN_FAILURES", throttle.DEFAULT_ACCOUNT_SLOWDOWN_FAILURES)
    sessions.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    admin_views.describe_audit()  # how the audit page names units, staff and settings
    app.cli.add_command(cli.units_cli)
    app.cli.add_command(cli.staff_cli)
    app.cli.add_command(cli.demo_cli)
