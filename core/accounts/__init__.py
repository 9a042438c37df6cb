"""Staff accounts, roles and the organisation's unit tree."""

from flask import Flask


def init_app(app: Flask) -> None:
    from core.accounts import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.units_cli)
    app.cli.add_command(cli.staff_cli)
    app.cli.add_command(cli.demo_cli)
